//! Components: they render state and turn user events into callbacks; they hold no state of their own beyond
//! what the pointer is doing.

pub mod drop_zone;
pub mod record_view;
pub mod report_view;
