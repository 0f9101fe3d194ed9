//! A small JSON parser that keeps the byte span of every value, for exact diagnostics.
//!
//! Parses one record (a complete JSON value held in memory) into a [`Value`] tree whose nodes carry their
//! byte span in the parsed text. Strings without escapes borrow the input, so a 40 MB base64 attachment is
//! never copied. Numbers keep their raw text: integers are read from the digits by [`parse_integer`], never
//! through `f64`, so an id above 2^53 survives unchanged.
//!
//! Invariants:
//! - Every span is a half-open byte range inside the parsed text, 0-based.
//! - Nesting is bounded by the caller's `max_depth`; recursion never goes deeper.
//! - The parser never panics: every byte sequence gives a value or a [`ParseError`] with an offset inside
//!   (or at the end of) the text.

use std::borrow::Cow;

use crate::diagnostic::Span;

/// A JSON value with its byte span.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<'a> {
    /// The value.
    pub value: Value<'a>,
    /// Where the value's text is, 0-based, in the parsed text (for a string, including the quotes).
    pub span: Span,
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written (validated against the JSON grammar).
    Number(&'a str),
    /// A string.
    String(JsonString<'a>),
    /// An array.
    Array(Vec<Spanned<'a>>),
    /// An object's members in input order; duplicate keys are kept (see [`ParsedRecord::duplicate_keys`]).
    Object(Vec<Member<'a>>),
}

impl Value<'_> {
    /// The JSON type name, for messages ("a string", "an object").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// One member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    /// The key, decoded.
    pub key: JsonString<'a>,
    /// The value.
    pub value: Spanned<'a>,
}

/// A decoded JSON string and the raw text it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonString<'a> {
    /// The text between the quotes, escapes undecoded.
    pub raw: &'a str,
    /// Where `raw` starts in the parsed text (one past the opening quote), 0-based.
    pub raw_start: usize,
    /// The decoded text; borrows `raw` when there is no escape.
    pub decoded: Cow<'a, str>,
}

impl JsonString<'_> {
    /// The decoded text.
    pub fn as_str(&self) -> &str {
        &self.decoded
    }

    /// Maps a byte offset in the decoded text to the byte offset in the parsed text where that character's
    /// raw form starts. An offset at or past the end maps to the end of the raw text.
    pub fn source_offset(&self, decoded_offset: usize) -> usize {
        if let Cow::Borrowed(_) = self.decoded {
            return self.raw_start + decoded_offset.min(self.raw.len());
        }
        self.raw_start + raw_offset_of_decoded(self.raw, decoded_offset)
    }

    /// Maps a span in the decoded text to the span of its raw form in the parsed text.
    pub fn source_span(&self, decoded: Span) -> Span {
        let start = self.source_offset(decoded.start);
        let end = self.source_offset(decoded.end).max(start);
        Span::new(start, end)
    }
}

/// Walks raw string text (escapes undecoded, assumed valid) until `decoded_offset` decoded bytes are passed.
fn raw_offset_of_decoded(raw: &str, decoded_offset: usize) -> usize {
    let bytes = raw.as_bytes();
    let mut raw_index = 0;
    let mut decoded_index = 0;
    while raw_index < bytes.len() && decoded_index < decoded_offset {
        if bytes[raw_index] != b'\\' {
            raw_index += 1;
            decoded_index += 1;
            continue;
        }
        let escape = bytes.get(raw_index + 1).copied().unwrap_or(b'"');
        if escape != b'u' {
            raw_index += 2;
            decoded_index += 1;
            continue;
        }
        let unit = hex4(bytes, raw_index + 2).unwrap_or(0);
        if (0xD800..0xDC00).contains(&unit) {
            // A surrogate pair: two escapes, one four-byte character.
            raw_index += 12;
            decoded_index += 4;
        } else {
            raw_index += 6;
            decoded_index += char::from_u32(u32::from(unit)).map_or(3, char::len_utf8);
        }
    }
    raw_index.min(bytes.len())
}

/// Why a text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// Where, 0-based, in the parsed text.
    pub offset: usize,
}

/// What is wrong with a text that is not JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text ends inside a value.
    #[error("the input ends before the value is complete")]
    UnexpectedEnd,
    /// A character that cannot start or continue a value here.
    #[error("expected {expected}, found {found}")]
    Unexpected {
        /// What the grammar allows here.
        expected: &'static str,
        /// What was found, printable.
        found: String,
    },
    /// A raw control character inside a string.
    #[error("control character U+{0:04X} inside a string; it must be escaped")]
    ControlCharacter(u32),
    /// A backslash escape JSON does not define, or a bad `\u` escape.
    #[error("invalid escape sequence in a string")]
    InvalidEscape,
    /// A `\u` escape that is half of a surrogate pair without its other half.
    #[error("unpaired surrogate `\\u{0:04X}` in a string")]
    LoneSurrogate(u16),
    /// A number that does not follow JSON's grammar (`01`, `1.`, `-`).
    #[error("invalid number")]
    InvalidNumber,
    /// More nested arrays and objects than allowed.
    #[error("more than {0} nested arrays and objects")]
    TooDeep(usize),
    /// Something after the value.
    #[error("unexpected text after the value")]
    TrailingCharacters,
}

/// A parsed record and what the parser noticed on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRecord<'a> {
    /// The value.
    pub value: Spanned<'a>,
    /// Spans of keys repeated in the same object (each later copy), in input order.
    pub duplicate_keys: Vec<Span>,
}

/// Parses `text` as one JSON value, surrounded by optional whitespace.
///
/// # Errors
/// When `text` is not one JSON value or nests deeper than `max_depth`.
pub fn parse(text: &str, max_depth: usize) -> Result<ParsedRecord<'_>, ParseError> {
    let mut parser = Parser { text, bytes: text.as_bytes(), position: 0, max_depth, duplicate_keys: Vec::new() };
    parser.skip_whitespace();
    let value = parser.parse_value(0)?;
    parser.skip_whitespace();
    if parser.position < parser.bytes.len() {
        return Err(parser.error(ParseErrorKind::TrailingCharacters));
    }
    Ok(ParsedRecord { value, duplicate_keys: parser.duplicate_keys })
}

/// Room reserved for the members of a top-level object (a record).
const RECORD_MEMBERS_CAPACITY: usize = 10;

/// Objects with more members than this are checked for duplicate keys with a hash set instead of a scan.
const LINEAR_DUPLICATE_SCAN_LIMIT: usize = 16;

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    max_depth: usize,
    duplicate_keys: Vec<Span>,
}

/// The offset of the first byte below 0x20 (a control character, which JSON strings may not hold raw).
/// Each 64-byte chunk is tested with a branch-free fold the compiler vectorizes; only a chunk that holds one
/// is searched byte by byte.
fn first_control_byte(bytes: &[u8]) -> Option<usize> {
    let mut offset = 0;
    for chunk in bytes.chunks(64) {
        if chunk.iter().fold(false, |seen, &byte| seen | (byte < 0x20)) {
            return chunk.iter().position(|&byte| byte < 0x20).map(|found| offset + found);
        }
        offset += chunk.len();
    }
    None
}

impl<'a> Parser<'a> {
    fn error(&self, kind: ParseErrorKind) -> ParseError {
        ParseError { kind, offset: self.position.min(self.bytes.len()) }
    }

    fn unexpected(&self, expected: &'static str) -> ParseError {
        match self.text.get(self.position..).and_then(|rest| rest.chars().next()) {
            None => self.error(ParseErrorKind::UnexpectedEnd),
            Some(character) => {
                self.error(ParseErrorKind::Unexpected { expected, found: format!("`{}`", character.escape_debug()) })
            }
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(&byte) = self.bytes.get(self.position) {
            if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                self.position += 1;
            } else {
                break;
            }
        }
    }

    fn parse_value(&mut self, depth: usize) -> Result<Spanned<'a>, ParseError> {
        let start = self.position;
        let value = match self.bytes.get(self.position) {
            None => return Err(self.error(ParseErrorKind::UnexpectedEnd)),
            Some(b'{') => self.parse_object(depth + 1)?,
            Some(b'[') => self.parse_array(depth + 1)?,
            Some(b'"') => Value::String(self.parse_string()?),
            Some(b't') => self.parse_literal("true", Value::Bool(true))?,
            Some(b'f') => self.parse_literal("false", Value::Bool(false))?,
            Some(b'n') => self.parse_literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => Value::Number(self.parse_number()?),
            Some(_) => return Err(self.unexpected("a value")),
        };
        Ok(Spanned { value, span: Span::new(start, self.position) })
    }

    fn parse_literal(&mut self, word: &'static str, value: Value<'a>) -> Result<Value<'a>, ParseError> {
        for expected in word.bytes() {
            match self.bytes.get(self.position) {
                Some(&byte) if byte == expected => self.position += 1,
                Some(_) => return Err(self.unexpected(word)),
                None => return Err(self.error(ParseErrorKind::UnexpectedEnd)),
            }
        }
        Ok(value)
    }

    fn parse_number(&mut self) -> Result<&'a str, ParseError> {
        let start = self.position;
        if self.bytes.get(self.position) == Some(&b'-') {
            self.position += 1;
        }
        match self.bytes.get(self.position) {
            Some(b'0') => self.position += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            None => return Err(self.error(ParseErrorKind::UnexpectedEnd)),
            Some(_) => return Err(self.error(ParseErrorKind::InvalidNumber)),
        }
        if self.bytes.get(self.position) == Some(&b'.') {
            self.position += 1;
            self.require_digits()?;
        }
        if matches!(self.bytes.get(self.position), Some(b'e' | b'E')) {
            self.position += 1;
            if matches!(self.bytes.get(self.position), Some(b'+' | b'-')) {
                self.position += 1;
            }
            self.require_digits()?;
        }
        if matches!(self.bytes.get(self.position), Some(b'0'..=b'9')) {
            // A leading zero followed by digits (`01`).
            return Err(self.error(ParseErrorKind::InvalidNumber));
        }
        Ok(&self.text[start..self.position])
    }

    fn skip_digits(&mut self) {
        while matches!(self.bytes.get(self.position), Some(b'0'..=b'9')) {
            self.position += 1;
        }
    }

    fn require_digits(&mut self) -> Result<(), ParseError> {
        match self.bytes.get(self.position) {
            Some(b'0'..=b'9') => {
                self.skip_digits();
                Ok(())
            }
            None => Err(self.error(ParseErrorKind::UnexpectedEnd)),
            Some(_) => Err(self.error(ParseErrorKind::InvalidNumber)),
        }
    }

    fn parse_string(&mut self) -> Result<JsonString<'a>, ParseError> {
        // Skip the opening quote.
        self.position += 1;
        let raw_start = self.position;
        let mut decoded: Option<String> = None;
        let mut copied_until = raw_start;
        loop {
            // Long strings (base64 attachments) dominate the input: find the next quote or backslash with a
            // vectorized search, then check the skipped bytes for control characters in wide chunks.
            let segment_end = memchr::memchr2(b'"', b'\\', &self.bytes[self.position..])
                .map_or(self.bytes.len(), |found| self.position + found);
            let index = match first_control_byte(&self.bytes[self.position..segment_end]) {
                Some(control) => self.position + control,
                None => segment_end,
            };
            self.position = index;
            match self.bytes.get(index) {
                None => return Err(self.error(ParseErrorKind::UnexpectedEnd)),
                Some(b'"') => {
                    let raw = &self.text[raw_start..index];
                    self.position = index + 1;
                    let decoded = match decoded {
                        None => Cow::Borrowed(raw),
                        Some(mut text) => {
                            text.push_str(&self.text[copied_until..index]);
                            Cow::Owned(text)
                        }
                    };
                    return Ok(JsonString { raw, raw_start, decoded });
                }
                Some(b'\\') => {
                    let text = decoded.get_or_insert_with(String::new);
                    text.push_str(&self.text[copied_until..index]);
                    self.position = index + 1;
                    self.parse_escape(text)?;
                    copied_until = self.position;
                }
                Some(&control) => return Err(self.error(ParseErrorKind::ControlCharacter(u32::from(control)))),
            }
        }
    }

    /// Decodes one escape; `self.position` is just after the backslash.
    fn parse_escape(&mut self, into: &mut String) -> Result<(), ParseError> {
        let escape_start = self.position - 1;
        let Some(&letter) = self.bytes.get(self.position) else {
            return Err(self.error(ParseErrorKind::UnexpectedEnd));
        };
        self.position += 1;
        let character = match letter {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.read_hex4()?;
                if (0xDC00..0xE000).contains(&first) {
                    self.position = escape_start;
                    return Err(self.error(ParseErrorKind::LoneSurrogate(first)));
                }
                if (0xD800..0xDC00).contains(&first) {
                    let second = if self.bytes.get(self.position..self.position + 2) == Some(b"\\u") {
                        self.position += 2;
                        self.read_hex4()?
                    } else {
                        0
                    };
                    if !(0xDC00..0xE000).contains(&second) {
                        self.position = escape_start;
                        return Err(self.error(ParseErrorKind::LoneSurrogate(first)));
                    }
                    let scalar = 0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
                    char::from_u32(scalar).unwrap_or(char::REPLACEMENT_CHARACTER)
                } else {
                    char::from_u32(u32::from(first)).unwrap_or(char::REPLACEMENT_CHARACTER)
                }
            }
            _ => {
                self.position = escape_start;
                return Err(self.error(ParseErrorKind::InvalidEscape));
            }
        };
        into.push(character);
        Ok(())
    }

    fn read_hex4(&mut self) -> Result<u16, ParseError> {
        match hex4(self.bytes, self.position) {
            Some(unit) => {
                self.position += 4;
                Ok(unit)
            }
            None if self.position + 4 > self.bytes.len() => Err(self.error(ParseErrorKind::UnexpectedEnd)),
            None => Err(self.error(ParseErrorKind::InvalidEscape)),
        }
    }

    fn parse_array(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        if depth > self.max_depth {
            return Err(self.error(ParseErrorKind::TooDeep(self.max_depth)));
        }
        self.position += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.bytes.get(self.position) == Some(&b']') {
            self.position += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.parse_value(depth)?);
            self.skip_whitespace();
            match self.bytes.get(self.position) {
                Some(b',') => self.position += 1,
                Some(b']') => {
                    self.position += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    fn parse_object(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        if depth > self.max_depth {
            return Err(self.error(ParseErrorKind::TooDeep(self.max_depth)));
        }
        self.position += 1;
        // A message record has up to nine members: sizing a record's vector once spares two regrowths.
        let mut members: Vec<Member<'a>> = Vec::with_capacity(if depth == 1 { RECORD_MEMBERS_CAPACITY } else { 0 });
        self.skip_whitespace();
        if self.bytes.get(self.position) == Some(&b'}') {
            self.position += 1;
            return Ok(Value::Object(members));
        }
        let mut key_set: Option<std::collections::HashSet<Cow<'a, str>>> = None;
        loop {
            self.skip_whitespace();
            if self.bytes.get(self.position) != Some(&b'"') {
                return Err(self.unexpected("a string key"));
            }
            let key_start = self.position;
            let key = self.parse_string()?;
            let key_span = Span::new(key_start, self.position);
            let is_duplicate = if members.len() < LINEAR_DUPLICATE_SCAN_LIMIT {
                members.iter().any(|member| member.key.decoded == key.decoded)
            } else {
                let set = key_set
                    .get_or_insert_with(|| members.iter().map(|member| member.key.decoded.clone()).collect());
                !set.insert(key.decoded.clone())
            };
            if is_duplicate {
                self.duplicate_keys.push(key_span);
            }
            self.skip_whitespace();
            if self.bytes.get(self.position) != Some(&b':') {
                return Err(self.unexpected("`:`"));
            }
            self.position += 1;
            self.skip_whitespace();
            let value = self.parse_value(depth)?;
            members.push(Member { key, value });
            self.skip_whitespace();
            match self.bytes.get(self.position) {
                Some(b',') => self.position += 1,
                Some(b'}') => {
                    self.position += 1;
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }
}

fn hex4(bytes: &[u8], at: usize) -> Option<u16> {
    let digits = bytes.get(at..at.checked_add(4)?)?;
    let mut unit: u16 = 0;
    for &digit in digits {
        let nibble = (digit as char).to_digit(16)?;
        unit = (unit << 4) | nibble as u16;
    }
    Some(unit)
}

/// Why a JSON number is not an `int64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegerError {
    /// The number has a fraction or an exponent (`1.5`, `1e3`).
    #[error("has a fraction or an exponent")]
    NotAnInteger,
    /// The number is outside `-2^63 ..= 2^63-1`.
    #[error("is outside the 64-bit signed range")]
    OutOfRange,
    /// The text is not a number at all.
    #[error("is not a number")]
    NotANumber,
}

/// Reads an `int64` from the digits of a JSON number (or of a string holding one), exactly, without `f64`.
///
/// # Errors
/// When the text has a fraction or exponent, is outside the `int64` range, or is not a number.
pub fn parse_integer(text: &str) -> Result<i64, IntegerError> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() {
        return Err(IntegerError::NotANumber);
    }
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    for (index, byte) in digits.bytes().enumerate() {
        match byte {
            b'0'..=b'9' => {
                match magnitude.checked_mul(10).and_then(|value| value.checked_add(u64::from(byte - b'0'))) {
                    Some(value) => magnitude = value,
                    None => overflow = true,
                }
            }
            b'.' | b'e' | b'E' if index > 0 => {
                return if is_json_number(text) { Err(IntegerError::NotAnInteger) } else { Err(IntegerError::NotANumber) };
            }
            _ => return Err(IntegerError::NotANumber),
        }
    }
    if overflow {
        return Err(IntegerError::OutOfRange);
    }
    if negative {
        if magnitude > i64::MIN.unsigned_abs() {
            return Err(IntegerError::OutOfRange);
        }
        Ok((magnitude as i128).wrapping_neg() as i64)
    } else {
        i64::try_from(magnitude).map_err(|_| IntegerError::OutOfRange)
    }
}

/// Whether `text` is exactly one JSON number.
pub fn is_json_number(text: &str) -> bool {
    let mut parser =
        Parser { text, bytes: text.as_bytes(), position: 0, max_depth: 0, duplicate_keys: Vec::new() };
    matches!(text.as_bytes().first(), Some(b'-' | b'0'..=b'9'))
        && parser.parse_number().is_ok()
        && parser.position == text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> ParsedRecord<'_> {
        match parse(text, 16) {
            Ok(record) => record,
            Err(error) => panic!("{text:?} did not parse: {error}"),
        }
    }

    #[test]
    fn spans_cover_values() {
        let text = r#" {"a": [1, "x\"y"], "b": null} "#;
        let record = parse_ok(text);
        assert_eq!(record.value.span, Span::new(1, 30));
        let Value::Object(members) = &record.value.value else { panic!("not an object") };
        assert_eq!(&text[members[0].value.span.start..members[0].value.span.end], r#"[1, "x\"y"]"#);
        let Value::Array(items) = &members[0].value.value else { panic!("not an array") };
        let Value::String(string) = &items[1].value else { panic!("not a string") };
        assert_eq!(string.as_str(), "x\"y");
        assert_eq!(string.raw, r#"x\"y"#);
        // The `y` is decoded byte 2, raw byte 3 after the opening quote.
        assert_eq!(&text[string.source_offset(2)..string.source_offset(3)], "y");
    }

    #[test]
    fn rejections_point_at_the_offending_byte() {
        let table: &[(&str, usize, &str)] = &[
            ("", 0, "ends"),
            ("[1,]", 3, "expected a value"),
            (r#"{"a":1,}"#, 7, "string key"),
            (r#"{"a" 1}"#, 5, "`:`"),
            ("[01]", 2, "invalid number"),
            ("[1.]", 3, "invalid number"),
            ("\"a\u{1}\"", 2, "control character"),
            (r#""\x""#, 1, "invalid escape"),
            (r#""\ud800""#, 1, "unpaired surrogate"),
            ("[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]", 16, "nested"),
            ("{} x", 3, "after the value"),
            (r#"{"a": tru}"#, 9, "expected true"),
        ];
        for (text, offset, words) in table {
            let error = parse(text, 16).err().unwrap_or_else(|| panic!("{text:?} parsed"));
            assert_eq!(error.offset, *offset, "{text:?}: {error}");
            assert!(error.to_string().contains(words), "{text:?}: {error}");
        }
    }

    #[test]
    fn duplicate_keys_are_reported_once_per_later_copy() {
        let record = parse_ok(r#"{"a":1,"b":2,"a":3,"a":4}"#);
        assert_eq!(record.duplicate_keys, vec![Span::new(13, 16), Span::new(19, 22)]);
        let many: String = (0..40).map(|index| format!("\"k{index}\":0,")).collect();
        let text = format!("{{{many}\"k3\":1}}");
        let record = parse_ok(&text);
        assert_eq!(record.duplicate_keys.len(), 1);
    }

    #[test]
    fn integers_are_exact() {
        let table: &[(&str, Result<i64, IntegerError>)] = &[
            ("0", Ok(0)),
            ("9007199254740993", Ok(9_007_199_254_740_993)),
            ("9223372036854775807", Ok(i64::MAX)),
            ("-9223372036854775808", Ok(i64::MIN)),
            ("9223372036854775808", Err(IntegerError::OutOfRange)),
            ("-9223372036854775809", Err(IntegerError::OutOfRange)),
            ("123456789012345678901234567890", Err(IntegerError::OutOfRange)),
            ("1.5", Err(IntegerError::NotAnInteger)),
            ("1e3", Err(IntegerError::NotAnInteger)),
            ("12a", Err(IntegerError::NotANumber)),
            ("", Err(IntegerError::NotANumber)),
            ("-", Err(IntegerError::NotANumber)),
        ];
        for (text, expected) in table {
            assert_eq!(parse_integer(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn escaped_offsets_map_to_raw_offsets() {
        let text = r#""a\u00e9\ud83d\ude00b""#;
        let record = parse_ok(text);
        let Value::String(string) = &record.value.value else { panic!("not a string") };
        assert_eq!(string.as_str(), "aé😀b");
        let b_offset = string.as_str().find('b').unwrap_or(0);
        assert_eq!(&text[string.source_offset(b_offset)..string.source_offset(b_offset + 1)], "b");
        assert_eq!(string.source_span(Span::new(1, 3)), Span::new(2, 8));
    }
}
