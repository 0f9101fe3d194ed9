//! Table-driven tests of [`render_post`], and a property test: any text renders without panicking into
//! balanced HTML.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn users() -> BTreeMap<i64, EntraUser> {
    BTreeMap::from([(7, EntraUser { id: "e-7".into(), display_name: "Ann <Lee>".into() })])
}

/// A PNG's first bytes, base64.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUg==";
const JPEG: &str = "/9j/4AAQSkZJRgABAQ==";
const GIF: &str = "R0lGODlhAQABAIAAAP==";

#[test]
fn markup_becomes_teams_html() {
    let cases = [
        ("<messageML>a &amp; b &lt;c&gt;</messageML>", "a &amp; b &lt;c&gt;"),
        ("<messageML><p>x</p><p><b>bold</b> <i>it</i></p></messageML>", "<p>x</p><p><b>bold</b> <i>it</i></p>"),
        ("<messageML>a<br/>b<hr/></messageML>", "a<br>b<hr>"),
        ("<messageML><h2>T</h2><pre>  x\n y</pre><code>c()</code></messageML>", "<h2>T</h2><pre>  x\n y</pre><code>c()</code>"),
        ("<messageML><ul><li>1</li></ul><ol><li>2</li></ol></messageML>", "<ul><li>1</li></ul><ol><li>2</li></ol>"),
        (
            "<messageML><table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table></messageML>",
            "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>",
        ),
        (
            "<messageML><a href=\"https://x.org/?a=1&amp;b=&quot;2&quot;\">link</a></messageML>",
            "<a href=\"https://x.org/?a=1&amp;b=&quot;2&quot;\">link</a>",
        ),
        ("<messageML><a href=\"mailto:a@b.c\">mail</a></messageML>", "mail"),
        ("<messageML><hash tag=\"q3\"/> <cash tag=\"AAPL\"/></messageML>", "#q3 $AAPL"),
        ("<messageML><emoji shortcode=\"rocket\"/></messageML>", "🚀"),
        ("<messageML><emoji shortcode=\"+1\"/><emoji shortcode=\":tada:\"/></messageML>", "👍🎉"),
        ("<messageML><emoji shortcode=\"surfer_tone3\"/><emoji shortcode=\"flag-gb\"/></messageML>", "🏄🏽🇬🇧"),
        ("<messageML><sub>2</sub><sup>3</sup></messageML>", "<sub>2</sub><sup>3</sup>"),
        (
            "<messageML><card accent=\"tempo-bg-color--blue\"><header>H</header><body>B</body></card></messageML>",
            "<div><div>H</div><div>B</div></div>",
        ),
        (
            "<messageML><expandable-card state=\"collapsed\"><header>H</header><body variant=\"default\">B</body></expandable-card></messageML>",
            "<div><div>H</div><div>B</div></div>",
        ),
        ("<messageML>x<!-- note --><![CDATA[<y>]]></messageML>", "x&lt;y&gt;"),
        ("<div data-format=\"PresentationML\" data-version=\"2.0\"><p>pml</p></div>", "<div><p>pml</p></div>"),
    ];
    for (message, html) in cases {
        let post = render_post(message, None, &[], &users());
        assert_eq!(post.html, html, "{message}");
        assert!(post.losses.is_empty(), "{message}: {:?}", post.losses);
    }
}

#[test]
fn mentions_of_mapped_users_become_at_tags() {
    let data = r#"{"m1":{"type":"com.symphony.user.mention","id":[{"type":"com.symphony.user.userId","value":"7"}]}}"#;
    let cases = [
        ("<messageML>hi <mention uid=\"7\"/></messageML>", None),
        ("<messageML>hi <span class=\"entity\" data-entity-id=\"m1\">@Ann</span></messageML>", Some(data)),
    ];
    for (message, data) in cases {
        let post = render_post(message, data, &[], &users());
        assert_eq!(post.html, "hi <at id=\"0\">Ann &lt;Lee&gt;</at>", "{message}");
        assert_eq!(post.mentions.len(), 1);
        assert_eq!(post.mentions[0].symphony_user_id, 7);
        assert_eq!(post.mentions[0].user.as_ref().map(|user| user.id.as_str()), Some("e-7"));
        assert!(post.losses.is_empty());
    }
}

#[test]
fn what_teams_does_not_take_is_a_loss() {
    let cases: [(&str, &str, &[&str]); 7] = [
        ("<messageML><mention uid=\"9\"/></messageML>", "@user 9", &["mention of user 9"]),
        ("<messageML><mention email=\"a@b.c\"/></messageML>", "@a@b.c", &["mention of a@b.c"]),
        ("<messageML><emoji shortcode=\"no_such_one\"/></messageML>", ":no_such_one:", &["emoji :no_such_one:"]),
        ("<messageML>plain <b>not closed</messageML>", "<p>&lt;messageML&gt;plain &lt;b&gt;not closed&lt;/messageML&gt;</p>", &["the message's markup"]),
        (
            "<messageML><form id=\"f\"><text-field name=\"n\" placeholder=\"Your name\"/><button name=\"go\">Send</button></form></messageML>",
            "<div> [Your name]  [Send] </div>",
            &["form f"],
        ),
        (
            "<messageML><div class=\"entity\" data-object-id=\"o\">Price: 3</div></messageML>",
            "<div>Price: 3</div>",
            &["structured object o (org.example.price)"],
        ),
        ("<messageML><img src=\"https://x.org/a.png\"/></messageML>", "<a href=\"https://x.org/a.png\">https://x.org/a.png</a>", &["image https://x.org/a.png"]),
    ];
    let data = r#"{"o":{"type":"org.example.price","version":"1.0"}}"#;
    for (message, html, lost) in cases {
        let post = render_post(message, Some(data), &[], &users());
        assert_eq!(post.html, html, "{message}");
        let what: Vec<&str> = post.losses.iter().map(|loss| loss.what.as_str()).collect();
        assert_eq!(what, lost, "{message}");
    }
}

#[test]
fn images_are_inline_other_attachments_named() {
    let attachment = |filename, content_base64| AttachmentSource { filename, content_base64 };
    let attachments = [
        attachment("a.png", PNG),
        attachment("report.pdf", "JVBERi0xLjQK"),
        attachment("b.JPG", JPEG),
        attachment("c.gif", GIF),
        // An image by name only: its bytes are not one.
        attachment("fake.png", "SGVsbG8gd29ybGQ="),
        // Image bytes under another name.
        attachment("d.bin", PNG),
    ];
    let post = render_post("<messageML>x</messageML>", None, &attachments, &users());
    let types: Vec<(usize, &str, &str)> = post
        .inline_images
        .iter()
        .map(|image| (image.attachment_index, image.temporary_id.as_str(), image.content_type))
        .collect();
    assert_eq!(types, [(0, "1", "image/png"), (2, "2", "image/jpeg"), (3, "3", "image/gif")]);
    assert!(post
        .html
        .starts_with("x<p><img src=\"../hostedContents/1/$value\"></p><p>Attachment not imported: report.pdf</p>"));
    let what: Vec<&str> = post.losses.iter().map(|loss| loss.what.as_str()).collect();
    assert_eq!(what, ["attachment report.pdf", "attachment fake.png", "attachment d.bin"]);
}

#[test]
fn output_is_bounded() {
    let message = format!("<messageML>{}</messageML>", "<b>&lt;</b>".repeat(200_000));
    let post = render_post(&message, None, &[], &users());
    assert!(post.html.len() < MAX_RENDERED_BYTES + 64);
    assert!(is_balanced(&post.html));
    assert_eq!(post.losses.last().map(|loss| loss.what.as_str()), Some("the rest of the message"));
}

/// Whether every element of `html` is closed in order (void elements `br`, `hr`, `img` excepted) and no `<`,
/// `>` or `"` stands outside a tag or an attribute value.
fn is_balanced(html: &str) -> bool {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        if rest[..start].contains(['>', '"']) {
            return false;
        }
        let Some(end) = rest[start..].find('>') else { return false };
        let tag = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop() != Some(name) {
                return false;
            }
            continue;
        }
        let name = tag.split(' ').next().unwrap_or("");
        // Attribute values hold no `<` or `>` (escaped), and quotes come in pairs.
        if !tag.matches('"').count().is_multiple_of(2) || name.is_empty() {
            return false;
        }
        if !matches!(name, "br" | "hr" | "img") {
            open.push(name);
        }
    }
    open.is_empty() && !rest.contains(['>', '"'])
}

proptest! {
    #[test]
    fn any_text_renders_balanced(text in ".{0,300}") {
        let post = render_post(&text, Some(&text), &[], &users());
        prop_assert!(is_balanced(&post.html), "{}", post.html);
    }

    #[test]
    fn any_markup_renders_balanced(
        parts in prop::collection::vec(prop_oneof![
            Just("<b>"), Just("</b>"), Just("<p>"), Just("</p>"), Just("<a href=\"https://x\">"), Just("</a>"),
            Just("<mention uid=\"7\"/>"), Just("<mention uid=\"8\"/>"), Just("<emoji shortcode=\"x\"/>"), Just("<form id=\"f\">"),
            Just("</form>"), Just("<button>"), Just("</button>"), Just("<card>"), Just("</card>"), Just("<ul><li>"),
            Just("</li></ul>"), Just("x&amp;\"'"), Just("<br/>"), Just("<table><tr><td>"), Just("</td></tr></table>"),
        ], 0..40),
    ) {
        let message = format!("<messageML>{}</messageML>", parts.concat());
        let post = render_post(&message, None, &[], &users());
        prop_assert!(is_balanced(&post.html), "{}", post.html);
    }
}
