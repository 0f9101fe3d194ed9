//! Well-formedness check and tree building on quick-xml, with the XML parser's (Xerces') wording.
//!
//! The Agent parses MessageML with the JDK's DOM parser (Xerces, not namespace-aware, DOCTYPE disallowed, no
//! DTD). This module reads the same text with quick-xml, refuses what Xerces refuses (first fatal error wins,
//! like Xerces) and builds a small arena tree whose nodes point back into the text by byte offsets.
//!
//! Invariants:
//! - Every span is a 0-based half-open byte range inside the text given to [`parse_document`].
//! - Nesting depth is bounded by [`MAX_DEPTH`]; the tree has no recursion limit beyond that.
//! - Text and attribute values are not copied: they are decoded on demand ([`Document::attribute_value`],
//!   [`Document::text_value`]) and only when they contain a reference.
//! - The work is linear in the length of the text (each byte is looked at a bounded number of times).

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::Event;
use quick_xml::Reader;

/// Deepest element nesting accepted; deeper documents are refused rather than walked. The reference builds its
/// tree recursively and fails with a stack overflow past a depth that depends on its thread's stack: on a 1 MB
/// stack about 2,000 nested elements pass and 2,500 fail (spec §13). Every walk of ours over the tree keeps its
/// own stack, so this bound is the reference's, not the limit of ours.
pub const MAX_DEPTH: usize = 2000;

/// Index of a node in [`Document::nodes`].
pub type NodeId = usize;

/// Marks "no node" in the links of [`Node`].
pub const NO_NODE: NodeId = usize::MAX;

/// What a node is, in DOM terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// An element (`<p>…</p>` or `<br/>`).
    Element,
    /// A run of character data and references, merged like the DOM's `normalize()` does.
    Text,
    /// `<!-- … -->`.
    Comment,
    /// `<![CDATA[ … ]]>`.
    CData,
    /// `<?target …?>`.
    ProcessingInstruction,
}

/// One node of the tree.
#[derive(Clone, Debug)]
pub struct Node {
    /// What the node is.
    pub kind: NodeKind,
    /// The whole node: from `<` of the start tag to `>` of the end tag, or the text run.
    pub span: Range<usize>,
    /// The tag name (elements) or the target (processing instructions); empty otherwise.
    pub name: Range<usize>,
    /// The start tag, `<` to `>` (elements only).
    pub start_tag: Range<usize>,
    /// Indices into [`Document::attributes`], sorted by attribute name (the order the reference reports in).
    pub attributes: Range<usize>,
    /// First child, or [`NO_NODE`].
    pub first_child: NodeId,
    /// Next sibling, or [`NO_NODE`].
    pub next_sibling: NodeId,
}

/// One attribute of an element.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The attribute's name.
    pub name: Range<usize>,
    /// The raw value between the quotes (references not yet decoded).
    pub value: Range<usize>,
    /// `name="value"` as written.
    pub span: Range<usize>,
    /// Whether the raw value contains `&` or characters that attribute normalisation replaces.
    pub needs_decoding: bool,
}

/// The parsed message.
#[derive(Debug)]
pub struct Document<'t> {
    /// The text the offsets refer to.
    pub text: &'t str,
    /// Every node, in document order (parents before children).
    pub nodes: Vec<Node>,
    /// Every attribute, grouped per element.
    pub attributes: Vec<Attribute>,
    /// The document element.
    pub root: NodeId,
    /// The parser's stack of open elements, empty after a parse; kept only to be reused ([`Document::into_buffers`]).
    open: Vec<(NodeId, NodeId)>,
}

/// A fatal well-formedness error: the XML parser's message and where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlFault {
    /// What went wrong.
    pub kind: XmlFaultKind,
    /// Xerces' wording (without the `Invalid messageML: ` prefix).
    pub message: String,
    /// Where, in bytes.
    pub span: Range<usize>,
}

/// Which kind of fatal error the document has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XmlFaultKind {
    /// There is character data but no root element: the message is plain text.
    NoRootElement,
    /// A document type declaration, refused by the Agent's parser.
    Doctype,
    /// The nesting is deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Any other well-formedness error.
    Malformed,
}

impl<'t> Document<'t> {
    /// The text of a range.
    pub fn slice(&self, range: &Range<usize>) -> &'t str {
        self.text.get(range.clone()).unwrap_or("")
    }

    /// An element's tag name.
    pub fn name(&self, node: NodeId) -> &'t str {
        self.slice(&self.nodes[node].name)
    }

    /// Whether an element's tag name is `name` (compared as bytes, the length first: cheaper than [`Self::name`]).
    pub fn is_named(&self, node: NodeId, name: &str) -> bool {
        self.spells(&self.nodes[node].name, name)
    }

    /// Whether the text of `range` is `name`, compared as bytes, the length first.
    fn spells(&self, range: &Range<usize>, name: &str) -> bool {
        range.len() == name.len() && self.text.as_bytes().get(range.clone()) == Some(name.as_bytes())
    }

    /// The attributes of an element, sorted by name.
    pub fn attributes_of(&self, node: NodeId) -> &[Attribute] {
        &self.attributes[self.nodes[node].attributes.clone()]
    }

    /// An attribute's name.
    pub fn attribute_name(&self, attribute: &Attribute) -> &'t str {
        self.slice(&attribute.name)
    }

    /// Whether an attribute's name is `name` (compared as bytes, the length first).
    pub fn attribute_is(&self, attribute: &Attribute, name: &str) -> bool {
        self.spells(&attribute.name, name)
    }

    /// An attribute's value with references decoded and whitespace normalised, as the DOM returns it.
    pub fn attribute_value(&self, attribute: &Attribute) -> Cow<'t, str> {
        let raw = self.slice(&attribute.value);
        if attribute.needs_decoding {
            Cow::Owned(decode(raw, true))
        } else {
            Cow::Borrowed(raw)
        }
    }

    /// The attribute named `name` of an element, if present.
    ///
    /// Elements have a few attributes: a linear search that rejects on length first beats a binary search.
    #[inline]
    pub fn find_attribute(&self, node: NodeId, name: &str) -> Option<&Attribute> {
        self.attributes_of(node).iter().find(|attribute| self.attribute_is(attribute, name))
    }

    /// The decoded value of the attribute named `name`, if present.
    pub fn attribute(&self, node: NodeId, name: &str) -> Option<Cow<'t, str>> {
        self.find_attribute(node, name).map(|attribute| self.attribute_value(attribute))
    }

    /// A text or CDATA node's character data, references decoded.
    pub fn text_value(&self, node: NodeId) -> Cow<'t, str> {
        let current = &self.nodes[node];
        match current.kind {
            NodeKind::CData => {
                let raw = self.slice(&current.span);
                Cow::Borrowed(raw.strip_prefix("<![CDATA[").and_then(|rest| rest.strip_suffix("]]>")).unwrap_or(raw))
            }
            _ => {
                let raw = self.slice(&current.span);
                if memchr::memchr2(b'&', b'\r', raw.as_bytes()).is_some() {
                    Cow::Owned(decode(raw, false))
                } else {
                    Cow::Borrowed(raw)
                }
            }
        }
    }

    /// Whether a text node is whitespace only (as Java's `StringUtils.isBlank` sees its decoded text).
    pub fn is_blank_text(&self, node: NodeId) -> bool {
        // Decoding is needed only when a reference comes before the first character that is not whitespace.
        for character in self.slice(&self.nodes[node].span).chars() {
            if character == '&' {
                return is_blank(&self.text_value(node));
            }
            if !is_java_whitespace(character) {
                return false;
            }
        }
        true
    }

    /// Gives the node and attribute storage back for reuse by the next parse.
    pub fn into_buffers(self) -> Buffers {
        Buffers { nodes: self.nodes, attributes: self.attributes, open: self.open }
    }

    /// The children of a node, in order.
    pub fn children(&self, node: NodeId) -> Children<'_, 't> {
        Children { document: self, next: self.nodes[node].first_child }
    }
}

/// Iterator over the children of a node.
pub struct Children<'d, 't> {
    document: &'d Document<'t>,
    next: NodeId,
}

impl Iterator for Children<'_, '_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next == NO_NODE {
            return None;
        }
        let current = self.next;
        self.next = self.document.nodes[current].next_sibling;
        Some(current)
    }
}

/// Java's `Character.isWhitespace`: space separators except the non-breaking ones, and the ASCII controls
/// `\t \n \x0B \x0C \r \x1C-\x1F`.
pub fn is_java_whitespace(character: char) -> bool {
    match character {
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{1C}'..='\u{1F}' | ' ' => true,
        '\u{A0}' | '\u{2007}' | '\u{202F}' => false,
        '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{205F}' | '\u{3000}' => true,
        _ => false,
    }
}

/// Apache Commons' `StringUtils.isBlank`.
pub fn is_blank(text: &str) -> bool {
    for (index, byte) in text.bytes().enumerate() {
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C | 0x1C..=0x1F => {}
            0x80.. => return text[index..].chars().all(is_java_whitespace),
            _ => return false,
        }
    }
    true
}

/// Decodes references (already checked) and, in attribute values, normalises `\t \n \r` to spaces.
fn decode(raw: &str, attribute_value: bool) -> String {
    let mut decoded = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(position) = rest.find(['&', '\t', '\n', '\r']) {
        decoded.push_str(&rest[..position]);
        let tail = &rest[position..];
        let first = tail.as_bytes()[0];
        if first != b'&' {
            if attribute_value {
                decoded.push(' ');
            } else if first == b'\r' {
                // Line ends are normalised to `\n`; `\r\n` becomes one `\n`.
                decoded.push('\n');
                if tail.as_bytes().get(1) == Some(&b'\n') {
                    rest = &tail[2..];
                    continue;
                }
            } else {
                decoded.push(first as char);
            }
            rest = &tail[1..];
            continue;
        }
        let Some(end) = tail.find(';') else {
            decoded.push_str(tail);
            return decoded;
        };
        let name = &tail[1..end];
        match resolve_reference(name) {
            Some(character) => decoded.push(character),
            None => decoded.push_str(&tail[..=end]),
        }
        rest = &tail[end + 1..];
    }
    decoded.push_str(rest);
    decoded
}

/// The character a reference (`amp`, `#65`, `#x41`) stands for; `None` for undeclared or invalid ones.
fn resolve_reference(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = if let Some(hex) = number.strip_prefix('x') {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                number.parse::<u32>().ok()?
            };
            char::from_u32(code).filter(|character| is_xml_char(*character))
        }
    }
}

/// XML 1.0 `Char`.
fn is_xml_char(character: char) -> bool {
    matches!(character, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_name_start_char(character: char) -> bool {
    matches!(character,
        ':' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}'
        | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(character: char) -> bool {
    is_name_start_char(character)
        || matches!(character, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

fn is_xml_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// What a byte can be, for the loops that look at every byte of a tag ([`BYTE_CLASS`]).
const NAME_START: u8 = 1;
const NAME: u8 = 2;
const NON_ASCII: u8 = 4;
/// A byte an attribute value needs a closer look for: `<`, `&`, the whitespace normalisation replaces, and the
/// first byte of U+FFFE/U+FFFF.
const VALUE_SPECIAL: u8 = 8;

/// The class bits of every byte value: one table look-up instead of several comparisons per byte.
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0_u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = if b == 0xEF {
            // The first byte of U+FFFE and U+FFFF, which XML refuses.
            NON_ASCII | VALUE_SPECIAL
        } else if b >= 0x80 {
            NON_ASCII
        } else if b.is_ascii_alphabetic() || b == b'_' || b == b':' {
            NAME_START | NAME
        } else if b.is_ascii_digit() || b == b'-' || b == b'.' {
            NAME
        } else if b == b'<' || b == b'&' || b == b'\t' || b == b'\n' || b == b'\r' {
            VALUE_SPECIAL

        } else {
            0
        };
        byte += 1;
    }
    table
};

/// Length in bytes of the XML name at the start of `bytes` (0 when they do not start with a name); `bytes`
/// start at a character boundary of the text.
fn name_length(bytes: &[u8]) -> usize {
    let Some(first) = bytes.first() else { return 0 };
    match BYTE_CLASS[usize::from(*first)] {
        class if class & NAME_START != 0 => {}
        class if class & NON_ASCII != 0 => return name_length_unicode(bytes),
        _ => return 0,
    }
    let length = 1 + bytes[1..].iter().take_while(|byte| BYTE_CLASS[usize::from(**byte)] & NAME != 0).count();
    if bytes.get(length).is_some_and(|byte| !byte.is_ascii()) {
        return name_length_unicode(bytes);
    }
    length
}

/// [`name_length`] for names with characters outside ASCII.
fn name_length_unicode(bytes: &[u8]) -> usize {
    // Only a slice that ends inside a character is not text: its whole characters are.
    let text = std::str::from_utf8(bytes)
        .unwrap_or_else(|error| std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default());
    let mut characters = text.char_indices();
    match characters.next() {
        Some((_, first)) if is_name_start_char(first) => {}
        _ => return 0,
    }
    for (index, character) in characters {
        if !is_name_char(character) {
            return index;
        }
    }
    text.len()
}

/// The first thing XML refuses in character data outside markup (`raw` starts at byte `offset` of the text): the
/// sequence `]]>`, or U+FFFE/U+FFFF (the other characters outside XML's `Char` are control characters, refused
/// before the parse, or cannot be in a Rust string).
fn refused_character_data(raw: &str, offset: usize) -> Result<(), XmlFault> {
    for position in memchr::memchr2_iter(b']', 0xEF, raw.as_bytes()) {
        let rest = &raw[position..];
        if rest.starts_with("]]>") {
            return Err(malformed(
                "The character sequence \"]]>\" must not appear in content unless used to mark the end of a CDATA section.",
                offset + position..offset + position + 3,
            ));
        }
        if let Some(character) = rest.chars().next().filter(|character| matches!(character, '\u{FFFE}' | '\u{FFFF}')) {
            return Err(malformed(
                format!("An invalid XML character (Unicode: 0x{:x}) was found in the element content of the document.", u32::from(character)),
                offset + position..offset + position + 3,
            ));
        }
    }
    Ok(())
}

/// Checks every `&` of character data or an attribute value (`raw` starts at byte `offset` of the text).
///
/// Returns whether a reference was seen.
fn check_references(raw: &str, offset: usize) -> Result<bool, XmlFault> {
    let mut seen = false;
    let mut search_from = 0;
    while let Some(relative) = memchr::memchr(b'&', &raw.as_bytes()[search_from..]) {
        seen = true;
        let position = search_from + relative;
        let after = &raw[position + 1..];
        let fault = |message: String, length: usize| XmlFault {
            kind: XmlFaultKind::Malformed,
            message,
            span: offset + position..offset + position + length.max(1),
        };
        if let Some(number) = after.strip_prefix('#') {
            let (digits_text, radix, missing) = match number.strip_prefix('x') {
                Some(hex) => (hex, 16, "A hexadecimal representation must immediately follow the \"&#x\" in a character reference."),
                None => (number, 10, "A decimal representation must immediately follow the \"&#\" in a character reference."),
            };
            let digits = digits_text.bytes().take_while(|byte| (*byte as char).is_digit(radix)).count();
            if digits == 0 {
                return Err(fault(missing.to_owned(), 2));
            }
            let prefix_length = 2 + usize::from(radix == 16);
            if digits_text.as_bytes().get(digits) != Some(&b';') {
                return Err(fault("The character reference must end with the ';' delimiter.".to_owned(), prefix_length + digits));
            }
            let reference_text = &raw[position..position + prefix_length + digits];
            let character = u32::from_str_radix(&digits_text[..digits], radix).ok().and_then(char::from_u32);
            if !character.is_some_and(is_xml_char) {
                return Err(fault(
                    format!("Character reference \"{reference_text}\" is an invalid XML character."),
                    prefix_length + digits + 1,
                ));
            }
            search_from = position + prefix_length + digits + 1;
            continue;
        }
        let length = name_length(after.as_bytes());
        if length == 0 {
            return Err(fault("The entity name must immediately follow the '&' in the entity reference.".to_owned(), 1));
        }
        let name = &after[..length];
        if after.as_bytes().get(length) != Some(&b';') {
            return Err(fault(format!("The reference to entity \"{name}\" must end with the ';' delimiter."), 1 + length));
        }
        if !matches!(name, "lt" | "gt" | "amp" | "quot" | "apos") {
            return Err(fault(format!("The entity \"{name}\" was referenced, but not declared."), length + 2));
        }
        search_from = position + length + 2;
    }
    Ok(seen)
}

/// Storage a parse fills; kept between messages so that checking a batch does not allocate per message.
#[derive(Debug, Default)]
pub struct Buffers {
    nodes: Vec<Node>,
    attributes: Vec<Attribute>,
    /// Open elements and the last child of each, innermost last.
    open: Vec<(NodeId, NodeId)>,
}

/// Where the parser is relative to the document element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Prolog,
    InsideRoot,
    Trailing,
}

struct Builder {
    nodes: Vec<Node>,
    attributes: Vec<Attribute>,
    /// Open elements and the last child of each, innermost last.
    open: Vec<(NodeId, NodeId)>,
    /// The text run being collected (start, end, has references).
    pending_text: Option<Range<usize>>,
    root: NodeId,
}

impl Builder {
    #[inline]
    fn append(&mut self, node: Node) -> NodeId {
        let id = self.nodes.len();
        if let Some((parent, last)) = self.open.last_mut() {
            if *last == NO_NODE {
                self.nodes[*parent].first_child = id;
            } else {
                self.nodes[*last].next_sibling = id;
            }
            *last = id;
        }
        self.nodes.push(node);
        id
    }

    #[inline]
    fn leaf(&self, kind: NodeKind, span: Range<usize>, name: Range<usize>) -> Node {
        Node {
            kind,
            span,
            name,
            start_tag: 0..0,
            attributes: 0..0,
            first_child: NO_NODE,
            next_sibling: NO_NODE,
        }
    }

    #[inline]
    fn flush_text(&mut self) {
        if let Some(span) = self.pending_text.take() {
            let node = self.leaf(NodeKind::Text, span, 0..0);
            self.append(node);
        }
    }
}

#[cold]
fn malformed(message: impl Into<String>, span: Range<usize>) -> XmlFault {
    XmlFault { kind: XmlFaultKind::Malformed, message: message.into(), span }
}

/// Offset of `part` inside `whole`, when `part` is a sub-slice of it.
fn offset_in(whole: &str, part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// Parses the attributes of a start tag the way Xerces does, appending them to `attributes` (sorted by name).
fn parse_attributes(
    text: &str,
    raw: &[u8],
    element_name: &str,
    attributes: &mut Vec<Attribute>,
) -> Result<Range<usize>, XmlFault> {
    let first_index = attributes.len();
    let base = offset_in(text, raw);
    let end = base + raw.len();
    let mut position = base;
    let bytes = text.as_bytes();
    let element_follow = || {
        format!("Element type \"{element_name}\" must be followed by either attribute specifications, \">\" or \"/>\".")
    };
    loop {
        let whitespace_start = position;
        while position < end && is_xml_space(bytes[position]) {
            position += 1;
        }
        if position >= end {
            break;
        }
        if position == whitespace_start {
            return Err(malformed(element_follow(), position..position + 1));
        }
        let name_start = position;
        let length = name_length(bytes.get(position..end).unwrap_or_default());
        if length == 0 {
            return Err(malformed(element_follow(), position..position + 1));
        }
        position += length;
        let name = &text[name_start..position];
        while position < end && is_xml_space(bytes[position]) {
            position += 1;
        }
        if position >= end || bytes[position] != b'=' {
            return Err(malformed(
                format!("Attribute name \"{name}\" associated with an element type \"{element_name}\" must be followed by the ' = ' character."),
                name_start..position.min(end).max(name_start + 1),
            ));
        }
        position += 1;
        while position < end && is_xml_space(bytes[position]) {
            position += 1;
        }
        let quote = bytes.get(position).copied().filter(|byte| position < end && matches!(byte, b'"' | b'\''));
        let Some(quote) = quote else {
            return Err(malformed(
                format!("Open quote is expected for attribute \"{name}\" associated with an  element type  \"{element_name}\"."),
                name_start..position.min(end).max(name_start + 1),
            ));
        };
        let value_start = position + 1;
        // Values are short: one pass finds the closing quote and, with table look-ups, whether anything in
        // between needs a closer look.
        let mut classes = 0;
        let value_length = bytes[value_start..end].iter().position(|byte| {
            classes |= BYTE_CLASS[usize::from(*byte)];
            *byte == quote
        });
        let Some(value_length) = value_length else {
            return Err(malformed("XML document structures must start and end within the same entity.", name_start..end));
        };
        let value_end = value_start + value_length;
        let value = &text[value_start..value_end];
        let special = classes & VALUE_SPECIAL != 0;
        let (mut less_than, mut ampersand, mut line_break) = (None, false, false);
        if special {
            less_than = value.bytes().position(|byte| byte == b'<');
            ampersand = value.contains('&');
            line_break = value.contains(['\t', '\n', '\r']);
        }
        if let Some(position) = value.find(['\u{FFFE}', '\u{FFFF}']).filter(|_| special) {
            let code = value[position..].chars().next().map_or(0, u32::from);
            return Err(malformed(
                format!("An invalid XML character (Unicode: 0x{code:x}) was found in the value of attribute \"{name}\" and element is \"{element_name}\"."),
                value_start + position..value_start + position + 3,
            ));
        }
        if let Some(less_than) = less_than {
            return Err(malformed(
                format!("The value of attribute \"{name}\" associated with an element type \"{element_name}\" must not contain the '<' character."),
                value_start + less_than..value_start + less_than + 1,
            ));
        }
        if ampersand {
            check_references(value, value_start)?;
        }
        let needs_decoding = ampersand || line_break;
        attributes.push(Attribute {
            name: name_start..name_start + length,
            value: value_start..value_end,
            span: name_start..value_end + 1,
            needs_decoding,
        });
        position = value_end + 1;
    }
    let added = &mut attributes[first_index..];
    if added.len() > 1 {
        // Stable: equal names stay in document order, so a repeated name is found next to its first use.
        let name_of = |attribute: &Attribute| &bytes[attribute.name.clone()];
        if added.len() == 2 {
            if name_of(&added[0]) > name_of(&added[1]) {
                added.swap(0, 1);
            }
        } else {
            added.sort_by(|left, right| name_of(left).cmp(name_of(right)));
        }
        // Xerces stops at the first repetition in document order.
        let repeated = added
            .windows(2)
            .filter(|pair| name_of(&pair[0]) == name_of(&pair[1]))
            .map(|pair| &pair[1])
            .min_by_key(|attribute| attribute.span.start);
        if let Some(attribute) = repeated {
            let name = &text[attribute.name.clone()];
            return Err(malformed(
                format!("Attribute \"{name}\" was already specified for element \"{element_name}\"."),
                attribute.span.clone(),
            ));
        }
    }
    Ok(first_index..attributes.len())
}

/// Parses `text` into a tree, or returns the first fatal error, worded as Xerces words it.
///
/// A byte-order mark at the start is skipped, like the reference does.
///
/// # Errors
/// The first well-formedness error, a DOCTYPE, or nesting deeper than [`MAX_DEPTH`].
pub fn parse_document(text: &str) -> Result<Document<'_>, XmlFault> {
    parse_document_in(text, Buffers::default(), true)
}

/// [`parse_document`] reusing the storage of an earlier parse.
///
/// # Errors
/// As [`parse_document`].
///
/// `check_character_data`: whether to look for what XML refuses in character data (`]]>`, U+FFFE, U+FFFF); a
/// caller that knows the text has neither `]` nor the byte 0xEF (their first byte) skips that look.
pub fn parse_document_in(text: &str, buffers: Buffers, check_character_data: bool) -> Result<Document<'_>, XmlFault> {
    let Buffers { mut nodes, mut attributes, mut open } = buffers;
    nodes.clear();
    attributes.clear();
    open.clear();
    // quick-xml skips one leading byte-order mark itself and counts its positions from after it.
    let body_start = if text.starts_with('\u{FEFF}') { '\u{FEFF}'.len_utf8() } else { 0 };
    let mut reader = Reader::from_str(text);
    {
        let config = reader.config_mut();
        config.allow_dangling_amp = true;
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        config.trim_text_start = false;
        config.trim_text_end = false;
    }
    let mut builder = Builder { nodes, attributes, open, pending_text: None, root: NO_NODE };

    let mut phase = Phase::Prolog;
    let mut seen_anything = false;
    loop {
        let event_start = body_start + usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        // Matched where it lies rather than moved out of the reader's answer: one copy of the event fewer.
        let result = reader.read_event();
        let event = match &result {
            Ok(event) => event,
            Err(error) => {
                let position = body_start + usize::try_from(reader.error_position()).unwrap_or(0);
                return Err(translate_error(error, &builder, text, event_start, position, phase));
            }
        };
        let event_end = (body_start + usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)).min(text.len());
        let span = event_start.min(event_end)..event_end;
        match event {
            Event::Text(_) | Event::GeneralRef(_) => {
                match phase {
                    Phase::InsideRoot => {
                        // quick-xml ends a text event before each `&`: a reference, or a text that starts with
                        // an `&` that ends no reference, is an event of its own that starts with it.
                        if text.as_bytes().get(span.start) == Some(&b'&') {
                            check_references(text.get(span.clone()).unwrap_or(""), span.start)?;
                        }
                        if check_character_data {
                            refused_character_data(text.get(span.clone()).unwrap_or(""), span.start)?;
                        }
                        match &mut builder.pending_text {
                            Some(pending) => pending.end = span.end,
                            None => builder.pending_text = Some(span),
                        }
                    }
                    Phase::Prolog | Phase::Trailing => {
                        let raw = text.get(span.clone()).unwrap_or("");
                        if let Some(offset) = raw.find(|character: char| !matches!(character, ' ' | '\t' | '\n' | '\r')) {
                            let message = if phase == Phase::Prolog {
                                "Content is not allowed in prolog."
                            } else {
                                "Content is not allowed in trailing section."
                            };
                            let kind = if phase == Phase::Prolog && builder.root == NO_NODE {
                                XmlFaultKind::NoRootElement
                            } else {
                                XmlFaultKind::Malformed
                            };
                            return Err(XmlFault { kind, message: message.to_owned(), span: span.start + offset..span.end });
                        }
                    }
                }
                seen_anything = true;
            }
            Event::Start(start) | Event::Empty(start) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name_bytes = start.name().into_inner();
                let name_start = offset_in(text, name_bytes);
                let name_text = text.get(name_start..name_start + name_bytes.len()).unwrap_or("");
                let valid_name = !name_bytes.is_empty() && name_length(name_bytes) == name_bytes.len();
                if !valid_name {
                    let message = match phase {
                        Phase::Prolog => "The markup in the document preceding the root element must be well-formed.",
                        Phase::InsideRoot => "The content of elements must consist of well-formed character data or markup.",
                        Phase::Trailing => "The markup in the document following the root element must be well-formed.",
                    };
                    return Err(malformed(message, span));
                }
                if phase == Phase::Trailing {
                    return Err(malformed("The markup in the document following the root element must be well-formed.", span));
                }
                builder.flush_text();
                if builder.open.len() >= MAX_DEPTH {
                    return Err(XmlFault {
                        kind: XmlFaultKind::TooDeep,
                        message: format!("Elements are nested more than {MAX_DEPTH} levels deep: the Agent's parser is likely to fail on this message (stack overflow)"),
                        span,
                    });
                }
                let raw_attributes = start.attributes_raw();
                let attributes = if raw_attributes.is_empty() {
                    builder.attributes.len()..builder.attributes.len()
                } else {
                    parse_attributes(text, raw_attributes, name_text, &mut builder.attributes)?
                };
                let mut node = builder.leaf(NodeKind::Element, span.clone(), name_start..name_start + name_bytes.len());
                node.start_tag = span.clone();
                node.attributes = attributes;
                let id = builder.append(node);
                if builder.root == NO_NODE {
                    builder.root = id;
                }
                if is_empty {
                    if builder.open.is_empty() {
                        phase = Phase::Trailing;
                    }
                } else {
                    builder.open.push((id, NO_NODE));
                    phase = Phase::InsideRoot;
                }
                seen_anything = true;
            }
            Event::End(_) => {
                builder.flush_text();
                if let Some((id, _)) = builder.open.pop() {
                    builder.nodes[id].span.end = span.end;
                }
                if builder.open.is_empty() {
                    phase = Phase::Trailing;
                }
            }
            Event::Comment(_) | Event::CData(_) | Event::PI(_) => {
                let (kind, name) = match event {
                    Event::Comment(_) => (NodeKind::Comment, 0..0),
                    Event::CData(_) => (NodeKind::CData, 0..0),
                    _ => {
                        let inner = text.get(span.start + 2..span.end.saturating_sub(2)).unwrap_or("");
                        let length = name_length(inner.as_bytes());
                        if length == 0 {
                            return Err(malformed("The processing instruction must begin with the name of the target.", span));
                        }
                        if inner[..length].eq_ignore_ascii_case("xml") {
                            return Err(malformed(
                                "The processing instruction target matching \"[xX][mM][lL]\" is not allowed.",
                                span,
                            ));
                        }
                        (NodeKind::ProcessingInstruction, span.start + 2..span.start + 2 + length)
                    }
                };
                if kind == NodeKind::CData && phase != Phase::InsideRoot {
                    let message = if phase == Phase::Prolog {
                        "The markup in the document preceding the root element must be well-formed."
                    } else {
                        "The markup in the document following the root element must be well-formed."
                    };
                    return Err(malformed(message, span));
                }
                if phase == Phase::InsideRoot {
                    builder.flush_text();
                    let node = builder.leaf(kind, span.clone(), name);
                    builder.append(node);
                }
                seen_anything = true;
            }
            Event::Decl(declaration) => {
                if seen_anything || event_start != body_start {
                    return Err(malformed(
                        "The processing instruction target matching \"[xX][mM][lL]\" is not allowed.",
                        span,
                    ));
                }
                if let Some(Ok(version)) = declaration.version().ok().map(|version| String::from_utf8(version.into_owned())) {
                    if version != "1.0" && version != "1.1" {
                        return Err(malformed(
                            format!("XML version \"{version}\" is not supported, only XML 1.0 is supported."),
                            span,
                        ));
                    }
                }
                seen_anything = true;
            }
            Event::DocType(_) => {
                return Err(XmlFault {
                    kind: XmlFaultKind::Doctype,
                    message: "DOCTYPE is disallowed when the feature \"http://apache.org/xml/features/disallow-doctype-decl\" set to true.".to_owned(),
                    span,
                });
            }
            Event::Eof => {
                if !builder.open.is_empty() {
                    return Err(malformed(
                        "XML document structures must start and end within the same entity.",
                        text.len().saturating_sub(1)..text.len(),
                    ));
                }
                if builder.root == NO_NODE {
                    return Err(malformed("Premature end of file.", text.len()..text.len()));
                }
                break;
            }
        }
    }
    Ok(Document { text, nodes: builder.nodes, attributes: builder.attributes, root: builder.root, open: builder.open })
}

/// Words a quick-xml error as Xerces would.
#[cold]
fn translate_error(
    error: &XmlError,
    builder: &Builder,
    text: &str,
    event_start: usize,
    position: usize,
    phase: Phase,
) -> XmlFault {
    let span = event_start.min(text.len())..(position + 1).min(text.len()).max(event_start.min(text.len()));
    let open_name = builder.open.last().map(|(id, _)| &text[builder.nodes[*id].name.clone()]);
    match error {
        XmlError::IllFormed(IllFormedError::MismatchedEndTag { expected, .. }) => {
            // Point at the whole offending end tag.
            let start = span.start;
            let end = text.get(start..).and_then(|rest| rest.find('>')).map_or(span.end, |offset| start + offset + 1);
            malformed(
                format!("The element type \"{expected}\" must be terminated by the matching end-tag \"</{expected}>\"."),
                start..end,
            )
        }
        XmlError::IllFormed(IllFormedError::UnmatchedEndTag(_)) => {
            let message = if phase == Phase::Prolog {
                "The markup in the document preceding the root element must be well-formed."
            } else {
                "The markup in the document following the root element must be well-formed."
            };
            malformed(message, span)
        }
        XmlError::IllFormed(IllFormedError::DoubleHyphenInComment) => {
            malformed("The string \"--\" is not permitted within comments.", span)
        }
        XmlError::Syntax(SyntaxError::UnclosedTag) => {
            let tail = text.get(event_start..).unwrap_or("");
            if let (Some(stripped), Some(name)) = (tail.strip_prefix("</"), open_name) {
                if stripped.starts_with(name) {
                    return malformed(
                        format!("The end-tag for element type \"{name}\" must end with a '>' delimiter."),
                        span,
                    );
                }
            }
            malformed("XML document structures must start and end within the same entity.", span)
        }
        XmlError::Syntax(SyntaxError::InvalidBangMarkup) => {
            let message = match phase {
                Phase::Prolog => "The markup in the document preceding the root element must be well-formed.",
                Phase::InsideRoot => "The content of elements must consist of well-formed character data or markup.",
                Phase::Trailing => "The markup in the document following the root element must be well-formed.",
            };
            malformed(message, span)
        }
        XmlError::Syntax(SyntaxError::UnclosedComment) => {
            malformed("XML document structures must start and end within the same entity.", span)
        }
        XmlError::Syntax(_) => malformed("XML document structures must start and end within the same entity.", span),
        _ => malformed("The content of elements must consist of well-formed character data or markup.", span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(text: &str) -> String {
        match parse_document(text) {
            Ok(_) => "ok".to_owned(),
            Err(fault) => fault.message,
        }
    }

    #[test]
    fn xerces_wording_for_common_faults() {
        let table = [
            ("<messageML>hi</messageML>", "ok"),
            ("hello", "Content is not allowed in prolog."),
            ("<messageML><div></messageML>", "The element type \"div\" must be terminated by the matching end-tag \"</div>\"."),
            ("<messageML>a &nbsp; b</messageML>", "The entity \"nbsp\" was referenced, but not declared."),
            ("<messageML>a & b</messageML>", "The entity name must immediately follow the '&' in the entity reference."),
            ("<messageML>a &amp b</messageML>", "The reference to entity \"amp\" must end with the ';' delimiter."),
            ("<messageML>&#1;</messageML>", "Character reference \"&#1\" is an invalid XML character."),
            ("<messageML>&#;</messageML>", "A decimal representation must immediately follow the \"&#\" in a character reference."),
            ("<messageML><p class=x>a</p></messageML>", "Open quote is expected for attribute \"class\" associated with an  element type  \"p\"."),
            ("<messageML><p a=\"1\" a=\"2\">a</p></messageML>", "Attribute \"a\" was already specified for element \"p\"."),
            ("<messageML><p b=\"1\" a=\"1\" b=\"2\" a=\"2\">a</p></messageML>", "Attribute \"b\" was already specified for element \"p\"."),
            ("<messageML><p a=\"<\">a</p></messageML>", "The value of attribute \"a\" associated with an element type \"p\" must not contain the '<' character."),
            ("<messageML>", "XML document structures must start and end within the same entity."),
            ("<messageML/>x", "Content is not allowed in trailing section."),
            ("<messageML/><p/>", "The markup in the document following the root element must be well-formed."),
            ("<!DOCTYPE x><messageML/>", "DOCTYPE is disallowed when the feature \"http://apache.org/xml/features/disallow-doctype-decl\" set to true."),
            ("\u{FEFF}<?xml version=\"1.0\"?><messageML/>", "ok"),
            ("\u{FEFF}\u{FEFF}na", "Content is not allowed in prolog."),
            ("<messageML/><?xml version=\"1.0\"?>", "The processing instruction target matching \"[xX][mM][lL]\" is not allowed."),
            ("<messageML><!-- a -- b --></messageML>", "The string \"--\" is not permitted within comments."),
        ];
        for (input, expected) in table {
            assert_eq!(fault(input), expected, "input: {input}");
        }
    }

    #[test]
    fn tree_keeps_whitespace_text_and_sorts_attributes() {
        let document = parse_document("<messageML> <p zz=\"1\" aa=\"&amp;2\">x</p></messageML>").unwrap();
        let children: Vec<_> = document.children(document.root).collect();
        assert_eq!(children.len(), 2);
        assert!(document.is_blank_text(children[0]));
        let names: Vec<_> = document.attributes_of(children[1]).iter().map(|a| document.attribute_name(a)).collect();
        assert_eq!(names, ["aa", "zz"]);
        assert_eq!(document.attribute(children[1], "aa").as_deref(), Some("&2"));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "<messageML>".to_owned() + &"<b>".repeat(MAX_DEPTH + 1);
        assert_eq!(parse_document(&deep).unwrap_err().kind, XmlFaultKind::TooDeep);
    }
}
