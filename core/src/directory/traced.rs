//! What a host's tracing sees of a `Directory` command: an `info` span named after it
//! (`directory::create_user`) with the district, the actor (`system:<label>` or `user:<id>`)
//! and the outcome (`ok`, or the error's kind), recorded when the command returns. Never a
//! name, a login, a password or a message: those stay in the activity log and the error.

use crate::error::Error;

/// Records `result`'s outcome on the current span and hands it back.
pub(crate) fn outcome<T>(result: Result<T, Error>) -> Result<T, Error> {
    let span = tracing::Span::current();
    match &result {
        Ok(_) => span.record("outcome", "ok"),
        Err(error) => span.record("outcome", tracing::field::debug(error.kind())),
    };
    result
}
