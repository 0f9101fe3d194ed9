//! Components: they render state and turn user events into callbacks; they hold no state of their own beyond
//! what the pointer is doing.

pub mod drop_zone;
pub mod import_panel;
pub mod report_panel;
pub mod record_view;
pub mod report_view;
