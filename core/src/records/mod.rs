//! The records behind a user's profile: device checkouts, incidents, invoices and payments,
//! tickets, staff notes, insurance. Each belongs to one user; money is `Decimal`, never float.

mod checkout;
mod device;
mod incident;
mod insurance;
mod invoice;
mod note;
mod record;
mod ticket;

pub use checkout::Checkout;
pub use device::{Device, DeviceKey};
pub use incident::{Incident, IncidentKind, IncidentStatus};
pub use insurance::{Claim, Insurance};
pub use invoice::{Invoice, InvoiceLine, InvoiceStatus, Payment, checked_sum};
pub use note::Note;
pub use record::{Moved, Provenance, Record, RecordBody, RecordCounts, RecordKind};
pub use ticket::{Ticket, TicketStatus};
