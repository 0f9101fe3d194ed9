//! The content conversion, construct by construct: exact outputs for the rules that matter most, insta
//! snapshots of each construct, a property test that any text and any small blocks give MessageML the core
//! accepts, and the real rich-text messages of `../shared/slack-samples/zulip-fragments/`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::{message_content, MAX_OUTPUT_BYTES, TEXT_SLICE_BYTES};
use crate::slack::{Directory, Lossy, MessageMl};

/// A directory of a few people and conversations: U1 (Alice) and W1 (Erin, an Enterprise id) are mapped to
/// Symphony, U2 (Bob) is not, U3 is unknown.
#[derive(Default)]
struct TestDirectory {
    symphony_ids: HashMap<String, i64>,
    user_names: HashMap<String, String>,
    conversation_names: HashMap<String, String>,
}

impl TestDirectory {
    fn standard() -> Self {
        let mut directory = TestDirectory::default();
        directory.symphony_ids.insert("U1".to_owned(), 1001);
        directory.symphony_ids.insert("W1".to_owned(), 1002);
        directory.user_names.insert("U1".to_owned(), "Alice".to_owned());
        directory.user_names.insert("W1".to_owned(), "Erin".to_owned());
        directory.user_names.insert("U2".to_owned(), "Bob".to_owned());
        directory.conversation_names.insert("C1".to_owned(), "general".to_owned());
        directory
    }
}

impl Directory for TestDirectory {
    fn symphony_user_id(&self, slack_user_id: &str) -> Option<i64> {
        self.symphony_ids.get(slack_user_id).copied()
    }
    fn user_name(&self, slack_user_id: &str) -> Option<&str> {
        self.user_names.get(slack_user_id).map(String::as_str)
    }
    fn conversation_name(&self, conversation_id: &str) -> Option<&str> {
        self.conversation_names.get(conversation_id).map(String::as_str)
    }
}

/// The errors ferry-core finds in `document` (the Agent's own verdict, as the core reproduces it).
fn messageml_errors(document: &str) -> Vec<String> {
    let options = ferry_core::messageml::MessageMlOptions::default();
    ferry_core::messageml::check_message(document, None, &options)
        .into_iter()
        .filter(|finding| finding.severity == ferry_core::Severity::Error)
        .map(|finding| format!("{}: {}", finding.rule.code(), finding.message))
        .collect()
}

/// Converts `message` and asserts that the core finds no error in the result.
fn convert_with(message: &Value, directory: &dyn Directory) -> (String, Vec<Lossy>) {
    let mut out = MessageMl::new();
    let mut lossy = Vec::new();
    message_content(message, directory, &mut out, &mut lossy);
    let document = out.finish();
    let errors = messageml_errors(&document);
    assert!(errors.is_empty(), "MessageML errors {errors:?} in {document}\nfrom {message}");
    (document, lossy)
}

fn convert(message: &Value) -> (String, Vec<Lossy>) {
    convert_with(message, &TestDirectory::standard())
}

/// The document without its root, for short expectations.
fn body(document: &str) -> &str {
    document.strip_prefix("<messageML>").and_then(|rest| rest.strip_suffix("</messageML>")).unwrap_or(document)
}

fn text_body(text: &str) -> String {
    body(&convert(&json!({ "text": text })).0).to_owned()
}

#[test]
fn mrkdwn_text_converts_exactly() {
    let cases: &[(&str, &str)] = &[
        // Entities decoded once, escaped once.
        ("a &amp; b &lt;tag&gt;", "a &amp; b &lt;tag&gt;"),
        ("&amp;amp;", "&amp;amp;"),
        // Typed `&lt;https://x&gt;` is text, never a link.
        ("&lt;https://x.test&gt;", "&lt;https://x.test&gt;"),
        // Control sequences.
        ("<@U1>", "<mention uid=\"1001\"/>"),
        ("<@W1|erin>", "<mention uid=\"1002\"/>"),
        ("<@U2>", "@Bob"),
        ("<@U2|bobby>", "@bobby"),
        ("<@U3>", "@U3"),
        ("<#C1>", "#general"),
        ("<#C9|random>", "#random"),
        ("<!here>", "@here"),
        ("<!here|@here>", "@here"),
        ("<!channel> <!everyone>", "@channel @everyone"),
        ("<!subteam^S1|@team>", "@team"),
        ("<!date^1392734382^{date_pretty}|Feb 18, 2014>", "Feb 18, 2014"),
        ("<!date^1392734382^{date}>", "2014-02-18 14:39:42 UTC"),
        ("<https://x.test/a?b=1&amp;c=2|the label>", "<a href=\"https://x.test/a?b=1&amp;c=2\">the label</a>"),
        ("<https://x.test/a b|sp>", "<a href=\"https://x.test/a%20b\">sp</a>"),
        ("<http://x.test>", "<a href=\"http://x.test\">http://x.test</a>"),
        ("<mailto:a@b.test|a@b.test>", "a@b.test"),
        ("<mailto:a@b.test|Ann>", "Ann (a@b.test)"),
        ("<ftp://x.test|files>", "files (ftp://x.test)"),
        ("<http://|empty host>", "empty host (http://)"),
        ("<!foo|bar>", "bar"),
        // Formatting at word boundaries only.
        (
            "*bold* _it_ ~gone~ `code`",
            "<b>bold</b> <i>it</i> <span style=\"text-decoration:line-through\">gone</span> <code>code</code>",
        ),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("* not bold *", "* not bold *"),
        ("*bold _both_*", "<b>bold <i>both</i></b>"),
        ("*`code in bold`*", "<b><span style=\"font-family:monospace\">code in bold</span></b>"),
        ("**double**", "**double**"),
        ("*across\nlines*", "*across<br/>lines*"),
        ("`*not bold*`", "<code>*not bold*</code>"),
        ("*<@U1>*", "<b><mention uid=\"1001\"/></b>"),
        ("*open <https://x.test|a*b> close*", "<b>open <a href=\"https://x.test\">a*b</a> close</b>"),
        // Code blocks and quotes.
        ("before\n```\nline 1\n  line 2 *x*\n```\nafter", "before<pre>line 1\n  line 2 *x*</pre>after"),
        ("```unclosed", "```unclosed"),
        (
            "&gt; quoted\n&gt; twice\nplain",
            "<div style=\"border-left:4px solid #ddd;padding-left:8px\">quoted<br/>twice</div>plain",
        ),
        ("&gt;&gt;&gt; all\nof it", "<div style=\"border-left:4px solid #ddd;padding-left:8px\">all<br/>of it</div>"),
        ("a -&gt; b", "a -&gt; b"),
        // Emoji.
        (
            ":smile: :thumbsup::skin-tone-3: :partyparrot:",
            "<emoji shortcode=\"smile\"/> \u{1f44d}\u{1f3fc} :partyparrot:",
        ),
        (":thinking_face: :flag-fr:", "<emoji shortcode=\"thinking\"/> <emoji shortcode=\"fr\"/>"),
        (":fire::fire:", "<emoji shortcode=\"fire\"/><emoji shortcode=\"fire\"/>"),
        ("at 10:30:45 and a:b:c", "at 10:30:45 and a:b:c"),
        // Line breaks, leading and trailing ones dropped.
        ("\n\none\ntwo\n\n", "one<br/>two"),
        ("windows\r\nline ends\r\n", "windows<br/>line ends"),
        // What XML or the Agent refuses.
        ("bell\u{7} and ${x}", "bell and $&#123;x}"),
        ("", ""),
    ];
    for (text, expected) in cases {
        assert_eq!(text_body(text), *expected, "text {text:?}");
    }
}

#[test]
fn losses_are_reported() {
    let (_, lossy) = convert(&json!({
        "text": "<@U2> <#C1> <!here> <!subteam^S1|@team> <!date^1^x|d> :partyparrot: <!foo>"
    }));
    assert_eq!(
        lossy,
        vec![
            Lossy::UnmappedMention { slack_user_id: "U2".to_owned() },
            Lossy::AsText { what: "channel" },
            Lossy::AsText { what: "here" },
            Lossy::AsText { what: "usergroup" },
            Lossy::AsText { what: "date" },
            Lossy::EmojiAsText { name: "partyparrot".to_owned() },
            Lossy::UnknownElement { kind: "!foo".to_owned() },
        ]
    );
}

/// One snapshot per construct: the input is in the test, the snapshot holds the MessageML and the losses.
#[test]
fn each_construct_converts_as_snapshotted() {
    let section = |elements: Value| json!({ "type": "rich_text_section", "elements": elements });
    let rich_text = |elements: Value| json!({ "blocks": [{ "type": "rich_text", "elements": elements }] });
    let list = |style: &str, indent: u64, items: &[&str]| {
        let items: Vec<Value> = items.iter().map(|item| section(json!([{ "type": "text", "text": item }]))).collect();
        json!({ "type": "rich_text_list", "style": style, "indent": indent, "elements": items })
    };
    let cases: Vec<(&str, Value)> = vec![
        ("mrkdwn_formatting", json!({ "text": "*bold* _italic_ ~strike~ `code` and *_both_*" })),
        (
            "mrkdwn_control_sequences",
            json!({
                "text": "<@U1> <@U2|bob> <@W1> <#C1> <#C2|other> <!here|@here> <!channel> <!everyone> \
                         <!subteam^S1|@team> <!date^1392734382^{date}|Feb 18> <https://x.test/?a=1&amp;b=2|a &amp; b> \
                         <https://x.test> <mailto:a@b.test|write>"
            }),
        ),
        (
            "mrkdwn_code_block_and_quote",
            json!({
                "text": "look:\n```\nfn main() {\n    println!(\"&lt;hi&gt;\");\n}\n```\n&gt; a quote\n&gt; on two lines\nend"
            }),
        ),
        ("mrkdwn_emoji", json!({ "text": ":smile: :+1: :thumbsup::skin-tone-2: :custom_one:" })),
        (
            "rich_text_styles",
            rich_text(json!([section(json!([
                { "type": "text", "text": "plain " },
                { "type": "text", "text": "bold", "style": { "bold": true } },
                { "type": "text", "text": " italic", "style": { "italic": true } },
                { "type": "text", "text": " strike", "style": { "strike": true } },
                { "type": "text", "text": " code", "style": { "code": true } },
                { "type": "text", "text": " all", "style": { "bold": true, "italic": true, "strike": true, "code": true } },
                { "type": "text", "text": " under", "style": { "underline": true } },
                { "type": "text", "text": "\nsecond line -> <b>not a tag</b> & more" }
            ]))])),
        ),
        (
            "rich_text_elements",
            rich_text(json!([section(json!([
                { "type": "user", "user_id": "U1" },
                { "type": "text", "text": " " },
                { "type": "user", "user_id": "U2" },
                { "type": "text", "text": " " },
                { "type": "channel", "channel_id": "C1" },
                { "type": "text", "text": " " },
                { "type": "usergroup", "usergroup_id": "S1" },
                { "type": "text", "text": " " },
                { "type": "broadcast", "range": "here" },
                { "type": "text", "text": " " },
                { "type": "link", "url": "https://x.test/path?q=a|b", "text": "a link" },
                { "type": "text", "text": " " },
                { "type": "link", "url": "https://x.test/bold", "style": { "bold": true } },
                { "type": "text", "text": " " },
                { "type": "emoji", "name": "smile", "unicode": "1f604" },
                { "type": "emoji", "name": "thumbsup", "unicode": "1f44d-1f3fb", "skin_tone": 2 },
                { "type": "emoji", "name": "custom_with_unicode", "unicode": "1f600" },
                { "type": "emoji", "name": "custom" },
                { "type": "text", "text": " " },
                { "type": "date", "timestamp": 1_700_000_000, "format": "{date_short}", "fallback": "Nov 14, 2023" },
                { "type": "date", "timestamp": 1_700_000_000, "format": "{date_short}" }
            ]))])),
        ),
        (
            "rich_text_nested_lists",
            rich_text(json!([
                section(json!([{ "type": "text", "text": "Lists:\n" }])),
                list("bullet", 0, &["one", "two"]),
                list("ordered", 1, &["two.a", "two.b"]),
                list("bullet", 2, &["deep"]),
                list("bullet", 0, &["three"]),
                list("ordered", 0, &["first", "second"]),
                section(json!([{ "type": "text", "text": "after" }]))
            ])),
        ),
        (
            "rich_text_ordered_list_numbered_on",
            rich_text(json!([
                list("ordered", 0, &["one", "two"]),
                section(json!([{ "type": "text", "text": "an interruption" }])),
                { "type": "rich_text_list", "style": "ordered", "indent": 0, "offset": 2, "elements": [
                    section(json!([{ "type": "text", "text": "three" }]))
                ]}
            ])),
        ),
        ("rich_text_list_starting_deep", rich_text(json!([list("bullet", 2, &["starts at level three"])]))),
        ("rich_text_list_too_deep", rich_text(json!([list("bullet", 0, &["top"]), list("bullet", 11, &["too deep"])]))),
        (
            "rich_text_preformatted_and_quote",
            rich_text(json!([
                section(json!([{ "type": "text", "text": "code:" }])),
                { "type": "rich_text_preformatted", "elements": [
                    { "type": "text", "text": "let a = 1 < 2;\n  indented" },
                    { "type": "link", "url": "https://x.test" },
                    { "type": "text", "text": " styled", "style": { "code": true, "bold": true } }
                ]},
                { "type": "rich_text_quote", "elements": [
                    { "type": "text", "text": "quoted\nacross lines " },
                    { "type": "user", "user_id": "U1" }
                ]},
                section(json!([{ "type": "text", "text": "after" }]))
            ])),
        ),
        (
            "unknown_elements_are_reported",
            rich_text(json!([
                section(json!([
                    { "type": "text", "text": "known " },
                    { "type": "color", "value": "#ff0000" },
                    { "type": "future_inline", "text": "with text" }
                ])),
                { "type": "rich_text_future", "elements": [{ "type": "text", "text": "inside" }] }
            ])),
        ),
        (
            "layout_blocks_with_rich_text",
            json!({
                "text": "fallback text that is not written",
                "blocks": [
                    { "type": "rich_text", "elements": [section(json!([{ "type": "text", "text": "rich" }]))] },
                    { "type": "divider" },
                    { "type": "section", "text": { "type": "mrkdwn", "text": "a *mrkdwn* section" },
                      "accessory": { "type": "button", "text": { "type": "plain_text", "text": "Click" } } },
                    { "type": "header", "text": { "type": "plain_text", "text": "A header" } },
                    { "type": "context", "elements": [
                        { "type": "mrkdwn", "text": "context _one_" },
                        { "type": "image", "image_url": "https://x.test/i.png", "alt_text": "pic" }
                    ]},
                    { "type": "image", "image_url": "https://x.test/i.png", "alt_text": "alt" },
                    { "type": "actions", "elements": [] }
                ]
            }),
        ),
        (
            "layout_blocks_only_use_text",
            json!({
                "text": "New deploy: *v1.2* is out",
                "blocks": [
                    { "type": "section", "text": { "type": "mrkdwn", "text": "New deploy: *v1.2* is out" } },
                    { "type": "section", "fields": [
                        { "type": "mrkdwn", "text": "*Env*\nprod" },
                        { "type": "plain_text", "text": "Owner: ops" }
                    ]},
                    { "type": "divider" }
                ]
            }),
        ),
        (
            "legacy_attachments",
            json!({
                "text": "",
                "attachments": [{
                    "fallback": "not shown",
                    "pretext": "Build <https://ci.test/1|#1> finished",
                    "author_name": "CI",
                    "title": "Build &amp; test",
                    "title_link": "https://ci.test/1",
                    "text": "*passed* in 3 min",
                    "mrkdwn_in": ["text"],
                    "fields": [{ "title": "Branch", "value": "main", "short": true }, { "title": "Commit", "value": "`abc123`" }],
                    "footer": "ci bot",
                    "image_url": "https://ci.test/badge.png",
                    "actions": [{ "type": "button", "text": "Retry" }]
                }, {
                    "fallback": "only a fallback &lt;here&gt;"
                }]
            }),
        ),
        (
            "legacy_attachment_after_text",
            json!({
                "text": "see this",
                "attachments": [{ "title": "Unlinked *title*", "text": "plain *not bold* since mrkdwn_in is absent" }]
            }),
        ),
    ];
    for (name, message) in cases {
        let (document, lossy) = convert(&message);
        let mut snapshot = document;
        snapshot.push_str("\n\nlosses:\n");
        for loss in &lossy {
            writeln!(snapshot, "  {loss:?}").unwrap();
        }
        insta::assert_snapshot!(name, snapshot);
    }
}

#[test]
fn output_is_bounded() {
    // Every `:a:` becomes a 21-byte element: a long text of them would pass the bound several times over.
    let text = ":smile:".repeat(2 * MAX_OUTPUT_BYTES / 21);
    let (document, lossy) = convert(&json!({ "text": text }));
    assert!(document.len() < MAX_OUTPUT_BYTES + 1000, "{} bytes", document.len());
    assert!(lossy.contains(&Lossy::LimitReached { what: "output" }));

    // One text element far over the bound, every character escaped to six: cut to the bound.
    let quotes = "'".repeat(3 * MAX_OUTPUT_BYTES);
    let blocks = json!([{ "type": "rich_text", "elements": [{ "type": "rich_text_section", "elements": [
        { "type": "text", "text": quotes },
        { "type": "link", "url": format!("https://x.test/{}", "a".repeat(MAX_OUTPUT_BYTES)) }
    ]}]}]);
    let (document, lossy) = convert(&json!({ "blocks": blocks }));
    assert!(document.len() <= MAX_OUTPUT_BYTES + 6 * TEXT_SLICE_BYTES + 100, "{} bytes", document.len());
    assert_eq!(lossy, vec![Lossy::LimitReached { what: "output" }]);

    let items: Vec<Value> = (0..40_000)
        .map(|index| {
            json!({ "type": "rich_text_list", "style": "bullet", "indent": index % 9, "elements": [
                { "type": "rich_text_section", "elements": [{ "type": "text", "text": "an item of a long list" }] }
            ]})
        })
        .collect();
    let (document, lossy) = convert(&json!({ "blocks": [{ "type": "rich_text", "elements": items }] }));
    assert!(document.len() < MAX_OUTPUT_BYTES + 1000, "{} bytes", document.len());
    // The bound on reports, plus the one saying the output was cut.
    assert!(lossy.len() <= super::MAX_REPORTS + 1, "{} losses", lossy.len());
    assert!(lossy.contains(&Lossy::LimitReached { what: "output" }));
}

#[test]
fn odd_shapes_are_reported_not_fatal() {
    let cases: Vec<(Value, Vec<Lossy>)> = vec![
        (json!({ "text": 5, "blocks": "x" }), vec![Lossy::UnknownElement { kind: "blocks".to_owned() }]),
        (json!({ "attachments": {} }), vec![Lossy::UnknownElement { kind: "attachments".to_owned() }]),
        (json!({ "attachments": [1] }), vec![Lossy::UnknownElement { kind: "attachment".to_owned() }]),
        (
            json!({ "blocks": [{ "type": "rich_text", "elements": [{ "elements": 3 }] }] }),
            vec![Lossy::UnknownElement { kind: "(no type)".to_owned() }],
        ),
        (json!([]), vec![]),
        (json!(null), vec![]),
    ];
    for (message, expected) in cases {
        assert_eq!(convert(&message).1, expected, "{message}");
    }
}

/// Text from pieces that exercise the converter: Slack's markup, entities, control sequences (good and
/// broken), template sigils, XML's special characters, control characters and arbitrary characters.
fn slack_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        "[a-z0-9 ]{0,6}",
        prop::sample::select(vec![
            "<",
            ">",
            "&",
            "&amp;",
            "&lt;",
            "&gt;",
            "&gt; ",
            "&gt;&gt;&gt;",
            "*",
            "_",
            "~",
            "`",
            "```",
            "\n",
            ":",
            "|",
            "${",
            "#{",
            "<#",
            "<@",
            "\"",
            "'",
            "\u{0}",
            "\u{b}",
            "\u{ffff}",
            ":smile:",
            ":x:",
            "::skin-tone-4:",
            "<@U1>",
            "<@U2|bob>",
            "<@W1>",
            "<#C1>",
            "<#C2|x>",
            "<!here>",
            "<!channel>",
            "<!subteam^S1|@t>",
            "<!date^9^x|d>",
            "<!date^nope>",
            "<https://x.test/a b|l>",
            "<https://x.test>",
            "<http://>",
            "<https://[::1]:80/>",
            "<https://x.test/%zz|bad escape>",
            "<mailto:a@b|a>",
            "<javascript:alert(1)>",
            "<!foo>",
            "<>",
            "<|>",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// A rich-text inline element of any kind the converter knows, or an unknown one.
fn inline_element() -> impl Strategy<Value = Value> {
    let style = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>())
        .prop_map(|(bold, italic, strike, code, underline)| {
            json!({ "bold": bold, "italic": italic, "strike": strike, "code": code, "underline": underline })
        });
    prop_oneof![
        (slack_text(), style.clone()).prop_map(|(text, style)| json!({ "type": "text", "text": text, "style": style })),
        (slack_text(), slack_text(), style).prop_map(|(url, text, style)| {
            json!({ "type": "link", "url": format!("https://x.test/{url}"), "text": text, "style": style })
        }),
        slack_text().prop_map(|url| json!({ "type": "link", "url": url })),
        prop::sample::select(vec!["U1", "U2", "W1", "", "<x>"]).prop_map(|id| json!({ "type": "user", "user_id": id })),
        slack_text().prop_map(|id| json!({ "type": "channel", "channel_id": id })),
        slack_text().prop_map(|id| json!({ "type": "usergroup", "usergroup_id": id })),
        slack_text().prop_map(|range| json!({ "type": "broadcast", "range": range })),
        (slack_text(), any::<u8>(), "[0-9a-f-]{0,12}").prop_map(|(name, tone, unicode)| {
            json!({ "type": "emoji", "name": name, "skin_tone": tone % 8, "unicode": unicode })
        }),
        prop::sample::select(vec!["smile", "thumbsup", "+1", "flag-us", "piñata"])
            .prop_map(|name| json!({ "type": "emoji", "name": name, "skin_tone": 3 })),
        (any::<i64>(), slack_text()).prop_map(|(timestamp, fallback)| {
            json!({ "type": "date", "timestamp": timestamp, "fallback": fallback })
        }),
        slack_text().prop_map(|text| json!({ "type": "mystery", "text": text })),
    ]
}

/// A small `blocks` array: rich text of every element type and the layout blocks.
fn small_blocks() -> impl Strategy<Value = Value> {
    let inline = || prop::collection::vec(inline_element(), 0..5);
    let rich_element = prop_oneof![
        inline().prop_map(|elements| json!({ "type": "rich_text_section", "elements": elements })),
        inline().prop_map(|elements| json!({ "type": "rich_text_preformatted", "elements": elements })),
        inline().prop_map(|elements| json!({ "type": "rich_text_quote", "elements": elements })),
        (prop::collection::vec(inline(), 0..3), 0u64..12, any::<bool>()).prop_map(|(items, indent, ordered)| {
            let items: Vec<Value> = items
                .into_iter()
                .map(|elements| json!({ "type": "rich_text_section", "elements": elements }))
                .collect();
            json!({ "type": "rich_text_list", "style": if ordered { "ordered" } else { "bullet" }, "indent": indent,
                    "elements": items })
        }),
        inline().prop_map(|elements| json!({ "type": "rich_text_unknown", "elements": elements })),
    ];
    let text_object = || {
        (slack_text(), prop::sample::select(vec!["mrkdwn", "plain_text", "other"]))
            .prop_map(|(text, kind)| json!({ "type": kind, "text": text }))
    };
    let block = prop_oneof![
        prop::collection::vec(rich_element, 0..6)
            .prop_map(|elements| json!({ "type": "rich_text", "elements": elements })),
        (text_object(), prop::collection::vec(text_object(), 0..3))
            .prop_map(|(text, fields)| json!({ "type": "section", "text": text, "fields": fields })),
        text_object().prop_map(|text| json!({ "type": "header", "text": text })),
        prop::collection::vec(text_object(), 0..3)
            .prop_map(|elements| json!({ "type": "context", "elements": elements })),
        Just(json!({ "type": "divider" })),
        slack_text().prop_map(|text| json!({ "type": "unknown_block", "text": text })),
    ];
    prop::collection::vec(block, 0..4).prop_map(Value::Array)
}

fn small_attachments() -> impl Strategy<Value = Value> {
    let attachment = (slack_text(), slack_text(), slack_text(), slack_text(), any::<bool>()).prop_map(
        |(pretext, title, text, value, formatted)| {
            json!({ "pretext": pretext, "title": title, "title_link": format!("https://x.test/{title}"),
                    "text": text, "fields": [{ "title": title, "value": value }], "footer": text, "fallback": value,
                    "mrkdwn_in": if formatted { json!(["pretext", "text", "fields", "footer"]) } else { json!([]) } })
        },
    );
    prop::collection::vec(attachment, 0..3).prop_map(Value::Array)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_text_converts_to_messageml_the_core_accepts(text in slack_text()) {
        convert(&json!({ "text": text }));
    }

    #[test]
    fn any_string_converts_to_messageml_the_core_accepts(text in any::<String>()) {
        convert(&json!({ "text": text }));
    }

    #[test]
    fn any_small_blocks_and_attachments_convert_to_messageml_the_core_accepts(
        text in slack_text(),
        blocks in small_blocks(),
        attachments in small_attachments(),
    ) {
        let (_, lossy) = convert(&json!({ "text": text, "blocks": blocks, "attachments": attachments }));
        let mut expected = Vec::new();
        unrendered_types(&blocks, &mut expected);
        let reported = reported_unknown_kinds(&lossy);
        for kind in &expected {
            prop_assert!(reported.contains(&kind.as_str()), "{} not reported ({:?})", kind, reported);
        }
    }

    /// Text made only of characters Slack escapes or that XML escapes, and plain ones: decoded once and
    /// escaped once, it comes out as exactly the XML escape of what the person typed.
    #[test]
    fn typed_text_comes_out_escaped_exactly_once(typed in "[a-zA-Z0-9][a-zA-Z0-9 &<>\"'.,!?-]{0,60}") {
        let slack_text = typed.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let mut expected = MessageMl::new();
        expected.text(&typed);
        let expected = expected.finish();
        prop_assert_eq!(convert(&json!({ "text": slack_text })).0, expected);
    }
}

/// The kinds of the unknown elements reported in `lossy`.
fn reported_unknown_kinds(lossy: &[Lossy]) -> Vec<&str> {
    lossy
        .iter()
        .filter_map(|loss| match loss {
            Lossy::UnknownElement { kind } => Some(kind.as_str()),
            _ => None,
        })
        .collect()
}

/// `../shared/slack-samples/zulip-fragments`, looked for beside the workspace or any folder above it.
fn zulip_fragments_dir() -> Option<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.ancestors().map(|folder| folder.join("shared/slack-samples/zulip-fragments")).find(|dir| dir.is_dir())
}

/// The element and block types the converter renders; any other type met must be reported.
const RENDERED_TYPES: &[&str] = &[
    "rich_text",
    "rich_text_section",
    "rich_text_list",
    "rich_text_preformatted",
    "rich_text_quote",
    "text",
    "link",
    "user",
    "channel",
    "usergroup",
    "broadcast",
    "emoji",
    "date",
    "section",
    "header",
    "context",
    "divider",
    "mrkdwn",
    "plain_text",
];

/// Every `type` in `blocks` that the converter does not render.
fn unrendered_types(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| unrendered_types(item, found)),
        Value::Object(fields) => {
            if let Some(Value::String(kind)) = fields.get("type") {
                if !RENDERED_TYPES.contains(&kind.as_str()) {
                    found.push(kind.clone());
                    // What an unknown element holds is not looked into: reporting the element covers it.
                    return;
                }
            }
            fields.values().for_each(|field| unrendered_types(field, found));
        }
        _ => {}
    }
}

#[test]
fn zulip_fragments_convert_with_no_error_and_every_unknown_element_reported() {
    let Some(dir) = zulip_fragments_dir() else {
        println!("../shared/slack-samples/zulip-fragments is absent: nothing checked");
        return;
    };
    let users: Value = serde_json::from_slice(&std::fs::read(dir.join("users.json")).unwrap()).unwrap();
    let mut directory = TestDirectory::default();
    for (index, user) in users.as_array().unwrap().iter().enumerate() {
        let id = user["id"].as_str().unwrap().to_owned();
        directory.symphony_ids.insert(id.clone(), 7000 + i64::try_from(index).unwrap());
        directory.user_names.insert(id, user["real_name"].as_str().unwrap_or_default().to_owned());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().path()).collect();
    files.sort();
    let mut n_messages = 0;
    let mut n_unknown = 0;
    for file in files.iter().filter(|file| file.file_name().is_some_and(|name| name != "users.json")) {
        let parsed: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        let messages = match parsed {
            Value::Array(messages) => messages,
            message => vec![message],
        };
        for message in &messages {
            let (_, lossy) = convert_with(message, &directory);
            n_messages += 1;
            let mut expected = Vec::new();
            // Blocks decide when there is rich text; layout blocks are compared only when they are written.
            if let Some(blocks) = message.get("blocks") {
                unrendered_types(blocks, &mut expected);
            }
            // Attachments have no `type`; the blocks some of them hold do.
            for attachment in message.get("attachments").and_then(Value::as_array).into_iter().flatten() {
                if let Some(blocks) = attachment.get("blocks") {
                    unrendered_types(blocks, &mut expected);
                }
            }
            let reported = reported_unknown_kinds(&lossy);
            for kind in &expected {
                assert!(reported.contains(&kind.as_str()), "{}: {kind} not reported ({reported:?})", file.display());
            }
            n_unknown += expected.len();
        }
    }
    println!(
        "{n_messages} messages of {} converted with no MessageML error; {n_unknown} unknown elements, all reported",
        dir.display()
    );
    assert!(n_messages >= 20, "only {n_messages} messages found in {}", dir.display());
}
