//! Table-driven tests of [`check_message`]: the first finding, its rule and its wording.

use super::*;
use crate::diagnostic::Severity;

fn first(message: &str, data: Option<&str>) -> Option<(Rule, String)> {
    check_message(message, data, &MessageMlOptions::default())
        .into_iter()
        .find(|diagnostic| diagnostic.severity == Severity::Error)
        .map(|diagnostic| (diagnostic.rule, diagnostic.message))
}

/// A message, its EntityJSON data, and the first error expected (rule and wording), if any.
type WordingCase<'a> = (&'a str, Option<&'a str>, Option<(Rule, &'a str)>);

#[test]
fn first_error_and_wording() {
    let table: &[WordingCase<'_>] = &[
        ("<messageML>Hello <b>world</b></messageML>", None, None),
        ("   ", None, Some((Rule::EmptyMessage, "Error parsing message: the message cannot be null or empty"))),
        ("Hello", None, Some((Rule::PlainTextMessage, "Invalid messageML: Content is not allowed in prolog."))),
        ("<messageML>\u{7}</messageML>", None, Some((Rule::ControlCharacters, "Invalid control characters in message"))),
        ("<message>x</message>", None, Some((Rule::InvalidRoot, "Root tag must be <messageML> or <div>"))),
        ("<messageML><h7>x</h7></messageML>", None, Some((Rule::UnknownElement, "Invalid MessageML content at element \"h7\""))),
        ("<messageML><p zz=\"1\" aa=\"2\">x</p></messageML>", None, Some((Rule::AttributeNotAllowed, "Attribute \"aa\" is not allowed in \"p\""))),
        ("<messageML><ul>text</ul></messageML>", None, Some((Rule::ElementNotAllowedHere, "Element \"ul\" may not have text content"))),
        ("<messageML><a href=\"example.com\">x</a></messageML>", None, Some((Rule::HrefNotAbsoluteUri, "The attribute \"href\" must contain an absolute URI"))),
        ("<messageML><a href=\"ftp://x.org\">x</a></messageML>", None, Some((Rule::UriSchemeNotAllowed, "URI scheme \"ftp\" is not supported by the pod."))),
        ("<messageML><p style=\"COLOR:red\">x</p></messageML>", None, Some((Rule::InvalidStyle, "Invalid property(s): [COLOR] in the \"style\" attribute"))),
        ("<messageML><div class=\"entity\" data-entity-id=\"o\">x</div></messageML>", Some("{}"), Some((Rule::EntityDataMissing, "Error processing EntityJSON: no entity data provided for \"data-entity-id\"=\"o\""))),
        ("<messageML>x</messageML>", Some("[1]"), Some((Rule::MalformedEntityJson, "Error parsing EntityJSON: provided content is not a JSON object"))),
        ("<messageML><form id=\"f\"><text-field name=\"t\"/></form></messageML>", None, Some((Rule::InvalidFormStructure, "The form with id 'f' should have at least one action button"))),
        ("<messageML>${}</messageML>", None, Some((Rule::FreemarkerTemplateError, "Error parsing EntityJSON: Syntax error in template \"messageML\" in line 1, column 14:"))),
        (
            "<messageML><span class=\"entity\" data-entity-id=\"a\"><span class=\"entity\" data-entity-id=\"b\">x</span></span></messageML>",
            Some("{\"a\":{\"type\":\"t\"},\"b\":{\"type\":\"t\"}}"),
            Some((Rule::ReferenceParserCrash, "The entity \"b\" is not a member of the data of the entity around it (or of the top-level data); the Agent's parser fails when it assembles the EntityJSON")),
        ),
        ("<messageML><title>t</title></messageML>", None, Some((Rule::ElementNotAllowedHere, "Element \"title\" can only be a child of the following elements: [dialog]"))),
        (
            "<messageML><dialog id=\"d\"><body>b</body></dialog></messageML>",
            None,
            Some((Rule::ElementNotAllowedHere, "The \"dialog\" element must have at least one child that is any of the following elements: [title].")),
        ),
        (
            "<messageML><dialog id=\"d\"><title class=\"c\">t</title><body>b</body></dialog></messageML>",
            None,
            Some((Rule::AttributeNotAllowed, "Element \"title\" may not have attributes")),
        ),
        ("<messageML><form id=\"f\"><select name=\"s\">x<option value=\"o\">O</option></select></form></messageML>", None, Some((Rule::ElementNotAllowedHere, "Element \"null\" is not allowed in \"select\""))),
        ("<messageML><hash tag=\"!\"/></messageML>", None, Some((Rule::InvalidAttributeValue, "Values of the attribute 'tag' for the element 'hash' must match the pattern [\\S]*[^\\s!@#$%^&*()+=<>,./?`~:;'\"\\\\|-]+[\\S]*$."))),
        (
            "<messageML><ul><span class=\"entity\" data-entity-id=\"c\">$A</span></ul></messageML>",
            Some("{\"c\":{\"type\":\"org.symphonyoss.fin.security\",\"id\":[{\"value\":\"A\"}]}}"),
            Some((Rule::ElementNotAllowedHere, "Element \"cash\" is not allowed in \"ul\"")),
        ),
        ("<messageML><hash/></messageML>", None, Some((Rule::ReferenceParserCrash, "The attribute \"tag\" is required (the Agent's parser fails on a hashtag without one)"))),
    ];
    for (message, data, expected) in table {
        let expected = expected.map(|(rule, text)| (rule, text.to_owned()));
        assert_eq!(first(message, *data), expected, "message: {message}");
    }
}

/// Values judged as Java and Jackson read them, and character data as Xerces reads it.
#[test]
fn values_and_character_data_as_the_reference_reads_them() {
    let in_form = |field: &str| {
        format!("<messageML><form id=\"f\">{field}<button name=\"b\">B</button></form></messageML>")
    };
    let table: Vec<(String, Option<&str>)> = vec![
        ("<messageML><code language=\"Python\">x</code></messageML>".to_owned(), None),
        (
            "<messageML><code data-language=\"cobol\">x</code></messageML>".to_owned(),
            Some("Attribute \"data-language\" of element \"code\" can only be one of the following values: [plaintext, c, cpp, csharp, css, html, java, js, jsx, php, python, r, typescript, tsx, markdown, json, scala, shell, yaml]."),
        ),
        ("<messageML><mention uid=\"\u{661}\u{662}\"/></messageML>".to_owned(), None),
        ("<messageML><mention uid=\"1x\"/></messageML>".to_owned(), Some("Invalid input: uid must be a int64 value not \"1x\"")),
        (in_form("<person-selector name=\"p\" value='[1.5, \"2\", null]'/>"), None),
        (
            in_form("<person-selector name=\"p\" value='[true]'/>"),
            Some("Attribute \"value\" contains an unsupported format, should be an array of user ids"),
        ),
        (in_form("<timezone-picker name=\"t\">x</timezone-picker>"), None),
        ("<messageML><form id=\"f\"><button name=\"b\" class=\"tertiary-destructive\">B</button></form></messageML>".to_owned(), None),
        (
            "<messageML>a ]]> b</messageML>".to_owned(),
            Some("Invalid messageML: The character sequence \"]]>\" must not appear in content unless used to mark the end of a CDATA section."),
        ),
        (
            "<messageML>a \u{FFFE}</messageML>".to_owned(),
            Some("Invalid messageML: An invalid XML character (Unicode: 0xfffe) was found in the element content of the document."),
        ),
        (
            "<messageML><p class=\"\u{FFFF}\">x</p></messageML>".to_owned(),
            Some("Invalid messageML: An invalid XML character (Unicode: 0xffff) was found in the value of attribute \"class\" and element is \"p\"."),
        ),
        ("<messageML><a href=\"http://\">x</a></messageML>".to_owned(), Some("Invalid input: null must be a URI value not \"http://\"")),
        ("<messageML><a href=\"http://x\">x</a></messageML>".to_owned(), None),
    ];
    for (message, expected) in table {
        assert_eq!(first(&message, None).map(|(_, text)| text), expected.map(str::to_owned), "message: {message}");
    }
}

/// Where the reference throws while it assembles the EntityJSON or creates an entity, and where an earlier or
/// later check answers instead (spec §13).
#[test]
fn reference_parser_crashes_and_what_precedes_them() {
    let entity = |id: &str| format!("<span class=\"entity\" data-entity-id=\"{id}\">x</span>");
    let nested = |outer: &str, inner: &str| {
        format!("<messageML><span class=\"entity\" data-entity-id=\"{outer}\">{}</span></messageML>", entity(inner))
    };
    let crash = Some(Rule::ReferenceParserCrash);
    let table: Vec<(String, &str, Option<Rule>)> = vec![
        (format!("<messageML>{}</messageML>", entity("e")), r#"{"w":{"e":{}}}"#, crash),
        (nested("a", "b"), r#"{"a":{},"b":{}}"#, crash),
        (nested("a", "b"), r#"{"a":{"b":{}}}"#, None),
        (nested("a", "b"), r#"{"a":{"b":{}},"b":{}}"#, Some(Rule::EntityDataMissing)),
        (format!("<messageML>{}<p foo=\"1\"/></messageML>", entity("e")), r#"{"w":{"e":{}}}"#, Some(Rule::AttributeNotAllowed)),
        (format!("<messageML>{}<mention/></messageML>", entity("e")), r#"{"w":{"e":{}}}"#, crash),
        (format!("<messageML><hash tag=\"a\">{}</hash></messageML>", entity("e")), r#"{"e":{}}"#, crash),
        ("<messageML><hash tag=\"a\"/></messageML>".to_owned(), r#"{"keyword1": 5}"#, crash),
        ("<messageML><hash tag=\"a\"/></messageML>".to_owned(), r#"{"keyword2": 5}"#, None),
        ("<messageML><mention uid=\"1\"/><hash tag=\"a\"/></messageML>".to_owned(), r#"{"keyword2": 1}"#, crash),
        ("<messageML><emoji shortcode=\"smile\"/></messageML>".to_owned(), r#"{"emoji1": {}}"#, None),
        (format!("<messageML>{}</messageML>", entity("e")), r#"{"e":{"type":1,"id":[{"value":"x"}]}}"#, crash),
        (format!("<messageML>{}</messageML>", entity("e")), r#"{"e":{"type":1}}"#, None),
        ("<messageML><tag isin=\"US0378331005\"/></messageML>".to_owned(), "{}", None),
        ("<messageML><tag instrument-class=\"equity\"/></messageML>".to_owned(), "{}", Some(Rule::MissingAttribute)),
    ];
    for (message, data, expected) in table {
        assert_eq!(first(&message, Some(data)).map(|(rule, _)| rule), expected, "message: {message} data: {data}");
    }
}

/// Nesting as deep as the reference accepts is walked without growing the stack (tests run on a 2 MiB thread
/// stack, unoptimised); deeper is refused.
#[test]
fn deep_nesting_is_walked_up_to_the_bound() {
    let nested = |depth: usize| format!("<messageML>{}x{}</messageML>", "<b>".repeat(depth), "</b>".repeat(depth));
    assert_eq!(first(&nested(xml::MAX_DEPTH - 1), None), None);
    let lists = format!("<messageML>{}x{}</messageML>", "<ul><li>".repeat(999), "</li></ul>".repeat(999));
    assert_eq!(first(&lists, None), None);
    assert_eq!(first(&nested(xml::MAX_DEPTH + 1), None).map(|(rule, _)| rule), Some(Rule::NestingTooDeep));
}

/// MessageML form tags under a PresentationML root take the document's format: they are judged as PresentationML
/// fields (`P/MessageMLParser.java:571-639`).
#[test]
fn form_tags_under_a_presentationml_root() {
    let wrap = |fields: &str| {
        format!("<div data-format=\"PresentationML\"><form id=\"f\">{fields}<button name=\"b\">B</button></form></div>")
    };
    let table: &[(&str, Option<(Rule, &str)>)] = &[
        ("<text-field name=\"t\"/>", None),
        ("<text-field name=\"t\" value=\"initial\"/>", None),
        ("<text-field name=\"t\">x</text-field>", Some((Rule::ElementNotAllowedHere, "Element \"text-field\" may not have child elements or text content"))),
        ("<text-field name=\"t\" title=\"x\"/>", Some((Rule::AttributeNotAllowed, "Attribute \"title\" is not allowed in \"text-field\""))),
        ("<text-field name=\"t\" data-masked=\"true\"/>", None),
        ("<date-picker name=\"d\" format=\"dd\"/>", Some((Rule::AttributeNotAllowed, "Attribute \"format\" is not allowed in \"date-picker\""))),
        ("<checkbox name=\"c\">C</checkbox>", Some((Rule::ElementNotAllowedHere, "Invalid PresentationML for the \"checkbox\" element"))),
        ("<radio name=\"r\">R</radio>", Some((Rule::ElementNotAllowedHere, "Invalid PresentationML for the \"radio\" element"))),
        ("<person-selector name=\"p\"/>", Some((Rule::MissingAttribute, "The attribute \"name\" is required"))),
        ("<person-selector data-name=\"p\"/>", None),
        ("<person-selector value=\"x\"/>", Some((Rule::InvalidAttributeValue, "Attribute \"value\" contains an unsupported format, should be an array of user ids"))),
        ("<timezone-picker name=\"t\"/>", Some((Rule::MissingAttribute, "The attribute \"data-name\" is required"))),
        ("<timezone-picker data-name=\"t\"/>", None),
    ];
    for (fields, expected) in table {
        let message = wrap(fields);
        let expected = expected.map(|(rule, text)| (rule, text.to_owned()));
        assert_eq!(first(&message, None), expected, "message: {message}");
    }
    // The caller's version ("2.0") stands in for a missing `data-version`.
    assert_eq!(first("<div data-format=\"PresentationML\"><p>x</p></div>", None), None);
}

/// The markup is checked first and the answer of the checks before it in the reference's order replaces
/// its findings: none of them may leak out.
#[test]
fn earlier_checks_replace_the_markup_findings() {
    let table: &[(&str, Option<&str>, Rule)] = &[
        ("  ", Some("[1]"), Rule::EmptyMessage),
        ("<messageML>x</messageML>", Some("[1]"), Rule::MalformedEntityJson),
        ("<messageML>\u{7}<b></messageML>", None, Rule::ControlCharacters),
        ("<messageML>\u{7}<ul>x</ul><hash/></messageML>", None, Rule::ControlCharacters),
        ("<messageML>${}<b></messageML>", None, Rule::FreemarkerTemplateError),
    ];
    for (message, data, rule) in table {
        let rules: Vec<Rule> = check_message(message, *data, &MessageMlOptions::default())
            .into_iter()
            .map(|diagnostic| diagnostic.rule)
            .collect();
        assert_eq!(rules, vec![*rule], "message: {message:?}");
    }
}

#[test]
fn plain_text_fix_wraps_and_escapes() {
    let diagnostics = check_message("a < b & c", None, &MessageMlOptions::default());
    let fix = diagnostics[0].fix.as_ref().expect("a fix");
    assert_eq!(fix.edits[0].value, serde_json::json!("<messageML>a &lt; b &amp; c</messageML>"));
    let fixed = fix.edits[0].value.as_str().unwrap_or_default();
    assert!(first(fixed, None).is_none());
}

#[test]
fn templates_are_never_called_valid_silently() {
    let diagnostics = check_message("<messageML>${data['o'].v}</messageML>", Some("{\"o\":{\"v\":1}}"), &MessageMlOptions::default());
    assert!(diagnostics.iter().any(|diagnostic| diagnostic.rule == Rule::FreemarkerNotExpanded));
    assert!(diagnostics.iter().all(|diagnostic| diagnostic.severity != Severity::Error));
}

#[test]
fn unknown_mentions_are_info() {
    let diagnostics = check_message("<messageML><mention uid=\"1\"/></messageML>", None, &MessageMlOptions::default());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!((diagnostics[0].rule, diagnostics[0].severity), (Rule::UnknownMentionUser, Severity::Info));
}

#[test]
fn hostile_input_is_bounded() {
    let deep = format!("<messageML>{}</messageML>", "<b>".repeat(100_000));
    assert_eq!(first(&deep, None).map(|(rule, _)| rule), Some(Rule::NestingTooDeep));
    let huge = format!("<messageML><p class=\"{}\">x</p></messageML>", "a".repeat(MAX_ATTRIBUTE_BYTES + 1));
    assert_eq!(first(&huge, None).map(|(rule, _)| rule), Some(Rule::NestingTooDeep));
    let doctype = "<!DOCTYPE m [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><messageML>&e;</messageML>";
    assert_eq!(first(doctype, None).map(|(rule, _)| rule), Some(Rule::DoctypeRefused));
}

/// Inputs that would take quadratic time if any part of the check were quadratic in them; each is checked
/// (linear work) and answers as the reference would.
#[test]
fn hostile_repetition_stays_linear() {
    const N: usize = 20_000;
    let options = MessageMlOptions::default();
    let attributes: String = (0..N).map(|index| format!(" a{index}=\"v\"")).collect();
    let many_attributes = format!("<messageML><p{attributes}>x</p></messageML>");
    let ui_actions: String = (0..N).map(|_| "<ui-action action=\"open-dialog\" target-id=\"d\"><button>b</button></ui-action>").collect();
    let many_ui_actions = format!("<messageML>{ui_actions}<dialog id=\"d\"><title>t</title><body>b</body></dialog></messageML>");
    let unclosed_templates = format!("<messageML>{}</messageML>", "${".repeat(N));
    let style: String = (0..N).map(|index| format!("p{index}:1;")).collect();
    let many_properties = format!("<messageML><p style=\"{style}\">x</p></messageML>");
    let spans: String = (0..N / 4).map(|index| format!("<span class=\"entity\" data-entity-id=\"e{index}\">x</span>")).collect();
    let many_entities = format!("<messageML>{spans}</messageML>");
    let data = format!(
        "{{{}}}",
        (0..N / 4).map(|index| format!("\"e{index}\":{{\"type\":\"t\",\"k\":{{\"n\":{index}}}}}")).collect::<Vec<_>>().join(",")
    );
    let cards = format!("<messageML>{}</messageML>", "<div class=\"card x\">c</div>".repeat(N));
    for (message, data) in [
        (&many_attributes, None),
        (&many_ui_actions, None),
        (&unclosed_templates, None),
        (&many_properties, None),
        (&many_entities, Some(data.as_str())),
        (&cards, None),
    ] {
        let diagnostics = check_message(message, data, &options);
        assert!(diagnostics.len() <= elements::MAX_FINDINGS + 1, "{} findings", diagnostics.len());
    }
    assert_eq!(first(&many_attributes, None).map(|(rule, _)| rule), Some(Rule::AttributeNotAllowed));
    assert_eq!(first(&many_entities, Some(&data)), None);
    assert_eq!(first(&cards, None), None);
}

#[test]
fn prescan_finds_template_markers_and_the_first_control_character() {
    let template = |text: &str| prescan(text.as_bytes()).template;
    for (text, expected) in [("a ${b}", true), ("#{x}", true), ("<#if>", true), ("<@m/>", true), ("$ { # @ <", false), ("&#36;{", false)] {
        assert_eq!(template(text), expected, "{text}");
    }
    // A marker split across the 64-byte blocks the scan tests in bulk.
    let split = format!("{}<#if>", "x".repeat(63));
    assert!(template(&split));
    let late_control = format!("{}\u{1}{}\u{2}", "x".repeat(40), "y".repeat(40));
    assert_eq!(prescan(late_control.as_bytes()), Prescan { template: false, control: Some(40), character_data: false });
    // A template is expanded before control characters are looked for.
    assert_eq!(prescan("\u{1} ${x}".as_bytes()), Prescan { template: true, control: None, character_data: false });
    assert_eq!(prescan("a\tb\r\nc".as_bytes()), Prescan { template: false, control: None, character_data: false });
    assert_eq!(prescan("a ] b".as_bytes()), Prescan { template: false, control: None, character_data: false });
    assert_eq!(prescan("a ]]> b".as_bytes()), Prescan { template: false, control: None, character_data: true });
    assert_eq!(prescan("\u{FF01}".as_bytes()), Prescan { template: false, control: None, character_data: false });
    assert_eq!(prescan("\u{FFFF}".as_bytes()), Prescan { template: false, control: None, character_data: true });
    // A control character in each whole block and in the partial one after them, for texts of every length.
    for length in 0..200 {
        for position in 0..length {
            let mut text = vec![b'x'; length];
            text[position] = 0x1F;
            assert_eq!(prescan(&text), Prescan { template: false, control: Some(position), character_data: false }, "{length} {position}");
        }
        assert_eq!(prescan(&vec![b' '; length]), Prescan { template: false, control: None, character_data: false }, "{length}");
    }
}

#[test]
fn java_longs_parse_as_long_parse_long_does() {
    for (text, expected) in [
        ("0", Some(0)),
        ("+42", Some(42)),
        ("-42", Some(-42)),
        ("007", Some(7)),
        ("9223372036854775807", Some(i64::MAX)),
        ("-9223372036854775808", Some(i64::MIN)),
        ("9223372036854775808", None),
        ("-9223372036854775809", None),
        ("", None),
        ("-", None),
        ("+-1", None),
        ("1a", None),
        (" 1", None),
        ("1.0", None),
    ] {
        assert_eq!(elements::parse_java_long(text), expected, "{text:?}");
    }
}
