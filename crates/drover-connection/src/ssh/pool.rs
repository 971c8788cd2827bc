//! The channels of one connection: how many are open, and the shells idle between commands.
//!
//! sshd refuses more than `MaxSessions` channels on one connection (10 by default), and an idle
//! shell holds its channel open. So every open channel, busy or idle, holds a [`Ticket`], and
//! there are never more tickets than the cap. A command that wants a shell takes an idle one,
//! or a ticket to open one; a command that needs a channel of its own, when every place is taken
//! by idle shells, closes one of them to take its place.

use super::shell::Shell;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;

/// The channels of one connection.
#[derive(Debug)]
pub(super) struct Pool {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    /// Woken when a ticket is returned or a shell becomes idle.
    changed: Notify,
    cap: usize,
}

#[derive(Debug, Default)]
struct State {
    idle: Vec<Shell>,
    /// Tickets out, idle shells' included.
    open: usize,
    closed: bool,
}

/// The right to hold one channel open; returned when dropped.
#[derive(Debug)]
pub(super) struct Ticket {
    pool: Weak<Inner>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(inner) = self.pool.upgrade() {
            inner.lock().open -= 1;
            inner.changed.notify_one();
        }
    }
}

/// What [`Pool::shell`] hands out.
#[derive(Debug)]
pub(super) enum Lease {
    /// A shell already open.
    Idle(Box<Shell>),
    /// No shell is idle: open one with this ticket.
    Open(Ticket),
}

/// The connection was closed.
#[derive(Debug)]
pub(super) struct Closed;

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Pool {
    /// A pool of at most `cap` channels (at least one).
    pub(super) fn new(cap: usize) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                changed: Notify::new(),
                cap: cap.max(1),
            }),
        }
    }

    /// An idle shell, or a ticket to open a new one; waits while every place is busy.
    pub(super) async fn shell(&self) -> Result<Lease, Closed> {
        self.wait_for(|inner, state| {
            if let Some(shell) = state.idle.pop() {
                return Some(Lease::Idle(Box::new(shell)));
            }
            take_ticket(inner, state).map(Lease::Open)
        })
        .await
    }

    /// A ticket for a channel of its own, closing an idle shell if that is the only place left.
    pub(super) async fn channel(&self) -> Result<Ticket, Closed> {
        self.wait_for(|inner, state| {
            if let Some(ticket) = take_ticket(inner, state) {
                return Some(ticket);
            }
            // The idle shell's channel closes; its place is taken over.
            Some(state.idle.pop()?.into_ticket())
        })
        .await
    }

    /// Puts a shell that finished its command back for the next one.
    pub(super) fn give_back(&self, shell: Box<Shell>) {
        let mut state = self.inner.lock();
        if state.closed {
            // Dropped after the lock is released: its ticket takes the lock.
            drop(state);
            drop(shell);
            return;
        }
        state.idle.push(*shell);
        drop(state);
        self.inner.changed.notify_one();
    }

    /// Closes one idle shell, if there is one: for a server that allows fewer channels than
    /// the cap (a `MaxSessions` below 10), where an idle shell may be what stands in the way.
    pub(super) fn shed_idle(&self) {
        let shell = self.inner.lock().idle.pop();
        drop(shell);
    }

    /// Closes every idle shell and refuses every later request.
    pub(super) fn close(&self) {
        let idle = {
            let mut state = self.inner.lock();
            state.closed = true;
            std::mem::take(&mut state.idle)
        };
        drop(idle);
        self.inner.changed.notify_waiters();
    }

    async fn wait_for<T>(
        &self,
        mut pick: impl FnMut(&Arc<Inner>, &mut State) -> Option<T>,
    ) -> Result<T, Closed> {
        loop {
            let notified = self.inner.changed.notified();
            tokio::pin!(notified);
            // Registered before looking, so a change made right after the look still wakes us.
            notified.as_mut().enable();
            {
                let mut state = self.inner.lock();
                if state.closed {
                    return Err(Closed);
                }
                if let Some(found) = pick(&self.inner, &mut state) {
                    return Ok(found);
                }
            }
            notified.await;
        }
    }
}

fn take_ticket(inner: &Arc<Inner>, state: &mut State) -> Option<Ticket> {
    (state.open < inner.cap).then(|| {
        state.open += 1;
        Ticket {
            pool: Arc::downgrade(inner),
        }
    })
}
