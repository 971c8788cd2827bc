//! Runs playbooks. Owns variables and their precedence, templating of task keywords and
//! arguments, loops, conditions, handlers, blocks, strategies and the events that describe a run.
//!
//! The executor never knows what a module does: it templates a task's arguments, calls
//! [`Module::run`](drover_types::Module::run) through a connection from a
//! [`Connector`](drover_types::Connector), and turns results into [`Event`](drover_types::Event)s
//! for reporters. It never prints and never opens a connection itself.
