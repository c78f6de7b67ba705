//! A bounded pool of worker threads.
//!
//! ```text
//!                  try_execute                          recv (one at a time)
//!  accept thread ──────────────▶ [ job │ job │  ]  ───────▶ worker 0 ── runs the job
//!                  (full: Busy)   queue of `queue_len`  ───▶ worker 1
//!                                                       ───▶ worker 2 ...
//! ```
//!
//! The shape is the Rust Book's (`Vec<Worker>`, an `Option` of the
//! sending end, a `Drop` that drops it and joins every worker) with three
//! differences a server exposed to strangers needs: the queue is bounded,
//! handing over a job never blocks (a full pool says [`Busy`] and the
//! caller decides what to do), and a job that panics does not kill its
//! worker, so the pool never shrinks.

use std::io;
#[expect(unused_imports, reason = "until you write exercise 5.1")]
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
#[allow(unused_imports, reason = "until you write exercise 5.1")]
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use crate::stats::Stats;

/// A piece of work for a worker: in this server, serving one connection.
///
/// A boxed closure, so one queue can carry jobs of any type; `Send`
/// because it moves to another thread; `'static` because that thread may
/// outlive whatever the caller's stack holds.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

// ANCHOR: pool
/// A fixed number of worker threads taking jobs from one bounded queue.
#[derive(Debug)]
pub struct ThreadPool {
    /// The threads, in the order they were started.
    workers: Vec<Worker>,
    /// The sending end of the queue. An `Option` only so that `Drop` can
    /// take it out and drop it *before* joining the workers; it is `Some`
    /// for the whole life of the pool otherwise.
    sender: Option<SyncSender<Job>>,
}

/// One worker thread.
#[derive(Debug)]
struct Worker {
    /// A number for the log and the thread's name (`worker-3`).
    #[expect(dead_code, reason = "until you write exercise 5.2")]
    id: usize,
    /// To wait for the thread to end.
    #[expect(dead_code, reason = "until you write exercise 5.2")]
    thread: JoinHandle<()>,
}
// ANCHOR_END: pool

/// The pool could not take a job now: every worker is busy and the queue
/// is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl ThreadPool {
    // ANCHOR: new
    /// Starts `workers` threads that run jobs from a queue holding at most
    /// `queue_len` jobs waiting for a worker.
    ///
    /// # Panics
    ///
    /// If `workers` is zero: a pool without workers would accept jobs and
    /// never run them.
    pub fn new(workers: usize, queue_len: usize, stats: Arc<Stats>) -> io::Result<ThreadPool> {
        assert!(workers > 0, "a thread pool needs at least one worker");
        // Why a *bounded* channel (`sync_channel`): with an unbounded one, a
        // burst of clients queues up without limit, each holding a socket
        // and waiting longer than it will bear. A bound turns "too many" into
        // an answer we can give at once (503) instead of a wait nobody
        // chose. A bound of 0 is allowed: then a job is taken only when a
        // worker is idle and waiting for it.
        let (sender, receiver) = mpsc::sync_channel::<Job>(queue_len);
        // Why `Arc<Mutex<Receiver>>`: an mpsc receiver has exactly one
        // owner ("single consumer"), but every worker must take from it.
        // The Arc shares it; the Mutex lets one worker at a time call
        // `recv`. A std Mutex is right here: it is held only while a job is
        // taken off the queue, never while one runs.
        let receiver = Arc::new(Mutex::new(receiver));
        let mut started = Vec::with_capacity(workers);
        for id in 0..workers {
            let receiver = Arc::clone(&receiver);
            let stats = Arc::clone(&stats);
            let thread = thread::Builder::new()
                .name(format!("worker-{id}"))
                .spawn(move || work(id, &receiver, &stats))?;
            started.push(Worker { id, thread });
        }
        Ok(ThreadPool {
            workers: started,
            sender: Some(sender),
        })
    }
    // ANCHOR_END: new

    /// How many workers the pool has.
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    // ANCHOR: try_execute
    /// Queues `job` for the next free worker, or says [`Busy`] at once if
    /// the queue is full. It never blocks: the caller is the accept loop,
    /// which must keep accepting (if only to say 503).
    ///
    /// # Panics
    ///
    /// If every worker has ended, which cannot happen while the pool is
    /// alive unless the worker loop itself is broken: then no job would
    /// ever run again, and carrying on would hide it.
    pub fn try_execute<F>(&self, job: F) -> Result<(), Busy>
    where
        F: FnOnce() + Send + 'static,
    {
        let sender = self
            .sender
            .as_ref()
            .expect("the sender lives as long as the pool");
        match sender.try_send(Box::new(job)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_job)) => Err(Busy),
            Err(TrySendError::Disconnected(_job)) => panic!(
                "every worker of the thread pool has ended, so no job can run: \
                 a worker must loop until the queue closes (exercise 5.1)"
            ),
        }
    }
    // ANCHOR_END: try_execute
}

// ANCHOR: work
/// The life of a worker thread: take a job, run it, repeat, until the
/// pool closes the queue.
#[expect(unused_variables, reason = "until you write exercise 5.1")]
fn work(id: usize, receiver: &Mutex<Receiver<Job>>, stats: &Stats) {
    let _alive = stats.live_workers.enter();
    todo!(
        "exercise 5.1: Workers and a job queue (read book/src/ch05-threads.md#exercise-51-workers-and-a-job-queue)"
    )
}
// ANCHOR_END: work

// ANCHOR: drop
impl Drop for ThreadPool {
    /// Stops the pool in order: close the queue, let the workers finish
    /// what is queued, wait for each of them.
    fn drop(&mut self) {
        if thread::panicking() {
            // The pool is being dropped because a panic is unwinding the
            // thread that owns it. A second panic here would abort the
            // whole process, and waiting could hang it: close the queue so
            // the workers end on their own, and do not wait for them.
            drop(self.sender.take());
            return;
        }
        todo!(
            "exercise 5.2: Stop the workers in order (read book/src/ch05-threads.md#exercise-52-stop-the-workers-in-order)"
        )
    }
}
// ANCHOR_END: drop

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    #[test]
    fn runs_every_queued_job_before_drop_returns() {
        let stats = Arc::new(Stats::default());
        let pool = ThreadPool::new(2, 8, Arc::clone(&stats)).unwrap();
        let (done, results) = channel();
        for n in 0..8 {
            let done = done.clone();
            pool.try_execute(move || done.send(n).unwrap()).unwrap();
        }
        drop(pool);
        drop(done);
        let mut got: Vec<i32> = results.iter().collect();
        got.sort_unstable();
        assert_eq!(got, (0..8).collect::<Vec<_>>());
        assert_eq!(stats.live_workers.now(), 0);
    }

    #[test]
    fn a_panicking_job_leaves_the_pool_whole() {
        let stats = Arc::new(Stats::default());
        let pool = ThreadPool::new(1, 4, Arc::clone(&stats)).unwrap();
        pool.try_execute(|| panic!("a job that fails")).unwrap();
        let (done, result) = channel();
        pool.try_execute(move || done.send("ran").unwrap()).unwrap();
        assert_eq!(result.recv().unwrap(), "ran");
        assert_eq!(stats.live_workers.now(), 1);
    }

    #[test]
    fn a_full_queue_says_busy_instead_of_waiting() {
        let stats = Arc::new(Stats::default());
        let pool = ThreadPool::new(1, 1, stats).unwrap();
        let (release, gate) = channel::<()>();
        let (started, has_started) = channel();
        // The worker takes this job and waits in it...
        pool.try_execute(move || {
            started.send(()).unwrap();
            let _ = gate.recv();
        })
        .unwrap();
        has_started.recv().unwrap();
        // ...so this one fills the queue, and the next one is refused.
        pool.try_execute(|| {}).unwrap();
        assert_eq!(pool.try_execute(|| {}), Err(Busy));
        release.send(()).unwrap();
    }
}
