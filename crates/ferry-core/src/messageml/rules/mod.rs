//! The MessageML rules (`MML` codes), one file per problem. Codes are assigned in [`crate::registry`].

pub mod empty_message;
pub mod plain_text_message;
pub mod malformed_xml;
pub mod doctype_refused;
pub mod control_characters;
pub mod malformed_entity_json;
pub mod entity_data_missing;
pub mod invalid_root;
pub mod unknown_element;
pub mod element_not_allowed_here;
pub mod attribute_not_allowed;
pub mod missing_attribute;
pub mod invalid_attribute_value;
pub mod href_not_absolute_uri;
pub mod uri_scheme_not_allowed;
pub mod invalid_style;
pub mod invalid_form_structure;
pub mod duplicate_id;
pub mod freemarker_not_expanded;
pub mod freemarker_template_error;
pub mod nesting_too_deep;
pub mod unknown_mention_user;
pub mod reference_parser_crash;
pub mod instrument_resolved_by_pod;
