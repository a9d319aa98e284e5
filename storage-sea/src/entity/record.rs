//! `hr_records`: the records on users' profiles (checkouts, incidents, invoices, ...), indexed
//! by user, kind and time, and by the device they name; an open checkout's device key is
//! unique per district.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hr_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub district: Uuid,
    pub user_id: Uuid,
    /// `RecordKind::as_str`.
    pub kind: String,
    /// Whole seconds of `Record::at` since the Unix epoch.
    pub at_secs: i64,
    /// Nanoseconds of `Record::at` within its second.
    pub at_nanos: i64,
    /// `Record::open_device_key`: set while a checkout is out.
    pub open_device_key: Option<String>,
    /// `Device::key` of the device the record names (`Record::device`), if any.
    pub device_key: Option<String>,
    /// `Device::serial_key` of that device, if it has a serial.
    pub device_serial: Option<String>,
    pub version: i64,
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
