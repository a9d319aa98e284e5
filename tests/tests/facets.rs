//! Facet counts of a user search: per filter value, over the actor's reach only. Run over every
//! backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::onboarding::InvitationStatus;
use homeroom::*;
use homeroom_tests::across_backends;

across_backends! {
    async fn facets_count_each_value_within_the_actors_reach(h: Harness) {
        let d = &h.directory;
        let (id, schools) = h.district_with_schools(&["Lincoln High", "Washington High"]).await;
        let (lincoln, washington) = (&schools[0], &schools[1]);
        let science = d
            .create_org_unit(&h.admin, id, NewOrgUnit::department("Science", lincoln.id))
            .await
            .unwrap();
        let kid = |first: &str, grade: &str, unit: OrgUnitId| {
            UserDetails::new(UserKind::Student, first, "Kid")
                .with_grade(grade)
                .unwrap()
                .in_org_unit(unit)
        };
        let a = h.member(id, kid("Ada", "12", lincoln.id)).await;
        h.member(id, kid("Ben", "12", science.id)).await;
        h.member(id, kid("Cy", "11", lincoln.id)).await;
        h.member(id, kid("Wes", "12", washington.id)).await;
        let principal = h
            .member(id, UserDetails::new(UserKind::Staff, "Pat", "Principal").in_org_unit(lincoln.id))
            .await;
        h.grant(id, principal.id, Preset::BuildingAdministrator, Scope::unit(lincoln.id)).await;
        d.set_access(&h.admin, id, a.id, a.version, Access::Suspended).await.unwrap();
        let pat = Actor::user(id, principal.id);

        let all = d.user_facets(&pat, id, &UserSearch::default()).await.unwrap();
        assert_eq!(all.total, 4, "Lincoln's three students and Pat; Wes is out of reach");
        assert_eq!(all.kind.get(&UserKind::Student), Some(&3));
        assert_eq!(all.grade.get(&Grade::Numbered(12)), Some(&2), "Wes is not counted");
        assert_eq!(all.org_units.get(&lincoln.id), Some(&4), "Lincoln counts its department's members");
        assert_eq!(all.org_units.get(&science.id), Some(&1));
        assert_eq!(all.org_units.get(&washington.id), None, "nobody in reach is in Washington");
        assert_eq!(all.access.get(&AccessKind::Suspended), Some(&1));
        assert_eq!(all.invitation.get(&InvitationStatus::NotSent), Some(&4));
        assert_eq!(all.import_managed.get(&false), Some(&4));

        // With the suspended filter on, the access facet still shows every access value, and
        // the others count only the suspended.
        let suspended = UserSearch::default().access(AccessKind::Suspended);
        let facets = d.user_facets(&pat, id, &suspended).await.unwrap();
        assert_eq!(facets.total, 1);
        assert_eq!(facets.access.get(&AccessKind::Allowed), Some(&3));
        assert_eq!(facets.access.get(&AccessKind::Suspended), Some(&1));
        assert_eq!(facets.kind.get(&UserKind::Student), Some(&1));
        // The search agrees with the facet it was picked from.
        assert_eq!(d.search_users(&pat, id, &suspended).await.unwrap().total, 1);
        let by_hand = UserSearch::default().import_managed(false);
        assert_eq!(d.search_users(&pat, id, &by_hand).await.unwrap().total, 4);
        let imported = UserSearch::default().import_managed(true);
        assert_eq!(d.search_users(&pat, id, &imported).await.unwrap().total, 0);

        // Someone who sees nobody counts nobody.
        let nobody = h.member(id, UserDetails::new(UserKind::Staff, "No", "Body")).await;
        let facets = d.user_facets(&Actor::user(id, nobody.id), id, &UserSearch::default()).await.unwrap();
        assert_eq!(facets, UserFacets::default());
    }
}
