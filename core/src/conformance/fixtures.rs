//! Rows for the cases to write: built directly, with fixed ids and times, so the kit tests the
//! storage alone and not the directory above it.

use std::future::Future;

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use super::panic_with;
use crate::activity::{ActivityAction, ActivityEntry, ActorRef, Subject};
use crate::authz::{Grant, PermissionSet, Role, Scope};
use crate::ids::{ActivityId, DistrictId, GrantId, OrgUnitId, RoleId, UserId, Version};
use crate::ids::{ItemId, RecordId};
use crate::model::{
    Access, District, DistrictSettings, Email, Grade, LocalId, OrgUnit, OrgUnitKind, RecordStatus,
    User, UserDetails, UserKind, Username,
};
use crate::records::{Record, RecordBody};
use crate::storage::{ChangeSet, Item, ItemKind, Op, Storage};
use crate::validation::InvalidValue;

/// Makes rows with distinct ids. One per case.
#[derive(Debug, Default)]
pub struct Fixture {
    next: u128,
}

impl Fixture {
    /// A new fixture.
    pub fn new() -> Self {
        Self { next: 0 }
    }

    fn uuid(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(0x00c0_ffee_0000_0000_0000_0000_0000_0000 + self.next)
    }

    /// The time every fixture row is stamped with, plus `minutes`.
    pub fn time(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0)
            .single()
            .unwrap_or(DateTime::UNIX_EPOCH)
            + Duration::minutes(minutes)
    }

    /// A district named `name`.
    pub fn district(&mut self, name: &str) -> District {
        District {
            id: DistrictId::from_uuid(self.uuid()),
            name: name.into(),
            settings: DistrictSettings::default(),
            created_at: Self::time(0),
            version: Version::FIRST,
        }
    }

    /// A school in `district` under `parent`.
    pub fn org_unit(
        &mut self,
        district: DistrictId,
        name: &str,
        parent: Option<OrgUnitId>,
    ) -> OrgUnit {
        OrgUnit {
            id: OrgUnitId::from_uuid(self.uuid()),
            district,
            parent,
            name: name.into(),
            code: None,
            kind: OrgUnitKind::School,
            created_at: Self::time(0),
            version: Version::FIRST,
        }
    }

    /// A school in `district` under `parent` with a short `code`.
    pub fn coded_org_unit(
        &mut self,
        district: DistrictId,
        name: &str,
        code: &str,
        parent: Option<OrgUnitId>,
    ) -> OrgUnit {
        OrgUnit {
            code: Some(code.into()),
            ..self.org_unit(district, name, parent)
        }
    }

    /// An active student `first last` in `district`, with no identifiers.
    pub fn user(&mut self, district: DistrictId, first: &str, last: &str) -> User {
        User {
            id: UserId::from_uuid(self.uuid()),
            district,
            details: UserDetails::new(UserKind::Student, first, last),
            status: RecordStatus::Active,
            access: Access::Allowed,
            created_at: Self::time(0),
            updated_at: Self::time(0),
            version: Version::FIRST,
            import_managed: false,
            import_fingerprint: None,
        }
    }

    /// A user id that no row carries.
    pub fn user_id(&mut self) -> UserId {
        UserId::from_uuid(self.uuid())
    }

    /// An activity entry about `user`, at `Fixture::time(minutes)`.
    pub fn activity(&mut self, district: DistrictId, user: UserId, minutes: i64) -> ActivityEntry {
        self.activity_about(district, Subject::User(user), minutes)
    }

    /// An activity entry about any subject, at `Fixture::time(minutes)`.
    pub fn activity_about(
        &mut self,
        district: DistrictId,
        subject: Subject,
        minutes: i64,
    ) -> ActivityEntry {
        ActivityEntry {
            id: ActivityId::from_uuid(self.uuid()),
            district,
            subject,
            at: Self::time(minutes),
            actor: ActorRef {
                user: None,
                name: "conformance".into(),
                acting_as: None,
            },
            on_behalf_of: None,
            action: ActivityAction::Updated,
            changes: Vec::new(),
            import_batch: None,
            import_row: None,
            bulk_operation: None,
            record: None,
            details_hidden: false,
        }
    }

    /// A role named `name` in `district` holding `permissions`.
    pub fn role(&mut self, district: DistrictId, name: &str, permissions: PermissionSet) -> Role {
        Role {
            id: RoleId::from_uuid(self.uuid()),
            district,
            name: name.into(),
            permissions,
            app_permissions: crate::authz::AppPermissions::new(),
            preset: None,
            created_at: Self::time(0),
            version: Version::FIRST,
        }
    }

    /// A grant of `role` to `holder` over `scope`.
    pub fn grant(
        &mut self,
        district: DistrictId,
        holder: UserId,
        role: RoleId,
        scope: Scope,
    ) -> Grant {
        Grant {
            id: GrantId::from_uuid(self.uuid()),
            district,
            holder,
            role,
            scope,
            granted_by: None,
            granted_at: Self::time(0),
            version: Version::FIRST,
        }
    }

    /// A record of `user` with `body`.
    pub fn record(&mut self, district: DistrictId, user: UserId, body: RecordBody) -> Record {
        Record {
            id: RecordId::from_uuid(self.uuid()),
            district,
            user,
            body,
            version: Version::FIRST,
            provenance: Vec::new(),
        }
    }

    /// An item of `kind` in `district` whose body says `text`, without owner, status, due
    /// time or key.
    pub fn item(&mut self, district: DistrictId, kind: ItemKind, text: &str) -> Item {
        Item {
            id: ItemId::from_uuid(self.uuid()),
            district,
            kind,
            version: Version::FIRST,
            owner: None,
            status: None,
            due: None,
            key: None,
            body: serde_json::json!({ "text": text }).to_string(),
        }
    }

    /// A district named `name`, already written to `store`.
    pub async fn seed_district(&mut self, store: &dyn Storage, name: &str) -> District {
        let district = self.district(name);
        seed(store, [Op::InsertDistrict(district.clone())]).await;
        district
    }

    /// The district "Maple Valley" with two users, Ada A and Bo B, all written to `store`: the
    /// setup of the cases that check one user's rows are kept apart from another's.
    pub async fn seed_ada_and_bo(&mut self, store: &dyn Storage) -> (District, User, User) {
        let district = self.seed_district(store, "Maple Valley").await;
        let ada = self.user(district.id, "Ada", "A");
        let bo = self.user(district.id, "Bo", "B");
        seed_users(store, [&ada, &bo]).await;
        (district, ada, bo)
    }
}

/// Writes `ops` as one change set, failing the case when the store refuses it.
///
/// The ops are collected before the returned future starts, so any iterator will do.
pub fn seed(
    store: &dyn Storage,
    ops: impl IntoIterator<Item = Op>,
) -> impl Future<Output = ()> + Send + '_ {
    let set: ChangeSet = ops.into_iter().collect();
    async move {
        if let Err(error) = store.apply(set).await {
            panic_with(&format!("seeding the store failed: {error}"));
        }
    }
}

/// Writes each user with an `InsertUser` op, all in one change set.
pub fn seed_users<'a>(
    store: &'a dyn Storage,
    users: impl IntoIterator<Item = &'a User>,
) -> impl Future<Output = ()> + Send + 'a {
    seed(
        store,
        users
            .into_iter()
            .cloned()
            .map(|u| Op::InsertUser(Box::new(u))),
    )
}

/// The op that inserts `user`.
pub fn insert(user: &User) -> Op {
    Op::InsertUser(Box::new(user.clone()))
}

/// The op that replaces `old` with `new` (which should carry `old.version.next()`).
pub fn update(old: &User, new: &User) -> Op {
    Op::UpdateUser {
        user: Box::new(new.clone()),
        expected: old.version,
    }
}

/// The op that deletes `user` at its version.
pub fn delete(user: &User) -> Op {
    Op::DeleteUser {
        district: user.district,
        id: user.id,
        expected: user.version,
    }
}

fn parsed<T>(value: Result<T, InvalidValue>, what: &str, text: &str) -> T {
    match value {
        Ok(value) => value,
        Err(error) => panic_with(&format!("fixture {what} '{text}' is invalid: {error}")),
    }
}

/// Builder-style edits of a fixture user, so a case reads as the row it writes.
///
/// ```text
/// let ada = fx.user(d, "Ada", "Lovelace").email("Ada@X.org").local_id("00123");
/// let renamed = ada.revised(|u| u.details.name.last = "King".into());
/// ```
pub trait UserEdits: Sized {
    /// Sets the Local ID (parsed).
    fn local_id(self, local_id: &str) -> Self;
    /// Sets the e-mail address (parsed).
    fn email(self, email: &str) -> Self;
    /// Sets the username (parsed).
    fn username(self, username: &str) -> Self;
    /// Sets the grade (parsed).
    fn grade(self, grade: &str) -> Self;
    /// Sets the preferred name.
    fn preferred(self, preferred: &str) -> Self;
    /// Sets the middle name.
    fn middle(self, middle: &str) -> Self;
    /// Adds an org unit membership.
    fn member_of(self, org_unit: OrgUnitId) -> Self;
    /// Makes the user a member of staff.
    fn staff(self) -> Self;
    /// Sets the record status.
    fn status(self, status: RecordStatus) -> Self;
    /// Sets the access.
    fn access(self, access: Access) -> Self;
    /// A copy changed by `change`, at the next version: the row an update would carry.
    fn revised(&self, change: impl FnOnce(&mut Self)) -> Self;
}

impl UserEdits for User {
    fn local_id(mut self, local_id: &str) -> Self {
        self.details.local_id = Some(parsed(LocalId::parse(local_id), "Local ID", local_id));
        self
    }

    fn email(mut self, email: &str) -> Self {
        self.details.email = Some(parsed(Email::parse(email), "e-mail", email));
        self
    }

    fn username(mut self, username: &str) -> Self {
        self.details.username = Some(parsed(Username::parse(username), "username", username));
        self
    }

    fn grade(mut self, grade: &str) -> Self {
        self.details.grade = Some(parsed(Grade::parse(grade), "grade", grade));
        self
    }

    fn preferred(mut self, preferred: &str) -> Self {
        self.details.name.preferred = Some(preferred.into());
        self
    }

    fn middle(mut self, middle: &str) -> Self {
        self.details.name.middle = Some(middle.into());
        self
    }

    fn member_of(mut self, org_unit: OrgUnitId) -> Self {
        self.details.org_units.insert(org_unit);
        self
    }

    fn staff(mut self) -> Self {
        self.details.kind = UserKind::Staff;
        self
    }

    fn status(mut self, status: RecordStatus) -> Self {
        self.status = status;
        self
    }

    fn access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }

    fn revised(&self, change: impl FnOnce(&mut Self)) -> Self {
        let mut next = self.clone();
        change(&mut next);
        next.version = self.version.next();
        next.updated_at = self.updated_at + Duration::minutes(1);
        next
    }
}
