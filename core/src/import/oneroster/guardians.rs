//! OneRoster's guardians, parents and relatives: not users of the directory, but contacts of
//! the students they are linked to through `agentSourcedIds` (in either direction: a student
//! lists their guardians, or a guardian lists their students).

use std::collections::{HashMap, HashSet};

use super::csv_file::{RosterFile, split_ids};
use crate::import::raw::RawRow;
use crate::import::row::ImportRow;
use crate::model::Guardian;

/// A guardian's row: who they are as a contact, and whom they name as their students.
pub(super) struct GuardianRow {
    sourced_id: String,
    contact: Guardian,
    agents: Vec<String>,
}

impl GuardianRow {
    /// The contact a guardian, parent or relative row makes; `role` is the row's role as
    /// written (it becomes the relation: `parent` → "Parent").
    pub(super) fn read(file: &RosterFile, row: &RawRow, sourced_id: &str, role: &str) -> Self {
        let name = [file.get(row, "givenName"), file.get(row, "familyName")]
            .iter()
            .map(|part| part.trim())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let phone = file.opt(row, "phone").or_else(|| file.opt(row, "sms"));
        Self {
            sourced_id: sourced_id.to_owned(),
            contact: Guardian {
                name,
                relation: Some(relation(role)),
                email: file.opt(row, "email"),
                phone,
            },
            agents: split_ids(file.get(row, "agentSourcedIds"))
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// `parent` → `Parent`: the relation as a person reads it.
fn relation(role: &str) -> String {
    let role = role.trim().to_ascii_lowercase();
    let mut chars = role.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => role,
    }
}

/// A student row's own `agentSourcedIds`, by its position in the rows read.
pub(super) type StudentAgents = Vec<(usize, Vec<String>)>;

/// Gives each student row the contacts of the guardians linked to them, in the guardians' file
/// order, once each. When the package holds no guardian rows at all, students' guardians are
/// left as they are (`None`): the export does not carry them.
pub(super) fn attach(rows: &mut [ImportRow], students: &StudentAgents, guardians: &[GuardianRow]) {
    if guardians.is_empty() {
        return;
    }
    let position: HashMap<&str, usize> = guardians
        .iter()
        .enumerate()
        .map(|(i, g)| (g.sourced_id.as_str(), i))
        .collect();
    let mut naming: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, guardian) in guardians.iter().enumerate() {
        for student in &guardian.agents {
            naming.entry(student.as_str()).or_default().push(i);
        }
    }
    for (index, agents) in students {
        let Some(row) = rows.get_mut(*index) else {
            continue;
        };
        let Some(roster) = row.roster_mut() else {
            continue;
        };
        let mut linked: Vec<usize> = agents
            .iter()
            .filter_map(|a| position.get(a.as_str()).copied())
            .chain(
                naming
                    .get(roster.sourced_id.as_str())
                    .into_iter()
                    .flatten()
                    .copied(),
            )
            .collect();
        linked.sort_unstable();
        let mut seen = HashSet::new();
        linked.retain(|i| seen.insert(*i));
        roster.guardians = Some(
            linked
                .into_iter()
                .filter_map(|i| guardians.get(i))
                .map(|g| g.contact.clone())
                .collect(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::relation;

    #[test]
    fn the_role_becomes_a_relation_a_person_reads() {
        assert_eq!(relation("parent"), "Parent");
        assert_eq!(relation(" GUARDIAN "), "Guardian");
        assert_eq!(relation(""), "");
    }
}
