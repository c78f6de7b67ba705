//! A line-based time service, and the calendar arithmetic it needs.
//!
//! The protocol, one command per line, one answer line per command:
//!
//! ```text
//! client: TIME                      server: 2026-11-23T18:42:31Z
//! client: time                      server: ERROR unknown command "time": try TIME
//! client: (an empty line)           server: ERROR unknown command "": try TIME
//! ```
//!
//! Lines end in `\n` or `\r\n` (what `nc` sends on Linux and macOS, and
//! what Windows tools send). The connection stays open for more commands
//! until the client closes it. A line longer than [`MAX_LINE_BYTES`] gets
//! `ERROR line too long` and the connection is closed.
//!
//! The standard library tells us the time only as seconds since 1970-01-01
//! (the Unix epoch); turning that into a date is [`civil_from_days`].

#[expect(unused_imports, reason = "until you write exercise 1.5")]
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::backoff::AcceptBackoff;
use crate::shutdown::Shutdown;

const SECONDS_PER_DAY: i64 = 24 * 60 * 60;

// ANCHOR: civil_from_days
// ANCHOR: civil_from_days_signature
/// The calendar date `(year, month, day)` that is `days` days after
/// 1970-01-01 (before it, when negative), in the proleptic Gregorian
/// calendar: today's leap-year rules, extended backwards forever.
///
/// This is Howard Hinnant's `civil_from_days`, from "chrono-Compatible
/// Low-Level Date Algorithms": a few integer divisions, no loops, no tables.
#[expect(unused_variables, reason = "until you write exercise 1.4")]
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // ANCHOR_END: civil_from_days_signature
    todo!(
        "exercise 1.4: Days to a calendar date (read book/src/ch01-echo.md#exercise-14-days-to-a-calendar-date)"
    )
}
// ANCHOR_END: civil_from_days

// ANCHOR: rfc3339
/// `unix_seconds` (seconds since 1970-01-01T00:00:00Z) as an RFC 3339
/// timestamp in UTC, like `2026-11-23T18:42:31Z`. RFC 3339 only covers years
/// 0000 to 9999; that is all the dates this course will meet.
pub fn rfc3339(unix_seconds: i64) -> String {
    // Euclidean division again: one second before the epoch is day -1 at
    // 23:59:59, not day 0 at -1 seconds.
    let days = unix_seconds.div_euclid(SECONDS_PER_DAY);
    let second_of_day = unix_seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let hour = second_of_day / 3600;
    let minute = second_of_day / 60 % 60;
    let second = second_of_day % 60;
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// The current time as an RFC 3339 timestamp in UTC, to the second.
pub fn now_rfc3339() -> String {
    rfc3339(unix_now())
}

/// The current time in whole seconds since 1970-01-01 00:00:00 UTC. (Later
/// chapters store it: chapter 6's guestbook stamps its entries with it.)
pub fn unix_now() -> i64 {
    unix_seconds(SystemTime::now())
}

/// `time` in whole seconds since 1970-01-01 00:00:00 UTC, rounded down
/// (negative before 1970). Chapter 3's `Date` header and chapter 4's file
/// dates use it too.
pub fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        // u64 seconds fit in i64 until the year 292 billion.
        Ok(since) => since.as_secs() as i64,
        // A clock set before 1970 is odd but possible. Round down, as
        // rfc3339 does: 0.5 s before the epoch is 23:59:59 of the day before.
        Err(before) => {
            let before = before.duration();
            -(before.as_secs() as i64) - i64::from(before.subsec_nanos() > 0)
        }
    }
}
// ANCHOR_END: rfc3339

// ANCHOR: serve_time
/// Accepts clients one after another and answers their commands, until
/// `shutdown` is triggered: the same loop as the echo server's `serve`.
pub fn serve_time(listener: TcpListener, shutdown: Shutdown) -> io::Result<()> {
    let mut backoff = AcceptBackoff::new();
    for accepted in listener.incoming() {
        if shutdown.is_requested() {
            break;
        }
        let Some(stream) = backoff.accepted(accepted) else {
            continue;
        };
        if let Err(e) = answer_commands(stream) {
            eprintln!("lost a client: {e}");
        }
    }
    Ok(())
}
// ANCHOR_END: serve_time

// ANCHOR: max_line
/// The longest line, line ending included, that the time service reads.
/// Whatever a client sends, we must never buffer without limit: a client
/// that sends gigabytes without a newline would otherwise fill our memory.
pub const MAX_LINE_BYTES: u64 = 1024;
// ANCHOR_END: max_line

// ANCHOR: answer_commands
// ANCHOR: answer_commands_signature
/// Answers one client's commands, one line each, until it closes the
/// connection.
#[expect(unused_variables, reason = "until you write exercise 1.5")]
fn answer_commands(stream: TcpStream) -> io::Result<()> {
    // ANCHOR_END: answer_commands_signature
    todo!(
        "exercise 1.5: A line-based time service (read book/src/ch01-echo.md#exercise-15-a-line-based-time-service)"
    )
}
// ANCHOR_END: answer_commands
