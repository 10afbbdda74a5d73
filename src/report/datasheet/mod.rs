//! Datasheets: one model, built from summaries and the owner's answers, in four forms.

pub mod answers;
pub mod croissant;
pub mod html;
pub mod markdown;
pub mod model;

pub use answers::Answers;
pub use model::{build, Datasheet};

use std::path::Path;

/// Writes `datasheet.md`, `datasheet.json`, `datasheet.html` and `croissant.json` into `dir`.
pub fn write_all(d: &Datasheet, dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join("datasheet.md"), markdown::render(d))?;
    std::fs::write(dir.join("datasheet.json"), serde_json::to_string_pretty(d)? + "\n")?;
    std::fs::write(dir.join("datasheet.html"), html::render(d))?;
    std::fs::write(dir.join("croissant.json"), serde_json::to_string_pretty(&croissant::render(d))? + "\n")?;
    Ok(())
}
