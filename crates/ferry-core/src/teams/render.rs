//! MessageML → the HTML of a Teams post ([`render_post`]).
//!
//! The message is read with the core's own XML parse ([`crate::messageml::xml`]) and walked element by
//! element; each MessageML element becomes the HTML Teams renders for it, or its visible text when Teams has
//! no equivalent. What Teams will not get as it was is reported as a [`Loss`], never dropped silently.
//!
//! Invariants:
//! - Never panics, whatever the text. A message that is not well-formed XML is written as escaped text (with a
//!   loss saying so).
//! - The output is well-formed HTML: every element opened is closed, in order; every character of text and of
//!   attribute values is escaped exactly once.
//! - The walk keeps its own stack (no recursion), so depth is bounded only by the parse's
//!   [`MAX_DEPTH`](crate::messageml::xml::MAX_DEPTH); the output is bounded by [`MAX_RENDERED_BYTES`]: past it,
//!   the rest of the message is left out and a loss says so.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::Value;

use super::{AttachmentSource, EntraUser, InlineImage, Loss, Mention, Post};
use crate::messageml::xml::{parse_document, Document, NodeId, NodeKind};

/// Most bytes of HTML written for one post. Far above what Teams takes ([`super::MAX_POST_BYTES`]), so a post
/// cut here is one the size rule already refuses; the bound only keeps memory proportional to that.
pub const MAX_RENDERED_BYTES: usize = 1 << 20;

/// EntityJSON type of a user mention, and of the user id inside it.
const MENTION_ENTITY_TYPE: &str = "com.symphony.user.mention";
const USER_ID_TYPE: &str = "com.symphony.user.userId";

/// The fate of an unmapped mention (the rules tell it from other losses by it).
pub(crate) const UNMAPPED_MENTION_FATE: &str =
    "written as plain text: the user is not in the users map, so Teams cannot link it";

/// Renders a record's `message` (MessageML, with its EntityJSON `data`) and attachments as the post Teams
/// will show, looking mentioned users up in `users`.
///
/// Every mention is listed in [`Post::mentions`]; only those with a [`Mention::user`] are written as
/// `<at id="N">` in the HTML and belong in Graph's `mentions` array. Attachments that are PNG, JPEG or GIF
/// images (by extension and by their first bytes) become [`InlineImage`]s shown at the end of the post; any
/// other attachment is named in the post and reported as a loss. Previews are not read: they are thumbnails
/// of the attachments, which Teams draws itself, so leaving them out loses nothing.
pub fn render_post(
    message: &str,
    data: Option<&str>,
    attachments: &[AttachmentSource<'_>],
    users: &BTreeMap<i64, EntraUser>,
) -> Post {
    // A `data` that is not a JSON object (reported by the MessageML rules) has no entity to look up.
    let entities = data.and_then(|data| serde_json::from_str::<Value>(data).ok()).unwrap_or(Value::Null);
    let mut renderer = Renderer { users, entities: &entities, post: Post::default(), cut: false };
    match parse_document(message) {
        Ok(document) => renderer.document(&document),
        Err(_) => {
            renderer.open("p");
            renderer.text(message);
            renderer.close("p");
            renderer.loss("the message's markup", "written as plain text: it is not well-formed MessageML");
        }
    }
    renderer.attachments(attachments);
    renderer.post
}

/// One step of the walk over the tree.
enum Step {
    /// Render a node (and push its children).
    Enter(NodeId),
    /// Write a closing tag.
    Close(&'static str),
    /// Write text (the end of a flattened element, e.g. a button's closing bracket).
    Text(&'static str),
    /// Leave a form: its elements are written as text up to here.
    LeaveForm,
}

struct Renderer<'a> {
    users: &'a BTreeMap<i64, EntraUser>,
    entities: &'a Value,
    post: Post,
    /// Whether the output reached [`MAX_RENDERED_BYTES`].
    cut: bool,
}

impl Renderer<'_> {
    fn document(&mut self, document: &Document<'_>) {
        let mut stack = vec![Step::Enter(document.root)];
        let mut forms = 0_usize;
        while let Some(step) = stack.pop() {
            if self.post.html.len() > MAX_RENDERED_BYTES {
                if !self.cut {
                    self.cut = true;
                    self.loss("the rest of the message", "left out: the post is far over what Teams takes");
                }
                // Closing tags are still written, so the HTML stays balanced.
                if let Step::Close(tag) = step {
                    self.close(tag);
                }
                continue;
            }
            match step {
                Step::Close(tag) => self.close(tag),
                Step::Text(text) => self.text(text),
                Step::LeaveForm => forms -= 1,
                Step::Enter(node) => self.enter(document, node, &mut stack, &mut forms),
            }
        }
    }

    /// Renders `node`'s opening part and pushes what follows it (children, then its closing step).
    fn enter(&mut self, document: &Document<'_>, node: NodeId, stack: &mut Vec<Step>, forms: &mut usize) {
        match document.nodes[node].kind {
            NodeKind::Text | NodeKind::CData => {
                self.text(&document.text_value(node));
                return;
            }
            NodeKind::Comment | NodeKind::ProcessingInstruction => return,
            NodeKind::Element => {}
        }
        let name = document.name(node);
        let attribute = |name: &str| document.attribute(node, name).map(|value| value.into_owned());
        let push_children = |stack: &mut Vec<Step>| {
            let children: Vec<NodeId> = document.children(node).collect();
            stack.extend(children.into_iter().rev().map(Step::Enter));
        };
        // Inside a form every element is text: Teams import takes no forms (the form's own loss says so).
        if *forms > 0 {
            if name == "button" {
                self.text(" [");
                stack.push(Step::Text("] "));
            } else {
                self.form_element_text(name, &attribute);
            }
            push_children(stack);
            return;
        }
        let tag = match name {
            "p" | "b" | "i" | "u" | "s" | "strike" | "em" | "strong" | "code" | "pre" | "sub" | "sup" | "h1" | "h2"
            | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "li" | "table" | "thead" | "tbody" | "tfoot" | "tr" | "td"
            | "th" => Some(static_tag(name)),
            "br" | "hr" => {
                self.void(static_tag(name));
                None
            }
            "a" => match attribute("href").filter(|href| is_web_link(href)) {
                Some(href) => {
                    self.open_with("a", "href", &href);
                    Some("a")
                }
                None => None,
            },
            "img" => {
                let source = attribute("src").unwrap_or_default();
                if is_web_link(&source) {
                    self.open_with("a", "href", &source);
                    self.text(&source);
                    self.close("a");
                }
                let what =
                    if source.is_empty() { "image without a source".to_owned() } else { format!("image {source}") };
                self.loss(&what, "linked, not imported: Teams import takes inline images only");
                None
            }
            "card" | "expandable-card" => {
                // Flattened: the header, then the body, in a block of their own.
                Some("div")
            }
            "header" | "body" => Some("div"),
            "hash" => {
                self.text(&format!("#{}", attribute("tag").unwrap_or_default()));
                None
            }
            "cash" => {
                self.text(&format!("${}", attribute("tag").unwrap_or_default()));
                None
            }
            "mention" => {
                let uid = attribute("uid").and_then(|uid| uid.trim().parse::<i64>().ok());
                match uid {
                    Some(uid) => self.mention(uid, None),
                    None => {
                        let email = attribute("email").unwrap_or_default();
                        self.text(&format!("@{email}"));
                        self.loss(&format!("mention of {email}"), UNMAPPED_MENTION_FATE);
                    }
                }
                None
            }
            "emoji" => {
                let shortcode = attribute("shortcode").unwrap_or_default();
                match emoji_by_shortcode(&shortcode) {
                    Some(emoji) => self.text(emoji),
                    None => {
                        self.text(&format!(":{shortcode}:"));
                        self.loss(&format!("emoji :{shortcode}:"), "written as its name: no such standard emoji");
                    }
                }
                // An `<emoji>`'s content is the reference's fallback text, not shown beside the emoji.
                return;
            }
            "chime" => {
                self.loss("chime", "not imported: Teams has no chime");
                return;
            }
            "span" => {
                if let Some(entity) = attribute("data-entity-id").and_then(|id| self.entity(&id)) {
                    if let Some(uid) = mention_user_id(entity) {
                        let shown: String =
                            document.children(node).map(|child| document.text_value(child).into_owned()).collect();
                        self.mention(uid, Some(shown.trim()));
                        return;
                    }
                }
                None
            }
            "div" if attribute("class").is_some_and(|class| class.split_whitespace().any(|name| name == "entity")) => {
                let id = attribute("data-object-id").unwrap_or_default();
                let kind = self
                    .entity(&id)
                    .and_then(|entity| entity.get("type"))
                    .and_then(Value::as_str)
                    .unwrap_or("unknown type")
                    .to_owned();
                self.loss(
                    &format!("structured object {id} ({kind})"),
                    "not imported: Teams has no structured objects; its presentation text is written",
                );
                Some("div")
            }
            "div" if attribute("class").as_deref() == Some("card") => Some("div"),
            "div" => Some("div"),
            "form" => {
                let id = attribute("id").unwrap_or_default();
                self.loss(
                    &format!("form {id}"),
                    "not imported: Teams import takes no forms; its labels are written as text",
                );
                *forms += 1;
                stack.push(Step::LeaveForm);
                self.open("div");
                stack.push(Step::Close("div"));
                push_children(stack);
                return;
            }
            "tag" => {
                let shown = ["fullname", "ticker", "isin", "cusip", "sedol", "figi"]
                    .iter()
                    .find_map(|name| attribute(name).filter(|value| !value.trim().is_empty()));
                if let Some(shown) = shown {
                    self.text(&format!("${shown}"));
                }
                None
            }
            "dateTime" => {
                if let Some(value) = attribute("value") {
                    self.text(&value);
                }
                return;
            }
            // The root, spans without an entity, and anything else: only their content.
            _ => None,
        };
        if let Some(tag) = tag {
            // A link's opening tag, with its attribute, is already written.
            if tag != "a" {
                self.open(tag);
            }
            stack.push(Step::Close(tag));
        }
        push_children(stack);
    }

    /// The visible text of an element of a form: fields show their label or placeholder in brackets (a
    /// button's text, its content, is bracketed by the caller; a field's `name` is not shown, so not written).
    fn form_element_text(&mut self, name: &str, attribute: &dyn Fn(&str) -> Option<String>) {
        match name {
            "text-field" | "textarea" | "richtextarea" | "select" | "person-selector" | "room-selector"
            | "date-selector" | "date-picker" | "time-picker" | "timezone-picker" | "checkbox" | "radio" => {
                let shown = ["label", "title", "placeholder"]
                    .iter()
                    .find_map(|name| attribute(name).filter(|value| !value.trim().is_empty()));
                if let Some(shown) = shown {
                    self.text(&format!(" [{shown}] "));
                }
            }
            "br" | "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.void("br"),
            _ => {}
        }
    }

    /// The EntityJSON entity named `id`.
    fn entity(&self, id: &str) -> Option<&Value> {
        self.entities.get(id)
    }

    /// A mention of Symphony user `uid`, shown as `shown` (the user's Entra name when none).
    fn mention(&mut self, uid: i64, shown: Option<&str>) {
        let id = u32::try_from(self.post.mentions.len()).unwrap_or(u32::MAX);
        let user = self.users.get(&uid).cloned();
        let text = match (&user, shown.filter(|shown| !shown.is_empty())) {
            (Some(user), _) => user.display_name.clone(),
            (None, Some(shown)) => shown.to_owned(),
            (None, None) => format!("@user {uid}"),
        };
        match &user {
            Some(_) => {
                self.post.html.push_str(&format!("<at id=\"{id}\">"));
                self.text(&text);
                self.post.html.push_str("</at>");
            }
            None => {
                self.text(&text);
                self.loss(&format!("mention of user {uid}"), UNMAPPED_MENTION_FATE);
            }
        }
        self.post.mentions.push(Mention { id, text, symphony_user_id: uid, user });
    }

    /// Attachments: images inline, the others named.
    fn attachments(&mut self, attachments: &[AttachmentSource<'_>]) {
        for (index, attachment) in attachments.iter().enumerate() {
            match image_type(attachment) {
                Some(content_type) => {
                    let temporary_id = (self.post.inline_images.len() + 1).to_string();
                    self.post.html.push_str(&format!("<p><img src=\"../hostedContents/{temporary_id}/$value\"></p>"));
                    self.post.inline_images.push(InlineImage { attachment_index: index, temporary_id, content_type });
                }
                None => {
                    self.open("p");
                    self.text(&format!("Attachment not imported: {}", attachment.filename));
                    self.close("p");
                    self.loss(
                        &format!("attachment {}", attachment.filename),
                        "not imported: Teams import takes inline images only; its name is written in the post",
                    );
                }
            }
        }
    }

    fn loss(&mut self, what: &str, fate: &str) {
        self.post.losses.push(Loss { what: what.to_owned(), fate: fate.to_owned() });
    }

    fn open(&mut self, tag: &str) {
        self.post.html.push('<');
        self.post.html.push_str(tag);
        self.post.html.push('>');
    }

    fn open_with(&mut self, tag: &str, attribute: &str, value: &str) {
        self.post.html.push_str(&format!("<{tag} {attribute}=\""));
        self.text(value);
        self.post.html.push_str("\">");
    }

    fn void(&mut self, tag: &str) {
        self.open(tag);
    }

    fn close(&mut self, tag: &str) {
        self.post.html.push_str("</");
        self.post.html.push_str(tag);
        self.post.html.push('>');
    }

    /// Appends `text` with HTML's special characters escaped.
    fn text(&mut self, text: &str) {
        escape_into(&mut self.post.html, text);
    }
}

/// The `&'static str` of a tag name the caller matched against a literal.
fn static_tag(name: &str) -> &'static str {
    const TAGS: [&str; 30] = [
        "p", "b", "i", "u", "s", "strike", "em", "strong", "code", "pre", "sub", "sup", "h1", "h2", "h3", "h4", "h5",
        "h6", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "br", "hr",
    ];
    TAGS.iter().copied().find(|tag| *tag == name).unwrap_or("span")
}

/// The character of a Symphony emoji shortcode: a standard (gemoji) shortcode, written bare or between colons,
/// with an optional skin tone `_tone1` to `_tone5` (Symphony's emoji set, from EmojiOne), or a flag
/// `flag-XX` (gemoji names flags by country code alone).
fn emoji_by_shortcode(shortcode: &str) -> Option<&'static str> {
    let name = shortcode.strip_prefix(':').and_then(|name| name.strip_suffix(':')).unwrap_or(shortcode);
    if let Some(emoji) = emojis::get_by_shortcode(name) {
        return Some(emoji.as_str());
    }
    if let Some(country) = name.strip_prefix("flag-").or_else(|| name.strip_prefix("flag_")) {
        return emojis::get_by_shortcode(country).map(emojis::Emoji::as_str);
    }
    let (base, tone) = name.rsplit_once("_tone")?;
    let tone = match tone {
        "1" => emojis::SkinTone::Light,
        "2" => emojis::SkinTone::MediumLight,
        "3" => emojis::SkinTone::Medium,
        "4" => emojis::SkinTone::MediumDark,
        "5" => emojis::SkinTone::Dark,
        _ => return None,
    };
    emojis::get_by_shortcode(base)?.with_skin_tone(tone).map(emojis::Emoji::as_str)
}

/// Whether `href` is an absolute http or https link, the only links a post carries.
fn is_web_link(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The Symphony user an EntityJSON mention entity names.
fn mention_user_id(entity: &Value) -> Option<i64> {
    if entity.get("type").and_then(Value::as_str) != Some(MENTION_ENTITY_TYPE) {
        return None;
    }
    entity.get("id")?.as_array()?.iter().find_map(|id| {
        if id.get("type").and_then(Value::as_str) != Some(USER_ID_TYPE) {
            return None;
        }
        match id.get("value")? {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    })
}

/// The media type of an attachment that is a PNG, JPEG or GIF image by its file name's extension and by its
/// first bytes; `None` for anything else.
pub fn image_type(attachment: &AttachmentSource<'_>) -> Option<&'static str> {
    let extension = attachment.filename.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase())?;
    // 12 base64 characters are the first 9 bytes, enough for every signature below.
    let head = attachment.content_base64.get(..12.min(attachment.content_base64.len()))?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(head).ok()?;
    let (expected, signature): (&str, &[u8]) = match extension.as_str() {
        "png" => ("image/png", b"\x89PNG\r\n\x1a\n"),
        "jpg" | "jpeg" => ("image/jpeg", b"\xff\xd8\xff"),
        "gif" => ("image/gif", b"GIF8"),
        _ => return None,
    };
    bytes.starts_with(signature).then_some(expected)
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

#[cfg(test)]
mod tests;
