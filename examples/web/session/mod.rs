//! Cookie sessions and CSRF tokens, kept in the database the directory runs on, so several
//! instances behind one address share them (no sticky sessions).
//!
//! A browser gets a session on its first request: a random id (32 bytes from the host's
//! [`IdGen`], a CSPRNG in `web`) in an `HttpOnly`, `SameSite=Lax` cookie (`Secure` too with
//! `--secure-cookies`), and a random CSRF token kept with it. The table keeps the id's SHA-256,
//! never the id. Every request that changes something (any method but GET and HEAD) must carry
//! the token: in the form field `csrf` (every form has it as a hidden input) or the
//! `X-CSRF-Token` header (the JSON API; `GET /api/session` hands it out). Signing in and out
//! starts a new session (new id, new token) and deletes the old row, so a session id planted
//! before sign-in, or kept after sign-out, is worth nothing.
//!
//! Only a signed-in session has a row. An anonymous one (a visitor before sign-in) is the cookie
//! alone: its CSRF token is an HMAC of its id under a key every instance shares
//! (`web_secrets`), so a flood of cookieless requests writes nothing, and sign-in still needs
//! the token (no login CSRF). Signed-in sessions expire server-side ([`SIGNED_IN_TTL`] from
//! sign-in): an expired row is refused and deleted; [`Sessions::purge`] deletes the rest.
//!
//! A session keeps what it reviews only as input to plan again ([`work`]): an import's file and
//! options, a bulk action's selection; never a plan.

pub mod limit;
pub mod tables;
pub mod work;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use homeroom::{Clock, DistrictId, IdGen, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use tables::session;

/// The cookie that carries the session id.
pub const COOKIE: &str = "homeroom_session";
/// The header the JSON API sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a signed-in session lives from sign-in.
pub const SIGNED_IN_TTL: Duration = Duration::hours(8);

/// Who is signed in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The district.
    pub district: DistrictId,
    /// The user.
    pub user: UserId,
    /// Their name, for the page header.
    pub name: String,
    /// They signed in with a temporary password and must choose their own first.
    pub must_change: bool,
}

/// One browser's session.
#[derive(Clone, Debug)]
pub struct Session {
    /// The session id (the cookie's value; only its hash is stored).
    pub id: String,
    /// The CSRF token every changing request must carry.
    pub csrf: String,
    /// Who is signed in, if anyone.
    pub signed_in: Option<SignedIn>,
}

/// Every session, in the database's `web_sessions` table. `Debug` leaves the key out.
pub struct Sessions {
    db: DatabaseConnection,
    ids: Arc<dyn IdGen>,
    clock: Arc<dyn Clock>,
    district: DistrictId,
    secure: bool,
    /// The key anonymous sessions' CSRF tokens are derived with.
    csrf_key: Vec<u8>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("district", &self.district)
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

/// The hex SHA-256 of `text`.
pub fn sha256_hex(text: &[u8]) -> String {
    hex(&Sha256::digest(text))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA-256 of `message` under `key` (RFC 2104), hex.
fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    hex(&Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize())
}

/// True for a value shaped like a session id (64 hex digits).
fn is_session_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Sessions {
    /// The store on `db` (its tables created when missing), for `district`, drawing ids and
    /// tokens from `ids` and time from `clock`; `secure` adds the `Secure` cookie attribute.
    pub async fn open(
        db: DatabaseConnection,
        district: DistrictId,
        ids: Arc<dyn IdGen>,
        clock: Arc<dyn Clock>,
        secure: bool,
    ) -> Result<Self, DbErr> {
        tables::create(&db).await?;
        let csrf_key = shared_key(&db, ids.as_ref()).await?;
        Ok(Self {
            db,
            ids,
            clock,
            district,
            secure,
            csrf_key,
        })
    }

    fn token(&self) -> String {
        hex(&self.ids.secret_bytes())
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The anonymous session with this id: no row, its CSRF token derived from the id.
    fn anonymous(&self, id: String) -> Session {
        Session {
            csrf: hmac_hex(&self.csrf_key, format!("csrf:{id}").as_bytes()),
            id,
            signed_in: None,
        }
    }

    /// A new signed-in session: its row written.
    async fn insert(&self, me: SignedIn) -> Result<Session, DbErr> {
        let session = Session {
            id: self.token(),
            csrf: self.token(),
            signed_in: Some(me.clone()),
        };
        let row = session::ActiveModel {
            id_hash: Set(sha256_hex(session.id.as_bytes())),
            csrf: Set(session.csrf.clone()),
            user_id: Set(Some(me.user.to_string())),
            name: Set(me.name),
            must_change: Set(me.must_change),
            expires_at: Set((self.now() + SIGNED_IN_TTL).timestamp()),
        };
        session::Entity::insert(row).exec(&self.db).await?;
        Ok(session)
    }

    /// A new anonymous session (nothing is written).
    pub fn start(&self) -> Session {
        self.anonymous(self.token())
    }

    /// The session with this id: signed in when its row is there and live, anonymous when the
    /// id has no row; none when the id is malformed or its row expired (deleted now).
    pub async fn get(&self, id: &str) -> Result<Option<Session>, DbErr> {
        if !is_session_id(id) {
            return Ok(None);
        }
        let hash = sha256_hex(id.as_bytes());
        let Some(row) = session::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await?
        else {
            return Ok(Some(self.anonymous(id.to_string())));
        };
        if row.expires_at <= self.now().timestamp() {
            self.end(id).await?;
            return Ok(None);
        }
        let user = row.user_id.as_deref().and_then(|u| u.parse().ok());
        Ok(Some(Session {
            id: id.to_string(),
            csrf: row.csrf,
            signed_in: user.map(|user| SignedIn {
                district: self.district,
                user,
                name: row.name,
                must_change: row.must_change,
            }),
        }))
    }

    /// Ends the session `id`: its row and its pending work are deleted.
    pub async fn end(&self, id: &str) -> Result<(), DbErr> {
        let hash = sha256_hex(id.as_bytes());
        tables::work::Entity::delete_many()
            .filter(tables::work::Column::Session.eq(hash.clone()))
            .exec(&self.db)
            .await?;
        session::Entity::delete_by_id(hash).exec(&self.db).await?;
        Ok(())
    }

    /// Ends the session `old` and starts a new one for `signed_in` (a new id and token).
    pub async fn rotate(&self, old: &str, signed_in: Option<SignedIn>) -> Result<Session, DbErr> {
        self.end(old).await?;
        match signed_in {
            Some(me) => self.insert(me).await,
            None => Ok(self.start()),
        }
    }

    /// Lifts the must-change flag of the session `id` (the password was changed).
    pub async fn password_changed(&self, id: &str) -> Result<(), DbErr> {
        session::Entity::update_many()
            .col_expr(session::Column::MustChange, Expr::value(false))
            .filter(session::Column::IdHash.eq(sha256_hex(id.as_bytes())))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes every expired session (with its work) and every sign-in failure older than the
    /// rate limit's window; returns how many sessions went.
    pub async fn purge(&self) -> Result<u64, DbErr> {
        let now = self.now().timestamp();
        let expired: Vec<String> = session::Entity::find()
            .filter(session::Column::ExpiresAt.lte(now))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| row.id_hash)
            .collect();
        for chunk in expired.chunks(500) {
            tables::work::Entity::delete_many()
                .filter(tables::work::Column::Session.is_in(chunk.iter().cloned()))
                .exec(&self.db)
                .await?;
            session::Entity::delete_many()
                .filter(session::Column::IdHash.is_in(chunk.iter().cloned()))
                .exec(&self.db)
                .await?;
        }
        limit::forget_before(&self.db, now - limit::WINDOW.num_seconds()).await?;
        Ok(expired.len() as u64)
    }

    /// The `Set-Cookie` value for a session id.
    pub fn set_cookie(&self, id: &str) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{secure}")
    }

    /// The connection the tables are on.
    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The clock sessions expire by.
    pub(crate) fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// A fresh random id.
    pub(crate) fn random_id(&self) -> String {
        self.token()
    }
}

/// The key every instance derives anonymous CSRF tokens with: made by the first instance,
/// read by the others.
async fn shared_key(db: &DatabaseConnection, ids: &dyn IdGen) -> Result<Vec<u8>, DbErr> {
    use tables::secret;
    const NAME: &str = "anonymous_csrf";
    let row = secret::ActiveModel {
        name: Set(NAME.into()),
        value: Set(hex(&ids.secret_bytes())),
    };
    // Taken if absent; an instance that lost the race reads the winner's.
    secret::Entity::insert(row)
        .on_conflict_do_nothing_on([secret::Column::Name])
        .exec(db)
        .await?;
    let kept = secret::Entity::find_by_id(NAME.to_string())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the anonymous CSRF key".into()))?;
    Ok(kept.value.into_bytes())
}

/// The session id in a `Cookie` header, if any.
pub fn cookie_value(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_is_rfc_4231() {
        // RFC 4231, test cases 2 and 6 (a key longer than the block).
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hmac_hex(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn only_session_shaped_ids_are_looked_up() {
        assert!(is_session_id(&"ab".repeat(32)));
        assert!(!is_session_id("not-a-session"));
        assert!(!is_session_id(&"zz".repeat(32)));
        assert!(!is_session_id(&"ab".repeat(33)));
    }
}
