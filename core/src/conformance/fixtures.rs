//! Rows for the cases to write: built directly, with fixed ids and times, so the kit tests the
//! storage alone and not the directory above it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use crate::activity::{ActivityAction, ActivityEntry, ActorRef, Subject};
use crate::ids::{ActivityId, DistrictId, OrgUnitId, UserId, Version};
use crate::model::{
    Access, District, DistrictSettings, OrgUnit, OrgUnitKind, RecordStatus, User, UserDetails,
    UserKind,
};

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
        }
    }

    /// An activity entry about `user`, at `Fixture::time(minutes)`.
    pub fn activity(&mut self, district: DistrictId, user: UserId, minutes: i64) -> ActivityEntry {
        ActivityEntry {
            id: ActivityId::from_uuid(self.uuid()),
            district,
            subject: Subject::User(user),
            at: Self::time(minutes),
            actor: ActorRef {
                user: None,
                name: "conformance".into(),
            },
            on_behalf_of: None,
            action: ActivityAction::Updated,
            changes: Vec::new(),
        }
    }
}
