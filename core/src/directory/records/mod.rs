//! Commands on the records behind a profile: checkouts, incidents, invoices and payments,
//! tickets, notes, insurance — and deleting a user, which their history may block.
//!
//! Each command resolves its [`Context`] (see `access`), decides the new record with pure
//! checks (see `values`), and writes it with its activity-log entry (see `write`), all stamped
//! with the one time the command read.

mod access;
mod authored;
mod billing;
mod checkouts;
mod deletion;
mod devices;
mod incidents;
mod insurance;
mod notes;
mod tickets;
mod values;
mod write;

pub use checkouts::{CheckoutReceipt, NewCheckout};
pub use devices::{DeviceHolder, DeviceHolders, IncidentSubject, UserLink};
pub use incidents::NewIncident;
pub(crate) use write::{shown_amount, summarize};

use super::acting::Acting;
use crate::error::{Error, Refusal};
use crate::model::District;

/// Which module a command belongs to.
#[derive(Clone, Copy)]
enum Module {
    Checkouts,
    Incidents,
    Billing,
    Tickets,
    Insurance,
}

impl Module {
    fn enabled(self, district: &District) -> bool {
        let m = district.settings.modules;
        match self {
            Self::Checkouts => m.checkouts,
            Self::Incidents => m.incidents,
            Self::Billing => m.billing,
            Self::Tickets => m.tickets,
            Self::Insurance => m.insurance,
        }
    }

    /// `Refused` ([`Refusal::ModuleDisabled`]) unless the module is on in `district`.
    fn require(self, district: &District) -> Result<(), Error> {
        if self.enabled(district) {
            return Ok(());
        }
        Err(Error::refused(
            Refusal::ModuleDisabled,
            format!("{} is turned off for {}", self.name(), district.name),
        ))
    }

    fn name(self) -> &'static str {
        match self {
            Self::Checkouts => "device checkouts",
            Self::Incidents => "incidents",
            Self::Billing => "billing",
            Self::Tickets => "tickets",
            Self::Insurance => "insurance",
        }
    }
}

/// What a record command resolved: the district, the actor and the user the record is about.
struct Context {
    district: District,
    acting: Acting,
    user: crate::model::User,
}
