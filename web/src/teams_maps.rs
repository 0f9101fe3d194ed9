//! The Teams maps the user loads beside a batch: `users.csv` (Symphony user id → Entra user) and `streams.csv`
//! (Symphony stream → Teams channel or chat), read by ferry-convert's readers, the same code as `ferry check
//! --target teams --users --streams`, so a map the CLI refuses is refused here with the same words and line.
//!
//! Invariant: the mapping checks run only with both maps loaded ([`TeamsMaps::directory`]); with one or none the
//! page says they are off. A map that cannot be read leaves the one loaded before in place.

use std::collections::BTreeMap;
use std::rc::Rc;

use ferry_core::teams::{Conversation, Directory, EntraUser};

/// Largest map file read, in bytes (a tenant of a million users is about 100 MB of CSV; the page refuses more
/// than it can hold twice, as text and as a map).
pub const MAX_MAP_BYTES: u64 = 128 * 1024 * 1024;

/// Which of the two maps a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// `users.csv`: `symphonyUserId,entraUserId,displayName`.
    Users,
    /// `streams.csv`: `streamId,teamId,channelId,chatId`.
    Streams,
}

impl MapKind {
    /// The map's usual file name, as the page names it.
    pub fn usual_name(self) -> &'static str {
        match self {
            MapKind::Users => "users.csv",
            MapKind::Streams => "streams.csv",
        }
    }
}

/// A map read from a file the user chose.
#[derive(Clone, Debug)]
pub struct LoadedMap<T> {
    /// The file's name, as the browser gives it.
    pub file_name: String,
    /// Its entries.
    pub entries: Rc<T>,
    /// Its text, as read (posted to `ferry serve` with the batch, which reads it with the same reader).
    pub text: Rc<str>,
}

/// Two loaded maps are the same when they are the same load (comparing by identity keeps yew's comparison of
/// properties O(1) for maps of any size).
impl<T> PartialEq for LoadedMap<T> {
    fn eq(&self, other: &Self) -> bool {
        self.file_name == other.file_name && Rc::ptr_eq(&self.entries, &other.entries)
    }
}

/// The maps loaded so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TeamsMaps {
    /// Entra users by Symphony user id.
    pub users: Option<LoadedMap<BTreeMap<i64, EntraUser>>>,
    /// Conversations by Symphony stream id.
    pub streams: Option<LoadedMap<BTreeMap<String, Conversation>>>,
}

impl TeamsMaps {
    /// The directory the core's mapping rules check against: `Some` only with both maps loaded.
    pub fn directory(&self) -> Option<Directory> {
        let (users, streams) = (self.users.as_ref()?, self.streams.as_ref()?);
        Some(Directory { users: (*users.entries).clone(), streams: (*streams.entries).clone() })
    }

    /// These maps with `text`, read from `file_name`, as the map of `kind`.
    ///
    /// # Errors
    /// The reader's error, naming the file and the line, when `text` is not such a map.
    pub fn with(&self, kind: MapKind, file_name: &str, text: &str) -> Result<TeamsMaps, String> {
        let refused = |error: ferry_convert::teams::MapError| format!("{file_name}: {error}");
        let mut next = self.clone();
        let file_name = file_name.to_owned();
        match kind {
            MapKind::Users => {
                let entries = Rc::new(ferry_convert::teams::read_users_csv(text).map_err(refused)?);
                next.users = Some(LoadedMap { file_name, entries, text: Rc::from(text) });
            }
            MapKind::Streams => {
                let entries = Rc::new(ferry_convert::teams::read_streams_csv(text).map_err(refused)?);
                next.streams = Some(LoadedMap { file_name, entries, text: Rc::from(text) });
            }
        }
        Ok(next)
    }

    /// These maps without the map of `kind`.
    pub fn without(&self, kind: MapKind) -> TeamsMaps {
        let mut next = self.clone();
        match kind {
            MapKind::Users => next.users = None,
            MapKind::Streams => next.streams = None,
        }
        next
    }

    /// What the page says of the maps: how many entries each holds, or that the mapping checks are off.
    pub fn status(&self) -> String {
        match (&self.users, &self.streams) {
            (Some(users), Some(streams)) => format!(
                "Mapping checks on: {} users from {}, {} streams from {}.",
                users.entries.len(),
                users.file_name,
                streams.entries.len(),
                streams.file_name
            ),
            (None, None) => "Mapping checks are off: load users.csv and streams.csv to check that every sender, \
                             mention and stream has a place in Teams."
                .to_owned(),
            (Some(_), None) => "Mapping checks are off until streams.csv is loaded too.".to_owned(),
            (None, Some(_)) => "Mapping checks are off until users.csv is loaded too.".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: &str =
        "symphonyUserId,entraUserId,displayName\n7215545057401,5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60,Alice Martin\n";
    const STREAMS: &str = "streamId,teamId,channelId,chatId\nkX3v9QmZ2pLr8TnY4wHc1eB7sJdF0gAa5o,,,19:c@thread.v2\n";

    #[test]
    fn both_maps_make_a_directory_and_a_bad_map_keeps_the_last() {
        let maps = TeamsMaps::default();
        assert_eq!(maps.directory(), None);
        assert!(maps.status().starts_with("Mapping checks are off: load users.csv and streams.csv"));
        let maps = maps.with(MapKind::Users, "u.csv", USERS).unwrap();
        assert_eq!(maps.directory(), None);
        assert_eq!(maps.status(), "Mapping checks are off until streams.csv is loaded too.");
        let maps = maps.with(MapKind::Streams, "s.csv", STREAMS).unwrap();
        let directory = maps.directory().unwrap();
        assert_eq!(directory.users[&7_215_545_057_401].display_name, "Alice Martin");
        assert_eq!(
            directory.conversation("kX3v9QmZ2pLr8TnY4wHc1eB7sJdF0gAa5o").map(Conversation::path).as_deref(),
            Some("/chats/19%3Ac%40thread.v2")
        );
        assert_eq!(maps.status(), "Mapping checks on: 1 users from u.csv, 1 streams from s.csv.");

        // A refused map names its file; the maps stay as they were.
        let refused = maps.with(MapKind::Users, "bad.csv", "symphonyUserId,entraUserId,displayName\nx,y,z\n");
        assert!(refused.as_ref().is_err_and(|message| message.starts_with("bad.csv: ")), "{refused:?}");
        assert_eq!(maps.without(MapKind::Users).directory(), None);
    }
}
