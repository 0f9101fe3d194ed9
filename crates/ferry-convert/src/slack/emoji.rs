//! Slack emoji (`:name:`, with a skin tone `:name::skin-tone-N:`, or a rich-text `emoji` element) into
//! MessageML.
//!
//! A name in the standard shortcode list (gemoji's, through the `emojis` crate) becomes
//! `<emoji shortcode="name"/>`. Slack's own names follow Unicode's names where gemoji's differ
//! (`thinking_face` for gemoji's `thinking`, `man-shrugging`, `flag-us`): those are found by the emoji's
//! Unicode name, or its flag's letters, and written with gemoji's shortcode (as the character when gemoji has
//! none). A skin tone has no standard shortcode, so a toned standard emoji is written as its Unicode character,
//! which every client shows. A name outside both lists (a custom emoji) is written as the character Slack gave
//! for it (`unicode` in rich text) when there is one, else as `:name:` text, reported as
//! [`Lossy::EmojiAsText`].

use std::collections::HashMap;
use std::sync::OnceLock;

use emojis::Emoji;

use super::content::Writer;
use super::directory::Lossy;

/// Longest emoji name looked for in text (Slack caps custom emoji names well below this).
const MAX_NAME_BYTES: usize = 100;

/// Writes the emoji `name` with Slack's `skin_tone` (1 is the default, 2 to 6 the five tones) and, from rich
/// text, the `unicode` code points Slack gave (hex, joined by `-`).
pub(crate) fn write_emoji(name: &str, skin_tone: Option<u64>, unicode: Option<&str>, writer: &mut Writer) {
    let gemoji = emojis::get_by_shortcode(name);
    if let Some(emoji) = gemoji.or_else(|| by_unicode_name(name)).or_else(|| flag(name)) {
        let toned = skin_tone.and_then(tone_from_slack).and_then(|tone| emoji.with_skin_tone(tone));
        // Slack's name when gemoji knows it, else gemoji's own shortcode for the emoji.
        let shortcode = if gemoji.is_some() { Some(name) } else { emoji.shortcode() };
        match (toned, shortcode) {
            (Some(toned), _) if toned.skin_tone() != Some(emojis::SkinTone::Default) => writer.text(toned.as_str()),
            (_, Some(shortcode)) if is_messageml_shortcode(shortcode) => {
                writer.empty("emoji", &[("shortcode", shortcode)]);
            }
            _ => writer.text(emoji.as_str()),
        }
        return;
    }
    if let Some(characters) = unicode.and_then(characters_from_code_points) {
        writer.text(&characters);
        return;
    }
    writer.text(":");
    writer.text(name);
    writer.text(":");
    if let Some(tone) = skin_tone.filter(|tone| (2..=6).contains(tone)) {
        writer.text(&format!(":skin-tone-{tone}:"));
    }
    writer.report(Lossy::EmojiAsText { name: name.to_owned() });
}

/// An emoji written in text as `:name:`, optionally followed by `:skin-tone-N:`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TextEmoji<'t> {
    /// The name between the colons.
    pub name: &'t str,
    /// Slack's skin tone number (1 to 6), when one follows.
    pub skin_tone: Option<u64>,
    /// How many bytes of the text it takes.
    pub length: usize,
}

/// The emoji written at the start of `text`, if there is one.
///
/// Conservative, as Slack is: the name is 1 to [`MAX_NAME_BYTES`] of `a-z A-Z 0-9 _ + - '` and not all digits
/// (so `10:30:45` stays a time).
pub(crate) fn emoji_at(text: &str) -> Option<TextEmoji<'_>> {
    let rest = text.strip_prefix(':')?;
    let name_length = rest
        .bytes()
        .take(MAX_NAME_BYTES + 1)
        .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'+' | b'-' | b'\''))
        .count();
    if name_length == 0 || name_length > MAX_NAME_BYTES || rest.as_bytes().get(name_length) != Some(&b':') {
        return None;
    }
    let name = &rest[..name_length];
    if name.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let mut length = name_length + 2;
    let mut skin_tone = None;
    if let Some(tone_text) = text[length..].strip_prefix(":skin-tone-") {
        let digit = tone_text.as_bytes().first().copied();
        if let (Some(digit @ b'1'..=b'6'), Some(b':')) = (digit, tone_text.as_bytes().get(1).copied()) {
            skin_tone = Some(u64::from(digit - b'0'));
            length += ":skin-tone-N:".len();
        }
    }
    Some(TextEmoji { name, skin_tone, length })
}

/// `name` in lower case with every run of other characters than ASCII letters and digits made one `_`: Slack's
/// names and Unicode's names compare equal this way (`man-shrugging` and "man shrugging").
fn normalized_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    for character in name.chars() {
        if character.is_ascii_alphanumeric() {
            normalized.push(character.to_ascii_lowercase());
        } else if !normalized.is_empty() && !normalized.ends_with('_') {
            normalized.push('_');
        }
    }
    if normalized.ends_with('_') {
        normalized.pop();
    }
    normalized
}

/// The standard emoji whose Unicode name is `name`, compared as [`normalized_name`] makes them.
fn by_unicode_name(name: &str) -> Option<&'static Emoji> {
    static BY_NAME: OnceLock<HashMap<String, &'static Emoji>> = OnceLock::new();
    let by_name = BY_NAME.get_or_init(|| emojis::iter().map(|emoji| (normalized_name(emoji.name()), emoji)).collect());
    by_name.get(&normalized_name(name)).copied()
}

/// The flag Slack names `flag-xx` (a region's two letters), if the standard knows it.
fn flag(name: &str) -> Option<&'static Emoji> {
    let letters = name.strip_prefix("flag-")?.as_bytes();
    let [first, second] = letters else { return None };
    let regional_indicator = |letter: &u8| {
        letter.is_ascii_alphabetic().then(|| char::from_u32(0x1f1e6 + u32::from(letter.to_ascii_lowercase() - b'a')))?
    };
    let flag: String = [regional_indicator(first)?, regional_indicator(second)?].iter().collect();
    emojis::get(&flag)
}

/// Slack's skin tone number as the `emojis` crate's tone (Slack's 1 is the untoned default).
fn tone_from_slack(skin_tone: u64) -> Option<emojis::SkinTone> {
    Some(match skin_tone {
        2 => emojis::SkinTone::Light,
        3 => emojis::SkinTone::MediumLight,
        4 => emojis::SkinTone::Medium,
        5 => emojis::SkinTone::MediumDark,
        6 => emojis::SkinTone::Dark,
        _ => return None,
    })
}

/// Whether MessageML's `emoji` accepts `shortcode` (ASCII letters, digits, `_`, `+`, `-`).
fn is_messageml_shortcode(shortcode: &str) -> bool {
    !shortcode.is_empty()
        && shortcode.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'+' | b'-'))
}

/// The characters of Slack's `unicode` field (`1f44d-1f3fb`), or `None` when it is not a short list of valid,
/// printable code points.
fn characters_from_code_points(unicode: &str) -> Option<String> {
    let mut characters = String::new();
    for (index, code_point) in unicode.split('-').enumerate() {
        if index >= 16 || code_point.is_empty() || code_point.len() > 6 {
            return None;
        }
        let character = u32::from_str_radix(code_point, 16).ok().and_then(char::from_u32)?;
        if character.is_control() {
            return None;
        }
        characters.push(character);
    }
    (!characters.is_empty()).then_some(characters)
}

#[cfg(test)]
mod tests {
    use super::{by_unicode_name, characters_from_code_points, emoji_at, flag, normalized_name, TextEmoji};

    #[test]
    fn emoji_are_found_in_text_conservatively() {
        let found = |name, skin_tone, length| Some(TextEmoji { name, skin_tone, length });
        let cases = [
            (":smile: rest", found("smile", None, 7)),
            (":thumbsup::skin-tone-2: ok", found("thumbsup", Some(2), 23)),
            (":+1:", found("+1", None, 4)),
            (":thumbsup::skin-tone-9:", found("thumbsup", None, 10)),
            (":30:45", None),
            (":: x", None),
            (":no space:", None),
            (":unterminated", None),
            ("smile:", None),
        ];
        for (text, expected) in cases {
            assert_eq!(emoji_at(text), expected, "{text:?}");
        }
    }

    #[test]
    fn code_points_become_characters_only_when_valid() {
        let cases: &[(&str, Option<&str>)] = &[
            ("1f604", Some("\u{1f604}")),
            ("1f44d-1f3fb", Some("\u{1f44d}\u{1f3fb}")),
            ("d800", None),
            ("110000", None),
            ("7", None),
            ("zz", None),
            ("", None),
        ];
        for (unicode, expected) in cases {
            assert_eq!(characters_from_code_points(unicode).as_deref(), *expected, "{unicode:?}");
        }
    }

    #[test]
    fn slack_names_outside_gemoji_are_found_by_unicode_name_or_flag_letters() {
        let cases: &[(&str, Option<&str>)] = &[
            ("thinking_face", Some("\u{1f914}")),
            ("man-shrugging", Some("\u{1f937}\u{200d}\u{2642}\u{fe0f}")),
            ("Star-Struck", Some("\u{1f929}")),
            ("flag-fr", Some("\u{1f1eb}\u{1f1f7}")),
            ("flag-zz", None),
            ("flag-\u{e9}t", None),
            ("partyparrot", None),
            ("", None),
        ];
        for (name, expected) in cases {
            let found = by_unicode_name(name).or_else(|| flag(name)).map(emojis::Emoji::as_str);
            assert_eq!(found, *expected, "{name:?}");
        }
        assert_eq!(normalized_name("  Face -- with: Tears!"), "face_with_tears");
    }
}
