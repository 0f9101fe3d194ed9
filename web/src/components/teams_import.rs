//! The import panel of a batch checked for Teams.
//!
//! `ferry serve`'s API has no Teams endpoints yet (docs/api.md documents the Symphony import only), so the page
//! cannot upload to Teams: the upload button is shown disabled, with why, and the command that imports the same
//! batch from the command line (`ferry import --target teams`, which runs the same checks and conversion).

use std::rc::Rc;

use yew::prelude::*;

use crate::model::CheckedBatch;
use crate::teams_maps::{MapKind, TeamsMaps};

/// Properties of [`TeamsImportPanel`].
#[derive(Properties, PartialEq)]
pub struct TeamsImportPanelProps {
    /// The batch, checked for Teams.
    pub batch: Rc<CheckedBatch>,
    /// The maps loaded.
    pub maps: TeamsMaps,
}

/// A file name as one shell word: quoted when it holds anything but letters, digits and `._-/`.
fn shell_word(name: &str) -> String {
    let plain = !name.is_empty()
        && name.chars().all(|character| character.is_ascii_alphanumeric() || "._-/".contains(character));
    if plain {
        name.to_owned()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    }
}

/// The command line that imports `batch` into Teams with the maps loaded (their usual names when not loaded).
pub fn import_command(batch: &CheckedBatch, maps: &TeamsMaps) -> String {
    let files: Vec<String> = batch.file_names.iter().map(|name| shell_word(name)).collect();
    let users = maps.users.as_ref().map_or(MapKind::Users.usual_name(), |map| map.file_name.as_str());
    let streams = maps.streams.as_ref().map_or(MapKind::Streams.usual_name(), |map| map.file_name.as_str());
    format!(
        "ferry import {} --target teams --config teams.yaml --users {} --streams {} --apply",
        files.join(" "),
        shell_word(users),
        shell_word(streams)
    )
}

/// The Teams import panel.
#[function_component(TeamsImportPanel)]
pub fn teams_import_panel(props: &TeamsImportPanelProps) -> Html {
    html! {
        <section class="import-panel teams-import" id="teams-import" aria-labelledby="teams-import-title">
            <h2 id="teams-import-title">{ "Import into Teams" }</h2>
            <p class="import-note" id="teams-upload-unavailable" role="note">
                { "This page cannot upload to Teams yet: `ferry serve` has no Teams endpoints. Import the batch from \
                   the command line (with the fixed batch's file if you fixed records here); it runs the same checks \
                   and conversion, through migration mode, exactly once:" }
            </p>
            <pre class="teams-import-command"><code id="teams-import-command">{ import_command(&props.batch, &props.maps) }</code></pre>
            <div class="import-actions">
                <button type="button" id="teams-upload" disabled=true aria-describedby="teams-upload-unavailable">
                    { "Upload to Teams" }
                </button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_single_shell_words() {
        let cases = [
            ("batch.ndjson", "batch.ndjson"),
            ("my batch.json", "'my batch.json'"),
            ("it's.json", r"'it'\''s.json'"),
            ("$(rm -rf).json", "'$(rm -rf).json'"),
            ("", "''"),
        ];
        for (name, expected) in cases {
            assert_eq!(shell_word(name), expected, "{name}");
        }
    }
}
