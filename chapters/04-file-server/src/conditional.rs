//! `Last-Modified` and `If-Modified-Since`: let the browser keep its copy.
//!
//! With every file we send its modification time in `Last-Modified`. A
//! browser that has the file in its cache asks again with that date in
//! `If-Modified-Since`, meaning "only if it changed since". When it has not,
//! we answer `304 Not Modified` with no body, and the browser uses its copy:
//! one small round trip instead of the whole file (RFC 9110, 13.1.3).
//!
//! HTTP dates look like `Sun, 06 Nov 1994 08:49:37 GMT` (the IMF-fixdate of
//! RFC 9110, 5.6.7): always GMT, always whole seconds.

use std::time::SystemTime;

#[expect(unused_imports, reason = "until you write exercise 4.4")]
use chapter01::time::unix_seconds;

const SECONDS_PER_DAY: i64 = 24 * 60 * 60;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

// ANCHOR: not_modified
// ANCHOR: not_modified_signature
/// Whether a request whose `If-Modified-Since` header is `if_modified_since`
/// may be answered `304 Not Modified` for a file last modified at
/// `modified`.
#[expect(unused_variables, reason = "until you write exercise 4.4")]
pub fn not_modified(if_modified_since: Option<&str>, modified: SystemTime) -> bool {
    // ANCHOR_END: not_modified_signature
    todo!(
        "exercise 4.4: Last-Modified and 304 (read book/src/ch04-file-server.md#exercise-44-last-modified-and-304)"
    )
}
// ANCHOR_END: not_modified

// ANCHOR: parse_http_date
/// Reads an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as seconds since
/// 1970, or `None` when it is not one.
///
/// RFC 9110 also asks servers to read two obsolete formats (RFC 850's
/// `Sunday, 06-Nov-94 08:49:37 GMT` and C's asctime). We do not: a date we
/// cannot read only costs the client a full 200 instead of a 304.
pub fn parse_http_date(text: &str) -> Option<i64> {
    // Fixed width: "Sun, 06 Nov 1994 08:49:37 GMT" is 29 bytes, each part at
    // a known place. Splitting on spaces checks the shape as it goes.
    let parts: Vec<&str> = text.trim().split(' ').collect();
    let [weekday, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let weekday = weekday.strip_suffix(',')?;
    if !WEEKDAYS.contains(&weekday) {
        return None;
    }
    let day: u32 = two_digits(day)?;
    let month = MONTHS.iter().position(|m| m == month)? as u32 + 1;
    if year.len() != 4 {
        return None;
    }
    let year: i64 = digits(year)?;
    let [hour, minute, second] = time.split(':').collect::<Vec<_>>()[..] else {
        return None;
    };
    let (hour, minute, second) = (two_digits(hour)?, two_digits(minute)?, two_digits(second)?);
    // 60 allows a leap second, which an IMF-fixdate may carry.
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // 31 February would silently become 3 March: refuse dates that are not
    // on the calendar by going back and comparing.
    if chapter01::time::civil_from_days(days) != (year, month, day) {
        return None;
    }
    Some(days * SECONDS_PER_DAY + i64::from(hour * 3600 + minute * 60 + second))
}
// ANCHOR_END: parse_http_date

/// The number of days from 1970-01-01 to the given date: the inverse of
/// chapter 1's `civil_from_days`, with the same March-based eras.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12); // March is 0
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn two_digits(text: &str) -> Option<u32> {
    if text.len() != 2 {
        return None;
    }
    digits(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chapter03::response::http_date;
    use std::time::UNIX_EPOCH;

    #[test]
    fn dates_round_trip() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        // Chapter 3 writes the dates we read.
        for seconds in [0, 951_782_400, 1_709_164_800, 4_102_444_799] {
            let date = http_date(UNIX_EPOCH + std::time::Duration::from_secs(seconds));
            assert_eq!(parse_http_date(&date), Some(seconds as i64), "{date}");
        }
        for days in -1000..1000 {
            let (y, m, d) = chapter01::time::civil_from_days(days * 37);
            assert_eq!(days_from_civil(y, m, d), days * 37);
        }
    }

    #[test]
    fn refuses_what_is_not_an_imf_fixdate() {
        for text in [
            "",
            "yesterday",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(text), None, "{text:?}");
        }
    }
}
