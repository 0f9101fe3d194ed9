//! The EntityJSON assembly of the reference, the step where it crashes instead of answering.
//!
//! After the tree, the financial tags and the root are validated, the reference builds the message's EntityJSON
//! (`P/MessageMLParser.java:202`, `E/Element.java:345-355`): it walks the tree in document order carrying the
//! data object of the nearest enclosing entity element (the top-level data when there is none), and
//! - an entity `span`/`div` that stayed a plain Span/Div (its data is not a hashtag, cashtag or mention) casts
//!   `enclosing[data-entity-id]` to an object (`E/Span.java:57-63`, `E/Div.java:67-73`): a missing member or one
//!   that is not an object throws `ClassCastException`;
//! - hashtags, cashtags and mentions (shorthand or typed), emoji, financial tags and `dateTime` take
//!   `enclosing[id]` (their `data-entity-id`, or an id generated from one counter in document order), casting an
//!   existing member to an object (a member that is not one throws) or creating a fresh one when it is missing
//!   (`E/Entity.java:65-88`).
//!
//! The walk keeps its own stack (no recursion); its depth is the document's, bounded by the parser.

use std::ops::Range;

use super::elements::{Checker, Kind};
use super::entity_json::JsonRef;
use super::xml::NodeId;

/// The data object an element's children are assembled into.
#[derive(Clone, Copy)]
enum Enclosing<'j> {
    /// An object of the record's data.
    Data(JsonRef<'j>),
    /// An object the reference creates (an entity with no data of its own, or a message without data): it has
    /// no member that is an object, so any entity span/div inside it makes the reference throw.
    Created,
}

impl<'j> Enclosing<'j> {
    /// Member `name` of the object.
    fn member(self, name: &str) -> Option<JsonRef<'j>> {
        match self {
            Enclosing::Data(object) => object.get(name),
            Enclosing::Created => None,
        }
    }
}

/// The first element (document order) on which the reference's EntityJSON assembly throws: its start tag and
/// the finding's message. Only meaningful when every earlier check passed.
pub fn first_crash<'c>(checker: &'c Checker<'_, '_>) -> Option<(Range<usize>, String)> {
    let document = checker.document;
    // Without data, an entity span/div has already failed its look-up and no shorthand id can collide.
    let top = Enclosing::Data(checker.entity_json.root()?);
    let mut generated = 0usize;
    let mut stack: Vec<(NodeId, Enclosing<'c>)> = Vec::new();
    let push_children = |stack: &mut Vec<(NodeId, Enclosing<'c>)>, node: NodeId, enclosing: Enclosing<'c>| {
        let start = stack.len();
        stack.extend(checker.children(node).filter(|child| !checker.is_text(*child)).map(|child| (child, enclosing)));
        stack[start..].reverse();
    };
    push_children(&mut stack, document.root, top);
    while let Some((node, enclosing)) = stack.pop() {
        let kind = checker.built[node].kind;
        let entered = match kind {
            Kind::Span | Kind::Div => match checker.attribute(node, "data-entity-id") {
                None => enclosing,
                Some(id) => match enclosing.member(&id) {
                    Some(object) if object.is_object() => Enclosing::Data(object),
                    _ => {
                        let message = format!("The entity \"{id}\" is not a member of the data of the entity around it (or of the top-level data); the Agent's parser fails when it assembles the EntityJSON");
                        return Some((checker.start_tag(node), message));
                    }
                },
            },
            Kind::HashTag | Kind::CashTag | Kind::Mention | Kind::Emoji | Kind::FinancialTag | Kind::DateTime => {
                let prefix = match kind {
                    Kind::HashTag | Kind::CashTag => "keyword",
                    Kind::Mention => "mention",
                    Kind::Emoji => "emoji",
                    Kind::FinancialTag => "tag",
                    _ => "datetime",
                };
                // Shorthands number themselves from one counter when created; typed entities do not.
                let written_as_shorthand = !document.is_named(node, "span") && !document.is_named(node, "div");
                let number = written_as_shorthand.then(|| {
                    generated += 1;
                    generated
                });
                let id = match (checker.attribute(node, "data-entity-id"), number) {
                    (Some(id), _) => id.into_owned(),
                    (None, Some(number)) => format!("{prefix}{number}"),
                    (None, None) => String::new(),
                };
                match enclosing.member(&id) {
                    None => Enclosing::Created,
                    Some(object) if object.is_object() => Enclosing::Data(object),
                    Some(_) => {
                        let message = format!("The entity id \"{id}\" is a member of the data that is not an object; the Agent's parser fails when it assembles the EntityJSON");
                        return Some((checker.start_tag(node), message));
                    }
                }
            }
            _ => enclosing,
        };
        push_children(&mut stack, node, entered);
    }
    None
}
