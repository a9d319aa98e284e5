//! The Homeroom CSV template that admins download, fill in and upload.

use super::field::ImportField;

/// The template's columns, in order: the product documents' names, plus User Type.
pub const TEMPLATE_COLUMNS: [ImportField; 16] = [
    ImportField::LocalId,
    ImportField::Kind,
    ImportField::FirstName,
    ImportField::LastName,
    ImportField::MiddleName,
    ImportField::Email,
    ImportField::Username,
    ImportField::Grade,
    ImportField::Building,
    ImportField::AuthorizedOrganizations,
    ImportField::Roles,
    ImportField::GradeLevels,
    ImportField::ContentAreas,
    ImportField::StateEducatorId,
    ImportField::TemporaryPassword,
    ImportField::GroupName,
];

const EXAMPLE_ROWS: [[&str; 16]; 2] = [
    [
        "00123",
        "student",
        "Ada",
        "Lovelace",
        "B",
        "ada.lovelace@example.org",
        "alovelace",
        "6",
        "Lincoln Middle School",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "E0042",
        "staff",
        "Grace",
        "Hopper",
        "M",
        "grace.hopper@example.org",
        "ghopper",
        "",
        "Lincoln Middle School",
        "Lincoln Middle School; Washington High School",
        "Observable",
        "6; 7; 8",
        "Mathematics; Computer Science",
        "TX123456",
        "Change-me-1",
        "Users",
    ],
];

/// The Homeroom CSV template: the header row only, UTF-8 with a byte-order mark (so Excel shows
/// accented names correctly) and CRLF line ends.
///
/// Reading the template back gives no rows and no problems.
///
/// ```
/// use homeroom::import::{ReadOptions, read_csv, template_csv};
/// let template = template_csv();
/// assert!(template.starts_with("\u{feff}Local ID,User Type,First Name,Last Name".as_bytes()));
/// let data = read_csv(&template[..], "template.csv", &ReadOptions::default()).unwrap();
/// assert!(data.users.is_empty() && data.issues.is_empty());
/// ```
pub fn template_csv() -> Vec<u8> {
    render(&[])
}

/// The template with two example rows (a student and a staff member), to show how cells are
/// filled in. Lists (organizations, roles, grade levels, content areas) are separated by `;`.
pub fn template_csv_with_examples() -> Vec<u8> {
    render(&EXAMPLE_ROWS)
}

fn render(rows: &[[&str; 16]]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header: Vec<&str> = TEMPLATE_COLUMNS.iter().map(|f| f.header()).collect();
    push_line(&mut out, &header);
    for row in rows {
        push_line(&mut out, row);
    }
    out.into_bytes()
}

fn push_line(out: &mut String, cells: &[&str]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}
