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
        self.asset_tag.trim().to_lowercase()
    }
}
