//! The work a session is reviewing, kept as the INPUT to plan it again, never as a plan: an
//! import's uploaded file and options, a bulk action's selection and action. Each carries the
//! fingerprint of the plan (or preview) the admin was shown; applying plans again from the
//! input on whichever instance gets the request, and applies only a plan with that
//! fingerprint.

use homeroom::{BulkPreview, ImportOptions, ImportOutcome};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};

use super::tables::work;
use super::{Sessions, sha256_hex};

/// The kind of an import's row.
const IMPORT: &str = "import";
/// The kind of a bulk preview's row.
const BULK: &str = "bulk";

/// An import under review: the file as uploaded and the options it is planned with.
#[derive(Clone, Debug)]
pub struct PendingImport {
    /// The uploaded file's name.
    pub file: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The options it is planned with.
    pub options: ImportOptions,
    /// The fingerprint of the plan last shown ([`plan_fingerprint`](crate::web::import_review::plan_fingerprint)).
    pub fingerprint: String,
    /// What applying it did, once applied.
    pub outcome: Option<ImportOutcome>,
    /// The CSV report of the plan applied, once applied.
    pub report: Option<Vec<u8>>,
}

fn json_error(e: serde_json::Error) -> DbErr {
    DbErr::Custom(format!("a session's pending work could not be read: {e}"))
}

impl Sessions {
    async fn put_work(&self, id: &str, row: work::ActiveModel) -> Result<(), DbErr> {
        let mut row = row;
        row.session = Set(sha256_hex(id.as_bytes()));
        work::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([work::Column::Session, work::Column::Kind])
                    .update_columns([
                        work::Column::Name,
                        work::Column::Input,
                        work::Column::Options,
                        work::Column::Fingerprint,
                        work::Column::Result,
                        work::Column::Report,
                    ])
                    .to_owned(),
            )
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn work(&self, id: &str, kind: &str) -> Result<Option<work::Model>, DbErr> {
        work::Entity::find_by_id((sha256_hex(id.as_bytes()), kind.to_string()))
            .one(&self.db)
            .await
    }

    /// Keeps `pending` as the import the session `id` reviews (replacing any other).
    pub async fn put_import(&self, id: &str, pending: &PendingImport) -> Result<(), DbErr> {
        let options = serde_json::to_string(&pending.options).map_err(json_error)?;
        let result = match &pending.outcome {
            Some(outcome) => Some(serde_json::to_string(outcome).map_err(json_error)?),
            None => None,
        };
        let row = work::ActiveModel {
            session: Set(String::new()),
            kind: Set(IMPORT.into()),
            name: Set(pending.file.clone()),
            input: Set(pending.bytes.clone()),
            options: Set(options),
            fingerprint: Set(pending.fingerprint.clone()),
            result: Set(result),
            report: Set(pending.report.clone()),
        };
        self.put_work(id, row).await
    }

    /// The import the session `id` reviews, if any.
    pub async fn import(&self, id: &str) -> Result<Option<PendingImport>, DbErr> {
        let Some(row) = self.work(id, IMPORT).await? else {
            return Ok(None);
        };
        let outcome = match &row.result {
            Some(json) => Some(serde_json::from_str(json).map_err(json_error)?),
            None => None,
        };
        Ok(Some(PendingImport {
            file: row.name,
            bytes: row.input,
            options: serde_json::from_str(&row.options).map_err(json_error)?,
            fingerprint: row.fingerprint,
            outcome,
            report: row.report,
        }))
    }

    /// Keeps `preview` (its selection, action, counts and fingerprint; not the sample
    /// message) as the bulk action the session `id` reviews.
    pub async fn put_bulk(&self, id: &str, preview: &BulkPreview) -> Result<(), DbErr> {
        let mut kept = preview.clone();
        kept.sample = None;
        let input = serde_json::to_vec(&kept).map_err(json_error)?;
        let row = work::ActiveModel {
            session: Set(String::new()),
            kind: Set(BULK.into()),
            name: Set(preview.action.name().into()),
            input: Set(input),
            options: Set(String::new()),
            fingerprint: Set(preview.fingerprint.clone()),
            result: Set(None),
            report: Set(None),
        };
        self.put_work(id, row).await
    }

    /// The bulk preview the session `id` reviews, if any. The directory plans it again when
    /// it is applied: nothing in it is trusted but as the input and the fingerprint shown.
    pub async fn bulk(&self, id: &str) -> Result<Option<BulkPreview>, DbErr> {
        let Some(row) = self.work(id, BULK).await? else {
            return Ok(None);
        };
        Ok(Some(
            serde_json::from_slice(&row.input).map_err(json_error)?,
        ))
    }

    /// Forgets the session's bulk preview (applied).
    pub async fn clear_bulk(&self, id: &str) -> Result<(), DbErr> {
        work::Entity::delete_many()
            .filter(work::Column::Session.eq(sha256_hex(id.as_bytes())))
            .filter(work::Column::Kind.eq(BULK))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
