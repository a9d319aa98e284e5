//! The columns of each history export.

use crate::records::{Record, RecordBody, RecordKind};

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The header and rows for exporting records of `kind`.
pub(super) fn rows(
    kind: RecordKind,
    records: &[Record],
) -> (&'static [&'static str], Vec<Vec<String>>) {
    let header: &'static [&'static str] = match kind {
        RecordKind::Checkout => &[
            "Record",
            "Asset Tag",
            "Serial",
            "Model",
            "Checked Out",
            "Checked In",
            "Loaner",
            "Condition Out",
            "Condition In",
        ],
        RecordKind::Incident => &[
            "Record",
            "Kind",
            "Status",
            "Occurred On",
            "Reported",
            "Asset Tag",
            "Repair Cost",
            "Description",
        ],
        RecordKind::Invoice => &[
            "Record", "Issued", "Status", "Total", "Paid", "Balance", "Incident", "Lines",
        ],
        RecordKind::Ticket => &[
            "Record",
            "Subject",
            "Status",
            "Opened",
            "Closed",
            "Asset Tag",
        ],
        RecordKind::Note => &["Record", "Written", "Author", "Text"],
        RecordKind::Insurance => &[
            "Record", "Plan", "Coverage", "Enrolled", "Expires", "Claims",
        ],
    };
    let rows = records
        .iter()
        .map(|r| {
            let id = r.id.to_string();
            match &r.body {
                RecordBody::Checkout(c) => vec![
                    id,
                    c.device.asset_tag.clone(),
                    opt(&c.device.serial),
                    opt(&c.device.model),
                    c.checked_out_at.to_rfc3339(),
                    opt(&c.checked_in_at.map(|t| t.to_rfc3339())),
                    c.loaner.to_string(),
                    opt(&c.condition_out),
                    opt(&c.condition_in),
                ],
                RecordBody::Incident(i) => vec![
                    id,
                    format!("{:?}", i.kind),
                    format!("{:?}", i.status),
                    i.occurred_on.to_string(),
                    i.reported_at.to_rfc3339(),
                    opt(&i.device.as_ref().map(|d| d.asset_tag.clone())),
                    opt(&i.repair_cost),
                    i.description.clone(),
                ],
                RecordBody::Invoice(i) => vec![
                    id,
                    i.issued_at.to_rfc3339(),
                    format!("{:?}", i.status()),
                    super::records::shown_amount(i.total()),
                    super::records::shown_amount(i.paid()),
                    super::records::shown_amount(i.balance()),
                    opt(&i.incident),
                    i.lines
                        .iter()
                        .map(|l| format!("{}: {}", l.description, l.amount))
                        .collect::<Vec<_>>()
                        .join("; "),
                ],
                RecordBody::Ticket(t) => vec![
                    id,
                    t.subject.clone(),
                    format!("{:?}", t.status),
                    t.opened_at.to_rfc3339(),
                    opt(&t.closed_at.map(|c| c.to_rfc3339())),
                    opt(&t.device.as_ref().map(|d| d.asset_tag.clone())),
                ],
                RecordBody::Note(n) => vec![
                    id,
                    n.written_at.to_rfc3339(),
                    n.author.name.clone(),
                    n.text.clone(),
                ],
                RecordBody::Insurance(i) => vec![
                    id,
                    i.plan.clone(),
                    i.coverage.to_string(),
                    i.enrolled_at.to_rfc3339(),
                    i.expires_on.to_string(),
                    i.claims.len().to_string(),
                ],
            }
        })
        .collect();
    (header, rows)
}
