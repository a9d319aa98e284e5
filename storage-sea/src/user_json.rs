//! A user's `data` column: the user without what the row's own columns hold (its id,
//! district, version and import stamp), which was nearly half of its JSON. An import of a
//! million users writes a row per user, so those bytes were a tenth of the database it leaves.
//!
//! Rows written before this form still read: their JSON repeats those fields, and reading
//! ignores them in favour of the columns (which always held the same values; `import_managed`
//! was backfilled from the JSON when its column was added).

use chrono::{DateTime, Utc};
use homeroom::{
    Access, DistrictId, RecordStatus, StorageError, User, UserDetails, UserId, Version,
};
use sea_orm::{QuerySelect, Select};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::user;

/// What `data` holds, borrowed from the user being written.
#[derive(Serialize)]
struct StoredRef<'a> {
    details: &'a UserDetails,
    status: RecordStatus,
    access: &'a Access,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// What `data` holds, read back.
#[derive(Deserialize)]
struct Stored {
    details: UserDetails,
    status: RecordStatus,
    access: Access,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The `data` of `u`'s row.
pub(crate) fn user_data(u: &User) -> Result<String, StorageError> {
    // Every field named, so a field added to the user does not compile until it is stored
    // (or said to be a column's).
    let User {
        id: _,
        district: _,
        details,
        status,
        access,
        created_at,
        updated_at,
        version: _,
        import_managed: _,
        import_fingerprint: _,
    } = u;
    crate::codec::to_json(&StoredRef {
        details,
        status: *status,
        access,
        created_at: *created_at,
        updated_at: *updated_at,
    })
}

/// A user's row as [`select_user_row`] reads it: id, district, version, `import_managed`,
/// `import_fingerprint` and `data`.
pub(crate) type UserRow = (Uuid, Uuid, i64, bool, Option<String>, String);

/// A [`UserRow`] followed by a page's total (see `read::counted_rows`).
pub(crate) type CountedUserRow = (Uuid, Uuid, i64, bool, Option<String>, String, i64);

/// `select` narrowed to the columns of a [`UserRow`], in its order.
pub(crate) fn select_user_row(select: Select<user::Entity>) -> Select<user::Entity> {
    select
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::District)
        .column(user::Column::Version)
        .column(user::Column::ImportManaged)
        .column(user::Column::ImportFingerprint)
        .column(user::Column::Data)
}

/// The user a [`UserRow`] holds.
pub(crate) fn user_of_row(row: UserRow) -> Result<User, StorageError> {
    let (id, district, version, import_managed, fingerprint, data) = row;
    user_of(
        id,
        district,
        version,
        import_managed,
        fingerprint.as_deref(),
        &data,
    )
}

/// The user of a row's columns and `data` (in either form).
pub(crate) fn user_of(
    id: Uuid,
    district: Uuid,
    version: i64,
    import_managed: bool,
    import_fingerprint: Option<&str>,
    data: &str,
) -> Result<User, StorageError> {
    let Stored {
        details,
        status,
        access,
        created_at,
        updated_at,
    } = crate::codec::from_json(data)?;
    Ok(User {
        id: UserId::from_uuid(id),
        district: DistrictId::from_uuid(district),
        details,
        status,
        access,
        created_at,
        updated_at,
        version: Version::new(crate::codec::stored_version(version)),
        import_managed,
        import_fingerprint: crate::read::stamps::decode_fingerprint(import_fingerprint)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeroom::{ImportFingerprint, UserKind};

    fn user() -> User {
        let mut user = User::new(
            UserId::from_uuid(Uuid::from_u128(7)),
            DistrictId::from_uuid(Uuid::from_u128(1)),
            UserDetails::new(UserKind::Student, "Ada", "Lovelace"),
            DateTime::UNIX_EPOCH,
        );
        user.version = Version::new(4);
        user.import_managed = true;
        user.import_fingerprint = Some(
            "0d88bc84e74048b233bf950754c9508a:b391e89f2e5ed872eb23ce420397af13:3"
                .parse::<ImportFingerprint>()
                .unwrap(),
        );
        user
    }

    fn columns(u: &User) -> (Uuid, Uuid, i64, bool, Option<String>) {
        (
            u.id.as_uuid(),
            u.district.as_uuid(),
            i64::try_from(u.version.get()).unwrap(),
            u.import_managed,
            u.import_fingerprint.map(|f| f.to_string()),
        )
    }

    #[test]
    fn a_user_reads_back_from_its_columns_and_data() {
        let u = user();
        let data = user_data(&u).unwrap();
        for column in ["\"id\"", "\"district\"", "\"version\"", "import_"] {
            assert!(!data.contains(column), "{column} in {data}");
        }
        let (id, district, version, managed, print) = columns(&u);
        assert_eq!(
            user_of_row((id, district, version, managed, print, data)).unwrap(),
            u
        );
    }

    #[test]
    fn a_row_in_the_old_whole_form_still_reads_and_its_columns_win() {
        let u = user();
        let old_form = crate::codec::to_json(&u).unwrap();
        assert!(old_form.contains("\"import_fingerprint\""));
        let (id, district, version, managed, print) = columns(&u);
        assert_eq!(
            user_of_row((
                id,
                district,
                version,
                managed,
                print.clone(),
                old_form.clone()
            ))
            .unwrap(),
            u
        );
        // The columns are what counts, as they always held the same values.
        let read = user_of_row((id, district, version + 1, false, None, old_form)).unwrap();
        assert_eq!(
            (read.version, read.import_managed, read.import_fingerprint),
            (Version::new(5), false, None)
        );
    }
}
