//! `course solution NN`: where the reference solution is, and how the
//! learner's files differ from it.
//!
//! The comparison is against the solution as a finished starter would look
//! (package renamed, marker comments dropped) and ignores the allow lines
//! sync added, so a learner whose code matches the reference sees
//! "identical" and every diff line is a real difference.

use std::fs;
use std::path::Path;

use similar::TextDiff;

use crate::manifest::Chapter;
use crate::sync::{self, crate_files, slash_to_path, slashes, text_of};

/// The report for `chapter`: the solution's location, then one entry per
/// file: "identical", a unified diff, or a note for files on one side only.
pub fn compare(root: &Path, chapter: &Chapter) -> Result<String, String> {
    let solution_dir = chapter.solution_dir();
    let starter_dir = chapter.starter_dir();
    let (solution, starter) = (slashes(&solution_dir), slashes(&starter_dir));
    let mut out = format!(
        "The reference solution of chapter {} is in {solution}/ (run it with `cargo run -p {}`).\n\
         Below, `-` lines are yours ({starter}/) and `+` lines the reference's.\n",
        chapter.nn(),
        chapter.solution_package()
    );
    let reference_files = crate_files(&root.join(&solution_dir))?;
    let learner_files = crate_files(&root.join(&starter_dir))?;
    for path in &reference_files {
        let reference = read(&root.join(&solution_dir).join(slash_to_path(path)))?;
        out.push('\n');
        let Ok(yours) = fs::read(root.join(&starter_dir).join(slash_to_path(path))) else {
            out.push_str(&format!("{path}: missing in yours\n"));
            continue;
        };
        match (text_of(&reference), text_of(&yours)) {
            (Some(reference), Some(yours)) => {
                let reference =
                    sync::reference_text(chapter, path, reference).replace("\r\n", "\n");
                let yours = sync::without_expectations(yours).replace("\r\n", "\n");
                if reference == yours {
                    out.push_str(&format!("{path}: identical\n"));
                } else {
                    let diff = TextDiff::from_lines(&yours, &reference);
                    let yours_name = format!("{starter}/{path}");
                    let reference_name = format!("{solution}/{path}");
                    out.push_str(&format!("{path}: differs\n"));
                    out.push_str(
                        &diff
                            .unified_diff()
                            .context_radius(3)
                            .header(&yours_name, &reference_name)
                            .to_string(),
                    );
                }
            }
            _ if yours == reference => out.push_str(&format!("{path}: identical\n")),
            _ => out.push_str(&format!("{path}: differs (binary file)\n")),
        }
    }
    for path in learner_files
        .iter()
        .filter(|p| !reference_files.contains(p) && *p != sync::RECORD_FILE)
    {
        out.push_str(&format!("\n{path}: only in yours\n"));
    }
    Ok(out)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
