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
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // ANCHOR_END: civil_from_days_signature
    // exercise 1.4: Days to a calendar date
    // The calendar repeats exactly every 400 years: 400 * 365 days plus 97
    // leap days (one every 4 years, except 3 centuries out of 4) makes
    // 146097 days, an "era". We count from 0000-03-01, which starts an era,
    // 719468 days before 1970-01-01. Starting the year in March puts the
    // leap day, 29 February, at the very end of the year, where it cannot
    // shift the months that follow it.
    let days_since_0000_03_01 = days + 719_468;
    // div_euclid rounds towards minus infinity, so dates before year 0 land
    // in era -1 with a day of era that still counts up from 0.
    let era = days_since_0000_03_01.div_euclid(146_097);
    let day_of_era = days_since_0000_03_01.rem_euclid(146_097); // 0..=146096
    // Take out the leap days so far, so that every year looks 365 days long,
    // then divide. Each 4-year cycle (1461 days) ends with its leap day, so
    // day_of_era / 1460 counts them; day_of_era / 36524 gives one back for
    // each century year, which skips its leap day; day_of_era / 146096 is 1 only on
    // the last day of the era, the leap day that the 400th year keeps.
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // 0..=399
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // 0..=365
    // Months from March have lengths 31 30 31 30 31 | 31 30 31 30 31 | 31 28/29:
    // the same 153-day pattern of five months twice, which the line
    // (5 * day_of_year + 2) / 153 reproduces exactly.
    let month_from_march = (5 * day_of_year + 2) / 153; // 0..=11, 0 is March
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // 1..=31
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    }; // 1..=12
    // January and February belong to the March-based year that began the
    // calendar year before.
    let year = era * 400 + year_of_era + i64::from(month <= 2);
    // The comments above give the ranges: both fit in a u32.
    (year, month as u32, day as u32)
    // end exercise
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
fn answer_commands(stream: TcpStream) -> io::Result<()> {
    // ANCHOR_END: answer_commands_signature
    // exercise 1.5: A line-based time service
    // Reading a line means reading until a `\n`, but TCP hands us whatever
    // has arrived: a BufReader keeps the bytes after the newline (the start
    // of the next command) for the next call. It owns a clone of the stream,
    // so we can still write our answers through the original.
    let mut lines = BufReader::new(stream.try_clone()?);
    let mut answers = stream;
    let mut line = Vec::new();
    loop {
        line.clear();
        // `take` stops the read after MAX_LINE_BYTES, newline or not.
        // read_until collects bytes, not a String: a line that is not UTF-8
        // is just an unknown command, not an error that ends the connection.
        let read = lines
            .by_ref()
            .take(MAX_LINE_BYTES)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            // EOF: the client has closed (or half-closed) the connection.
            return Ok(());
        }
        if !line.ends_with(b"\n") && read as u64 == MAX_LINE_BYTES {
            // We stop here instead of skipping to the next newline, which
            // may never come.
            answers.write_all(b"ERROR line too long\n")?;
            return Ok(());
        }
        let command = line.strip_suffix(b"\n").unwrap_or(&line);
        let command = command.strip_suffix(b"\r").unwrap_or(command);
        let answer = match command {
            b"TIME" => format!("{}\n", now_rfc3339()),
            // `{:?}` puts the command in quotes and escapes quotes, control
            // characters and a stray `\r`, so the answer stays on one line
            // whatever the client sent.
            unknown => format!(
                "ERROR unknown command {:?}: try TIME\n",
                String::from_utf8_lossy(unknown)
            ),
        };
        // One write per answer; TcpStream sends it at once, no flush needed.
        answers.write_all(answer.as_bytes())?;
    }
    // end exercise
}
// ANCHOR_END: answer_commands
