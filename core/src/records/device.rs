//! Devices as the records name them.

use serde::{Deserialize, Serialize};

/// The device a checkout, incident or ticket is about. The asset tag identifies it in the
/// district; serial and model help the technician.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The district's asset tag (the barcode scanned at the desk).
    pub asset_tag: String,
    /// The maker's serial number.
    pub serial: Option<String>,
    /// The model ("Chromebook 314").
    pub model: Option<String>,
}

impl Device {
    /// A device known by its asset tag only.
    pub fn tagged(asset_tag: impl Into<String>) -> Self {
        Self {
            asset_tag: asset_tag.into(),
            serial: None,
            model: None,
        }
    }

    /// The key a device is recognised by: its asset tag, trimmed, in lower case.
    pub fn key(&self) -> String {
        normalized(&self.asset_tag)
    }

    /// Its serial number as looked up: trimmed, in lower case (`None` when it has none).
    pub fn serial_key(&self) -> Option<String> {
        self.serial
            .as_deref()
            .map(normalized)
            .filter(|s| !s.is_empty())
    }
}

/// How a desk names a device it looks up: the asset tag scanned, or the maker's serial
/// number. Compared trimmed and case-insensitively, like [`Device::key`].
///
/// ```
/// use homeroom::records::{Device, DeviceKey};
/// let device = Device { serial: Some("5CD1234XYZ".into()), ..Device::tagged("MV-0042") };
/// assert!(DeviceKey::asset_tag(" mv-0042 ").names(&device));
/// assert!(DeviceKey::serial("5cd1234xyz").names(&device));
/// assert!(!DeviceKey::serial("MV-0042").names(&device));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeviceKey {
    /// An asset tag, as [`Device::key`] gives it.
    AssetTag(String),
    /// A serial number, as [`Device::serial_key`] gives it.
    Serial(String),
}

impl DeviceKey {
    /// The key of the asset tag `tag` (trimmed, lower case).
    pub fn asset_tag(tag: &str) -> Self {
        Self::AssetTag(normalized(tag))
    }

    /// The key of the serial number `serial` (trimmed, lower case).
    pub fn serial(serial: &str) -> Self {
        Self::Serial(normalized(serial))
    }

    /// True when `device` is the one this key names.
    pub fn names(&self, device: &Device) -> bool {
        match self {
            Self::AssetTag(key) => device.key() == *key,
            Self::Serial(key) => device.serial_key().as_deref() == Some(key.as_str()),
        }
    }

    /// True when the key is empty (it names no device).
    pub fn is_empty(&self) -> bool {
        match self {
            Self::AssetTag(key) | Self::Serial(key) => key.is_empty(),
        }
    }
}

fn normalized(value: &str) -> String {
    value.trim().to_lowercase()
}
