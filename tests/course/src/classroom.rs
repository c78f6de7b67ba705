//! `course classroom`: the autograding setup of a GitHub Classroom
//! assignment, written into the teacher's template repository.
//!
//! GitHub Classroom grades by running a workflow in each student's
//! repository: one `autograding-command-grader` step per test, worth its
//! points when its command exits with 0, and a reporter step that hands
//! the points to the classroom. Here a step is a chapter, worth its
//! exercises' points; its command runs the chapter's stage tests.
//!
//! In a student's repository the tests are the student's to edit, so each
//! step first checks the course's files against fingerprints taken now,
//! from the teacher's checkout, and kept under `.github/` (a path the
//! assignment's "protected file paths" can list, so that GitHub Classroom
//! flags a change to it).

use std::fs;
use std::path::{Path, PathBuf};

use crate::grade::select;
use crate::manifest::{Chapter, Manifest};
use crate::sync::{crate_files, sha256_lf, slash_to_path, write};

/// The command line of `course classroom`.
#[derive(Debug, clap::Args)]
pub struct ClassroomArgs {
    /// Points for each exercise: a chapter's step is worth its exercises' points.
    #[arg(long, value_name = "N", default_value_t = 1)]
    points_per_exercise: u32,
    /// Only these chapters: 1,2,3 or 1-4 (default: every chapter).
    #[arg(long, value_name = "LIST")]
    chapters: Option<String>,
    /// Minutes each chapter's step may take (the first one compiles the dependencies).
    #[arg(long, value_name = "MINUTES", default_value_t = 15)]
    timeout: u32,
    /// The template repository to write .github/ into (default: this checkout).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Where the files go, inside the template repository.
const WORKFLOW: &str = ".github/workflows/classroom.yml";
const FINGERPRINTS: &str = ".github/classroom/course.sha256";
const SCRIPT: &str = ".github/classroom/grade.sh";

/// Writes the workflow, the fingerprints and the step script; returns
/// what to tell the teacher.
pub fn classroom(root: &Path, manifest: &Manifest, args: &ClassroomArgs) -> Result<String, String> {
    let chapters = select(manifest, args.chapters.as_deref())?;
    let out = args.out.clone().unwrap_or_else(|| root.to_path_buf());
    let fingerprints = fingerprints(root, manifest)?;
    write(
        &out.join(slash_to_path(WORKFLOW)),
        workflow(&chapters, args.points_per_exercise, args.timeout).as_bytes(),
    )?;
    write(
        &out.join(slash_to_path(FINGERPRINTS)),
        fingerprints.as_bytes(),
    )?;
    write(&out.join(slash_to_path(SCRIPT)), GRADE_SH.as_bytes())?;
    let points: u32 = chapters
        .iter()
        .map(|c| c.exercises.len() as u32 * args.points_per_exercise)
        .sum();
    Ok(format!(
        "wrote {WORKFLOW} ({} chapters, {points} points), {FINGERPRINTS} ({} files) and {SCRIPT} into {}.\n\
         Commit them to the assignment's template repository: every push of a student then runs one step per chapter.\n\
         Run `cargo course classroom` again after you update the course, so the fingerprints match it.",
        chapters.len(),
        fingerprints.lines().count(),
        out.display()
    ))
}

/// The workflow: a step per chapter, then the reporter.
fn workflow(chapters: &[&Chapter], points: u32, minutes: u32) -> String {
    let mut yaml = String::from(
        "# Written by `cargo course classroom`; run it again after updating the course.
# One step per chapter, worth its exercises' points when all its stage
# tests pass. Each step first checks that the course's files are unchanged
# (.github/classroom/grade.sh).
name: Autograding Tests
\"on\":
  - push
  - workflow_dispatch
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
",
    );
    let mut ids = Vec::new();
    for chapter in chapters {
        let id = format!("chapter-{}", chapter.nn());
        yaml.push_str(&format!(
            "      - name: \"Chapter {n}: {title}\"
        id: {id}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: \"Chapter {n}: {title}\"
          setup-command: \"\"
          command: sh .github/classroom/grade.sh {package} {dir}
          timeout: {minutes}
          max-score: {score}
",
            n = chapter.number,
            title = chapter.title.replace('"', "'"),
            package = chapter.package(),
            dir = chapter.dir_name(),
            score = chapter.exercises.len() as u32 * points,
        ));
        ids.push(id);
    }
    yaml.push_str(
        "      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
",
    );
    for id in &ids {
        yaml.push_str(&format!(
            "          {}_RESULTS: \"${{{{steps.{id}.outputs.result}}}}\"\n",
            id.to_uppercase()
        ));
    }
    yaml.push_str(&format!(
        "        with:\n          runners: {}\n",
        ids.join(",")
    ));
    yaml
}

/// One chapter's step: the course's files as fingerprinted, no file that
/// would run a student's code at build time, then the stage tests.
const GRADE_SH: &str = r#"#!/bin/sh
# Written by `cargo course classroom`: one chapter's autograding step.
# Usage: sh .github/classroom/grade.sh chapter01 01-echo
set -eu
package="$1"
dir="chapters/$2"
if ! sha256sum --check --quiet --strict .github/classroom/course.sha256; then
    echo "The files above differ from the course's: restore them to be graded (git checkout <first commit> -- FILE)." >&2
    exit 1
fi
for file in rust-toolchain rust-toolchain.toml "$dir/build.rs"; do
    if [ -e "$file" ]; then
        echo "$file is not part of the course: remove it to be graded." >&2
        exit 1
    fi
done
exec cargo test -p "$package" --test "$package"
"#;

/// `sha256sum` lines for every file a chapter's build or tests read
/// outside the student's own code: the workspace manifests, `.cargo/`,
/// `tests/` (the stage tests and the harness), `solutions/` (which later
/// chapters build on) and each chapter's `Cargo.toml`. Text is
/// fingerprinted with LF line ends, as the Linux runner checks it out.
fn fingerprints(root: &Path, manifest: &Manifest) -> Result<String, String> {
    let mut lines = String::new();
    let chapter_manifests: Vec<String> = manifest
        .available()
        .map(|c| format!("chapters/{}/Cargo.toml", c.dir_name()))
        .collect();
    for path in crate_files(root)? {
        let read = ["Cargo.toml", "Cargo.lock", "course.toml"].contains(&path.as_str())
            || [".cargo/", "tests/", "solutions/"]
                .iter()
                .any(|dir| path.starts_with(dir))
            || chapter_manifests.contains(&path);
        if !read {
            continue;
        }
        let file = root.join(slash_to_path(&path));
        let bytes = fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        lines.push_str(&format!("{}  {path}\n", sha256_lf(&bytes)));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::find_root;

    #[test]
    fn a_step_per_chapter_worth_its_exercises_then_the_reporter() {
        let root = find_root().unwrap();
        let manifest = Manifest::load(&root).unwrap();
        let chapters = select(&manifest, Some("1-2")).unwrap();
        let yaml = workflow(&chapters, 2, 15);
        let one = &manifest.chapters[0];
        assert!(yaml.contains(&format!(
            "      - name: \"Chapter 1: {}\"\n        id: chapter-01\n        uses: classroom-resources/autograding-command-grader@v1\n",
            one.title
        )));
        assert!(
            yaml.contains("          command: sh .github/classroom/grade.sh chapter01 01-echo\n")
        );
        assert!(yaml.contains(&format!(
            "          max-score: {}\n",
            one.exercises.len() * 2
        )));
        assert!(
            yaml.contains(
                "          CHAPTER-01_RESULTS: \"${{steps.chapter-01.outputs.result}}\"\n"
            )
        );
        assert!(yaml.ends_with("        with:\n          runners: chapter-01,chapter-02\n"));
        assert!(!yaml.contains("chapter-03"));
    }

    #[test]
    fn fingerprints_cover_the_tests_and_match_the_files() {
        let root = find_root().unwrap();
        let manifest = Manifest::load(&root).unwrap();
        let lines = fingerprints(&root, &manifest).unwrap();
        let paths: Vec<&str> = lines.lines().map(|l| &l[66..]).collect();
        for expected in [
            "Cargo.toml",
            "Cargo.lock",
            "course.toml",
            "tests/chapter01.rs",
            "tests/harness/src/lib.rs",
            "chapters/01-echo/Cargo.toml",
            "solutions/01-echo/src/server.rs",
        ] {
            assert!(paths.contains(&expected), "{expected} is not fingerprinted");
        }
        assert!(!paths.iter().any(|p| p.starts_with("chapters/01-echo/src/")));
        assert!(!paths.iter().any(|p| p.starts_with("book/")));
        let (hash, path) = lines.lines().next().unwrap().split_once("  ").unwrap();
        let bytes = fs::read(root.join(slash_to_path(path))).unwrap();
        assert_eq!(hash, sha256_lf(&bytes));
    }
}
