//! Registering filters and tests with ansible-core 2.19's rule for undefined arguments.
//!
//! ansible-core does not call a filter or test when one of its arguments (the value, a
//! positional or a keyword argument) is undefined: the call gives that undefined value back,
//! so `{{ nope | upper }}` fails like `{{ nope }}` does while `{{ nope | upper | default('x') }}`
//! gives `'x'`. Only a few plugins are let see undefined (`default`, `mandatory`, `ternary`,
//! `type_debug`, the `defined`/`undefined` tests). minijinja's tests can only give a boolean,
//! so a test given an undefined argument fails at once.

use crate::convert::py_str;
use minijinja::functions::Function;
use minijinja::value::{
    FunctionArgs, FunctionResult, Kwargs, Rest, Value, ValueKind, ValueOrKwargs,
};
use minijinja::{Environment, Error, ErrorKind, State};
use std::borrow::Cow;

/// The filters ansible-core calls with undefined arguments.
const FILTERS_SEEING_UNDEFINED: &[&str] = &["default", "d", "mandatory", "ternary", "type_debug"];
/// The tests ansible-core calls with undefined arguments.
const TESTS_SEEING_UNDEFINED: &[&str] = &["defined", "undefined"];

/// An environment's filters and tests, registered with the undefined-argument rule.
pub(crate) struct Registry<'e> {
    env: &'e mut Environment<'static>,
}

impl<'e> Registry<'e> {
    pub(crate) fn new(env: &'e mut Environment<'static>) -> Self {
        Registry { env }
    }

    pub(crate) fn add_filter<N, F, Rv, Args>(&mut self, name: N, f: F)
    where
        N: Into<Cow<'static, str>>,
        F: Function<Rv, Args>,
        Rv: FunctionResult,
        Args: for<'a> FunctionArgs<'a>,
    {
        let name = name.into();
        if FILTERS_SEEING_UNDEFINED.contains(&name.as_ref()) {
            self.env.add_filter(name, f);
            return;
        }
        self.env.add_filter(name, guarded(f, Ok));
    }

    pub(crate) fn add_test<N, F, Rv, Args>(&mut self, name: N, f: F)
    where
        N: Into<Cow<'static, str>>,
        F: Function<Rv, Args>,
        Rv: FunctionResult,
        Args: for<'a> FunctionArgs<'a>,
    {
        let name = name.into();
        if TESTS_SEEING_UNDEFINED.contains(&name.as_ref()) {
            self.env.add_test(name, f);
            return;
        }
        self.env.add_test(
            name,
            guarded(f, |undefined| Err(undefined_error(&undefined))),
        );
    }

    pub(crate) fn add_function<N, F, Rv, Args>(&mut self, name: N, f: F)
    where
        N: Into<Cow<'static, str>>,
        F: Function<Rv, Args>,
        Rv: FunctionResult,
        Args: for<'a> FunctionArgs<'a>,
    {
        self.env.add_function(name, f);
    }
}

/// `f` behind ansible-core's rule: when an argument is undefined, `f` is not called and the
/// call gives `on_undefined(that value)`.
fn guarded<F, Rv, Args>(
    f: F,
    on_undefined: fn(Value) -> Result<Value, Error>,
) -> impl Fn(&mut State, Rest<ValueOrKwargs>) -> Result<Value, Error> + Send + Sync + 'static
where
    F: Function<Rv, Args>,
    Rv: FunctionResult,
    Args: for<'a> FunctionArgs<'a>,
{
    let inner = Value::from_function(f);
    move |state: &mut State, args: Rest<ValueOrKwargs>| {
        let args: Vec<Value> = args.0.into_iter().map(Value::from).collect();
        match first_undefined(&args) {
            Some(undefined) => on_undefined(undefined),
            None => inner.call(state, &args),
        }
    }
}

/// The first undefined argument, keyword arguments' values included.
fn first_undefined(args: &[Value]) -> Option<Value> {
    for arg in args {
        if arg.is_undefined() {
            return Some(arg.clone());
        }
        if arg.is_kwargs() {
            for key in arg.try_iter().ok()? {
                let value = arg.get_item(&key).ok()?;
                if value.is_undefined() {
                    return Some(value);
                }
            }
        }
    }
    None
}

/// The error for using `undefined`, naming the expression it came from as minijinja does
/// (`get_attr` on an undefined value is the public way to that error).
pub(crate) fn undefined_error(undefined: &Value) -> Error {
    match undefined.get_attr("") {
        Err(e) => e,
        Ok(_) => crate::convert::undefined_error(),
    }
}

/// minijinja's own filters and tests that drover keeps, registered again under the rule.
pub(crate) fn register_builtins(reg: &mut Registry) {
    use minijinja::{filters as f, tests as t};
    reg.add_filter("safe", f::safe);
    reg.add_filter("length", f::length);
    reg.add_filter("count", f::length);
    reg.add_filter("items", f::items);
    reg.add_filter("reverse", f::reverse);
    reg.add_filter("lines", f::lines);
    reg.add_filter("round", f::round);
    reg.add_filter("abs", f::abs);
    // Jinja's `attr` is `getattr` alone: a dict's keys are not its attributes.
    reg.add_filter("attr", |v: &Value, name: &Value| -> Result<Value, Error> {
        if v.kind() == ValueKind::Map {
            return Ok(Value::UNDEFINED);
        }
        f::attr(v, name)
    });
    // Jinja's select family looks at nothing in a false value (`none`, `0`, `''`).
    reg.add_filter(
        "select",
        |state: &mut State, value: Value, test: Option<Cow<'_, str>>, args: Rest<ValueOrKwargs>| {
            if !value.is_true() {
                return Ok(Vec::new());
            }
            f::select(state, value, test, args)
        },
    );
    reg.add_filter(
        "reject",
        |state: &mut State, value: Value, test: Option<Cow<'_, str>>, args: Rest<ValueOrKwargs>| {
            if !value.is_true() {
                return Ok(Vec::new());
            }
            f::reject(state, value, test, args)
        },
    );
    reg.add_filter("chain", f::chain);
    reg.add_filter("replace", replace);
    reg.add_test("safe", t::is_safe);
    reg.add_test("escaped", t::is_safe);
    reg.add_test("startingwith", t::is_startingwith);
    reg.add_test("endingwith", t::is_endingwith);
    reg.add_test("lower", t::is_lower);
    reg.add_test("upper", t::is_upper);
    reg.add_test("sameas", t::is_sameas);
    for name in ["eq", "equalto", "=="] {
        reg.add_test(name, t::is_eq);
    }
    for name in ["ne", "!="] {
        reg.add_test(name, t::is_ne);
    }
    for name in ["lt", "lessthan", "<"] {
        reg.add_test(name, t::is_lt);
    }
    for name in ["le", "<="] {
        reg.add_test(name, t::is_le);
    }
    for name in ["gt", "greaterthan", ">"] {
        reg.add_test(name, t::is_gt);
    }
    for name in ["ge", ">="] {
        reg.add_test(name, t::is_ge);
    }
    reg.add_test("true", t::is_true);
    reg.add_test("false", t::is_false);
    reg.add_test("filter", t::is_filter);
    reg.add_test("test", t::is_test);
}

/// Jinja's `replace(s, old, new, count=None)`: `str(s).replace(str(old), str(new), count)`.
fn replace(
    value: &Value,
    old: &Value,
    new: &Value,
    rest: Rest<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let count = crate::params::Params::new(&rest, &kwargs).get(0, "count")?;
    kwargs.assert_all_used()?;
    if rest.len() > 1 {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            "too many arguments",
        ));
    }
    let count = match count {
        Some(c) if !c.is_none() => crate::filters::core::py_index(&c)?,
        _ => -1,
    };
    let (s, old, new) = (py_str(value), py_str(old), py_str(new));
    Ok(match usize::try_from(count) {
        Ok(n) => s.replacen(&old, &new, n),
        Err(_) => s.replace(&old, &new),
    })
}

#[cfg(test)]
mod tests {
    use crate::Templates;
    use drover_types::{Map, Templar, Value, Vars};

    /// Expected values from ansible-core 2.19.
    #[test]
    fn undefined_arguments_are_passed_on_or_fail() {
        let t = Templates::new();
        let v = Vars::from(Map::new());
        let ok: &[(&str, Value)] = &[
            ("{{ nope | upper | default('x') }}", Value::from("x")),
            ("{{ (nope | upper) is defined }}", Value::from(false)),
            (
                "{{ 'a' | replace('a', nope) | default('y') }}",
                Value::from("y"),
            ),
            (
                "{{ [1, 2] | select('eq', nope) | list | default('z') }}",
                Value::from("z"),
            ),
            ("{{ nope | d('q') | upper }}", Value::from("Q")),
            ("{{ true | ternary(1, nope) }}", Value::from(1)),
            ("{{ nope is not defined }}", Value::from(true)),
            ("{{ [1, nope] | length }}", Value::from(2)),
            (
                "{{ 'aaa' | replace('a', 'b', count=1) }}",
                Value::from("baa"),
            ),
            ("{{ 1.0 | replace('.', ',') }}", Value::from("1,0")),
        ];
        for (src, want) in ok {
            assert_eq!(&t.render(src, &v).unwrap(), want, "{src}");
        }
        for src in [
            "{{ nope | upper }}",
            "{{ nope | basename }}",
            "{{ 'x' | indent(first=nope) }}",
            "{{ nope is string }}",
            "{{ [][3] is none }}",
            "{{ 'a' is search(nope) }}",
            "{{ [1] | map('default', nope) | list }}",
            "{{ nope | bool }}",
        ] {
            let err = t.render(src, &v).unwrap_err();
            assert!(err.message().contains("is undefined"), "{src}: {err}");
        }
    }
}
