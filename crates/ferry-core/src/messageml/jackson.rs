//! Jackson's syntax errors, worded and located as the Agent reports them.
//!
//! The reference reads EntityJSON with Jackson (`ObjectMapper.readTree`, Jackson 2.15, default features) and
//! answers a syntax error with Jackson's message, which ends with the location where its reader stopped:
//! `\n at [Source: (String)"<text>"; line: L, column: C]`. serde_json's grammar is the same (strict JSON) but its
//! messages and positions are not, so this module reads the first JSON value of a text the way Jackson's
//! `ReaderBasedJsonParser` does, only to find its first error: where it stops (the byte after the last character
//! it consumed) and what it says. No crate reproduces Jackson's wording, hence this hand-written reader.
//!
//! Invariants: linear in the text; nesting is bounded by Jackson's own limit ([`MAX_NESTING_DEPTH`]), on an
//! explicit stack; lines count `\n`, `\r\n` and `\r`, columns count UTF-16 code units, both from 1.

/// Jackson's default `StreamReadConstraints.maxNestingDepth`.
const MAX_NESTING_DEPTH: usize = 1000;

/// Source text shown in a location: longer texts are cut after this many UTF-16 code units.
const MAX_SOURCE_SNIPPET: usize = 500;

/// Longest token an "Unrecognized token" message quotes before it adds `...`.
const MAX_ERROR_TOKEN_LENGTH: usize = 256;

/// What Jackson's list of valid values says after "was expecting" or "expected a valid value".
const VALID_VALUES: &str = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/// Where the first JSON value of a text ends (byte offset), or Jackson's whole error message.
///
/// # Errors
/// Jackson's message with its location suffix, for the first syntax error of the first value.
pub fn first_value_end(text: &str) -> Result<usize, String> {
    let mut reader = Reader { text, position: 0, row: 1, row_start: 0, stack: Vec::new() };
    reader.read_first_value().map_err(|fault| {
        let location = reader.location(fault.at, fault.row, fault.row_start);
        format!("{}\n at {location}", fault.message)
    })
}

/// A syntax error: its message and where the reader stopped.
struct Fault {
    message: String,
    at: usize,
    row: usize,
    row_start: usize,
}

/// An open object or array: where it started, and whether an entry was read (the next needs a comma).
struct Open {
    object: bool,
    start: usize,
    row: usize,
    row_start: usize,
    has_entries: bool,
}

struct Reader<'t> {
    text: &'t str,
    /// Byte offset of the next character to read.
    position: usize,
    /// 1-based line of `position`, and the byte offset where that line starts.
    row: usize,
    row_start: usize,
    stack: Vec<Open>,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.position..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let character = self.peek()?;
        self.position += character.len_utf8();
        Some(character)
    }

    fn fault(&self, message: impl Into<String>) -> Fault {
        Fault { message: message.into(), at: self.position, row: self.row, row_start: self.row_start }
    }

    /// `[Source: (String)"…"; line: L, column: C]` for a position.
    fn location(&self, at: usize, row: usize, row_start: usize) -> String {
        let column = self.text.get(row_start..at).map_or(0, |line| line.encode_utf16().count()) + 1;
        let total = self.text.encode_utf16().count();
        let source = if total > MAX_SOURCE_SNIPPET {
            let units: Vec<u16> = self.text.encode_utf16().take(MAX_SOURCE_SNIPPET).collect();
            format!("\"{}\"[truncated {} chars]", String::from_utf16_lossy(&units), total - MAX_SOURCE_SNIPPET)
        } else {
            format!("\"{}\"", self.text)
        };
        format!("[Source: (String){source}; line: {row}, column: {column}]")
    }

    /// Skips whitespace and returns the next character, consumed; `None` at the end. A `/` starts a comment,
    /// which Jackson refuses by default.
    fn next_significant(&mut self) -> Result<Option<char>, Fault> {
        while let Some(character) = self.bump() {
            match character {
                ' ' | '\t' => {}
                '\n' => self.new_line(),
                '\r' => {
                    if self.peek() == Some('\n') {
                        self.position += 1;
                    }
                    self.new_line();
                }
                '/' => {
                    return Err(self.unexpected(
                        '/',
                        "maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
                    ))
                }
                other => return Ok(Some(other)),
            }
        }
        Ok(None)
    }

    /// [`Self::next_significant`] where the end of the text cannot come (between entries).
    fn next_in_entries(&mut self, object: bool) -> Result<char, Fault> {
        match self.next_significant()? {
            Some(character) => Ok(character),
            None => Err(self.fault(format!("Unexpected end-of-input within/between {} entries", kind_name(object)))),
        }
    }

    fn new_line(&mut self) {
        self.row += 1;
        self.row_start = self.position;
    }

    /// `_reportUnexpectedChar`.
    fn unexpected(&self, character: char, comment: &str) -> Fault {
        self.fault(format!("Unexpected character ({}): {comment}", character_description(character)))
    }

    fn read_first_value(&mut self) -> Result<usize, Fault> {
        let Some(first) = self.next_significant()? else {
            return Err(self.fault("No content to map due to end-of-input"));
        };
        self.start_value(first)?;
        while let Some(open) = self.stack.last() {
            let (object, has_entries) = (open.object, open.has_entries);
            let Some(mut character) = self.next_significant()? else {
                let open =
                    self.stack.last().map_or(String::new(), |open| self.location(open.start, open.row, open.row_start));
                return Err(self.fault(format!(
                    "Unexpected end-of-input: expected close marker for {} (start marker at {open})",
                    kind_name(object)
                )));
            };
            if character == ']' || character == '}' {
                self.close(character)?;
                continue;
            }
            if has_entries {
                if character != ',' {
                    return Err(self.unexpected(
                        character,
                        &format!("was expecting comma to separate {} entries", kind_name(object)),
                    ));
                }
                character = self.next_in_entries(object)?;
            }
            if let Some(open) = self.stack.last_mut() {
                open.has_entries = true;
            }
            if object {
                if character != '"' {
                    return Err(self.unexpected(character, "was expecting double-quote to start field name"));
                }
                self.string(true)?;
                character = self.next_in_entries(true)?;
                if character != ':' {
                    return Err(self.unexpected(character, "was expecting a colon to separate field name and value"));
                }
                character = self.next_in_entries(true)?;
            }
            self.start_value(character)?;
        }
        Ok(self.position)
    }

    /// A close marker where an entry or the end may come.
    fn close(&mut self, character: char) -> Result<(), Fault> {
        let Some(open) = self.stack.last() else { return Ok(()) };
        let expected = if open.object { '}' } else { ']' };
        if character != expected {
            let location = self.location(open.start, open.row, open.row_start);
            return Err(self.fault(format!(
                "Unexpected close marker '{character}': expected '{expected}' (for {} starting at {location})",
                kind_name(open.object)
            )));
        }
        self.stack.pop();
        Ok(())
    }

    /// Reads the value that starts with `character` (consumed): a scalar whole, a container's opening.
    fn start_value(&mut self, character: char) -> Result<(), Fault> {
        match character {
            '{' | '[' => {
                if self.stack.len() >= MAX_NESTING_DEPTH {
                    return Err(self.fault(format!(
                        "Document nesting depth ({}) exceeds the maximum allowed ({MAX_NESTING_DEPTH}, from `StreamReadConstraints.getMaxNestingDepth()`)",
                        self.stack.len() + 1
                    )));
                }
                let start = self.position - 1;
                self.stack.push(Open {
                    object: character == '{',
                    start,
                    row: self.row,
                    row_start: self.row_start,
                    has_entries: false,
                });
                Ok(())
            }
            '"' => self.string(false),
            '-' | '0'..='9' => self.number(character),
            't' => self.token("true"),
            'f' => self.token("false"),
            'n' => self.token("null"),
            'N' | 'I' => {
                let word = if character == 'N' { "NaN" } else { "Infinity" };
                self.token(word)?;
                Err(self.fault(format!(
                    "Non-standard token '{word}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
                )))
            }
            other if is_java_identifier_start(other) => Err(self.invalid_token(other.to_string())),
            other => Err(self.unexpected(other, &format!("expected a valid value {VALID_VALUES}"))),
        }
    }

    /// `_matchToken`: the rest of `word` (its first character is consumed), not followed by a name character.
    fn token(&mut self, word: &str) -> Result<(), Fault> {
        for (index, expected) in word.char_indices().skip(1) {
            if self.peek() != Some(expected) {
                return Err(self.invalid_token(word[..index].to_owned()));
            }
            self.bump();
        }
        match self.peek() {
            Some(next) if is_java_identifier_part(next) => Err(self.invalid_token(word.to_owned())),
            _ => Ok(()),
        }
    }

    /// `_reportInvalidToken`: the token so far and the name characters after it.
    fn invalid_token(&mut self, mut token: String) -> Fault {
        while let Some(next) = self.peek().filter(|next| is_java_identifier_part(*next)) {
            self.bump();
            token.push(next);
            if token.chars().count() >= MAX_ERROR_TOKEN_LENGTH {
                token.push_str("...");
                break;
            }
        }
        self.fault(format!("Unrecognized token '{token}': was expecting {VALID_VALUES}"))
    }

    /// A string after its opening quote.
    fn string(&mut self, name: bool) -> Result<(), Fault> {
        loop {
            let Some(character) = self.bump() else {
                let what = if name { "'\"' for name" } else { "quote for a string value" };
                return Err(self.fault(format!("Unexpected end-of-input: was expecting closing {what}")));
            };
            match character {
                '"' => return Ok(()),
                '\\' => self.escape()?,
                control if u32::from(control) < 0x20 => {
                    let context = if name { "name" } else { "string value" };
                    return Err(self.fault(format!(
                        "Illegal unquoted character ({}): has to be escaped using backslash to be included in {context}",
                        character_description(control)
                    )));
                }
                _ => {}
            }
        }
    }

    fn escape(&mut self) -> Result<(), Fault> {
        let Some(character) = self.bump() else {
            return Err(self.fault("Unexpected end-of-input in character escape sequence"));
        };
        match character {
            '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' => Ok(()),
            'u' => {
                for _ in 0..4 {
                    match self.bump() {
                        Some(digit) if digit.is_ascii_hexdigit() => {}
                        Some(other) => {
                            return Err(self.unexpected(other, "expected a hex-digit for character escape sequence"))
                        }
                        None => return Err(self.fault("Unexpected end-of-input in character escape sequence")),
                    }
                }
                Ok(())
            }
            other => Err(self.fault(format!("Unrecognized character escape {}", character_description(other)))),
        }
    }

    /// A number whose first character (`-` or a digit) is consumed.
    fn number(&mut self, first: char) -> Result<(), Fault> {
        let mut leading = first;
        if first == '-' {
            match self.bump() {
                Some(digit) if digit.is_ascii_digit() => leading = digit,
                Some(other) => {
                    return Err(self.unexpected_in_number(
                        other,
                        "expected digit (0-9) to follow minus sign, for valid numeric value",
                    ))
                }
                None => return Err(self.fault("Unexpected end-of-input in a Number value")),
            }
        }
        if leading == '0' && self.peek().is_some_and(|next| next.is_ascii_digit()) {
            return Err(self.fault("Invalid numeric value: Leading zeroes not allowed"));
        }
        self.digits();
        if self.peek() == Some('.') {
            self.bump();
            self.required_digits("Decimal point not followed by a digit")?;
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            self.required_digits("Exponent indicator not followed by a digit")?;
        }
        if self.stack.is_empty() {
            // A number at the root must be followed by whitespace or nothing.
            if let Some(next) = self.peek().filter(|next| !matches!(next, ' ' | '\t' | '\r' | '\n')) {
                self.bump();
                return Err(self.unexpected(next, "Expected space separating root-level values"));
            }
        }
        Ok(())
    }

    fn digits(&mut self) -> usize {
        let count = self.text[self.position..].bytes().take_while(u8::is_ascii_digit).count();
        self.position += count;
        count
    }

    fn required_digits(&mut self, comment: &str) -> Result<(), Fault> {
        if self.digits() > 0 {
            return Ok(());
        }
        match self.bump() {
            Some(other) => Err(self.unexpected_in_number(other, comment)),
            None => Err(self.fault("Unexpected end-of-input in a Number value")),
        }
    }

    /// `_reportUnexpectedNumberChar`.
    fn unexpected_in_number(&self, character: char, comment: &str) -> Fault {
        self.fault(format!("Unexpected character ({}) in numeric value: {comment}", character_description(character)))
    }
}

fn kind_name(object: bool) -> &'static str {
    if object {
        "Object"
    } else {
        "Array"
    }
}

/// Jackson's `_getCharDesc`.
fn character_description(character: char) -> String {
    let code = u32::from(character);
    if character.is_control() {
        format!("(CTRL-CHAR, code {code})")
    } else if code > 255 {
        format!("'{character}' (code {code} / 0x{code:x})")
    } else {
        format!("'{character}' (code {code})")
    }
}

/// Java's `Character.isJavaIdentifierStart`, for the characters that matter here: letters, `_` and currency
/// symbols.
fn is_java_identifier_start(character: char) -> bool {
    character.is_alphabetic() || character == '_' || is_currency_symbol(character)
}

/// Java's `Character.isJavaIdentifierPart`: identifier starts, digits, and the ignorable control characters.
fn is_java_identifier_part(character: char) -> bool {
    let code = u32::from(character);
    is_java_identifier_start(character) || character.is_numeric() || matches!(code, 0..=8 | 0x0E..=0x1B | 0x7F..=0x9F)
}

fn is_currency_symbol(character: char) -> bool {
    matches!(character, '$' | '\u{A2}'..='\u{A5}' | '\u{20A0}'..='\u{20C0}')
}

#[cfg(test)]
mod tests {
    use super::first_value_end;

    /// Messages of Jackson 2.15.2 (`readTree` of each text), from the reference's own answers.
    #[test]
    fn messages_and_locations_are_jacksons() {
        let table: &[(&str, &str)] = &[
            ("{invalid}", "Unexpected character ('i' (code 105)): was expecting double-quote to start field name\n at [Source: (String)\"{invalid}\"; line: 1, column: 3]"),
            ("{\"a\":1,}", "Unexpected character ('}' (code 125)): was expecting double-quote to start field name\n at [Source: (String)\"{\"a\":1,}\"; line: 1, column: 9]"),
            ("{\"a\"", "Unexpected end-of-input within/between Object entries\n at [Source: (String)\"{\"a\"\"; line: 1, column: 5]"),
            ("{\"a\":\"b\" \"c\":\"d\"}", "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries\n at [Source: (String)\"{\"a\":\"b\" \"c\":\"d\"}\"; line: 1, column: 11]"),
            ("{\"a\": 01}", "Invalid numeric value: Leading zeroes not allowed\n at [Source: (String)\"{\"a\": 01}\"; line: 1, column: 8]"),
            ("{\"a\":NaN}", "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow\n at [Source: (String)\"{\"a\":NaN}\"; line: 1, column: 9]"),
            ("{\"a\":\"\\x\"}", "Unrecognized character escape 'x' (code 120)\n at [Source: (String)\"{\"a\":\"\\x\"}\"; line: 1, column: 9]"),
            ("hello", "Unrecognized token 'hello': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"hello\"; line: 1, column: 6]"),
            ("{\"a\":tru}", "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"{\"a\":tru}\"; line: 1, column: 9]"),
            ("{\"a\":{}", "Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)\"{\"a\":{}\"; line: 1, column: 1])\n at [Source: (String)\"{\"a\":{}\"; line: 1, column: 8]"),
            ("{\"a\":1]", "Unexpected close marker ']': expected '}' (for Object starting at [Source: (String)\"{\"a\":1]\"; line: 1, column: 1])\n at [Source: (String)\"{\"a\":1]\"; line: 1, column: 8]"),
            ("// c\n{}", "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)\n at [Source: (String)\"// c\n{}\"; line: 1, column: 2]"),
            ("{\n\"a\" = 1}", "Unexpected character ('=' (code 61)): was expecting a colon to separate field name and value\n at [Source: (String)\"{\n\"a\" = 1}\"; line: 2, column: 6]"),
        ];
        for (text, expected) in table {
            assert_eq!(first_value_end(text).err().as_deref(), Some(*expected), "text: {text}");
        }
        assert_eq!(first_value_end("{\"a\": [1, {\"b\": null}]} trailing"), Ok(23));
        let long = format!("{{\"{}\"", "k".repeat(600));
        let message = first_value_end(&long).err().unwrap_or_default();
        assert!(
            message.contains(&format!("\"[truncated {} chars]; line: 1, column: 604]", long.len() - 500)),
            "{message}"
        );
    }
}
