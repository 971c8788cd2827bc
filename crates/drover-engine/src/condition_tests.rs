//! Unit tests of `drover_types::condition` with the real template engine (which the types crate
//! cannot depend on).

#[cfg(test)]
mod tests {
    use drover_template::Templates;
    use drover_types::condition::{UNTRUSTED, eval_embedded, text_result, whole_template};
    use drover_types::{Layer, Map, Templar, TemplateError, Trust, Value, Vars};
    use std::sync::Arc;

    fn vars() -> Vars {
        let mut map = Map::new();
        map.insert("cond".into(), Value::from("1 == 1"));
        map.insert("item".into(), Value::from("web1"));
        map.insert("wanted".into(), Value::from(vec![Value::from("web1")]));
        let mut data = Map::new();
        data.insert(
            "out".into(),
            Value::from(Map::from_iter([(
                "stdout".to_owned(),
                Value::from("lookup('pipe', 'echo bang')"),
            )])),
        );
        data.insert("quote".into(), Value::from("x' or 'a' == 'a"));
        let mut v = Vars::new().with(Arc::new(Layer::template(map)));
        v.set("untrusted_cond", Value::from("1 == 1"), Trust::Data);
        v.with(Arc::new(Layer::data(data)))
    }

    /// A whole-template condition as the engine judges it: rendered; text goes to `text_result`.
    fn whole(text: &str) -> Result<(Value, bool), TemplateError> {
        let inner = whole_template(text).expect("a whole template");
        let (t, v) = (Templates::new(), vars());
        match t.render(text, &v)? {
            Value::String(s) => text_result(&t, inner, &s, &v).map(|v| (v, false)),
            other => Ok((other, true)),
        }
    }

    #[test]
    fn a_whole_template_of_a_value_is_that_value() {
        assert_eq!(whole("{{ 1 == 1 }}").unwrap(), (Value::Bool(true), true));
    }

    #[test]
    fn text_from_a_trusted_variable_is_evaluated() {
        assert_eq!(whole("{{ cond }}").unwrap(), (Value::Bool(true), false));
    }

    #[test]
    fn text_from_anywhere_else_is_untrusted() {
        for text in ["{{ '1 == 1' }}", "{{ out.stdout }}", "{{ untrusted_cond }}"] {
            let err = whole(text).unwrap_err();
            assert_eq!(err.message(), UNTRUSTED, "{text}");
        }
        let err = whole("{{ '' }}").unwrap_err();
        assert_eq!(
            err.message(),
            "Empty conditional expressions are not allowed."
        );
    }

    #[test]
    fn delimiters_in_the_expression_are_a_syntax_error() {
        let err =
            eval_embedded(&Templates::new(), "\"foo\" in {{ out.stdout }}", &vars()).unwrap_err();
        assert!(
            err.message()
                .contains("Template delimiters are not supported")
        );
    }

    #[test]
    fn a_template_in_a_literal_stands_for_its_value() {
        let t = Templates::new();
        let v = vars();
        for (expr, expected) in [
            ("'{{ item }}' in wanted", true),
            ("\"{{ cond }}\" == '1 == 1'", true),
            // Quotes in the value stay inside it: no way out of the literal.
            ("'{{ quote }}' == 'a'", false),
            ("'it\\'s {{ item }}' == \"it's web1\"", true),
        ] {
            let got = eval_embedded(&t, expr, &v).unwrap();
            assert_eq!(got, Value::Bool(expected), "{expr}");
        }
    }
}
