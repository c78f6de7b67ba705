//! `course reset NN`: start a chapter over. Nothing is lost: the learner's
//! crate moves to `backups/` whole, then sync writes a fresh starter.

use std::path::Path;

use crate::backup;
use crate::manifest::{Chapter, Manifest};
use crate::sync::{self, slashes};

/// `course reset NN`: moves the learner's crate to backups/ and generates a
/// fresh starter. Returns what to tell the learner.
pub fn reset(root: &Path, manifest: &Manifest, chapter: &Chapter) -> Result<String, String> {
    let starter = root.join(chapter.starter_dir());
    let backup = backup::fresh_backup_dir(root, chapter);
    let mut told = String::new();
    if starter.exists() {
        let target = root.join(&backup);
        std::fs::create_dir_all(root.join("backups"))
            .map_err(|e| format!("cannot create backups/: {e}"))?;
        // A rename keeps every file, even ones sync does not know about,
        // and is instant; the backup is on the same disk by construction.
        std::fs::rename(&starter, &target).map_err(|e| {
            format!(
                "cannot move {} to {}: {e}",
                starter.display(),
                target.display()
            )
        })?;
        told.push_str(&format!(
            "reset: your chapter {} is now in {}\n",
            chapter.nn(),
            slashes(&backup)
        ));
    }
    sync::sync_chapter(root, manifest, chapter, false)?;
    told.push_str(&format!(
        "reset: {} is a fresh starter; run `cargo course check {}`",
        slashes(&chapter.starter_dir()),
        chapter.nn()
    ));
    Ok(told)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{STARTER_ANSWER, TempCourse};

    #[test]
    fn keeps_the_learners_work_and_writes_a_fresh_starter() {
        let course = TempCourse::new("reset");
        let chapter = &course.manifest.chapters[0];
        sync::sync_chapter(&course.root, &course.manifest, chapter, false).unwrap();
        course.write("chapters/01-tiny/src/notes.rs", "// mine\n");
        let told = reset(&course.root, &course.manifest, chapter).unwrap();
        let (_, backup) = told
            .lines()
            .next()
            .and_then(|line| line.split_once(" is now in "))
            .unwrap_or_else(|| panic!("no backup named in {told:?}"));
        assert!(backup.starts_with("backups/01-tiny-"), "{told}");
        assert_eq!(course.read(&format!("{backup}/src/notes.rs")), "// mine\n");
        assert!(!course.path("chapters/01-tiny/src/notes.rs").exists());
        assert_eq!(
            course.read("chapters/01-tiny/src/answer.rs"),
            STARTER_ANSWER
        );
        assert!(
            told.ends_with("is a fresh starter; run `cargo course check 01`"),
            "{told}"
        );
    }
}
