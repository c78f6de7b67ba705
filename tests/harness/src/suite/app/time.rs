//! What `/time` must answer: an RFC 3339 timestamp between the moments
//! before and after the request, computed here without the code under test.

use super::*;

/// Seconds since 1970-01-01T00:00:00Z by the suite's clock, truncated.
pub(super) fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `Ok` when `body` is exactly `YYYY-MM-DDTHH:MM:SSZ\n` and names a second
/// from `before` to `after` (seconds since the Unix epoch); otherwise why
/// not. Fixed-width RFC 3339 text sorts like the times it names, so the
/// range is compared as text.
pub fn check_time_body(body: &[u8], before: u64, after: u64) -> Result<(), String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8 text".to_string())?;
    let shape = text.strip_suffix('\n').is_some_and(|time| {
        time.len() == 20
            && time.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T',
                13 | 16 => b == b':',
                19 => b == b'Z',
                _ => b.is_ascii_digit(),
            })
    });
    if !shape {
        return Err(
            "the body is not of the form YYYY-MM-DDTHH:MM:SSZ followed by one \\n".to_string(),
        );
    }
    let time = &text[..20];
    let (earliest, latest) = (rfc3339(before), rfc3339(after));
    if time < earliest.as_str() || time > latest.as_str() {
        return Err(format!(
            "the time {time} is not now: the suite's clock read {earliest} before the request and {latest} after the response"
        ));
    }
    Ok(())
}

/// `seconds` since the Unix epoch as RFC 3339 in UTC, whole seconds:
/// `2009-02-13T23:31:30Z`.
pub fn rfc3339(seconds: u64) -> String {
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let second_of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// The calendar date of day `days` after 1970-01-01: Howard Hinnant's
/// algorithm, counting in 400-year eras that start on 1 March, so the leap
/// day is the last day of its year.
pub(super) fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Days since 0000-03-01, the start of an era.
    let since_era_start = days + 719_468;
    let era = since_era_start / 146_097;
    let day_of_era = since_era_start % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March: 0 is March, 11 is February.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}
