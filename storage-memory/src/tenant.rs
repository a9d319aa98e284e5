//! One district's rows and their indexes.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use homeroom::password::PasswordCredential;

use crate::items::ItemTable;
use crate::search::{self, SearchIndex};
use homeroom::records::{DeviceKey, Record, RecordCounts, RecordKind};
use homeroom::{
    ActivityCursor, ActivityEntry, ActivityId, ActivityQuery, Entity, Grant, GrantId, OrgUnit,
    OrgUnitId, Page, RecordCursor, RecordId, RecordQuery, Role, RoleId, StorageError, Subject,
    UniqueKey, User, UserCursor, UserId, UserKey, UserQuery,
};

/// Maps and sets on foldhash: several times faster than SipHash on the short keys here (ids,
/// lower-cased e-mails), and seeded per process all the same.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// See [`HashMap`].
pub(crate) type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

/// Rows of one group in time order, oldest first by `(at, id)`; read backwards for newest first.
type TimeIndex<Id> = BTreeSet<(DateTime<Utc>, Id)>;

/// A district's rows, with an index for every lookup the `Storage` trait offers.
#[derive(Debug, Default)]
pub(crate) struct Tenant {
    org_units: HashMap<OrgUnitId, OrgUnit>,
    org_codes: HashMap<String, OrgUnitId>,
    /// Shared: a `User` is several hundred bytes (growing the table moves only pointers), and
    /// `district_users` hands them out without copying.
    /// In the order written (a removal moves the last user into the gap): handing every user
    /// to an import's plan in that order walks memory the way it was allocated, which is much
    /// faster at a hundred thousand users than the random order of a hash table.
    users: indexmap::IndexMap<UserId, Arc<User>, foldhash::fast::RandomState>,
    by_local_id: HashMap<String, UserId>,
    by_email: HashMap<String, UserId>,
    by_username: HashMap<String, UserId>,
    /// The listing order and search terms, built on first use (see [`SearchIndex`]).
    search: OnceLock<SearchIndex>,
    /// Org unit → its direct members.
    members: HashMap<OrgUnitId, HashSet<UserId>>,
    activity: HashMap<ActivityId, ActivityEntry>,
    roles: HashMap<RoleId, Role>,
    role_names: HashMap<String, RoleId>,
    grants: HashMap<GrantId, Grant>,
    grants_by_holder: HashMap<UserId, HashSet<GrantId>>,
    /// Subject → its entries, oldest first by `(at, id)`. A sorted `Vec`, not a tree: most
    /// subjects have a handful of entries, and new ones arrive at the end.
    activity_by_subject: HashMap<Subject, Vec<(DateTime<Utc>, ActivityId)>>,
    records: HashMap<RecordId, Record>,
    /// (user, kind) → its records, oldest first by `(at, id)`.
    records_by_user: HashMap<(UserId, RecordKind), TimeIndex<RecordId>>,
    /// Device key → the open checkout holding it.
    open_devices: HashMap<String, RecordId>,
    /// A device's asset-tag and serial keys → the records naming it.
    records_by_device: HashMap<DeviceKey, HashSet<RecordId>>,
    /// User → their password credential (apart from the user row, as the contract asks).
    passwords: HashMap<UserId, PasswordCredential>,
    /// The generic items (invitations, outbox messages, ...).
    pub(crate) items: ItemTable,
}

/// The unique keys of a user, as `(key kind, normalised value)`.
fn user_keys(user: &User) -> Vec<(UniqueKey, String)> {
    let d = &user.details;
    let mut keys = Vec::new();
    if let Some(local_id) = &d.local_id {
        keys.push((UniqueKey::LocalId, local_id.as_str().to_owned()));
    }
    if let Some(email) = &d.email {
        keys.push((UniqueKey::Email, email.key()));
    }
    if let Some(username) = &d.username {
        keys.push((UniqueKey::Username, username.key()));
    }
    keys
}

impl Tenant {
    fn key_index(&mut self, key: UniqueKey) -> Option<&mut HashMap<String, UserId>> {
        match key {
            UniqueKey::LocalId => Some(&mut self.by_local_id),
            UniqueKey::Email => Some(&mut self.by_email),
            UniqueKey::Username => Some(&mut self.by_username),
            _ => None,
        }
    }

    pub(crate) fn org_unit(&self, id: OrgUnitId) -> Option<&OrgUnit> {
        self.org_units.get(&id)
    }

    pub(crate) fn org_units(&self) -> Vec<OrgUnit> {
        self.org_units.values().cloned().collect()
    }

    /// Fails when another org unit holds `unit`'s code.
    pub(crate) fn check_org_unit_keys(&self, unit: &OrgUnit) -> Result<(), StorageError> {
        if let Some(code) = &unit.code {
            let key = OrgUnit::code_key(code);
            if self
                .org_codes
                .get(&key)
                .is_some_and(|holder| *holder != unit.id)
            {
                return Err(StorageError::already_exists(
                    Entity::OrgUnit,
                    UniqueKey::OrgUnitCode,
                    key,
                ));
            }
        }
        Ok(())
    }

    /// Stores `unit` under `id` (or removes it with `None`), keeping the code index; returns the
    /// row it replaced.
    pub(crate) fn put_org_unit(&mut self, id: OrgUnitId, unit: Option<OrgUnit>) -> Option<OrgUnit> {
        let previous = self.org_units.remove(&id);
        if let Some(code) = previous.as_ref().and_then(|p| p.code.as_deref()) {
            self.org_codes.remove(&OrgUnit::code_key(code));
        }
        if let Some(unit) = unit {
            if let Some(code) = &unit.code {
                self.org_codes.insert(OrgUnit::code_key(code), id);
            }
            self.org_units.insert(id, unit);
        }
        previous
    }

    pub(crate) fn user(&self, id: UserId) -> Option<&User> {
        self.users.get(&id).map(|u| &**u)
    }

    /// Every user, in no particular order.
    pub(crate) fn users(&self) -> impl Iterator<Item = &Arc<User>> {
        self.users.values()
    }

    pub(crate) fn user_by_key(&self, key: &UserKey) -> Option<&User> {
        let id = match key {
            UserKey::LocalId(v) => self.by_local_id.get(v),
            UserKey::Email(v) => self.by_email.get(v),
            UserKey::Username(v) => self.by_username.get(v),
        };
        id.and_then(|id| self.users.get(id)).map(|u| &**u)
    }

    /// Fails when another user holds one of `user`'s unique keys; else returns the keys, for
    /// [`Tenant::put_checked_user`].
    pub(crate) fn check_user_keys(
        &mut self,
        user: &User,
    ) -> Result<Vec<(UniqueKey, String)>, StorageError> {
        let keys = user_keys(user);
        for (key, value) in &keys {
            let holder = self
                .key_index(*key)
                .and_then(|index| index.get(value).copied());
            if holder.is_some_and(|holder| holder != user.id) {
                return Err(StorageError::already_exists(Entity::User, *key, value));
            }
        }
        Ok(keys)
    }

    /// Stores `user` under `id` (or removes it with `None`), keeping every index; returns the
    /// row it replaced.
    pub(crate) fn put_user(&mut self, id: UserId, user: Option<User>) -> Option<User> {
        let user = user.map(|u| {
            let keys = user_keys(&u);
            (u, keys)
        });
        self.put_checked_user(id, user)
    }

    /// [`Tenant::put_user`] with the new user's keys already worked out.
    pub(crate) fn put_checked_user(
        &mut self,
        id: UserId,
        user: Option<(User, Vec<(UniqueKey, String)>)>,
    ) -> Option<User> {
        let previous = self.users.swap_remove(&id);
        if let Some(old) = &previous {
            for (key, value) in user_keys(old) {
                if let Some(index) = self.key_index(key) {
                    index.remove(&value);
                }
            }
            if let Some(search) = self.search.get_mut() {
                search.remove(old);
            }
            for unit in &old.details.org_units {
                if let Some(members) = self.members.get_mut(unit) {
                    members.remove(&id);
                }
            }
        }
        // After the search index let go of it: the row is usually moved out, not copied.
        let previous = previous.map(Arc::unwrap_or_clone);
        if let Some((new, keys)) = user {
            let new = Arc::new(new);
            for (key, value) in keys {
                if let Some(index) = self.key_index(key) {
                    index.insert(value, id);
                }
            }
            if let Some(search) = self.search.get_mut() {
                search.insert(&new);
            }
            for unit in &new.details.org_units {
                self.members.entry(*unit).or_default().insert(id);
            }
            self.users.insert(id, new);
        }
        previous
    }

    /// Drops the search index before a bulk change; the next search rebuilds it.
    pub(crate) fn drop_search_index(&mut self) {
        self.search.take();
    }

    fn search_index(&self) -> &SearchIndex {
        self.search
            .get_or_init(|| SearchIndex::build(self.users.values()))
    }

    pub(crate) fn password(&self, user: UserId) -> Option<&PasswordCredential> {
        self.passwords.get(&user)
    }

    /// Stores `user`'s credential (or removes it with `None`); returns the one it replaced.
    pub(crate) fn put_password(
        &mut self,
        user: UserId,
        credential: Option<PasswordCredential>,
    ) -> Option<PasswordCredential> {
        match credential {
            Some(credential) => self.passwords.insert(user, credential),
            None => self.passwords.remove(&user),
        }
    }

    /// Makes room for `users` more users and `entries` more activity entries, so a bulk change
    /// set does not grow (and rehash) the tables step by step.
    pub(crate) fn reserve(&mut self, users: usize, entries: usize) {
        self.users.reserve(users);
        self.by_local_id.reserve(users);
        self.by_email.reserve(users);
        self.by_username.reserve(users);
        self.activity.reserve(entries);
        self.activity_by_subject.reserve(entries);
    }

    pub(crate) fn insert_activity(&mut self, entry: ActivityEntry) {
        let index = self.activity_by_subject.entry(entry.subject).or_default();
        let key = (entry.at, entry.id);
        let at = index.partition_point(|k| *k < key);
        if index.get(at) != Some(&key) {
            index.insert(at, key);
        }
        self.activity.insert(entry.id, entry);
    }

    pub(crate) fn remove_activity(&mut self, id: ActivityId) {
        if let Some(entry) = self.activity.remove(&id)
            && let Some(index) = self.activity_by_subject.get_mut(&entry.subject)
            && let Ok(at) = index.binary_search(&(entry.at, entry.id))
        {
            index.remove(at);
        }
    }

    pub(crate) fn role(&self, id: RoleId) -> Option<&Role> {
        self.roles.get(&id)
    }

    pub(crate) fn roles(&self) -> Vec<Role> {
        self.roles.values().cloned().collect()
    }

    /// Fails when another role holds `role`'s name.
    pub(crate) fn check_role_keys(&self, role: &Role) -> Result<(), StorageError> {
        let key = Role::name_key(&role.name);
        match self.role_names.get(&key) {
            Some(holder) if *holder != role.id => Err(StorageError::already_exists(
                Entity::Role,
                UniqueKey::RoleName,
                key,
            )),
            _ => Ok(()),
        }
    }

    /// Stores `role` under `id` (or removes it with `None`); returns the row it replaced.
    pub(crate) fn put_role(&mut self, id: RoleId, role: Option<Role>) -> Option<Role> {
        let previous = self.roles.remove(&id);
        if let Some(old) = &previous {
            self.role_names.remove(&Role::name_key(&old.name));
        }
        if let Some(new) = role {
            self.role_names.insert(Role::name_key(&new.name), id);
            self.roles.insert(id, new);
        }
        previous
    }

    pub(crate) fn grant(&self, id: GrantId) -> Option<&Grant> {
        self.grants.get(&id)
    }

    /// The grants `holder` holds, or every grant with `None`.
    pub(crate) fn grants(&self, holder: Option<UserId>) -> Vec<Grant> {
        match holder {
            Some(holder) => self
                .grants_by_holder
                .get(&holder)
                .into_iter()
                .flatten()
                .filter_map(|id| self.grants.get(id))
                .cloned()
                .collect(),
            None => self.grants.values().cloned().collect(),
        }
    }

    /// Stores `grant` under `id` (or removes it with `None`); returns the row it replaced.
    pub(crate) fn put_grant(&mut self, id: GrantId, grant: Option<Grant>) -> Option<Grant> {
        let previous = self.grants.remove(&id);
        if let Some(old) = &previous
            && let Some(held) = self.grants_by_holder.get_mut(&old.holder)
        {
            held.remove(&id);
        }
        if let Some(new) = grant {
            self.grants_by_holder
                .entry(new.holder)
                .or_default()
                .insert(id);
            self.grants.insert(id, new);
        }
        previous
    }

    pub(crate) fn record(&self, id: RecordId) -> Option<&Record> {
        self.records.get(&id)
    }

    /// Fails when another open checkout holds `record`'s device.
    pub(crate) fn check_record_keys(&self, record: &Record) -> Result<(), StorageError> {
        match record.open_device_key() {
            Some(key)
                if self
                    .open_devices
                    .get(&key)
                    .is_some_and(|holder| *holder != record.id) =>
            {
                Err(StorageError::already_exists(
                    Entity::Record,
                    UniqueKey::OpenCheckout,
                    key,
                ))
            }
            _ => Ok(()),
        }
    }

    /// Stores `record` under `id` (or removes it with `None`), keeping the indexes; returns the
    /// row it replaced.
    pub(crate) fn put_record(&mut self, id: RecordId, record: Option<Record>) -> Option<Record> {
        let previous = self.records.remove(&id);
        if let Some(old) = &previous {
            if let Some(index) = self.records_by_user.get_mut(&(old.user, old.kind())) {
                index.remove(&(old.at(), id));
            }
            if let Some(key) = old.open_device_key() {
                self.open_devices.remove(&key);
            }
            for key in device_keys(old) {
                if let Some(ids) = self.records_by_device.get_mut(&key) {
                    ids.remove(&id);
                    if ids.is_empty() {
                        self.records_by_device.remove(&key);
                    }
                }
            }
        }
        if let Some(new) = record {
            self.records_by_user
                .entry((new.user, new.kind()))
                .or_default()
                .insert((new.at(), id));
            if let Some(key) = new.open_device_key() {
                self.open_devices.insert(key, id);
            }
            for key in device_keys(&new) {
                self.records_by_device.entry(key).or_default().insert(id);
            }
            self.records.insert(id, new);
        }
        previous
    }

    /// One page of a user's records of one kind, newest first.
    pub(crate) fn records(&self, query: &RecordQuery) -> Page<Record, RecordCursor> {
        let Some(index) = self.records_by_user.get(&(query.user, query.kind)) else {
            return Page::empty();
        };
        let matching = || {
            index
                .iter()
                .rev()
                .filter_map(|(_, id)| self.records.get(id))
                .filter(|r| query.matches(r))
        };
        let total = matching().count() as u64;
        let mut rest = matching().filter(|r| query.is_after_cursor(r));
        let items: Vec<Record> = rest.by_ref().take(query.page_size()).cloned().collect();
        let next = match (rest.next(), items.last()) {
            (Some(_), Some(last)) => Some(RecordCursor::after(last)),
            _ => None,
        };
        Page { items, total, next }
    }

    /// Every record of `user`, or `None` when they have more than `limit`.
    pub(crate) fn user_records(&self, user: UserId, limit: usize) -> Option<Vec<Record>> {
        let indexes: Vec<&TimeIndex<RecordId>> = RecordKind::ALL
            .into_iter()
            .filter_map(|kind| self.records_by_user.get(&(user, kind)))
            .collect();
        if indexes.iter().map(|index| index.len()).sum::<usize>() > limit {
            return None;
        }
        let ids = indexes.into_iter().flat_map(|index| index.iter());
        Some(
            ids.filter_map(|(_, id)| self.records.get(id))
                .cloned()
                .collect(),
        )
    }

    pub(crate) fn record_counts(&self, user: UserId) -> RecordCounts {
        RecordCounts(
            RecordKind::ALL
                .into_iter()
                .filter_map(|kind| {
                    let n = self
                        .records_by_user
                        .get(&(user, kind))
                        .map_or(0, BTreeSet::len);
                    (n > 0).then_some((kind, n as u64))
                })
                .collect(),
        )
    }

    /// Every record naming the device `key` names, newest first by `(at, id)`.
    pub(crate) fn device_records(&self, key: &DeviceKey) -> Vec<Record> {
        let mut found: Vec<Record> = self
            .records_by_device
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|id| self.records.get(id))
            .cloned()
            .collect();
        found.sort_by_key(|r| std::cmp::Reverse((r.at(), r.id)));
        found
    }

    pub(crate) fn open_checkout(&self, device_key: &str) -> Option<&Record> {
        self.open_devices
            .get(device_key)
            .and_then(|id| self.records.get(id))
    }

    /// One page of matching users. The candidates come from the narrowest index the query
    /// allows (text prefix, then org membership); only without either are all users walked.
    pub(crate) fn search(&self, query: &UserQuery) -> Page<User, UserCursor> {
        let users = |id: UserId| self.users.get(&id).map(|u| &**u);
        search::page(self.search_index(), &users, &self.members, query)
    }

    /// Every user matching `query`, in listing order (cursor and limit aside).
    pub(crate) fn matching(&self, query: &UserQuery) -> Vec<&User> {
        let users = |id: UserId| self.users.get(&id).map(|u| &**u);
        search::matching(self.search_index(), &users, &self.members, query)
    }

    /// One page of a subject's log, newest first.
    pub(crate) fn activity(&self, query: &ActivityQuery) -> Page<ActivityEntry, ActivityCursor> {
        let Some(index) = self.activity_by_subject.get(&query.subject) else {
            return Page::empty();
        };
        let size = query.page_size();
        let older = match &query.after {
            Some(cursor) => &index[..index.partition_point(|k| *k < (cursor.at, cursor.id))],
            None => &index[..],
        };
        let mut rest = older
            .iter()
            .rev()
            .filter_map(|(_, id)| self.activity.get(id));
        let items: Vec<ActivityEntry> = rest.by_ref().take(size).cloned().collect();
        let next = match (rest.next(), items.last()) {
            (Some(_), Some(last)) => Some(ActivityCursor::after(last)),
            _ => None,
        };
        Page {
            items,
            total: index.len() as u64,
            next,
        }
    }
}

/// The keys a record is found by through its device: its asset tag and its serial.
fn device_keys(record: &Record) -> Vec<DeviceKey> {
    let Some(device) = record.device() else {
        return Vec::new();
    };
    let mut keys = vec![DeviceKey::AssetTag(device.key())];
    keys.extend(device.serial_key().map(DeviceKey::Serial));
    keys
}
