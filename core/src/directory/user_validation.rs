//! Checking a user's details before they are saved.

use crate::error::{Error, taken_field, taken_message};
use crate::ids::{DistrictId, UserId};
use crate::model::{District, Email, Grade, OrgTree, UserDetails};
use crate::storage::{Entity, Storage, UniqueKey, UserKey};

use super::acting::Acting;
use crate::validation::{
    FieldError, InvalidValue, ValidationCode, ValidationErrors, clean_text, limits,
};

/// What a new user lacks of the identity fields the district requires of new users
/// ([`NewUserIdentity`](crate::NewUserIdentity)), one error per field.
pub(crate) fn missing_identity(details: &UserDetails, district: &District) -> Vec<FieldError> {
    let needs = district.settings.new_user_identity;
    let mut missing = Vec::new();
    if needs.email && details.email.is_none() {
        missing.push(
            InvalidValue::new(
                ValidationCode::Required,
                "this district needs an e-mail address for every new user",
            )
            .at("email"),
        );
    }
    if needs.local_id && details.local_id.is_none() {
        missing.push(
            InvalidValue::new(
                ValidationCode::Required,
                "this district needs a Local ID for every new user",
            )
            .at("local_id"),
        );
    }
    missing
}

/// Trims every text field, turns blanks into `None`, and checks every rule that needs no
/// storage: required names, lengths, characters, grades the district allows, org units that
/// exist, guardian e-mails, time-zone syntax. Collects every problem rather than stopping at
/// the first.
pub(crate) fn normalize_details(
    mut details: UserDetails,
    district: &District,
    tree: &OrgTree,
) -> Result<UserDetails, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = &mut details.name;
    name.first = required(&mut errors, "name.first", &name.first, "a first name");
    name.last = required(&mut errors, "name.last", &name.last, "a last name");
    for (field, value) in [
        ("name.prefix", &mut name.prefix),
        ("name.middle", &mut name.middle),
        ("name.suffix", &mut name.suffix),
        ("name.preferred", &mut name.preferred),
        ("job_title", &mut details.job_title),
    ] {
        optional(&mut errors, field, value, limits::NAME);
    }
    optional(
        &mut errors,
        "description",
        &mut details.description,
        limits::TEXT,
    );
    optional(
        &mut errors,
        "state_educator_id",
        &mut details.state_educator_id,
        limits::IDENTIFIER,
    );
    optional(
        &mut errors,
        "sso_subject",
        &mut details.sso_subject,
        limits::EMAIL,
    );
    let phones = &mut details.phones;
    for (field, value) in [
        ("phones.home", &mut phones.home),
        ("phones.mobile", &mut phones.mobile),
        ("phones.fax", &mut phones.fax),
        ("phones.pager", &mut phones.pager),
    ] {
        optional(&mut errors, field, value, limits::PHONE);
    }

    if let Some(Grade::Other(code)) = &details.grade
        && !district.settings.custom_grades.contains(code)
    {
        errors.push(
                InvalidValue::new(
                    ValidationCode::InvalidGrade,
                    format!(
                        "'{code}' is not a grade in {}; use PK, K, 1 to 12, or add '{code}' to the district's grades",
                        district.name
                    ),
                )
                .at("grade"),
            );
    }
    for unit in &details.org_units {
        if !tree.contains(*unit) {
            errors.push(
                InvalidValue::new(
                    ValidationCode::UnknownOrgUnit,
                    format!("org unit {unit} does not exist in {}", district.name),
                )
                .at("org_units"),
            );
        }
    }

    check_count(
        &mut errors,
        "guardians",
        details.guardians.len(),
        limits::GUARDIAN_COUNT,
    );
    for (i, guardian) in details.guardians.iter_mut().enumerate() {
        let at = |part: &str| format!("guardians[{i}].{part}");
        guardian.name = required(
            &mut errors,
            &at("name"),
            &guardian.name,
            "a guardian's name",
        );
        optional(
            &mut errors,
            &at("relation"),
            &mut guardian.relation,
            limits::NAME,
        );
        optional(
            &mut errors,
            &at("phone"),
            &mut guardian.phone,
            limits::PHONE,
        );
        optional(
            &mut errors,
            &at("email"),
            &mut guardian.email,
            limits::EMAIL,
        );
        if let Some(email) = &guardian.email {
            errors.check(&at("email"), Email::parse(email));
        }
    }

    check_count(
        &mut errors,
        "custom_fields",
        details.custom_fields.len(),
        limits::CUSTOM_FIELD_COUNT,
    );
    let mut custom = std::collections::BTreeMap::new();
    for (key, value) in std::mem::take(&mut details.custom_fields) {
        let field = format!("custom.{key}");
        let key = errors
            .check(&field, clean_text(&key, limits::NAME))
            .flatten();
        let value = errors
            .check(&field, clean_text(&value, limits::CUSTOM_FIELD))
            .flatten();
        match (key, value) {
            (Some(key), Some(value)) => {
                custom.insert(key, value);
            }
            (None, _) if errors.for_field(&field).is_none() => errors.push(
                InvalidValue::new(ValidationCode::Required, "a custom field needs a name")
                    .at(field),
            ),
            _ => {} // a blank value removes the field
        }
    }
    details.custom_fields = custom;

    optional(
        &mut errors,
        "time_zone",
        &mut details.time_zone,
        limits::NAME,
    );
    if let Some(zone) = &details.time_zone
        && !is_time_zone_name(zone)
    {
        errors.push(
            InvalidValue::new(
                ValidationCode::InvalidTimeZone,
                format!("'{zone}' is not a time zone name; use one like America/Chicago or UTC"),
            )
            .at("time_zone"),
        );
    }
    errors.into_result().map(|()| details)
}

/// Checks that no other user of the district holds this user's Local ID, e-mail or username,
/// and that a username is no other user's e-mail (or an e-mail another user's username): a
/// sign-in accepts either, so one must not shadow the other.
///
/// The holder is named only when `acting` may see them. Out of reach the message is the one a
/// storage-level unique violation gives, so a clash tells nothing about who holds the key.
pub(crate) async fn check_unique<S: Storage + ?Sized>(
    storage: &S,
    acting: &Acting,
    district: DistrictId,
    this: Option<UserId>,
    details: &UserDetails,
) -> Result<(), Error> {
    let mut keys = Vec::new();
    if let Some(local_id) = &details.local_id {
        let key = local_id.to_string();
        keys.push((
            UniqueKey::LocalId,
            vec![UserKey::LocalId(key)],
            local_id.to_string(),
        ));
    }
    if let Some(email) = &details.email {
        let key = email.key();
        let lookups = vec![UserKey::Email(key.clone()), UserKey::Username(key)];
        keys.push((UniqueKey::Email, lookups, email.to_string()));
    }
    if let Some(username) = &details.username {
        let key = username.key();
        let lookups = vec![UserKey::Username(key.clone()), UserKey::Email(key)];
        keys.push((UniqueKey::Username, lookups, username.to_string()));
    }
    let mut errors = ValidationErrors::new();
    for (unique, lookups, shown) in keys {
        for lookup in lookups {
            let Some(other) = storage.user_by_key(district, &lookup).await? else {
                continue;
            };
            if Some(other.id) == this {
                continue;
            }
            let message = if acting.may_see(&other) {
                format!(
                    "the {unique} '{shown}' already belongs to {} ({})",
                    other.details.name.display(),
                    other
                        .details
                        .local_id
                        .as_ref()
                        .map_or("no Local ID", |l| l.as_str())
                )
            } else {
                taken_message(Entity::User, unique, &shown)
            };
            errors.push(
                InvalidValue::new(ValidationCode::Taken, message)
                    .at(taken_field(unique).unwrap_or("key")),
            );
            break;
        }
    }
    errors
        .into_result()
        .map_err(|e| Error::invalid(Entity::User, e))
}

fn required(errors: &mut ValidationErrors, field: &str, value: &str, what: &str) -> String {
    match clean_text(value, limits::NAME) {
        Ok(Some(text)) => text,
        Ok(None) => {
            errors.push(
                InvalidValue::new(ValidationCode::Required, format!("{what} is required"))
                    .at(field),
            );
            String::new()
        }
        Err(problem) => {
            errors.push(problem.at(field));
            value.to_owned()
        }
    }
}

fn optional(errors: &mut ValidationErrors, field: &str, value: &mut Option<String>, max: usize) {
    if let Some(text) = value.take() {
        *value = match clean_text(&text, max) {
            Ok(cleaned) => cleaned,
            Err(problem) => {
                errors.push(problem.at(field));
                Some(text)
            }
        };
    }
}

fn check_count(errors: &mut ValidationErrors, field: &str, count: usize, max: usize) {
    if count > max {
        errors.push(
            InvalidValue::new(
                ValidationCode::TooMany { max },
                format!("has {count} entries; the limit is {max}"),
            )
            .at(field),
        );
    }
}

/// `UTC`, or `Area/Location[/More]` with letters, digits, `_`, `-` and `+`.
fn is_time_zone_name(zone: &str) -> bool {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
    };
    zone == "UTC" || (zone.contains('/') && zone.split('/').all(part_ok))
}
