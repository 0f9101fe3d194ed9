//! Symphony Elements (forms, dialogs, ui-actions) and the value formats of their attributes.
//!
//! Attribute allow-lists and checks follow the reference's form element classes; in MessageML the form
//! elements accept no `class`/`style`/`id`, and boolean attributes accept only `true`/`false` (any case).

use std::ops::Range;

use super::elements::{Checker, Format, Kind, BOOLEAN_VALUES};
use super::entity_json::jackson_end_of_input;
use super::xml::{is_blank, NodeId, NO_NODE};
use crate::registry::Rule;

/// Elements whose attributes and content this module checks.
pub fn is_form_kind(kind: Kind) -> bool {
    kind.is_form_element() || matches!(kind, Kind::Form | Kind::UiAction | Kind::Dialog)
}

/// The hashtag pattern of the reference: no whitespace, and at least one character outside its punctuation set.
///
/// Returns the reference's message when `tag` does not match.
pub fn hashtag_pattern_error(tag: &str) -> Option<String> {
    const PUNCTUATION: &str = "!@#$%^&*()+=<>,./?`~:;'\"\\|-";
    let java_space = |character: char| matches!(character, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r');
    let valid = !tag.chars().any(java_space) && tag.chars().any(|character| !PUNCTUATION.contains(character));
    (!valid).then(|| {
        "Values of the attribute 'tag' for the element 'hash' must match the pattern [\\S]*[^\\s!@#$%^&*()+=<>,./?`~:;'\"\\\\|-]+[\\S]*$.".to_owned()
    })
}

/// `DateTimeFormatter.ISO_OFFSET_DATE_TIME`: `yyyy-MM-ddTHH:mm[:ss[.fraction]]` then `Z` or `±HH:mm[:ss]`.
pub fn is_iso_offset_date_time(value: &str) -> bool {
    let Some((date, rest)) = value.split_once(['T', 't']) else { return false };
    if !is_iso_date(date) {
        return false;
    }
    let offset_start = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time, offset) = rest.split_at(offset_start);
    if !is_iso_time(time, false) || offset.is_empty() {
        return false;
    }
    if offset.eq_ignore_ascii_case("z") {
        return true;
    }
    let digits = &offset[1..];
    let parts: Vec<&str> = digits.split(':').collect();
    parts.len() >= 2
        && parts.len() <= 3
        && parts.iter().all(|part| part.len() == 2 && part.bytes().all(|byte| byte.is_ascii_digit()))
        && parts[0] <= "18"
        && parts[1] <= "59"
}

/// `yyyy-MM-dd` (ISO local date), with real month lengths.
pub fn is_iso_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (parts[0].parse::<u32>(), parts[1].parse::<u32>(), parts[2].parse::<u32>()) else {
        return false;
    };
    if !parts.iter().all(|part| part.bytes().all(|byte| byte.is_ascii_digit())) {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// `HH:mm[:ss[.fraction]]`; with `seconds_required`, exactly `HH:mm:ss`.
pub fn is_iso_time(value: &str, seconds_required: bool) -> bool {
    let parts: Vec<&str> = value.split(':').collect();
    let two_digits = |part: &str, max: u32| part.len() == 2 && part.bytes().all(|byte| byte.is_ascii_digit()) && part.parse::<u32>().is_ok_and(|number| number <= max);
    match parts.as_slice() {
        [hours, minutes] if !seconds_required => two_digits(hours, 23) && two_digits(minutes, 59),
        [hours, minutes, seconds] => {
            let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
            two_digits(hours, 23)
                && two_digits(minutes, 59)
                && two_digits(whole, 59)
                && (!seconds_required || !seconds.contains('.'))
                && fraction.len() <= 9
                && fraction.bytes().all(|byte| byte.is_ascii_digit())
        }
        _ => false,
    }
}

/// The attributes each form element accepts in MessageML (PresentationML adds its `data-` spellings).
fn allowed_attributes(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Form => &["id", "multi-submit"],
        Kind::Button => &["name", "type", "icon", "class", "title", "formnovalidate"],
        Kind::Select => &[
            "name", "required", "data-placeholder", "label", "title", "multiple", "disabled", "readonly", "min", "max",
            "auto-submit", "formnovalidate",
        ],
        Kind::Option => &["value", "selected"],
        Kind::TextField => &[
            "name", "required", "placeholder", "minlength", "maxlength", "masked", "pattern", "pattern-error-message",
            "label", "title", "disabled", "readonly", "formnovalidate", "auto-submit",
        ],
        Kind::TextArea | Kind::RichTextArea => &[
            "name", "required", "placeholder", "minlength", "maxlength", "pattern", "pattern-error-message", "label",
            "title", "disabled", "readonly", "rows", "cols", "formnovalidate",
        ],
        Kind::Checkbox | Kind::Radio => &["name", "value", "checked", "label", "disabled", "readonly", "formnovalidate"],
        Kind::PersonSelector | Kind::RoomSelector => {
            &["name", "placeholder", "required", "label", "title", "value", "formnovalidate"]
        }
        Kind::DateSelector => &["name", "placeholder", "required", "formnovalidate"],
        Kind::DatePicker => &[
            "name", "value", "required", "placeholder", "min", "max", "label", "title", "disabled", "readonly",
            "disabled-date", "highlighted-date", "format", "formnovalidate",
        ],
        Kind::TimePicker => &[
            "name", "title", "label", "value", "strict", "required", "placeholder", "min", "max", "step", "disabled",
            "readonly", "disabled-time", "format", "formnovalidate",
        ],
        Kind::TimezonePicker => {
            &["name", "value", "title", "label", "required", "placeholder", "disabled-timezone", "formnovalidate"]
        }
        Kind::UiAction => &["action", "trigger", "user-ids", "stream-id", "side-by-side", "target-id"],
        Kind::Dialog => &["id", "width", "state", "data-width", "data-state", "data-open"],
        _ => &[],
    }
}

/// The attributes of [`allowed_attributes`] that an element built in PresentationML refuses, because the
/// reference reads their `data-` spelling there (or nothing at all) (`TextField`, `TextArea`, `DatePicker`,
/// `TimePicker`, `TimezonePicker` and `Button` build their attributes by format).
fn messageml_only_attributes(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::TextField => {
            &["title", "masked", "disabled", "readonly", "auto-submit", "formnovalidate", "pattern-error-message"]
        }
        Kind::TextArea | Kind::RichTextArea => &["pattern-error-message", "formnovalidate"],
        Kind::DatePicker => &["format", "disabled-date", "highlighted-date", "formnovalidate"],
        Kind::TimePicker => &["format", "disabled-time"],
        Kind::TimezonePicker => &["disabled-timezone", "formnovalidate"],
        Kind::Button => &["title", "formnovalidate"],
        _ => &[],
    }
}

const BOOLEAN_ATTRIBUTES: &[&str] =
    &["required", "disabled", "readonly", "masked", "multiple", "checked", "selected", "auto-submit", "strict", "formnovalidate", "side-by-side"];

/// The MessageML spelling of an attribute written in PresentationML (`data-name` → `name`).
fn messageml_name(format: Format, kind: Kind, name: &str) -> String {
    if format == Format::PresentationMl {
        if let Some(plain) = name.strip_prefix("data-") {
            if allowed_attributes(kind).contains(&plain) {
                return plain.to_owned();
            }
        }
    }
    name.to_owned()
}

/// Builds one attribute of a form element.
pub fn build_attribute(checker: &mut Checker<'_, '_>, node: NodeId, kind: Kind, name: &str, value: &str, span: Range<usize>) {
    let format = checker.element_format(node);
    let plain = messageml_name(format, kind, name);
    let presentation = format == Format::PresentationMl;
    if kind == Kind::Dialog {
        if !(allowed_attributes(kind).contains(&name) || presentation && name == "open") {
            checker.attribute_not_allowed(node, name, span);
        }
        return;
    }
    let grouped = matches!(kind, Kind::Checkbox | Kind::Radio);
    let accepted = allowed_attributes(kind).contains(&plain.as_str())
        || (presentation
            && (matches!(name, "class" | "style" | "value" | "placeholder" | "name")
                || name == "id" && grouped
                || name.starts_with("data-") && allowed_attributes(kind).contains(&&name[5..])));
    let accepted = accepted
        && !(kind == Kind::TextField && !presentation && name == "value")
        && !(presentation && messageml_only_attributes(kind).contains(&name));
    if !accepted {
        checker.attribute_not_allowed(node, name, span);
        return;
    }
    if kind == Kind::Button && plain == "class" {
        return;
    }
    if presentation && name == "style" {
        checker.default_attribute(node, name, value, span);
    }
}

fn boolean_message(checker: &Checker<'_, '_>, node: NodeId, name: &str) -> String {
    let shown = if name == "auto-submit" { "data-auto-submit" } else { name };
    format!(
        "Attribute \"{shown}\" of element \"{}\" can only be one of the following values: [{}].",
        checker.tag(node),
        BOOLEAN_VALUES.join(", ")
    )
}

/// Checks the boolean attributes of a form element, in name order.
fn check_booleans(checker: &mut Checker<'_, '_>, node: NodeId, kind: Kind) -> bool {
    let document = checker.document;
    for attribute in document.attributes_of(node) {
        let name = messageml_name(checker.element_format(node), kind, document.attribute_name(attribute));
        if !BOOLEAN_ATTRIBUTES.contains(&name.as_str()) {
            continue;
        }
        let value = document.attribute_value(attribute).to_lowercase();
        if value != "true" && value != "false" {
            let message = boolean_message(checker, node, &name);
            checker.report(Rule::InvalidAttributeValue, message, attribute.span.clone());
            return false;
        }
    }
    true
}

fn value_of(checker: &Checker<'_, '_>, node: NodeId, name: &str) -> Option<String> {
    if name == "name"
        && is_named_by_data_name(checker.built[node].kind)
        && checker.element_format(node) == Format::PresentationMl
    {
        // These read `data-name` into `name`, overwriting it, and an absent one as empty.
        return Some(checker.attribute(node, "data-name").map(|value| value.into_owned()).unwrap_or_default());
    }
    let value = checker.attribute(node, name).map(|value| value.into_owned());
    if value.is_some() || checker.element_format(node) != Format::PresentationMl {
        return value;
    }
    checker.attribute(node, &format!("data-{name}")).map(|value| value.into_owned())
}

/// The elements whose PresentationML form (`div class="person-selector"` and the like) names them by `data-name`.
fn is_named_by_data_name(kind: Kind) -> bool {
    matches!(kind, Kind::PersonSelector | Kind::RoomSelector | Kind::DateSelector)
}

fn require_name(checker: &mut Checker<'_, '_>, node: NodeId) -> bool {
    if checker.built[node].kind == Kind::TimezonePicker && checker.element_format(node) == Format::PresentationMl {
        // The PresentationML timezone picker requires `data-name` itself (`TimezonePicker.validate`).
        return checker.assert_attribute_not_blank(node, "data-name");
    }
    match value_of(checker, node, "name") {
        Some(name) if !is_blank(&name) => true,
        _ => {
            let span = checker.attribute_span(node, "name");
            checker.report(Rule::MissingAttribute, "The attribute \"name\" is required", span);
            false
        }
    }
}

fn max_length(checker: &mut Checker<'_, '_>, node: NodeId, name: &str, limit: usize) -> bool {
    if let Some(value) = value_of(checker, node, name) {
        if value.chars().count() > limit {
            checker.report_attribute(node, name, Rule::InvalidAttributeValue, format!("The attribute \"{name}\" length is bigger than maximum allowed [{limit}]"));
            return false;
        }
    }
    true
}

fn text_length(checker: &Checker<'_, '_>, node: NodeId) -> usize {
    checker
        .children(node)
        .filter(|child| checker.is_text(*child))
        .map(|child| checker.document.text_value(child).encode_utf16().count())
        .sum()
}

/// Checks a form element after its children are built.
pub fn validate(checker: &mut Checker<'_, '_>, node: NodeId, kind: Kind) {
    match kind {
        Kind::Form => validate_form(checker, node),
        Kind::Dialog => validate_dialog(checker, node),
        Kind::UiAction => validate_ui_action(checker, node),
        Kind::Button => validate_button(checker, node),
        Kind::Option => {
            if !checker.assert_parent(node, &[Kind::Select]) {
                return;
            }
            if value_of(checker, node, "value").is_none() {
                let span = checker.start_tag(node);
                checker.report(Rule::MissingAttribute, "The attribute \"value\" is required", span);
                return;
            }
            let _ = check_booleans(checker, node, kind) && checker.assert_content_model(node, &[], true);
        }
        _ => validate_field(checker, node, kind),
    }
}

fn validate_field(checker: &mut Checker<'_, '_>, node: NodeId, kind: Kind) {
    if !checker.assert_ancestor(node, &[Kind::Form]) {
        return;
    }
    // The selectors check that a name exists first and that it is not blank last (after their value and
    // content); the other fields check both first.
    let name_checked_last = is_named_by_data_name(kind);
    let name_present = value_of(checker, node, "name").is_some();
    let name_ok = if name_checked_last && name_present { true } else { require_name(checker, node) };
    if !name_ok || !check_booleans(checker, node, kind) {
        return;
    }
    for (name, limit) in [("label", 256), ("title", 256)] {
        if let Some(value) = value_of(checker, node, name) {
            if value.chars().count() > limit {
                checker.report_attribute(node, name, Rule::InvalidAttributeValue, format!("The attribute {name} value is too long. Max length is: {limit}"));
                return;
            }
        }
    }
    match kind {
        Kind::Select => validate_select(checker, node),
        Kind::TextField | Kind::TextArea | Kind::RichTextArea => validate_text_input(checker, node, kind),
        Kind::Checkbox | Kind::Radio if !checker.document.is_named(node, "input") => {
                checker.assert_content_model(node, &[Kind::Bold, Kind::Italic], true);
            }
        Kind::PersonSelector | Kind::RoomSelector => {
            if let Some(value) = value_of(checker, node, "value") {
                let valid = if kind == Kind::PersonSelector { is_long_array(&value) } else { is_string_array(&value) };
                if !valid {
                    let what = if kind == Kind::PersonSelector { "user" } else { "room" };
                    checker.report_attribute(node, "value", Rule::InvalidAttributeValue, format!("Attribute \"value\" contains an unsupported format, should be an array of {what} ids"));
                    return;
                }
            }
            let _ = checker.assert_no_content(node) && require_name(checker, node);
        }
        Kind::DateSelector => {
            let _ = checker.assert_no_content(node) && require_name(checker, node);
        }
        Kind::DatePicker => validate_date_picker(checker, node),
        Kind::TimePicker => validate_time_picker(checker, node),
        Kind::TimezonePicker => {
            if let Some(value) = value_of(checker, node, "value").filter(|value| !value.is_empty()) {
                if !is_known_zone(&value) {
                    checker.report_attribute(node, "value", Rule::InvalidAttributeValue, format!("Attribute \"value\" contains an invalid timezone: {value}"));
                    return;
                }
            }
            if let Some(value) = value_of(checker, node, "disabled-timezone") {
                let span = checker.attribute_span(node, "disabled-timezone");
                match serde_json::from_str::<Vec<String>>(&value) {
                    Ok(zones) => {
                        if let Some(zone) = zones.iter().find(|zone| !is_known_zone(zone)) {
                            checker.report(
                                Rule::InvalidAttributeValue,
                                format!("Attribute \"disabled-timezone\" contains an invalid timezone: {zone}"),
                                span,
                            );
                        }
                    }
                    Err(_) => {
                        checker.report(
                            Rule::InvalidAttributeValue,
                            "Error parsing json in attribute \"disabled-timezone\". It should contain an array of Strings",
                            span,
                        );
                    }
                }
            }
            // Its content is not checked (`TimezonePicker.validate`).
        }
        _ => {}
    }
}

fn validate_select(checker: &mut Checker<'_, '_>, node: NodeId) {
    if !checker.assert_content_model(node, &[Kind::Option], false)
        || !checker.assert_contains_child(node, &[Kind::Option], "option")
    {
        return;
    }
    let multiple = value_of(checker, node, "multiple").is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let span = checker.start_tag(node);
    if !multiple {
        let selected = checker
            .children(node)
            .filter(|child| checker.built[*child].kind == Kind::Option)
            .filter(|child| checker.attribute(*child, "selected").is_some_and(|value| value.eq_ignore_ascii_case("true")))
            .count();
        if selected > 1 {
            checker.report(Rule::InvalidAttributeValue, "Element \"select\" can only have one selected \"option\"", span);
            return;
        }
        for name in ["min", "max"] {
            if value_of(checker, node, name).is_some() {
                checker.report_attribute(node, name, Rule::InvalidAttributeValue, format!("Attribute \"{name}\" is not allowed. Attribute \"multiple\" missing"));
                return;
            }
        }
        return;
    }
    let minimum = value_of(checker, node, "min");
    let maximum = value_of(checker, node, "max");
    let parse = |value: &Option<String>| value.as_ref().map(|text| text.parse::<i64>().ok());
    let (min_value, max_value) = (parse(&minimum), parse(&maximum));
    if let Some(min) = min_value {
        if min.is_none_or(|number| number < 0) {
            let span = checker.attribute_span(node, "min");
            checker.report(Rule::InvalidAttributeValue, "Attribute \"min\" is not valid, it must be >= 0", span);
            return;
        }
    }
    if let Some(max) = max_value {
        if max.is_none_or(|number| number < 1) {
            let span = checker.attribute_span(node, "max");
            checker.report(Rule::InvalidAttributeValue, "Attribute \"max\" is not valid, it must be >= 1", span);
            return;
        }
    }
    if let (Some(Some(min)), Some(Some(max))) = (min_value, max_value) {
        if min > max {
            checker.report(Rule::InvalidAttributeValue, "Attribute \"min\" is greater than attribute \"max\"", span);
            return;
        }
    }
    let required = value_of(checker, node, "required").is_some_and(|value| value.eq_ignore_ascii_case("true"));
    if required && min_value == Some(Some(0)) {
        let span = checker.attribute_span(node, "min");
        checker.report(Rule::InvalidAttributeValue, "Attribute \"min\" cannot be 0 if \"required\" is true", span);
    }
}

fn validate_text_input(checker: &mut Checker<'_, '_>, node: NodeId, kind: Kind) {
    let (floor, ceiling, element_name) = match kind {
        Kind::TextField => (1, 128, "text-field"),
        _ => (0, 10000, "textarea"),
    };
    if let Some(pattern) = value_of(checker, node, "pattern") {
        if pattern.chars().count() > 256 {
            checker.report_attribute(node, "pattern", Rule::InvalidAttributeValue, "The attribute \"pattern\" value is too long. Max length for this attribute is: 256");
            return;
        }
        let Some(error_message) = value_of(checker, node, "pattern-error-message") else {
            // The message names the attribute as the element's format spells it.
            let presentation = checker.element_format(node) == Format::PresentationMl;
            let name = if presentation { "data-pattern-error-message" } else { "pattern-error-message" };
            checker.report_attribute(node, "pattern", Rule::MissingAttribute, format!("The attribute \"{name}\" is mandatory when attribute \"pattern\" is defined"));
            return;
        };
        if error_message.chars().count() > 256 {
            checker.report_attribute(node, "pattern-error-message", Rule::InvalidAttributeValue, "The attribute \"pattern-error-message\" value is too long. Max length for this attribute is: 256");
            return;
        }
        if !is_plausible_java_regex(&pattern) {
            let span = checker.attribute_span(node, "pattern");
            checker.report(Rule::InvalidAttributeValue, format!("The regex \"{pattern}\" is not valid"), span);
            return;
        }
    }
    if kind != Kind::TextField {
        for name in ["rows", "cols"] {
            if let Some(value) = value_of(checker, node, name) {
                if !value.parse::<i32>().is_ok_and(|number| number >= 0) {
                    checker.report_attribute(node, name, Rule::InvalidAttributeValue, format!("Attribute \"{name}\" is not valid, it must be an integer >= 0"));
                    return;
                }
            }
        }
    }
    let mut bounds = [None, None];
    for (index, name) in ["minlength", "maxlength"].into_iter().enumerate() {
        if let Some(value) = value_of(checker, node, name) {
            let span = checker.attribute_span(node, name);
            let Ok(number) = value.parse::<i64>() else {
                checker.report(Rule::InvalidAttributeValue, format!("The attribute \"{name}\" must be a valid number."), span);
                return;
            };
            if number < floor || number > ceiling {
                checker.report(
                    Rule::InvalidAttributeValue,
                    format!("The attribute \"{name}\" must be between {floor} and {ceiling}"),
                    span,
                );
                return;
            }
            bounds[index] = Some(number);
        }
    }
    if let [Some(minimum), Some(maximum)] = bounds {
        if minimum > maximum {
            checker.report_attribute(node, "minlength", Rule::InvalidAttributeValue, "The attribute \"minlength\" must be lower than the \"maxlength\" attribute");
            return;
        }
    }
    if checker.document.is_named(node, "input") {
        if !checker.assert_no_content(node) {
            return;
        }
    } else if !checker.assert_content_model(node, &[], true) {
        return;
    }
    let initial = if checker.document.is_named(node, "input") {
        value_of(checker, node, "value").map(|value| value.encode_utf16().count())
    } else {
        let length = text_length(checker, node);
        (length > 0).then_some(length)
    };
    if let Some(length) = initial {
        let minimum = bounds[0].unwrap_or(floor.max(if kind == Kind::TextField { 1 } else { 0 }));
        let maximum = bounds[1].unwrap_or(ceiling);
        let length = i64::try_from(length).unwrap_or(i64::MAX);
        if length < minimum || length > maximum {
            checker.report_element(node, Rule::InvalidAttributeValue, format!("The length of this {element_name}'s initial value must be between {minimum} and {maximum}"));
        }
    }
}

fn validate_date_picker(checker: &mut Checker<'_, '_>, node: NodeId) {
    for (name, limit) in
        [("name", 64), ("label", 64), ("title", 64), ("format", 64), ("disabled-date", 1024), ("highlighted-date", 1024)]
    {
        if !max_length(checker, node, name, limit) {
            return;
        }
    }
    for name in ["value", "min", "max"] {
        if let Some(value) = value_of(checker, node, name) {
            if !is_iso_date(&value) {
                let span = checker.attribute_span(node, name);
                checker.report(Rule::InvalidAttributeValue, format!("Attribute \"{name}\" has invalid date format"), span);
                return;
            }
        }
    }
    for name in ["disabled-date", "highlighted-date"] {
        if let Some(value) = value_of(checker, node, name) {
            if let Err(message) = check_date_intervals(name, &value) {
                let span = checker.attribute_span(node, name);
                checker.report(Rule::InvalidAttributeValue, message, span);
                return;
            }
        }
    }
    if let Some(format) = value_of(checker, node, "format") {
        if format.is_empty() || !format.chars().all(|character| "0123456789Mdy/. -:".contains(character) || ('.'..=':').contains(&character)) {
            checker.report_attribute(node, "format", Rule::InvalidAttributeValue, "Attribute \"format\" contains an unsupported date format, only 'M', 'd' and 'y' are supported with a space or '.','-','/',':' as separator");
        }
    }
}

fn check_date_intervals(attribute: &str, value: &str) -> Result<(), String> {
    let parsed: serde_json::Value = serde_json::from_str(value).map_err(|error| {
        let detail = if error.is_eof() { jackson_end_of_input(value) } else { None };
        format!("Error parsing json in attribute \"{attribute}\": {}", detail.unwrap_or_else(|| error.to_string()))
    })?;
    let items = parsed.as_array().ok_or_else(|| format!("Error parsing json in attribute \"{attribute}\""))?;
    for item in items {
        let object = item.as_object().ok_or_else(|| format!("Error parsing json in attribute \"{attribute}\""))?;
        let date = |key: &str| -> Result<(), String> {
            match object.get(key).and_then(|value| value.as_str()) {
                Some(text) if is_iso_date(text) => Ok(()),
                Some(text) => Err(format!("\"{text}\" is not a valid date in ISO_8601 format")),
                None => Err("Date interval 'type' is unknown or null".to_owned()),
            }
        };
        if object.contains_key("day") {
            date("day")?;
        } else if object.contains_key("from") || object.contains_key("to") {
            date("from")?;
            date("to")?;
        } else if let Some(days) = object.get("daysOfWeek") {
            let valid = days.as_array().is_some_and(|days| days.iter().all(|day| day.as_u64().is_some_and(|day| day <= 6)));
            if !valid {
                return Err("Date interval 'type' is unknown or null".to_owned());
            }
        } else {
            return Err("Date interval 'type' is unknown or null".to_owned());
        }
    }
    Ok(())
}

fn validate_time_picker(checker: &mut Checker<'_, '_>, node: NodeId) {
    for (name, limit) in [("name", 64), ("placeholder", 64), ("format", 64), ("disabled-time", 1024)] {
        if !max_length(checker, node, name, limit) {
            return;
        }
    }
    for name in ["value", "min", "max"] {
        if let Some(value) = value_of(checker, node, name) {
            if !is_iso_time(&value, true) {
                checker.report_attribute(node, name, Rule::InvalidAttributeValue, format!("Attribute \"{name}\" has invalid time format, only HH:mm:ss format is allowed"));
                return;
            }
        }
    }
    if let Some(step) = value_of(checker, node, "step") {
        let span = checker.attribute_span(node, "step");
        match step.parse::<i64>() {
            Err(_) => {
                checker.report(Rule::InvalidAttributeValue, "Attribute \"step\" should be a number.", span);
                return;
            }
            Ok(number) if !(600..=43200).contains(&number) => {
                checker.report(
                    Rule::InvalidAttributeValue,
                    "Attribute \"step\" must be less than \"43200\" and more than \"600\".",
                    span,
                );
                return;
            }
            Ok(_) => {}
        }
    }
    if let Some(value) = value_of(checker, node, "disabled-time") {
        if let Err(message) = check_time_intervals(&value) {
            let span = checker.attribute_span(node, "disabled-time");
            checker.report(Rule::InvalidAttributeValue, message, span);
            return;
        }
    }
    if let Some(format) = value_of(checker, node, "format") {
        if format.is_empty() || !format.chars().all(|character| "hHmsa: ".contains(character)) {
            checker.report_attribute(node, "format", Rule::InvalidAttributeValue, "Attribute \"format\" contains an unsupported time format, only 'h', 'm' 's' and 'a' are supported with ':' or space as separator");
        }
    }
}

fn check_time_intervals(value: &str) -> Result<(), String> {
    let parsed: serde_json::Value =
        serde_json::from_str(value).map_err(|error| format!("Error parsing json in attribute \"disabled-time\": {error}"))?;
    let items = parsed.as_array().ok_or_else(|| "Error parsing json in attribute \"disabled-time\"".to_owned())?;
    for item in items {
        let object = item.as_object().ok_or_else(|| "Error parsing json in attribute \"disabled-time\"".to_owned())?;
        if let Some(key) = object.keys().find(|key| !matches!(key.as_str(), "time" | "from" | "to")) {
            return Err(format!("Error parsing json in attribute \"disabled-time\": Unrecognized field \"{key}\""));
        }
        let time = |key: &str| -> Result<(), String> {
            match object.get(key).and_then(|value| value.as_str()) {
                Some(text) if is_iso_time(text, true) => Ok(()),
                Some(text) => Err(format!("\"{text}\" is not a valid time, only HH:mm:ss format is allowed")),
                None => Err("Time interval 'type' is unknown or null".to_owned()),
            }
        };
        if object.contains_key("time") {
            time("time")?;
        } else if object.contains_key("from") && object.contains_key("to") {
            time("from")?;
            time("to")?;
        } else {
            return Err("Time interval 'type' is unknown or null".to_owned());
        }
    }
    Ok(())
}

fn validate_form(checker: &mut Checker<'_, '_>, node: NodeId) {
    if checker.has_ancestor(node, &[Kind::Form]) {
        checker.report_element(node, Rule::InvalidFormStructure, "Element \"form\" cannot be an inner child of the following elements: [form]");
        return;
    }
    if !checker.assert_attribute_not_blank(node, "id") {
        return;
    }
    if checker.attribute(node, "multi-submit").is_some()
        && (!max_length(checker, node, "multi-submit", 64)
            || !checker.assert_attribute_value(node, "multi-submit", &["reset", "no-reset"]))
    {
        return;
    }
    let (mut checkboxes, mut radios, mut action_buttons) = (0, 0, 0);
    let mut stack: Vec<NodeId> = checker.children(node).collect();
    while let Some(current) = stack.pop() {
        match checker.built[current].kind {
            Kind::Checkbox => checkboxes += 1,
            Kind::Radio => radios += 1,
            Kind::Button => {
                let button_type = value_of(checker, current, "type").unwrap_or_else(|| "action".to_owned());
                if button_type == "action" {
                    action_buttons += 1;
                }
            }
            _ => {}
        }
        if !checker.is_text(current) {
            stack.extend(checker.children(current));
        }
    }
    let span = checker.start_tag(node);
    if checkboxes > 50 || radios > 50 {
        checker.report(
            Rule::InvalidFormStructure,
            "Element \"form\" cannot have more than 50 children of the following elements: [checkbox, radio].",
            span,
        );
        return;
    }
    let parent = checker.built[node].parent;
    if checker.built[parent].kind == Kind::Dialog {
        checker.assert_content_model(node, &[Kind::DialogTitle, Kind::DialogBody, Kind::DialogFooter], false);
        return;
    }
    if action_buttons == 0 {
        let id = checker.attribute(node, "id").unwrap_or_default();
        checker.report(
            Rule::InvalidFormStructure,
            format!("The form with id '{id}' should have at least one action button"),
            span,
        );
    }
}

fn validate_button(checker: &mut Checker<'_, '_>, node: NodeId) {
    if !checker.assert_ancestor(node, &[Kind::Form, Kind::UiAction]) {
        return;
    }
    // A button is not a form field: its `formnovalidate` is not checked as a boolean.
    if let Some(class) = value_of(checker, node, "class") {
        // The deprecated `-destructive` ending is dropped before the class is checked (`Button.buildAttribute`).
        let class = class.strip_suffix("-destructive").unwrap_or(&class);
        const CLASSES: &[&str] = &[
            "primary", "secondary", "tertiary", "destructive", "primary-link", "destructive-link",
            "primary-destructive", "secondary-destructive",
        ];
        if !CLASSES.contains(&class) {
            checker.report_attribute(node, "class", Rule::InvalidAttributeValue, "Attribute \"class\" must be \"primary\", \"secondary\", \"tertiary\" or \"destructive\" (\"primary-destructive\" and \"secondary-destructive\" are deprecated)");
            return;
        }
    }
    let parent = checker.built[node].parent;
    let span = checker.start_tag(node);
    if checker.built[parent].kind == Kind::UiAction {
        if value_of(checker, node, "type").is_some() || value_of(checker, node, "name").is_some() {
            checker.report(
                Rule::AttributeNotAllowed,
                "Attributes \"type\" and \"name\" are not allowed on a button inside a UIAction.",
                span,
            );
        }
        return;
    }
    let button_type = value_of(checker, node, "type").unwrap_or_else(|| "action".to_owned());
    if !matches!(button_type.as_str(), "action" | "reset" | "cancel") {
        let span = checker.attribute_span(node, "type");
        checker.report(Rule::InvalidAttributeValue, "Attribute \"type\" must be \"action\", \"reset\" or \"cancel\"", span);
        return;
    }
    let name = value_of(checker, node, "name");
    let has_name = name.as_deref().is_some_and(|name| !is_blank(name));
    if button_type != "reset" && !has_name {
        checker.report(Rule::MissingAttribute, format!("Attribute \"name\" is required for {button_type} buttons"), span);
        return;
    }
    if button_type == "reset" && name.is_some() {
        checker.report(Rule::AttributeNotAllowed, "Attribute \"name\" is allowed for action buttons only", span);
        return;
    }
    if !checker.assert_content_model(node, &[], true) {
        return;
    }
    let has_text = checker.children(node).any(|child| checker.is_text(child));
    if !has_text {
        checker.report(
            Rule::ElementNotAllowedHere,
            "The \"button\" element must have at least one child that is any of the following elements: [text content].",
            span,
        );
    }
}

fn validate_ui_action(checker: &mut Checker<'_, '_>, node: NodeId) {
    let span = checker.start_tag(node);
    if !checker.assert_content_model(node, &[Kind::Button, Kind::UiAction], false)
        || !checker.assert_contains_child(node, &[Kind::Button, Kind::UiAction], "button, uiaction")
    {
        return;
    }
    let Some(action) = value_of(checker, node, "action") else {
        checker.report(Rule::MissingAttribute, "The attribute \"action\" is required", span);
        return;
    };
    if !checker.assert_attribute_value(node, "action", &["open-im", "open-dialog"]) {
        return;
    }
    if value_of(checker, node, "trigger").is_some() && !checker.assert_attribute_value(node, "trigger", &["click"]) {
        return;
    }
    if action.eq_ignore_ascii_case("open-im") {
        let user_ids = value_of(checker, node, "user-ids");
        let stream_id = value_of(checker, node, "stream-id");
        match (&user_ids, &stream_id) {
            (Some(_), Some(_)) => {
                checker.report(Rule::InvalidAttributeValue, "Only one between \"stream-id\" and \"user-ids\" is allowed", span);
                return;
            }
            (None, None) => {
                checker.report(
                    Rule::MissingAttribute,
                    "At least one between \"stream-id\" and \"user-ids\" should be present",
                    span,
                );
                return;
            }
            _ => {}
        }
        if let Some(user_ids) = user_ids {
            let span = checker.attribute_span(node, "user-ids");
            match serde_json::from_str::<Vec<serde_json::Value>>(&user_ids) {
                Ok(ids) if is_long_array(&user_ids) => {
                    if ids.len() > 15 {
                        checker.report(
                            Rule::InvalidAttributeValue,
                            "Attribute \"user-ids\" contains more values than allowed. Max value is 15",
                            span,
                        );
                        return;
                    }
                }
                _ => {
                    checker.report(
                        Rule::InvalidAttributeValue,
                        "Attribute \"user-ids\" contains an unsupported format, should be an array of user ids",
                        span,
                    );
                    return;
                }
            }
        }
        if value_of(checker, node, "side-by-side").is_some() {
            checker.assert_attribute_value(node, "side-by-side", BOOLEAN_VALUES);
        }
    } else {
        let target = value_of(checker, node, "target-id").unwrap_or_default();
        if target.is_empty() || target.chars().any(char::is_whitespace) {
            checker.report_attribute(node, "target-id", Rule::MissingAttribute, "The attribute \"target-id\" is required and must not contain any whitespace");
            return;
        }
        max_length(checker, node, "target-id", 64);
    }
}

/// Root-level check: each `ui-action` with a `target-id` has exactly one sibling `dialog` with that id.
pub fn validate_ui_action_targets(checker: &mut Checker<'_, '_>, root: NodeId) {
    let mut stack = vec![root];
    while let Some(current) = stack.pop() {
        let children: Vec<NodeId> = checker.children(current).collect();
        if children.iter().any(|child| checker.built[*child].kind == Kind::UiAction) {
            // Dialogs among the siblings, counted per id once, so many ui-actions stay linear.
            let mut dialogs: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
            for sibling in children.iter().filter(|sibling| checker.built[**sibling].kind == Kind::Dialog) {
                if let Some(id) = checker.attribute(*sibling, "id") {
                    *dialogs.entry(id.into_owned()).or_default() += 1;
                }
            }
            for child in children.iter().filter(|child| checker.built[**child].kind == Kind::UiAction) {
                let Some(target) = value_of(checker, *child, "target-id") else { continue };
                if dialogs.get(&target).copied().unwrap_or(0) != 1 {
                    let span = checker.start_tag(*child);
                    checker.report(
                        Rule::InvalidFormStructure,
                        "ui-action with a target-id must have only one dialog sibling with a matching id",
                        span,
                    );
                    return;
                }
            }
        }
        stack.extend(children.into_iter().filter(|child| !checker.is_text(*child)).rev());
    }
}

fn validate_dialog(checker: &mut Checker<'_, '_>, node: NodeId) {
    let id = value_of(checker, node, "id").unwrap_or_default();
    let span = checker.start_tag(node);
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        checker.report(Rule::MissingAttribute, "The attribute \"id\" is required and must not contain any whitespace", span);
        return;
    }
    if !max_length(checker, node, "id", 64) {
        return;
    }
    for (name, allowed) in [("width", &["small", "medium", "large", "full-width"][..]), ("state", &["open", "close"][..])] {
        let attribute = if value_of(checker, node, name).is_some() { name.to_owned() } else { format!("data-{name}") };
        if checker.attribute(node, &attribute).is_some() && !checker.assert_attribute_value(node, &attribute, allowed) {
            return;
        }
    }
    let forms = checker.children(node).filter(|child| checker.built[*child].kind == Kind::Form).count();
    if forms > 1 {
        checker.report(Rule::InvalidFormStructure, "A \"dialog\" element can contain only one \"form\" element", span);
        return;
    }
    if forms == 1 {
        let other = checker.children(node).any(|child| {
            if checker.is_text(child) {
                checker.is_nonblank_text(child)
            } else {
                checker.built[child].kind != Kind::Form
            }
        });
        if other {
            checker.report(
                Rule::InvalidFormStructure,
                "A \"dialog\" element can't contain a \"form\" element and any other element.",
                span,
            );
        }
        return;
    }
    let _ = checker.assert_contains_child(node, &[Kind::DialogTitle], "title")
        && checker.assert_contains_child(node, &[Kind::DialogBody], "body")
        && checker.assert_content_model(node, &[Kind::DialogFooter, Kind::DialogTitle, Kind::DialogBody], false);
}

/// A dialog's `title`, `body` or `footer`: no attributes, the dialog (or its form) as parent, no dialog inside.
pub fn validate_dialog_part(checker: &mut Checker<'_, '_>, node: NodeId) {
    if let Some(attribute) = checker.document.attributes_of(node).first() {
        let span = attribute.span.clone();
        let tag = checker.tag(node);
        checker.report(Rule::AttributeNotAllowed, format!("Element \"{tag}\" may not have attributes"), span);
        return;
    }
    let parent = checker.built[node].parent;
    let grandparent = if parent == NO_NODE { NO_NODE } else { checker.built[parent].parent };
    let in_dialog_form =
        checker.built[parent].kind == Kind::Form && grandparent != NO_NODE && checker.built[grandparent].kind == Kind::Dialog;
    let allowed = if in_dialog_form { Kind::Form } else { Kind::Dialog };
    if !checker.assert_parent(node, &[allowed]) {
        return;
    }
    if let Some(dialog) = checker.children(node).find(|child| checker.built[*child].kind == Kind::Dialog) {
        let tag = checker.tag(node);
        let span = checker.start_tag(dialog);
        checker.report(Rule::InvalidFormStructure, format!("{tag} should not contain a dialog"), span);
    }
}

/// Whether Jackson reads `value` as a `List<Long>` with its default coercions: integers within `long`,
/// floating-point numbers (truncated), strings holding a `long` or nothing, and `null`.
fn is_long_array(value: &str) -> bool {
    use serde_json::Value;
    const LONG_RANGE: std::ops::Range<f64> = -9.223_372_036_854_776e18..9.223_372_036_854_776e18;
    let item_is_long = |item: &Value| match item {
        Value::Null => true,
        Value::Number(number) => {
            number.is_i64() || (!number.is_u64() && number.as_f64().is_some_and(|float| LONG_RANGE.contains(&float)))
        }
        Value::String(text) => text.trim().is_empty() || text.trim().parse::<i64>().is_ok(),
        _ => false,
    };
    serde_json::from_str::<Vec<Value>>(value).is_ok_and(|items| items.iter().all(item_is_long))
}

fn is_string_array(value: &str) -> bool {
    let normalised = value.replace('\'', "\"");
    serde_json::from_str::<Vec<serde_json::Value>>(&normalised)
        .is_ok_and(|items| items.iter().all(|item| item.is_string() || item.is_i64()))
}

/// A plausibility check of a Java regular expression: balanced brackets and parentheses, no dangling escape.
fn is_plausible_java_regex(pattern: &str) -> bool {
    let mut depth = 0_i32;
    let mut in_class = false;
    let mut characters = pattern.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\'
                if characters.next().is_none() => {
                    return false;
                }
            '[' if !in_class => {
                in_class = true;
                if characters.peek() == Some(&']') {
                    characters.next();
                }
            }
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !in_class
}

/// Whether `java.time.ZoneId.of` knows the zone: a fixed offset, or a region id of the tz database.
fn is_known_zone(zone: &str) -> bool {
    if matches!(zone, "Z" | "UTC" | "GMT" | "UT") {
        return true;
    }
    if let Some(offset) = zone.strip_prefix("UTC").or_else(|| zone.strip_prefix("GMT")).or_else(|| zone.strip_prefix("UT")) {
        return is_zone_offset(offset);
    }
    if zone.starts_with(['+', '-']) {
        return is_zone_offset(zone);
    }
    TIME_ZONES.binary_search(&zone).is_ok()
}

fn is_zone_offset(offset: &str) -> bool {
    let Some(digits) = offset.strip_prefix(['+', '-']) else { return false };
    let parts: Vec<&str> = digits.split(':').collect();
    parts.iter().all(|part| !part.is_empty() && part.len() <= 2 && part.bytes().all(|byte| byte.is_ascii_digit()))
        && parts.len() <= 3
}

/// Region ids of the tz database (sorted), the ones `java.time.ZoneId` knows.
const TIME_ZONES: &[&str] = &[
    "Africa/Abidjan", "Africa/Accra", "Africa/Addis_Ababa", "Africa/Algiers", "Africa/Asmara", "Africa/Asmera",
    "Africa/Bamako", "Africa/Bangui", "Africa/Banjul", "Africa/Bissau", "Africa/Blantyre", "Africa/Brazzaville",
    "Africa/Bujumbura", "Africa/Cairo", "Africa/Casablanca", "Africa/Ceuta", "Africa/Conakry", "Africa/Dakar",
    "Africa/Dar_es_Salaam", "Africa/Djibouti", "Africa/Douala", "Africa/El_Aaiun", "Africa/Freetown",
    "Africa/Gaborone", "Africa/Harare", "Africa/Johannesburg", "Africa/Juba", "Africa/Kampala", "Africa/Khartoum",
    "Africa/Kigali", "Africa/Kinshasa", "Africa/Lagos", "Africa/Libreville", "Africa/Lome", "Africa/Luanda",
    "Africa/Lubumbashi", "Africa/Lusaka", "Africa/Malabo", "Africa/Maputo", "Africa/Maseru", "Africa/Mbabane",
    "Africa/Mogadishu", "Africa/Monrovia", "Africa/Nairobi", "Africa/Ndjamena", "Africa/Niamey", "Africa/Nouakchott",
    "Africa/Ouagadougou", "Africa/Porto-Novo", "Africa/Sao_Tome", "Africa/Timbuktu", "Africa/Tripoli",
    "Africa/Tunis", "Africa/Windhoek", "America/Adak", "America/Anchorage", "America/Anguilla", "America/Antigua",
    "America/Araguaina", "America/Argentina/Buenos_Aires", "America/Argentina/Catamarca",
    "America/Argentina/ComodRivadavia", "America/Argentina/Cordoba", "America/Argentina/Jujuy",
    "America/Argentina/La_Rioja", "America/Argentina/Mendoza", "America/Argentina/Rio_Gallegos",
    "America/Argentina/Salta", "America/Argentina/San_Juan", "America/Argentina/San_Luis",
    "America/Argentina/Tucuman", "America/Argentina/Ushuaia", "America/Aruba", "America/Asuncion",
    "America/Atikokan", "America/Atka", "America/Bahia", "America/Bahia_Banderas", "America/Barbados",
    "America/Belem", "America/Belize", "America/Blanc-Sablon", "America/Boa_Vista", "America/Bogota",
    "America/Boise", "America/Buenos_Aires", "America/Cambridge_Bay", "America/Campo_Grande", "America/Cancun",
    "America/Caracas", "America/Catamarca", "America/Cayenne", "America/Cayman", "America/Chicago",
    "America/Chihuahua", "America/Ciudad_Juarez", "America/Coral_Harbour", "America/Cordoba", "America/Costa_Rica",
    "America/Coyhaique", "America/Creston", "America/Cuiaba", "America/Curacao", "America/Danmarkshavn",
    "America/Dawson", "America/Dawson_Creek", "America/Denver", "America/Detroit", "America/Dominica",
    "America/Edmonton", "America/Eirunepe", "America/El_Salvador", "America/Ensenada", "America/Fort_Nelson",
    "America/Fort_Wayne", "America/Fortaleza", "America/Glace_Bay", "America/Godthab", "America/Goose_Bay",
    "America/Grand_Turk", "America/Grenada", "America/Guadeloupe", "America/Guatemala", "America/Guayaquil",
    "America/Guyana", "America/Halifax", "America/Havana", "America/Hermosillo", "America/Indiana/Indianapolis",
    "America/Indiana/Knox", "America/Indiana/Marengo", "America/Indiana/Petersburg", "America/Indiana/Tell_City",
    "America/Indiana/Vevay", "America/Indiana/Vincennes", "America/Indiana/Winamac", "America/Indianapolis",
    "America/Inuvik", "America/Iqaluit", "America/Jamaica", "America/Jujuy", "America/Juneau",
    "America/Kentucky/Louisville", "America/Kentucky/Monticello", "America/Knox_IN", "America/Kralendijk",
    "America/La_Paz", "America/Lima", "America/Los_Angeles", "America/Louisville", "America/Lower_Princes",
    "America/Maceio", "America/Managua", "America/Manaus", "America/Marigot", "America/Martinique",
    "America/Matamoros", "America/Mazatlan", "America/Mendoza", "America/Menominee", "America/Merida",
    "America/Metlakatla", "America/Mexico_City", "America/Miquelon", "America/Moncton", "America/Monterrey",
    "America/Montevideo", "America/Montreal", "America/Montserrat", "America/Nassau", "America/New_York",
    "America/Nipigon", "America/Nome", "America/Noronha", "America/North_Dakota/Beulah",
    "America/North_Dakota/Center", "America/North_Dakota/New_Salem", "America/Nuuk", "America/Ojinaga",
    "America/Panama", "America/Pangnirtung", "America/Paramaribo", "America/Phoenix", "America/Port-au-Prince",
    "America/Port_of_Spain", "America/Porto_Acre", "America/Porto_Velho", "America/Puerto_Rico",
    "America/Punta_Arenas", "America/Rainy_River", "America/Rankin_Inlet", "America/Recife", "America/Regina",
    "America/Resolute", "America/Rio_Branco", "America/Rosario", "America/Santa_Isabel", "America/Santarem",
    "America/Santiago", "America/Santo_Domingo", "America/Sao_Paulo", "America/Scoresbysund", "America/Shiprock",
    "America/Sitka", "America/St_Barthelemy", "America/St_Johns", "America/St_Kitts", "America/St_Lucia",
    "America/St_Thomas", "America/St_Vincent", "America/Swift_Current", "America/Tegucigalpa", "America/Thule",
    "America/Thunder_Bay", "America/Tijuana", "America/Toronto", "America/Tortola", "America/Vancouver",
    "America/Virgin", "America/Whitehorse", "America/Winnipeg", "America/Yakutat", "America/Yellowknife",
    "Antarctica/Casey", "Antarctica/Davis", "Antarctica/DumontDUrville", "Antarctica/Macquarie", "Antarctica/Mawson",
    "Antarctica/McMurdo", "Antarctica/Palmer", "Antarctica/Rothera", "Antarctica/South_Pole", "Antarctica/Syowa",
    "Antarctica/Troll", "Antarctica/Vostok", "Arctic/Longyearbyen", "Asia/Aden", "Asia/Almaty", "Asia/Amman",
    "Asia/Anadyr", "Asia/Aqtau", "Asia/Aqtobe", "Asia/Ashgabat", "Asia/Ashkhabad", "Asia/Atyrau", "Asia/Baghdad",
    "Asia/Bahrain", "Asia/Baku", "Asia/Bangkok", "Asia/Barnaul", "Asia/Beirut", "Asia/Bishkek", "Asia/Brunei",
    "Asia/Calcutta", "Asia/Chita", "Asia/Choibalsan", "Asia/Chongqing", "Asia/Chungking", "Asia/Colombo",
    "Asia/Dacca", "Asia/Damascus", "Asia/Dhaka", "Asia/Dili", "Asia/Dubai", "Asia/Dushanbe", "Asia/Famagusta",
    "Asia/Gaza", "Asia/Harbin", "Asia/Hebron", "Asia/Ho_Chi_Minh", "Asia/Hong_Kong", "Asia/Hovd", "Asia/Irkutsk",
    "Asia/Istanbul", "Asia/Jakarta", "Asia/Jayapura", "Asia/Jerusalem", "Asia/Kabul", "Asia/Kamchatka",
    "Asia/Karachi", "Asia/Kashgar", "Asia/Kathmandu", "Asia/Katmandu", "Asia/Khandyga", "Asia/Kolkata",
    "Asia/Krasnoyarsk", "Asia/Kuala_Lumpur", "Asia/Kuching", "Asia/Kuwait", "Asia/Macao", "Asia/Macau",
    "Asia/Magadan", "Asia/Makassar", "Asia/Manila", "Asia/Muscat", "Asia/Nicosia", "Asia/Novokuznetsk",
    "Asia/Novosibirsk", "Asia/Omsk", "Asia/Oral", "Asia/Phnom_Penh", "Asia/Pontianak", "Asia/Pyongyang",
    "Asia/Qatar", "Asia/Qostanay", "Asia/Qyzylorda", "Asia/Rangoon", "Asia/Riyadh", "Asia/Saigon", "Asia/Sakhalin",
    "Asia/Samarkand", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Srednekolymsk", "Asia/Taipei",
    "Asia/Tashkent", "Asia/Tbilisi", "Asia/Tehran", "Asia/Tel_Aviv", "Asia/Thimbu", "Asia/Thimphu", "Asia/Tokyo",
    "Asia/Tomsk", "Asia/Ujung_Pandang", "Asia/Ulaanbaatar", "Asia/Ulan_Bator", "Asia/Urumqi", "Asia/Ust-Nera",
    "Asia/Vientiane", "Asia/Vladivostok", "Asia/Yakutsk", "Asia/Yangon", "Asia/Yekaterinburg", "Asia/Yerevan",
    "Atlantic/Azores", "Atlantic/Bermuda", "Atlantic/Canary", "Atlantic/Cape_Verde", "Atlantic/Faeroe",
    "Atlantic/Faroe", "Atlantic/Jan_Mayen", "Atlantic/Madeira", "Atlantic/Reykjavik", "Atlantic/South_Georgia",
    "Atlantic/St_Helena", "Atlantic/Stanley", "Australia/ACT", "Australia/Adelaide", "Australia/Brisbane",
    "Australia/Broken_Hill", "Australia/Canberra", "Australia/Currie", "Australia/Darwin", "Australia/Eucla",
    "Australia/Hobart", "Australia/LHI", "Australia/Lindeman", "Australia/Lord_Howe", "Australia/Melbourne",
    "Australia/NSW", "Australia/North", "Australia/Perth", "Australia/Queensland", "Australia/South",
    "Australia/Sydney", "Australia/Tasmania", "Australia/Victoria", "Australia/West", "Australia/Yancowinna",
    "Brazil/Acre", "Brazil/DeNoronha", "Brazil/East", "Brazil/West", "CET", "CST6CDT", "Canada/Atlantic",
    "Canada/Central", "Canada/Eastern", "Canada/Mountain", "Canada/Newfoundland", "Canada/Pacific",
    "Canada/Saskatchewan", "Canada/Yukon", "Chile/Continental", "Chile/EasterIsland", "Cuba", "EET", "EST",
    "EST5EDT", "Egypt", "Eire", "Etc/GMT", "Etc/GMT+0", "Etc/GMT+1", "Etc/GMT+10", "Etc/GMT+11", "Etc/GMT+12",
    "Etc/GMT+2", "Etc/GMT+3", "Etc/GMT+4", "Etc/GMT+5", "Etc/GMT+6", "Etc/GMT+7", "Etc/GMT+8", "Etc/GMT+9",
    "Etc/GMT-0", "Etc/GMT-1", "Etc/GMT-10", "Etc/GMT-11", "Etc/GMT-12", "Etc/GMT-13", "Etc/GMT-14", "Etc/GMT-2",
    "Etc/GMT-3", "Etc/GMT-4", "Etc/GMT-5", "Etc/GMT-6", "Etc/GMT-7", "Etc/GMT-8", "Etc/GMT-9", "Etc/GMT0",
    "Etc/Greenwich", "Etc/UCT", "Etc/UTC", "Etc/Universal", "Etc/Zulu", "Europe/Amsterdam", "Europe/Andorra",
    "Europe/Astrakhan", "Europe/Athens", "Europe/Belfast", "Europe/Belgrade", "Europe/Berlin", "Europe/Bratislava",
    "Europe/Brussels", "Europe/Bucharest", "Europe/Budapest", "Europe/Busingen", "Europe/Chisinau",
    "Europe/Copenhagen", "Europe/Dublin", "Europe/Gibraltar", "Europe/Guernsey", "Europe/Helsinki",
    "Europe/Isle_of_Man", "Europe/Istanbul", "Europe/Jersey", "Europe/Kaliningrad", "Europe/Kiev", "Europe/Kirov",
    "Europe/Kyiv", "Europe/Lisbon", "Europe/Ljubljana", "Europe/London", "Europe/Luxembourg", "Europe/Madrid",
    "Europe/Malta", "Europe/Mariehamn", "Europe/Minsk", "Europe/Monaco", "Europe/Moscow", "Europe/Nicosia",
    "Europe/Oslo", "Europe/Paris", "Europe/Podgorica", "Europe/Prague", "Europe/Riga", "Europe/Rome",
    "Europe/Samara", "Europe/San_Marino", "Europe/Sarajevo", "Europe/Saratov", "Europe/Simferopol", "Europe/Skopje",
    "Europe/Sofia", "Europe/Stockholm", "Europe/Tallinn", "Europe/Tirane", "Europe/Tiraspol", "Europe/Ulyanovsk",
    "Europe/Uzhgorod", "Europe/Vaduz", "Europe/Vatican", "Europe/Vienna", "Europe/Vilnius", "Europe/Volgograd",
    "Europe/Warsaw", "Europe/Zagreb", "Europe/Zaporozhye", "Europe/Zurich", "Factory", "GB", "GB-Eire", "GMT",
    "GMT+0", "GMT-0", "GMT0", "Greenwich", "HST", "Hongkong", "Iceland", "Indian/Antananarivo", "Indian/Chagos",
    "Indian/Christmas", "Indian/Cocos", "Indian/Comoro", "Indian/Kerguelen", "Indian/Mahe", "Indian/Maldives",
    "Indian/Mauritius", "Indian/Mayotte", "Indian/Reunion", "Iran", "Israel", "Jamaica", "Japan", "Kwajalein",
    "Libya", "MET", "MST", "MST7MDT", "Mexico/BajaNorte", "Mexico/BajaSur", "Mexico/General", "NZ", "NZ-CHAT",
    "Navajo", "PRC", "PST8PDT", "Pacific/Apia", "Pacific/Auckland", "Pacific/Bougainville", "Pacific/Chatham",
    "Pacific/Chuuk", "Pacific/Easter", "Pacific/Efate", "Pacific/Enderbury", "Pacific/Fakaofo", "Pacific/Fiji",
    "Pacific/Funafuti", "Pacific/Galapagos", "Pacific/Gambier", "Pacific/Guadalcanal", "Pacific/Guam",
    "Pacific/Honolulu", "Pacific/Johnston", "Pacific/Kanton", "Pacific/Kiritimati", "Pacific/Kosrae",
    "Pacific/Kwajalein", "Pacific/Majuro", "Pacific/Marquesas", "Pacific/Midway", "Pacific/Nauru", "Pacific/Niue",
    "Pacific/Norfolk", "Pacific/Noumea", "Pacific/Pago_Pago", "Pacific/Palau", "Pacific/Pitcairn", "Pacific/Pohnpei",
    "Pacific/Ponape", "Pacific/Port_Moresby", "Pacific/Rarotonga", "Pacific/Saipan", "Pacific/Samoa",
    "Pacific/Tahiti", "Pacific/Tarawa", "Pacific/Tongatapu", "Pacific/Truk", "Pacific/Wake", "Pacific/Wallis",
    "Pacific/Yap", "Poland", "Portugal", "ROC", "ROK", "Singapore", "Turkey", "UCT", "US/Alaska", "US/Aleutian",
    "US/Arizona", "US/Central", "US/East-Indiana", "US/Eastern", "US/Hawaii", "US/Indiana-Starke", "US/Michigan",
    "US/Mountain", "US/Pacific", "US/Samoa", "UTC", "Universal", "W-SU", "WET", "Zulu", "localtime",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_iso_offset_date_time("2024-01-01T10:00:00Z"));
        assert!(is_iso_offset_date_time("2024-01-01T10:00+02:00"));
        assert!(!is_iso_offset_date_time("2024-01-01T10:00:00"));
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2023-02-29"));
        assert!(is_iso_time("13:51:06", true));
        assert!(!is_iso_time("18:00:00 a", true));
        assert!(TIME_ZONES.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(is_known_zone("America/Detroit") && !is_known_zone("America/Rome"));
        assert!(hashtag_pattern_error("ok_tag").is_none() && hashtag_pattern_error("").is_some());
        assert!(!is_plausible_java_regex("[abc+") && is_plausible_java_regex("^[a-zA-Z]{3,}$"));
    }
}
