//! Arguments of filters and functions that Python takes by position or by keyword: Jinja's
//! `truncate(s, 9, end='')` and `truncate(s, length=9, end='')` are the same call.

use crate::convert::py_str;
use crate::filters::core::fail;
use minijinja::Error;
use minijinja::value::{Kwargs, Value};

/// Positional arguments after the value, by the names Jinja gives them, so either way of
/// passing works.
pub(crate) struct Params<'a> {
    positional: &'a [Value],
    kwargs: &'a Kwargs,
}

impl<'a> Params<'a> {
    pub(crate) fn new(positional: &'a [Value], kwargs: &'a Kwargs) -> Self {
        Params { positional, kwargs }
    }

    /// The argument given by `name`, else at `index`.
    pub(crate) fn get(&self, index: usize, name: &str) -> Result<Option<Value>, Error> {
        let named: Option<Value> = self.kwargs.get(name)?;
        Ok(named.or_else(|| self.positional.get(index).cloned()))
    }

    pub(crate) fn int(&self, index: usize, name: &str, default: i64) -> Result<i64, Error> {
        match self.get(index, name)? {
            None => Ok(default),
            Some(v) if v.is_none() => Ok(default),
            Some(v) => i64::try_from(v.clone())
                .map_err(|_| fail(format!("{name} must be an integer, not {}", py_str(&v)))),
        }
    }

    pub(crate) fn flag(&self, index: usize, name: &str, default: bool) -> Result<bool, Error> {
        Ok(self.get(index, name)?.map_or(default, |v| v.is_true()))
    }

    pub(crate) fn text(&self, index: usize, name: &str) -> Result<Option<String>, Error> {
        Ok(self
            .get(index, name)?
            .filter(|v| !v.is_none())
            .map(|v| py_str(&v)))
    }
}
