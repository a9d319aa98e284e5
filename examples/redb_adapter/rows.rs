//! How each Homeroom row maps onto the three tables: its tag and id in `rows`, the listings it
//! appears in (`index`), and the unique keys it claims (`unique`).

use chrono::{DateTime, Utc};
use homeroom::activity::Subject;
use homeroom::records::{DeviceKey, Record};
use homeroom::storage::{Item, ItemKind};
use homeroom::{
    ActivityEntry, District, DistrictId, Entity, Grant, ItemId, OrgUnit, Role, UniqueKey, User,
    UserId, Version,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A listing a row appears in: its name and the text it sorts by (ties go by id).
pub(super) type Listing = (String, String);

/// A unique key a row claims: which key (for the error), its namespace, its value.
pub(super) type Claim = (UniqueKey, String, String);

/// A stored row: JSON under `(TAG, id)` in the `rows` table.
pub(super) trait Row: Serialize + DeserializeOwned {
    /// The row kind's tag in the `rows` table.
    const TAG: &'static str;
    /// What errors call it.
    const ENTITY: Entity;
    /// Its id: unique across the whole database, like every backend's.
    fn id(&self) -> Uuid;
    /// The district it belongs to.
    fn district(&self) -> DistrictId;
    /// Its optimistic-concurrency version.
    fn version(&self) -> Version;
    /// The district its unique keys are unique in (`None`: the whole database).
    fn key_scope(&self) -> Option<DistrictId> {
        Some(self.district())
    }
    /// The listings it appears in.
    fn listings(&self) -> Vec<Listing> {
        Vec::new()
    }
    /// The unique keys it holds.
    fn claims(&self) -> Vec<Claim> {
        Vec::new()
    }
}

/// The name of a user's listing of records of one kind.
pub(super) fn record_list(user: UserId, kind: &str) -> String {
    format!("record:{user}:{kind}")
}

/// The name of the listing of the records naming a device by this key.
pub(super) fn device_list(key: &DeviceKey) -> String {
    match key {
        DeviceKey::AssetTag(tag) => format!("device:tag:{tag}"),
        DeviceKey::Serial(serial) => format!("device:serial:{serial}"),
    }
}

/// The name of a subject's activity listing.
pub(super) fn activity_list(subject: &Subject) -> String {
    match subject {
        Subject::District => "activity:district".to_owned(),
        Subject::OrgUnit(id) => format!("activity:org_unit:{id}"),
        Subject::User(id) => format!("activity:user:{id}"),
        Subject::Role(id) => format!("activity:role:{id}"),
        Subject::ProfileViews(id) => format!("activity:views:{id}"),
        Subject::ImportBatch(id) => format!("activity:import:{id}"),
    }
}

/// A time as text that sorts like the time: the seconds with the sign bit flipped (so
/// negative ones sort first), then the nanoseconds, both fixed width.
fn time_order(at: DateTime<Utc>) -> String {
    let seconds = (at.timestamp() as u64) ^ (1 << 63);
    format!("{seconds:020}{:010}", at.timestamp_subsec_nanos())
}

impl Row for District {
    const TAG: &'static str = "district";
    const ENTITY: Entity = Entity::District;
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn district(&self) -> DistrictId {
        self.id
    }
    fn version(&self) -> Version {
        self.version
    }
    fn key_scope(&self) -> Option<DistrictId> {
        None
    }
    fn claims(&self) -> Vec<Claim> {
        let name = District::name_key(&self.name);
        vec![(UniqueKey::DistrictName, "district_name".into(), name)]
    }
}

impl Row for OrgUnit {
    const TAG: &'static str = "org_unit";
    const ENTITY: Entity = Entity::OrgUnit;
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn district(&self) -> DistrictId {
        self.district
    }
    fn version(&self) -> Version {
        self.version
    }
    fn listings(&self) -> Vec<Listing> {
        vec![("org_unit".into(), String::new())]
    }
    fn claims(&self) -> Vec<Claim> {
        let code = self.code.as_deref().map(OrgUnit::code_key);
        code.map(|code| (UniqueKey::OrgUnitCode, "org_code".into(), code))
            .into_iter()
            .collect()
    }
}

impl Row for User {
    const TAG: &'static str = "user";
    const ENTITY: Entity = Entity::User;
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn district(&self) -> DistrictId {
        self.district
    }
    fn version(&self) -> Version {
        self.version
    }
    fn listings(&self) -> Vec<Listing> {
        vec![("user".into(), self.sort_key())]
    }
    fn claims(&self) -> Vec<Claim> {
        let d = &self.details;
        let local_id = d.local_id.as_ref().map(|v| v.as_str().to_owned());
        [
            (UniqueKey::LocalId, "local_id", local_id),
            (UniqueKey::Email, "email", d.email.as_ref().map(|v| v.key())),
            (
                UniqueKey::Username,
                "username",
                d.username.as_ref().map(|v| v.key()),
            ),
        ]
        .into_iter()
        .filter_map(|(key, ns, value)| Some((key, ns.to_owned(), value?)))
        .collect()
    }
}

impl Row for ActivityEntry {
    const TAG: &'static str = "activity";
    const ENTITY: Entity = Entity::Activity;
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn district(&self) -> DistrictId {
        self.district
    }
    fn version(&self) -> Version {
        // Entries are appended, never updated.
        Version::FIRST
    }
    fn listings(&self) -> Vec<Listing> {
        vec![(activity_list(&self.subject), time_order(self.at))]
    }
}

impl Row for Role {
    const TAG: &'static str = "role";
    const ENTITY: Entity = Entity::Role;
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn district(&self) -> DistrictId {
        self.district
    }
    fn version(&self) -> Version {
        self.version
    }
    fn listings(&self) -> Vec<Listing> {
        vec![("role".into(), String::new())]
    }
    fn claims(&self) -> Vec<Claim> {
        let name = Role::name_key(&self.name);
        vec![(UniqueKey::RoleName, "role_name".into(), name)]
    }
}

impl Row for Grant {
    const TAG: &'static str = "grant";
    const ENTITY: Entity = Entity::Grant;
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn district(&self) -> DistrictId {
        self.district
    }
    fn version(&self) -> Version {
        self.version
    }
    fn listings(&self) -> Vec<Listing> {
        // Every grant of the district, and the holder's: `grants` reads either.
        let holder = format!("grant:{}", self.holder);
        vec![("grant".into(), String::new()), (holder, String::new())]
    }
}

impl Row for Record {
    const TAG: &'static str = "record";
    const ENTITY: Entity = Entity::Record;
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn district(&self) -> DistrictId {
        self.district
    }
    fn version(&self) -> Version {
        self.version
    }
    fn listings(&self) -> Vec<Listing> {
        let at = time_order(self.at());
        let mut lists = vec![(record_list(self.user, self.kind().as_str()), at.clone())];
        if let Some(device) = self.device() {
            lists.push((device_list(&DeviceKey::AssetTag(device.key())), at.clone()));
            if let Some(serial) = device.serial_key() {
                lists.push((device_list(&DeviceKey::Serial(serial)), at));
            }
        }
        lists
    }
    fn claims(&self) -> Vec<Claim> {
        let device = self.open_device_key();
        device
            .map(|key| (UniqueKey::OpenCheckout, "checkout".into(), key))
            .into_iter()
            .collect()
    }
}

/// An [`Item`] as stored: `Item` is not `Serialize` (its body is opaque JSON text).
#[derive(Serialize, Deserialize)]
pub(super) struct StoredItem {
    id: ItemId,
    district: DistrictId,
    kind: String,
    version: Version,
    owner: Option<UserId>,
    status: Option<String>,
    due: Option<DateTime<Utc>>,
    key: Option<String>,
    body: String,
}

impl StoredItem {
    /// The kind it was stored as.
    pub(super) fn kind(&self) -> ItemKind {
        ItemKind::from_stored(self.kind.as_str())
    }
}

/// The name of the listing of a district's items of one kind, also the namespace of their keys.
pub(super) fn item_list(kind: &ItemKind) -> String {
    format!("item:{kind}")
}

/// The name of the listing of the items a user owns.
pub(super) fn owned_list(owner: UserId) -> String {
    format!("owned:{owner}")
}

impl From<Item> for StoredItem {
    fn from(item: Item) -> Self {
        Self {
            id: item.id,
            district: item.district,
            kind: item.kind.as_str().to_owned(),
            version: item.version,
            owner: item.owner,
            status: item.status,
            due: item.due,
            key: item.key,
            body: item.body,
        }
    }
}

impl From<StoredItem> for Item {
    fn from(stored: StoredItem) -> Self {
        Self {
            kind: stored.kind(),
            id: stored.id,
            district: stored.district,
            version: stored.version,
            owner: stored.owner,
            status: stored.status,
            due: stored.due,
            key: stored.key,
            body: stored.body,
        }
    }
}

impl Row for StoredItem {
    const TAG: &'static str = "item";
    const ENTITY: Entity = Entity::Item;
    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn district(&self) -> DistrictId {
        self.district
    }
    fn version(&self) -> Version {
        self.version
    }
    fn listings(&self) -> Vec<Listing> {
        let mut lists = vec![(item_list(&self.kind()), String::new())];
        lists.extend(self.owner.map(|owner| (owned_list(owner), String::new())));
        lists
    }
    fn claims(&self) -> Vec<Claim> {
        let ns = item_list(&self.kind());
        self.key
            .clone()
            .map(|key| (UniqueKey::ItemKey, ns, key))
            .into_iter()
            .collect()
    }
}
