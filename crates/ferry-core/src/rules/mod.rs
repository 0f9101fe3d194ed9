//! The import rules, one file per problem found. Codes are assigned in [`crate::registry`].

pub mod malformed_json;
