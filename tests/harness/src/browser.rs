//! A real browser against the server under test: headless Chromium, and a
//! recording proxy that shows which requests the browser made.
//!
//! A raw-socket test proves that the server answers what we send; only a
//! browser proves that the page works the way a visitor sees it (that the
//! `<img>` really makes the browser fetch the picture, for example). So a
//! test starts the server, puts a [`RecordingProxy`] in front of it, and
//! points Chromium at the proxy with [`dump_dom`]:
//!
//! ```text
//! let proxy = RecordingProxy::start(server.addr()).unwrap();
//! let dom = dump_dom(&chromium, &proxy.url("/"), BROWSER_LIMIT)?;
//! assert!(proxy.request_lines().contains(&"GET /picture.jpg HTTP/1.1".to_string()));
//! ```
//!
//! The browser is found by [`chromium_or_skip`]: on a learner's machine
//! without Chromium the browser part is skipped with a note on how to
//! install it; under CI (`CI` set) a missing browser is a failure, so the
//! check cannot silently disappear.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::TIMEOUT;
use crate::http::{MAX_HEAD, head_end};

/// How long Chromium may take to load a page and print its DOM before the
/// test kills it. A cold start on a busy machine takes a few seconds.
pub const BROWSER_LIMIT: Duration = Duration::from_secs(30);

/// How long a proxied connection may stay silent in both directions before
/// the proxy gives up on it. [`RecordingProxy::stop`] ends connections at
/// once; this only bounds a connection nobody stops.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// The names Chromium and Chrome go by on `PATH`, most specific first.
const BROWSER_NAMES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// Where macOS keeps the browsers when they are not on `PATH`.
const MACOS_APPS: &[&str] = &[
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

/// The flags every headless run of the tests starts Chromium with.
pub const HEADLESS: &[&str] = &[
    "--headless",
    // Containers and CI often run as root, where the sandbox refuses to
    // start; the page we load is our own.
    "--no-sandbox",
    "--disable-gpu",
    // Small /dev/shm in containers crashes the renderer otherwise.
    "--disable-dev-shm-usage",
    // No traffic of its own: only the page's requests reach the server.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
];

/// What to tell someone who has no Chromium.
pub const INSTALL_CHROMIUM: &str = "install Chromium and run the test again: \
     Debian/Ubuntu `sudo apt-get install chromium` (older Ubuntu: `chromium-browser`), \
     macOS `brew install --cask chromium`, \
     Windows: install Chrome or Chromium and set the CHROMIUM environment variable \
     to the full path of chrome.exe";

// ---------------------------------------------------------------------------
// Finding and running Chromium
// ---------------------------------------------------------------------------

/// The Chromium (or Chrome) to run: `$CHROMIUM` when it is set, else the
/// first of the usual names on `PATH`, else the usual macOS application.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for directory in std::env::split_paths(&path) {
        for name in BROWSER_NAMES {
            let candidate = directory.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    MACOS_APPS
        .iter()
        .map(PathBuf::from)
        .find(|app| app.is_file())
}

/// Whether the environment says we run under continuous integration, where
/// a skipped browser check would go unnoticed.
pub fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The browser for `test`, or `None` when there is none and the test should
/// skip its browser part (after printing why to stderr). Under CI a missing
/// browser fails the test instead.
#[track_caller]
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(chromium) = find_chromium() {
        return Some(chromium);
    }
    if running_in_ci() {
        panic!(
            "{test}: no Chromium found (looked for $CHROMIUM, then {} on PATH), and CI is set, \
             so the browser check may not be skipped: apt-get install chromium",
            BROWSER_NAMES.join(", ")
        );
    }
    eprintln!(
        "{test}: skipped the browser part, because no Chromium was found \
         (looked for $CHROMIUM, then {} on PATH). To run it, {INSTALL_CHROMIUM}.",
        BROWSER_NAMES.join(", ")
    );
    None
}

/// Loads `url` in headless Chromium and returns the page's DOM as HTML, as
/// the browser sees it once the page (pictures included) has loaded.
///
/// Chromium runs as a child process with a fresh, empty profile, no
/// background traffic of its own, and a deadline: after `limit` it is
/// killed and this returns an error, so a test can never hang on it.
pub fn dump_dom(chromium: &Path, url: &str, limit: Duration) -> Result<String, String> {
    let profile = fresh_profile_dir()?;
    let result = run_dump_dom(chromium, url, limit, &profile);
    // Best effort: a browser that is still exiting may hold files open.
    let _ = std::fs::remove_dir_all(&profile);
    result
}

fn run_dump_dom(
    chromium: &Path,
    url: &str,
    limit: Duration,
    profile: &Path,
) -> Result<String, String> {
    let mut child = Command::new(chromium)
        .args(HEADLESS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", chromium.display()))?;

    // Read both pipes in threads, so a full pipe never blocks the browser
    // and the deadline below stays in our hands.
    let stdout = read_in_thread(child.stdout.take());
    let stderr = read_in_thread(child.stderr.take());
    let dom = stdout.recv_timeout(limit);
    // Whether it finished or not, make sure it is gone: after printing the
    // DOM it has nothing left to do, and after the deadline it must stop.
    let _ = child.kill();
    let status = child.wait().map_err(|e| e.to_string())?;
    let stderr = stderr
        .recv_timeout(Duration::from_secs(1))
        .unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr);
    let tail = last_lines(&stderr, 15);
    match dom {
        Ok(dom) if !dom.is_empty() => Ok(String::from_utf8_lossy(&dom).into_owned()),
        Ok(_) => Err(format!(
            "Chromium printed no DOM for {url} (exit: {status}); its stderr ends with:\n{tail}"
        )),
        Err(_) => Err(format!(
            "Chromium did not finish loading {url} within {limit:?} and was killed; \
             its stderr ends with:\n{tail}"
        )),
    }
}

/// Reads `pipe` to its end in a new thread; the bytes arrive on the channel.
fn read_in_thread(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = sender.send(bytes);
        });
    }
    receiver
}

/// A new empty directory for a browser profile, unique to this call.
fn fresh_profile_dir() -> Result<PathBuf, String> {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!(
        "course-chromium-{}-{}-{nanos}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// The last `n` lines of `text`.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

// ---------------------------------------------------------------------------
// The recording proxy
// ---------------------------------------------------------------------------

/// A TCP proxy on `127.0.0.1:0` that forwards every connection to one
/// server, byte for byte in both directions, and records the request line
/// of every request it passes on. Dropping it stops it.
pub struct RecordingProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
    stopping: Arc<AtomicBool>,
    /// A handle on every socket the proxy opened, so `stop` can end them.
    sockets: Arc<Mutex<Vec<TcpStream>>>,
    /// The threads that copy bytes, joined by `stop`.
    pumps: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept_thread: Option<JoinHandle<()>>,
}

impl RecordingProxy {
    /// Starts a proxy that forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> io::Result<RecordingProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let mut proxy = RecordingProxy {
            addr,
            seen: Arc::default(),
            stopping: Arc::default(),
            sockets: Arc::default(),
            pumps: Arc::default(),
            accept_thread: None,
        };
        let seen = Arc::clone(&proxy.seen);
        let stopping = Arc::clone(&proxy.stopping);
        let sockets = Arc::clone(&proxy.sockets);
        let pumps = Arc::clone(&proxy.pumps);
        proxy.accept_thread = Some(
            thread::Builder::new()
                .name(format!("proxy {addr} -> {upstream}"))
                .spawn(move || {
                    for client in listener.incoming() {
                        if stopping.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(client) = client else { continue };
                        // When the server cannot be reached, the client sees its
                        // connection closed, as it would without us.
                        let Ok((client, server)) = connect_pair(client, upstream, &sockets) else {
                            continue;
                        };
                        let (Ok(client_writer), Ok(server_writer)) =
                            (client.try_clone(), server.try_clone())
                        else {
                            continue;
                        };
                        let mut pumps = pumps.lock().unwrap_or_else(|e| e.into_inner());
                        pumps.push(spawn_pump(client, server_writer, Some(Arc::clone(&seen))));
                        pumps.push(spawn_pump(server, client_writer, None));
                    }
                })?,
        );
        Ok(proxy)
    }

    /// The address to connect to instead of the server's.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The request lines seen so far, in order: `GET / HTTP/1.1`, ...
    pub fn request_lines(&self) -> Vec<String> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Stops accepting, ends every open connection, and waits for the
    /// proxy's threads to finish.
    pub fn stop(&mut self) {
        let Some(accept_thread) = self.accept_thread.take() else {
            return;
        };
        // The same trick as a chapter's Shutdown: set the flag, then wake
        // the blocking accept with a connection of our own.
        self.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, TIMEOUT);
        let _ = accept_thread.join();
        for socket in self
            .sockets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = socket.shutdown(Shutdown::Both);
        }
        let pumps = std::mem::take(&mut *self.pumps.lock().unwrap_or_else(|e| e.into_inner()));
        for pump in pumps {
            let _ = pump.join();
        }
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Connects to `upstream` for `client`, sets timeouts on both sockets, and
/// keeps a handle on each in `sockets`.
fn connect_pair(
    client: TcpStream,
    upstream: SocketAddr,
    sockets: &Mutex<Vec<TcpStream>>,
) -> io::Result<(TcpStream, TcpStream)> {
    let server = TcpStream::connect_timeout(&upstream, TIMEOUT)?;
    for socket in [&client, &server] {
        socket.set_read_timeout(Some(IDLE_LIMIT))?;
        socket.set_write_timeout(Some(TIMEOUT))?;
        socket.set_nodelay(true)?;
    }
    let mut kept = sockets.lock().unwrap_or_else(|e| e.into_inner());
    kept.push(client.try_clone()?);
    kept.push(server.try_clone()?);
    Ok((client, server))
}

/// Copies `from` to `to` until `from` ends, then passes the end on (a
/// half-close), recording request lines on the way when `seen` is given.
fn spawn_pump(
    mut from: TcpStream,
    mut to: TcpStream,
    seen: Option<Arc<Mutex<Vec<String>>>>,
) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut lines = RequestLines::default();
        let mut chunk = [0; 16 * 1024];
        loop {
            let n = match from.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    let _ = from.shutdown(Shutdown::Both);
                    break;
                }
            };
            // Record before forwarding: by the time the server answers,
            // the request is already in the list.
            if let Some(seen) = &seen {
                let new = lines.feed(&chunk[..n]);
                seen.lock().unwrap_or_else(|e| e.into_inner()).extend(new);
            }
            if to.write_all(&chunk[..n]).is_err() {
                let _ = from.shutdown(Shutdown::Both);
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    })
}

/// Finds the request lines in the bytes a client sends, request after
/// request on one connection: the first line of each head, then skipping
/// `Content-Length` bytes of body. It is fed bytes as they come and never
/// touches a socket.
///
/// It only follows `Content-Length` framing; after a request with
/// `Transfer-Encoding` (which browsers do not use for the requests our
/// tests make) it stops recording that connection.
#[derive(Debug, Default)]
pub struct RequestLines {
    pending: Vec<u8>,
    framing: Framing,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Waiting for a whole head.
    #[default]
    Head,
    /// Skipping this many more bytes of body.
    Body(usize),
    /// We can no longer tell where requests start.
    Lost,
}

impl RequestLines {
    /// Takes the next bytes of the connection, and returns the request lines
    /// of the heads they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        self.pending.extend_from_slice(bytes);
        loop {
            match self.framing {
                Framing::Lost => {
                    self.pending.clear();
                    return lines;
                }
                Framing::Body(remaining) => {
                    let skipped = remaining.min(self.pending.len());
                    self.pending.drain(..skipped);
                    if skipped < remaining {
                        self.framing = Framing::Body(remaining - skipped);
                        return lines;
                    }
                    self.framing = Framing::Head;
                }
                Framing::Head => {
                    let Some(end) = head_end(&self.pending) else {
                        if self.pending.len() > MAX_HEAD {
                            self.framing = Framing::Lost;
                        }
                        return lines;
                    };
                    let head: Vec<u8> = self.pending.drain(..end).collect();
                    let head = String::from_utf8_lossy(&head);
                    // HTTP lets a client send empty lines before a request.
                    let head = head.trim_start_matches("\r\n");
                    lines.push(head.split("\r\n").next().unwrap_or_default().to_string());
                    self.framing = framing_after(head);
                }
            }
        }
    }
}

/// What follows a request head: a body of `Content-Length` bytes, the next
/// head, or something we do not follow.
fn framing_after(head: &str) -> Framing {
    let mut framing = Framing::Head;
    for line in head.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Framing::Lost;
        }
        if name.eq_ignore_ascii_case("content-length") {
            framing = match value.trim().parse() {
                Ok(0) => Framing::Head,
                Ok(length) => Framing::Body(length),
                Err(_) => return Framing::Lost,
            };
        }
    }
    framing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_request_lines_however_the_bytes_arrive() {
        let two_requests: &[u8] = b"POST /form HTTP/1.1\r\nContent-Length: 6\r\n\r\nGET /xGET /picture.jpg HTTP/1.1\r\nHost: h\r\n\r\n";
        let expected = ["POST /form HTTP/1.1", "GET /picture.jpg HTTP/1.1"];
        // All at once, one byte at a time, and in uneven pieces.
        for piece in [two_requests.len(), 1, 7] {
            let mut recorder = RequestLines::default();
            let mut seen = Vec::new();
            for chunk in two_requests.chunks(piece) {
                seen.extend(recorder.feed(chunk));
            }
            assert_eq!(seen, expected, "fed in pieces of {piece} bytes");
        }
    }

    #[test]
    fn stops_recording_what_it_cannot_frame() {
        let mut recorder = RequestLines::default();
        let chunked =
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nGET /\r\n0\r\n\r\n";
        assert_eq!(recorder.feed(chunked), ["POST / HTTP/1.1"]);
        assert!(recorder.feed(b"GET / HTTP/1.1\r\n\r\n").is_empty());
    }

    #[test]
    fn the_proxy_forwards_both_ways_and_records() {
        // The server behind the proxy echoes everything back until EOF.
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream_addr = upstream.local_addr().unwrap();
        let echo = thread::spawn(move || {
            let (mut stream, _) = upstream.accept().unwrap();
            stream.set_read_timeout(Some(TIMEOUT)).unwrap();
            let mut received = Vec::new();
            stream.read_to_end(&mut received).unwrap();
            stream.write_all(&received).unwrap();
        });

        let mut proxy = RecordingProxy::start(upstream_addr).unwrap();
        assert_eq!(proxy.url("/a"), format!("http://{}/a", proxy.addr()));
        let mut client = TcpStream::connect(proxy.addr()).unwrap();
        client.set_read_timeout(Some(TIMEOUT)).unwrap();
        let sent: &[u8] = b"GET / HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
        client.write_all(sent).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut echoed = Vec::new();
        client.read_to_end(&mut echoed).unwrap();
        assert_eq!(echoed, sent);
        assert_eq!(proxy.request_lines(), ["GET / HTTP/1.1", "POST / HTTP/1.1"]);
        echo.join().unwrap();
        proxy.stop();
    }

    #[test]
    fn stop_ends_connections_that_are_still_open() {
        // A server that accepts and then says nothing, like a stuck one.
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut proxy = RecordingProxy::start(upstream.local_addr().unwrap()).unwrap();
        let mut client = TcpStream::connect(proxy.addr()).unwrap();
        client.set_read_timeout(Some(TIMEOUT)).unwrap();
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let (mut server_side, _) = upstream.accept().unwrap();
        server_side.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut head = [0; 18];
        server_side.read_exact(&mut head).unwrap();
        // Both connections are open and idle; stop must not wait for them.
        proxy.stop();
        let mut rest = Vec::new();
        assert_eq!(
            client
                .read_to_end(&mut rest)
                .map(|_| rest.len())
                .unwrap_or(0),
            0
        );
    }

    #[test]
    fn keeps_the_last_lines() {
        assert_eq!(last_lines("a\nb\nc", 2), "b\nc");
        assert_eq!(last_lines("a", 5), "a");
    }
}
