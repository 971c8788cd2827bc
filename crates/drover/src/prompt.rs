//! `vars_prompt`: asking for the variables plays want before the run starts, as
//! ansible-playbook does when a play starts. A variable given with `-e` is not asked for; without
//! a terminal nothing is asked (a CI job must not hang waiting for input): the prompt's `default`
//! is the answer, and without one the variable stays undefined, as in ansible-core, with its
//! warning.

use drover_playbook::Playbook;
use drover_types::{Layer, Trust, Value};
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

/// Fills in each play's `prompted` layer.
pub(crate) fn ask(playbooks: &mut [Playbook], extra_vars: &Layer) -> Result<(), String> {
    let terminal = std::io::stdin().is_terminal();
    let mut warned = false;
    for playbook in playbooks {
        for play in &mut playbook.plays {
            let mut answers = Layer::default();
            for prompt in &play.vars_prompt {
                if extra_vars.map.contains_key(&prompt.name) {
                    continue;
                }
                let value = if terminal {
                    read(prompt)?
                } else {
                    if !warned {
                        eprintln!("[WARNING]: Not prompting as we are not in interactive mode");
                        warned = true;
                    }
                    match &prompt.default {
                        Some(default) => default.clone(),
                        None => continue,
                    }
                };
                // Answers typed in are data; a default is written in the playbook and
                // templated like any variable.
                let trust = if terminal {
                    Trust::Data
                } else {
                    Trust::Template
                };
                answers.insert(prompt.name.clone(), value, trust);
            }
            play.prompted = Arc::new(answers);
        }
    }
    Ok(())
}

fn read(prompt: &drover_playbook::VarsPrompt) -> Result<Value, String> {
    let question = match &prompt.default {
        Some(default) => format!("{} [{}]: ", prompt.prompt, text(default)),
        None => format!("{}: ", prompt.prompt),
    };
    let ask_once = |question: &str| -> Result<String, String> {
        if prompt.private {
            rpassword::prompt_password(question).map_err(|e| e.to_string())
        } else {
            print!("{question}");
            let _ = std::io::stdout().flush();
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            Ok(line.trim_end_matches(['\n', '\r']).to_owned())
        }
    };
    let answer = ask_once(&question)?;
    if prompt.confirm {
        let again = ask_once(&format!("confirm {question}"))?;
        if again != answer {
            return Err(format!(
                "the values entered for `{}` do not match",
                prompt.name
            ));
        }
    }
    Ok(match (&prompt.default, answer.is_empty()) {
        (Some(default), true) => default.clone(),
        _ => Value::String(answer),
    })
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
