//! Ansible's Jinja tests (`is defined`, `is version`, `is failed`, `is file`...).

use minijinja::Environment;

/// Registers every test.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_test("undefined", |v: &minijinja::Value| v.is_undefined());
}
