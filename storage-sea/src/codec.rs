//! Between domain rows and table rows: each domain value is stored whole as JSON, next to the
//! columns derived from it (activity entries leave their columns out of their JSON: see
//! `activity_json`).

use chrono::DateTime;
use homeroom::records::{Device, Record};
use homeroom::storage::{Item, ItemKind};
use homeroom::{
    ActivityEntry, District, DistrictId, Grant, ItemId, OrgUnit, Role, StorageError, Subject, User,
    UserId, Version,
};
use sea_orm::ActiveValue::Set;
use sea_orm::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::activity_json::entry_data;
use crate::entity::{
    activity, district, grant, item, membership, org_unit, record, role, user, user_term,
};

/// The row's JSON.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|e| StorageError::backend("cannot encode a row", e))
}

/// The domain value from a row's JSON.
pub(crate) fn from_json<T: DeserializeOwned>(data: &str) -> Result<T, StorageError> {
    serde_json::from_str(data).map_err(|e| StorageError::backend("cannot decode a stored row", e))
}

/// A version as the database stores it.
pub(crate) fn version(version: Version) -> Result<i64, StorageError> {
    i64::try_from(version.get()).map_err(|e| StorageError::backend("version out of range", e))
}

/// A stored version as a number (negative values, which we never write, read as 0).
pub(crate) fn stored_version(raw: i64) -> u64 {
    u64::try_from(raw).unwrap_or(0)
}

/// How a subject is keyed in the activity table: its JSON (`"District"`, `{"User":"<uuid>"}`),
/// which names every kind of subject, present and future, without a list here to keep up.
pub(crate) fn subject_key(subject: &Subject) -> Result<String, StorageError> {
    to_json(subject)
}

pub(crate) fn district_row(d: &District) -> Result<district::ActiveModel, StorageError> {
    Ok(district::ActiveModel {
        id: Set(d.id.as_uuid()),
        name_key: Set(District::name_key(&d.name)),
        version: Set(version(d.version)?),
        data: Set(to_json(d)?),
    })
}

pub(crate) fn org_unit_row(o: &OrgUnit) -> Result<org_unit::ActiveModel, StorageError> {
    Ok(org_unit::ActiveModel {
        id: Set(o.id.as_uuid()),
        district: Set(o.district.as_uuid()),
        code_key: Set(o.code.as_deref().map(OrgUnit::code_key)),
        version: Set(version(o.version)?),
        data: Set(to_json(o)?),
    })
}

pub(crate) fn user_row(u: &User) -> Result<user::ActiveModel, StorageError> {
    let d = &u.details;
    Ok(user::ActiveModel {
        id: Set(u.id.as_uuid()),
        district: Set(u.district.as_uuid()),
        version: Set(version(u.version)?),
        local_id: Set(d.local_id.as_ref().map(|l| l.as_str().to_owned())),
        email_key: Set(d.email.as_ref().map(|e| e.key())),
        username_key: Set(d.username.as_ref().map(|n| n.key())),
        sort_key: Set(u.sort_key()),
        kind: Set(d.kind.as_str().to_owned()),
        grade: Set(d.grade.as_ref().map(|g| g.code())),
        status: Set(u.status.as_str().to_owned()),
        access: Set(u.access.kind().as_str().to_owned()),
        data: Set(crate::user_json::user_data(u)?),
        import_managed: Set(u.import_managed),
        import_fingerprint: Set(u.import_fingerprint.map(|f| f.to_string())),
    })
}

/// The columns of `hr_users`, in the order of [`user_values`].
pub(crate) const USER_COLUMNS: [&str; 14] = [
    "id",
    "district",
    "version",
    "local_id",
    "email_key",
    "username_key",
    "sort_key",
    "kind",
    "grade",
    "status",
    "access",
    "import_managed",
    "import_fingerprint",
    "data",
];

/// A user's row as plain values, for multi-row inserts (the same row as [`user_row`]).
pub(crate) fn user_values(u: &User) -> Result<[Value; 14], StorageError> {
    let columns = user_columns(u)?;
    let mut values = columns
        .into_iter()
        .chain([Value::from(crate::user_json::user_data(u)?)]);
    // 13 columns and the JSON: exactly 14 values, so the filler is never used.
    Ok(std::array::from_fn(|_| {
        values.next().unwrap_or(Value::String(None))
    }))
}

/// A user's row without its JSON (every column of [`USER_COLUMNS`] but the last): what an
/// update compares to tell which columns change.
pub(crate) fn user_columns(u: &User) -> Result<[Value; 13], StorageError> {
    let d = &u.details;
    Ok([
        u.id.as_uuid().into(),
        u.district.as_uuid().into(),
        version(u.version)?.into(),
        d.local_id.as_ref().map(|l| l.as_str().to_owned()).into(),
        d.email.as_ref().map(|e| e.key()).into(),
        d.username.as_ref().map(|n| n.key()).into(),
        u.sort_key().into(),
        d.kind.as_str().into(),
        d.grade.as_ref().map(|g| g.code()).into(),
        u.status.as_str().into(),
        u.access.kind().as_str().into(),
        u.import_managed.into(),
        u.import_fingerprint.map(|f| f.to_string()).into(),
    ])
}

/// The search terms stored for a user: [`User::search_terms`] without the terms that are a
/// prefix of another one (`ada` beside `ada lovelace`). A prefix of the dropped term is a
/// prefix of the longer one too, so a prefix search finds exactly the same users from fewer
/// rows. Sorted.
pub(crate) fn stored_terms(u: &User) -> Vec<String> {
    let terms = u.search_terms(); // sorted, without repeats
    let mut kept = Vec::with_capacity(terms.len());
    let mut iter = terms.into_iter().peekable();
    while let Some(term) = iter.next() {
        // Strings that start with `term` sort right after it, so its successor tells.
        if iter
            .peek()
            .is_none_or(|next| !next.starts_with(term.as_str()))
        {
            kept.push(term);
        }
    }
    kept
}

/// The term rows of a user.
pub(crate) fn term_rows(
    u: &User,
    terms: impl IntoIterator<Item = String>,
) -> impl Iterator<Item = user_term::ActiveModel> {
    let (district, id) = (u.district.as_uuid(), u.id.as_uuid());
    terms.into_iter().map(move |term| user_term::ActiveModel {
        district: Set(district),
        term: Set(term),
        user_id: Set(id),
    })
}

/// The membership rows of a user.
pub(crate) fn membership_rows<'a>(
    u: &User,
    units: impl IntoIterator<Item = &'a homeroom::OrgUnitId>,
) -> impl Iterator<Item = membership::ActiveModel> {
    let (district, id) = (u.district.as_uuid(), u.id.as_uuid());
    units.into_iter().map(move |unit| membership::ActiveModel {
        district: Set(district),
        org_unit_id: Set(unit.as_uuid()),
        user_id: Set(id),
    })
}

/// The columns of `hr_activity`, in the order of [`activity_values`].
pub(crate) const ACTIVITY_COLUMNS: [&str; 6] =
    ["id", "district", "subject", "at_secs", "at_nanos", "data"];

/// An entry's row as plain values, for multi-row inserts (the same row as [`activity_row`]).
pub(crate) fn activity_values(e: &ActivityEntry) -> Result<[Value; 6], StorageError> {
    Ok([
        e.id.as_uuid().into(),
        e.district.as_uuid().into(),
        subject_key(&e.subject)?.into(),
        e.at.timestamp().into(),
        i64::from(e.at.timestamp_subsec_nanos()).into(),
        entry_data(e)?.into(),
    ])
}

pub(crate) fn activity_row(e: &ActivityEntry) -> Result<activity::ActiveModel, StorageError> {
    Ok(activity::ActiveModel {
        id: Set(e.id.as_uuid()),
        district: Set(e.district.as_uuid()),
        subject: Set(subject_key(&e.subject)?),
        at_secs: Set(e.at.timestamp()),
        at_nanos: Set(i64::from(e.at.timestamp_subsec_nanos())),
        data: Set(entry_data(e)?),
    })
}

pub(crate) fn role_row(r: &Role) -> Result<role::ActiveModel, StorageError> {
    Ok(role::ActiveModel {
        id: Set(r.id.as_uuid()),
        district: Set(r.district.as_uuid()),
        name_key: Set(Role::name_key(&r.name)),
        version: Set(version(r.version)?),
        data: Set(to_json(r)?),
    })
}

pub(crate) fn grant_row(g: &Grant) -> Result<grant::ActiveModel, StorageError> {
    Ok(grant::ActiveModel {
        id: Set(g.id.as_uuid()),
        district: Set(g.district.as_uuid()),
        holder: Set(g.holder.as_uuid()),
        role: Set(g.role.as_uuid()),
        version: Set(version(g.version)?),
        data: Set(to_json(g)?),
    })
}

pub(crate) fn record_row(r: &Record) -> Result<record::ActiveModel, StorageError> {
    let at = r.at();
    Ok(record::ActiveModel {
        id: Set(r.id.as_uuid()),
        district: Set(r.district.as_uuid()),
        user_id: Set(r.user.as_uuid()),
        kind: Set(r.kind().as_str().to_owned()),
        at_secs: Set(at.timestamp()),
        at_nanos: Set(i64::from(at.timestamp_subsec_nanos())),
        open_device_key: Set(r.open_device_key()),
        device_key: Set(r.device().map(Device::key)),
        device_serial: Set(r.device().and_then(Device::serial_key)),
        version: Set(version(r.version)?),
        data: Set(to_json(r)?),
    })
}

pub(crate) fn item_row(i: &Item) -> Result<item::ActiveModel, StorageError> {
    Ok(item::ActiveModel {
        id: Set(i.id.as_uuid()),
        district: Set(i.district.as_uuid()),
        kind: Set(i.kind.as_str().to_owned()),
        owner: Set(i.owner.map(|o| o.as_uuid())),
        status: Set(i.status.clone()),
        due_secs: Set(i.due.map(|due| due.timestamp())),
        due_nanos: Set(i.due.map(|due| i64::from(due.timestamp_subsec_nanos()))),
        item_key: Set(i.key.clone()),
        version: Set(version(i.version)?),
        body: Set(i.body.clone()),
    })
}

/// The item a row holds.
pub(crate) fn item_from_row(row: item::Model) -> Result<Item, StorageError> {
    let due = match (row.due_secs, row.due_nanos) {
        (Some(secs), Some(nanos)) => Some(
            u32::try_from(nanos)
                .ok()
                .and_then(|nanos| DateTime::from_timestamp(secs, nanos))
                .ok_or_else(|| StorageError::Backend {
                    message: format!("item {} has a due time out of range", row.id),
                    source: None,
                })?,
        ),
        _ => None,
    };
    Ok(Item {
        id: ItemId::from_uuid(row.id),
        district: DistrictId::from_uuid(row.district),
        kind: ItemKind::from_stored(row.kind),
        version: Version::new(stored_version(row.version)),
        owner: row.owner.map(UserId::from_uuid),
        status: row.status,
        due,
        key: row.item_key,
        body: row.body,
    })
}

#[cfg(test)]
mod tests {
    use homeroom::conformance::Fixture;
    use homeroom::{DistrictId, Email, LocalId, User};

    use super::stored_terms;

    fn user(first: &str, last: &str, preferred: Option<&str>) -> User {
        let district = DistrictId::from_uuid(uuid::Uuid::nil());
        let mut user = Fixture::new().user(district, first, last);
        user.details.name.preferred = preferred.map(str::to_owned);
        user.details.email = Email::parse("ada.l@x.org").ok();
        user.details.local_id = LocalId::parse("A-1").ok();
        user
    }

    #[test]
    fn user_values_are_the_entity_columns_in_order() {
        use sea_orm::{ActiveModelTrait, Iden, Iterable};

        use crate::entity::user;

        let names: Vec<String> = user::Column::iter().map(|c| c.to_string()).collect();
        assert_eq!(names, super::USER_COLUMNS);
        let ada = user("Ada", "Lovelace", None);
        let row = super::user_row(&ada).unwrap();
        let values = super::user_values(&ada).unwrap();
        for (column, value) in user::Column::iter().zip(values) {
            assert_eq!(
                row.get(column).into_value(),
                Some(value),
                "{}",
                column.to_string()
            );
        }
    }

    #[test]
    fn activity_values_are_the_entity_columns_in_order() {
        use sea_orm::{ActiveModelTrait, Iden, Iterable};

        use crate::entity::activity;

        let names: Vec<String> = activity::Column::iter().map(|c| c.to_string()).collect();
        assert_eq!(names, super::ACTIVITY_COLUMNS);
        let ada = user("Ada", "Lovelace", None);
        let entry = Fixture::new().activity(ada.district, ada.id, 7);
        let row = super::activity_row(&entry).unwrap();
        let values = super::activity_values(&entry).unwrap();
        for (column, value) in activity::Column::iter().zip(values) {
            assert_eq!(
                row.get(column).into_value(),
                Some(value),
                "{}",
                column.to_string()
            );
        }
    }

    #[test]
    fn terms_that_prefix_another_are_not_stored() {
        let ada = user("Ada", "Lovelace", Some("Countess"));
        assert_eq!(
            stored_terms(&ada),
            [
                "a-1",
                "ada lovelace",
                "ada.l@x.org",
                "countess lovelace",
                "lovelace"
            ]
        );
    }

    #[test]
    fn stored_terms_match_exactly_the_prefixes_search_terms_match() {
        let users = [
            user("Ada", "Lovelace", None),
            user("Ada", "Ada", Some("Ad")),
            user("Ada", "", None),
            user("Zoë", "Ärger", Some("Zo")),
        ];
        for u in &users {
            let all = u.search_terms();
            let stored = stored_terms(u);
            for term in &all {
                for end in (0..=term.len()).filter(|i| term.is_char_boundary(*i)) {
                    let prefix = &term[..end];
                    assert_eq!(
                        all.iter().any(|t| t.starts_with(prefix)),
                        stored.iter().any(|t| t.starts_with(prefix)),
                        "{prefix:?} of {all:?}"
                    );
                }
            }
        }
    }
}
