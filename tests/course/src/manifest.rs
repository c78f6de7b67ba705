//! `course.toml`, read with a real TOML parser: every chapter and exercise in
//! order, and the names derived from them (directories, packages, test
//! prefixes, book links), so no other module spells those names out itself.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole manifest: the chapters in course order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Every chapter, planned ones included.
    #[serde(rename = "chapter")]
    pub chapters: Vec<Chapter>,
}

/// One chapter of the course.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chapter {
    /// 1, 2, ...; shown as two digits (`01`) in directory and package names.
    pub number: u32,
    /// The short name after the number in `chapters/01-echo`.
    pub slug: String,
    /// The chapter's title, as in the book.
    pub title: String,
    /// The chapter's book page, relative to `book/src`.
    pub page: String,
    /// True while the chapter exists only as a "coming next" page: it has no
    /// crates, no tests and no exercises yet.
    #[serde(default)]
    pub planned: bool,
    /// The exercises in order.
    #[serde(default, rename = "exercise")]
    pub exercises: Vec<Exercise>,
}

/// One exercise: a region of the solution that the starter replaces by `todo!()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// The stable id, `"N.M"`; its tests are named `exN_M_...`.
    pub id: String,
    /// The title, repeated exactly in the solution's marker comment.
    pub title: String,
    /// The file that holds the exercise, relative to the chapter crate.
    pub file: String,
    /// The anchor of the exercise's heading on the chapter's book page.
    pub section: String,
    /// A sentence that helps, shown by `course hint`.
    pub hint: String,
}

impl Manifest {
    /// Reads `course.toml` in `root`.
    pub fn load(root: &Path) -> Result<Manifest, String> {
        let path = root.join("course.toml");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Manifest::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of a `course.toml`.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The chapters that exist (not planned), in order.
    pub fn available(&self) -> impl Iterator<Item = &Chapter> {
        self.chapters.iter().filter(|c| !c.planned)
    }

    /// The chapters still to come, in order.
    pub fn planned(&self) -> impl Iterator<Item = &Chapter> {
        self.chapters.iter().filter(|c| c.planned)
    }

    /// The chapter with this number, or an error that lists the valid ones.
    pub fn chapter(&self, number: u32) -> Result<&Chapter, String> {
        self.chapters
            .iter()
            .find(|c| c.number == number)
            .ok_or_else(|| {
                let known: Vec<String> = self.chapters.iter().map(|c| c.nn()).collect();
                format!(
                    "there is no chapter {number:02}; the chapters are {}",
                    known.join(", ")
                )
            })
    }

    /// An available chapter: like [`Manifest::chapter`], but a planned
    /// chapter is an error that says it is not written yet.
    pub fn available_chapter(&self, number: u32) -> Result<&Chapter, String> {
        let chapter = self.chapter(number)?;
        if chapter.planned {
            return Err(format!(
                "chapter {} ({}) is planned: it has no exercises yet",
                chapter.nn(),
                chapter.title
            ));
        }
        Ok(chapter)
    }

    /// The exercise with this id and its chapter.
    pub fn exercise(&self, id: &str) -> Option<(&Chapter, &Exercise)> {
        self.chapters
            .iter()
            .flat_map(|c| c.exercises.iter().map(move |e| (c, e)))
            .find(|(_, e)| e.id == id)
    }
}

impl Chapter {
    /// The number as two digits: `01`.
    pub fn nn(&self) -> String {
        format!("{:02}", self.number)
    }

    /// The directory name under `chapters/` and `solutions/`: `01-echo`.
    pub fn dir_name(&self) -> String {
        format!("{:02}-{}", self.number, self.slug)
    }

    /// The learner's crate: `chapters/01-echo`, relative to the root.
    pub fn starter_dir(&self) -> PathBuf {
        Path::new("chapters").join(self.dir_name())
    }

    /// The reference crate: `solutions/01-echo`, relative to the root.
    pub fn solution_dir(&self) -> PathBuf {
        Path::new("solutions").join(self.dir_name())
    }

    /// The learner's package, and the name of the library on both sides and
    /// of the stage-test target: `chapter01`.
    pub fn package(&self) -> String {
        format!("chapter{:02}", self.number)
    }

    /// The reference solution's package: `chapter01-solution`.
    pub fn solution_package(&self) -> String {
        format!("chapter{:02}-solution", self.number)
    }

    /// The stage-test file, relative to the root: `tests/chapter01.rs`.
    pub fn test_file(&self) -> PathBuf {
        Path::new("tests").join(format!("{}.rs", self.package()))
    }

    /// The book page, relative to the root: `book/src/ch01-echo.md`.
    pub fn book_page(&self) -> PathBuf {
        Path::new("book").join("src").join(&self.page)
    }
}

impl Exercise {
    /// The prefix of this exercise's test names: `ex1_2_` for `1.2`.
    pub fn test_prefix(&self) -> String {
        format!("ex{}_", self.id.replace('.', "_"))
    }

    /// Where to read about it: `book/src/ch01-echo.md#exercise-11-...`.
    pub fn book_link(&self, chapter: &Chapter) -> String {
        format!("book/src/{}#{}", chapter.page, self.section)
    }

    /// The same place in the rendered book (`mdbook build book`), where each
    /// page `x.md` becomes `x.html`; in the Chinese book, built into the
    /// English one's `zh-CN/` folder with the same anchors, when `chinese`.
    pub fn rendered_link(&self, chapter: &Chapter, chinese: bool) -> String {
        let page = chapter.page.strip_suffix(".md").unwrap_or(&chapter.page);
        let folder = if chinese { "zh-CN/" } else { "" };
        format!("{folder}{page}.html#{}", self.section)
    }
}

/// Whether the learner reads Chinese: the first of `LC_ALL`, `LC_MESSAGES`
/// and `LANG` that is set (the order the C library gives them) starts
/// with `zh`, as `zh_CN.UTF-8` does.
pub fn reads_chinese() -> bool {
    chinese_locale(|name| std::env::var(name).ok())
}

fn chinese_locale(var: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| var(name).filter(|value| !value.is_empty()))
        .is_some_and(|value| value.starts_with("zh"))
}

/// The course repository: the nearest directory at or above the current one
/// that holds both `course.toml` and `Cargo.toml`; failing that, the
/// repository this tool was built from.
pub fn find_root() -> Result<PathBuf, String> {
    let current =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let is_root =
        |dir: &Path| dir.join("course.toml").is_file() && dir.join("Cargo.toml").is_file();
    if let Some(found) = current.ancestors().find(|dir| is_root(dir)) {
        return Ok(found.to_path_buf());
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if is_root(&built_from) {
        return Ok(built_from);
    }
    Err("cannot find course.toml in this directory or above it: run this inside the course repository, or pass --root DIR".into())
}

/// Splits an exercise id `"N.M"` into its numbers.
pub fn parse_exercise_id(id: &str) -> Option<(u32, u32)> {
    let (chapter, exercise) = id.split_once('.')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(chapter) || !all_digits(exercise) {
        return None;
    }
    Some((chapter.parse().ok()?, exercise.parse().ok()?))
}

/// Reads a chapter argument as a learner may type it: `1`, `01` or `ch01`.
pub fn parse_chapter_arg(text: &str) -> Result<u32, String> {
    let digits = text.trim().trim_start_matches("ch");
    digits
        .parse()
        .map_err(|_| format!("{text:?} is not a chapter number (try 01)"))
}

/// Reads an exercise argument as a learner may type it: `1.2` or `01.2`,
/// returned in the manifest's form (`1.2`).
pub fn normalize_exercise_arg(text: &str) -> Result<String, String> {
    parse_exercise_id(text.trim())
        .map(|(chapter, exercise)| format!("{chapter}.{exercise}"))
        .ok_or_else(|| format!("{text:?} is not an exercise id (try 1.2)"))
}

impl fmt::Display for Chapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "chapter {} ({})", self.nn(), self.title)
    }
}

/// The id mdBook gives a heading, for links like `page.md#id`: the heading
/// text with ASCII letters in lower case, whitespace turned into `-`, and
/// every character that is not alphanumeric, `-` or `_` dropped. (This is
/// mdBook's `normalize_id`; it lowers ASCII only, so we do too.)
pub fn mdbook_id(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some('-')
            } else if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_ascii_lowercase())
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mdbook_ids_follow_mdbooks_rule() {
        assert_eq!(
            mdbook_id("Exercise 1.1: Echo one connection"),
            "exercise-11-echo-one-connection"
        );
        assert_eq!(
            mdbook_id("Exercise 1.3: The client: send, half-close, read to EOF"),
            "exercise-13-the-client-send-half-close-read-to-eof"
        );
        assert_eq!(
            mdbook_id("Route: the page, the picture, 404 and 405"),
            "route-the-page-the-picture-404-and-405"
        );
        assert_eq!(mdbook_id("`serve` and snake_case"), "serve-and-snake_case");
        assert_eq!(mdbook_id("Try it!"), "try-it");
    }

    #[test]
    fn reads_the_real_manifest() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let manifest = Manifest::load(&root).unwrap();
        let first = &manifest.chapters[0];
        assert_eq!(first.dir_name(), format!("01-{}", first.slug));
        assert_eq!(first.package(), "chapter01");
        assert_eq!(first.solution_package(), "chapter01-solution");
        assert_eq!(first.exercises[0].test_prefix(), "ex1_1_");
    }

    #[test]
    fn reads_arguments_the_way_learners_type_them() {
        assert_eq!(parse_chapter_arg("01"), Ok(1));
        assert_eq!(parse_chapter_arg("2"), Ok(2));
        assert!(parse_chapter_arg("one").is_err());
        assert_eq!(normalize_exercise_arg("01.2").as_deref(), Ok("1.2"));
        assert!(normalize_exercise_arg("1").is_err());
    }

    #[test]
    fn chinese_is_read_from_the_locale_the_c_library_would_use() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        assert!(chinese_locale(env(&[("LANG", "zh_CN.UTF-8")])));
        assert!(chinese_locale(env(&[
            ("LC_ALL", "zh_TW.UTF-8"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(!chinese_locale(env(&[
            ("LC_ALL", "en_GB.UTF-8"),
            ("LANG", "zh_CN.UTF-8")
        ])));
        assert!(chinese_locale(env(&[
            ("LC_ALL", ""),
            ("LANG", "zh_CN.UTF-8")
        ])));
        assert!(!chinese_locale(env(&[])));
    }
}
