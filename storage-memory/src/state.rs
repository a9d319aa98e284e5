//! Every district's rows, and the all-or-nothing application of a change set.

use homeroom::password::PasswordCredential;
use homeroom::records::Record;
use homeroom::storage::{ChangeChunks, Item};
use homeroom::{
    ActivityId, District, DistrictId, Entity, Grant, GrantId, ItemId, Op, OrgUnit, OrgUnitId,
    RecordId, Role, RoleId, StorageError, UniqueKey, User, UserId,
};

use crate::tenant::{HashMap, HashSet, Tenant};

/// A change set with more user writes than this drops the search indexes of the districts it
/// touches, to be rebuilt in one pass by the next search, rather than updating them per user.
const BULK_USER_WRITES: usize = 1000;

/// The whole store.
#[derive(Debug, Default)]
pub(crate) struct State {
    districts: HashMap<DistrictId, District>,
    district_names: HashMap<String, DistrictId>,
    tenants: HashMap<DistrictId, Tenant>,
    /// Which district holds each org unit, user and activity id: ids are unique store-wide.
    org_unit_homes: HashMap<OrgUnitId, DistrictId>,
    user_homes: HashMap<UserId, DistrictId>,
    activity_homes: HashMap<ActivityId, DistrictId>,
    role_homes: HashMap<RoleId, DistrictId>,
    grant_homes: HashMap<GrantId, DistrictId>,
    record_homes: HashMap<RecordId, DistrictId>,
    item_homes: HashMap<ItemId, DistrictId>,
}

/// How to take back one applied op.
enum Undo {
    District(DistrictId, Option<District>),
    OrgUnit(DistrictId, OrgUnitId, Option<OrgUnit>),
    User(DistrictId, UserId, Option<Box<User>>),
    Activity(DistrictId, ActivityId),
    Role(DistrictId, RoleId, Option<Role>),
    Grant(DistrictId, GrantId, Option<Grant>),
    Record(DistrictId, RecordId, Option<Box<Record>>),
    Password(DistrictId, UserId, Option<Box<PasswordCredential>>),
    Item(DistrictId, ItemId, Option<Box<Item>>),
}

impl State {
    pub(crate) fn district(&self, id: DistrictId) -> Option<&District> {
        self.districts.get(&id)
    }

    pub(crate) fn district_by_name(&self, name_key: &str) -> Option<&District> {
        self.district_names
            .get(name_key)
            .and_then(|id| self.districts.get(id))
    }

    pub(crate) fn tenant(&self, id: DistrictId) -> Option<&Tenant> {
        self.tenants.get(&id)
    }

    /// Applies every op in order, or, on the first failure, undoes the ones already applied and
    /// returns that failure.
    pub(crate) fn apply(&mut self, ops: Vec<Op>) -> Result<(), StorageError> {
        let mut undo = Vec::with_capacity(ops.len());
        let outcome = self.apply_part(ops, &mut undo);
        self.settle(outcome, undo)
    }

    /// Applies the chunks of one set in order, all or nothing (`Storage::apply_chunked`).
    pub(crate) fn apply_chunks(
        &mut self,
        chunks: &mut dyn ChangeChunks,
    ) -> Result<(), StorageError> {
        let mut undo = Vec::new();
        let outcome = loop {
            match chunks.next_chunk() {
                Ok(Some(chunk)) => {
                    if let Err(error) = self.apply_part(chunk.into_ops(), &mut undo) {
                        break Err(error);
                    }
                }
                Ok(None) => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        self.settle(outcome, undo)
    }

    /// Reverts every step of `undo` when `outcome` is an error.
    fn settle(
        &mut self,
        outcome: Result<(), StorageError>,
        mut undo: Vec<Undo>,
    ) -> Result<(), StorageError> {
        if outcome.is_err() {
            while let Some(step) = undo.pop() {
                self.revert(step);
            }
        }
        outcome
    }

    /// Applies `ops`, one part of a set, recording in `undo` how to take each back; stops at
    /// the first that fails (the caller reverts).
    fn apply_part(&mut self, ops: Vec<Op>, undo: &mut Vec<Undo>) -> Result<(), StorageError> {
        let user_writes = ops
            .iter()
            .filter(|op| {
                matches!(
                    op,
                    Op::InsertUser(_) | Op::UpdateUser { .. } | Op::DeleteUser { .. }
                )
            })
            .count();
        if user_writes > BULK_USER_WRITES {
            let inserts = ops
                .iter()
                .filter(|op| matches!(op, Op::InsertUser(_)))
                .count();
            let entries = ops
                .iter()
                .filter(|op| matches!(op, Op::AppendActivity(_)))
                .count();
            self.user_homes.reserve(inserts);
            self.activity_homes.reserve(entries);
            let districts: HashSet<DistrictId> = ops.iter().filter_map(Op::district).collect();
            for district in districts {
                if let Some(tenant) = self.tenants.get_mut(&district) {
                    tenant.drop_search_index();
                    // Room for all of them in each district touched: a little over in the rare
                    // set that spans districts, never a rehash midway.
                    tenant.reserve(inserts, entries);
                }
            }
        }
        undo.reserve(ops.len());
        for op in ops {
            self.apply_op(op, undo)?;
        }
        Ok(())
    }

    fn apply_op(&mut self, op: Op, undo: &mut Vec<Undo>) -> Result<(), StorageError> {
        match op {
            Op::InsertDistrict(district) => {
                if self.districts.contains_key(&district.id) {
                    return Err(StorageError::already_exists(
                        Entity::District,
                        UniqueKey::Id,
                        district.id,
                    ));
                }
                self.check_district_name(&district)?;
                undo.push(Undo::District(district.id, None));
                self.put_district(district.id, Some(district));
            }
            Op::UpdateDistrict { district, expected } => {
                let current = self
                    .districts
                    .get(&district.id)
                    .ok_or_else(|| StorageError::not_found(Entity::District, district.id))?;
                StorageError::check_version(
                    Entity::District,
                    district.id,
                    expected,
                    current.version.get(),
                )?;
                self.check_district_name(&district)?;
                let previous = self.put_district(district.id, Some(district.clone()));
                undo.push(Undo::District(district.id, previous));
            }
            Op::InsertOrgUnit(unit) => {
                if self.org_unit_homes.contains_key(&unit.id) {
                    return Err(StorageError::already_exists(
                        Entity::OrgUnit,
                        UniqueKey::Id,
                        unit.id,
                    ));
                }
                let tenant = self.tenant_mut(unit.district)?;
                tenant.check_org_unit_keys(&unit)?;
                let (district, id) = (unit.district, unit.id);
                tenant.put_org_unit(id, Some(unit));
                self.org_unit_homes.insert(id, district);
                undo.push(Undo::OrgUnit(district, id, None));
            }
            Op::UpdateOrgUnit { org_unit, expected } => {
                let (district, id) = (org_unit.district, org_unit.id);
                let tenant = self.tenant_mut(district)?;
                let current = tenant
                    .org_unit(id)
                    .ok_or_else(|| StorageError::not_found(Entity::OrgUnit, id))?;
                StorageError::check_version(Entity::OrgUnit, id, expected, current.version.get())?;
                tenant.check_org_unit_keys(&org_unit)?;
                let previous = tenant.put_org_unit(id, Some(org_unit));
                undo.push(Undo::OrgUnit(district, id, previous));
            }
            Op::InsertUser(user) => {
                if self.user_homes.contains_key(&user.id) {
                    return Err(StorageError::already_exists(
                        Entity::User,
                        UniqueKey::Id,
                        user.id,
                    ));
                }
                let tenant = self.tenant_mut(user.district)?;
                let keys = tenant.check_user_keys(&user)?;
                let (district, id) = (user.district, user.id);
                tenant.put_checked_user(id, Some((*user, keys)));
                self.user_homes.insert(id, district);
                undo.push(Undo::User(district, id, None));
            }
            Op::UpdateUser { user, expected } => {
                let (district, id) = (user.district, user.id);
                let tenant = self.tenant_mut(district)?;
                let current = tenant
                    .user(id)
                    .ok_or_else(|| StorageError::not_found(Entity::User, id))?;
                StorageError::check_version(Entity::User, id, expected, current.version.get())?;
                let keys = tenant.check_user_keys(&user)?;
                let previous = tenant.put_checked_user(id, Some((*user, keys)));
                undo.push(Undo::User(district, id, previous.map(Box::new)));
            }
            Op::DeleteUser {
                district,
                id,
                expected,
            } => {
                let tenant = self.tenant_mut(district)?;
                let current = tenant
                    .user(id)
                    .ok_or_else(|| StorageError::not_found(Entity::User, id))?;
                StorageError::check_version(Entity::User, id, expected, current.version.get())?;
                if !tenant.record_counts(id).is_empty() {
                    // Records still refer to the user: the contract refuses the delete.
                    return Err(StorageError::conflict(
                        Entity::User,
                        id,
                        expected.get(),
                        expected.get(),
                    ));
                }
                // The user's items go with them, in the same write.
                let owned = tenant.items.owned_by(id);
                for item in &owned {
                    let previous = tenant.items.put(*item, None);
                    undo.push(Undo::Item(district, *item, previous.map(Box::new)));
                }
                let password = tenant.put_password(id, None);
                let previous = tenant.put_user(id, None);
                self.user_homes.remove(&id);
                for item in owned {
                    self.item_homes.remove(&item);
                }
                undo.push(Undo::Password(district, id, password.map(Box::new)));
                undo.push(Undo::User(district, id, previous.map(Box::new)));
            }
            Op::AppendActivity(entry) => {
                if self.activity_homes.contains_key(&entry.id) {
                    return Err(StorageError::already_exists(
                        Entity::Activity,
                        UniqueKey::Id,
                        entry.id,
                    ));
                }
                let (district, id) = (entry.district, entry.id);
                self.tenant_mut(district)?.insert_activity(entry);
                self.activity_homes.insert(id, district);
                undo.push(Undo::Activity(district, id));
            }
            Op::InsertRole(role) => {
                if self.role_homes.contains_key(&role.id) {
                    return Err(StorageError::already_exists(
                        Entity::Role,
                        UniqueKey::Id,
                        role.id,
                    ));
                }
                let tenant = self.tenant_mut(role.district)?;
                tenant.check_role_keys(&role)?;
                let (district, id) = (role.district, role.id);
                tenant.put_role(id, Some(role));
                self.role_homes.insert(id, district);
                undo.push(Undo::Role(district, id, None));
            }
            Op::UpdateRole { role, expected } => {
                let (district, id) = (role.district, role.id);
                let tenant = self.tenant_mut(district)?;
                let current = tenant
                    .role(id)
                    .ok_or_else(|| StorageError::not_found(Entity::Role, id))?;
                StorageError::check_version(Entity::Role, id, expected, current.version.get())?;
                tenant.check_role_keys(&role)?;
                let previous = tenant.put_role(id, Some(role));
                undo.push(Undo::Role(district, id, previous));
            }
            Op::InsertGrant(grant) => {
                if self.grant_homes.contains_key(&grant.id) {
                    return Err(StorageError::already_exists(
                        Entity::Grant,
                        UniqueKey::Id,
                        grant.id,
                    ));
                }
                let tenant = self.tenant_mut(grant.district)?;
                if tenant.user(grant.holder).is_none() {
                    return Err(StorageError::not_found(Entity::User, grant.holder));
                }
                if tenant.role(grant.role).is_none() {
                    return Err(StorageError::not_found(Entity::Role, grant.role));
                }
                let (district, id) = (grant.district, grant.id);
                tenant.put_grant(id, Some(grant));
                self.grant_homes.insert(id, district);
                undo.push(Undo::Grant(district, id, None));
            }
            Op::DeleteGrant {
                district,
                id,
                expected,
            } => {
                let tenant = self.tenant_mut(district)?;
                let current = tenant
                    .grant(id)
                    .ok_or_else(|| StorageError::not_found(Entity::Grant, id))?;
                StorageError::check_version(Entity::Grant, id, expected, current.version.get())?;
                let previous = tenant.put_grant(id, None);
                self.grant_homes.remove(&id);
                undo.push(Undo::Grant(district, id, previous));
            }
            Op::InsertRecord(record) => {
                if self.record_homes.contains_key(&record.id) {
                    return Err(StorageError::already_exists(
                        Entity::Record,
                        UniqueKey::Id,
                        record.id,
                    ));
                }
                let tenant = self.tenant_mut(record.district)?;
                if tenant.user(record.user).is_none() {
                    return Err(StorageError::not_found(Entity::User, record.user));
                }
                tenant.check_record_keys(&record)?;
                let (district, id) = (record.district, record.id);
                tenant.put_record(id, Some(record));
                self.record_homes.insert(id, district);
                undo.push(Undo::Record(district, id, None));
            }
            Op::UpdateRecord { record, expected } => {
                let (district, id) = (record.district, record.id);
                let tenant = self.tenant_mut(district)?;
                let current = tenant
                    .record(id)
                    .ok_or_else(|| StorageError::not_found(Entity::Record, id))?;
                StorageError::check_version(Entity::Record, id, expected, current.version.get())?;
                if tenant.user(record.user).is_none() {
                    return Err(StorageError::not_found(Entity::User, record.user));
                }
                tenant.check_record_keys(&record)?;
                let previous = tenant.put_record(id, Some(record));
                undo.push(Undo::Record(district, id, previous.map(Box::new)));
            }
            Op::DeleteRecord {
                district,
                id,
                expected,
            } => {
                let tenant = self.tenant_mut(district)?;
                let current = tenant
                    .record(id)
                    .ok_or_else(|| StorageError::not_found(Entity::Record, id))?;
                StorageError::check_version(Entity::Record, id, expected, current.version.get())?;
                let previous = tenant.put_record(id, None);
                self.record_homes.remove(&id);
                undo.push(Undo::Record(district, id, previous.map(Box::new)));
            }
            Op::SetPassword {
                district,
                user,
                credential,
            } => {
                let tenant = self.tenant_mut(district)?;
                if tenant.user(user).is_none() {
                    return Err(StorageError::not_found(Entity::User, user));
                }
                let previous = tenant.put_password(user, Some(credential));
                undo.push(Undo::Password(district, user, previous.map(Box::new)));
            }
            Op::InsertItem(item) => {
                if self.item_homes.contains_key(&item.id) {
                    return Err(StorageError::already_exists(
                        Entity::Item,
                        UniqueKey::Id,
                        item.id,
                    ));
                }
                let tenant = self.tenant_mut(item.district)?;
                if let Some(owner) = item.owner.filter(|owner| tenant.user(*owner).is_none()) {
                    return Err(StorageError::not_found(Entity::User, owner));
                }
                tenant.items.check_key(&item)?;
                let (district, id) = (item.district, item.id);
                tenant.items.put(id, Some(item));
                self.item_homes.insert(id, district);
                undo.push(Undo::Item(district, id, None));
            }
            Op::UpdateItem { mut item, expected } => {
                let (district, id) = (item.district, item.id);
                let tenant = self.tenant_mut(district)?;
                let current = tenant
                    .items
                    .get(id)
                    .ok_or_else(|| StorageError::not_found(Entity::Item, id))?;
                StorageError::check_version(Entity::Item, id, expected, current.version.get())?;
                // An item keeps the kind it was stored as.
                item.kind = current.kind.clone();
                if let Some(owner) = item.owner.filter(|owner| tenant.user(*owner).is_none()) {
                    return Err(StorageError::not_found(Entity::User, owner));
                }
                tenant.items.check_key(&item)?;
                let previous = tenant.items.put(id, Some(item));
                undo.push(Undo::Item(district, id, previous.map(Box::new)));
            }
            Op::DeleteItem {
                district,
                id,
                expected,
            } => {
                let tenant = self.tenant_mut(district)?;
                let current = tenant
                    .items
                    .get(id)
                    .ok_or_else(|| StorageError::not_found(Entity::Item, id))?;
                StorageError::check_version(Entity::Item, id, expected, current.version.get())?;
                let previous = tenant.items.put(id, None);
                self.item_homes.remove(&id);
                undo.push(Undo::Item(district, id, previous.map(Box::new)));
            }
            // `Op` is non-exhaustive: an op this backend does not know is refused, not ignored.
            other => {
                return Err(StorageError::Unsupported {
                    operation: format!("{other:?}"),
                });
            }
        }
        Ok(())
    }

    fn revert(&mut self, step: Undo) {
        match step {
            Undo::District(id, previous) => {
                if previous.is_none() {
                    self.tenants.remove(&id);
                }
                self.put_district(id, previous);
            }
            Undo::OrgUnit(district, id, previous) => {
                if previous.is_none() {
                    self.org_unit_homes.remove(&id);
                }
                if let Some(tenant) = self.tenants.get_mut(&district) {
                    tenant.put_org_unit(id, previous);
                }
            }
            Undo::User(district, id, previous) => {
                match &previous {
                    Some(_) => self.user_homes.insert(id, district),
                    None => self.user_homes.remove(&id),
                };
                if let Some(tenant) = self.tenants.get_mut(&district) {
                    tenant.put_user(id, previous.map(|user| *user));
                }
            }
            Undo::Role(district, id, previous) => {
                if previous.is_none() {
                    self.role_homes.remove(&id);
                }
                if let Some(tenant) = self.tenants.get_mut(&district) {
                    tenant.put_role(id, previous);
                }
            }
            Undo::Grant(district, id, previous) => {
                match &previous {
                    Some(_) => self.grant_homes.insert(id, district),
                    None => self.grant_homes.remove(&id),
                };
                if let Some(tenant) = self.tenants.get_mut(&district) {
                    tenant.put_grant(id, previous);
                }
            }
            Undo::Record(district, id, previous) => {
                match &previous {
                    Some(_) => self.record_homes.insert(id, district),
                    None => self.record_homes.remove(&id),
                };
                if let Some(tenant) = self.tenants.get_mut(&district) {
                    tenant.put_record(id, previous.map(|r| *r));
                }
            }
            Undo::Item(district, id, previous) => {
                match &previous {
                    Some(_) => self.item_homes.insert(id, district),
                    None => self.item_homes.remove(&id),
                };
                if let Some(tenant) = self.tenants.get_mut(&district) {
                    tenant.items.put(id, previous.map(|item| *item));
                }
            }
            Undo::Password(district, id, previous) => {
                if let Some(tenant) = self.tenants.get_mut(&district) {
                    tenant.put_password(id, previous.map(|p| *p));
                }
            }
            Undo::Activity(district, id) => {
                self.activity_homes.remove(&id);
                if let Some(tenant) = self.tenants.get_mut(&district) {
                    tenant.remove_activity(id);
                }
            }
        }
    }

    fn tenant_mut(&mut self, district: DistrictId) -> Result<&mut Tenant, StorageError> {
        self.tenants
            .get_mut(&district)
            .ok_or_else(|| StorageError::not_found(Entity::District, district))
    }

    fn check_district_name(&self, district: &District) -> Result<(), StorageError> {
        let key = District::name_key(&district.name);
        match self.district_names.get(&key) {
            Some(holder) if *holder != district.id => Err(StorageError::already_exists(
                Entity::District,
                UniqueKey::DistrictName,
                key,
            )),
            _ => Ok(()),
        }
    }

    fn put_district(&mut self, id: DistrictId, district: Option<District>) -> Option<District> {
        let previous = self.districts.remove(&id);
        if let Some(old) = &previous {
            self.district_names.remove(&District::name_key(&old.name));
        }
        if let Some(new) = district {
            self.district_names
                .insert(District::name_key(&new.name), id);
            self.tenants.entry(id).or_default();
            self.districts.insert(id, new);
        }
        previous
    }
}
