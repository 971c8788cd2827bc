//! Reading module arguments after templating: typed getters with Ansible's conversions.
//!
//! Every getter returns `Err(TaskResult)` (a failed result naming the argument and what was
//! expected), so a module written as `fn(..) -> Result<TaskResult, TaskResult>` can use `?`.
//! Missing and `null` arguments are the same thing ("not given").

use drover_types::{Map, TaskResult, Value};

/// Typed access to a module's templated arguments.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Args<'a> {
    map: &'a Map,
}

/// A failed result for a bad argument.
pub(crate) fn bad_arg(name: &str, expected: &str, got: &Value) -> TaskResult {
    TaskResult::failed(format!(
        "argument '{name}' is of type {} and we were unable to convert to {expected}: {}",
        type_name(got),
        short(got)
    ))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 80 {
        format!("{}...", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// Ansible's `bool` conversion of a scalar: `None` when it is not one of the known spellings.
pub(crate) fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.trim() {
            "1.0" => Some(true),
            "0.0" | "" => Some(false),
            text => drover_python::boolean::parse(text),
        },
        _ => None,
    }
}

/// A scalar as text, as Ansible's `str` conversion gives it (`True` for true, as Python does).
pub(crate) fn to_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if n.is_f64() => drover_python::repr::float_repr(f),
            _ => n.to_string(),
        }),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        _ => None,
    }
}

impl<'a> Args<'a> {
    /// Wraps the templated arguments of a task.
    pub(crate) fn new(map: &'a Map) -> Self {
        Args { map }
    }

    /// The raw value, when given and not null.
    pub(crate) fn value(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// Whether the argument is given (and not null).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.value(name).is_some()
    }

    /// A text argument; numbers and booleans become their text.
    pub(crate) fn str(&self, name: &str) -> Result<Option<String>, TaskResult> {
        match self.value(name) {
            None => Ok(None),
            Some(v) => to_text(v).map(Some).ok_or_else(|| bad_arg(name, "str", v)),
        }
    }

    /// A text argument that must be given.
    pub(crate) fn req_str(&self, name: &str) -> Result<String, TaskResult> {
        self.str(name)?
            .ok_or_else(|| TaskResult::failed(format!("missing required arguments: {name}")))
    }

    /// A text argument with a default.
    pub(crate) fn str_or(&self, name: &str, default: &str) -> Result<String, TaskResult> {
        Ok(self.str(name)?.unwrap_or_else(|| default.to_owned()))
    }

    /// A boolean argument, when given.
    pub(crate) fn opt_bool(&self, name: &str) -> Result<Option<bool>, TaskResult> {
        match self.value(name) {
            None => Ok(None),
            Some(v) => to_bool(v).map(Some).ok_or_else(|| bad_arg(name, "bool", v)),
        }
    }

    /// A boolean argument with a default.
    pub(crate) fn bool(&self, name: &str, default: bool) -> Result<bool, TaskResult> {
        Ok(self.opt_bool(name)?.unwrap_or(default))
    }

    /// An integer argument; text that parses as an integer (or a whole float) is accepted.
    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, TaskResult> {
        let Some(v) = self.value(name) else {
            return Ok(None);
        };
        let parsed = match v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| bad_arg(name, "int", v))
    }

    /// A list of text; a string is split on commas (and trimmed) as Ansible does.
    pub(crate) fn list(&self, name: &str) -> Result<Option<Vec<String>>, TaskResult> {
        let Some(v) = self.value(name) else {
            return Ok(None);
        };
        match v {
            Value::Array(items) => items
                .iter()
                .map(|i| to_text(i).ok_or_else(|| bad_arg(name, "list of str", v)))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Value::String(s) => Ok(Some(s.split(',').map(|p| p.trim().to_owned()).collect())),
            Value::Number(_) | Value::Bool(_) => Ok(Some(vec![to_text(v).unwrap_or_default()])),
            _ => Err(bad_arg(name, "list", v)),
        }
    }

    /// A text argument limited to `choices`, with a default.
    pub(crate) fn choice(
        &self,
        name: &str,
        choices: &[&str],
        default: &str,
    ) -> Result<String, TaskResult> {
        let value = self.str_or(name, default)?;
        if choices.contains(&value.as_str()) {
            Ok(value)
        } else {
            Err(TaskResult::failed(format!(
                "value of {name} must be one of: {}, got: {value}",
                choices.join(", ")
            )))
        }
    }

    /// A file mode argument (see [`ModeSpec`]).
    pub(crate) fn mode(&self, name: &str) -> Result<Option<ModeSpec>, TaskResult> {
        let Some(v) = self.value(name) else {
            return Ok(None);
        };
        ModeSpec::from_value(v)
            .map(Some)
            .map_err(|e| TaskResult::failed(format!("argument '{name}': {e}")))
    }
}

/// A file mode as a task gives it, before it is applied to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ModeSpec {
    /// Mode bits: a YAML integer (`0644` is already 420) or an octal string (`'644'`, `'0644'`).
    Bits(u32),
    /// Symbolic clauses (`u=rw,g=r,o=`, `u+x,g-w`, `a+X`), applied to the current mode.
    Symbolic(String),
    /// `preserve`: the mode of the source file (copy, template).
    Preserve,
}

impl ModeSpec {
    /// Parses a mode argument's value.
    pub(crate) fn from_value(v: &Value) -> Result<ModeSpec, String> {
        match v {
            Value::Number(n) => n
                .as_u64()
                .filter(|m| *m <= 0o7777)
                .map(|m| ModeSpec::Bits(m as u32))
                .ok_or_else(|| {
                    format!("mode must be a non-negative integer up to 0o7777, got {n}")
                }),
            Value::String(s) => ModeSpec::parse(s.trim()),
            other => Err(format!(
                "mode must be an octal string or a symbolic mode, got {other}"
            )),
        }
    }

    /// Parses a mode given as text.
    pub(crate) fn parse(s: &str) -> Result<ModeSpec, String> {
        if s == "preserve" {
            return Ok(ModeSpec::Preserve);
        }
        if !s.is_empty() && s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return match u32::from_str_radix(s, 8) {
                Ok(m) if m <= 0o7777 => Ok(ModeSpec::Bits(m)),
                _ => Err(format!("mode '{s}' is out of range")),
            };
        }
        // Validate the syntax now, against an arbitrary mode, so errors come early.
        apply_symbolic(s, 0o644, false, 0o022)?;
        Ok(ModeSpec::Symbolic(s.to_owned()))
    }

    /// The mode bits for a file whose current mode is `current` (`None` for a new file, which
    /// starts from `0666 & !umask`, or `0777 & !umask` for a directory). `preserve` needs
    /// the source's mode in `source`.
    pub(crate) fn resolve(
        &self,
        current: Option<u32>,
        is_dir: bool,
        source: Option<u32>,
    ) -> Result<u32, String> {
        let umask = 0o022;
        match self {
            ModeSpec::Bits(m) => Ok(*m),
            ModeSpec::Preserve => {
                source.ok_or_else(|| "mode=preserve needs a source file".to_owned())
            }
            ModeSpec::Symbolic(s) => {
                let base = current.unwrap_or(if is_dir { 0o777 } else { 0o666 } & !umask);
                apply_symbolic(s, base, is_dir, umask)
            }
        }
    }
}

/// Formats mode bits as Ansible returns them: `'0644'`.
pub(crate) fn format_mode(bits: u32) -> String {
    format!("{bits:04o}")
}

/// Applies symbolic mode clauses to `mode`, as chmod(1) and Ansible's file module do.
pub(crate) fn apply_symbolic(
    spec: &str,
    mode: u32,
    is_dir: bool,
    umask: u32,
) -> Result<u32, String> {
    let mut mode = mode & 0o7777;
    for clause in spec.split(',') {
        let bad = || format!("bad symbolic permission for mode: {clause}");
        let op_at = clause.find(['+', '-', '=']).ok_or_else(bad)?;
        let who = &clause[..op_at];
        if !who.chars().all(|c| "ugoa".contains(c)) {
            return Err(bad());
        }
        let use_umask = who.is_empty();
        let who: Vec<char> = if who.is_empty() || who.contains('a') {
            vec!['u', 'g', 'o']
        } else {
            who.chars().collect()
        };
        // The rest is a run of (operator, permissions) pairs: `u+r-w`, `g=u`.
        let mut rest = &clause[op_at..];
        while !rest.is_empty() {
            let op = rest.chars().next().ok_or_else(bad)?;
            let end = rest[1..]
                .find(['+', '-', '='])
                .map_or(rest.len(), |i| i + 1);
            let perms = &rest[1..end];
            rest = &rest[end..];
            let copy = matches!(perms, "u" | "g" | "o");
            if !copy && !perms.chars().all(|c| "rwxXst".contains(c)) {
                return Err(bad());
            }
            let prev = mode;
            for &user in &who {
                let bits =
                    symbolic_bits(user, perms, prev, is_dir, if use_umask { umask } else { 0 });
                let class = match user {
                    'u' => 0o4700,
                    'g' => 0o2070,
                    _ => 0o1007,
                };
                mode = match op {
                    '+' => mode | bits,
                    '-' => mode & !bits,
                    _ => (mode & !class) | bits,
                };
            }
        }
    }
    Ok(mode)
}

/// The bits `perms` stand for in `user`'s class (`u`, `g` or `o`).
fn symbolic_bits(user: char, perms: &str, prev: u32, is_dir: bool, umask: u32) -> u32 {
    let shift = match user {
        'u' => 6,
        'g' => 3,
        _ => 0,
    };
    let copy_from = |c: u32| ((prev >> c) & 7) << shift;
    match perms {
        "u" => return copy_from(6),
        "g" => return copy_from(3),
        "o" => return copy_from(0),
        _ => {}
    }
    let exec_any = prev & 0o111 != 0;
    let mut bits = 0;
    for c in perms.chars() {
        bits |= match c {
            'r' => 4 << shift,
            'w' => 2 << shift,
            'x' => 1 << shift,
            'X' if is_dir || exec_any => 1 << shift,
            's' if user == 'u' => 0o4000,
            's' if user == 'g' => 0o2000,
            't' if user == 'o' => 0o1000,
            _ => 0,
        };
    }
    bits & !umask
}

/// Every argument of `spec` with the task's value (booleans as booleans, paths and texts as
/// text) or its default: what Ansible's Python modules report as `invocation.module_args`.
pub(crate) fn module_args(spec: &drover_types::ArgSpec, args: &Map) -> Map {
    use drover_types::ArgDefault;
    spec.entries()
        .map(|e| {
            let value = match args.get(e.name).filter(|v| !v.is_null()) {
                Some(v) => typed(e.kind, v),
                None => match e.default {
                    ArgDefault::Null => Value::Null,
                    ArgDefault::Bool(b) => b.into(),
                    ArgDefault::Str(s) => s.into(),
                },
            };
            (e.name.to_owned(), value)
        })
        .collect()
}

/// A given argument as ansible-core's module sees it after type conversion: booleans as
/// booleans, paths and texts as text, integers written as text as integers.
pub(crate) fn typed(kind: drover_types::ArgKind, given: &Value) -> Value {
    use drover_types::ArgKind;
    let converted = match kind {
        ArgKind::Bool => to_bool(given).map(Value::Bool),
        ArgKind::Str | ArgKind::Path => to_text(given).map(Value::String),
        ArgKind::Int => match given {
            Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
            _ => None,
        },
        _ => None,
    };
    converted.unwrap_or_else(|| given.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn conversions() {
        let m = map(
            json!({"s": 5, "b": "yes", "b2": 0, "i": "12", "l": "a, b,c", "n": null, "x": [1]}),
        );
        let a = Args::new(&m);
        assert_eq!(a.str("s").unwrap().as_deref(), Some("5"));
        assert!(a.bool("b", false).unwrap());
        assert!(!a.bool("b2", true).unwrap());
        assert!(a.bool("n", true).unwrap());
        assert_eq!(a.int("i").unwrap(), Some(12));
        assert_eq!(a.list("l").unwrap().unwrap(), vec!["a", "b", "c"]);
        assert!(a.str("x").is_err());
        assert!(a.req_str("missing").is_err());
        let err = a.opt_bool("s").unwrap_err();
        assert!(err.msg.unwrap().contains("'s'"));
        assert!(a.choice("b", &["present", "absent"], "present").is_err());
    }

    #[test]
    fn modes() {
        assert_eq!(
            ModeSpec::from_value(&json!(493)).unwrap(),
            ModeSpec::Bits(0o755)
        );
        assert_eq!(
            ModeSpec::from_value(&json!("0644")).unwrap(),
            ModeSpec::Bits(0o644)
        );
        assert_eq!(
            ModeSpec::from_value(&json!("644")).unwrap(),
            ModeSpec::Bits(0o644)
        );
        assert_eq!(
            ModeSpec::from_value(&json!("preserve")).unwrap(),
            ModeSpec::Preserve
        );
        assert!(ModeSpec::from_value(&json!("u=rw;rm")).is_err());
        assert!(ModeSpec::from_value(&json!("0999")).is_err());
        let sym = |s: &str, cur: u32, dir: bool| apply_symbolic(s, cur, dir, 0o022).unwrap();
        assert_eq!(sym("u=rw,g=r,o=r", 0o777, false), 0o644);
        assert_eq!(sym("u+x,g-w", 0o664, false), 0o744);
        assert_eq!(sym("a+X", 0o644, true), 0o755);
        assert_eq!(sym("a+X", 0o644, false), 0o644);
        assert_eq!(sym("a+X", 0o744, false), 0o755);
        assert_eq!(sym("+w", 0o444, false), 0o644);
        assert_eq!(sym("g=u", 0o740, false), 0o770);
        assert_eq!(sym("u+s,o+t", 0o755, false), 0o5755);
        assert_eq!(sym("u=rwx,go=", 0o644, false), 0o700);
        assert_eq!(format_mode(0o644), "0644");
    }

    #[test]
    fn module_args_lists_every_argument_with_its_value_or_default() {
        use drover_types::{ArgDefault, ArgKind, ArgSpec, ArgSpecEntry};
        static ARGS: [ArgSpecEntry; 3] = [
            ArgSpecEntry::new("path", ArgKind::Path),
            ArgSpecEntry::new("create", ArgKind::Bool).default(ArgDefault::Bool(false)),
            ArgSpecEntry::new("state", ArgKind::Str).default(ArgDefault::Str("present")),
        ];
        static SPEC: ArgSpec = ArgSpec {
            args: &ARGS,
            shared: &[],
            free_form: false,
            any_args: false,
        };
        let given = serde_json::json!({"create": "yes", "state": 1});
        let got = module_args(&SPEC, given.as_object().unwrap());
        assert_eq!(
            Value::Object(got),
            serde_json::json!({"path": null, "create": true, "state": "1"})
        );
    }
}
