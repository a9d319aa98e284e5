//! Not part of the API: hidden from the documentation and free to change in any release.
//!
//! The SeaORM entities of the user tables and the terms a user is stored under, for the
//! benches' same-rows baseline (a bare `insert_many` into this crate's own schema), so that they
//! write exactly these tables instead of declaring them again.

use homeroom::User;

/// `hr_users`: one row per user.
pub mod users {
    pub use crate::entity::user::{ActiveModel, Column, Entity, Model};
}

/// `hr_user_terms`: one row per stored search term of a user.
pub mod terms {
    pub use crate::entity::user_term::{ActiveModel, Entity, Model};
}

/// `hr_user_org_units`: one row per org unit a user belongs to.
pub mod members {
    pub use crate::entity::membership::{ActiveModel, Entity, Model};
}

/// The search terms stored for `user` (those that prefix another term are left out).
pub fn stored_terms(user: &User) -> Vec<String> {
    crate::codec::stored_terms(user)
}
