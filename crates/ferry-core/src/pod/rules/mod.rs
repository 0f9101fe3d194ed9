//! The pre-flight rules (`POD` family), one file per problem found. Each builds its finding; where it is
//! located is decided by [`check_record`](super::check_record) and [`check_service_user`](super::check_service_user).

pub mod mentioned_user_not_found;
pub mod sender_inactive;
pub mod sender_not_found;
pub mod sender_not_member;
pub mod service_user_lacks_content_management;
pub mod stream_inactive;
pub mod stream_not_found;
