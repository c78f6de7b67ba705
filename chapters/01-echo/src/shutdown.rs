//! Stopping a blocking accept loop from another thread, with std only.
//!
//! `TcpListener::accept` blocks until a client connects, and std offers no
//! way to interrupt it. So [`Shutdown::trigger`] does two things: it sets a
//! flag, then connects to the listener itself. That connection wakes the
//! blocked `accept`; the loop checks the flag after every accept, sees it
//! set, and returns. Tests use this to stop a server they started; chapter 5
//! connects it to Ctrl-C.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A shared "please stop" flag for one listener. Clones share the flag.
#[derive(Debug, Clone)]
pub struct Shutdown {
    requested: Arc<AtomicBool>,
    /// Where to connect to wake the accept loop.
    wake_addr: SocketAddr,
}

impl Shutdown {
    /// A shutdown handle for the server that will accept on `listener`.
    pub fn new(listener: &TcpListener) -> io::Result<Shutdown> {
        let mut wake_addr = listener.local_addr()?;
        // A server bound to 0.0.0.0 or [::] listens on every interface, but
        // "connect to 0.0.0.0" fails on Windows: wake it through loopback.
        if wake_addr.ip().is_unspecified() {
            let loopback = match wake_addr {
                SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            };
            wake_addr.set_ip(loopback);
        }
        Ok(Shutdown {
            requested: Arc::new(AtomicBool::new(false)),
            wake_addr,
        })
    }

    // ANCHOR: trigger
    /// Asks the server to stop: it finishes the client it is serving, then
    /// its accept loop returns.
    pub fn trigger(&self) {
        // SeqCst is the simplest ordering to reason about, and this runs once.
        self.requested.store(true, Ordering::SeqCst);
        // The wake-up connection carries no data; if it fails, the server is
        // already gone, which is what we wanted.
        let _ = TcpStream::connect(self.wake_addr);
    }

    /// Whether [`Shutdown::trigger`] has been called.
    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
    // ANCHOR_END: trigger
}
