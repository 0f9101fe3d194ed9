//! EntityJSON (`data`): parsing it as the reference does, and its recursive look-ups.
//!
//! The reference reads `data` with Jackson: only the first JSON value counts (text after it is ignored),
//! duplicate keys keep the last value, and a JSON string whose content is a JSON object is read again
//! (double-encoded data). Look-ups are Jackson's `findPath`/`findValues`: depth-first in document order, at
//! any depth.
//!
//! Invariant: `data` is validated once (serde_json, no tree built); look-ups then walk the JSON text in place,
//! without allocating, and never descend deeper than [`MAX_SEARCH_DEPTH`].

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::ops::Range;

use serde::de::IgnoredAny;

/// Depth of JSON nesting the look-ups descend into; deeper parts are not searched.
const MAX_SEARCH_DEPTH: usize = 128;

/// A record's EntityJSON: the text of one JSON object (empty when the record has no `data`).
///
/// The first few look-ups walk the text; a message with many entity references gets an index of every
/// member instead, so that its look-ups stay linear in the size of `data` overall.
#[derive(Clone, Debug, Default)]
pub struct EntityJson<'a> {
    text: Cow<'a, str>,
    lookups: Cell<usize>,
    index: OnceCell<Index>,
    /// The last name looked up: a reference is looked up by the document check and again when its element
    /// is built.
    last: RefCell<Option<LastLookup>>,
}

/// The answers for the name looked up last.
#[derive(Clone, Debug)]
struct LastLookup {
    name: String,
    /// The `findValues` ranges.
    ranges: Vec<Range<usize>>,
    /// Whether one of them is a member of the object itself ([`EntityJson::has_top_level_key`]).
    top_level: bool,
}

/// Every member of the object: key → value ranges (as `findValues` sees them), and the top-level keys.
#[derive(Clone, Debug, Default)]
struct Index {
    members: HashMap<String, Vec<Range<usize>>>,
    top_level: std::collections::HashSet<String>,
}

/// Look-ups made by walking the text before the index is built.
const WALKS_BEFORE_INDEX: usize = 8;

/// Parses `data` into the object the reference would use (blank data is an empty object).
///
/// # Errors
/// The reference's message (`Error parsing EntityJSON: …`) when `data` is not a JSON object.
pub fn parse_entity_json(data: &str) -> Result<EntityJson<'_>, String> {
    if data.trim().is_empty() {
        return Ok(EntityJson::default());
    }
    let value = first_json_value(data).map_err(|error| format!("Error parsing EntityJSON: {error}"))?;
    let not_object = || "Error parsing EntityJSON: provided content is not a JSON object".to_owned();
    match value.as_bytes().first() {
        Some(b'{') => Ok(EntityJson { text: Cow::Borrowed(value), ..EntityJson::default() }),
        Some(b'"') => {
            let inner: String = serde_json::from_str(value).map_err(|error| format!("Error parsing EntityJSON: {error}"))?;
            let inner_value = first_json_value(&inner).map_err(|error| format!("Error parsing EntityJSON: {error}"))?;
            if !inner_value.starts_with('{') {
                return Err(not_object());
            }
            let start = inner_value.as_ptr() as usize - inner.as_ptr() as usize;
            let end = start + inner_value.len();
            Ok(EntityJson { text: Cow::Owned(inner[start..end].to_owned()), ..EntityJson::default() })
        }
        _ => Err(not_object()),
    }
}

/// The text of the first JSON value of `text`, checked; a syntax error is worded the way Jackson's first
/// line words it.
fn first_json_value(text: &str) -> Result<&str, String> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<IgnoredAny>();
    match stream.next() {
        Some(Ok(_)) => Ok(text[..stream.byte_offset()].trim_start_matches([' ', '\t', '\n', '\r'])),
        Some(Err(error)) => Err(jackson_wording(text, &error)),
        None => Err("No content to map due to end-of-input".to_owned()),
    }
}

/// Jackson's wording for the syntax errors seen most: an unquoted field name and an unknown bare word.
fn jackson_wording(text: &str, error: &serde_json::Error) -> String {
    let line_start: usize = text.split_inclusive('\n').take(error.line().saturating_sub(1)).map(str::len).sum();
    let offset = (line_start + error.column().saturating_sub(1)).min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let rest = &text[start..];
    let message = error.to_string();
    if message.starts_with("key must be a string") {
        if let Some(character) = rest.chars().next() {
            return format!(
                "Unexpected character ('{character}' (code {})): was expecting double-quote to start field name",
                u32::from(character)
            );
        }
    }
    if message.starts_with("expected value") || message.starts_with("expected ident") {
        // Jackson names the whole bare word it could not read.
        let word_start = text[..start]
            .rfind(|character: char| !character.is_alphanumeric() && character != '_')
            .map_or(0, |index| index + 1);
        let word: String =
            text[word_start..].chars().take_while(|character| character.is_alphanumeric() || *character == '_').collect();
        if !word.is_empty() {
            return format!(
                "Unrecognized token '{word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            );
        }
    }
    message
}

impl EntityJson<'_> {
    /// The whole object.
    fn root(&self) -> JsonRef<'_> {
        JsonRef { raw: &self.text }
    }

    /// Whether the object has a member `name` at its top level.
    pub fn has_top_level_key(&self, name: &str) -> bool {
        if self.text.is_empty() {
            return false;
        }
        if let Ok(Some(last)) = self.last.try_borrow().as_deref() {
            if last.name == name {
                return last.top_level;
            }
        }
        match self.index() {
            Some(index) => index.top_level.contains(name),
            None => self.root().get(name).is_some(),
        }
    }

    /// Jackson's `findPath(name)`: the first value of a field called `name`, depth-first at any depth.
    pub fn find_path(&self, name: &str) -> Option<JsonRef<'_>> {
        self.find_values(name).into_iter().next()
    }

    /// Jackson's `findValues(name)`: every value of a field called `name`, not descending into matches.
    pub fn find_values(&self, name: &str) -> Vec<JsonRef<'_>> {
        if self.text.is_empty() {
            return Vec::new();
        }
        if let Ok(Some(last)) = self.last.try_borrow().as_deref() {
            if last.name == name {
                return last.ranges.iter().map(|range| self.at(range)).collect();
            }
        }
        let (found, top_level): (Vec<JsonRef<'_>>, bool) = match self.index() {
            Some(index) => (
                index.members.get(name).map_or_else(Vec::new, |ranges| ranges.iter().map(|range| self.at(range)).collect()),
                index.top_level.contains(name),
            ),
            None => {
                let mut found = Vec::new();
                let mut top_level = false;
                walk(self.root(), name, 0, &mut |value, depth| {
                    found.push(value);
                    top_level |= depth == 0;
                    true
                });
                (found, top_level)
            }
        };
        if let Ok(mut last) = self.last.try_borrow_mut() {
            let ranges = found.iter().map(|value| self.range_of(value)).collect();
            *last = Some(LastLookup { name: name.to_owned(), ranges, top_level });
        }
        found
    }

    /// The range of a value inside the text.
    fn range_of(&self, value: &JsonRef<'_>) -> Range<usize> {
        let start = (value.raw.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        start..start + value.raw.len()
    }

    fn at(&self, range: &Range<usize>) -> JsonRef<'_> {
        JsonRef { raw: self.text.get(range.clone()).unwrap_or("") }
    }

    /// The index of every member, once enough look-ups were made to pay for it.
    fn index(&self) -> Option<&Index> {
        if let Some(index) = self.index.get() {
            return Some(index);
        }
        let lookups = self.lookups.get() + 1;
        self.lookups.set(lookups);
        if lookups <= WALKS_BEFORE_INDEX {
            return None;
        }
        Some(self.index.get_or_init(|| {
            let mut members = HashMap::new();
            let mut path = HashMap::new();
            index_members(&self.text, self.root(), 0, &mut path, &mut members);
            let top_level = self.root().members().map(|(key, _)| decode_key(key).into_owned()).collect();
            Index { members, top_level }
        }))
    }
}

/// Records, for every member, its value's range under its key, unless an enclosing member has the same key
/// (`findValues` does not descend into a match). `path` counts the keys of the enclosing members.
fn index_members(
    text: &str,
    value: JsonRef<'_>,
    depth: usize,
    path: &mut HashMap<String, usize>,
    index: &mut HashMap<String, Vec<Range<usize>>>,
) {
    if depth > MAX_SEARCH_DEPTH {
        return;
    }
    match value.raw.as_bytes().first() {
        Some(b'{') => {
            for (raw_key, member) in value.members() {
                let key = decode_key(raw_key);
                let start = member.raw.as_ptr() as usize - text.as_ptr() as usize;
                if path.get(key.as_ref()).copied().unwrap_or(0) == 0 {
                    index.entry(key.clone().into_owned()).or_default().push(start..start + member.raw.len());
                }
                *path.entry(key.clone().into_owned()).or_default() += 1;
                index_members(text, member, depth + 1, path, index);
                if let Some(count) = path.get_mut(key.as_ref()) {
                    *count -= 1;
                }
            }
        }
        Some(b'[') => {
            for item in value.items() {
                index_members(text, item, depth + 1, path, index);
            }
        }
        _ => {}
    }
}

/// A raw JSON key (with its quotes), unescaped.
fn decode_key(raw_key: &str) -> Cow<'_, str> {
    let inner = raw_key.get(1..raw_key.len().saturating_sub(1)).unwrap_or("");
    if inner.contains('\\') {
        Cow::Owned(serde_json::from_str::<String>(raw_key).unwrap_or_default())
    } else {
        Cow::Borrowed(inner)
    }
}

/// Visits, depth-first in document order, the values of members called `name` (not descending into them),
/// with the depth of the object holding them (0: `value` itself); `visit` returns whether to go on. Returns
/// whether the walk went to its end.
fn walk<'j>(value: JsonRef<'j>, name: &str, depth: usize, visit: &mut dyn FnMut(JsonRef<'j>, usize) -> bool) -> bool {
    if depth > MAX_SEARCH_DEPTH {
        return true;
    }
    match value.raw.as_bytes().first() {
        Some(b'{') => {
            for (key, member) in value.members() {
                let keep_going = if key_equals(key, name) { visit(member, depth) } else { walk(member, name, depth + 1, visit) };
                if !keep_going {
                    return false;
                }
            }
            true
        }
        Some(b'[') => value.items().all(|item| walk(item, name, depth + 1, visit)),
        _ => true,
    }
}

/// Whether a raw JSON key (with its quotes) names `name`.
fn key_equals(raw_key: &str, name: &str) -> bool {
    let inner = raw_key.get(1..raw_key.len().saturating_sub(1)).unwrap_or("");
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw_key).is_ok_and(|key| key == name)
    } else {
        inner == name
    }
}

/// A JSON value inside validated text.
#[derive(Clone, Copy, Debug)]
pub struct JsonRef<'j> {
    raw: &'j str,
}

impl<'j> JsonRef<'j> {
    /// Whether the value is an object.
    pub fn is_object(&self) -> bool {
        self.raw.starts_with('{')
    }

    /// The value of member `name` (the last one when the key repeats, as Jackson keeps it).
    pub fn get(&self, name: &str) -> Option<JsonRef<'j>> {
        if !self.is_object() {
            return None;
        }
        self.members().filter(|(key, _)| key_equals(key, name)).last().map(|(_, value)| value)
    }

    /// The values of members `first` and `second`, in one pass (the last one of each when a key repeats).
    pub fn get_two(&self, first: &str, second: &str) -> (Option<JsonRef<'j>>, Option<JsonRef<'j>>) {
        let mut found = (None, None);
        if self.is_object() {
            for (key, value) in self.members() {
                if key_equals(key, first) {
                    found.0 = Some(value);
                } else if key_equals(key, second) {
                    found.1 = Some(value);
                }
            }
        }
        found
    }

    /// Item `index` of an array.
    pub fn index(&self, index: usize) -> Option<JsonRef<'j>> {
        if !self.raw.starts_with('[') {
            return None;
        }
        self.items().nth(index)
    }

    /// Jackson's `textValue()`: the content of a string, `None` for anything else.
    pub fn text_value(&self) -> Option<Cow<'j, str>> {
        if !self.raw.starts_with('"') {
            return None;
        }
        let inner = self.raw.get(1..self.raw.len().saturating_sub(1)).unwrap_or("");
        if inner.contains('\\') {
            serde_json::from_str::<String>(self.raw).ok().map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(inner))
        }
    }

    /// Jackson's `asText()`: a string's content, or the literal text of a number or boolean.
    pub fn as_text(&self) -> Cow<'j, str> {
        match self.text_value() {
            Some(text) => text,
            None if self.raw.starts_with(['{', '[']) || self.raw == "null" => Cow::Borrowed(""),
            None => Cow::Borrowed(self.raw),
        }
    }

    /// The members of an object, as (raw key with quotes, value), in document order.
    fn members(&self) -> Members<'j> {
        Members { text: self.raw, position: 1 }
    }

    /// The items of an array, in document order.
    fn items(&self) -> Items<'j> {
        Items { text: self.raw, position: 1 }
    }
}

fn skip_whitespace(bytes: &[u8], mut position: usize) -> usize {
    while position < bytes.len() && matches!(bytes[position], b' ' | b'\t' | b'\n' | b'\r') {
        position += 1;
    }
    position
}

/// End (exclusive) of the string starting at `start` (a `"`). Entity values are short: a plain loop beats
/// a vectorised search's set-up here.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut position = start + 1;
    while position < bytes.len() {
        match bytes[position] {
            b'"' => return Some(position + 1),
            b'\\' => position += 2,
            _ => position += 1,
        }
    }
    None
}

/// End (exclusive) of the value starting at `start`. In valid JSON a container's own brackets balance by
/// themselves, so only those (and strings, which may hold brackets) are looked at.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    let (open, close) = match bytes.get(start)? {
        b'"' => return string_end(bytes, start),
        b'{' => (b'{', b'}'),
        b'[' => (b'[', b']'),
        _ => {
            let length = bytes[start..].iter().position(|byte| matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'));
            return Some(start + length.unwrap_or(bytes.len() - start));
        }
    };
    let mut depth = 0_usize;
    let mut position = start;
    while position < bytes.len() {
        let byte = bytes[position];
        if byte == b'"' {
            position = string_end(bytes, position)?;
            continue;
        }
        if byte == open {
            depth += 1;
        } else if byte == close {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(position + 1);
            }
        }
        position += 1;
    }
    None
}

struct Members<'j> {
    text: &'j str,
    position: usize,
}

impl<'j> Iterator for Members<'j> {
    type Item = (&'j str, JsonRef<'j>);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        let key_start = skip_whitespace(bytes, self.position);
        if bytes.get(key_start) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(bytes, key_start)?;
        let colon = skip_whitespace(bytes, key_end);
        if bytes.get(colon) != Some(&b':') {
            return None;
        }
        let value_start = skip_whitespace(bytes, colon + 1);
        let end = value_end(bytes, value_start)?;
        let after = skip_whitespace(bytes, end);
        self.position = if bytes.get(after) == Some(&b',') { after + 1 } else { bytes.len() };
        Some((self.text.get(key_start..key_end)?, JsonRef { raw: self.text.get(value_start..end)? }))
    }
}

struct Items<'j> {
    text: &'j str,
    position: usize,
}

impl<'j> Iterator for Items<'j> {
    type Item = JsonRef<'j>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        let start = skip_whitespace(bytes, self.position);
        if matches!(bytes.get(start), None | Some(b']')) {
            return None;
        }
        let end = value_end(bytes, start)?;
        let after = skip_whitespace(bytes, end);
        self.position = if bytes.get(after) == Some(&b',') { after + 1 } else { bytes.len() };
        Some(JsonRef { raw: self.text.get(start..end)? })
    }
}

/// Jackson's wording for a JSON value cut short: the innermost container left open and where it starts.
///
/// Returns `None` when `text` is not cut short (the caller keeps its own wording).
pub fn jackson_end_of_input(text: &str) -> Option<String> {
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for (offset, character) in text.char_indices() {
        if in_string {
            match (escaped, character) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match character {
            '"' => in_string = true,
            '{' | '[' => open.push((character, offset)),
            '}' | ']' => {
                open.pop();
            }
            _ => {}
        }
    }
    let (bracket, offset) = *open.last()?;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |index| index + 1)..].chars().count() + 1;
    let kind = if bracket == '{' { "Object" } else { "Array" };
    Some(format!(
        "Unexpected end-of-input: expected close marker for {kind} (start marker at [Source: (String)\"{text}\"; line: {line}, column: {column}])"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_jackson() {
        let table: [(&str, Result<bool, &str>); 6] = [
            ("", Ok(false)),
            ("{\"a\":{}} trailing", Ok(true)),
            ("\"{\\\"a\\\":1}\"", Ok(true)),
            ("[1]", Err("Error parsing EntityJSON: provided content is not a JSON object")),
            (
                "{invalid: json}",
                Err("Error parsing EntityJSON: Unexpected character ('i' (code 105)): was expecting double-quote to start field name"),
            ),
            (
                "\"hello\"",
                Err("Error parsing EntityJSON: Unrecognized token 'hello': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
            ),
        ];
        for (input, expected) in table {
            let got = parse_entity_json(input).map(|object| !object.text.is_empty());
            assert_eq!(got.as_ref().copied().map_err(String::as_str), expected, "input: {input}");
        }
    }

    #[test]
    fn end_of_input_names_the_open_container() {
        assert_eq!(
            jackson_end_of_input("[{\"a\": 1}, {\"b\": [1]").as_deref(),
            Some("Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)\"[{\"a\": 1}, {\"b\": [1]\"; line: 1, column: 12])")
        );
        assert_eq!(jackson_end_of_input("[1]"), None);
    }

    #[test]
    fn the_index_answers_like_the_walk() {
        let text = r#"{"a":{"k":1,"b":{"k":2}},"k":{"k":3},"l":[{"k":4},{"m":{"k":5}}],"e\u0078":{"k":6}}"#;
        let walked = parse_entity_json(text).unwrap();
        let indexed = parse_entity_json(text).unwrap();
        for round in 0..=WALKS_BEFORE_INDEX {
            indexed.find_path(&format!("warm-up-{round}"));
        }
        assert!(indexed.index.get().is_some());
        for key in ["k", "a", "b", "l", "m", "ex", "zz"] {
            assert_eq!(walked.has_top_level_key(key), indexed.has_top_level_key(key), "{key}");
            let raw = |values: Vec<JsonRef<'_>>| values.iter().map(|value| value.raw.to_owned()).collect::<Vec<_>>();
            assert_eq!(raw(walked.find_values(key)), raw(indexed.find_values(key)), "{key}");
            assert_eq!(walked.find_path(key).map(|value| value.raw), indexed.find_path(key).map(|value| value.raw), "{key}");
        }
    }

    #[test]
    fn look_ups_are_recursive_and_in_document_order() {
        let object = parse_entity_json(r#"{"a":{"b":{"c":1}},"d":[{"b":2}],"c":{"x":1},"e":{"k":1,"k":{"z":2}}}"#).unwrap();
        assert_eq!(object.find_path("c").map(|value| value.raw), Some("1"));
        assert_eq!(object.find_values("b").len(), 2);
        assert!(object.find_path("zz").is_none());
        assert!(object.has_top_level_key("c") && !object.has_top_level_key("b"));
        assert_eq!(object.root().get("e").and_then(|e| e.get("k")).map(|k| k.raw), Some("{\"z\":2}"));
        let entity = parse_entity_json(r#"{"m":{"type":"t\u0041","id":[{"value":12}]}}"#).unwrap();
        let m = entity.find_path("m").unwrap();
        assert_eq!(m.get("type").and_then(|t| t.text_value()).as_deref(), Some("tA"));
        assert_eq!(m.get("id").and_then(|ids| ids.index(0)).and_then(|first| first.get("value")).map(|v| v.as_text()).as_deref(), Some("12"));
    }
}
