//! `lookup()`/`query()` and the lookup plugins drover supports.

use minijinja::Environment;

/// Registers `lookup`, `query` and `q`.
pub(crate) fn register(env: &mut Environment<'static>) {
    let _ = env;
}
