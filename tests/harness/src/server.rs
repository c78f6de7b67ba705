//! A chapter's server, running in a thread of the test on `127.0.0.1:0`.
//!
//! The test binds the listener itself ([`bind_local`]), so the port is known
//! before the server runs and connections queue in the backlog until it
//! accepts: no sleeping, no polling for the port to open.
//!
//! When the server panics, for example on a starter's `todo!()`, its listener
//! and sockets are dropped, so the client sees the connection close at once.
//! The client then asks the [`ServerState`] what happened and fails the test
//! with the panic message (which names the exercise and its book page)
//! instead of waiting for a timeout.

use std::any::Any;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::TIMEOUT;
use crate::client::Client;
use crate::manifest::Exercise;

/// Binds `127.0.0.1:0`: an ephemeral port the OS picks, so tests running in
/// parallel never collide and never depend on a free fixed port.
pub fn bind_local() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("cannot bind 127.0.0.1:0 for a test server")
}

/// How the server thread ended, if it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `serve` has not returned yet.
    Running,
    /// `serve` returned `Ok(())`.
    Returned,
    /// `serve` returned an error.
    Failed(String),
    /// `serve` panicked with this message.
    Panicked(String),
}

/// What the test and its clients know about the server thread.
#[derive(Debug)]
pub struct ServerState {
    outcome: Mutex<Outcome>,
    changed: Condvar,
}

impl ServerState {
    fn finish(&self, outcome: Outcome) {
        *self.outcome.lock().unwrap_or_else(|e| e.into_inner()) = outcome;
        self.changed.notify_all();
    }

    /// The outcome now, without waiting.
    pub fn outcome(&self) -> Outcome {
        self.outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits up to `limit` for the server thread to end, and returns how it
    /// ended (still [`Outcome::Running`] if it did not).
    pub fn wait_for_end(&self, limit: Duration) -> Outcome {
        let guard = self.outcome.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, limit, |o| *o == Outcome::Running)
            .unwrap_or_else(|e| e.into_inner());
        guard.clone()
    }

    /// If the server thread has ended, a sentence saying how (returned,
    /// failed, panicked, with the panic's message); `None` while it runs.
    /// Does not wait.
    pub fn end_now(&self) -> Option<String> {
        match self.outcome() {
            Outcome::Running => None,
            Outcome::Returned => Some("serve returned".to_string()),
            Outcome::Failed(e) => Some(format!("serve returned an error: {e}")),
            Outcome::Panicked(m) => Some(format!("the server panicked: {m}")),
        }
    }

    /// If the server panicked or failed, a sentence saying so. A client calls
    /// this when its connection breaks: the break is usually the panic's
    /// consequence, and the panic message is what the learner needs.
    pub fn explain_end(&self) -> Option<String> {
        // The client may notice the closed socket a moment before the server
        // thread has finished unwinding; a short wait closes that race.
        match self.wait_for_end(Duration::from_millis(500)) {
            Outcome::Running | Outcome::Returned => None,
            Outcome::Failed(e) => Some(format!(
                "the server's serve function returned an error: {e}"
            )),
            Outcome::Panicked(m) => Some(format!("the server panicked: {m}")),
        }
    }
}

/// A server under test. Dropping it stops the server.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    stop: Option<Box<dyn FnOnce() + Send>>,
    /// Whether dropping the server checks that it stopped cleanly.
    checks_its_stop: bool,
}

impl TestServer {
    /// Runs `run(listener)` in a new thread and returns at once; `stop` is
    /// what makes `run` return (typically the chapter's `Shutdown::trigger`).
    ///
    /// ```text
    /// let listener = harness::bind_local();
    /// let shutdown = Shutdown::new(&listener).unwrap();
    /// let stop = shutdown.clone();
    /// let server = TestServer::spawn(listener, move |l| serve(l, shutdown), move || stop.trigger());
    /// ```
    pub fn spawn<R, S>(listener: TcpListener, run: R, stop: S) -> TestServer
    where
        R: FnOnce(TcpListener) -> io::Result<()> + Send + 'static,
        S: FnOnce() + Send + 'static,
    {
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let state = Arc::new(ServerState {
            outcome: Mutex::new(Outcome::Running),
            changed: Condvar::new(),
        });
        let thread_state = Arc::clone(&state);
        thread::Builder::new()
            .name(format!("server on {addr}"))
            .spawn(move || {
                let outcome = match panic::catch_unwind(AssertUnwindSafe(|| run(listener))) {
                    Ok(Ok(())) => Outcome::Returned,
                    Ok(Err(e)) => Outcome::Failed(e.to_string()),
                    Err(payload) => Outcome::Panicked(panic_message(payload.as_ref())),
                };
                thread_state.finish(outcome);
            })
            .expect("cannot spawn the server thread");
        TestServer {
            addr,
            state,
            stop: Some(Box::new(stop)),
            checks_its_stop: true,
        }
    }

    /// Makes dropping this server trigger its stop without waiting for
    /// `serve` to return or checking how it ended. For the tests of an
    /// exercise that comes before the one that writes the graceful stop:
    /// they must pass while the stop is still a `todo!()`, and a later
    /// exercise's tests check the stop itself.
    pub fn leave_its_stop_unchecked(&mut self) {
        self.checks_its_stop = false;
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the test knows about the server thread.
    pub fn state(&self) -> &Arc<ServerState> {
        &self.state
    }

    /// A new client connected to the server, its failures reported as
    /// failures of `exercise`.
    #[track_caller]
    pub fn connect(&self, exercise: Exercise) -> Client {
        Client::connect_to(self.addr, exercise, Some(Arc::clone(&self.state)))
    }

    /// Triggers the stop and waits for `serve` to return. Returns how it
    /// ended, or `Running` if it still had not returned after [`TIMEOUT`].
    pub fn stop(&mut self) -> Outcome {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        self.state.wait_for_end(TIMEOUT)
    }

    /// Waits (at most `limit`) for `condition`, which reads something the
    /// server reports (a counter, say). Fails the test at once if the
    /// server thread ends meanwhile (a starter's `todo!()`), with its panic
    /// message, or at the deadline, with `progress()`: what the server did
    /// get to, so the learner sees how far it came.
    #[track_caller]
    pub fn wait_for(
        &self,
        exercise: Exercise,
        what: &str,
        limit: Duration,
        mut condition: impl FnMut() -> bool,
        progress: impl FnOnce() -> String,
    ) {
        let mut ended = None;
        let waited = crate::wait_until(what, limit, || {
            ended = self.state.end_now();
            ended.is_some() || condition()
        });
        if let Some(why) = ended {
            crate::Failure::new(
                exercise,
                format!("the server stopped while the test waited for {what}"),
            )
            .line("server", why)
            .fail();
        }
        if let Err(why) = waited {
            crate::Failure::new(exercise, format!("the server never got to {what}"))
                .line("waited", why)
                .line("so far", progress())
                .fail();
        }
    }

    /// Fails the test if the server has panicked or failed so far, even when
    /// every reply looked right.
    #[track_caller]
    pub fn assert_alive(&self, exercise: Exercise) {
        if let Outcome::Panicked(m) | Outcome::Failed(m) = self.state.outcome() {
            crate::Failure::new(exercise, "the server stopped while serving the test")
                .line("server", m)
                .fail();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if !self.checks_its_stop {
            if let Some(stop) = self.stop.take() {
                stop();
            }
            return;
        }
        let started = Instant::now();
        let outcome = self.stop();
        // A test that already failed should report its own failure, not this.
        if thread::panicking() {
            return;
        }
        if let Outcome::Panicked(m) = outcome {
            panic!("the server panicked during the test: {m}");
        }
        if outcome == Outcome::Running {
            panic!(
                "the server did not return from serve within {:?} of being asked to shut down",
                started.elapsed()
            );
        }
    }
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}
