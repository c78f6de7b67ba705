//! `course sync`: generate a chapter's starter (`chapters/NN-slug`) from its
//! reference solution (`solutions/NN-slug`).
//!
//! The solution is the one source of truth. Each exercise in it is a region
//! between two marker comments, inside a function body:
//!
//! ```text
//!     // exercise 1.1: Echo one connection
//!     ...the solution code...
//!     // end exercise
//! ```
//!
//! The starter gets a `todo!()` in its place, at the marker's indentation, so
//! the starter compiles and every stage test fails with a message that names
//! the exercise and its book section. Everything else is copied byte for
//! byte, with the package renamed from `chapterNN-solution` to `chapterNN`.
//!
//! Sync never destroys a learner's work. It records the sha256 of every file
//! it writes in `chapters/NN-slug/.course-sync`; a starter file that no
//! longer matches that record was edited by someone, and is left alone
//! unless `--force`, which first copies it to `backups/`.
//!
//! The parts: [`transform`] is the text transformation alone (a solution's
//! text in, the starter's out), [`allows`] the part of it that finds what
//! each stub leaves unused and writes an `#[expect(...)]` on that item, and
//! [`files`] the file I/O around them: reading the solution, writing the
//! starter, the record and the backups. This file is the `sync` command
//! itself.

mod allows;
mod files;
mod transform;

use std::path::Path;

use crate::manifest::{Chapter, Manifest};

pub use allows::without_expectations;
pub use files::{
    RECORD_FILE, check_chapter, crate_files, missing_markers, sha256_lf, slash_to_path, slashes,
    sync_chapter, write,
};
pub use transform::{reference_text, text_of};

/// `sync`: regenerates each chapter and says what it did. A chapter that
/// fails (a marker mistake, an unfinished solution) does not stop the
/// others; returns false if any failed.
pub fn sync_all(root: &Path, manifest: &Manifest, chapters: &[&Chapter], force: bool) -> bool {
    let mut all_ok = true;
    for chapter in chapters {
        let (starter, solution) = (
            slashes(&chapter.starter_dir()),
            slashes(&chapter.solution_dir()),
        );
        println!("sync: {starter} from {solution}");
        match sync_chapter(root, manifest, chapter, force) {
            Ok(done) => println!("{}", done.describe()),
            Err(e) => {
                println!("  error: {e}");
                all_ok = false;
            }
        }
    }
    all_ok
}

/// `sync --check`: prints each difference; true when there is none.
pub fn check_all(root: &Path, manifest: &Manifest, chapters: &[&Chapter]) -> bool {
    let mut problems = Vec::new();
    for chapter in chapters {
        match check_chapter(root, manifest, chapter) {
            Ok(found) => problems.extend(found),
            Err(e) => problems.push(e),
        }
    }
    for problem in &problems {
        println!("sync --check: {problem}");
    }
    if problems.is_empty() {
        println!("sync --check: every starter is what sync generates");
    }
    problems.is_empty()
}
