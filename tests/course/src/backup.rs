//! Where a learner's work goes before `sync --force` or `reset` replaces it:
//! `backups/NN-slug-<UTC timestamp>/`, which `.gitignore` keeps out of git.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::manifest::Chapter;

/// Picks a backup directory that does not exist yet, such as
/// `backups/01-echo-20250102T030405Z`, and returns it relative to `root`.
/// It is not created: `reset` moves the whole chapter there.
pub fn fresh_backup_dir(root: &Path, chapter: &Chapter) -> PathBuf {
    let base = format!(
        "{}-{}",
        chapter.dir_name(),
        utc_timestamp(SystemTime::now())
    );
    let mut candidate = Path::new("backups").join(&base);
    // Two backups in the same second (a script, a quick double reset) must
    // not mix: number the later ones.
    let mut n = 2;
    while root.join(&candidate).exists() {
        candidate = Path::new("backups").join(format!("{base}-{n}"));
        n += 1;
    }
    candidate
}

/// `20250102T030405Z`: sortable, and free of `:` so it is a valid file name
/// on Windows too.
pub fn utc_timestamp(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, in_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    )
}

/// The calendar date of a day counted from 1970-01-01 (Howard Hinnant's
/// algorithm; it saves a date-time dependency for one file name).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "19700101T000000Z");
        let leap_day = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(utc_timestamp(leap_day), "20240229T123456Z");
    }
}
