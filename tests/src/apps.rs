//! Two host applications with their own permission catalogs, for the tests of application
//! permissions: a help desk and a grading tool.

use homeroom::authz::{AppPermission, ApplicationSpec, Applications};

/// The help desk's permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HelpDesk {
    /// Assign a ticket to a user.
    AssignTickets,
    /// Close tickets.
    CloseTickets,
}

impl AppPermission for HelpDesk {
    const APPLICATION: ApplicationSpec = ApplicationSpec {
        key: "helpdesk",
        name: "Help Desk",
    };
    const ALL: &'static [Self] = &[Self::AssignTickets, Self::CloseTickets];
    fn key(self) -> &'static str {
        match self {
            Self::AssignTickets => "assign_tickets",
            Self::CloseTickets => "close_tickets",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::AssignTickets => "Assign Tickets",
            Self::CloseTickets => "Close Tickets",
        }
    }
    fn ordinal(self) -> usize {
        self as usize
    }
}

/// The grading tool's permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grading {
    /// Grade an assessment.
    GradeAssessments,
    /// Publish grades.
    PublishGrades,
}

impl AppPermission for Grading {
    const APPLICATION: ApplicationSpec = ApplicationSpec {
        key: "grading",
        name: "Grade Book",
    };
    const ALL: &'static [Self] = &[Self::GradeAssessments, Self::PublishGrades];
    fn key(self) -> &'static str {
        match self {
            Self::GradeAssessments => "grade_assessments",
            Self::PublishGrades => "publish_grades",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::GradeAssessments => "Grade Assessments",
            Self::PublishGrades => "Publish Grades",
        }
    }
    fn ordinal(self) -> usize {
        self as usize
    }
}

/// Both applications registered.
#[allow(clippy::expect_used)] // test fixture: a catalog that does not register fails the test
pub fn both() -> Applications {
    Applications::new()
        .register::<HelpDesk>()
        .and_then(|a| a.register::<Grading>())
        .expect("the test catalogs register")
}
