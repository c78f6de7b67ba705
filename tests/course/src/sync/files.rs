//! The starter on disk: the solution's files read and transformed, written
//! where sync may write, the fingerprints of what it wrote
//! (`.course-sync`), and the backups of what a learner edited.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::transform::{SolutionFile, has_marker, marker_line, starter_texts, text_of};
use crate::backup;
use crate::manifest::{Chapter, Manifest};

/// The record of what sync generated, inside each starter.
pub const RECORD_FILE: &str = ".course-sync";

/// One file of a starter, as sync generates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the crate, with `/` separators on every platform (it is
    /// also the file's name in the record).
    pub path: String,
    /// The exact bytes.
    pub contents: Vec<u8>,
}

/// Generates every file of `chapter`'s starter from its solution under `root`.
pub fn generate(
    root: &Path,
    manifest: &Manifest,
    chapter: &Chapter,
) -> Result<Vec<GeneratedFile>, String> {
    let solution_dir = root.join(chapter.solution_dir());
    if !solution_dir.is_dir() {
        return Err(format!(
            "{} does not exist: a chapter's starter is generated from its solution",
            chapter.solution_dir().display()
        ));
    }
    // A solution still being written must not produce a starter without a
    // manifest: `chapters/*` is a workspace glob, and cargo refuses a member
    // without one, which would stop every build in the repository.
    if !solution_dir.join("Cargo.toml").is_file() {
        return Err(format!(
            "{}/Cargo.toml does not exist yet: no starter is generated from an unfinished solution",
            slashes(&chapter.solution_dir())
        ));
    }
    let mut generated = Vec::new();
    let mut texts = Vec::new();
    for path in crate_files(&solution_dir)? {
        let bytes = read(&solution_dir.join(slash_to_path(&path)))?;
        match text_of(&bytes) {
            Some(text) => texts.push(SolutionFile {
                shown: format!("{}/{path}", slashes(&chapter.solution_dir())),
                path,
                text: text.to_string(),
            }),
            // Pictures and other binary files are part of the crate as they are.
            None => generated.push(GeneratedFile {
                path,
                contents: bytes,
            }),
        }
    }
    // The text files are transformed together: a helper in one file may be
    // used only by a stub in another.
    let starters = starter_texts(manifest, chapter, &texts)?;
    for (file, text) in texts.into_iter().zip(starters) {
        let text = if file.path.ends_with(".rs") {
            rustfmt(root, &file.shown, text)?
        } else {
            text
        };
        generated.push(GeneratedFile {
            path: file.path,
            contents: text.into_bytes(),
        });
    }
    generated.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(generated)
}

/// `text` as rustfmt writes it, so a starter is `cargo fmt` clean however
/// the stubs and expectations changed it: an attribute on one variant, for
/// one, makes rustfmt write every struct variant of the enum on lines of
/// their own.
fn rustfmt(root: &Path, shown: &str, text: String) -> Result<String, String> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", EDITION, "--emit", "stdout", "--quiet"])
        // rustfmt reads its settings from the folder it runs in.
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run rustfmt for {shown} ({e}): `rustup component add rustfmt` installs it"
            )
        })?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = text;
    // Written from another thread: rustfmt may fill its stdout pipe before
    // it has read all of its input.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt on {shown}: {e}"))?;
    let _ = writer.join();
    if !output.status.success() {
        return Err(format!(
            "rustfmt could not format the starter of {shown}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt on {shown}: {e}"))
}

/// The edition the course's crates are written in (the workspace's).
const EDITION: &str = "2024";

/// The exercises of `chapter` that have no marker in the solution, as
/// warnings: their code would be copied into the starter unstubbed.
pub fn missing_markers(root: &Path, chapter: &Chapter) -> Vec<String> {
    chapter
        .exercises
        .iter()
        .filter_map(|exercise| {
            let file = chapter.solution_dir().join(slash_to_path(&exercise.file));
            let text = fs::read_to_string(root.join(&file)).unwrap_or_default();
            let marker = marker_line(&exercise.id, &exercise.title);
            (!has_marker(&text, &exercise.id, &exercise.title)).then(|| {
                format!(
                    "{} has no marker `{marker}`: exercise {} is not stubbed in the starter",
                    slashes(&file),
                    exercise.id
                )
            })
        })
        .collect()
}

/// What sync did, or would do, with one file of a starter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAction {
    /// The file did not exist; it was written.
    Created,
    /// The file was what sync last generated; it was brought up to date.
    Updated,
    /// The file already was what sync generates.
    Unchanged,
    /// The file was edited after sync wrote it, so it was left alone.
    KeptEdited,
    /// The edited file was replaced (`--force`); the old one is in `backup`.
    Replaced {
        /// Where the old version went, relative to the root.
        backup: PathBuf,
    },
    /// The file is in the starter but not in the solution: the learner's own.
    LearnersOwn,
}

/// What sync did with one chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterSync {
    /// The starter directory, relative to the root.
    pub starter: PathBuf,
    /// Each file with what happened to it, in path order.
    pub files: Vec<(String, FileAction)>,
    /// Exercises that have no marker in the solution.
    pub warnings: Vec<String>,
}

impl ChapterSync {
    /// A readable account for the terminal: one line per file that changed
    /// or needs attention, and a summary line.
    pub fn describe(&self) -> String {
        let starter = slashes(&self.starter);
        let mut lines = Vec::new();
        let mut unchanged = 0;
        for (path, action) in &self.files {
            let line = match action {
                FileAction::Created => format!("  created   {starter}/{path}"),
                FileAction::Updated => format!("  updated   {starter}/{path}"),
                FileAction::Unchanged => {
                    unchanged += 1;
                    continue;
                }
                FileAction::KeptEdited => format!(
                    "  KEPT      {starter}/{path}: edited since sync wrote it, so left alone \
                     (`course sync --force` replaces it after a backup)"
                ),
                FileAction::Replaced { backup } => format!(
                    "  replaced  {starter}/{path} (your version is in {}/{path})",
                    slashes(backup)
                ),
                FileAction::LearnersOwn => {
                    format!("  yours     {starter}/{path}: not in the solution, left alone")
                }
            };
            lines.push(line);
        }
        for warning in &self.warnings {
            lines.push(format!("  warning: {warning}"));
        }
        lines.push(format!("  {unchanged} file(s) already up to date"));
        lines.join("\n")
    }
}

/// Regenerates `chapter`'s starter under `root`, as described in the module
/// docs. With `force`, edited files are backed up and replaced.
pub fn sync_chapter(
    root: &Path,
    manifest: &Manifest,
    chapter: &Chapter,
    force: bool,
) -> Result<ChapterSync, String> {
    let generated = generate(root, manifest, chapter)?;
    let starter = chapter.starter_dir();
    let starter_abs = root.join(&starter);
    let record = read_record(&starter_abs);
    let mut backup_dir: Option<PathBuf> = None;
    let mut files = Vec::new();
    for file in &generated {
        let target = starter_abs.join(slash_to_path(&file.path));
        let action = match fs::read(&target) {
            Err(_) => FileAction::Created,
            Ok(current) if current == file.contents => FileAction::Unchanged,
            Ok(current) if record.get(&file.path) == Some(&sha256(&current)) => FileAction::Updated,
            Ok(current) if force => {
                let backup =
                    backup_dir.get_or_insert_with(|| backup::fresh_backup_dir(root, chapter));
                let copy = root.join(&*backup).join(slash_to_path(&file.path));
                write(&copy, &current)?;
                FileAction::Replaced {
                    backup: backup.clone(),
                }
            }
            Ok(_) => FileAction::KeptEdited,
        };
        if matches!(
            action,
            FileAction::Created | FileAction::Updated | FileAction::Replaced { .. }
        ) {
            write(&target, &file.contents)?;
        }
        files.push((file.path.clone(), action));
    }
    for path in crate_files(&starter_abs)? {
        if path != RECORD_FILE && !generated.iter().any(|g| g.path == path) {
            files.push((path, FileAction::LearnersOwn));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    // The record says what sync generated, edited files included: a later
    // sync compares against it to tell "sync's old output" from "edited".
    let record_path = starter_abs.join(RECORD_FILE);
    let record_text = record_text(&generated);
    if fs::read_to_string(&record_path).ok().as_deref() != Some(record_text.as_str()) {
        write(&record_path, record_text.as_bytes())?;
    }
    Ok(ChapterSync {
        starter,
        files,
        warnings: missing_markers(root, chapter),
    })
}

/// `sync --check`: the ways `chapter`'s starter differs from what sync would
/// generate, as problems to report; nothing is written.
pub fn check_chapter(
    root: &Path,
    manifest: &Manifest,
    chapter: &Chapter,
) -> Result<Vec<String>, String> {
    let generated = generate(root, manifest, chapter)?;
    let starter = slashes(&chapter.starter_dir());
    let starter_abs = root.join(chapter.starter_dir());
    let mut problems = Vec::new();
    for file in &generated {
        match fs::read(starter_abs.join(slash_to_path(&file.path))) {
            Err(_) => problems.push(format!("{starter}/{} is missing (run `cargo course sync`)", file.path)),
            // Git may check text files out with CRLF on Windows: compare
            // the text, not the line endings.
            Ok(current) if same_text(&current, &file.contents) => {}
            Ok(_) => problems.push(format!(
                "{starter}/{} is not what sync generates from the solution (run `cargo course sync`)",
                file.path
            )),
        }
    }
    for path in crate_files(&starter_abs)? {
        if path != RECORD_FILE && !generated.iter().any(|g| g.path == path) {
            problems.push(format!(
                "{starter}/{path} is not in the solution (a starter holds only generated files)"
            ));
        }
    }
    let expected: BTreeMap<String, String> = generated
        .iter()
        .map(|f| (f.path.clone(), sha256(&f.contents)))
        .collect();
    if read_record(&starter_abs) != expected {
        problems.push(format!(
            "{starter}/{RECORD_FILE} does not match the generated files (run `cargo course sync`)"
        ));
    }
    problems.extend(missing_markers(root, chapter));
    Ok(problems)
}

/// Equal bytes, or equal text once CRLF line endings are made LF.
fn same_text(a: &[u8], b: &[u8]) -> bool {
    let lf = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    a == b || (text_of(a).is_some() && text_of(b).is_some() && lf(a) == lf(b))
}

/// The record's text: a header saying what it is, then `sha256  path` lines
/// (the format `sha256sum --check` reads).
fn record_text(files: &[GeneratedFile]) -> String {
    let mut text = String::from(
        "# Written by `course sync`: the sha256 of each file it generated in this starter.\n\
         # A later sync replaces only files that still match, so your edits are never lost\n\
         # (`course sync --force` backs them up to backups/ first). Commit it; do not edit it.\n",
    );
    for file in files {
        text.push_str(&format!("{}  {}\n", sha256(&file.contents), file.path));
    }
    text
}

/// The record of a starter: path to sha256; empty when there is none.
fn read_record(starter: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(starter.join(RECORD_FILE)).unwrap_or_default();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once("  "))
        .map(|(hash, path)| (path.trim().to_string(), hash.to_string()))
        .collect()
}

/// The files of a crate, relative and `/`-separated, sorted.
///
/// What git ignores is not part of the crate: build output (`target/`, at
/// any depth: the fuzz crate has its own), a fuzzer's corpus, lock files of
/// crates outside the workspace. The `ignore` crate reads the `.gitignore`
/// files the way git does, even where there is no git repository (a
/// downloaded zip, or the tool's own test fixtures).
pub fn crate_files(dir: &Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .require_git(false)
        .git_global(false)
        .filter_entry(|entry| entry.file_name() != "target" && entry.file_name() != ".git")
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            found.push(slashes(relative));
        }
    }
    found.sort();
    Ok(found)
}

/// Lower-case hex sha256, as `sha256sum` prints it.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// [`sha256`] of a file as git checks it out on Linux: text with every
/// CRLF made LF, a binary file (one with a NUL byte) as it is. So a
/// checkout made on Windows fingerprints like the same files made on Linux.
pub fn sha256_lf(bytes: &[u8]) -> String {
    if bytes.contains(&0) {
        return sha256(bytes);
    }
    let lf: Vec<u8> = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')))
        .map(|(_, &b)| b)
        .collect();
    sha256(&lf)
}

/// A `/`-separated relative path as a native path.
pub fn slash_to_path(path: &str) -> PathBuf {
    path.split('/').collect()
}

/// A relative path shown with `/` on every platform, as the book and the
/// messages write paths.
pub fn slashes(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Writes a file, creating its directory first.
pub fn write(path: &Path, contents: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{STARTER_ANSWER, TempCourse};
    use harness::TempDir;

    #[test]
    fn a_text_fingerprint_is_blind_to_crlf_only() {
        assert_eq!(sha256_lf(b"a\r\nb\r\n"), sha256(b"a\nb\n"));
        // A lone CR and bytes that are not UTF-8 are kept as they are.
        assert_eq!(sha256_lf(b"a\rb\xff\r\n"), sha256(b"a\rb\xff\n"));
        assert_eq!(sha256_lf(b"\0\r\n"), sha256(b"\0\r\n"));
    }

    fn actions(sync: &ChapterSync) -> Vec<(&str, &FileAction)> {
        sync.files
            .iter()
            .map(|(path, action)| (path.as_str(), action))
            .collect()
    }

    #[test]
    fn generates_a_starter_from_the_solution() {
        let course = TempCourse::new("sync-fresh");
        let chapter = &course.manifest.chapters[0];
        let sync = sync_chapter(&course.root, &course.manifest, chapter, false).unwrap();
        assert!(
            sync.files
                .iter()
                .all(|(_, action)| *action == FileAction::Created),
            "{sync:?}"
        );
        assert!(sync.warnings.is_empty(), "{sync:?}");

        assert_eq!(
            course.read("chapters/01-tiny/src/answer.rs"),
            STARTER_ANSWER
        );
        // No exercise in lib.rs: no allow block, only the package renamed.
        assert_eq!(
            course.read("chapters/01-tiny/src/lib.rs"),
            "//! A tiny chapter: the answer, and a greeting.\n//!\n//! Run with `cargo run -p chapter01`.\n\npub mod answer;\n"
        );
        let manifest = course.read("chapters/01-tiny/Cargo.toml");
        assert!(
            manifest.contains("name = \"chapter01\"\nversion"),
            "{manifest}"
        );
        assert!(manifest.contains("[lib]\n# No docs: `cargo doc` documents the solution's library, and two libraries named chapter01 cannot both be.\ndoc = false\nname = \"chapter01\"\n"), "{manifest}");
        assert!(
            manifest.contains("[[bin]]\nname = \"chapter01\"\n"),
            "{manifest}"
        );
        assert!(!manifest.contains("chapter01-solution"), "{manifest}");
        // Binary files are copied byte for byte, names inside them included.
        assert_eq!(
            fs::read(course.path("chapters/01-tiny/assets/dot.bin")).unwrap(),
            fs::read(course.path("solutions/01-tiny/assets/dot.bin")).unwrap()
        );
        let record = course.read("chapters/01-tiny/.course-sync");
        assert!(record.starts_with("# Written by `course sync`"), "{record}");
        assert!(
            record.contains(&format!(
                "{}  src/answer.rs\n",
                sha256(STARTER_ANSWER.as_bytes())
            )),
            "{record}"
        );

        let again = sync_chapter(&course.root, &course.manifest, chapter, false).unwrap();
        assert!(
            again
                .files
                .iter()
                .all(|(_, action)| *action == FileAction::Unchanged),
            "{again:?}"
        );
        assert_eq!(
            check_chapter(&course.root, &course.manifest, chapter).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn never_overwrites_a_learners_work_without_force() {
        let course = TempCourse::new("sync-learner");
        let chapter = &course.manifest.chapters[0];
        sync_chapter(&course.root, &course.manifest, chapter, false).unwrap();
        let learners = STARTER_ANSWER.replace("todo!(\"exercise 1.2: Greet by name (read book/src/ch01-tiny.md#exercise-12-greet-by-name)\")", "format!(\"Hi {name}\")");
        course.write("chapters/01-tiny/src/answer.rs", &learners);
        course.write("chapters/01-tiny/src/notes.rs", "// my notes\n");
        // The maintainers change the solution: sync's own files follow it.
        course.write(
            "solutions/01-tiny/src/main.rs",
            "fn main() {\n    println!(\"{}\", chapter01::answer::answer() + 0);\n}\n",
        );

        let sync = sync_chapter(&course.root, &course.manifest, chapter, false).unwrap();
        assert_eq!(
            actions(&sync),
            [
                ("Cargo.toml", &FileAction::Unchanged),
                ("assets/dot.bin", &FileAction::Unchanged),
                ("src/answer.rs", &FileAction::KeptEdited),
                ("src/lib.rs", &FileAction::Unchanged),
                ("src/main.rs", &FileAction::Updated),
                ("src/notes.rs", &FileAction::LearnersOwn),
            ]
        );
        assert_eq!(course.read("chapters/01-tiny/src/answer.rs"), learners);
        assert!(course.read("chapters/01-tiny/src/main.rs").contains("+ 0"));
        let described = sync.describe();
        assert!(
            described
                .contains("KEPT      chapters/01-tiny/src/answer.rs: edited since sync wrote it"),
            "{described}"
        );
        assert!(
            described.contains("yours     chapters/01-tiny/src/notes.rs"),
            "{described}"
        );

        let problems = check_chapter(&course.root, &course.manifest, chapter).unwrap();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("chapters/01-tiny/src/answer.rs is not what sync generates"),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("chapters/01-tiny/src/notes.rs is not in the solution"),
            "{problems:?}"
        );

        let forced = sync_chapter(&course.root, &course.manifest, chapter, true).unwrap();
        let Some((_, FileAction::Replaced { backup })) =
            forced.files.iter().find(|(p, _)| p == "src/answer.rs")
        else {
            panic!("answer.rs was not replaced: {forced:?}");
        };
        assert!(
            slashes(backup).starts_with("backups/01-tiny-"),
            "{backup:?}"
        );
        assert_eq!(
            fs::read_to_string(course.root.join(backup).join("src").join("answer.rs")).unwrap(),
            learners
        );
        assert_eq!(
            course.read("chapters/01-tiny/src/answer.rs"),
            STARTER_ANSWER
        );
        assert_eq!(
            course.read("chapters/01-tiny/src/notes.rs"),
            "// my notes\n"
        );
        assert!(forced.describe().contains(&format!(
            "(your version is in {}/src/answer.rs)",
            slashes(backup)
        )));
    }

    #[test]
    fn crate_files_leave_out_build_output_and_what_git_ignores() {
        let temp = TempDir::new("crate-files");
        let dir = temp.path();
        for (path, text) in [
            ("src/lib.rs", ""),
            ("target/debug/out", ""),
            (".gitignore", "ignored.txt\n"),
            ("ignored.txt", ""),
            ("fuzz/.gitignore", "Cargo.lock\ncorpus\n"),
            ("fuzz/Cargo.lock", ""),
            ("fuzz/corpus/seed", ""),
            ("fuzz/target/debug/out", ""),
            ("fuzz/fuzz_targets/parse.rs", ""),
        ] {
            write(&dir.join(path), text.as_bytes()).unwrap();
        }
        assert_eq!(
            crate_files(dir).unwrap(),
            [
                ".gitignore",
                "fuzz/.gitignore",
                "fuzz/fuzz_targets/parse.rs",
                "src/lib.rs"
            ]
        );
    }
}
