//! Property tests: generated well-formed MessageML is accepted; any text, and any mutation of valid
//! MessageML, is checked without panicking and with every span inside the text.

use proptest::prelude::*;

use super::elements::href_is_accepted;
use super::{check_message, MessageMlOptions};
use crate::diagnostic::Severity;

/// Text content: printable characters and the five XML specials, escaped.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,.!?éü<>&\"'\n\t-]{0,12}".prop_map(|raw| {
        raw.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    })
}

/// A phrasing element (allowed inside `b`, `i`, headers and `p`).
fn phrasing() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        text(),
        Just("<br/>".to_owned()),
        "[a-z_+-]{1,10}".prop_map(|code| format!("<emoji shortcode=\"{code}\"/>")),
        "[a-z]{1,8}".prop_map(|host| format!("<a href=\"https://{host}.example.org/x?y=1\">link</a>")),
        "[a-zA-Z0-9_]{1,8}".prop_map(|tag| format!("<hash tag=\"{tag}\"/>")),
        "[A-Z]{1,5}".prop_map(|tag| format!("<cash tag=\"{tag}\"/>")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        (prop::sample::select(vec!["b", "i", "span", "sub", "sup"]), prop::collection::vec(inner, 0..4))
            .prop_map(|(tag, children)| format!("<{tag}>{}</{tag}>", children.concat()))
    })
}

/// A block of flow content.
fn block() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        phrasing(),
        Just("<hr/>".to_owned()),
        prop::collection::vec(phrasing(), 1..4)
            .prop_map(|items| format!("<ul>{}</ul>", items.iter().map(|item| format!("<li>{item}</li>")).collect::<String>())),
        prop::collection::vec(phrasing(), 1..3).prop_map(|cells| {
            format!("<table><tbody><tr>{}</tr></tbody></table>", cells.iter().map(|cell| format!("<td>{cell}</td>")).collect::<String>())
        }),
        (prop::sample::select(vec!["h1", "h3", "h6", "p", "pre"]), phrasing())
            .prop_map(|(tag, content)| format!("<{tag}>{content}</{tag}>")),
        (prop::sample::select(vec!["color:red", "font-weight: bold", "margin: 0 1px;padding:2px"]), phrasing())
            .prop_map(|(style, content)| format!("<p style=\"{style}\">{content}</p>")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        (prop::sample::select(vec!["div", "p", "li-list", "card"]), prop::collection::vec(inner, 0..4)).prop_map(
            |(tag, children)| match tag {
                "li-list" => format!("<ol><li>{}</li></ol>", children.concat()),
                "card" => format!("<card accent=\"tempo-bg-color--blue\"><header>h</header><body>{}</body></card>", children.concat()),
                _ => format!("<{tag}>{}</{tag}>", children.concat()),
            },
        )
    })
}

fn message() -> impl Strategy<Value = String> {
    prop::collection::vec(block(), 0..5).prop_map(|blocks| format!("<messageML>{}</messageML>", blocks.concat()))
}

/// Edits applied to a valid message: delete a range, insert markup-ish characters, truncate.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, String),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..8_usize).prop_map(|(at, length)| Mutation::Delete(at, length)),
        (any::<usize>(), "[<>&;#/=\"' a-z${}!\\[\\]?\u{7}-]{1,6}").prop_map(|(at, text)| Mutation::Insert(at, text)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn char_boundary(text: &str, at: usize) -> usize {
    let mut index = at % (text.len() + 1);
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn apply(mut text: String, mutations: &[Mutation]) -> String {
    for mutation in mutations {
        match mutation {
            Mutation::Delete(at, length) => {
                let start = char_boundary(&text, *at);
                let end = char_boundary(&text, (start + length).min(text.len()));
                text.replace_range(start..end.max(start), "");
            }
            Mutation::Insert(at, inserted) => {
                let at = char_boundary(&text, *at);
                text.insert_str(at, inserted);
            }
            Mutation::Truncate(at) => {
                let at = char_boundary(&text, *at);
                text.truncate(at);
            }
        }
    }
    text
}

fn spans_inside(text: &str, data: Option<&str>) {
    for diagnostic in check_message(text, data, &MessageMlOptions::default()) {
        if let Some(span) = diagnostic.location.span {
            assert!(span.start <= span.end && span.end <= text.len(), "span {span:?} outside {} bytes: {text:?}", text.len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_messageml_is_accepted(message in message()) {
        let errors: Vec<_> = check_message(&message, None, &MessageMlOptions::default())
            .into_iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Error)
            .map(|diagnostic| diagnostic.message)
            .collect();
        prop_assert!(errors.is_empty(), "{message}: {errors:?}");
    }

    #[test]
    fn mutations_never_panic_and_spans_stay_inside(message in message(), mutations in prop::collection::vec(mutation(), 1..4)) {
        spans_inside(&apply(message, &mutations), None);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), data in prop::option::of("[{}\\[\\]\":a-z0-9, ]{0,20}")) {
        spans_inside(&text, data.as_deref());
    }

    #[test]
    fn href_is_accepted_exactly_when_a_link_to_it_is(
        href in prop_oneof![
            "(https?|mailto|ftp|HTTP|h t|1x)?:?(//)?[a-z0-9.%:/?#@!$&'()*+,;=\\[\\]{}| _~-]{0,16}",
            any::<String>(),
        ],
        https_only in any::<bool>(),
    ) {
        let mut options = MessageMlOptions::default();
        if https_only {
            options.allowed_uri_schemes = vec!["https".to_owned()];
        }
        // Escaped as a writer of MessageML escapes it: `{` too, so no `${`/`#{` reaches Freemarker's check.
        let escaped = href.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;").replace('{', "&#123;");
        let message = format!("<messageML><a href=\"{escaped}\">link</a></messageML>");
        let findings = check_message(&message, None, &options);
        // Only the href is judged: a text the XML parser itself refuses (control characters) says nothing of it.
        prop_assume!(findings.iter().all(|finding| finding.rule != crate::registry::Rule::MalformedXml));
        let link_accepted = findings.iter().all(|finding| finding.severity != Severity::Error);
        prop_assert_eq!(href_is_accepted(&href, &options), link_accepted, "{}: {:?}", message, findings);
    }
}
