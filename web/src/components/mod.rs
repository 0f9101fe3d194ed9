//! Components: they render state and turn user events into callbacks or actions; they hold no state of their
//! own beyond what the pointer and the scroll position are doing.

pub mod deferred;
pub mod drop_zone;
pub mod file_findings;
pub mod format;
pub mod import_panel;
pub mod options;
pub mod record_list;
pub mod record_view;
pub mod report_panel;
pub mod summary;
pub mod teams_import;
pub mod teams_plan;
pub mod teams_post;
