//! The `key=value` short form of module arguments (`file: path=/x state=directory mode=0755`),
//! split the way Ansible's `parse_kv` does: quotes group words, `\` escapes, and words without
//! `=` are free-form text (`_raw_params`), kept with their original spacing for command/shell.
