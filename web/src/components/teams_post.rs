//! A record as Teams will show it: the core's conversion of its MessageML ([`ferry_core::teams::render_post`],
//! the same code the CLI's `ferry convert --to teams` sends), previewed through [`crate::preview`]'s whitelist
//! (never as HTML), its mentions with the Entra users they name, its inline images from the record's own bytes,
//! and what the conversion loses, each with its fate.

use std::collections::BTreeMap;
use std::rc::Rc;

use ferry_core::humanize::size;
use ferry_core::teams::{render_post, AttachmentSource, Directory, Post, MAX_POST_BYTES};
use serde_json::Value;
use yew::prelude::*;

use crate::attachments::image_data_url;
use crate::components::record_view::MAX_PARSED_RECORD_BYTES;
use crate::preview::{build_teams_preview, render_preview, HostedImage, Preview};

/// Properties of [`TeamsPost`].
#[derive(Properties, PartialEq)]
pub struct TeamsPostProps {
    /// The record's current text.
    pub text: Rc<str>,
    /// The maps the batch was checked with; `None` when none were loaded (no mention names an Entra user).
    pub directory: Option<Rc<Directory>>,
}

/// A record converted for Teams, ready to show.
#[derive(Debug, PartialEq)]
struct Converted {
    /// The core's post.
    post: Post,
    /// Its preview.
    preview: Preview,
}

/// The record's post, or why there is none.
fn convert(text: &str, directory: Option<&Directory>) -> Result<Converted, String> {
    if text.len() > MAX_PARSED_RECORD_BYTES {
        return Err("The record is too large to convert here.".to_owned());
    }
    let record: Value =
        serde_json::from_str(text).map_err(|error| format!("The record is not well-formed JSON: {error}."))?;
    let message = record.get("message").and_then(Value::as_str).ok_or("The record has no message text.")?;
    let data = record.get("data").and_then(Value::as_str);
    let attachments: Vec<AttachmentSource<'_>> = record
        .get("attachments")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| AttachmentSource {
                    filename: item.get("filename").and_then(Value::as_str).unwrap_or_default(),
                    content_base64: item.get("content").and_then(Value::as_str).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let no_users = BTreeMap::new();
    let users = directory.map_or(&no_users, |directory| &directory.users);
    let post = render_post(message, data, &attachments, users);
    let images: Vec<HostedImage> = post
        .inline_images
        .iter()
        .map(|image| {
            let attachment = attachments.get(image.attachment_index);
            HostedImage {
                temporary_id: image.temporary_id.clone(),
                data_url: attachment.and_then(|attachment| image_data_url(attachment.content_base64)),
                description: attachment.map(|attachment| attachment.filename.to_owned()).unwrap_or_default(),
            }
        })
        .collect();
    let preview = build_teams_preview(&post.html, &images);
    Ok(Converted { post, preview })
}

/// The Teams preview of a record.
#[function_component(TeamsPost)]
pub fn teams_post(props: &TeamsPostProps) -> Html {
    let converted = use_memo((props.text.clone(), props.directory.clone()), |(text, directory)| {
        convert(text, directory.as_deref())
    });
    let converted = match &*converted {
        Ok(converted) => converted,
        Err(problem) => return html! { <p class="note">{ problem.clone() }</p> },
    };
    let post = &converted.post;
    let body_bytes = post.html.len() as u64;
    html! {
        <div class="teams-post" id="teams-post">
            if let Some(problem) = &converted.preview.problem {
                <p class="note">{ problem.clone() }</p>
            }
            <div class="message-preview teams-preview">{ render_preview(&converted.preview.nodes) }</div>
            <p class={classes!("teams-post-size", (body_bytes > MAX_POST_BYTES as u64).then_some("problem"))}>
                { format!("Body: {} of HTML (Teams takes about {}).", size(body_bytes), size(MAX_POST_BYTES as u64)) }
            </p>
            if !post.mentions.is_empty() {
                <h4>{ "Mentions" }</h4>
                <ul class="teams-mentions">
                    { for post.mentions.iter().map(|mention| html! {
                        <li class="teams-mention">
                            <span class="preview-mention">{ mention.text.clone() }</span>
                            { match &mention.user {
                                Some(user) => format!(" is {} ({}) in Teams", user.display_name, user.id),
                                None => format!(" (Symphony user {}) is not in users.csv: written as plain text", mention.symphony_user_id),
                            } }
                        </li>
                    }) }
                </ul>
            }
            if !post.losses.is_empty() {
                <h4>{ "Not carried over" }</h4>
                <ul class="teams-losses" id="teams-losses">
                    { for post.losses.iter().map(|loss| html! {
                        <li class="teams-loss"><strong>{ loss.what.clone() }</strong>{ format!(": {}", loss.fate) }</li>
                    }) }
                </ul>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::inert::assert_inert;

    const FIXTURE_BATCH: &str = include_str!("../../../tests/fixtures/teams/batch.ndjson");
    const FIXTURE_USERS: &str = include_str!("../../../tests/fixtures/teams/users.csv");

    fn rendered(text: &'static str) -> String {
        rendered_with(text, None)
    }

    /// Renders `text`'s post with the users of `users_csv`, when given.
    fn rendered_with(text: &'static str, users_csv: Option<&'static str>) -> String {
        let renderer = yew::ServerRenderer::<TeamsPost>::with_props(move || TeamsPostProps {
            text: Rc::from(text),
            directory: users_csv.map(|users| {
                let users = ferry_convert::teams::read_users_csv(users).expect("a users map");
                Rc::new(Directory { users, streams: BTreeMap::new() })
            }),
        });
        futures::executor::block_on(renderer.hydratable(false).render())
    }

    /// The fixture's first record whose text contains `needle`.
    fn fixture_record(needle: &str) -> &'static str {
        FIXTURE_BATCH.lines().find(|line| line.contains(needle)).expect("the fixture has such a record")
    }

    #[test]
    fn the_fixture_shows_its_mention_its_inline_image_and_its_losses() {
        // (record, what its preview shows)
        let cases = [
            (r#"Thanks <mention uid=\"7215545057401\"/>"#, r#"<span class="preview-mention">Alice Martin</span>"#),
            ("architecture.png", r#"<img src="data:image/png;base64,"#),
            ("q3-report.pdf", r#"<li class="teams-loss"><strong>attachment q3-report.pdf</strong>"#),
        ];
        for (needle, shown) in cases {
            let html = rendered_with(fixture_record(needle), Some(FIXTURE_USERS));
            assert_inert(&html);
            assert!(html.contains(shown), "{needle}: {html}");
        }
        // Without users.csv the mention is plain text, and said so.
        let html = rendered(fixture_record(r#"Thanks <mention uid=\"7215545057401\"/>"#));
        assert!(!html.contains("class=\"preview-mention\">Alice"), "{html}");
    }

    #[test]
    fn a_record_converts_and_renders_inert() {
        let cases = [
            (r#"{"message": "<messageML>Hello <b>there</b></messageML>"}"#, "there"),
            (r#"{"message": "<messageML><script>window.pwned=1</script></messageML>"}"#, "window.pwned=1"),
            (r#"{"message": "<messageML>x</messageML>", "data": "{\"a\": \"<img src=x onerror=y>\"}"}"#, "x"),
        ];
        for (text, shown) in cases {
            let html = rendered(text);
            assert_inert(&html);
            assert!(html.contains(shown) && html.contains("class=\"message-preview teams-preview\""), "{html}");
        }
        assert!(rendered("{").contains("not well-formed JSON"));
        assert!(rendered(r#"{"message": 3}"#).contains("no message text"));
    }
}
