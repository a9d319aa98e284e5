//! Text search: a lower-case prefix of a user's search terms (names, e-mail, Local ID,
//! username), never a substring, with no wildcards, following every update.

use super::support::*;

/// A text query matches a prefix of the first, preferred or last name, of "first last" and of
/// "preferred last", case-insensitively and beyond ASCII.
pub(super) async fn text_search_matches_name_prefixes(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    let adam = fx.user(d.id, "Adam", "Smith");
    let bobby = fx.user(d.id, "Robert", "Tables").preferred("Bobby");
    let grace = fx.user(d.id, "Grace", "Hopper").middle("Brewster");
    let zoe = fx.user(d.id, "Zoë", "Ärger");
    let mary = fx.user(d.id, "Mary Ann", "Evans");
    seed_users(&*store, [&ada, &adam, &bobby, &grace, &zoe, &mary]).await;
    let s = &*store;

    assert_finds(s, d.id, &text("ada"), &[&ada, &adam]).await;
    assert_finds(s, d.id, &text("Ada"), &[&ada, &adam]).await;
    assert_finds(s, d.id, &text("adam"), &[&adam]).await;
    assert_finds(s, d.id, &text("lov"), &[&ada]).await;
    assert_finds(s, d.id, &text("ada l"), &[&ada]).await;
    assert_finds(s, d.id, &text("ada lovelace"), &[&ada]).await;
    assert_finds(s, d.id, &text("ada lovelaces"), &[]).await;
    assert_finds(s, d.id, &text("rob"), &[&bobby]).await;
    assert_finds(s, d.id, &text("bob"), &[&bobby]).await;
    assert_finds(s, d.id, &text("bobby t"), &[&bobby]).await;
    assert_finds(s, d.id, &text("robert tab"), &[&bobby]).await;
    assert_finds(s, d.id, &text("tables"), &[&bobby]).await;
    assert_finds(s, d.id, &text("hop"), &[&grace]).await;
    assert_finds(s, d.id, &text("zoë"), &[&zoe]).await;
    assert_finds(s, d.id, &text("zoe"), &[]).await;
    assert_finds(s, d.id, &text("är"), &[&zoe]).await;
    assert_finds(s, d.id, &text("mary ann e"), &[&mary]).await;
    assert_finds(s, d.id, &text("ann"), &[]).await;
    // Middle names are not search terms.
    assert_finds(s, d.id, &text("brew"), &[]).await;
    assert_finds(s, d.id, &text("grace b"), &[]).await;
    assert_finds(s, d.id, &text("q"), &[]).await;
}

/// A text query matches a prefix of the e-mail key, the Local ID (lower-cased) or the
/// username key.
pub(super) async fn text_search_matches_identifier_prefixes(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx
        .user(d.id, "Ada", "Lovelace")
        .email("Ada.Lovelace@Example.ORG")
        .local_id("S-00123")
        .username("ALovelace");
    let grace = fx
        .user(d.id, "Grace", "Hopper")
        .email("ghopper@navy.mil")
        .local_id("T-77")
        .username("amazing.grace");
    let other = fx.user(d.id, "Alan", "Turing");
    seed_users(&*store, [&ada, &grace, &other]).await;
    let s = &*store;

    assert_finds(s, d.id, &text("ada.love"), &[&ada]).await;
    assert_finds(s, d.id, &text("ada.lovelace@example.org"), &[&ada]).await;
    assert_finds(s, d.id, &text("ADA.LOVELACE@EX"), &[&ada]).await;
    assert_finds(s, d.id, &text("s-001"), &[&ada]).await;
    assert_finds(s, d.id, &text("S-00123"), &[&ada]).await;
    assert_finds(s, d.id, &text("alove"), &[&ada]).await;
    assert_finds(s, d.id, &text("ghop"), &[&grace]).await;
    assert_finds(s, d.id, &text("t-7"), &[&grace]).await;
    assert_finds(s, d.id, &text("amazing"), &[&grace]).await;
    assert_finds(s, d.id, &text("a"), &[&ada, &grace, &other]).await;
}

/// A text query is a prefix, never a substring: the middle or end of a term matches nothing.
pub(super) async fn text_search_matches_prefixes_not_substrings(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx
        .user(d.id, "Ada", "Lovelace")
        .email("ada@example.org")
        .local_id("S-00123")
        .username("countess");
    seed_users(&*store, [&ada]).await;
    let s = &*store;

    for miss in [
        "da",
        "velace",
        "lace",
        "ovel",
        "example",
        "@example",
        "00123",
        "123",
        "ntess",
        "a l",
        " ada",
        "lovelace ada",
    ] {
        assert_finds(s, d.id, &text(miss), &[]).await;
    }
    assert_finds(s, d.id, &text("ada"), &[&ada]).await;
}

/// `%`, `_` and `\` in a text query are ordinary characters, not wildcards or escapes.
pub(super) async fn text_search_treats_wildcards_literally(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let underscore = fx.user(d.id, "Una", "Score").local_id("S_1");
    let letter = fx.user(d.id, "Lettie", "Ter").local_id("SX1");
    let percent = fx.user(d.id, "Percy", "Cent").local_id("S%2");
    let digits = fx.user(d.id, "Digby", "Its").local_id("S12");
    let backslash = fx.user(d.id, "Bax", "Slash").local_id("S\\3");
    let mail_under = fx.user(d.id, "Mae", "Under").email("a_b@x.org");
    let mail_plain = fx.user(d.id, "Mae", "Plain").email("axb@x.org");
    seed_users(
        &*store,
        [
            &underscore,
            &letter,
            &percent,
            &digits,
            &backslash,
            &mail_under,
            &mail_plain,
        ],
    )
    .await;
    let s = &*store;

    assert_finds(s, d.id, &text("s_"), &[&underscore]).await;
    assert_finds(s, d.id, &text("s_1"), &[&underscore]).await;
    assert_finds(s, d.id, &text("s%"), &[&percent]).await;
    assert_finds(s, d.id, &text("s\\"), &[&backslash]).await;
    assert_finds(s, d.id, &text("s\\3"), &[&backslash]).await;
    assert_finds(s, d.id, &text("a_b"), &[&mail_under]).await;
    assert_finds(s, d.id, &text("%"), &[]).await;
    assert_finds(s, d.id, &text("_"), &[]).await;
    assert_finds(s, d.id, &text("\\"), &[]).await;
    assert_finds(s, d.id, &text("%1"), &[]).await;
    assert_finds(
        s,
        d.id,
        &text("s"),
        &[&underscore, &letter, &percent, &digits, &backslash],
    )
    .await;
}

/// Search follows updates: a renamed user is found by the new name and not the old one,
/// listed in its new place, and found through its new memberships only.
pub(super) async fn text_search_follows_updates(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let north = fx.org_unit(d.id, "North", None);
    let south = fx.org_unit(d.id, "South", None);
    seed(
        &*store,
        [
            Op::InsertOrgUnit(north.clone()),
            Op::InsertOrgUnit(south.clone()),
        ],
    )
    .await;
    let ada = fx
        .user(d.id, "Ada", "Lovelace")
        .email("ada@x.org")
        .member_of(north.id);
    let jones = fx.user(d.id, "Jane", "Jones");
    let lee = fx.user(d.id, "Kim", "Lee");
    seed_users(&*store, [&ada, &jones, &lee]).await;
    assert_eq!(
        found(&*store, d.id, &everyone()).await,
        vec![jones.id, lee.id, ada.id]
    );

    let renamed = ada.revised(|u| {
        u.details.name.last = "King".into();
        u.details.name.preferred = Some("Countess".into());
        u.details.org_units = [south.id].into_iter().collect();
        *u = u.clone().email("augusta@x.org");
    });
    seed(&*store, [update(&ada, &renamed)]).await;
    let s = &*store;

    assert_finds(s, d.id, &text("lovelace"), &[]).await;
    assert_finds(s, d.id, &text("ada l"), &[]).await;
    assert_finds(s, d.id, &text("ada@"), &[]).await;
    assert_finds(s, d.id, &text("king"), &[&renamed]).await;
    assert_finds(s, d.id, &text("ada k"), &[&renamed]).await;
    assert_finds(s, d.id, &text("countess k"), &[&renamed]).await;
    assert_finds(s, d.id, &text("augusta@"), &[&renamed]).await;
    assert_finds(s, d.id, &text("ada"), &[&renamed]).await;
    assert_eq!(
        found(&*store, d.id, &everyone()).await,
        vec![jones.id, renamed.id, lee.id]
    );
    let members = |unit: OrgUnitId| UserQuery {
        org_units: units(&[unit]),
        ..everyone()
    };
    assert_finds(s, d.id, &members(north.id), &[]).await;
    assert_finds(s, d.id, &members(south.id), &[&renamed]).await;
    let scoped = UserQuery {
        scope: units(&[north.id]),
        ..everyone()
    };
    assert_finds(s, d.id, &scoped, &[]).await;

    // Dropping the preferred name drops its terms.
    let plain = renamed.revised(|u| u.details.name.preferred = None);
    seed(&*store, [update(&renamed, &plain)]).await;
    assert_finds(s, d.id, &text("countess"), &[]).await;
}
