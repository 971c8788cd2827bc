//! Jinja's `pprint`. ansible-core 2.19's variables and literals are its own lazy containers,
//! whose `repr` `pprint.pformat` does not lay out (no sorting, no wrapping): the result is
//! Python's `repr` of the value, on one line.

use crate::convert::py_repr;
use crate::filters::registry::Registry;
use minijinja::value::Value;

pub(crate) fn register(env: &mut Registry) {
    env.add_filter("pprint", |v: &Value| {
        let mut out = String::new();
        py_repr(v, &mut out);
        out
    });
}
