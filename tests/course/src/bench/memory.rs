//! What the servers cost in memory: resident memory while they hold idle
//! keep-alive connections (`--idle`), and a file server's while it streams
//! a large file.
//!
//! ```text
//!  idle:   N connections, each: GET / ─▶ answer ─▶ then nothing   ─▶ read the server's RSS
//!  stream: GET /large.bin, read as fast as possible               ─▶ sample its RSS, keep the peak
//! ```
//!
//! Resident memory is read from `/proc/PID/status` on Linux and from
//! `ps -o rss=` on macOS; on Windows it is not measured, and the report
//! says so.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// One server holding `requested` idle connections.
#[derive(Debug, Clone, PartialEq)]
pub struct IdlePoint {
    pub label: String,
    /// The connections asked for, and how many were opened and answered.
    pub requested: u32,
    pub opened: u32,
    pub answered: u32,
    /// The server's resident memory before, and with them open, in KiB.
    pub before_kib: u64,
    pub with_kib: u64,
}

/// A file server streaming one large file.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamPoint {
    pub label: String,
    pub file_bytes: u64,
    /// Bytes received, and how long it took.
    pub received: u64,
    pub seconds: f64,
    /// Resident memory before, and the highest seen while streaming, KiB.
    pub before_kib: u64,
    pub peak_kib: u64,
    /// Every sample: bytes received so far, and resident KiB then.
    pub samples: Vec<(u64, u64)>,
}

/// What [`stream_large_file`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Streamed {
    pub received: u64,
    pub seconds: f64,
    pub peak_kib: u64,
    pub samples: Vec<(u64, u64)>,
}

/// The resident memory of process `pid`, in KiB, where the OS tells it.
pub fn resident_kib(pid: u32) -> Option<u64> {
    if cfg!(target_os = "linux") {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    } else if cfg!(unix) {
        let out = std::process::Command::new("ps")
            .args(["-o", "rss=", "-p", &pid.to_string()])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    } else {
        None
    }
}

/// Opens `count` connections to `addr`, each sending one `GET /` and
/// reading its answer, then keeps them open and silent while `measure`
/// runs. Stops opening at the first connection refused (a server, or this
/// process, out of file descriptors), and says how far it got.
pub fn with_idle<T>(addr: SocketAddr, count: u32, measure: impl FnOnce() -> T) -> (u32, u32, T) {
    let mut held = Vec::new();
    let mut answered = 0;
    // A server that serves one connection at a time answers only the
    // first; after three unanswered in a row, the rest are opened and sent
    // their request without waiting half a second each for nothing.
    let mut patience = 3;
    for _ in 0..count {
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            break;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let sent = stream
            .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .is_ok();
        if sent && patience > 0 {
            if read_one_head(&mut stream) {
                answered += 1;
                patience = 3;
            } else {
                patience -= 1;
            }
        }
        held.push(stream);
    }
    let opened = held.len() as u32;
    let result = measure();
    drop(held);
    (opened, answered, result)
}

/// Reads until the end of a response head (the body of `GET /` is small
/// and follows at once; what is left unread does no harm to an idle
/// connection). `false` if none came in time.
fn read_one_head(stream: &mut TcpStream) -> bool {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while harness::http::head_end(&seen).is_none() {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
    true
}

/// The size of the file a file server is made to stream.
pub const LARGE_FILE: u64 = 256 * 1024 * 1024;

/// Writes `large.bin` of [`LARGE_FILE`] bytes into `root`.
pub fn write_large_file(root: &Path) -> Result<(), String> {
    let path = root.join("large.bin");
    let mut file = std::fs::File::create(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let block = vec![b'x'; 1024 * 1024];
    for _ in 0..LARGE_FILE / block.len() as u64 {
        file.write_all(&block)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Downloads `/large.bin` from `addr` as fast as it comes, sampling the
/// resident memory of `pid` every few milliseconds.
pub fn stream_large_file(addr: SocketAddr, pid: u32) -> Result<Streamed, String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /large.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("cannot send: {e}"))?;
    let started = Instant::now();
    let mut received = 0u64;
    let mut samples = vec![(0, resident_kib(pid).unwrap_or(0))];
    let mut sampled = Instant::now();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received += n as u64,
            Err(e) => return Err(format!("the download stopped after {received} bytes: {e}")),
        }
        if sampled.elapsed() >= Duration::from_millis(5) {
            samples.push((received, resident_kib(pid).unwrap_or(0)));
            sampled = Instant::now();
        }
    }
    samples.push((received, resident_kib(pid).unwrap_or(0)));
    Ok(Streamed {
        received,
        seconds: started.elapsed().as_secs_f64(),
        peak_kib: samples.iter().map(|&(_, kib)| kib).max().unwrap_or(0),
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(target_os = "linux", target_os = "macos"))]
    #[test]
    fn reads_this_process_s_resident_memory() {
        let kib = resident_kib(std::process::id()).unwrap();
        assert!(kib > 100, "{kib} KiB");
    }

    #[test]
    fn holds_idle_connections_while_it_measures() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut streams = Vec::new();
            for mut stream in listener.incoming().flatten() {
                let mut buffer = [0u8; 1024];
                let _ = stream.read(&mut buffer);
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                streams.push(stream);
            }
        });
        let (opened, answered, value) = with_idle(addr, 20, || 42);
        assert_eq!((opened, answered, value), (20, 20, 42));
    }
}
