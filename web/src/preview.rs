//! A safe preview of a MessageML message (how it will read in Symphony) or of the HTML body of a Teams
//! `chatMessage` (how it will read in Teams), built as a small tree of known-safe nodes and rendered through
//! yew's virtual DOM.
//!
//! The message comes from an export, so it is hostile until proven otherwise. The preview is built in two steps
//! so that safety does not depend on rendering details:
//! 1. [`build_preview`] parses the MessageML with quick-xml (the parser the core uses) into [`PreviewNode`]s
//!    ([`build_teams_preview`] the Teams HTML, which the core writes well-formed, with the same parser).
//!    Only a whitelist of elements becomes markup, each mapped to a fixed HTML tag ([`SafeTag`]); every other
//!    element (`<script>`, `<style>`, `<iframe>`, `<img>`, forms, anything unknown) is shown as its own source
//!    text ([`PreviewNode::Markup`]), attributes and all, so the reader sees what is there and nothing runs.
//! 2. [`render_preview`] turns the tree into `Html`. No attribute of the message is ever copied, except the
//!    `colspan`/`rowspan` of table cells, re-written from the number they parse to; a link's target is shown
//!    as text beside it, and only an `http:`, `https:` or `mailto:` target becomes an `href` (opened in a new
//!    tab, without referrer). A `javascript:` or `data:` target is never an `href`.
//!
//! The two [`Dialect`]s differ only in their few elements of their own: MessageML's entities are drawn from
//! their attributes, a Teams `<at>` mention is shown highlighted with its name, and a Teams `<img>` is shown only
//! when it names one of the message's hosted contents, from the record's own bytes (see [`crate::attachments`]).
//!
//! Bounds: at most [`MAX_PREVIEW_BYTES`] of text are parsed, at most [`MAX_NODES`] nodes are built, and elements
//! deeper than [`MAX_DEPTH`] are shown as text without nesting, so rendering (which recurses) is bounded too.
//! Malformed markup is never an error: the preview says what went wrong and shows the text as written.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use yew::prelude::*;

/// Most bytes of a message that are previewed; the rest is left out, and said so.
pub const MAX_PREVIEW_BYTES: usize = 256 * 1024;
/// Most nodes built for one preview.
pub const MAX_NODES: usize = 10_000;
/// Deepest nesting of rendered elements; deeper elements are shown as their source text.
pub const MAX_DEPTH: usize = 24;

/// The HTML elements a preview may contain: the only tags [`render_preview`] ever writes for message content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafeTag {
    /// A block (`<messageML>`, `<div>`, a card and its parts).
    Block,
    /// A paragraph.
    Paragraph,
    /// A heading, shown as a bold paragraph so that a message cannot change the page's outline.
    Heading,
    /// Inline text with no meaning of its own (`<span>`).
    Inline,
    /// Bold.
    Bold,
    /// Italic.
    Italic,
    /// Underlined.
    Underline,
    /// Struck through.
    Strike,
    /// Inline code.
    Code,
    /// Preformatted text.
    Preformatted,
    /// A line break.
    LineBreak,
    /// A horizontal rule.
    Rule,
    /// A bulleted list.
    BulletList,
    /// A numbered list.
    NumberedList,
    /// A list item.
    ListItem,
    /// A table.
    Table,
    /// A table's head.
    TableHead,
    /// A table's body.
    TableBody,
    /// A table's foot.
    TableFoot,
    /// A table row.
    TableRow,
    /// A table cell.
    TableCell,
    /// A table header cell.
    TableHeaderCell,
    /// A Teams mention (`<at>`), shown highlighted.
    Mention,
}

impl SafeTag {
    /// The safe tag a MessageML or HTML element maps to, by its name (case-sensitive, as MessageML is, and as
    /// the core writes Teams HTML); `None` for every element that is not rendered.
    fn for_element(name: &str) -> Option<SafeTag> {
        Some(match name {
            "messageML" | "div" | "card" | "header" | "body" | "blockquote" => SafeTag::Block,
            "p" => SafeTag::Paragraph,
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => SafeTag::Heading,
            "span" => SafeTag::Inline,
            "b" | "strong" => SafeTag::Bold,
            "i" | "em" => SafeTag::Italic,
            "u" => SafeTag::Underline,
            "s" | "strike" | "del" => SafeTag::Strike,
            "code" => SafeTag::Code,
            "pre" => SafeTag::Preformatted,
            "br" => SafeTag::LineBreak,
            "hr" => SafeTag::Rule,
            "ul" => SafeTag::BulletList,
            "ol" => SafeTag::NumberedList,
            "li" => SafeTag::ListItem,
            "table" => SafeTag::Table,
            "thead" => SafeTag::TableHead,
            "tbody" => SafeTag::TableBody,
            "tfoot" => SafeTag::TableFoot,
            "tr" => SafeTag::TableRow,
            "td" => SafeTag::TableCell,
            "th" => SafeTag::TableHeaderCell,
            _ => return None,
        })
    }

    /// The HTML tag written for it.
    pub fn html_name(self) -> &'static str {
        match self {
            SafeTag::Block => "div",
            SafeTag::Paragraph | SafeTag::Heading => "p",
            SafeTag::Inline => "span",
            SafeTag::Bold => "strong",
            SafeTag::Italic => "em",
            SafeTag::Underline => "u",
            SafeTag::Strike => "s",
            SafeTag::Code => "code",
            SafeTag::Preformatted => "pre",
            SafeTag::LineBreak => "br",
            SafeTag::Rule => "hr",
            SafeTag::BulletList => "ul",
            SafeTag::NumberedList => "ol",
            SafeTag::ListItem => "li",
            SafeTag::Table => "table",
            SafeTag::TableHead => "thead",
            SafeTag::TableBody => "tbody",
            SafeTag::TableFoot => "tfoot",
            SafeTag::TableRow => "tr",
            SafeTag::TableCell => "td",
            SafeTag::TableHeaderCell => "th",
            SafeTag::Mention => "span",
        }
    }

    /// Whether the HTML element has no content (`<br>`, `<hr>`).
    fn is_void(self) -> bool {
        matches!(self, SafeTag::LineBreak | SafeTag::Rule)
    }
}

/// A node of the preview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewNode {
    /// A whitelisted element.
    Element {
        /// What it is rendered as.
        tag: SafeTag,
        /// `colspan` and `rowspan` of a table cell, when they are numbers from 1 to 1,000.
        spans: CellSpans,
        /// Its content.
        children: Vec<PreviewNode>,
    },
    /// Text, shown as text.
    Text(String),
    /// A link (`<a href>`): its content, and its target shown as text.
    Link {
        /// The `href` as written (entities decoded).
        target: String,
        /// Whether the target may be opened: an `http:`, `https:` or `mailto:` URL.
        navigable: bool,
        /// Its content.
        children: Vec<PreviewNode>,
    },
    /// A Symphony entity drawn as text: a mention, a hashtag, a cashtag, an emoji.
    Entity(String),
    /// Markup that is not rendered, shown as its source (`<script>`, `<img src="x" onerror="…">`, `</script>`).
    Markup(String),
    /// A Teams inline image: one of the message's hosted contents.
    Image {
        /// A `data:` URL of the record's own image bytes ([`crate::attachments::image_data_url`]); `None` when
        /// they are not a recognised image small enough to show.
        data_url: Option<String>,
        /// What the image is, in words (its file name).
        description: String,
    },
}

/// One of a Teams message's hosted contents, as a preview may show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostedImage {
    /// The `@microsoft.graph.temporaryId` the body's `<img src="../hostedContents/{id}/$value">` names.
    pub temporary_id: String,
    /// A `data:` URL of the image, when its bytes are a recognised image small enough to show.
    pub data_url: Option<String>,
    /// What the image is, in words (its file name).
    pub description: String,
}

/// The markup a preview reads.
#[derive(Clone, Copy, Debug)]
pub enum Dialect<'a> {
    /// Symphony's MessageML: its entities (`<mention>`, `<hash>`, `<cash>`, `<emoji>`) drawn from their
    /// attributes, their content left out.
    MessageMl,
    /// The HTML body of a Teams `chatMessage`: `<at>` shown highlighted with its content, `<img>` shown when it
    /// names one of `images`.
    TeamsHtml {
        /// The message's hosted contents.
        images: &'a [HostedImage],
    },
}

/// `colspan` and `rowspan` of a table cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellSpans {
    /// Columns spanned, when given as a number from 1 to 1,000.
    pub columns: Option<u16>,
    /// Rows spanned, likewise.
    pub rows: Option<u16>,
}

/// A preview: its nodes, and what kept it from being complete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preview {
    /// The message's content.
    pub nodes: Vec<PreviewNode>,
    /// Why the preview is partial or shows the text as written (malformed markup, too large), for the reader.
    pub problem: Option<String>,
}

/// How an element still open while parsing is closed.
enum Closing {
    /// A rendered element or link: the innermost of [`Builder::rendered`], added to its parent.
    Rendered,
    /// An element shown as source text: its closing tag is shown too; its content went to the parent.
    ShownAsText(String),
    /// An entity's fallback content, left out (the entity is drawn from its attributes).
    Hidden,
}

/// Collects nodes into the innermost rendered element.
struct Builder {
    roots: Vec<PreviewNode>,
    /// Rendered elements still open, outermost first.
    rendered: Vec<PreviewNode>,
    /// Every element still open, outermost first.
    open: Vec<Closing>,
    /// How many of `open` are [`Closing::Hidden`]: while any is, content is dropped.
    hidden: usize,
    nodes_built: usize,
}

impl Builder {
    fn push(&mut self, node: PreviewNode) {
        if self.hidden > 0 {
            return;
        }
        self.nodes_built += 1;
        let children = match self.rendered.last_mut() {
            Some(PreviewNode::Element { children, .. } | PreviewNode::Link { children, .. }) => children,
            _ => &mut self.roots,
        };
        // Adjacent texts are one node, so a text split by entity references stays one text.
        if let (PreviewNode::Text(added), Some(PreviewNode::Text(last))) = (&node, children.last_mut()) {
            last.push_str(added);
            return;
        }
        children.push(node);
    }

    fn open_rendered(&mut self, node: PreviewNode) {
        self.rendered.push(node);
        self.open.push(Closing::Rendered);
    }

    fn open_hidden(&mut self) {
        self.hidden += 1;
        self.open.push(Closing::Hidden);
    }

    /// Closes the innermost open element (quick-xml has checked that the names match).
    fn close(&mut self) {
        match self.open.pop() {
            Some(Closing::Rendered) => {
                if let Some(node) = self.rendered.pop() {
                    self.push(node);
                }
            }
            Some(Closing::ShownAsText(name)) => self.push(PreviewNode::Markup(format!("</{name}>"))),
            Some(Closing::Hidden) => self.hidden -= 1,
            None => {}
        }
    }

    /// Closes whatever is still open (a preview cut short), and returns the nodes.
    fn finish(mut self) -> Vec<PreviewNode> {
        while !self.open.is_empty() {
            self.close();
        }
        self.roots
    }
}

/// Builds the preview of a message's text: MessageML when it starts with `<`, otherwise plain text.
pub fn build_preview(message: &str) -> Preview {
    if !message.trim_start().starts_with('<') {
        let text = &message[..floor_char_boundary(message, MAX_PREVIEW_BYTES)];
        let problem = (text.len() < message.len()).then(cut_problem);
        return Preview { nodes: vec![PreviewNode::Text(text.to_owned())], problem };
    }
    build_markup_preview(message, Dialect::MessageMl)
}

/// Builds the preview of the HTML body of a Teams `chatMessage` whose hosted contents are `images`.
pub fn build_teams_preview(html: &str, images: &[HostedImage]) -> Preview {
    build_markup_preview(html, Dialect::TeamsHtml { images })
}

/// Why a preview shows only the start of a message.
fn cut_problem() -> String {
    format!("Only the first {} of the message are previewed.", ferry_core::humanize::size(MAX_PREVIEW_BYTES as u64))
}

/// HTML's void elements: they have no content and no end tag.
const HTML_VOID_ELEMENTS: [&[u8]; 13] =
    [b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"source", b"track", b"wbr"];

/// Builds the preview of markup in `dialect`.
fn build_markup_preview(message: &str, dialect: Dialect<'_>) -> Preview {
    let text = &message[..floor_char_boundary(message, MAX_PREVIEW_BYTES)];
    let cut = text.len() < message.len();
    let mut builder = Builder { roots: Vec::new(), rendered: Vec::new(), open: Vec::new(), hidden: 0, nodes_built: 0 };
    let mut reader = Reader::from_str(text);
    let html = matches!(dialect, Dialect::TeamsHtml { .. });
    // HTML writes its void elements without an end tag (`<br>`, `<img ...>`), which XML's check of end names
    // refuses; there they are taken as empty elements and the end tags close the innermost element.
    reader.config_mut().check_end_names = !html;
    let is_void = |name: &[u8]| html && HTML_VOID_ELEMENTS.contains(&name);
    let mut problem = cut.then(cut_problem);
    loop {
        if builder.nodes_built >= MAX_NODES {
            problem = Some(format!("The preview stops after {MAX_NODES} elements and texts."));
            break;
        }
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                // The markup is not well-formed: the whole text is shown as written, and why.
                let position = reader.error_position();
                return Preview {
                    nodes: vec![PreviewNode::Markup(text.to_owned())],
                    problem: Some(format!(
                        "The markup is not well-formed near byte {position} ({error}), so it is shown as written."
                    )),
                };
            }
        };
        match event {
            Event::Start(start) => open_element(&mut builder, &start, is_void(start.name().as_ref()), dialect),
            Event::Empty(start) => open_element(&mut builder, &start, true, dialect),
            Event::End(end) => {
                if !is_void(end.name().as_ref()) {
                    builder.close();
                }
            }
            Event::Text(text) => builder.push(PreviewNode::Text(text.decode().unwrap_or_default().into_owned())),
            Event::CData(data) => builder.push(PreviewNode::Text(data.decode().unwrap_or_default().into_owned())),
            Event::GeneralRef(reference) => {
                let name = reference.decode().unwrap_or_default();
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(character)) => Cow::Owned(character.to_string()),
                    _ => match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(replacement) => Cow::Borrowed(replacement),
                        // An unknown reference is shown as written.
                        None => Cow::Owned(format!("&{name};")),
                    },
                };
                builder.push(PreviewNode::Text(resolved.into_owned()));
            }
            Event::DocType(doctype) => {
                builder.push(PreviewNode::Markup(format!("<!DOCTYPE {}>", doctype.decode().unwrap_or_default())));
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    Preview { nodes: builder.finish(), problem }
}

/// The largest character boundary at or before `index` (`str::floor_char_boundary` needs Rust 1.91; the
/// workspace supports 1.87).
pub(crate) fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// The decoded value of attribute `name`, if present and readable.
fn attribute(start: &BytesStart<'_>, name: &str) -> Option<String> {
    start.try_get_attribute(name).ok().flatten().and_then(|value| value.unescape_value().ok()).map(Cow::into_owned)
}

/// An element's start tag as its source, shown for elements that are not rendered.
fn source_of_start(start: &BytesStart<'_>, is_empty: bool) -> String {
    let raw = String::from_utf8_lossy(start);
    if is_empty {
        format!("<{raw}/>")
    } else {
        format!("<{raw}>")
    }
}

/// A table cell's span, when it is a number from 1 to 1,000.
fn cell_span(start: &BytesStart<'_>, name: &str) -> Option<u16> {
    attribute(start, name)?.trim().parse::<u16>().ok().filter(|span| (1..=1_000).contains(span))
}

/// The hosted content an `<img src>` of a Teams body names (`../hostedContents/{temporaryId}/$value`).
fn hosted_image<'a>(images: &'a [HostedImage], source: &str) -> Option<&'a HostedImage> {
    let temporary_id = source.strip_prefix("../hostedContents/")?.strip_suffix("/$value")?;
    images.iter().find(|image| image.temporary_id == temporary_id)
}

fn open_element(builder: &mut Builder, start: &BytesStart<'_>, is_empty: bool, dialect: Dialect<'_>) {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let shown_as_text = |builder: &mut Builder| {
        builder.push(PreviewNode::Markup(source_of_start(start, is_empty)));
        if !is_empty {
            builder.open.push(Closing::ShownAsText(name.clone()));
        }
    };
    if builder.rendered.len() >= MAX_DEPTH {
        return shown_as_text(builder);
    }
    if let Dialect::TeamsHtml { images } = dialect {
        match name.as_str() {
            "at" => {
                builder.open_rendered(PreviewNode::Element {
                    tag: SafeTag::Mention,
                    spans: CellSpans::default(),
                    children: Vec::new(),
                });
                if is_empty {
                    builder.close();
                }
                return;
            }
            "img" => {
                if let Some(image) = attribute(start, "src").and_then(|source| hosted_image(images, &source)) {
                    builder.push(PreviewNode::Image {
                        data_url: image.data_url.clone(),
                        description: image.description.clone(),
                    });
                    if !is_empty {
                        builder.open_hidden();
                    }
                    return;
                }
            }
            _ => {}
        }
    }
    let entity = match (dialect, name.as_str()) {
        (Dialect::TeamsHtml { .. }, _) => None,
        (Dialect::MessageMl, "mention") => {
            Some(format!("@{}", attribute(start, "uid").or_else(|| attribute(start, "email")).unwrap_or_default()))
        }
        (Dialect::MessageMl, "hash") => Some(format!("#{}", attribute(start, "tag").unwrap_or_default())),
        (Dialect::MessageMl, "cash") => Some(format!("${}", attribute(start, "tag").unwrap_or_default())),
        (Dialect::MessageMl, "emoji") => Some(format!(":{}:", attribute(start, "shortcode").unwrap_or_default())),
        (Dialect::MessageMl, _) => None,
    };
    if let Some(entity) = entity {
        builder.push(PreviewNode::Entity(entity));
        if !is_empty {
            // Whatever the entity holds is its fallback text; it is not shown twice.
            builder.open_hidden();
        }
        return;
    }
    let node = if name == "a" {
        let target = attribute(start, "href").unwrap_or_default();
        let navigable = is_navigable(&target);
        PreviewNode::Link { target, navigable, children: Vec::new() }
    } else if let Some(tag) = SafeTag::for_element(&name) {
        let spans = if matches!(tag, SafeTag::TableCell | SafeTag::TableHeaderCell) {
            CellSpans { columns: cell_span(start, "colspan"), rows: cell_span(start, "rowspan") }
        } else {
            CellSpans::default()
        };
        PreviewNode::Element { tag, spans, children: Vec::new() }
    } else {
        return shown_as_text(builder);
    };
    builder.open_rendered(node);
    if is_empty {
        builder.close();
    }
}

/// Whether a link target may become an `href`: its scheme, read as a browser reads it, is `http`, `https` or
/// `mailto`.
///
/// Browsers drop leading and trailing spaces and control characters, and tabs and line breaks anywhere, before
/// reading a URL's scheme (`java\tscript:` is `javascript:`); every ASCII space and control character is
/// dropped here before the comparison, which removes at least as much, so nothing a browser would run passes.
pub fn is_navigable(target: &str) -> bool {
    let compact: String = target
        .chars()
        .filter(|character| !character.is_ascii_whitespace() && !character.is_ascii_control())
        .take(8)
        .collect();
    let compact = compact.to_ascii_lowercase();
    ["http://", "https://", "mailto:"].iter().any(|scheme| compact.starts_with(scheme))
}

/// Renders a preview's nodes.
pub fn render_preview(nodes: &[PreviewNode]) -> Html {
    nodes.iter().map(render_node).collect::<Html>()
}

fn render_node(node: &PreviewNode) -> Html {
    match node {
        PreviewNode::Text(text) => html! { { text.clone() } },
        PreviewNode::Entity(text) => html! { <span class="preview-entity">{ text.clone() }</span> },
        PreviewNode::Markup(source) => {
            html! { <code class="preview-markup" title="Not rendered">{ source.clone() }</code> }
        }
        PreviewNode::Image { data_url: Some(data_url), description } => {
            html! { <img class="preview-image" src={data_url.clone()} alt={description.clone()} /> }
        }
        PreviewNode::Image { data_url: None, description } => {
            html! { <span class="preview-image-missing">{ format!("[image: {description}]") }</span> }
        }
        PreviewNode::Link { target, navigable, children } => {
            let shown_target = html! { <span class="preview-link-target">{ format!(" ({target})") }</span> };
            if *navigable {
                html! {
                    <>
                        <a class="preview-link" href={target.clone()} target="_blank" rel="noopener noreferrer nofollow">
                            { render_preview(children) }
                        </a>
                        { shown_target }
                    </>
                }
            } else {
                html! {
                    <>
                        <span class="preview-link preview-link-inert" title="This link target is not opened">
                            { render_preview(children) }
                        </span>
                        { shown_target }
                    </>
                }
            }
        }
        PreviewNode::Element { tag, spans, children } => {
            let class = match tag {
                SafeTag::Heading => Some("preview-heading"),
                SafeTag::Mention => Some("preview-mention"),
                _ => None,
            };
            let colspan = spans.columns.map(|span| span.to_string());
            let rowspan = spans.rows.map(|span| span.to_string());
            if tag.is_void() {
                html! { <@{tag.html_name()} /> }
            } else {
                html! {
                    <@{tag.html_name()} class={class} colspan={colspan} rowspan={rowspan}>
                        { render_preview(children) }
                    </@>
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::inert::{assert_inert, tags};
    use super::*;

    fn text(value: &str) -> PreviewNode {
        PreviewNode::Text(value.to_owned())
    }

    fn markup(value: &str) -> PreviewNode {
        PreviewNode::Markup(value.to_owned())
    }

    fn element(tag: SafeTag, children: Vec<PreviewNode>) -> PreviewNode {
        PreviewNode::Element { tag, spans: CellSpans::default(), children }
    }

    #[test]
    fn elements_map_to_safe_nodes() {
        let table: Vec<(&str, Vec<PreviewNode>)> = vec![
            ("hello <world>", vec![text("hello <world>")]),
            ("<messageML>a &amp; b&#33;</messageML>", vec![element(SafeTag::Block, vec![text("a & b!")])]),
            (
                "<messageML><b>x</b><br/><i>y</i></messageML>",
                vec![element(
                    SafeTag::Block,
                    vec![
                        element(SafeTag::Bold, vec![text("x")]),
                        element(SafeTag::LineBreak, vec![]),
                        element(SafeTag::Italic, vec![text("y")]),
                    ],
                )],
            ),
            (
                "<messageML><script>window.pwned = 1</script></messageML>",
                vec![element(SafeTag::Block, vec![markup("<script>"), text("window.pwned = 1"), markup("</script>")])],
            ),
            (
                r#"<messageML><img src="x" onerror="window.pwned = 1"/></messageML>"#,
                vec![element(SafeTag::Block, vec![markup(r#"<img src="x" onerror="window.pwned = 1"/>"#)])],
            ),
            (
                r#"<messageML><a href="javascript:window.pwned=1">go</a></messageML>"#,
                vec![element(
                    SafeTag::Block,
                    vec![PreviewNode::Link {
                        target: "javascript:window.pwned=1".to_owned(),
                        navigable: false,
                        children: vec![text("go")],
                    }],
                )],
            ),
            (
                r#"<messageML><a href="https://example.com/?a=1&amp;b=2">site</a></messageML>"#,
                vec![element(
                    SafeTag::Block,
                    vec![PreviewNode::Link {
                        target: "https://example.com/?a=1&b=2".to_owned(),
                        navigable: true,
                        children: vec![text("site")],
                    }],
                )],
            ),
            (
                r#"<messageML><mention uid="123"/> <hash tag="ferry"/> <cash tag="AAPL"/> <emoji shortcode="smile"><b>fallback</b></emoji></messageML>"#,
                vec![element(
                    SafeTag::Block,
                    vec![
                        PreviewNode::Entity("@123".to_owned()),
                        text(" "),
                        PreviewNode::Entity("#ferry".to_owned()),
                        text(" "),
                        PreviewNode::Entity("$AAPL".to_owned()),
                        text(" "),
                        PreviewNode::Entity(":smile:".to_owned()),
                    ],
                )],
            ),
            (
                r#"<messageML><table><tr><td colspan="2" rowspan="0" style="x">c</td></tr></table></messageML>"#,
                vec![element(
                    SafeTag::Block,
                    vec![element(
                        SafeTag::Table,
                        vec![element(
                            SafeTag::TableRow,
                            vec![PreviewNode::Element {
                                tag: SafeTag::TableCell,
                                spans: CellSpans { columns: Some(2), rows: None },
                                children: vec![text("c")],
                            }],
                        )],
                    )],
                )],
            ),
        ];
        for (message, expected) in table {
            let preview = build_preview(message);
            assert_eq!(preview.problem, None, "{message}");
            assert_eq!(preview.nodes, expected, "{message}");
        }
    }

    #[test]
    fn teams_html_shows_mentions_and_hosted_images_only() {
        let images = [
            HostedImage {
                temporary_id: "1".to_owned(),
                data_url: Some("data:image/png;base64,iVBORw0KGgo=".to_owned()),
                description: "pixel.png".to_owned(),
            },
            HostedImage { temporary_id: "2".to_owned(), data_url: None, description: "page.html".to_owned() },
        ];
        let image = |index: usize| PreviewNode::Image {
            data_url: images[index].data_url.clone(),
            description: images[index].description.clone(),
        };
        let table: Vec<(&str, Vec<PreviewNode>)> = vec![
            (
                r#"<p>Hi <at id="0">Ada Lovelace</at></p>"#,
                vec![element(
                    SafeTag::Paragraph,
                    vec![text("Hi "), element(SafeTag::Mention, vec![text("Ada Lovelace")])],
                )],
            ),
            ("a &amp; b", vec![text("a & b")]),
            (r#"<img src="../hostedContents/1/$value" alt="x"/>"#, vec![image(0)]),
            (r#"<img src="../hostedContents/2/$value"></img>"#, vec![image(1)]),
            // An image that is not one of the message's own is shown as its source.
            (r#"<img src="https://example.com/x.png"/>"#, vec![markup(r#"<img src="https://example.com/x.png"/>"#)]),
            (r#"<img src="../hostedContents/9/$value"/>"#, vec![markup(r#"<img src="../hostedContents/9/$value"/>"#)]),
            // HTML's void elements, as the core writes them.
            (
                r#"<p>a<br>b<img src="../hostedContents/1/$value"></p><hr>"#,
                vec![
                    element(
                        SafeTag::Paragraph,
                        vec![text("a"), element(SafeTag::LineBreak, vec![]), text("b"), image(0)],
                    ),
                    element(SafeTag::Rule, vec![]),
                ],
            ),
            // MessageML's entities mean nothing in Teams HTML.
            (r#"<mention uid="1"/>"#, vec![markup(r#"<mention uid="1"/>"#)]),
        ];
        for (html, expected) in table {
            let preview = build_teams_preview(html, &images);
            assert_eq!(preview.problem, None, "{html}");
            assert_eq!(preview.nodes, expected, "{html}");
        }
        // The MessageML dialect knows nothing of `<at>`.
        assert_eq!(build_preview("<at>x</at>").nodes, vec![markup("<at>"), text("x"), markup("</at>")]);
    }

    #[test]
    fn hostile_teams_html_renders_inert() {
        let images = [HostedImage {
            temporary_id: "1".to_owned(),
            data_url: Some("data:image/png;base64,iVBORw0KGgo=".to_owned()),
            description: "\"><script>window.pwned=1</script>".to_owned(),
        }];
        let hostile = [
            "<p><script>window.pwned = 1</script></p>",
            r#"<at id="0" onclick="window.pwned = 1">x</at>"#,
            r#"<img src="../hostedContents/1/$value" onerror="window.pwned = 1"/>"#,
            r#"<img src="javascript:window.pwned = 1" onerror="x"/>"#,
            r#"<a href="javascript:window.pwned = 1">go</a>"#,
            r#"<iframe src="x"></iframe><svg onload="x"/>"#,
        ];
        for html in hostile {
            let preview = build_teams_preview(html, &images);
            let rendered = render_nodes_to_string(preview.nodes);
            assert_inert(&rendered);
        }
        let rendered = render_nodes_to_string(build_teams_preview(r#"<p>Hi <at id="0">Ada</at></p>"#, &[]).nodes);
        assert_eq!(rendered, r#"<p>Hi <span class="preview-mention">Ada</span></p>"#);
    }

    #[test]
    fn malformed_and_oversized_messages_are_shown_as_written() {
        let malformed = "<messageML><b>x</i></messageML>";
        let preview = build_preview(malformed);
        assert_eq!(preview.nodes, vec![markup(malformed)]);
        assert!(preview.problem.as_deref().is_some_and(|problem| problem.contains("not well-formed")), "{preview:?}");

        let deep = format!("<messageML>{}x{}</messageML>", "<span>".repeat(100), "</span>".repeat(100));
        let preview = build_preview(&deep);
        assert_eq!(preview.problem, None);
        assert!(nesting(&preview.nodes) <= MAX_DEPTH, "{}", nesting(&preview.nodes));

        let wide = format!("<messageML>{}</messageML>", "<b>x</b>".repeat(MAX_NODES));
        let preview = build_preview(&wide);
        assert!(preview.problem.as_deref().is_some_and(|problem| problem.contains("stops after")));

        let long = "é".repeat(MAX_PREVIEW_BYTES);
        let preview = build_preview(&long);
        assert!(preview.problem.as_deref().is_some_and(|problem| problem.contains("Only the first")));
    }

    #[test]
    fn only_web_and_mail_links_are_navigable() {
        let table = [
            ("https://example.com", true),
            ("HTTP://example.com", true),
            ("  mailto:a@example.com", true),
            ("javascript:alert(1)", false),
            ("java\tscript:alert(1)", false),
            (" \u{1}javascript:alert(1)", false),
            ("JaVaScRiPt:alert(1)", false),
            ("data:text/html,<script>alert(1)</script>", false),
            ("vbscript:x", false),
            ("//example.com", false),
            ("", false),
            // A browser drops the line break too, and reads an https link.
            ("https\n://x", true),
        ];
        for (target, expected) in table {
            assert_eq!(is_navigable(target), expected, "{target:?}");
        }
    }

    fn nesting(nodes: &[PreviewNode]) -> usize {
        nodes
            .iter()
            .map(|node| match node {
                PreviewNode::Element { children, .. } | PreviewNode::Link { children, .. } => 1 + nesting(children),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn the_inertness_check_catches_live_markup() {
        let live = [
            "<script>x</script>",
            r#"<img src="x" onerror="y">"#,
            r#"<a href="javascript:x">go</a>"#,
            r#"<b onclick="x">b</b>"#,
            r#"<a href="data:text/html,x">go</a>"#,
        ];
        for html in live {
            assert!(std::panic::catch_unwind(|| assert_inert(html)).is_err(), "{html} passed");
        }
    }

    /// Renders a MessageML message's preview to HTML text with yew's server renderer, as the browser's DOM will
    /// hold it.
    pub(crate) fn render_to_string(message: &'static str) -> String {
        render_nodes_to_string(build_preview(message).nodes)
    }

    /// Renders nodes to HTML text with yew's server renderer.
    pub(crate) fn render_nodes_to_string(nodes: Vec<PreviewNode>) -> String {
        #[derive(Properties, PartialEq)]
        struct Props {
            nodes: Vec<PreviewNode>,
        }
        #[function_component]
        fn Rendered(props: &Props) -> Html {
            render_preview(&props.nodes)
        }
        futures::executor::block_on(
            yew::ServerRenderer::<Rendered>::with_props(move || Props { nodes }).hydratable(false).render(),
        )
    }

    #[test]
    fn hostile_markup_renders_inert() {
        let hostile = [
            "<messageML><script>window.pwned = 1</script></messageML>",
            r#"<messageML><img src="x" onerror="window.pwned = 1"/></messageML>"#,
            r#"<messageML><b onclick="window.pwned = 1" onmouseover="x">bold</b></messageML>"#,
            r#"<messageML><a href="javascript:window.pwned = 1" onclick="x">go</a></messageML>"#,
            r#"<messageML><a href=" JAVA&#9;SCRIPT:window.pwned = 1">go</a></messageML>"#,
            r#"<messageML><a href="data:text/html;base64,PHNjcmlwdD4=">go</a></messageML>"#,
            r#"<messageML><iframe src="javascript:x"></iframe><svg onload="x"/><style>*{}</style></messageML>"#,
            r#"<messageML><div style="background:url(javascript:x)" class="x" id="y">z</div></messageML>"#,
            r#"<messageML><![CDATA[<script>window.pwned = 1</script>]]></messageML>"#,
            "<messageML>&lt;script&gt;window.pwned = 1&lt;/script&gt;</messageML>",
            "<script>window.pwned = 1</script>",
            r#"<img src=x onerror=window.pwned=1>"#,
            "plain <script>window.pwned = 1</script>",
        ];
        for message in hostile {
            let html = render_to_string(message);
            assert_inert(&html);
            // No attribute of the message is copied.
            assert!(
                tags(&html).all(|tag| !tag.contains(" style=") && !tag.contains(" id=") && !tag.contains(" src=")),
                "{html}"
            );
        }
        // The hostile text is visible, as text.
        assert_eq!(
            render_to_string(hostile[1]),
            r#"<div><code title="Not rendered" class="preview-markup">&lt;img src="x" onerror="window.pwned = 1"/&gt;</code></div>"#
        );
        // A safe link keeps a new-tab, no-referrer href, and shows its target.
        let link = render_to_string(r#"<messageML><a href="https://example.com">site</a></messageML>"#);
        assert!(
            link.contains(r#"href="https://example.com""#)
                && link.contains("noopener")
                && link.contains("(https://example.com)"),
            "{link}"
        );
    }
}

/// Checks of rendered HTML text (yew's server renderer escapes `<` in text, so every `<` starts a tag).
#[cfg(test)]
pub(crate) mod inert {
    /// The tags of an HTML text, without their `<` and `>`, lowercased.
    pub(crate) fn tags(html: &str) -> impl Iterator<Item = String> + '_ {
        html.split('<').skip(1).map(|rest| rest.split('>').next().unwrap_or_default().to_ascii_lowercase())
    }

    /// Fails unless the HTML has no element that runs code, no `on…` attribute and no `href` or `src` that is not
    /// a web, mail or image-data URL.
    pub(crate) fn assert_inert(html: &str) {
        for tag in tags(html) {
            let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default().to_owned();
            assert!(
                !["script", "style", "iframe", "object", "embed", "svg", "math", "form", "base", "meta", "link"]
                    .contains(&name.as_str()),
                "<{tag}> in {html}"
            );
            assert!(!tag.split_whitespace().skip(1).any(|attribute| attribute.starts_with("on")), "<{tag}> in {html}");
            for attribute in ["href=\"", "src=\""] {
                if let Some(position) = tag.find(attribute) {
                    let value = &tag[position + attribute.len()..];
                    assert!(
                        [
                            "http://",
                            "https://",
                            "mailto:",
                            "data:image/png",
                            "data:image/jpeg",
                            "data:image/gif",
                            "data:image/webp"
                        ]
                        .iter()
                        .any(|allowed| value.starts_with(allowed)),
                        "<{tag}> in {html}"
                    );
                }
            }
        }
    }
}
