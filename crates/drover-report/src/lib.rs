//! Shows a run: [`Human`] writes ansible-playbook style output (PLAY and TASK headers, a line per
//! host, diffs, PLAY RECAP), in colour only on a terminal. Reporters only read events; they never
//! decide anything about the run.
