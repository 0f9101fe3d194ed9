//! The `style` attribute allow-list of the reference (`Styles.java`): property names only, values unchecked.

/// The CSS properties the reference accepts, sorted for binary search.
const ALLOWED_PROPERTIES: &[&str] = &[
    "align-content", "align-items", "align-self", "background", "background-attachment", "background-blend-mode",
    "background-clip", "background-color", "background-image", "background-position", "background-repeat",
    "background-size", "border", "border-bottom", "border-bottom-color", "border-bottom-left-radius",
    "border-bottom-right-radius", "border-bottom-style", "border-bottom-width", "border-collapse", "border-color",
    "border-image", "border-image-outset", "border-image-repeat", "border-image-slice", "border-image-source",
    "border-image-width", "border-left", "border-left-color", "border-left-style", "border-left-width",
    "border-radius", "border-right", "border-right-color", "border-right-style", "border-right-width",
    "border-spacing", "border-style", "border-top", "border-top-color", "border-top-left-radius",
    "border-top-right-radius", "border-top-style", "border-top-width", "border-width", "box-shadow", "box-sizing",
    "caption-side", "clear", "color", "content", "counter-increment", "counter-reset", "display", "empty-cells",
    "flex", "flex-basis", "flex-direction", "flex-flow", "flex-grow", "flex-shrink", "flex-wrap", "font",
    "font-family", "font-kerning", "font-size", "font-size-adjust", "font-stretch", "font-style", "font-variant",
    "font-weight", "gap", "grid", "grid-area", "grid-auto-columns", "grid-auto-flow", "grid-auto-rows",
    "grid-column", "grid-column-end", "grid-column-gap", "grid-column-start", "grid-gap", "grid-row", "grid-row-end",
    "grid-row-gap", "grid-row-start", "grid-template", "grid-template-areas", "grid-template-columns",
    "grid-template-rows", "height", "justify-content", "justify-items", "justify-self", "letter-spacing",
    "line-height", "list-style", "list-style-image", "list-style-position", "list-style-type", "margin",
    "margin-bottom", "margin-left", "margin-right", "margin-top", "max-height", "max-width", "min-height",
    "min-width", "opacity", "outline", "outline-color", "outline-offset", "outline-style", "outline-width",
    "overflow", "overflow-x", "overflow-y", "padding", "padding-bottom", "padding-left", "padding-right",
    "padding-top", "place-content", "place-items", "place-self", "table-layout", "text-align", "text-align-last",
    "text-decoration", "text-decoration-color", "text-decoration-line", "text-decoration-style", "text-indent",
    "text-justify", "text-overflow", "text-shadow", "text-transform", "visibility", "white-space", "width",
    "word-break", "word-spacing", "word-wrap",
];

/// Checks a `style` value; returns the reference's message when it refuses it.
///
/// Chunks are split on `;` except before `base64,` (data URIs); blank chunks are skipped; each chunk needs a
/// `:`; the trimmed name before it must be allowed (case-sensitive).
pub fn check_style(style: &str) -> Option<String> {
    let mut unknown: Vec<&str> = Vec::new();
    // Created with the first unknown name: most styles have none.
    let mut seen: Option<std::collections::HashSet<&str>> = None;
    let mut rest = style;
    loop {
        let (chunk, next) = split_chunk(rest);
        if !super::xml::is_blank(chunk) {
            let Some(colon) = chunk.bytes().position(|byte| byte == b':') else {
                return Some(format!("Unparseable \"style\" attribute: {style}"));
            };
            let name = chunk[..colon].trim_matches(|character: char| character <= ' ');
            if ALLOWED_PROPERTIES.binary_search(&name).is_err() && seen.get_or_insert_with(Default::default).insert(name) {
                unknown.push(name);
            }
        }
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
    if unknown.is_empty() {
        None
    } else {
        Some(format!("Invalid property(s): [{}] in the \"style\" attribute", unknown.join(",")))
    }
}

/// The text up to the next `;` that is not followed by `base64,`, and what follows it.
fn split_chunk(text: &str) -> (&str, Option<&str>) {
    let mut from = 0;
    while let Some(relative) = text.as_bytes()[from..].iter().position(|byte| *byte == b';') {
        let position = from + relative;
        if text[position + 1..].starts_with("base64,") {
            from = position + 1;
            continue;
        }
        return (&text[..position], Some(&text[position + 1..]));
    }
    (text, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_is_sorted() {
        assert!(ALLOWED_PROPERTIES.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(ALLOWED_PROPERTIES.len(), 144);
    }

    #[test]
    fn style_values() {
        let table = [
            ("color:red; background-image: url(data:image/png;base64,AAA)", None),
            ("color:red;;  ", None),
            ("COLOR:red", Some("Invalid property(s): [COLOR] in the \"style\" attribute")),
            ("color", Some("Unparseable \"style\" attribute: color")),
        ];
        for (input, expected) in table {
            assert_eq!(check_style(input).as_deref(), expected, "input: {input}");
        }
    }
}
