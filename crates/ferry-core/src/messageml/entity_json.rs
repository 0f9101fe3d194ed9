//! EntityJSON (`data`): parsing it as the reference does, and its recursive look-ups.
//!
//! The reference reads `data` with Jackson: only the first JSON value counts (text after it is ignored),
//! duplicate keys keep the last value, and a JSON string whose content is a JSON object is read again
//! (double-encoded data). Look-ups are Jackson's `findPath`/`findValues`: depth-first, at any depth.

use serde_json::{Map, Value};

/// Depth of JSON nesting the look-ups descend into; deeper parts are not searched.
const MAX_SEARCH_DEPTH: usize = 128;

/// Parses `data` into the object the reference would use; `Ok(None)` for blank data (treated as `{}`).
///
/// # Errors
/// The reference's message (`Error parsing EntityJSON: …`) when `data` is not a JSON object.
pub fn parse_entity_json(data: &str) -> Result<Option<Map<String, Value>>, String> {
    if data.trim().is_empty() {
        return Ok(None);
    }
    let value = first_json_value(data).map_err(|error| format!("Error parsing EntityJSON: {error}"))?;
    match value {
        Value::Object(object) => Ok(Some(object)),
        Value::String(inner) => match first_json_value(&inner) {
            Ok(Value::Object(object)) => Ok(Some(object)),
            Ok(_) => Err("Error parsing EntityJSON: provided content is not a JSON object".to_owned()),
            Err(error) => Err(format!("Error parsing EntityJSON: {error}")),
        },
        _ => Err("Error parsing EntityJSON: provided content is not a JSON object".to_owned()),
    }
}

/// Reads the first JSON value of `text`, wording a syntax error the way Jackson's first line does.
fn first_json_value(text: &str) -> Result<Value, String> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    match stream.next() {
        Some(Ok(value)) => Ok(value),
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

/// Jackson's `findPath(name)`: the first value of a field called `name`, depth-first at any depth.
pub fn find_path<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    fn search<'v>(value: &'v Value, name: &str, depth: usize) -> Option<&'v Value> {
        if depth > MAX_SEARCH_DEPTH {
            return None;
        }
        match value {
            Value::Object(object) => search_object(object, name, depth),
            Value::Array(items) => items.iter().find_map(|item| search(item, name, depth + 1)),
            _ => None,
        }
    }
    fn search_object<'v>(object: &'v Map<String, Value>, name: &str, depth: usize) -> Option<&'v Value> {
        if let Some(value) = object.get(name) {
            return Some(value);
        }
        object.values().find_map(|value| search(value, name, depth + 1))
    }
    search_object(object, name, 0)
}

/// Jackson's `findValues(name)`: every value of a field called `name`, not descending into matches.
pub fn find_values<'v>(object: &'v Map<String, Value>, name: &str) -> Vec<&'v Value> {
    fn collect<'v>(value: &'v Value, name: &str, depth: usize, found: &mut Vec<&'v Value>) {
        if depth > MAX_SEARCH_DEPTH {
            return;
        }
        match value {
            Value::Object(object) => {
                for (key, member) in object {
                    if key == name {
                        found.push(member);
                    } else {
                        collect(member, name, depth + 1, found);
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    collect(item, name, depth + 1, found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    for (key, member) in object {
        if key == name {
            found.push(member);
        } else {
            collect(member, name, 1, &mut found);
        }
    }
    found
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
            let got = parse_entity_json(input).map(|object| object.is_some());
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
    fn look_ups_are_recursive() {
        let object = parse_entity_json(r#"{"a":{"b":{"c":1}},"d":[{"b":2}]}"#).unwrap().unwrap();
        assert!(find_path(&object, "c").is_some());
        assert_eq!(find_values(&object, "b").len(), 2);
        assert!(find_path(&object, "zz").is_none());
    }
}
