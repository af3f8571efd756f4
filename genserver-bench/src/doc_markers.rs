//! The documents the benchmarks keep up to date (docs/performance.md, the README): the text
//! between a start and an end marker is replaced by the latest results.

use std::path::Path;

/// `doc` with the text between `start` and `end` replaced by `body` (the markers kept, a blank
/// line on each side), or `None` if `doc` lacks the markers or has them in the wrong order.
pub fn replace_between(doc: &str, start: &str, end: &str, body: &str) -> Option<String> {
    let from = doc.find(start)?;
    let to = doc[from..].find(end)? + from;
    Some(format!(
        "{}{start}\n\n{}\n\n{}",
        &doc[..from],
        body.trim(),
        &doc[to..]
    ))
}

/// Replaces the text between the markers of the document at `path`, if it exists and has them;
/// returns whether it did.
pub fn refresh(path: &Path, start: &str, end: &str, body: &str) -> Result<bool, String> {
    let Ok(doc) = std::fs::read_to_string(path) else {
        return Ok(false);
    };
    let Some(updated) = replace_between(&doc, start, end, body) else {
        return Ok(false);
    };
    std::fs::write(path, updated).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_between_the_markers() {
        let doc = "intro\n<!-- a -->\nold\ntable\n<!-- b -->\nafter\n";
        assert_eq!(
            replace_between(doc, "<!-- a -->", "<!-- b -->", "new\n").as_deref(),
            Some("intro\n<!-- a -->\n\nnew\n\n<!-- b -->\nafter\n")
        );
        assert_eq!(
            replace_between(doc, "<!-- x -->", "<!-- b -->", "new"),
            None
        );
        assert_eq!(
            replace_between("<!-- b --><!-- a -->", "<!-- a -->", "<!-- b -->", "new"),
            None
        );
    }
}
