//! EntityJSON (`data`): parsing it as the reference does, and its recursive look-ups.
//!
//! The reference reads `data` with Jackson: only the first JSON value counts (text after it is ignored),
//! duplicate keys keep the last value, and a JSON string whose content is a JSON object is read again
//! (double-encoded data). Look-ups are Jackson's `findPath`/`findValues`: depth-first in document order, at
//! any depth.
//!
//! Invariant: `data` is read once: one pass checks it with serde_json's grammar and lays it out as a flat table
//! of its values in document order; look-ups read the table, never the text again. serde_json itself reads only
//! what that pass refuses (for the wording of the error) and double-encoded data. Look-ups never descend deeper
//! than `MAX_SEARCH_DEPTH` (128 levels).

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::ops::Range;


use crate::registry::Rule;

/// Depth of JSON nesting the look-ups descend into; deeper parts are not searched.
const MAX_SEARCH_DEPTH: usize = 128;

/// A record's EntityJSON: the text of one JSON object (empty when the record has no `data`).
///
/// The first few look-ups scan the table; a message with many entity references gets an index of every
/// member instead, so that its look-ups stay linear in the size of `data` overall.
#[derive(Clone, Debug, Default)]
pub struct EntityJson<'a> {
    text: Cow<'a, str>,
    /// The values of `text` ([`lay_out`]); empty when there is no data.
    table: Vec<JsonNode>,
    lookups: Cell<usize>,
    /// Boxed: few records build one, and unbuilt it keeps the value small to move.
    index: OnceCell<Box<Index>>,
}

/// One value of the text, in document order (a container comes before what it contains).
#[derive(Clone, Debug)]
struct JsonNode {
    /// The value's text.
    value: Range<usize>,
    /// The raw key (with its quotes) of a member; empty for the root and for array items.
    key: Range<usize>,
    /// Whether the raw key has an escape (only then does its text differ from the name it stands for).
    key_escaped: bool,
    /// The first node after this value's own contents: its next sibling, or where its parent's siblings go on.
    next: usize,
    /// Nesting depth of the container holding the value (0: the root object).
    depth: usize,
}

/// Every member of the object: key → its values' nodes (as `findValues` sees them), and the top-level keys.
#[derive(Clone, Debug, Default)]
struct Index {
    members: HashMap<String, Vec<usize>>,
    top_level: std::collections::HashSet<String>,
}

/// Look-ups made by scanning the table before the index is built.
const WALKS_BEFORE_INDEX: usize = 8;

/// Most values laid out for one record's `data` (each costs a table entry); more is refused as too large to
/// check, so that hostile data (a megabyte of `[[[[…`) cannot make the table dozens of times its size.
pub const MAX_VALUES: usize = 1 << 18;

/// Why `data` cannot be used: the rule and the message of the finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityJsonError {
    /// [`Rule::MalformedEntityJson`] for what the reference refuses, [`Rule::NestingTooDeep`] for data beyond
    /// Ferry's bounds.
    pub rule: Rule,
    /// What is wrong; the reference's wording for what it refuses.
    pub message: String,
}

impl EntityJsonError {
    fn malformed(message: impl Into<String>) -> Self {
        EntityJsonError { rule: Rule::MalformedEntityJson, message: message.into() }
    }

    fn too_large() -> Self {
        EntityJsonError {
            rule: Rule::NestingTooDeep,
            message: format!("EntityJSON has more than {MAX_VALUES} values: Ferry does not check data this large"),
        }
    }
}

/// Why [`lay_out`] refused a text.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// It does not start with a valid JSON object.
    NotAnObject,
    /// It has more than [`MAX_VALUES`] values.
    TooLarge,
}

/// Parses `data` into the object the reference would use (blank data is an empty object).
///
/// # Errors
/// The reference's message (`Error parsing EntityJSON: …`) when `data` is not a JSON object; a bound error when
/// it has more than [`MAX_VALUES`] values.
pub fn parse_entity_json(data: &str) -> Result<EntityJson<'_>, EntityJsonError> {
    if data.trim().is_empty() {
        return Ok(EntityJson::default());
    }
    // The common case, an object, is checked and laid out in one pass.
    let object = data.trim_start_matches([' ', '\t', '\n', '\r']);
    match lay_out(object) {
        Ok((end, table)) => {
            return Ok(EntityJson { text: Cow::Borrowed(&object[..end]), table, ..EntityJson::default() })
        }
        Err(Refusal::TooLarge) => return Err(EntityJsonError::too_large()),
        Err(Refusal::NotAnObject) => {}
    }
    // Anything else is read as Jackson reads it: its errors in its words, double-encoded data.
    let parsing = |message: String| EntityJsonError::malformed(format!("Error parsing EntityJSON: {message}"));
    let value = first_json_value(data).map_err(parsing)?;
    let not_object = || EntityJsonError::malformed("Error parsing EntityJSON: provided content is not a JSON object");
    match value.as_bytes().first() {
        // An object Jackson accepts and the layout refused does not happen (the layout follows the same
        // grammar); with an empty table nothing can be looked up.
        Some(b'{') => Ok(EntityJson { text: Cow::Borrowed(value), ..EntityJson::default() }),
        Some(b'"') => {
            let inner: String = serde_json::from_str(value).map_err(|error| parsing(error.to_string()))?;
            if inner.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
                return Err(not_object());
            }
            let inner_value = first_json_value(&inner).map_err(parsing)?;
            if !inner_value.starts_with('{') {
                return Err(not_object());
            }
            let table = match lay_out(inner_value) {
                Ok((_, table)) => table,
                Err(Refusal::TooLarge) => return Err(EntityJsonError::too_large()),
                Err(Refusal::NotAnObject) => Vec::new(),
            };
            Ok(EntityJson { text: Cow::Owned(inner_value.to_owned()), table, ..EntityJson::default() })
        }
        _ => Err(not_object()),
    }
}

/// The text of the first JSON value of `text`, as Jackson reads it; a syntax error in Jackson's words, with
/// its location.
fn first_json_value(text: &str) -> Result<&str, String> {
    let end = super::jackson::first_value_end(text)?;
    Ok(text[..end].trim_start_matches([' ', '\t', '\n', '\r']))
}

impl EntityJson<'_> {
    fn node(&self, index: usize) -> JsonRef<'_> {
        JsonRef { text: &self.text, table: &self.table, index }
    }

    /// The whole object; `None` when there is no data.
    pub fn root(&self) -> Option<JsonRef<'_>> {
        (!self.text.is_empty()).then(|| self.node(0))
    }

    /// Whether some key of the data may be an id the reference generates for a shorthand (`keyword1`,
    /// `mention2`, `emoji3`, `tag4`, `datetime5`): false only when no key can be one.
    pub fn may_have_generated_id_keys(&self) -> bool {
        const PREFIXES: [&[u8]; 5] = [b"\"keyword", b"\"mention", b"\"emoji", b"\"tag", b"\"datetime"];
        let text = self.text.as_bytes();
        // A key with an escape could spell one too.
        PREFIXES.iter().any(|prefix| memchr::memmem::find(text, prefix).is_some()) || memchr::memchr(b'\\', text).is_some()
    }

    /// Whether the object has a member `name` at its top level.
    pub fn has_top_level_key(&self, name: &str) -> bool {
        if self.text.is_empty() {
            return false;
        }
        match self.index() {
            Some(index) => index.top_level.contains(name),
            None => self.node(0).members().any(|member| member.key_is(name)),
        }
    }

    /// Jackson's `findPath(name)`: the first value of a field called `name`, depth-first at any depth.
    pub fn find_path(&self, name: &str) -> Option<JsonRef<'_>> {
        if self.text.is_empty() {
            return None;
        }
        match self.index() {
            Some(index) => index.members.get(name).and_then(|nodes| nodes.first()).map(|node| self.node(*node)),
            None => self.scan(name).next().map(|node| self.node(node)),
        }
    }

    /// Jackson's `findValues(name)`: every value of a field called `name`, not descending into matches, in
    /// document order (taken one by one: a caller that needs the first two reads no further).
    pub fn find_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = JsonRef<'s>> + 's {
        let (indexed, scanned) = if self.text.is_empty() {
            (None, None)
        } else {
            match self.index() {
                Some(index) => (index.members.get(name), None),
                None => (None, Some(self.scan(name))),
            }
        };
        let nodes = indexed.into_iter().flatten().copied().chain(scanned.into_iter().flatten());
        nodes.map(|node| self.node(node))
    }

    /// The nodes of the members called `name`, in document order, not descending into them.
    fn scan<'s>(&'s self, name: &'s str) -> impl Iterator<Item = usize> + 's {
        let table = &self.table;
        let mut position = 1;
        std::iter::from_fn(move || {
            while let Some(node) = table.get(position) {
                let found = position;
                if node.depth <= MAX_SEARCH_DEPTH && node_key_is(&self.text, node, name) {
                    position = node.next;
                    return Some(found);
                }
                position += 1;
            }
            None
        })
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
        Some(self.index.get_or_init(|| Box::new(index_members(&self.text, &self.table))))
    }
}

/// Checks the JSON object at the start of `text` exactly as serde_json's `IgnoredAny` does (the check
/// [`first_json_value`] makes) and lays its values out in document order, in the same pass.
///
/// Returns the object's length and its table. Refuses a text that does not start with a valid object (the
/// caller then asks serde_json, for its wording) and one with more than [`MAX_VALUES`] values. Nesting is
/// tracked on a heap stack: no recursion.
fn lay_out(text: &str) -> Result<(usize, Vec<JsonNode>), Refusal> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'{') {
        return Err(Refusal::NotAnObject);
    }
    // About one value per 16 bytes of typical entity data: most tables never grow.
    let mut table: Vec<JsonNode> = Vec::with_capacity(text.len() / 16 + 4);
    let mut open: Vec<usize> = Vec::with_capacity(8);
    let mut position = 0;
    let (mut key, mut key_escaped) = (0..0, false);
    loop {
        // A value starts at `position`.
        let index = table.len();
        if index == MAX_VALUES {
            return Err(Refusal::TooLarge);
        }
        table.push(JsonNode {
            value: position..position,
            key: key.clone(),
            key_escaped,
            next: index + 1,
            depth: open.len().saturating_sub(1),
        });
        let mut closed = false;
        match *bytes.get(position).ok_or(Refusal::NotAnObject)? {
            opener @ (b'{' | b'[') => {
                open.push(index);
                position = skip_whitespace(bytes, position + 1);
                let closer = if opener == b'{' { b'}' } else { b']' };
                if bytes.get(position) == Some(&closer) {
                    close(&mut table, &mut open, position);
                    position += 1;
                    closed = true;
                } else if opener == b'{' {
                    (key, key_escaped, position) = member_key(bytes, position).ok_or(Refusal::NotAnObject)?;
                    continue;
                } else {
                    (key, key_escaped) = (0..0, false);
                    continue;
                }
            }
            b'"' => (position, _) = string_end(bytes, position).ok_or(Refusal::NotAnObject)?,
            b'-' | b'0'..=b'9' => position = number_end(bytes, position).ok_or(Refusal::NotAnObject)?,
            b't' => position = literal_end(bytes, position, b"true").ok_or(Refusal::NotAnObject)?,
            b'f' => position = literal_end(bytes, position, b"false").ok_or(Refusal::NotAnObject)?,
            b'n' => position = literal_end(bytes, position, b"null").ok_or(Refusal::NotAnObject)?,
            _ => return Err(Refusal::NotAnObject),
        }
        if !closed {
            table[index].value.end = position;
        }
        // After a value: close what ends here, stop in front of the next member or item.
        loop {
            let Some(&container) = open.last() else { return Ok((position, table)) };
            position = skip_whitespace(bytes, position);
            let is_object = bytes[table[container].value.start] == b'{';
            match (bytes.get(position), is_object) {
                (Some(b','), true) => {
                    (key, key_escaped, position) =
                        member_key(bytes, skip_whitespace(bytes, position + 1)).ok_or(Refusal::NotAnObject)?;
                    break;
                }
                (Some(b','), false) => {
                    (key, key_escaped) = (0..0, false);
                    position = skip_whitespace(bytes, position + 1);
                    break;
                }
                (Some(b'}'), true) | (Some(b']'), false) => {
                    close(&mut table, &mut open, position);
                    position += 1;
                }
                _ => return Err(Refusal::NotAnObject),
            }
        }
    }
}

/// Ends the innermost open container at its closing bracket (at `position`).
fn close(table: &mut [JsonNode], open: &mut Vec<usize>, position: usize) {
    if let Some(container) = open.pop() {
        let next = table.len();
        table[container].value.end = position + 1;
        table[container].next = next;
    }
}

/// A member's key (a string at `position`) and the colon after it: the key's range, whether it has an escape,
/// and where its value starts.
fn member_key(bytes: &[u8], position: usize) -> Option<(Range<usize>, bool, usize)> {
    if bytes.get(position) != Some(&b'"') {
        return None;
    }
    let (key_end, escaped) = string_end(bytes, position)?;
    let colon = skip_whitespace(bytes, key_end);
    if bytes.get(colon) != Some(&b':') {
        return None;
    }
    Some((position..key_end, escaped, skip_whitespace(bytes, colon + 1)))
}

/// End (exclusive) of the literal `word` at `start`.
fn literal_end(bytes: &[u8], start: usize, word: &[u8]) -> Option<usize> {
    (bytes.get(start..start + word.len())? == word).then_some(start + word.len())
}

/// End (exclusive) of the number at `start`: serde_json's grammar (`-`, no leading zero, fraction, exponent).
fn number_end(bytes: &[u8], start: usize) -> Option<usize> {
    let digits_from = |position: usize| position + bytes[position.min(bytes.len())..].iter().take_while(|byte| byte.is_ascii_digit()).count();
    let mut position = start + usize::from(bytes.get(start) == Some(&b'-'));
    match bytes.get(position)? {
        b'0' => position += 1,
        b'1'..=b'9' => position = digits_from(position + 1),
        _ => return None,
    }
    if bytes.get(position).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if bytes.get(position) == Some(&b'.') {
        let end = digits_from(position + 1);
        if end == position + 1 {
            return None;
        }
        position = end;
    }
    if matches!(bytes.get(position), Some(b'e' | b'E')) {
        position += 1;
        if matches!(bytes.get(position), Some(b'+' | b'-')) {
            position += 1;
        }
        let end = digits_from(position);
        if end == position {
            return None;
        }
        position = end;
    }
    Some(position)
}

/// Records, for every member, its value's node under its key, unless an enclosing member has the same key
/// (`findValues` does not descend into a match); and the keys of the object itself.
fn index_members(text: &str, table: &[JsonNode]) -> Index {
    let mut index = Index::default();
    // The enclosing members (node, key) and how many of them have each key.
    let mut enclosing: Vec<(usize, Cow<'_, str>)> = Vec::new();
    let mut open_keys: HashMap<Cow<'_, str>, usize> = HashMap::new();
    for (position, node) in table.iter().enumerate().skip(1) {
        while let Some((ancestor, key)) = enclosing.last() {
            if table[*ancestor].next > position {
                break;
            }
            if let Some(count) = open_keys.get_mut(key) {
                *count -= 1;
            }
            enclosing.pop();
        }
        if node.key.is_empty() || node.depth > MAX_SEARCH_DEPTH {
            continue;
        }
        let key = decode_key(&text[node.key.clone()]);
        if node.depth == 0 {
            index.top_level.insert(key.clone().into_owned());
        }
        if open_keys.get(&key).copied().unwrap_or(0) == 0 {
            index.members.entry(key.clone().into_owned()).or_default().push(position);
        }
        if node.next > position + 1 {
            *open_keys.entry(key.clone()).or_default() += 1;
            enclosing.push((position, key));
        }
    }
    index
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

/// Whether the key of a node names `name` (false for a node without a key): bytes compared, unless the key has
/// an escape.
#[inline]
fn node_key_is(text: &str, node: &JsonNode, name: &str) -> bool {
    if node.key_escaped {
        return text.get(node.key.clone()).is_some_and(|raw_key| key_equals(raw_key, name));
    }
    node.key.len() == name.len() + 2 && text.as_bytes().get(node.key.start + 1..node.key.end - 1) == Some(name.as_bytes())
}

/// Whether a raw JSON key (with its quotes) names `name`.
fn key_equals(raw_key: &str, name: &str) -> bool {
    let raw = raw_key.as_bytes();
    let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or_default();
    // An escape is always longer than what it stands for: only a longer raw key can be an escaped `name`, and a
    // raw key as long as `name` names it only when it has no escape.
    match inner.len().cmp(&name.len()) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => inner == name.as_bytes() && !inner.contains(&b'\\'),
        std::cmp::Ordering::Greater => {
            inner.contains(&b'\\') && serde_json::from_str::<String>(raw_key).is_ok_and(|key| key == name)
        }
    }
}

/// A JSON value inside validated text.
#[derive(Clone, Copy, Debug)]
pub struct JsonRef<'j> {
    text: &'j str,
    table: &'j [JsonNode],
    index: usize,
}

impl<'j> JsonRef<'j> {
    /// The value's text.
    fn raw(&self) -> &'j str {
        self.table.get(self.index).and_then(|node| self.text.get(node.value.clone())).unwrap_or("")
    }

    /// The first byte of the value's text, which tells its type.
    fn first_byte(&self) -> Option<u8> {
        self.table.get(self.index).and_then(|node| self.text.as_bytes().get(node.value.start)).copied()
    }

    /// Whether the value is an object.
    pub fn is_object(&self) -> bool {
        self.first_byte() == Some(b'{')
    }

    /// The value of member `name` (the last one when the key repeats, as Jackson keeps it).
    pub fn get(&self, name: &str) -> Option<JsonRef<'j>> {
        self.members().filter(|member| member.key_is(name)).last()
    }

    /// The values of members `first` and `second`, in one pass (the last one of each when a key repeats).
    pub fn get_two(&self, first: &str, second: &str) -> (Option<JsonRef<'j>>, Option<JsonRef<'j>>) {
        let mut found = (None, None);
        for member in self.members() {
            if member.key_is(first) {
                found.0 = Some(member);
            } else if member.key_is(second) {
                found.1 = Some(member);
            }
        }
        found
    }

    /// Item `index` of an array.
    pub fn index(&self, index: usize) -> Option<JsonRef<'j>> {
        if self.first_byte() != Some(b'[') {
            return None;
        }
        self.children().nth(index)
    }

    /// Jackson's `textValue()`: the content of a string, `None` for anything else.
    pub fn text_value(&self) -> Option<Cow<'j, str>> {
        if self.first_byte() != Some(b'"') {
            return None;
        }
        let raw = self.raw();
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        if inner.contains('\\') {
            serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(inner))
        }
    }

    /// Jackson's `asText()`: a string's content, or the literal text of a number or boolean.
    pub fn as_text(&self) -> Cow<'j, str> {
        match self.text_value() {
            Some(text) => text,
            None => {
                let raw = self.raw();
                if raw.starts_with(['{', '[']) || raw == "null" {
                    Cow::Borrowed("")
                } else {
                    Cow::Borrowed(raw)
                }
            }
        }
    }

    /// The values directly inside an object or array, in document order.
    fn children(&self) -> impl Iterator<Item = JsonRef<'j>> + 'j {
        let (text, table) = (self.text, self.table);
        let end = table.get(self.index).map_or(0, |node| node.next);
        let mut position = self.index + 1;
        std::iter::from_fn(move || {
            let node = table.get(position).filter(|_| position < end)?;
            let child = JsonRef { text, table, index: position };
            position = node.next;
            Some(child)
        })
    }

    /// The member values of an object, in document order (each knows its key: [`Self::key_is`]).
    fn members(&self) -> impl Iterator<Item = JsonRef<'j>> + 'j {
        let is_object = self.is_object();
        self.children().filter(move |_| is_object)
    }

    /// Whether the value is a member whose key names `name`.
    #[inline]
    fn key_is(&self, name: &str) -> bool {
        self.table.get(self.index).is_some_and(|node| node_key_is(self.text, node, name))
    }
}

fn skip_whitespace(bytes: &[u8], mut position: usize) -> usize {
    while position < bytes.len() && matches!(bytes[position], b' ' | b'\t' | b'\n' | b'\r') {
        position += 1;
    }
    position
}

/// `0x01` in every byte of a word, for the word-at-a-time search in [`string_end`].
const LOW_BITS: u64 = u64::from_le_bytes([0x01; 8]);
/// `0x80` in every byte of a word.
const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);

/// The high bit of each byte of `word` (read little-endian) that a JSON string does not hold as it is: a quote, a
/// backslash or a control character. Exact for the lowest such byte; bytes above it may be marked too.
fn special_string_bytes(word: u64) -> u64 {
    let below = |word: u64, bound: u8| word.wrapping_sub(LOW_BITS * u64::from(bound)) & !word & HIGH_BITS;
    below(word ^ (LOW_BITS * u64::from(b'"')), 1) | below(word ^ (LOW_BITS * u64::from(b'\\')), 1) | below(word, 0x20)
}

/// End (exclusive) of the string starting at `start` (a `"`), checked as serde_json checks it: no control
/// character, only its escapes; and whether it has an escape. Plain bytes are skipped eight at a time.
fn string_end(bytes: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut position = start + 1;
    let mut escaped = false;
    loop {
        while let Some(word) = bytes.get(position..position + 8).and_then(|chunk| <[u8; 8]>::try_from(chunk).ok()) {
            let special = special_string_bytes(u64::from_le_bytes(word));
            if special != 0 {
                position += special.trailing_zeros() as usize / 8;
                break;
            }
            position += 8;
        }
        match *bytes.get(position)? {
            b'"' => return Some((position + 1, escaped)),
            b'\\' => {
                escaped = true;
                match *bytes.get(position + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => position += 2,
                    b'u' if bytes.get(position + 2..position + 6)?.iter().all(u8::is_ascii_hexdigit) => position += 6,
                    _ => return None,
                }
            }
            0..=0x1F => return None,
            _ => position += 1,
        }
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
        let table: [(&str, Result<bool, &str>); 7] = [
            ("", Ok(false)),
            ("{\"a\":{}} trailing", Ok(true)),
            ("\"{\\\"a\\\":1}\"", Ok(true)),
            ("[1]", Err("Error parsing EntityJSON: provided content is not a JSON object")),
            (
                "{invalid: json}",
                Err("Error parsing EntityJSON: Unexpected character ('i' (code 105)): was expecting double-quote to start field name\n at [Source: (String)\"{invalid: json}\"; line: 1, column: 3]"),
            ),
            (
                "\"hello\"",
                Err("Error parsing EntityJSON: Unrecognized token 'hello': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"hello\"; line: 1, column: 6]"),
            ),
            ("\"\"", Err("Error parsing EntityJSON: provided content is not a JSON object")),
        ];
        for (input, expected) in table {
            let got = parse_entity_json(input).map(|object| !object.text.is_empty());
            assert_eq!(got.as_ref().copied().map_err(|error| error.message.as_str()), expected, "input: {input}");
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
            let raw = |values: Vec<JsonRef<'_>>| values.iter().map(|value| value.raw().to_owned()).collect::<Vec<_>>();
            assert_eq!(raw(walked.find_values(key).collect()), raw(indexed.find_values(key).collect()), "{key}");
            assert_eq!(walked.find_path(key).map(|value| value.raw()), indexed.find_path(key).map(|value| value.raw()), "{key}");
        }
    }

    #[test]
    fn look_ups_are_recursive_and_in_document_order() {
        let object = parse_entity_json(r#"{"a":{"b":{"c":1}},"d":[{"b":2}],"c":{"x":1},"e":{"k":1,"k":{"z":2}}}"#).unwrap();
        assert_eq!(object.find_path("c").map(|value| value.raw()), Some("1"));
        assert_eq!(object.find_values("b").count(), 2);
        assert!(object.find_path("zz").is_none());
        assert!(object.has_top_level_key("c") && !object.has_top_level_key("b"));
        assert_eq!(object.root().and_then(|root| root.get("e")).and_then(|e| e.get("k")).map(|k| k.raw()), Some("{\"z\":2}"));
        let entity = parse_entity_json(r#"{"m":{"type":"t\u0041","id":[{"value":12}]}}"#).unwrap();
        let m = entity.find_path("m").unwrap();
        assert_eq!(m.get("type").and_then(|t| t.text_value()).as_deref(), Some("tA"));
        assert_eq!(m.get("id").and_then(|ids| ids.index(0)).and_then(|first| first.get("value")).map(|v| v.as_text()).as_deref(), Some("12"));
    }

    /// Jackson's `findValues` on a parsed value: the reference the table's look-ups are held to.
    #[cfg(not(target_arch = "wasm32"))]
    fn reference_find_values<'v>(value: &'v serde_json::Value, name: &str, found: &mut Vec<&'v serde_json::Value>) {
        match value {
            serde_json::Value::Object(members) => {
                for (key, member) in members {
                    if key == name {
                        found.push(member);
                    } else {
                        reference_find_values(member, name, found);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| reference_find_values(item, name, found)),
            _ => {}
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn look_ups_agree_with_a_parsed_value(value in json_object(), pretty in proptest::bool::ANY) {
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
            let scanned = parse_entity_json(&text).unwrap();
            let indexed = parse_entity_json(&text).unwrap();
            for round in 0..=WALKS_BEFORE_INDEX {
                indexed.find_path(&format!("warm-up-{round}"));
            }
            for key in KEYS.iter().chain(&["absent"]) {
                let mut expected = Vec::new();
                reference_find_values(&value, key, &mut expected);
                for object in [&scanned, &indexed] {
                    let found: Vec<serde_json::Value> =
                        object.find_values(key).map(|value| serde_json::from_str(value.raw()).unwrap()).collect();
                    proptest::prop_assert_eq!(found.iter().collect::<Vec<_>>(), expected.clone(), "key {}", key);
                    proptest::prop_assert_eq!(object.has_top_level_key(key), value.get(*key).is_some());
                    let first = object.find_path(key).map(|value| serde_json::from_str::<serde_json::Value>(value.raw()).unwrap());
                    proptest::prop_assert_eq!(first.as_ref(), expected.first().copied());
                }
            }
        }
    }

    /// Keys the generated objects use (one written with an escape), so that look-ups find several matches.
    #[cfg(not(target_arch = "wasm32"))]
    const KEYS: &[&str] = &["id", "type", "value", "k\u{e9}y", "a\"b"];

    #[cfg(not(target_arch = "wasm32"))]
    fn json_object() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i32>().prop_map(serde_json::Value::from),
            "[a-z {}\\[\\],:\"\\\\]{0,6}".prop_map(serde_json::Value::from),
        ];
        let value = leaf.prop_recursive(5, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map(prop::sample::select(KEYS), inner, 0..4).prop_map(|members| {
                    serde_json::Value::Object(members.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
                }),
            ]
        });
        prop::collection::btree_map(prop::sample::select(KEYS), value, 0..4).prop_map(|members| {
            serde_json::Value::Object(members.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The one-pass check accepts exactly what serde_json accepts, and ends the object where it does.
        #[test]
        fn the_layout_accepts_what_serde_json_accepts(
            value in json_object(),
            pretty in proptest::bool::ANY,
            edits in proptest::collection::vec((proptest::num::usize::ANY, proptest::sample::select(EDIT_BYTES)), 0..3),
            trailing in "[ x,\\]}\"]{0,3}",
        ) {
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
            let mut bytes = text.into_bytes();
            for (at, byte) in edits {
                let at = at % (bytes.len() + 1);
                match byte {
                    b'~' if at < bytes.len() => { bytes.remove(at); }
                    _ => bytes.insert(at, byte),
                }
            }
            let Ok(mut text) = String::from_utf8(bytes) else { return Ok(()) };
            text.push_str(&trailing);
            let object = text.trim_start_matches([' ', '\t', '\n', '\r']);
            let by_serde = first_json_value(&text).ok().filter(|value| value.starts_with('{')).map(str::len);
            proptest::prop_assert_eq!(lay_out(object).ok().map(|(end, _)| end), by_serde, "text: {}", text);
        }
    }

    /// Bytes the property test inserts (`~` deletes one instead): JSON's punctuation and the starts of its tokens.
    #[cfg(not(target_arch = "wasm32"))]
    const EDIT_BYTES: &[u8] = b"{}[],:\"\\/ 0-.e+tfnu\x01~~~";

    #[test]
    fn strings_end_where_serde_json_ends_them_whatever_their_alignment() {
        // Each special byte at every offset of the eight-byte words the search reads, after plain ASCII and UTF-8.
        for plain in ["", "a", "abcdefg", "abcdefgh", "héllo wörld, 012345"] {
            for special in ["\"", "\\n\"", "\\u00e9\"", "\u{1}\"", "\u{1f}\"", "\\x\""] {
                for padding in 0..17 {
                    let string = format!("\"{}{plain}{special}", "p".repeat(padding));
                    let by_serde = serde_json::from_str::<String>(&string).ok().map(|_| (string.len(), string.contains('\\')));
                    assert_eq!(string_end(string.as_bytes(), 0), by_serde, "{string:?}");
                }
            }
        }
    }

    #[test]
    fn the_layout_follows_serde_json_grammar() {
        let cases = [
            ("{}", Some(2)),
            ("{} tail", Some(2)),
            ("{\"a\":[1,-0.5e+3,true,null,\"\\u00e9\\n\"]}x", Some(38)),
            ("{\"a\":01}", None),
            ("{\"a\":1.}", None),
            ("{\"a\":\"\\x\"}", None),
            ("{\"a\":\"\u{1}\"}", None),
            ("{\"a\":tru}", None),
            ("{\"a\":1,}", None),
            ("{a:1}", None),
            ("[1]", None),
        ];
        for (text, expected) in cases {
            assert_eq!(lay_out(text).ok().map(|(end, _)| end), expected, "{text}");
            let by_serde = first_json_value(text).ok().filter(|value| value.starts_with('{')).map(str::len);
            assert_eq!(by_serde, expected, "serde_json on {text}");
        }
    }

    #[test]
    fn data_beyond_the_bound_is_refused_not_laid_out() {
        let many = format!("{{\"a\":[{}0]}}", "0,".repeat(MAX_VALUES));
        assert_eq!(parse_entity_json(&many).map(|_| ()), Err(EntityJsonError::too_large()));
        let double_encoded = serde_json::to_string(&many).unwrap();
        assert_eq!(parse_entity_json(&double_encoded).map(|_| ()), Err(EntityJsonError::too_large()));
        let just_under = format!("{{\"a\":[{}0]}}", "0,".repeat(MAX_VALUES - 3));
        assert!(parse_entity_json(&just_under).is_ok());
    }

    #[test]
    fn a_raw_key_with_an_escape_names_its_decoded_text_only() {
        assert!(key_equals(r#""a\"b""#, "a\"b"));
        assert!(!key_equals(r#""a\"b""#, r#"a\"b"#));
        assert!(key_equals(r#""\u0041""#, "A"));
        assert!(key_equals(r#""id""#, "id") && !key_equals(r#""id""#, "ix"));
    }
}
