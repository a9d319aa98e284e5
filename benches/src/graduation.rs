//! The bulk bench's district: a graduating class of grade-12 students among others, archived
//! by a search (`benches/benches/bulk.rs`, `examples/bulk_once.rs`), and the bare SeaORM
//! update of the same rows it is compared with.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use homeroom::conformance::Fixture;
use homeroom::{
    Actor, BulkAction, ChangeSet, Directory, District, DistrictId, Error, Grade, ManualClock, Op,
    OrgUnit, RecordStatus, Selection, SequentialIds, Storage, User, UserId, UserSearch,
};
use homeroom_sea::tables as same;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};

use crate::district::uuid;

/// `seniors` grade-12 students, then `others` in grades 1 to 11, each in one of `schools`.
pub fn students(
    district: DistrictId,
    schools: &[OrgUnit],
    seniors: usize,
    others: usize,
) -> Vec<User> {
    (0..seniors + others)
        .map(|n| {
            let mut user = Fixture::new().user(district, &format!("First{n}"), &format!("Last{n}"));
            user.id = UserId::from_uuid(uuid(1_000_000 + n as u128));
            let grade = if n < seniors { 12 } else { 1 + (n % 11) as u8 };
            user.details.grade = Some(Grade::Numbered(grade));
            if let Some(school) = schools.get(n % schools.len().max(1)) {
                user.details.org_units.insert(school.id);
            }
            user
        })
        .collect()
}

/// The change set that stores the district, its schools and `users`.
pub fn seed_set(district: &District, schools: &[OrgUnit], users: &[User]) -> ChangeSet {
    let mut set = ChangeSet::new().with(Op::InsertDistrict(district.clone()));
    for school in schools {
        set.push(Op::InsertOrgUnit(school.clone()));
    }
    for user in users {
        set.push(Op::InsertUser(Box::new(user.clone())));
    }
    set
}

/// A directory over `storage` with a manual clock at graduation day and sequential ids.
pub fn directory(storage: Arc<dyn Storage>) -> Directory {
    let start = Utc
        .with_ymd_and_hms(2027, 6, 20, 7, 0, 0)
        .single()
        .unwrap_or_default();
    Directory::new(
        storage,
        Arc::new(ManualClock::new(start)),
        Arc::new(SequentialIds::new(99)),
    )
}

/// The archive of grade 12, previewed as the system actor.
pub async fn preview_archive(
    directory: &Directory,
    district: DistrictId,
) -> Result<homeroom::BulkPreview, Error> {
    let seniors = Selection::Matching(UserSearch::default().grade(Grade::Numbered(12)));
    directory
        .preview_bulk(
            &Actor::system("bench"),
            district,
            seniors,
            BulkAction::Archive,
        )
        .await
}

/// Previews and applies the archive of grade 12; the number archived.
pub async fn archive_seniors(directory: &Directory, district: DistrictId) -> Result<u64, Error> {
    let preview = preview_archive(directory, district).await?;
    let done = directory
        .apply_bulk(&Actor::system("bench"), district, &preview)
        .await?;
    Ok(done.touched)
}

/// The bare write: each senior's row updated at its version (new JSON, status, version,
/// `WHERE id = ? AND version = ?`), in one transaction; the number of rows updated.
pub async fn bare_update(db: &DatabaseConnection, seniors: &[User]) -> Result<u64, DbErr> {
    let txn = db.begin().await?;
    let mut updated = 0;
    for user in seniors {
        let mut archived = user.clone();
        archived.status = RecordStatus::Archived;
        archived.version = user.version.next();
        let data = serde_json::to_string(&archived).map_err(|e| DbErr::Custom(e.to_string()))?;
        let row = same::users::ActiveModel {
            version: Set(i64::try_from(archived.version.get()).unwrap_or(i64::MAX)),
            status: Set(archived.status.as_str().to_owned()),
            data: Set(data),
            ..Default::default()
        };
        updated += same::users::Entity::update_many()
            .set(row)
            .filter(same::users::Column::Id.eq(user.id.as_uuid()))
            .filter(same::users::Column::Version.eq(i64::try_from(user.version.get()).unwrap_or(0)))
            .exec(&txn)
            .await?
            .rows_affected;
    }
    txn.commit().await?;
    Ok(updated)
}
