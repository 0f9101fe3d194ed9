//! Freemarker templates: detection, the checks that need no expansion, and masking for the XML checks.
//!
//! The Agent expands a message as a Freemarker template (with `data` and `entity` bound to the EntityJSON)
//! when the raw text contains `<#`, `<@`, `${` or `#{`, and validates the expanded text. Ferry does not expand
//! templates. It reports what is certain without expanding (an empty interpolation, an unknown directive,
//! `?new`, a variable that nothing defines, an EntityJSON key that is absent), and validates the markup with
//! every template construct masked, keeping only findings that lie outside template constructs.
//!
//! Invariant: masking keeps byte offsets (each masked byte is replaced by one ASCII byte), so spans found in
//! the masked text are spans in the original text. The scan is linear in the text length.

use std::collections::HashSet;
use std::ops::Range;

use super::entity_json::EntityJson;

/// Whether the byte at `position` makes the text a template (the reference expands a text that contains
/// `<#`, `<@`, `${` or `#{`).
///
/// `#`, `@` and `$` are rare in messages: scans test for them in bulk and call this only where one is.
pub fn opens_template(bytes: &[u8], position: usize) -> bool {
    let after_is_brace = bytes.get(position + 1) == Some(&b'{');
    let before_is_open = position > 0 && bytes[position - 1] == b'<';
    match bytes.get(position) {
        Some(b'$') => after_is_brace,
        Some(b'#') => after_is_brace || before_is_open,
        Some(b'@') => before_is_open,
        _ => false,
    }
}

/// A template construct found in the text.
#[derive(Clone, Debug)]
struct Construct {
    span: Range<usize>,
    interpolation: bool,
}

/// What the template checks found.
#[derive(Debug, Default)]
pub struct TemplateScan {
    /// The text with every construct masked (same length as the input).
    pub masked: String,
    /// Spans of the constructs.
    pub regions: Vec<Range<usize>>,
    /// A certain template error: `(message, span)` worded as the reference words it.
    pub error: Option<(String, Range<usize>)>,
}

const DIRECTIVES: &[&str] = &[
    "assign", "attempt", "autoesc", "break", "case", "compress", "continue", "default", "else", "elseif", "escape",
    "fallback", "flush", "ftl", "function", "global", "if", "import", "include", "items", "list", "local", "lt",
    "macro", "nested", "noautoesc", "noescape", "noparse", "nt", "on", "outputformat", "recover", "recurse",
    "return", "rt", "sep", "setting", "stop", "switch", "t", "visit",
];

/// 1-based line and column of a byte offset, counting columns in characters.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// End of a construct starting at `start` whose opener is `open` bytes long: the matching `}` or `>`,
/// skipping quoted strings. Returns the offset just past it.
fn construct_end(text: &str, start: usize, open: usize, closer: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut position = start + open;
    let mut quote: Option<u8> = None;
    let mut braces = 0_usize;
    while position < bytes.len() {
        let byte = bytes[position];
        match quote {
            Some(quote_byte) if byte == quote_byte => quote = None,
            Some(_) => {}
            None => match byte {
                b'"' | b'\'' => quote = Some(byte),
                b'{' => braces += 1,
                b'}' if closer == b'}' && braces == 0 => return Some(position + 1),
                b'}' => braces = braces.saturating_sub(1),
                b'>' if closer == b'>' => return Some(position + 1),
                _ => {}
            },
        }
        position += 1;
    }
    None
}

/// Scans a template: finds its constructs, masks them, and looks for certain errors.
pub fn scan(text: &str, data: &EntityJson<'_>) -> TemplateScan {
    let bytes = text.as_bytes();
    let mut constructs: Vec<Construct> = Vec::new();
    let mut unclosed = None;
    let mut position = 0;
    while position + 1 < bytes.len() {
        let pair = (bytes[position], bytes[position + 1]);
        let found = match pair {
            (b'$' | b'#', b'{') => construct_end(text, position, 2, b'}').map(|end| (end, true)),
            (b'<', b'#' | b'@') => construct_end(text, position, 2, b'>').map(|end| (end, false)),
            (b'<', b'/') if matches!(bytes.get(position + 2), Some(b'#' | b'@')) => {
                construct_end(text, position, 3, b'>').map(|end| (end, false))
            }
            _ => None,
        };
        match found {
            Some((end, interpolation)) => {
                constructs.push(Construct { span: position..end, interpolation });
                position = end;
            }
            None if matches!(pair, (b'$' | b'#', b'{') | (b'<', b'#' | b'@' | b'/')) && is_opener(bytes, position) => {
                // An opener that never closes: Freemarker fails to parse the template. Scanning on would only
                // find the same missing closer again (and make the scan quadratic).
                unclosed = Some(position);
                break;
            }
            None => position += 1,
        }
    }
    let mut masked = text.as_bytes().to_vec();
    for construct in &constructs {
        let fill = if construct.interpolation { b'x' } else { b' ' };
        for byte in &mut masked[construct.span.clone()] {
            *byte = fill;
        }
    }
    // INVARIANT: only whole constructs made of complete UTF-8 sequences were overwritten with ASCII bytes.
    let masked = String::from_utf8(masked).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
    let error = match unclosed {
        Some(offset) => {
            let (line, column) = line_column(text, offset);
            Some((
                format!("Error parsing EntityJSON: Syntax error in template \"messageML\" in line {line}, column {column}:"),
                offset..text.len(),
            ))
        }
        None => find_error(text, &constructs, data),
    };
    TemplateScan { masked, regions: constructs.into_iter().map(|construct| construct.span).collect(), error }
}

/// Whether the bytes at `position` open a template construct (`${`, `#{`, `<#`, `<@`, `</#`, `</@`).
fn is_opener(bytes: &[u8], position: usize) -> bool {
    matches!(
        (bytes.get(position), bytes.get(position + 1), bytes.get(position + 2)),
        (Some(b'$' | b'#'), Some(b'{'), _) | (Some(b'<'), Some(b'#' | b'@'), _) | (Some(b'<'), Some(b'/'), Some(b'#' | b'@'))
    )
}

/// The names a template defines itself (`<#list … as name>`, `<#assign name=…>`, macro parameters…).
fn defined_names<'t>(text: &'t str, constructs: &[Construct]) -> HashSet<&'t str> {
    let mut names = HashSet::new();
    for construct in constructs.iter().filter(|construct| !construct.interpolation) {
        let inner = &text[construct.span.clone()];
        let words: Vec<&str> = inner
            .split(|character: char| !(character.is_alphanumeric() || character == '_'))
            .filter(|word| !word.is_empty())
            .collect();
        for (index, word) in words.iter().enumerate() {
            if matches!(*word, "as" | "assign" | "global" | "local" | "macro" | "function") {
                names.extend(words.iter().skip(index + 1).copied());
            }
        }
    }
    names
}

fn find_error(text: &str, constructs: &[Construct], data: &EntityJson<'_>) -> Option<(String, Range<usize>)> {
    let syntax = |offset: usize| {
        let (line, column) = line_column(text, offset);
        format!("Error parsing EntityJSON: Syntax error in template \"messageML\" in line {line}, column {column}:")
    };
    let runtime = |offset: usize| {
        let (line, column) = line_column(text, offset);
        format!("Error parsing Freemarker template: invalid input at line {line}, column {column}")
    };
    // Syntax errors come first: the whole template is parsed before anything runs.
    for construct in constructs {
        let inner = &text[construct.span.clone()];
        if construct.interpolation {
            if inner[2..inner.len() - 1].trim().is_empty() {
                return Some((syntax(construct.span.end - 1), construct.span.clone()));
            }
        } else {
            let name_start = if inner.starts_with("</") { 3 } else { 2 };
            if inner.as_bytes()[name_start - 1] == b'#' {
                let name: String = inner[name_start..].chars().take_while(|character| character.is_alphanumeric() || *character == '_').collect();
                if !DIRECTIVES.contains(&name.as_str()) {
                    return Some((syntax(construct.span.start + name_start - 1), construct.span.clone()));
                }
            }
        }
    }
    let defined = defined_names(text, constructs);
    for construct in constructs {
        let inner = &text[construct.span.clone()];
        if !construct.interpolation && inner.contains("?new") {
            return Some((runtime(construct.span.start), construct.span.clone()));
        }
        if !construct.interpolation {
            continue;
        }
        let expression = inner[2..inner.len() - 1].trim_start();
        let expression_start = construct.span.end - 1 - inner[2..inner.len() - 1].trim_start().len();
        let root: String = expression.chars().take_while(|character| character.is_alphanumeric() || *character == '_').collect();
        if root.is_empty() || expression.contains('!') || expression.contains("??") || defined.contains(root.as_str()) {
            continue;
        }
        if root != "data" && root != "entity" {
            return Some((runtime(expression_start), construct.span.clone()));
        }
        let rest = &expression[root.len()..];
        if let Some(key) = bracket_key(rest) {
            if !data.has_top_level_key(key) {
                return Some((runtime(expression_start), construct.span.clone()));
            }
        }
    }
    None
}

/// The literal key of a leading `['key']` or `["key"]`.
fn bracket_key(text: &str) -> Option<&str> {
    let inner = text.trim_start().strip_prefix('[')?;
    let quote = inner.chars().next().filter(|character| *character == '\'' || *character == '"')?;
    let body = &inner[1..];
    let end = body.find(quote)?;
    Some(&body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str, data: &str) -> Option<String> {
        let data = super::super::entity_json::parse_entity_json(data).unwrap();
        scan(text, &data).error.map(|(message, _)| message)
    }

    #[test]
    fn certain_errors() {
        let table = [
            ("<messageML>${}</messageML>", "{}", Some("Error parsing EntityJSON: Syntax error in template \"messageML\" in line 1, column 14:")),
            ("<messageML><#invalid>t</#invalid>", "{}", Some("Error parsing EntityJSON: Syntax error in template \"messageML\" in line 1, column 13:")),
            ("<messageML>${obj['a'].v}</messageML>", "{\"a\":{}}", Some("Error parsing Freemarker template: invalid input at line 1, column 14")),
            ("<messageML>${data['a'].v}</messageML>", "{\"a\":{}}", None),
            ("<messageML><#list data['a'].l as x>${x}</#list></messageML>", "{\"a\":{}}", None),
            ("<messageML>${data['a'].x", "{\"a\":{}}", Some("Error parsing EntityJSON: Syntax error in template \"messageML\" in line 1, column 12:")),
        ];
        for (text, data, expected) in table {
            assert_eq!(error(text, data).as_deref(), expected, "text: {text}");
        }
    }

    #[test]
    fn masking_keeps_offsets() {
        let text = "<p a=\"${x}\">é<#if y>z</#if></p>";
        let scan = scan(text, &EntityJson::default());
        assert_eq!(scan.masked.len(), text.len());
        assert_eq!(scan.regions.len(), 3);
    }
}
