//! The element rules of MessageML and PresentationML, walked in the reference parser's order.
//!
//! The reference (finos/messageml-utils) builds its tree top-down: for each element it picks the element class
//! from the tag (and, for `div`/`span`/`input`, from `class`/`type`), runs the constructor's checks, builds the
//! attributes in name order, builds the children, then validates the element (post-order) and records its id.
//! This module walks the parsed [`Document`] in that same order so that the first finding is the error the
//! Agent reports; later findings are what the Agent would report once the first is fixed (they may also be
//! consequences of it).
//!
//! Invariants: recursion depth is bounded by [`super::xml::MAX_DEPTH`]; every finding's span lies inside the
//! message text.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;


use super::entity_json::EntityJson;
use super::forms;
use super::style::check_style;
use super::xml::{is_blank, Document, NodeId, NodeKind, NO_NODE};
use super::MessageMlOptions;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::Rule;

/// What the reference builds for an element: one variant per element class of messageml-utils.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Not an element, or not built (a comment, or an element refused at creation).
    None,
    /// A `div data-generated`: not built, its children attach to its parent.
    Transparent,
    /// Skipped entirely: PresentationML `label` and tooltip `span`, folded into their target.
    Folded,
    /// The `<messageML>` root.
    MessageMl,
    /// The PresentationML root `<div data-format="PresentationML">`.
    PresentationMl,
    /// `<p>`.
    Paragraph,
    /// `<div>` (also an entity `div` of a custom type).
    Div,
    /// `<span>` (also an entity `span` of a custom type).
    Span,
    /// `<b>`.
    Bold,
    /// `<i>`.
    Italic,
    /// `<h1>` to `<h6>`.
    Header,
    /// `<pre>`.
    Preformatted,
    /// `<code>`.
    Code,
    /// `<sub>`.
    Subscript,
    /// `<sup>`.
    Superscript,
    /// `<br>`.
    LineBreak,
    /// `<hr>`.
    HorizontalRule,
    /// `<a>`.
    Link,
    /// `<img>`.
    Image,
    /// `<ul>`.
    BulletList,
    /// `<ol>`.
    OrderedList,
    /// `<li>`.
    ListItem,
    /// `<table>`.
    Table,
    /// `<thead>`.
    TableHeader,
    /// `<tbody>`.
    TableBody,
    /// `<tfoot>`.
    TableFooter,
    /// `<tr>`.
    TableRow,
    /// `<td>`.
    TableCell,
    /// `<th>`.
    TableHeaderCell,
    /// `<card>` or `<div class="card">`.
    Card,
    /// A card's `<header>`.
    CardHeader,
    /// A card's `<body>`.
    CardBody,
    /// `<expandable-card>`.
    ExpandableCard,
    /// An expandable card's `<header>`.
    ExpandableCardHeader,
    /// An expandable card's `<body>`.
    ExpandableCardBody,
    /// `<chime>` (`<audio>` in PresentationML).
    Chime,
    /// `<hash>`, or an EntityJSON taxonomy entity.
    HashTag,
    /// `<cash>`, or an EntityJSON security entity.
    CashTag,
    /// `<mention>`, or an EntityJSON user mention.
    Mention,
    /// `<emoji>`.
    Emoji,
    /// `<tag>` (financial instrument).
    FinancialTag,
    /// `<dateTime>`.
    DateTime,
    /// `<form>`.
    Form,
    /// `<button>`.
    Button,
    /// `<select>`.
    Select,
    /// `<option>`.
    Option,
    /// `<text-field>` or `<input type="text">`.
    TextField,
    /// `<textarea>`.
    TextArea,
    /// `<richtextarea>`.
    RichTextArea,
    /// `<checkbox>`, `<input type="checkbox">` or a checkbox group.
    Checkbox,
    /// `<radio>`, `<input type="radio">` or a radio group.
    Radio,
    /// `<person-selector>`.
    PersonSelector,
    /// `<room-selector>`.
    RoomSelector,
    /// `<date-selector>`.
    DateSelector,
    /// `<date-picker>` or `<input type="date">`.
    DatePicker,
    /// `<time-picker>` or `<input type="time">`.
    TimePicker,
    /// `<timezone-picker>`.
    TimezonePicker,
    /// `<ui-action>`.
    UiAction,
    /// `<dialog>`.
    Dialog,
    /// A dialog's `<title>`.
    DialogTitle,
    /// A dialog's `<body>`.
    DialogBody,
    /// A dialog's `<footer>`.
    DialogFooter,
}

impl Kind {
    /// The reference's class name, lowercased, as its messages print it.
    pub fn class_name(self) -> &'static str {
        match self {
            Kind::None | Kind::Transparent | Kind::Folded => "",
            Kind::MessageMl | Kind::PresentationMl => "messageml",
            Kind::Paragraph => "paragraph",
            Kind::Div => "div",
            Kind::Span => "span",
            Kind::Bold => "bold",
            Kind::Italic => "italic",
            Kind::Header => "header",
            Kind::Preformatted => "preformatted",
            Kind::Code => "code",
            Kind::Subscript => "subscript",
            Kind::Superscript => "superscript",
            Kind::LineBreak => "linebreak",
            Kind::HorizontalRule => "horizontalrule",
            Kind::Link => "link",
            Kind::Image => "image",
            Kind::BulletList => "bulletlist",
            Kind::OrderedList => "orderedlist",
            Kind::ListItem => "listitem",
            Kind::Table => "table",
            Kind::TableHeader => "tableheader",
            Kind::TableBody => "tablebody",
            Kind::TableFooter => "tablefooter",
            Kind::TableRow => "tablerow",
            Kind::TableCell => "tablecell",
            Kind::TableHeaderCell => "tableheadercell",
            Kind::Card => "card",
            Kind::CardHeader => "cardheader",
            Kind::CardBody => "cardbody",
            Kind::ExpandableCard => "expandablecard",
            Kind::ExpandableCardHeader => "expandablecardheader",
            Kind::ExpandableCardBody => "expandablecardbody",
            Kind::Chime => "chime",
            Kind::HashTag => "hashtag",
            Kind::CashTag => "cashtag",
            Kind::Mention => "mention",
            Kind::Emoji => "emoji",
            Kind::FinancialTag => "tag",
            Kind::DateTime => "datetime",
            Kind::Form => "form",
            Kind::Button => "button",
            Kind::Select => "select",
            Kind::Option => "option",
            Kind::TextField => "textfield",
            Kind::TextArea => "textarea",
            Kind::RichTextArea => "richtextarea",
            Kind::Checkbox => "checkbox",
            Kind::Radio => "radio",
            Kind::PersonSelector => "personselector",
            Kind::RoomSelector => "roomselector",
            Kind::DateSelector => "dateselector",
            Kind::DatePicker => "datepicker",
            Kind::TimePicker => "timepicker",
            Kind::TimezonePicker => "timezonepicker",
            Kind::UiAction => "uiaction",
            Kind::Dialog => "dialog",
            Kind::DialogTitle => "title",
            Kind::DialogBody => "body",
            Kind::DialogFooter => "footer",
        }
    }

    /// The MessageML tag the reference names the element by, when it differs from the written tag.
    fn messageml_tag(self) -> Option<&'static str> {
        Some(match self {
            Kind::Card => "card",
            Kind::CardHeader | Kind::ExpandableCardHeader => "header",
            Kind::CardBody | Kind::ExpandableCardBody | Kind::DialogBody => "body",
            Kind::ExpandableCard => "expandable-card",
            Kind::Chime => "chime",
            Kind::Checkbox => "checkbox",
            Kind::Radio => "radio",
            Kind::PersonSelector => "person-selector",
            Kind::RoomSelector => "room-selector",
            Kind::DateSelector => "date-selector",
            Kind::DatePicker => "date-picker",
            Kind::TimePicker => "time-picker",
            Kind::TimezonePicker => "timezone-picker",
            Kind::TextField => "text-field",
            Kind::UiAction => "ui-action",
            Kind::HashTag => "hash",
            Kind::CashTag => "cash",
            Kind::Mention => "mention",
            _ => return None,
        })
    }

    /// Form elements: they must sit inside a `form`.
    pub fn is_form_element(self) -> bool {
        matches!(
            self,
            Kind::Button
                | Kind::Select
                | Kind::Option
                | Kind::TextField
                | Kind::TextArea
                | Kind::RichTextArea
                | Kind::Checkbox
                | Kind::Radio
                | Kind::PersonSelector
                | Kind::RoomSelector
                | Kind::DateSelector
                | Kind::DatePicker
                | Kind::TimePicker
                | Kind::TimezonePicker
        )
    }

    /// The kind's bit in a [`Contents::kinds`] set.
    const fn bit(self) -> u64 {
        1 << self as u8
    }

    /// The set of `kinds`, as bits.
    const fn set_of(kinds: &[Kind]) -> u64 {
        let mut set = 0;
        let mut index = 0;
        while index < kinds.len() {
            set |= kinds[index].bit();
            index += 1;
        }
        set
    }
}

// Every kind has a bit of a `u64`.
const _: () = assert!((Kind::DialogFooter as u8) < 64);

/// The phrasing elements: what `b`, `i`, headers and `pre` may contain.
const PHRASING: u64 = Kind::set_of(&[
    Kind::Link,
    Kind::Chime,
    Kind::Bold,
    Kind::Italic,
    Kind::Image,
    Kind::LineBreak,
    Kind::Span,
    Kind::Emoji,
    Kind::HashTag,
    Kind::CashTag,
    Kind::Mention,
    Kind::Subscript,
    Kind::Superscript,
]);

/// What the walk saw among the built children of an element ([`Checker::children`]), noted as it built them:
/// enough for the content checks to pass without walking the children again. They walk them only to find the
/// child to report.
#[derive(Clone, Copy, Debug, Default)]
struct Contents {
    /// The kinds of the element children, as bits ([`Kind::bit`]).
    kinds: u64,
    /// Whether there is a built child at all, blank text included.
    any: bool,
    /// Whether there is a text or CDATA child (blank or not: most never need to know, so it is not looked at).
    text: bool,
}

/// What the walk built of one node.
#[derive(Clone, Copy, Debug)]
pub struct Built {
    /// The element class picked for it ([`Kind::None`] for nodes that are not built elements).
    pub kind: Kind,
    /// Its parent in the built tree (transparent `div`s skipped), or [`NO_NODE`].
    pub parent: NodeId,
    /// What its built children are, noted while building them.
    contents: Contents,
}

impl Default for Built {
    fn default() -> Self {
        Built { kind: Kind::None, parent: NO_NODE, contents: Contents::default() }
    }
}

/// The message format, fixed by the root element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `<messageML>` root.
    MessageMl,
    /// `<div data-format="PresentationML">` root.
    PresentationMl,
}

/// Walks a parsed message.
pub struct Checker<'d, 't> {
    /// The parsed message.
    pub document: &'d Document<'t>,
    /// The record's EntityJSON (empty when absent).
    pub entity_json: &'d EntityJson<'d>,
    /// Pod-dependent settings.
    pub options: &'d MessageMlOptions,
    /// The message format.
    pub format: Format,
    /// What the walk built of each node, by node id.
    pub built: &'d mut Vec<Built>,
    /// The tree build's stack, kept between messages.
    frames: &'d mut Vec<Frame>,
    /// Findings of the tree build so far, in the reference's order.
    pub findings: Vec<Diagnostic>,
    /// The step after the tree build whose checks run now; `None` during the tree build.
    step: Option<Step>,
    /// What the walk remembers about elements it passed; created by the first element that needs it (most
    /// messages have none).
    memory: Option<Box<Memory>>,
    /// Whether an error was found in the current element's attributes.
    attribute_failed: bool,
    /// Whether some `ui-action` has a `target-id` (the root then checks the targets).
    has_ui_action_target: bool,
    /// Whether some `span`/`div` has a `data-entity-id`: the EntityJSON assembly can crash on it.
    has_entity_references: bool,
    /// Whether some hashtag, cashtag, mention, emoji, financial tag or `dateTime` is written as its shorthand
    /// tag: the assembly can crash on its generated id.
    has_shorthand_entities: bool,
}

/// What the walk remembers about the elements it passed.
#[derive(Default)]
struct Memory {
    /// Class attribute after the reference removed the token that picked the element class.
    class_overrides: BTreeMap<NodeId, Option<String>>,
    /// Ids of forms and dialogs seen.
    ids: BTreeSet<String>,
    /// Label and tooltip target ids (PresentationML), to accept `id` on their targets.
    tooltip_targets: BTreeSet<String>,
    /// Findings of the steps after the tree build, with their step (put after the tree's by [`Checker::finish`]).
    later_findings: Vec<(Step, Diagnostic)>,
    /// PresentationML checkbox/radio groups: group `div` → (the `input` holding its attributes, the `label`
    /// holding its content).
    groups: BTreeMap<NodeId, (NodeId, NodeId)>,
}

/// The reference's steps after the tree build, in the order they run: a finding of a later step is the Agent's
/// answer only when nothing earlier failed (`P/MessageMLParser.java:179-205`, `P/MessageMLContext.java:77-84`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// The financial tags' resolution and `fallback-ticker` check (`MessageML.enhanceFinancialTags`).
    FinancialTags,
    /// The root's `validate()`.
    Root,
    /// The EntityJSON assembly (`MessageMLParser.java:202`), where the reference can crash.
    EntityJson,
    /// The Markdown tree built by `MessageMLContext` after the parse.
    Markdown,
}

/// Findings kept per message: the first is the Agent's answer, a few more help, thousands only drown it.
pub const MAX_FINDINGS: usize = 100;

/// The lowercase set of boolean values, as the reference prints it.
pub const BOOLEAN_VALUES: &[&str] = &["true", "false"];

const CODE_LANGUAGES: &[&str] = &[
    "plaintext", "c", "cpp", "csharp", "css", "html", "java", "js", "jsx", "php", "python", "r", "typescript", "tsx",
    "markdown", "json", "scala", "shell", "yaml",
];

/// The attributes of a financial `<tag>` that the pod resolves an instrument by (`MessageML.buildInstrumentResolutionRequest`).
const IDENTIFYING_TAG_ATTRIBUTES: &[&str] =
    &["fullbbgcompticker", "unique-id", "figi", "bbgcompticker", "figi-ticker", "us-code", "isin", "local-code"];

const CHIME_SOURCE: &str = "https://asset.symphony.com/symphony/audio/chime.mp3";

/// Whether `class` has `token` among its whitespace-separated tokens (case-sensitive, like the reference).
pub fn has_class_token(class: &str, token: &str) -> bool {
    class.split_ascii_whitespace().any(|part| part == token)
}

/// One level of [`Checker::build_children`]'s walk: the built element children attach to, the next child to
/// build, and the element to validate once they are built (`None` for the root and transparent `div`s).
#[derive(Debug)]
struct Frame {
    parent: NodeId,
    cursor: NodeId,
    closing: Option<Closing>,
}

/// An element whose attributes are built, waiting for its children before it is validated.
#[derive(Clone, Copy, Debug)]
struct Closing {
    node: NodeId,
    parent: NodeId,
    kind: Kind,
    /// The node whose children are the element's content (a group's `label`), or [`NO_NODE`].
    content: NodeId,
    attributes_ok: bool,
}

/// What [`Checker::open_element`] leaves to do.
enum Opened {
    /// Nothing: the element was not built, or failed before its children.
    Done,
    /// A `div` the reference drops: its children are built into its parent.
    Transparent,
    /// Its children, then its validation.
    Built(Closing),
}

/// The per-node storage of a [`Checker`], kept between checks (and lent to each) so that checking a batch does
/// not allocate per message.
#[derive(Default)]
pub struct Storage {
    built: Vec<Built>,
    /// The stack of the tree build's walk.
    frames: Vec<Frame>,
}

impl Storage {
    /// Nodes the storage has room for.
    pub fn capacity(&self) -> usize {
        self.built.capacity()
    }
}

impl<'d, 't> Checker<'d, 't> {
    /// A checker for one document, in storage reused from an earlier check.
    pub fn new(
        document: &'d Document<'t>,
        entity_json: &'d EntityJson<'d>,
        options: &'d MessageMlOptions,
        format: Format,
        Storage { built, frames }: &'d mut Storage,
    ) -> Self {
        built.clear();
        built.resize(document.nodes.len(), Built::default());
        Checker {
            document,
            entity_json,
            options,
            format,
            built,
            frames,
            findings: Vec::new(),
            step: None,
            memory: None,
            attribute_failed: false,
            has_ui_action_target: false,
            has_entity_references: false,
            has_shorthand_entities: false,
        }
    }

    /// What the walk remembers, created on first use.
    fn memory_mut(&mut self) -> &mut Memory {
        self.memory.get_or_insert_with(Box::default)
    }

    /// The group parts of a PresentationML checkbox/radio group `div`.
    fn group(&self, node: NodeId) -> Option<(NodeId, NodeId)> {
        self.memory.as_ref().and_then(|memory| memory.groups.get(&node).copied())
    }

    /// The class attribute left after the reference removed the token that picked the element class:
    /// `Some(None)` when nothing is left, `None` when the class was not changed.
    fn class_override(&self, node: NodeId) -> Option<&Option<String>> {
        self.memory.as_ref().and_then(|memory| memory.class_overrides.get(&node))
    }

    /// The findings: the tree build's, then those of each later step in the reference's order.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        if let Some(mut later) = self.memory.map(|memory| memory.later_findings).filter(|later| !later.is_empty()) {
            later.sort_by_key(|(step, _)| *step);
            let room = MAX_FINDINGS.saturating_sub(self.findings.len());
            self.findings.extend(later.into_iter().take(room).map(|(_, finding)| finding));
        }
        self.findings
    }

    /// Runs `checks`, which belong to `step`, a step after the tree build: their findings are put after those
    /// of the steps before it.
    fn in_step<T>(&mut self, step: Step, checks: impl FnOnce(&mut Self) -> T) -> T {
        let outer = self.step.replace(step);
        let output = checks(self);
        self.step = outer;
        output
    }

    /// Records a finding (up to [`MAX_FINDINGS`] per message).
    #[cold]
    pub fn report(&mut self, rule: Rule, message: impl Into<String>, span: Range<usize>) {
        match self.step {
            None if self.findings.len() < MAX_FINDINGS => {
                self.findings.push(Diagnostic::new(rule, message).with_span(span));
            }
            Some(step) if self.memory.as_ref().is_none_or(|memory| memory.later_findings.len() < MAX_FINDINGS) => {
                let finding = Diagnostic::new(rule, message).with_span(span);
                self.memory_mut().later_findings.push((step, finding));
            }
            _ => {}
        }
    }

    /// The tag the reference uses in messages about `node`.
    pub fn tag(&self, node: NodeId) -> &'t str {
        match self.built[node].kind.messageml_tag() {
            Some(tag)
                if self.document.is_named(node, "div")
                    || self.document.is_named(node, "input")
                    || self.document.is_named(node, "span") =>
            {
                tag
            }
            Some(tag) if matches!(self.built[node].kind, Kind::Chime) => tag,
            _ => self.document.name(node),
        }
    }

    /// The span of an element's start tag.
    pub fn start_tag(&self, node: NodeId) -> Range<usize> {
        self.document.nodes[node].start_tag.clone()
    }

    /// The decoded value of an attribute, honouring the class token removed at creation.
    pub fn attribute(&self, node: NodeId, name: &str) -> Option<Cow<'t, str>> {
        let node = self.attribute_source(node);
        if name == "type" && self.document.is_named(node, "input") {
            return None;
        }
        if name == "class" {
            if let Some(class) = self.class_override(node) {
                return class.clone().map(Cow::Owned);
            }
        }
        self.document.attribute(node, name)
    }

    /// The span of an attribute, or of the start tag when it is absent.
    pub fn attribute_span(&self, node: NodeId, name: &str) -> Range<usize> {
        let node = self.attribute_source(node);
        self.document.find_attribute(node, name).map_or_else(|| self.start_tag(node), |attribute| attribute.span.clone())
    }

    /// Reports a finding at the start tag of `node`.
    #[cold]
    pub fn report_element(&mut self, node: NodeId, rule: Rule, message: impl Into<String>) {
        let span = self.start_tag(node);
        self.report(rule, message, span);
    }

    /// Reports a finding at attribute `name` of `node` (at its start tag when the attribute is absent).
    #[cold]
    pub fn report_attribute(&mut self, node: NodeId, name: &str, rule: Rule, message: impl Into<String>) {
        let span = self.attribute_span(node, name);
        self.report(rule, message, span);
    }

    /// Builds the whole message from its root.
    pub fn check_root(&mut self) {
        let root = self.document.root;
        let kind = match self.format {
            Format::MessageMl => Kind::MessageMl,
            Format::PresentationMl => Kind::PresentationMl,
        };
        self.built[root].kind = kind;
        self.attribute_failed = false;
        if !self.document.nodes[root].attributes.is_empty() {
            self.build_attributes(root, root, kind);
        }
        self.build_children(root, root);
        self.in_step(Step::Root, |checker| checker.validate_root(root));
        // The assembly comes only after every check above passed.
        let is_error = |finding: &Diagnostic| finding.severity == Severity::Error;
        // Shorthand ids can only collide with data that has a key spelled like one.
        let may_crash = self.has_entity_references
            || (self.has_shorthand_entities && self.entity_json.may_have_generated_id_keys());
        let reached = may_crash
            && !self.findings.iter().any(is_error)
            && !self.memory.as_ref().is_some_and(|memory| {
                memory.later_findings.iter().any(|(step, finding)| *step < Step::EntityJson && is_error(finding))
            });
        if let Some((span, message)) = reached.then(|| super::assembly::first_crash(self)).flatten() {
            self.in_step(Step::EntityJson, |checker| checker.report(Rule::ReferenceParserCrash, message, span));
        }
    }

    /// The built children of `node` (transparent `div`s flattened, folded elements left out), without
    /// allocating unless a transparent `div` is met.
    pub fn children(&self, node: NodeId) -> BuiltChildren<'_, 'd, 't> {
        let first = if let Some((_, label)) = self.group(node) {
            if label == NO_NODE {
                NO_NODE
            } else {
                self.document.nodes[label].first_child
            }
        } else if self.document.is_named(node, "input") && matches!(self.built[node].kind, Kind::Checkbox | Kind::Radio) {
            NO_NODE
        } else {
            self.document.nodes[node].first_child
        };
        BuiltChildren { checker: self, next: first, resume: Vec::new() }
    }

    /// The node whose attributes an element is built from (the `input` of a PresentationML group).
    pub fn attribute_source(&self, node: NodeId) -> NodeId {
        self.group(node).map_or(node, |(input, _)| input)
    }

    /// The format an element is built in: PresentationML for the elements written as `div`/`input`, else the
    /// message's format.
    pub fn element_format(&self, node: NodeId) -> Format {
        let converted = self.document.is_named(node, "input")
            || self.document.is_named(node, "div") && !matches!(self.built[node].kind, Kind::Div | Kind::PresentationMl);
        if converted {
            Format::PresentationMl
        } else {
            self.format
        }
    }

    /// Whether a built child is a text node.
    pub fn is_text(&self, node: NodeId) -> bool {
        matches!(self.document.nodes[node].kind, NodeKind::Text | NodeKind::CData)
    }

    /// Whether a built child is non-blank text.
    pub fn is_nonblank_text(&self, node: NodeId) -> bool {
        match self.document.nodes[node].kind {
            NodeKind::Text => !self.document.is_blank_text(node),
            NodeKind::CData => !is_blank(&self.document.text_value(node)),
            _ => false,
        }
    }

    /// Builds the children of `dom` into the built element `parent`, and their descendants, in the reference's
    /// order (see the module documentation). The walk keeps its own stack, as deep as the document (bounded by
    /// [`super::xml::MAX_DEPTH`]), so that deep nesting never grows the thread's stack.
    fn build_children(&mut self, parent: NodeId, dom: NodeId) {
        let mut stack = std::mem::take(self.frames);
        stack.clear();
        stack.push(Frame { parent, cursor: self.document.nodes[dom].first_child, closing: None });
        while let Some(frame) = stack.last_mut() {
            let child = frame.cursor;
            if child == NO_NODE {
                if let Some(Frame { closing: Some(closing), .. }) = stack.pop() {
                    self.close_element(&closing);
                    self.note_element(closing.parent, closing.node);
                }
                continue;
            }
            frame.cursor = self.document.nodes[child].next_sibling;
            let parent = frame.parent;
            let node = &self.document.nodes[child];
            match node.kind {
                NodeKind::Text => self.note_text(parent),
                NodeKind::Element => match self.open_element(parent, child) {
                    Opened::Done => self.note_element(parent, child),
                    Opened::Transparent => {
                        let cursor = self.document.nodes[child].first_child;
                        stack.push(Frame { parent, cursor, closing: None });
                    }
                    Opened::Built(closing) => {
                        let content = closing.content;
                        if content != NO_NODE && self.document.nodes[content].first_child != NO_NODE {
                            let cursor = self.document.nodes[content].first_child;
                            stack.push(Frame { parent: child, cursor, closing: Some(closing) });
                        } else {
                            self.close_element(&closing);
                            self.note_element(parent, child);
                        }
                    }
                },
                NodeKind::Comment => self.report(Rule::UnknownElement, "Invalid element \"#comment\"", node.span.clone()),
                NodeKind::CData => {
                    self.report(Rule::UnknownElement, "Invalid element \"#cdata-section\"", node.span.clone());
                    self.note_text(parent);
                }
                NodeKind::ProcessingInstruction => self.report(
                    Rule::UnknownElement,
                    format!("Invalid element \"{}\"", self.document.name(child)),
                    node.span.clone(),
                ),
            }
        }
        *self.frames = stack;
    }

    /// Notes a built child element in its built parent's [`Contents`].
    fn note_element(&mut self, parent: NodeId, child: NodeId) {
        let kind = self.built[child].kind;
        if !matches!(kind, Kind::None | Kind::Folded | Kind::Transparent) {
            let contents = &mut self.built[parent].contents;
            contents.kinds |= kind.bit();
            contents.any = true;
        }
    }

    /// Notes a text or CDATA child in its built parent's [`Contents`].
    fn note_text(&mut self, parent: NodeId) {
        let contents = &mut self.built[parent].contents;
        contents.any = true;
        contents.text = true;
    }

    /// The first built child of `node` that `offends`, unless `passes` (read off the node's [`Contents`]) says
    /// that none does.
    fn first_offending(&self, node: NodeId, passes: bool, offends: impl Fn(&Self, NodeId) -> bool) -> Option<NodeId> {
        if passes {
            debug_assert!(
                self.children(node).all(|child| !offends(self, child)),
                "the contents noted for node {node} disagree with its children"
            );
            return None;
        }
        self.children(node).find(|child| offends(self, *child))
    }

    /// Creates an element and builds its attributes: what comes before its children.
    fn open_element(&mut self, parent: NodeId, node: NodeId) -> Opened {
        self.built[node].parent = parent;
        let kind = self.create(parent, node);
        self.built[node].kind = kind;
        match kind {
            Kind::None | Kind::Folded => return Opened::Done,
            Kind::Transparent => return Opened::Transparent,
            _ => {}
        }
        self.constructor_checks(node, kind);
        self.attribute_failed = false;
        let group_kind = matches!(kind, Kind::Checkbox | Kind::Radio);
        let is_field = group_kind || kind == Kind::TextField;
        let is_input = is_field && self.document.is_named(node, "input");
        let presentation_field = is_field && self.element_format(node) == Format::PresentationMl;
        if kind == Kind::TextField && presentation_field && self.document.nodes[node].first_child != NO_NODE {
            // A PresentationML text field takes its initial value from `value`: any content at all is refused,
            // before its attributes are read.
            self.report_element(node, Rule::ElementNotAllowedHere, "Element \"text-field\" may not have child elements or text content");
            return Opened::Done;
        }
        // In PresentationML every grouped element not written as an `input` (a `div` group, or a `checkbox`/`radio`
        // tag, which takes the document's format) is read as a group of one `input` and one `label`.
        let content = if group_kind && presentation_field && !is_input {
            match self.group_parts(node, kind) {
                Some((input, label)) => {
                    self.memory_mut().groups.insert(node, (input, label));
                    label
                }
                None => return Opened::Done,
            }
        } else if group_kind && is_input {
            // A grouped element written as a bare input builds its attributes only.
            NO_NODE
        } else {
            node
        };
        let source = self.attribute_source(node);
        if !self.document.nodes[source].attributes.is_empty() {
            self.build_attributes(source, node, kind);
        }
        let attributes_ok = !self.attribute_failed;
        Opened::Built(Closing { node, parent, kind, content, attributes_ok })
    }

    /// Validates an element after its children are built, and records its id.
    fn close_element(&mut self, closing: &Closing) {
        let Closing { node, kind, attributes_ok, .. } = *closing;
        if attributes_ok {
            self.validate(node, kind);
        }
        if matches!(kind, Kind::Form | Kind::Dialog) {
            if let Some(id) = self.attribute(node, "id") {
                if !self.memory_mut().ids.insert(id.clone().into_owned()) {
                    self.report_attribute(node, "id", Rule::DuplicateId, format!("Elements must have unique ids. The following value is not unique: [{id}]."));
                }
            }
        }
    }

    /// Picks the element class, as `MessageMLParser.createElement` does.
    fn create(&mut self, parent: NodeId, node: NodeId) -> Kind {
        let tag = self.document.name(node);
        let span = self.start_tag(node);
        let presentation = self.format == Format::PresentationMl;
        let shorthand = |checker: &mut Self, kind: Kind| {
            if presentation {
                checker.report(
                    Rule::UnknownElement,
                    format!("Shorthand tag \"{tag}\" is not allowed in PresentationML"),
                    span.clone(),
                );
                Kind::None
            } else {
                kind
            }
        };
        if tag.len() == 2 && tag.starts_with('h') && matches!(tag.as_bytes()[1], b'1'..=b'6') {
            return Kind::Header;
        }
        match tag {
            "chime" => shorthand(self, Kind::Chime),
            "audio" => Kind::Chime,
            "p" => Kind::Paragraph,
            "br" => Kind::LineBreak,
            "hr" => Kind::HorizontalRule,
            "span" => {
                let class = self.document.attribute(node, "class").unwrap_or_default();
                let has_target = self.document.find_attribute(node, "data-target-id").is_some();
                if has_target
                    && (self.document.find_attribute(node, "data-title").is_some() || has_class_token(&class, "info-hint"))
                {
                    self.fold_target_reference(node, "data-target-id")
                } else if has_class_token(&class, "entity") {
                    self.create_entity(node)
                } else {
                    Kind::Span
                }
            }
            "div" => {
                let class = self.document.attribute(node, "class").unwrap_or_default();
                self.create_from_div(node, &class)
            }
            "input" => self.create_from_input(node),
            "b" => Kind::Bold,
            "i" => Kind::Italic,
            "pre" => Kind::Preformatted,
            "hash" => {
                let kind = shorthand(self, Kind::HashTag);
                self.shorthand_entity(kind)
            }
            "cash" => {
                let kind = shorthand(self, Kind::CashTag);
                self.shorthand_entity(kind)
            }
            "mention" => {
                let kind = shorthand(self, Kind::Mention);
                self.shorthand_entity(kind)
            }
            "a" => Kind::Link,
            "img" => Kind::Image,
            "ul" => Kind::BulletList,
            "ol" => Kind::OrderedList,
            "li" => Kind::ListItem,
            "table" => Kind::Table,
            "thead" => Kind::TableHeader,
            "tbody" => Kind::TableBody,
            "tfoot" => Kind::TableFooter,
            "tr" => Kind::TableRow,
            "th" => Kind::TableHeaderCell,
            "td" => Kind::TableCell,
            "card" => shorthand(self, Kind::Card),
            "expandable-card" => shorthand(self, Kind::ExpandableCard),
            "code" => Kind::Code,
            "header" => {
                let kind =
                    if self.built[parent].kind == Kind::ExpandableCard { Kind::ExpandableCardHeader } else { Kind::CardHeader };
                shorthand(self, kind)
            }
            "body" => {
                let grandparent = self.built[parent].parent;
                let kind = if self.built[parent].kind == Kind::Dialog
                    || (grandparent != NO_NODE && self.built[grandparent].kind == Kind::Dialog)
                {
                    Kind::DialogBody
                } else if self.built[parent].kind == Kind::ExpandableCard {
                    Kind::ExpandableCardBody
                } else {
                    Kind::CardBody
                };
                shorthand(self, kind)
            }
            "emoji" => self.shorthand_entity(Kind::Emoji),
            "form" => Kind::Form,
            "select" => Kind::Select,
            "option" => Kind::Option,
            "button" => Kind::Button,
            "text-field" => Kind::TextField,
            "checkbox" => Kind::Checkbox,
            "radio" => Kind::Radio,
            "person-selector" => Kind::PersonSelector,
            "room-selector" => Kind::RoomSelector,
            "date-selector" => Kind::DateSelector,
            "date-picker" => Kind::DatePicker,
            "time-picker" => Kind::TimePicker,
            "timezone-picker" => Kind::TimezonePicker,
            "textarea" => Kind::TextArea,
            "ui-action" => {
                self.has_ui_action_target |= self.document.find_attribute(node, "target-id").is_some();
                Kind::UiAction
            }
            "dialog" => Kind::Dialog,
            "title" => Kind::DialogTitle,
            "footer" => Kind::DialogFooter,
            "label" => self.fold_target_reference(node, "for"),
            "sub" => Kind::Subscript,
            "sup" => Kind::Superscript,
            "tag" => self.shorthand_entity(Kind::FinancialTag),
            "richtextarea" => Kind::RichTextArea,
            "dateTime" => self.shorthand_entity(Kind::DateTime),
            _ => {
                self.report(Rule::UnknownElement, format!("Invalid MessageML content at element \"{tag}\""), span);
                Kind::None
            }
        }
    }

    /// Notes that a shorthand entity (its id generated by the reference) was created.
    fn shorthand_entity(&mut self, kind: Kind) -> Kind {
        self.has_shorthand_entities |= kind != Kind::None;
        kind
    }

    /// A `tooltip` (`data-target-id`) or `label` (`for`) names the element it belongs to; the reference's
    /// message names the attribute as the element and speaks of `data-target-id` in both cases.
    fn fold_target_reference(&mut self, node: NodeId, attribute: &str) -> Kind {
        match self.document.attribute(node, attribute) {
            Some(id) if !id.is_empty() => {
                self.memory_mut().tooltip_targets.insert(id.into_owned());
                Kind::Folded
            }
            _ => {
                self.report_element(node, Rule::MissingAttribute, format!("Invalid MessageML content at element \"{attribute}\": 'data-target-id' attribute missing or empty"));
                Kind::None
            }
        }
    }

    fn remove_class_token(&mut self, node: NodeId, class: &str, token: &str) {
        let remaining: Vec<&str> = class.split_ascii_whitespace().filter(|part| !part.eq_ignore_ascii_case(token)).collect();
        let value = if remaining.is_empty() { None } else { Some(remaining.join(" ")) };
        self.memory_mut().class_overrides.insert(node, value);
    }

    fn create_from_div(&mut self, node: NodeId, class: &str) -> Kind {
        if self.document.find_attribute(node, "data-generated").is_some() {
            return Kind::Transparent;
        }
        if has_class_token(class, "entity") {
            return self.create_entity(node);
        }
        const DIV_CLASSES: &[(&str, Kind)] = &[
            ("card", Kind::Card),
            ("cardBody", Kind::CardBody),
            ("cardHeader", Kind::CardHeader),
            ("expandable-card", Kind::ExpandableCard),
            ("expandableCardBody", Kind::ExpandableCardBody),
            ("expandableCardHeader", Kind::ExpandableCardHeader),
            ("person-selector", Kind::PersonSelector),
            ("room-selector", Kind::RoomSelector),
            ("date-selector", Kind::DateSelector),
            ("checkbox-group", Kind::Checkbox),
            ("radio-group", Kind::Radio),
            ("ui-action", Kind::UiAction),
            ("timezone-picker", Kind::TimezonePicker),
        ];
        // The first entry of the list that the class has (the list's order decides, not the class's).
        let picked = class
            .split_ascii_whitespace()
            .filter_map(|part| DIV_CLASSES.iter().position(|(token, _)| *token == part))
            .min();
        match picked.and_then(|index| DIV_CLASSES.get(index)) {
            Some((token, kind)) => {
                self.remove_class_token(node, class, token);
                *kind
            }
            None => Kind::Div,
        }
    }

    fn create_from_input(&mut self, node: NodeId) -> Kind {
        let input_type = self.document.attribute(node, "type").unwrap_or_default();
        for (token, kind) in [
            ("text", Kind::TextField),
            ("checkbox", Kind::Checkbox),
            ("radio", Kind::Radio),
            ("date", Kind::DatePicker),
            ("time", Kind::TimePicker),
        ] {
            if input_type.split(|character: char| character.is_ascii_whitespace()).any(|part| part == token) {
                return kind;
            }
        }
        self.report_element(node, Rule::UnknownElement, format!("The input type \"{input_type}\" is not allowed on PresentationML"));
        Kind::None
    }

    fn create_entity(&mut self, node: NodeId) -> Kind {
        let tag = self.document.name(node);
        let span = self.start_tag(node);
        let id = self.document.attribute(node, "data-entity-id").unwrap_or_default();
        let mut values = self.entity_json.find_values(&id);
        let (first, duplicate) = (values.next(), values.next().is_some());
        let Some(entity) = first else {
            self.report(Rule::EntityDataMissing, "The attribute \"data-entity-id\" is required", span);
            return Kind::None;
        };
        if duplicate {
            self.report(Rule::EntityDataMissing, format!("Duplicate \"data-entity-id\"=\"{id}\" in entityJSON"), span);
            return Kind::None;
        }
        self.has_entity_references = true;
        let (entity_type, ids) = entity.get_two("type", "id");
        let value = ids.and_then(|ids| ids.index(0)).and_then(|first| first.get("value"));
        if let (Some(entity_type), Some(value)) = (entity_type, value) {
            let Some(type_name) = entity_type.text_value() else {
                // The reference switches on the type's text, which a non-string type does not have.
                self.report(
                    Rule::ReferenceParserCrash,
                    format!("The entity \"{id}\" has a \"type\" that is not a string; the Agent's parser fails on it"),
                    span,
                );
                return Kind::None;
            };
            match type_name.as_ref() {
                "org.symphonyoss.fin.security" => return Kind::CashTag,
                "org.symphonyoss.taxonomy" => {
                    if let Some(message) = forms::hashtag_pattern_error(&value.as_text()) {
                        self.report(Rule::InvalidAttributeValue, message, span);
                        return Kind::None;
                    }
                    return Kind::HashTag;
                }
                "com.symphony.user.mention" => return Kind::Mention,
                _ => {}
            }
        }
        if tag == "div" {
            Kind::Div
        } else {
            Kind::Span
        }
    }

    fn constructor_checks(&mut self, node: NodeId, kind: Kind) {
        if kind == Kind::Chime {
            let parent = self.built[node].parent;
            if !matches!(self.built[parent].kind, Kind::MessageMl | Kind::PresentationMl) {
                let span = self.start_tag(node);
                self.report(Rule::ElementNotAllowedHere, "Element \"chime\" has to be the only element in the message.", span);
            }
        }
    }

    /// Reports an attribute the element does not accept.
    #[cold]
    pub fn attribute_not_allowed(&mut self, node: NodeId, name: &str, span: Range<usize>) {
        let tag = self.tag(node);
        self.report(Rule::AttributeNotAllowed, format!("Attribute \"{name}\" is not allowed in \"{tag}\""), span);
        self.attribute_failed = true;
    }

    /// Reports a value the attribute does not accept, failing the element's attribute phase.
    #[cold]
    pub fn attribute_invalid(&mut self, rule: Rule, message: impl Into<String>, span: Range<usize>) {
        self.report(rule, message, span);
        self.attribute_failed = true;
    }

    /// The `input` and `label` of a PresentationML checkbox/radio group, checked as the reference does.
    fn group_parts(&mut self, node: NodeId, kind: Kind) -> Option<(NodeId, NodeId)> {
        let document = self.document;
        let invalid = |checker: &mut Self| {
            let span = checker.start_tag(node);
            let tag = if kind == Kind::Checkbox { "checkbox" } else { "radio" };
            checker.report(Rule::ElementNotAllowedHere, format!("Invalid PresentationML for the \"{tag}\" element"), span);
            None
        };
        let parts: Vec<NodeId> = document.children(node).filter(|child| document.nodes[*child].kind != NodeKind::Text).collect();
        if parts.len() != 2 {
            return invalid(self);
        }
        let (mut input, mut label) = (NO_NODE, NO_NODE);
        for part in parts {
            let is_element = document.nodes[part].kind == NodeKind::Element;
            match document.name(part) {
                "input" if is_element && input == NO_NODE => input = part,
                "label" if is_element && label == NO_NODE => label = part,
                _ => return invalid(self),
            }
        }
        if label != NO_NODE && document.nodes[label].first_child == NO_NODE {
            return invalid(self);
        }
        for part in [input, label] {
            if part != NO_NODE {
                self.built[part].kind = Kind::Folded;
            }
        }
        Some((input, label))
    }

    fn build_attributes(&mut self, source: NodeId, node: NodeId, kind: Kind) {
        let document = self.document;
        let from_input = document.is_named(source, "input");
        for attribute in document.attributes_of(source) {
            let name = document.attribute_name(attribute);
            if from_input && name == "type" {
                continue;
            }
            let value = document.attribute_value(attribute);
            let span = attribute.span.clone();
            if name == "class" {
                if let Some(None) = self.class_override(node) {
                    continue;
                }
            }
            let is_tooltip_target = || self.memory.as_ref().is_some_and(|memory| memory.tooltip_targets.contains(value.as_ref()));
            if self.format == Format::PresentationMl && name == "id" && is_tooltip_target() {
                continue;
            }
            self.build_attribute(node, kind, name, &value, span);
        }
    }

    fn check_long(&mut self, name: &str, value: &str, span: Range<usize>) {
        if parse_java_long(value).is_none() {
            self.attribute_invalid(
                Rule::InvalidAttributeValue,
                format!("Invalid input: {name} must be a int64 value not \"{value}\""),
                span,
            );
        }
    }

    fn check_style_attribute(&mut self, value: &str, span: Range<usize>) {
        if let Some(message) = check_style(value) {
            self.attribute_invalid(Rule::InvalidStyle, message, span);
        }
    }

    /// Default attribute rule: `class` and `style` only.
    pub fn default_attribute(&mut self, node: NodeId, name: &str, value: &str, span: Range<usize>) {
        match name {
            "class" => {}
            "style" => self.check_style_attribute(value, span),
            _ => self.attribute_not_allowed(node, name, span),
        }
    }

    fn build_attribute(&mut self, node: NodeId, kind: Kind, name: &str, value: &str, span: Range<usize>) {
        // Only the card elements' attributes depend on the format they are written in.
        let presentation = matches!(
            kind,
            Kind::Card | Kind::CardHeader | Kind::CardBody | Kind::ExpandableCard | Kind::ExpandableCardHeader | Kind::ExpandableCardBody
        ) && self.element_format(node) == Format::PresentationMl;
        match kind {
            // `class` and `style` are kept (a style checked) and refused by the root's `validate()`, after the tree.
            Kind::MessageMl => match name {
                "xmlns" | "class" => {}
                "style" => self.check_style_attribute(value, span),

                _ => self.attribute_invalid(
                    Rule::AttributeNotAllowed,
                    format!("Attribute \"{name}\" is not allowed in \"messageML\""),
                    span,
                ),
            },
            Kind::PresentationMl => match name {
                "data-format" | "data-version" | "class" => {}
                "style" => self.check_style_attribute(value, span),
                _ => self.attribute_invalid(
                    Rule::AttributeNotAllowed,
                    format!("Attribute \"{name}\" is not allowed in \"messageML\""),
                    span,
                ),
            },
            Kind::LineBreak | Kind::HorizontalRule => self.attribute_not_allowed(node, name, span),
            Kind::Div => match name {
                "data-entity-id" | "data-icon-src" | "data-accent-color" | "data-state" | "data-variant" => {}
                _ => self.default_attribute(node, name, value, span),
            },
            Kind::Span => match name {
                "data-entity-id" | "data-title" | "data-target-id" => {}
                _ => self.default_attribute(node, name, value, span),
            },
            Kind::Code => match name {
                "language" | "data-language" => {}
                _ => self.default_attribute(node, name, value, span),
            },
            Kind::Link => match name {
                "href" => {
                    if !is_java_uri(value) {
                        self.attribute_invalid(
                            Rule::HrefNotAbsoluteUri,
                            format!("Invalid input: null must be a URI value not \"{value}\""),
                            span,
                        );
                    }
                }
                _ => self.default_attribute(node, name, value, span),
            },
            Kind::Image => match name {
                "src" => {}
                _ => self.default_attribute(node, name, value, span),
            },
            Kind::TableCell => match name {
                "rowspan" | "colspan" => self.check_long(name, value, span),
                _ => self.default_attribute(node, name, value, span),
            },
            Kind::Card => match name {
                "iconSrc" | "accent" if !presentation => {}
                "data-icon-src" | "data-accent-color" if presentation => {}
                _ => self.default_attribute(node, name, value, span),
            },
            Kind::CardHeader | Kind::CardBody | Kind::ExpandableCardHeader => {
                if presentation {
                    self.default_attribute(node, name, value, span);
                } else {
                    self.attribute_not_allowed(node, name, span);
                }
            }
            Kind::ExpandableCard => match name {
                "state" if !presentation => {}
                "data-state" if presentation => {}
                _ => self.default_attribute(node, name, value, span),
            },
            Kind::ExpandableCardBody => match name {
                "variant" if !presentation => {}
                "data-variant" if presentation => {}
                "class" | "style" if presentation => self.default_attribute(node, name, value, span),
                _ => self.attribute_not_allowed(node, name, span),
            },
            Kind::Chime => match name {
                "src" | "autoplay" => {}
                _ => self.attribute_not_allowed(node, name, span),
            },
            Kind::HashTag | Kind::CashTag if !self.document.is_named(node, "hash") && !self.document.is_named(node, "cash") => {
                self.entity_element_attribute(node, name, value, span);
            }
            Kind::HashTag | Kind::CashTag => match name {
                "tag" | "data-entity-id" => {}
                _ => self.attribute_not_allowed(node, name, span),
            },
            Kind::Mention if !self.document.is_named(node, "mention") => {
                self.entity_element_attribute(node, name, value, span);
            }
            Kind::Mention => match name {
                "uid" => self.check_long(name, value, span),
                "email" | "strict" | "data-entity-id" => {}
                _ => self.attribute_not_allowed(node, name, span),
            },
            Kind::Emoji => match name {
                "shortcode" | "annotation" | "family" | "size" => {}
                _ => self.attribute_not_allowed(node, name, span),
            },
            Kind::DateTime => match name {
                "value" | "format" => {}
                _ => self.attribute_not_allowed(node, name, span),
            },
            Kind::FinancialTag => match name {
                "fullbbgcompticker" | "unique-id" | "figi" | "bbgcompticker" | "figi-ticker" | "us-code" | "isin"
                | "local-code" | "instrument-class" | "bbgmarket-sector" | "return-main-listing" | "country-code"
                | "operational-mic" | "fallback-ticker" | "data-entity-id" => {}
                _ => self.attribute_not_allowed(node, name, span),
            },
            Kind::DialogTitle | Kind::DialogBody | Kind::DialogFooter => self.default_attribute(node, name, value, span),
            kind if forms::is_form_kind(kind) => forms::build_attribute(self, node, kind, name, value, span),
            _ => self.default_attribute(node, name, value, span),
        }
    }

    /// Attributes of a `span`/`div class="entity"` resolved to a hashtag, cashtag or mention.
    fn entity_element_attribute(&mut self, node: NodeId, name: &str, value: &str, span: Range<usize>) {
        match name {
            "data-entity-id" | "class" => {}
            _ => self.default_attribute(node, name, value, span),
        }
    }

    /// `assertNoText`.
    pub fn assert_no_text(&mut self, node: NodeId) -> bool {
        let passes = !self.built[node].contents.text;
        if let Some(text) = self.first_offending(node, passes, |checker, child| checker.is_nonblank_text(child)) {
            let tag = self.tag(node);
            let span = self.document.nodes[text].span.clone();
            self.report(Rule::ElementNotAllowedHere, format!("Element \"{tag}\" may not have text content"), span);
            return false;
        }
        true
    }

    /// `assertNoContent`: no children at all, whitespace included.
    pub fn assert_no_content(&mut self, node: NodeId) -> bool {
        if let Some(child) = self.first_offending(node, !self.built[node].contents.any, |_, _| true) {
            let tag = self.tag(node);
            let span = self.document.nodes[child].span.clone();
            self.report(
                Rule::ElementNotAllowedHere,
                format!("Element \"{tag}\" may not have child elements or text content"),
                span,
            );
            return false;
        }
        true
    }

    /// `assertContentModel`: every element child is one of `allowed` (blank text ignored; other text allowed
    /// only when `text_allowed`).
    pub fn assert_content_model(&mut self, node: NodeId, allowed: &[Kind], text_allowed: bool) -> bool {
        let (contents, allowed) = (self.built[node].contents, Kind::set_of(allowed));
        let passes = contents.kinds & !allowed == 0 && (text_allowed || !contents.text);
        let offending = self.first_offending(node, passes, |checker, child| {
            if checker.is_text(child) {
                !text_allowed && checker.is_nonblank_text(child)
            } else {
                checker.built[child].kind.bit() & allowed == 0
            }
        });
        let Some(child) = offending else { return true };
        let tag = self.tag(node);
        // A text node has no MessageML tag: the reference prints Java's `null`.
        let child_tag = if self.is_text(child) { "null" } else { self.tag(child) };
        let span = self.document.nodes[child].span.clone();
        self.report(Rule::ElementNotAllowedHere, format!("Element \"{child_tag}\" is not allowed in \"{tag}\""), span);
        false
    }

    fn assert_phrasing(&mut self, node: NodeId, allow_preformatted: bool) -> bool {
        let allowed = if allow_preformatted { PHRASING | Kind::Preformatted.bit() } else { PHRASING };
        let offending = self.first_offending(node, self.built[node].contents.kinds & !allowed == 0, |checker, child| {
            !checker.is_text(child) && checker.built[child].kind.bit() & allowed == 0
        });
        let Some(child) = offending else { return true };
        let tag = self.tag(node);
        let child_tag = self.tag(child);
        let span = self.document.nodes[child].span.clone();
        self.report(Rule::ElementNotAllowedHere, format!("Element \"{child_tag}\" is not allowed in \"{tag}\""), span);
        false
    }

    /// `assertParent`: the built parent is one of `allowed`.
    pub fn assert_parent(&mut self, node: NodeId, allowed: &[Kind]) -> bool {
        let parent = self.built[node].parent;
        if parent == NO_NODE || !allowed.contains(&self.built[parent].kind) {
            let names: Vec<&str> = allowed.iter().map(|kind| kind.class_name()).collect();
            let tag = self.tag(node);
            self.report_element(node, Rule::ElementNotAllowedHere, format!("Element \"{tag}\" can only be a child of the following elements: [{}]", names.join(", ")));
            return false;
        }
        true
    }

    /// Whether some ancestor of `node` is one of `kinds`.
    pub fn has_ancestor(&self, node: NodeId, kinds: &[Kind]) -> bool {
        let mut current = self.built[node].parent;
        while current != NO_NODE {
            if kinds.contains(&self.built[current].kind) {
                return true;
            }
            current = self.built[current].parent;
        }
        false
    }

    /// `assertParentAtAnyLevel`.
    pub fn assert_ancestor(&mut self, node: NodeId, kinds: &[Kind]) -> bool {
        if !self.has_ancestor(node, kinds) {
            let names: Vec<&str> = kinds.iter().map(|kind| kind.class_name()).collect();
            let tag = self.tag(node);
            self.report_element(node, Rule::ElementNotAllowedHere, format!("Element \"{tag}\" can only be a inner child of the following elements: [{}]", names.join(", ")));
            return false;
        }
        true
    }

    /// `assertContainsChildOfType`.
    pub fn assert_contains_child(&mut self, node: NodeId, kinds: &[Kind], names: &str) -> bool {
        let found = self.built[node].contents.kinds & Kind::set_of(kinds) != 0;
        debug_assert_eq!(
            found,
            self.children(node).any(|child| !self.is_text(child) && kinds.contains(&self.built[child].kind)),
            "the contents noted for node {node} disagree with its children"
        );
        if !found {
            let tag = self.tag(node);
            self.report_element(node, Rule::ElementNotAllowedHere, format!("The \"{tag}\" element must have at least one child that is any of the following elements: [{names}]."));
        }
        found
    }

    /// `assertAttributeValue`: the lowercased value is one of `allowed`.
    pub fn assert_attribute_value(&mut self, node: NodeId, name: &str, allowed: &[&str]) -> bool {
        let Some(value) = self.attribute(node, name) else { return true };
        if allowed.contains(&value.to_lowercase().as_str()) {
            return true;
        }
        let tag = self.tag(node);
        self.report_attribute(node, name, Rule::InvalidAttributeValue, format!("Attribute \"{name}\" of element \"{tag}\" can only be one of the following values: [{}].", allowed.join(", ")));
        false
    }

    /// `assertAttributeNotBlank`.
    pub fn assert_attribute_not_blank(&mut self, node: NodeId, name: &str) -> bool {
        match self.attribute(node, name) {
            Some(value) if !is_blank(&value) => true,
            _ => {
                let span = self.attribute_span(node, name);
                self.report(Rule::MissingAttribute, format!("The attribute \"{name}\" is required"), span);
                false
            }
        }
    }

    fn validate(&mut self, node: NodeId, kind: Kind) {
        let presentation = matches!(kind, Kind::ExpandableCard | Kind::ExpandableCardBody)
            && self.element_format(node) == Format::PresentationMl;
        match kind {
            Kind::Bold | Kind::Italic | Kind::Header | Kind::Preformatted => {
                self.assert_phrasing(node, false);
            }
            Kind::Code => {
                let language = ["language", "data-language"]
                    .into_iter()
                    .find_map(|name| self.attribute(node, name).map(|value| (name, value)));
                if let Some((name, language)) = language {
                    // Compared lowercased (`assertAttributeValue`), and named as written.
                    if !CODE_LANGUAGES.contains(&language.to_lowercase().as_str()) && !language.is_empty() {
                        self.report_attribute(node, name, Rule::InvalidAttributeValue, format!("Attribute \"{name}\" of element \"code\" can only be one of the following values: [{}].", CODE_LANGUAGES.join(", ")));
                        return;
                    }
                }
                self.assert_phrasing(node, true);
            }
            Kind::LineBreak | Kind::HorizontalRule => {
                self.assert_no_content(node);
            }
            Kind::Link => self.validate_link(node),
            Kind::Image => {
                if self.attribute(node, "src").is_none() {
                    let span = self.start_tag(node);
                    self.report(Rule::MissingAttribute, "The attribute \"src\" is required", span);
                    return;
                }
                self.assert_no_content(node);
            }
            Kind::BulletList | Kind::OrderedList => {
                let _ = self.assert_no_text(node)
                    && self.assert_content_model(node, &[Kind::ListItem], false)
                    && self.assert_contains_child(node, &[Kind::ListItem], "listitem");
            }
            Kind::ListItem => {
                self.assert_parent(node, &[Kind::OrderedList, Kind::BulletList]);
            }
            Kind::Table => {
                let _ = self.assert_no_text(node)
                    && self.assert_content_model(
                        node,
                        &[Kind::TableHeader, Kind::TableBody, Kind::TableFooter, Kind::TableRow],
                        false,
                    );
            }
            Kind::TableHeader | Kind::TableBody | Kind::TableFooter => {
                let _ = self.assert_no_text(node) && self.assert_content_model(node, &[Kind::TableRow], false);
            }
            Kind::TableRow => {
                let _ = self.assert_no_text(node)
                    && self.assert_content_model(node, &[Kind::TableHeaderCell, Kind::TableCell], false);
            }
            Kind::CardHeader | Kind::CardBody => {
                self.assert_parent(node, &[Kind::Card]);
            }
            Kind::ExpandableCard => {
                let name = if presentation { "data-state" } else { "state" };
                if self.assert_attribute_not_blank(node, name) {
                    self.assert_attribute_value(node, name, &["collapsed", "cropped", "expanded"]);
                }
            }
            Kind::ExpandableCardHeader => {
                self.assert_parent(node, &[Kind::ExpandableCard]);
            }
            Kind::ExpandableCardBody
                if self.assert_parent(node, &[Kind::ExpandableCard]) => {
                    let name = if presentation { "data-variant" } else { "variant" };
                    self.assert_attribute_value(node, name, &["default", "error"]);
                }
            Kind::Chime => {
                if let Some(source) = self.attribute(node, "src") {
                    if !source.eq_ignore_ascii_case(CHIME_SOURCE) {
                        self.report_attribute(node, "src", Rule::InvalidAttributeValue, format!("Attribute \"src\" value needs to be \"{CHIME_SOURCE}\""));
                        return;
                    }
                }
                self.assert_no_content(node);
            }
            Kind::HashTag | Kind::CashTag if self.document.is_named(node, "hash") || self.document.is_named(node, "cash") => {
                self.validate_keyword(node, kind);
            }
            Kind::Mention if self.document.is_named(node, "mention") => self.validate_mention(node),
            Kind::Mention => self.validate_entity_mention(node),
            Kind::Emoji => self.validate_emoji(node),
            Kind::DateTime => self.validate_date_time(node),
            Kind::FinancialTag => self.validate_financial_tag(node),
            Kind::Div | Kind::Span => self.validate_div_or_span(node, kind),
            Kind::DialogTitle | Kind::DialogBody | Kind::DialogFooter => forms::validate_dialog_part(self, node),
            kind if forms::is_form_kind(kind) => forms::validate(self, node, kind),
            _ => {}
        }
    }

    fn validate_link(&mut self, node: NodeId) {
        let span = self.attribute_span(node, "href");
        let Some(href) = self.attribute(node, "href") else {
            self.report(Rule::MissingAttribute, "The attribute \"href\" is required", span);
            return;
        };
        if href.is_empty() {
            self.report(Rule::MissingAttribute, "The attribute \"href\" cannot be empty", span);
            return;
        }
        let Some(scheme) = uri_scheme(&href) else {
            self.report(Rule::HrefNotAbsoluteUri, "The attribute \"href\" must contain an absolute URI", span);
            return;
        };
        if !scheme_is_allowed(scheme, self.options) {
            self.report(Rule::UriSchemeNotAllowed, format!("URI scheme \"{scheme}\" is not supported by the pod."), span);
        }
    }

    fn validate_keyword(&mut self, node: NodeId, kind: Kind) {
        let span = self.start_tag(node);
        let Some(tag) = self.attribute(node, "tag") else {
            if kind == Kind::HashTag {
                self.report(
                    Rule::ReferenceParserCrash,
                    "The attribute \"tag\" is required (the Agent's parser fails on a hashtag without one)",
                    span,
                );
            } else {
                self.report(Rule::MissingAttribute, "The attribute \"tag\" is required", span);
            }
            return;
        };
        // Content is not checked: the reference replaces it with the tag.
        if kind == Kind::HashTag {
            if let Some(message) = forms::hashtag_pattern_error(&tag) {
                let span = self.attribute_span(node, "tag");
                self.report(Rule::InvalidAttributeValue, message, span);
            }
        }
    }

    fn validate_mention(&mut self, node: NodeId) {
        let uid = self.attribute(node, "uid");
        let email = self.attribute(node, "email");
        let span = self.start_tag(node);
        if uid.is_none() && email.is_none() {
            // Found when the Markdown tree is built, after everything else.
            self.in_step(Step::Markdown, |checker| {
                checker.report(Rule::MissingAttribute, "Error processing user mention. No id or email provided", span)
            });
            return;
        }
        let lenient = self.attribute(node, "strict").is_some_and(|value| !value.eq_ignore_ascii_case("true"));
        if !lenient {
            let who = uid.or(email).unwrap_or_default();
            self.report(
                Rule::UnknownMentionUser,
                format!("The user \"{who}\" is looked up in the pod's directory on import; whether it exists cannot be known offline"),
                span,
            );
        }
    }

    fn validate_entity_mention(&mut self, node: NodeId) {
        // The user is the entity's `id[0].value`, named so that notes about one user can be grouped.
        let id = self.attribute(node, "data-entity-id").unwrap_or_default();
        let entity = self.entity_json.find_values(&id).next();
        let user = entity.and_then(|entity| entity.get("id")).and_then(|ids| ids.index(0)).and_then(|first| first.get("value"));
        let who = user.map(|value| value.as_text().into_owned()).unwrap_or_default();
        self.report_element(node, Rule::UnknownMentionUser, format!("The user \"{who}\" is looked up in the pod's directory on import; whether it exists cannot be known offline"));
    }

    fn validate_emoji(&mut self, node: NodeId) {
        let shortcode = self.attribute(node, "shortcode").or_else(|| self.attribute(node, "annotation"));
        let span = self.start_tag(node);
        let Some(shortcode) = shortcode else {
            self.report(Rule::MissingAttribute, "Either the attribute \"shortcode\" or \"annotation\" are required", span);
            return;
        };
        if !shortcode.chars().all(|character| character.is_ascii_alphanumeric() || matches!(character, '_' | '+' | '-')) {
            self.report(
                Rule::InvalidAttributeValue,
                "Shortcode or Annotation parameter may only contain alphanumeric characters, underscore, plus sign and dash",
                span,
            );
            return;
        }
        self.assert_phrasing(node, false);
    }

    fn validate_date_time(&mut self, node: NodeId) {
        let span = self.start_tag(node);
        let Some(value) = self.attribute(node, "value") else {
            self.report(Rule::MissingAttribute, "The attribute \"value\" is required", span);
            return;
        };
        if !forms::is_iso_offset_date_time(&value) {
            let span = self.attribute_span(node, "value");
            self.report(Rule::InvalidAttributeValue, "Attribute \"value\" has invalid date format", span);
            return;
        }
        if self.attribute(node, "format").is_some() {
            self.assert_attribute_value(node, "format", &["date_time", "date", "time", "time_secs"]);
        }
    }

    fn validate_financial_tag(&mut self, node: NodeId) {
        if let Some(class) = self.attribute(node, "instrument-class") {
            if !["equity", "index", "fxcross"].contains(&class.as_ref()) {
                self.report_attribute(node, "instrument-class", Rule::InvalidAttributeValue, "the attribute \"instrument-class\" must be one of those values [equity, index, fxcross]");
                return;
            }
        }
        if let Some(sector) = self.attribute(node, "bbgmarket-sector") {
            const SECTORS: &[&str] = &["Equity", "Comdty", "Corp", "Curncy", "Govt", "Index", "Mmkt", "Mtge", "Muni", "Pfd"];
            if !SECTORS.contains(&sector.as_ref()) {
                self.report_attribute(node, "bbgmarket-sector", Rule::InvalidAttributeValue, format!("the attribute \"bbgmarket-sector\" must be one of those values [{}]", SECTORS.join(", ")));
                return;
            }
        }
        if self.attribute(node, "fallback-ticker").is_none_or(|ticker| is_blank(&ticker)) {
            // The pod resolves a tag by its identifying attributes, after the whole tree is built; with none of
            // them it can never find an instrument.
            let identified = IDENTIFYING_TAG_ATTRIBUTES.iter().any(|name| self.attribute(node, name).is_some());
            self.in_step(Step::FinancialTags, |checker| {
                if identified {
                    checker.report_element(node, Rule::InstrumentResolvedByPod, "The instrument is looked up by the pod on import; without a \"fallback-ticker\" the Agent rejects the message when none is found (No instrument found , \"fallback-ticker\" attribute is required)");
                } else {
                    checker.report_element(node, Rule::MissingAttribute, "No instrument found , \"fallback-ticker\" attribute is required");
                }
            });
        }
    }

    fn validate_div_or_span(&mut self, node: NodeId, kind: Kind) {
        const CARD_ATTRIBUTES: [(&str, &str); 4] = [
            ("data-icon-src", "card"),
            ("data-accent-color", "card"),
            ("data-state", "expandable-card"),
            ("data-variant", "expandableCardBody"),
        ];
        // The checks below are about `data-` attributes (most elements have none): one pass over the attributes
        // notes which of them the element has.
        let source = self.attribute_source(node);
        let (mut has_entity_id, mut has_card_attribute) = (false, [false; CARD_ATTRIBUTES.len()]);
        for attribute in self.document.attributes_of(source) {
            let name = self.document.attribute_name(attribute);
            if !name.starts_with("data-") {
                continue;
            }
            has_entity_id |= name == "data-entity-id";
            for (has, (card_attribute, _)) in has_card_attribute.iter_mut().zip(CARD_ATTRIBUTES) {
                *has |= name == card_attribute;
            }
        }
        let class = self.attribute(node, "class").unwrap_or_default();
        let span = self.start_tag(node);
        if has_entity_id && class != "entity" {
            self.report_attribute(node, "data-entity-id", Rule::AttributeNotAllowed, "The attribute \"data-entity-id\" is only allowed if the element class is \"entity\".");
            return;
        }
        if !has_entity_id && class == "entity" {
            self.report(
                Rule::MissingAttribute,
                "The attribute \"data-entity-id\" is required if the element class is \"entity\".",
                span,
            );
            return;
        }
        if kind == Kind::Div {
            let first_class = class.split_whitespace().next().unwrap_or("");
            for ((attribute, required), has) in CARD_ATTRIBUTES.into_iter().zip(has_card_attribute) {
                if has && first_class != required {
                    self.report_attribute(node, attribute, Rule::AttributeNotAllowed, format!("The attribute \"{attribute}\" is only allowed if the element class is \"{required}\"."));
                    return;
                }
            }
        }
    }

    fn validate_root(&mut self, root: NodeId) {
        if self.format == Format::MessageMl && !self.document.nodes[root].attributes.is_empty() {
            if let Some(attribute) = ["class", "style"].into_iter().find(|name| self.document.find_attribute(root, name).is_some()) {
                self.report_attribute(root, attribute, Rule::AttributeNotAllowed, "Element \"messageML\" may not have attributes");
                return;
            }
        }
        if self.format == Format::PresentationMl {
            // `data-version` is needed only when the caller passes no version (`E/MessageML.java:72-75`); the
            // message is judged with the version "2.0", as the reference's own callers and tests pass it.
            let format_ok = self.attribute(root, "data-format").is_some_and(|value| value.eq_ignore_ascii_case("PresentationML"));
            if !format_ok {
                self.report_element(root, Rule::InvalidRoot, "Malformed PresentationML. The attributes \"data-format\" and \"data-version\" are required.");
                return;
            }
        }
        let has_chime = self.built[root].contents.kinds & Kind::Chime.bit() != 0;
        debug_assert_eq!(
            has_chime,
            self.children(root).any(|child| self.built[child].kind == Kind::Chime),
            "the contents noted for the root disagree with its children"
        );
        if has_chime && self.children(root).count() != 1 {
            let span = self.start_tag(root);
            self.report(Rule::ElementNotAllowedHere, "Chime messages may not have any other content", span);
            return;
        }
        if self.has_ui_action_target {
            forms::validate_ui_action_targets(self, root);
        }
    }
}

/// Iterator over the built children of an element (see [`Checker::children`]).
pub struct BuiltChildren<'c, 'd, 't> {
    checker: &'c Checker<'d, 't>,
    next: NodeId,
    /// Where to continue after the children of a transparent `div`.
    resume: Vec<NodeId>,
}

impl Iterator for BuiltChildren<'_, '_, '_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        let nodes = &self.checker.document.nodes;
        loop {
            if self.next == NO_NODE {
                self.next = self.resume.pop()?;
                continue;
            }
            let current = self.next;
            self.next = nodes[current].next_sibling;
            match (nodes[current].kind, self.checker.built[current].kind) {
                (NodeKind::Text | NodeKind::CData, _) => return Some(current),
                (NodeKind::Element, Kind::Transparent) => {
                    self.resume.push(self.next);
                    self.next = nodes[current].first_child;
                }
                (NodeKind::Element, Kind::None | Kind::Folded) => {}
                (NodeKind::Element, _) => return Some(current),
                _ => {}
            }
        }
    }
}

/// The first code point of each run of ten decimal digits (general category Nd) of Unicode 13, the version of
/// Java 17's `Character`: the standard library only knows ASCII digits, and no small crate gives digit values.
const DECIMAL_DIGIT_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0,
    0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0,
    0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60,
    0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// Java's `Character.digit(character, 10)`.
fn java_decimal_digit(character: char) -> Option<u32> {
    let code = u32::from(character);
    if character.is_ascii() {
        return character.to_digit(10);
    }
    let run = DECIMAL_DIGIT_ZEROS.partition_point(|zero| *zero <= code).checked_sub(1)?;
    let offset = code - DECIMAL_DIGIT_ZEROS[run];
    (offset < 10).then_some(offset)
}

/// Java's `Long.parseLong`: optional sign, decimal digits of any script (`Character.digit`), within `i64`.
pub fn parse_java_long(value: &str) -> Option<i64> {
    let (negative, digits) = match value.as_bytes() {
        [b'-', ..] => (true, &value[1..]),
        [b'+', ..] => (false, &value[1..]),
        _ => (false, value),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulated below zero, which reaches `i64::MIN` too.
    let mut below_zero: i64 = 0;
    for character in digits.chars() {
        let digit = java_decimal_digit(character)?;
        below_zero = below_zero.checked_mul(10)?.checked_sub(i64::from(digit))?;
    }
    if negative {
        Some(below_zero)
    } else {
        below_zero.checked_neg()
    }
}

/// Whether `href`, as an `<a>`'s decoded `href` value, passes every check the validator makes of it: not empty
/// ([`Rule::MissingAttribute`]; an empty text has no scheme), a URI `java.net.URI` accepts
/// ([`Rule::HrefNotAbsoluteUri`]), absolute, with a scheme `options` allows ([`Rule::UriSchemeNotAllowed`]).
/// For code that writes MessageML and must write only links the Agent accepts, without validating a whole
/// document per link. The text around it is the writer's business (escapes, and no Freemarker `${`/`#{`).
#[must_use]
pub fn href_is_accepted(href: &str, options: &MessageMlOptions) -> bool {
    is_java_uri(href) && uri_scheme(href).is_some_and(|scheme| scheme_is_allowed(scheme, options))
}

fn scheme_is_allowed(scheme: &str, options: &MessageMlOptions) -> bool {
    options.allowed_uri_schemes.iter().any(|allowed| allowed.eq_ignore_ascii_case(scheme))
}

/// The scheme of an absolute URI, as `java.net.URI#getScheme` sees it.
fn uri_scheme(uri: &str) -> Option<&str> {
    let colon = uri.bytes().position(|byte| byte == b':')?;
    let scheme = &uri[..colon];
    let (first, rest) = scheme.as_bytes().split_first()?;
    (first.is_ascii_alphabetic() && rest.iter().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.')))
        .then_some(scheme)
}

/// The bytes of RFC 3986's unreserved and reserved characters, brackets and `%` aside ([`is_java_uri`]).
static PLAIN_URI_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b'?' | b'#' | b'@' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=');
        byte += 1;
    }
    table
};

/// Whether `java.net.URI` (RFC 2396) accepts the text.
fn is_java_uri(uri: &str) -> bool {
    let raw = uri.as_bytes();
    // Most links are made of RFC 3986's unreserved and reserved characters only (brackets and `%` aside):
    // those need no closer look.
    if !raw.iter().all(|byte| PLAIN_URI_BYTE[usize::from(*byte)]) && !bytes_form_a_java_uri(uri) {
        return false;
    }
    if uri.is_empty() {
        return true;
    }
    // A scheme must be followed by something, and the scheme itself must be well-formed when present.
    if let Some(colon) = raw.iter().position(|byte| *byte == b':') {
        let before = &uri[..colon];
        if !before.contains(['/', '?', '#']) {
            if before.is_empty() {
                return false;
            }
            if uri_scheme(uri).is_none() {
                return false;
            }
            if colon + 1 == uri.len() {
                return false;
            }
            // `//` must be followed by an authority, or at least by a path, query or fragment.
            if uri[colon + 1..] == *"//" {
                return false;
            }
        }
    }
    true
}

/// The character checks of [`is_java_uri`]: escapes, characters a URI never holds, brackets outside an IPv6 host.
fn bytes_form_a_java_uri(uri: &str) -> bool {
    let raw = uri.as_bytes();
    for (index, &byte) in raw.iter().enumerate() {
        match byte {
            b'%' => {
                let valid = raw.get(index + 1).is_some_and(u8::is_ascii_hexdigit) && raw.get(index + 2).is_some_and(u8::is_ascii_hexdigit);
                if !valid {
                    return false;
                }
            }
            b' ' | b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' | 0..=0x1F | 0x7F => return false,
            b'[' | b']' => {
                // Brackets are only allowed around an IPv6 host.
                let authority_start = uri.find("//").map(|position| position + 2);
                let in_host = authority_start.is_some_and(|start| {
                    let host = &uri[start..];
                    host.starts_with('[') && index >= start && host.find(']').is_some_and(|end| index <= start + end)
                });
                if !in_host {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}
