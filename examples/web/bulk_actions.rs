//! The bulk actions the search page and the API offer, and the values some of them take: a
//! record status (set status), org units and how to change them (add, remove, replace), a
//! message template (send message). The directory checks the rest (a unit out of reach, an
//! invitation template) when it plans the action.

use std::collections::BTreeSet;

use homeroom::messaging::MessagePurpose;
use homeroom::{Actor, BulkAction, OrgTree, OrgUnitChange, OrgUnitId, RecordStatus};
use serde::{Deserialize, Serialize};

use super::App;
use super::error::WebError;

/// The actions offered, by the name a form or the API sends, with their labels.
pub const ACTIONS: [(&str, &str); 8] = [
    ("archive", "Archive"),
    ("unarchive", "Unarchive"),
    ("set_status", "Set status"),
    ("suspend", "Suspend"),
    ("unsuspend", "Unsuspend"),
    ("org_units", "Change org units"),
    ("invite", "Send invitations"),
    ("send_message", "Send a message"),
];

/// How org units change, by the name a form or the API sends.
pub const UNIT_CHANGES: [&str; 3] = ["add", "remove", "replace"];

/// An action as a form or the API names it, with its values.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActionForm {
    /// One of [`ACTIONS`].
    pub action: String,
    /// For `set_status`: `active`, `inactive` or `archived`.
    #[serde(default)]
    pub to_status: String,
    /// For `org_units`: one of [`UNIT_CHANGES`].
    #[serde(default)]
    pub units_change: String,
    /// For `org_units`: the units' ids.
    #[serde(default)]
    pub units: Vec<String>,
    /// For `send_message`: the template (`welcome`, or a district's own template's name).
    #[serde(default)]
    pub template: String,
}

fn bad(message: String) -> WebError {
    WebError::BadRequest(message)
}

impl ActionForm {
    /// The directory's action.
    pub fn action(&self) -> Result<BulkAction, WebError> {
        match self.action.as_str() {
            "archive" => Ok(BulkAction::Archive),
            "unarchive" => Ok(BulkAction::Unarchive),
            "suspend" => Ok(BulkAction::Suspend),
            "unsuspend" => Ok(BulkAction::Unsuspend),
            "invite" => Ok(BulkAction::Invite { at: None }),
            "set_status" => RecordStatus::ALL
                .into_iter()
                .find(|s| s.as_str() == self.to_status)
                .map(BulkAction::SetStatus)
                .ok_or_else(|| bad(format!("unknown status {:?}", self.to_status))),
            "org_units" => {
                let units = self
                    .units
                    .iter()
                    .map(|u| u.parse::<OrgUnitId>())
                    .collect::<Result<BTreeSet<_>, _>>()
                    .map_err(|_| bad("an org unit id is malformed".into()))?;
                let change = match self.units_change.as_str() {
                    "add" => OrgUnitChange::Add(units),
                    "remove" => OrgUnitChange::Remove(units),
                    "replace" => OrgUnitChange::Replace(units),
                    other => {
                        return Err(bad(format!(
                            "unknown org-unit change {other:?}: one of {}",
                            UNIT_CHANGES.join(", ")
                        )));
                    }
                };
                Ok(BulkAction::ChangeOrgUnits(change))
            }
            "send_message" => {
                let template = self.template.trim();
                if template.is_empty() {
                    return Err(bad("choose the message's template".into()));
                }
                Ok(BulkAction::SendMessage {
                    purpose: MessagePurpose::from_key(template),
                    due: None,
                })
            }
            other => Err(bad(format!(
                "unknown action {other:?}: one of {}",
                ACTIONS.map(|(name, _)| name).join(", ")
            ))),
        }
    }

    /// The action's values read from url-encoded form fields (`action`, `to_status`,
    /// `units_change`, `unit` repeated, `template`).
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        let field = |name: &str| field(fields, name);
        Self {
            action: field("action"),
            to_status: field("to_status"),
            units_change: field("units_change"),
            units: fields
                .iter()
                .filter(|(n, _)| n == "unit")
                .map(|(_, v)| v.clone())
                .collect(),
            template: field("template"),
        }
    }
}

/// The first value of the form field `name`, or empty.
pub fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// One org unit as the form offers it.
#[derive(Clone, Debug, Serialize)]
pub struct UnitChoice {
    /// Its id.
    pub id: String,
    /// Its path from the top ("Lincoln Elementary > Grade 3").
    pub path: String,
}

/// What the bulk form offers: the actions, the statuses, the org units, the templates.
#[derive(Clone, Debug, Serialize)]
pub struct Choices {
    /// `[name, label]` of each action.
    pub actions: Vec<(&'static str, &'static str)>,
    /// The record statuses.
    pub statuses: Vec<&'static str>,
    /// The ways to change org units.
    pub unit_changes: [&'static str; 3],
    /// The district's org units, by path.
    pub units: Vec<UnitChoice>,
    /// The templates a message can be sent from: `welcome` and the district's own.
    pub templates: Vec<String>,
}

/// The units of `tree`, by path.
pub fn unit_choices(tree: &OrgTree) -> Vec<UnitChoice> {
    let mut units: Vec<UnitChoice> = tree
        .units()
        .map(|u| UnitChoice {
            id: u.id.to_string(),
            path: tree.path(u.id),
        })
        .collect();
    units.sort_by(|a, b| a.path.cmp(&b.path));
    units
}

/// What the bulk form offers `actor`. The district's own templates are listed to those who
/// may read them (Send Messages district-wide); anyone else is offered `welcome`.
pub async fn choices(app: &App, actor: &Actor) -> Result<Choices, WebError> {
    let tree = app.directory.org_tree(actor, app.district).await?;
    let mut templates = vec!["welcome".to_string()];
    if let Ok(saved) = app.directory.message_templates(actor, app.district).await {
        for template in saved {
            let key = template.purpose.key().to_string();
            let sendable = matches!(template.purpose, MessagePurpose::Custom(_));
            if sendable && !templates.contains(&key) {
                templates.push(key);
            }
        }
    }
    Ok(Choices {
        actions: ACTIONS.to_vec(),
        statuses: RecordStatus::ALL.map(RecordStatus::as_str).to_vec(),
        unit_changes: UNIT_CHANGES,
        units: unit_choices(&tree),
        templates,
    })
}

/// A few words on what `action` does beyond its name ("to inactive", "add Lincoln
/// Elementary", "from the template welcome"), naming units by their path in `tree`.
pub fn detail(action: &BulkAction, tree: Option<&OrgTree>) -> String {
    match action {
        BulkAction::SetStatus(status) => format!("to {}", status.as_str()),
        BulkAction::ChangeOrgUnits(change) => {
            let (verb, units) = match change {
                OrgUnitChange::Add(units) => ("add", units),
                OrgUnitChange::Remove(units) => ("remove", units),
                OrgUnitChange::Replace(units) => ("replace with", units),
            };
            let names: Vec<String> = units
                .iter()
                .map(|u| tree.map_or_else(|| u.to_string(), |t| t.path(*u)))
                .collect();
            format!("{verb} {}", names.join(", "))
        }
        BulkAction::SendMessage { purpose, .. } => {
            format!("from the template {}", purpose.key())
        }
        _ => String::new(),
    }
}
