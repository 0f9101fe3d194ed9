//! The human form of a `ferry check` run: each finding under its source line (annotate-snippets), then
//! the counts.

use std::fmt::Write as _;
use std::io;

use annotate_snippets::{Level, Renderer, Snippet};
use ferry_core::{Diagnostic, Severity, Summary};

use crate::input::Input;
use crate::position::{self, Excerpt, Position};

/// A finding with what printing it needs: its file's name and, when the core recorded where in the file it
/// is, its position and (for the human form) the excerpt of its line.
pub struct Located<'a> {
    /// The finding.
    pub diagnostic: &'a Diagnostic,
    /// The name of its file as given on the command line.
    pub file_name: &'a str,
    /// Line and column of the start of its source span.
    pub position: Option<Position>,
    /// The piece of the line to show.
    pub excerpt: Option<Excerpt>,
}

/// Finds the position (and, when `with_excerpts`, the excerpt) of every finding: one pass over each file
/// that has findings with a source span.
///
/// # Errors
/// When a file cannot be re-read.
pub fn locate_all<'a>(
    inputs: &'a [Input],
    diagnostics: &'a [Diagnostic],
    with_excerpts: bool,
) -> io::Result<Vec<Located<'a>>> {
    let mut located: Vec<Located<'a>> = diagnostics
        .iter()
        .map(|diagnostic| Located {
            diagnostic,
            file_name: inputs.get(diagnostic.location.file).map_or("?", Input::name),
            position: None,
            excerpt: None,
        })
        .collect();
    for (file_index, input) in inputs.iter().enumerate() {
        let wanted: Vec<usize> = (0..located.len())
            .filter(|&index| {
                let location = &located[index].diagnostic.location;
                location.file == file_index && location.source.is_some()
            })
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let offsets: Vec<u64> = wanted
            .iter()
            .filter_map(|&index| located[index].diagnostic.location.source)
            .map(|span| span.start as u64)
            .collect();
        let positions = position::locate(input.open()?, &offsets)?;
        let mut source = input.open()?;
        for (&index, position) in wanted.iter().zip(positions) {
            let entry = &mut located[index];
            entry.position = Some(position);
            if let (true, Some(span)) = (with_excerpts, entry.diagnostic.location.source) {
                entry.excerpt =
                    Some(position::excerpt(&mut source, position.line_start, span.start as u64, span.end as u64)?);
            }
        }
    }
    Ok(located)
}

/// Renders every finding and the closing counts.
pub fn human(located: &[Located<'_>], summary: &Summary, styled: bool) -> String {
    let renderer = if styled { Renderer::styled() } else { Renderer::plain() };
    let mut text = String::new();
    for entry in located {
        let diagnostic = entry.diagnostic;
        let level = level_of(diagnostic.severity);
        let mut where_notes = Vec::new();
        let mut message = level.title(&diagnostic.message).id(diagnostic.rule.code());
        match (&entry.excerpt, entry.position) {
            (Some(excerpt), Some(position)) => {
                let mut snippet = Snippet::source(&excerpt.text)
                    .line_start(position.line)
                    .annotation(level.span(excerpt.underline.clone()).label(diagnostic.rule.name()));
                if excerpt.starts_line {
                    snippet = snippet.origin(entry.file_name);
                } else {
                    // The excerpt starts inside a long line: the renderer would count columns from the excerpt.
                    where_notes.push(format!("at {}:{}:{}", entry.file_name, position.line, position.column));
                }
                message = message.snippet(snippet);
            }
            (_, Some(position)) => {
                where_notes.push(format!("at {}:{}:{}", entry.file_name, position.line, position.column))
            }
            _ => where_notes.push(format!("in {}", entry.file_name)),
        }
        where_notes.push(describe_location(diagnostic));
        let where_text = where_notes.into_iter().filter(|note| !note.is_empty()).collect::<Vec<_>>().join(", ");
        if !where_text.is_empty() {
            message = message.footer(Level::Note.title(&where_text));
        }
        let fix_text = diagnostic.fix.as_ref().map(|fix| format!("fix available (--fix): {}", fix.title));
        if let Some(help) = &diagnostic.help {
            message = message.footer(Level::Help.title(help));
        }
        if let Some(fix_text) = &fix_text {
            message = message.footer(Level::Help.title(fix_text));
        }
        let _ = writeln!(text, "{}\n", renderer.render(message));
    }
    let _ = writeln!(text, "{}", closing_line(summary));
    text
}

/// `record 3, field /streamId, bytes 4..9 of the field`, leaving out what is not known.
fn describe_location(diagnostic: &Diagnostic) -> String {
    let location = &diagnostic.location;
    let mut parts = Vec::new();
    if let Some(record) = location.record {
        parts.push(format!("record {record}"));
    }
    if !location.pointer.is_empty() {
        parts.push(format!("field {}", location.pointer));
    }
    if let Some(span) = location.span {
        parts.push(format!("bytes {}..{} of the field", span.start, span.end));
    }
    parts.join(", ")
}

fn level_of(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Info,
    }
}

/// `checked 3 records in 1 file: 1 error, 2 warnings, 0 infos (1 record would be rejected)`.
fn closing_line(summary: &Summary) -> String {
    format!(
        "checked {} in {}: {}, {}, {} ({} would be rejected)",
        plural(summary.records, "record"),
        plural(summary.files, "file"),
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info"),
        plural(summary.records_with_errors, "record"),
    )
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_line_counts_in_words() {
        let summary =
            Summary { files: 1, records: 3, errors: 1, warnings: 2, records_with_errors: 1, ..Summary::default() };
        assert_eq!(
            closing_line(&summary),
            "checked 3 records in 1 file: 1 error, 2 warnings, 0 infos (1 record would be rejected)"
        );
    }
}
