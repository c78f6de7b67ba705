//! A student's crates in a workspace of the teacher's making.
//!
//! A student's checkout can hold anything, edited tests included. So their
//! code is graded from a scratch workspace: it holds only their
//! `chapters/NN-slug/` folders, each with the course's own `Cargo.toml`
//! (which points at the teacher's `tests/chapterNN.rs`, harness and
//! solutions by absolute path, and never runs a build script), under the
//! teacher's workspace manifest and `Cargo.lock`. Everything else the
//! student changed is compared with the teacher's copy and reported as a
//! note, never used.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::manifest::Chapter;
use crate::sync::{crate_files, sha256_lf, slash_to_path, slashes, write};

use super::roster::Student;

/// At most this many notes about files outside `chapters/`: a checkout of
/// an older course differs in every file, and one line says so.
const MAX_FILE_NOTES: usize = 8;

/// What grading needs of the teacher's checkout, read once.
#[derive(Debug)]
pub struct Course {
    /// The teacher's checkout.
    pub root: PathBuf,
    /// Every file outside `chapters/` (as git sees them), with a
    /// fingerprint of its text.
    files: BTreeMap<String, String>,
}

impl Course {
    pub fn read(root: &Path) -> Result<Course, String> {
        let files = outside_chapters(root)?
            .into_iter()
            .map(|path| {
                let print = fingerprint(&root.join(slash_to_path(&path)));
                (path, print)
            })
            .collect();
        Ok(Course {
            root: root.to_path_buf(),
            files,
        })
    }
}

/// A student's scratch workspace, ready to build.
#[derive(Debug)]
pub struct Prepared {
    /// The workspace root.
    pub dir: PathBuf,
    /// What differs from the course, for the teacher.
    pub notes: Vec<String>,
    /// The chapters whose folder the student has.
    pub present: Vec<u32>,
}

/// Builds `student`'s workspace for `chapters` in `dir` (emptied first).
pub fn prepare(
    course: &Course,
    chapters: &[&Chapter],
    student: &Student,
    dir: &Path,
) -> Result<Prepared, String> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    write(
        &dir.join("Cargo.toml"),
        workspace_manifest(&course.root)?.as_bytes(),
    )?;
    let lock = course.root.join("Cargo.lock");
    fs::copy(&lock, dir.join("Cargo.lock"))
        .map_err(|e| format!("cannot copy {}: {e}", lock.display()))?;

    let mut notes = Vec::new();
    let mut present = Vec::new();
    if !student.path.is_dir() {
        notes.push(format!(
            "{} does not exist: nothing to grade",
            student.path.display()
        ));
        return Ok(Prepared {
            dir: dir.to_path_buf(),
            notes,
            present,
        });
    }
    let has_chapters = student.path.join("chapters").is_dir();
    if !has_chapters {
        notes.push("no chapters/ folder: is this a checkout of the course?".into());
    }
    for chapter in chapters {
        let relative = chapter.starter_dir();
        let theirs = student.path.join(&relative);
        let shown = slashes(&relative);
        if !theirs.is_dir() {
            // One note says it when the whole folder is missing.
            if has_chapters {
                notes.push(format!("{shown} is missing: its exercises are not started"));
            }
            continue;
        }
        let ours = dir.join(&relative);
        for file in crate_files(&theirs)? {
            if file == "Cargo.toml" {
                continue;
            }
            let from = theirs.join(slash_to_path(&file));
            let contents =
                fs::read(&from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
            write(&ours.join(slash_to_path(&file)), &contents)?;
            if file == "build.rs" {
                notes.push(format!(
                    "{shown}/build.rs is not run: grading never runs a student's build script"
                ));
            }
        }
        let course_manifest = course.root.join(&relative).join("Cargo.toml");
        if fingerprint(&theirs.join("Cargo.toml")) != fingerprint(&course_manifest) {
            notes.push(format!(
                "{shown}/Cargo.toml differs from the course's: graded with the course's"
            ));
        }
        let manifest = chapter_manifest(&course_manifest, &course.root.join(&relative))?;
        write(&ours.join("Cargo.toml"), manifest.as_bytes())?;
        present.push(chapter.number);
    }
    notes.extend(file_notes(course, &student.path)?);
    Ok(Prepared {
        dir: dir.to_path_buf(),
        notes,
        present,
    })
}

/// The teacher's workspace manifest with the student's chapters as its
/// only members: the same edition, lints and profiles, so the student's
/// crates build as the course's do and share the compiled dependencies.
fn workspace_manifest(root: &Path) -> Result<String, String> {
    let path = root.join("Cargo.toml");
    let mut manifest = read_toml(&path)?;
    let workspace = manifest
        .get_mut("workspace")
        .and_then(|w| w.as_table_mut())
        .ok_or_else(|| format!("{} has no [workspace]", path.display()))?;
    workspace.insert("members".into(), vec!["chapters/*"].into());
    workspace.remove("default-members");
    Ok(toml::to_string(&manifest).expect("a TOML table serializes"))
}

/// A chapter's `Cargo.toml` from the course, for a crate that lives
/// elsewhere: every path outside the crate (the stage tests, the harness,
/// the solutions it builds on) made absolute, and no build script.
fn chapter_manifest(path: &Path, crate_dir: &Path) -> Result<String, String> {
    let mut manifest = read_toml(path)?;
    if let Some(package) = manifest.get_mut("package").and_then(|p| p.as_table_mut()) {
        package.insert("build".into(), false.into());
    }
    absolute_paths(&mut manifest, crate_dir);
    Ok(toml::to_string(&manifest).expect("a TOML table serializes"))
}

/// Rewrites each `path = "../..."` below `value` to an absolute path.
fn absolute_paths(table: &mut toml::Table, crate_dir: &Path) {
    for (key, value) in table.iter_mut() {
        match value {
            toml::Value::String(path) if key == "path" && path.starts_with("..") => {
                let absolute = normalize(&crate_dir.join(path.as_str()));
                *path = absolute.to_string_lossy().into_owned();
            }
            toml::Value::Table(inner) => absolute_paths(inner, crate_dir),
            toml::Value::Array(items) => {
                for item in items {
                    if let toml::Value::Table(inner) = item {
                        absolute_paths(inner, crate_dir);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `a/b/../c` as `a/c`, without asking the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn read_toml(path: &Path) -> Result<toml::Table, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))
}

/// The notes on the student's files outside `chapters/`: each course file
/// they changed, and each file they added where it could change a build
/// or a test (`tests/`, `solutions/`, `.cargo/`).
fn file_notes(course: &Course, checkout: &Path) -> Result<Vec<String>, String> {
    let mut notes = Vec::new();
    for path in outside_chapters(checkout)? {
        let note = match course.files.get(&path) {
            Some(ours) if *ours != fingerprint(&checkout.join(slash_to_path(&path))) => {
                format!("{path} differs from the course's: not used, the course's is")
            }
            None if ["tests/", "solutions/", ".cargo/"]
                .iter()
                .any(|dir| path.starts_with(dir)) =>
            {
                format!("{path} is not part of the course: not used")
            }
            _ => continue,
        };
        notes.push(note);
    }
    if notes.len() > MAX_FILE_NOTES {
        let more = notes.len() - MAX_FILE_NOTES + 1;
        notes.truncate(MAX_FILE_NOTES - 1);
        notes.push(format!(
            "and {more} more files outside chapters/ differ from the course's (none is used)"
        ));
    }
    Ok(notes)
}

/// The files of a checkout outside `chapters/` and `backups/`.
fn outside_chapters(root: &Path) -> Result<Vec<String>, String> {
    Ok(crate_files(root)?
        .into_iter()
        .filter(|path| !path.starts_with("chapters/") && !path.starts_with("backups/"))
        .collect())
}

/// A file's fingerprint, blind to line ends (a Windows checkout of the
/// same text is the same file); empty for a file that cannot be read.
fn fingerprint(path: &Path) -> String {
    fs::read(path).map_or_else(|_| String::new(), |bytes| sha256_lf(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_the_course_paths_of_a_chapter_manifest_absolute() {
        let manifest: toml::Table = r#"
[package]
name = "chapter04"

[[test]]
name = "chapter04"
path = "../../tests/chapter04.rs"

[lib]
path = "src/lib.rs"

[dependencies]
chapter03 = { package = "chapter03-solution", path = "../../solutions/03-http-parser" }

[dev-dependencies]
harness = { path = "../../tests/harness" }
"#
        .parse()
        .unwrap();
        let temp = harness::TempDir::new("grade-manifest");
        let file = temp.path().join("Cargo.toml");
        fs::write(&file, toml::to_string(&manifest).unwrap()).unwrap();
        let course = Path::new("/course/chapters/04-file-server");
        let rewritten: toml::Table = chapter_manifest(&file, course).unwrap().parse().unwrap();
        let path = |value: &toml::Value| PathBuf::from(value.as_str().unwrap());
        assert_eq!(
            path(&rewritten["test"][0]["path"]),
            Path::new("/course/tests/chapter04.rs")
        );
        assert_eq!(
            path(&rewritten["dependencies"]["chapter03"]["path"]),
            Path::new("/course/solutions/03-http-parser")
        );
        assert_eq!(
            path(&rewritten["dev-dependencies"]["harness"]["path"]),
            Path::new("/course/tests/harness")
        );
        assert_eq!(rewritten["lib"]["path"].as_str(), Some("src/lib.rs"));
        assert_eq!(rewritten["package"]["build"].as_bool(), Some(false));
    }

    #[test]
    fn a_windows_checkout_of_the_same_text_is_the_same_file() {
        let temp = harness::TempDir::new("grade-fingerprint");
        let unix = temp.path().join("unix.rs");
        let windows = temp.path().join("windows.rs");
        let changed = temp.path().join("changed.rs");
        fs::write(&unix, "fn main() {}\n").unwrap();
        fs::write(&windows, "fn main() {}\r\n").unwrap();
        fs::write(&changed, "fn main() { }\n").unwrap();
        assert_eq!(fingerprint(&unix), fingerprint(&windows));
        assert_ne!(fingerprint(&unix), fingerprint(&changed));
        let binary = temp.path().join("picture.jpg");
        fs::write(&binary, b"\xff\xd8\0\r\n").unwrap();
        assert_ne!(fingerprint(&binary), sha256_lf(b"\xff\xd8\0\n"));
    }

    #[test]
    fn a_folder_that_is_not_a_checkout_gets_one_note() {
        let root = crate::manifest::find_root().unwrap();
        let manifest = crate::manifest::Manifest::load(&root).unwrap();
        let chapters: Vec<&Chapter> = manifest.available().collect();
        let course = Course::read(&root).unwrap();
        let temp = harness::TempDir::new("grade-not-a-checkout");
        let student = Student {
            name: "ada".into(),
            path: temp.path().join("ada"),
        };
        fs::create_dir_all(student.path.join("notes")).unwrap();
        let prepared = prepare(&course, &chapters, &student, &temp.path().join("work")).unwrap();
        assert_eq!(
            prepared.notes,
            ["no chapters/ folder: is this a checkout of the course?"]
        );
        assert!(prepared.present.is_empty());
        assert!(temp.path().join("work/Cargo.toml").is_file());
    }
}
