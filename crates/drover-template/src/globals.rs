//! Jinja's global helpers that minijinja lacks and Ansible templates use: `joiner`, `cycler` and
//! `lipsum` (minijinja has `range`, `dict` and `namespace`; `lookup`/`query` live in lookups.rs).

use drover_python::random::Random;
use minijinja::value::{Kwargs, Object, ObjectRepr, Rest, Value};
use minijinja::{Environment, Error, ErrorKind, State};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("joiner", joiner);
    env.add_function("cycler", cycler);
    env.add_function("lipsum", lipsum);
}

/// `joiner(sep=', ')`: a callable that returns "" the first time and `sep` after.
fn joiner(sep: Option<String>) -> Value {
    Value::from_object(Joiner {
        sep: sep.unwrap_or_else(|| ", ".into()),
        used: AtomicBool::new(false),
    })
}

#[derive(Debug)]
struct Joiner {
    sep: String,
    used: AtomicBool,
}

impl Object for Joiner {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        if !args.is_empty() {
            return Err(Error::from(ErrorKind::TooManyArguments));
        }
        if self.used.swap(true, Ordering::Relaxed) {
            Ok(Value::from(self.sep.as_str()))
        } else {
            Ok(Value::from(""))
        }
    }
}

/// `cycler(*items)`: `next()` gives the items in turn, round and round; `current` is the one
/// `next()` gives next; `reset()` starts over.
fn cycler(items: Rest<Value>) -> Result<Value, Error> {
    if items.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "at least one item has to be provided",
        ));
    }
    Ok(Value::from_object(Cycler {
        items: items.0,
        pos: AtomicUsize::new(0),
    }))
}

#[derive(Debug)]
struct Cycler {
    items: Vec<Value>,
    pos: AtomicUsize,
}

impl Object for Cycler {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "current" => Some(self.items[self.pos.load(Ordering::Relaxed)].clone()),
            "items" => Some(Value::from(self.items.clone())),
            "pos" => Some(Value::from(self.pos.load(Ordering::Relaxed))),
            _ => None,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        if !args.is_empty() {
            return Err(Error::from(ErrorKind::TooManyArguments));
        }
        match method {
            "next" | "__next__" => {
                let n = self.items.len();
                let at = self
                    .pos
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| Some((p + 1) % n))
                    .unwrap_or(0);
                Ok(self.items[at].clone())
            }
            "reset" => {
                self.pos.store(0, Ordering::Relaxed);
                Ok(Value::from(()))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// Words for `lipsum`: placeholder Latin, like Jinja's.
const WORDS: &[&str] = &[
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "enim",
    "ad",
    "minim",
    "veniam",
    "quis",
    "nostrud",
    "exercitation",
    "ullamco",
    "laboris",
    "nisi",
    "aliquip",
    "ex",
    "ea",
    "commodo",
    "consequat",
    "duis",
    "aute",
    "irure",
    "in",
    "reprehenderit",
    "voluptate",
    "velit",
    "esse",
    "cillum",
    "eu",
    "fugiat",
    "nulla",
    "pariatur",
    "excepteur",
    "sint",
    "occaecat",
    "cupidatat",
    "non",
    "proident",
    "sunt",
    "culpa",
    "qui",
    "officia",
    "deserunt",
    "mollit",
    "anim",
    "id",
    "est",
    "laborum",
    "vitae",
    "nunc",
    "mauris",
    "cras",
    "justo",
    "odio",
    "morbi",
    "tellus",
    "porta",
    "felis",
    "pretium",
    "lectus",
    "quam",
    "netus",
];

/// Paragraphs of lipsum are random: only their shape is Jinja's.
static RNG: Mutex<Option<Random>> = Mutex::new(None);

/// `lipsum(n=5, html=True, min=20, max=100)`: `n` paragraphs of `min` to `max - 1` words,
/// capitalised sentences with commas and full stops; as HTML `<p>` paragraphs joined by
/// newlines, else joined by blank lines.
fn lipsum(args: Rest<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let p = crate::params::Params::new(&args, &kwargs);
    let arg = |i: usize, name: &str| p.get(i, name);
    let number = |v: Option<Value>, default: i64| -> Result<i64, Error> {
        match v {
            None => Ok(default),
            Some(v) => i64::try_from(v.clone()).map_err(|_| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("lipsum expects an integer, got {v}"),
                )
            }),
        }
    };
    let n = number(arg(0, "n")?, 5)?;
    let html = arg(1, "html")?.is_none_or(|v| v.is_true());
    let min = number(arg(2, "min")?, 20)?;
    let max = number(arg(3, "max")?, 100)?;
    kwargs.assert_all_used()?;
    if args.len() > 4 {
        return Err(Error::from(ErrorKind::TooManyArguments));
    }
    if min >= max {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("empty range for lipsum word count ({min}, {max})"),
        ));
    }
    let mut guard = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let rng = guard.get_or_insert_with(Random::from_entropy);
    let mut range = |lo: i64, hi: i64| rng.randrange(lo, hi, 1).unwrap_or(lo);
    let mut paragraphs = Vec::new();
    for _ in 0..n.max(0) {
        let count = range(min, max);
        let (mut last_comma, mut last_stop) = (0i64, 0i64);
        let mut capital = true;
        let mut last = "";
        let mut words = Vec::new();
        for idx in 0..count {
            let mut word = loop {
                let w = WORDS[range(0, WORDS.len() as i64) as usize];
                if w != last {
                    last = w;
                    break w.to_string();
                }
            };
            if capital {
                word = crate::filters::core::py_capitalize(&word);
                capital = false;
            }
            if idx - range(3, 8) > last_comma {
                last_comma = idx;
                last_stop += 2;
                word.push(',');
            }
            if idx - range(10, 20) > last_stop {
                last_comma = idx;
                last_stop = idx;
                word.push('.');
                capital = true;
            }
            words.push(word);
        }
        let mut text = words.join(" ");
        if text.ends_with(',') {
            text.pop();
            text.push('.');
        } else if !text.ends_with('.') {
            text.push('.');
        }
        paragraphs.push(text);
    }
    Ok(if html {
        paragraphs
            .iter()
            .map(|p| format!("<p>{p}</p>"))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        paragraphs.join("\n\n")
    })
}
