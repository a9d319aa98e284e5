//! The cases. Each is an `async fn(Arc<dyn Storage>)` that panics when the store breaks a rule;
//! `CASES` lists them and `storage_conformance_tests!` must list the same names in the same order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // the kit fails tests by panicking

use std::sync::Arc;

use super::{Case, CaseFuture, Fixture};
use crate::storage::{ChangeSet, Op, Storage};

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        /// Every case of the kit, in the order the macro emits them.
        pub static CASES: &[Case] = &[
            $(Case { name: stringify!($name), run: |s| -> CaseFuture { Box::pin($name(s)) } }),*
        ];
    };
}

cases!(insert_district_then_read);

async fn insert_district_then_read(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.district("Maple Valley");
    store
        .apply(ChangeSet::new().with(Op::InsertDistrict(district.clone())))
        .await
        .unwrap();
    assert_eq!(
        store.district(district.id).await.unwrap(),
        Some(district.clone())
    );
    assert_eq!(
        store.district_by_name("maple valley").await.unwrap(),
        Some(district)
    );
}
