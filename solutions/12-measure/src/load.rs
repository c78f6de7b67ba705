//! The load generator: keep-alive connections sending `GET` to a server,
//! in a closed loop or an open one, every latency in an HDR histogram.
//!
//! ```text
//!  closed loop:  conn 1  ─req─▶ ◀─resp─ req ─▶ ◀─resp─ ...   as fast as the server answers
//!                conn N  ─req─▶ ◀─resp─ ...
//!  open loop:    request i is due at start + i / rate, on connection i mod N;
//!                its latency runs from when it was due, not from when it went out
//! ```
//!
//! Why an open loop measures from the schedule: a closed-loop client that
//! waits one second for a stalled answer sends nothing meanwhile, so the
//! stall appears as one slow request among thousands, while every user who
//! would have arrived during that second waited too. Gil Tene named this
//! *coordinated omission*; wrk2 and oha correct for it the same way.
//!
//! When each open-loop request is due is [`crate::schedule`]'s to say;
//! the percentiles are hdrhistogram's (see [`crate::percentile`] for the
//! walk they come from).
//!
//! It runs on a small tokio runtime of its own (two worker threads, as wrk
//! runs with `--threads 2`), so it does not take the cores the server needs
//! and many connections cost it little.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{self, Instant};

use crate::schedule::Schedule;

/// How long one request may take before it counts as a timeout: wrk's
/// default.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// The largest latency the histogram holds, in microseconds: a minute.
const MAX_LATENCY_US: u64 = 60_000_000;

/// The largest response head the generator reads.
const MAX_HEAD: usize = 64 * 1024;

/// How requests are sent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Each connection sends its next request when the last is answered.
    Closed,
    /// `rate` requests a second in all, on a fixed schedule, whatever the
    /// server does.
    Open { rate: f64 },
}

/// One run of the generator.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    pub addr: SocketAddr,
    /// The request's path: `/`.
    pub path: String,
    pub connections: u32,
    pub duration: Duration,
    pub mode: Mode,
}

/// What one run measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Whole responses, with any status.
    pub responses: u64,
    /// How many of each status.
    pub statuses: BTreeMap<u16, u64>,
    /// Connections refused or broken, requests that timed out, answers
    /// that were not HTTP.
    pub errors: u64,
    /// Of the errors, the requests not answered within [`REQUEST_TIMEOUT`].
    pub timeouts: u64,
    /// The latency of every response, in microseconds; in an open loop,
    /// also of every request that was due but never sent because its
    /// connection still waited on an earlier one when the run ended, as
    /// the time from when it was due to the end: a stalled server must
    /// not look faster for the requests it kept waiting.
    pub latency: Histogram<u64>,
    /// From the first request to the end of the run.
    pub elapsed: Duration,
}

impl Outcome {
    /// Whole responses a second.
    pub fn requests_per_second(&self) -> f64 {
        self.responses as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The latency at quantile `q` (0.99 for p99), in microseconds.
    pub fn percentile_us(&self, q: f64) -> u64 {
        self.latency.value_at_quantile(q)
    }

    /// The mean latency.
    pub fn mean_latency(&self) -> Duration {
        Duration::from_secs_f64(self.latency.mean() / 1e6)
    }

    /// Responses whose status is not 2xx or 3xx.
    pub fn bad_statuses(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(status, _)| !(200..400).contains(*status))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Runs `load` to its end and returns what it measured. `Err` only when
/// nothing could be measured (no connection at all).
pub fn run(load: &Load) -> Result<Outcome, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("the load generator cannot start: {e}"))?;
    runtime.block_on(run_async(load))
}

async fn run_async(load: &Load) -> Result<Outcome, String> {
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: course-bench\r\n\r\n",
        load.path, load.addr
    )
    .into_bytes();
    let start = Instant::now();
    let end = start + load.duration;
    let start_std = start.into_std();
    let tasks: Vec<_> = (0..load.connections)
        .map(|index| {
            let plan = Plan {
                addr: load.addr,
                request: request.clone(),
                end,
                schedule: match load.mode {
                    Mode::Closed => None,
                    Mode::Open { rate } => Some(Schedule::new(
                        start_std,
                        rate,
                        u64::from(load.connections),
                        u64::from(index),
                    )),
                },
            };
            tokio::spawn(plan.run())
        })
        .collect();
    let mut total = Tally::new();
    for task in tasks {
        match task.await {
            Ok(tally) => total.add(&tally),
            Err(error) => return Err(format!("a connection's task failed: {error}")),
        }
    }
    if total.responses == 0 && total.errors > 0 && total.connected == 0 {
        return Err(format!(
            "no connection to {} succeeded ({} errors)",
            load.addr, total.errors
        ));
    }
    Ok(Outcome {
        responses: total.responses,
        statuses: total.statuses,
        errors: total.errors,
        timeouts: total.timeouts,
        latency: total.latency,
        elapsed: start.elapsed(),
    })
}

/// What one connection's task does.
struct Plan {
    addr: SocketAddr,
    request: Vec<u8>,
    end: Instant,
    /// When this connection's requests are due, in an open loop.
    schedule: Option<Schedule>,
}

/// One connection's counts; the run adds them up.
struct Tally {
    responses: u64,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
    timeouts: u64,
    connected: u64,
    latency: Histogram<u64>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            responses: 0,
            statuses: BTreeMap::new(),
            errors: 0,
            timeouts: 0,
            connected: 0,
            latency: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)
                .expect("valid histogram bounds"),
        }
    }

    fn add(&mut self, other: &Tally) {
        self.responses += other.responses;
        for (status, n) in &other.statuses {
            *self.statuses.entry(*status).or_default() += n;
        }
        self.errors += other.errors;
        self.timeouts += other.timeouts;
        self.connected += other.connected;
        self.latency
            .add(&other.latency)
            .expect("histograms with the same bounds add");
    }

    fn record(&mut self, status: u16, latency: Duration) {
        self.responses += 1;
        *self.statuses.entry(status).or_default() += 1;
        self.wait(latency);
    }

    /// Adds a latency to the histogram, within its bounds.
    fn wait(&mut self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency.saturating_record(us.clamp(1, MAX_LATENCY_US));
    }
}

impl Plan {
    async fn run(mut self) -> Tally {
        let mut tally = Tally::new();
        let mut connection: Option<Connection> = None;
        loop {
            // When this request is due: now (closed loop), or on the
            // schedule (open loop), which does not wait for the server.
            let due = match self.schedule.as_mut() {
                None => Instant::now(),
                Some(schedule) => match schedule.next() {
                    Some(due) => Instant::from_std(due),
                    None => break,
                },
            };
            if due >= self.end {
                break;
            }
            if Instant::now() >= self.end {
                // Due before the end, but this connection was still busy:
                // it has waited at least until the end.
                tally.wait(self.end - due);
                continue;
            }
            // Only when it is in the future: tokio's timer counts whole
            // milliseconds, so even a sleep until now would wait for the
            // next one, and a closed loop would be a millisecond slower.
            if due > Instant::now() {
                time::sleep_until(due).await;
            }
            if connection.is_none() {
                match time::timeout(REQUEST_TIMEOUT, TcpStream::connect(self.addr)).await {
                    Ok(Ok(stream)) => {
                        let _ = stream.set_nodelay(true);
                        tally.connected += 1;
                        connection = Some(Connection::new(stream));
                    }
                    Ok(Err(_)) | Err(_) => {
                        tally.errors += 1;
                        // A refused connection is retried at the next
                        // request, not in a tight loop.
                        time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                }
            }
            let open = connection.as_mut().expect("connected above");
            let asked = time::timeout(REQUEST_TIMEOUT, open.ask(&self.request)).await;
            match asked {
                Ok(Ok(answer)) => {
                    tally.record(answer.status, due.elapsed());
                    if answer.close {
                        connection = None;
                    }
                }
                Ok(Err(_)) => {
                    tally.errors += 1;
                    connection = None;
                }
                Err(_) => {
                    tally.errors += 1;
                    tally.timeouts += 1;
                    connection = None;
                }
            }
        }
        tally
    }
}

/// A keep-alive connection, with what it has read past the last response.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

/// What a response said that the generator needs.
struct Answer {
    status: u16,
    /// The server will close the connection (or is HTTP/1.0 without
    /// keep-alive): open a new one for the next request.
    close: bool,
}

impl Connection {
    fn new(stream: TcpStream) -> Connection {
        Connection {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        }
    }

    /// Sends `request` and reads one whole response.
    async fn ask(&mut self, request: &[u8]) -> std::io::Result<Answer> {
        self.stream.write_all(request).await?;
        let head_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end + 4;
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(invalid("a response head over 64 KiB"));
            }
            self.fill().await?;
        };
        let head = parse_head(&self.buffer[..head_end]).ok_or_else(|| invalid("not HTTP"))?;
        self.buffer.drain(..head_end);
        match head.body {
            Body::Length(length) => {
                while self.buffer.len() < length {
                    self.fill().await?;
                }
                self.buffer.drain(..length);
            }
            Body::Chunked => self.skip_chunks().await?,
            Body::UntilClose => {
                while self.fill().await.is_ok() {}
                self.buffer.clear();
                return Ok(Answer {
                    status: head.status,
                    close: true,
                });
            }
        }
        Ok(Answer {
            status: head.status,
            close: head.close,
        })
    }

    /// Reads more bytes into the buffer; an error at the end of the stream.
    async fn fill(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Reads a chunked body to its end (RFC 9112 section 7.1), keeping
    /// nothing of it.
    async fn skip_chunks(&mut self) -> std::io::Result<()> {
        loop {
            let line_end = loop {
                if let Some(end) = find(&self.buffer, b"\r\n") {
                    break end;
                }
                self.fill().await?;
            };
            let line = std::str::from_utf8(&self.buffer[..line_end])
                .map_err(|_| invalid("a chunk size that is not text"))?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16).map_err(|_| invalid("a bad chunk size"))?;
            self.buffer.drain(..line_end + 2);
            if size == 0 {
                // Trailers, if any, then the blank line.
                loop {
                    let end = loop {
                        if let Some(end) = find(&self.buffer, b"\r\n") {
                            break end;
                        }
                        self.fill().await?;
                    };
                    self.buffer.drain(..end + 2);
                    if end == 0 {
                        return Ok(());
                    }
                }
            }
            while self.buffer.len() < size + 2 {
                self.fill().await?;
            }
            self.buffer.drain(..size + 2);
        }
    }
}

/// How a response's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Length(usize),
    Chunked,
    UntilClose,
}

/// The parts of a response head the generator uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    status: u16,
    body: Body,
    close: bool,
}

/// The most headers a response may have before it counts as not HTTP.
const MAX_HEADERS: usize = 64;

/// Reads a response head (status line and headers, ending in a blank
/// line) with httparse, the parser under hyper; `None` if it is not one.
fn parse_head(head: &[u8]) -> Option<Head> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    if !response.parse(head).ok()?.is_complete() {
        return None;
    }
    let status = response.code?;
    // HTTP/1.0 closes after each response unless it says keep-alive.
    let mut close = response.version? == 0;
    let mut body = Body::UntilClose;
    for header in response.headers.iter() {
        let value = std::str::from_utf8(header.value).ok()?.trim();
        if header.name.eq_ignore_ascii_case("content-length") {
            body = Body::Length(value.parse().ok()?);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().ends_with("chunked")
        {
            body = Body::Chunked;
        } else if header.name.eq_ignore_ascii_case("connection") {
            let value = value.to_ascii_lowercase();
            if value.contains("close") {
                close = true;
            } else if value.contains("keep-alive") {
                close = false;
            }
        }
    }
    // No body at all for these, whatever the headers say.
    if status == 204 || status == 304 || (100..200).contains(&status) {
        body = Body::Length(0);
    }
    Some(Head {
        status,
        body,
        close,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_heads_it_meets() {
        let head = |text: &str| parse_head(text.as_bytes());
        assert_eq!(
            head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
            Some(Head {
                status: 200,
                body: Body::Length(5),
                close: false
            })
        );
        assert_eq!(
            head(
                "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11\r\nContent-Length: 5\r\n\r\n"
            ),
            Some(Head {
                status: 200,
                body: Body::Length(5),
                close: true
            })
        );
        assert_eq!(
            head(
                "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
            ),
            Some(Head {
                status: 503,
                body: Body::Chunked,
                close: true
            })
        );
        assert_eq!(head("SSH-2.0-OpenSSH\r\n\r\n"), None);
    }

    fn serve(
        answer: &'static [u8],
        delay: impl Fn(u64) -> Duration + Send + Sync + 'static,
    ) -> SocketAddr {
        crate::stall::serve_answering(answer, delay).unwrap()
    }

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    #[test]
    fn a_closed_loop_counts_every_response() {
        let addr = serve(OK, |_| Duration::ZERO);
        let outcome = run(&Load {
            addr,
            path: "/".into(),
            connections: 4,
            duration: Duration::from_millis(300),
            mode: Mode::Closed,
        })
        .unwrap();
        assert!(outcome.responses > 10, "{outcome:?}");
        assert_eq!(outcome.statuses.get(&200), Some(&outcome.responses));
        assert_eq!(outcome.errors, 0);
        assert_eq!(outcome.latency.len(), outcome.responses);
    }

    #[test]
    fn chunked_and_closing_answers_are_read_whole() {
        let chunked: &[u8] =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
        let addr = serve(chunked, |_| Duration::ZERO);
        let load = |addr| Load {
            addr,
            path: "/".into(),
            connections: 1,
            duration: Duration::from_millis(200),
            mode: Mode::Closed,
        };
        let outcome = run(&load(addr)).unwrap();
        assert!(outcome.responses > 5 && outcome.errors == 0, "{outcome:?}");
        let closing: &[u8] = b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        let outcome = run(&load(serve(closing, |_| Duration::ZERO))).unwrap();
        assert!(outcome.responses > 5 && outcome.errors == 0, "{outcome:?}");
        assert_eq!(outcome.bad_statuses(), outcome.responses);
    }
}
