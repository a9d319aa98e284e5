//! Planning org units: cycles, parents before children, where new units hang, and the tree
//! as it grows.

use super::*;

fn id(n: u128) -> OrgUnitId {
    OrgUnitId::from_uuid(Uuid::from_u128(n))
}

fn unit(n: u128, parent: Option<u128>) -> OrgUnit {
    OrgUnit {
        id: id(n),
        district: crate::ids::DistrictId::from_uuid(Uuid::from_u128(1)),
        parent: parent.map(id),
        name: format!("unit {n}"),
        code: None,
        kind: OrgUnitKind::School,
        created_at: chrono::DateTime::UNIX_EPOCH,
        version: Version::FIRST,
    }
}

fn planned(n: u128, parent: Option<u128>) -> PlannedOrgUnit {
    PlannedOrgUnit {
        id: id(n),
        expected: None,
        name: format!("unit {n}"),
        code: None,
        kind: OrgUnitKind::School,
        parent: parent.map(id),
    }
}

#[test]
fn a_move_under_a_descendant_is_a_cycle_and_a_sideways_move_is_not() {
    // 10 > 11 > 12, and 20.
    let tree = OrgTree::new([
        unit(10, None),
        unit(11, Some(10)),
        unit(12, Some(11)),
        unit(20, None),
    ]);
    let under_grandchild: Map<_, _> = [(id(10), Some(id(12)))].into_iter().collect();
    assert_eq!(
        cycles(&tree, &under_grandchild),
        [id(10), id(11), id(12)].into()
    );
    let sideways: Map<_, _> = [(id(11), Some(id(20)))].into_iter().collect();
    assert!(cycles(&tree, &sideways).is_empty());
    let itself: Map<_, _> = [(id(20), Some(id(20)))].into_iter().collect();
    assert_eq!(cycles(&tree, &itself), [id(20)].into());
    // Two new units naming each other.
    let new_pair: Map<_, _> = [(id(30), Some(id(31))), (id(31), Some(id(30)))]
        .into_iter()
        .collect();
    assert_eq!(cycles(&tree, &new_pair), [id(30), id(31)].into());
}

#[test]
fn parents_come_first_whatever_the_file_order() {
    let units = vec![
        planned(3, Some(2)),
        planned(2, Some(1)),
        planned(1, None),
        planned(4, Some(99)),
    ];
    let order: Vec<OrgUnitId> = order_parents_first(units).iter().map(|u| u.id).collect();
    let at = |n| order.iter().position(|u| *u == id(n)).unwrap_or(usize::MAX);
    assert_eq!(order.len(), 4);
    assert!(at(1) < at(2) && at(2) < at(3));
}

#[test]
fn units_on_a_cycle_among_themselves_are_kept_after_the_rest_in_file_order() {
    // Planning refuses such units; if any reached the ordering they must not vanish from the
    // plan silently, but go last, for the storage to refuse.
    let units = vec![
        planned(6, Some(5)),
        planned(2, Some(1)),
        planned(5, Some(6)),
        planned(1, None),
    ];
    let order: Vec<OrgUnitId> = order_parents_first(units).iter().map(|u| u.id).collect();
    assert_eq!(order, [id(1), id(2), id(6), id(5)]);
}

#[test]
fn a_new_unit_hangs_where_its_nearest_existing_ancestor_is() {
    let tree = OrgTree::new([unit(10, None)]);
    let new_parent: Map<_, _> = [
        (id(40), Some(id(41))),
        (id(41), Some(id(10))),
        (id(50), None),
    ]
    .into_iter()
    .collect();
    let anchors = resolve_anchors(&tree, &new_parent);
    assert_eq!(anchor(&tree, &anchors, id(40)), Some(id(10)));
    assert_eq!(anchor(&tree, &anchors, id(41)), Some(id(10)));
    assert_eq!(anchor(&tree, &anchors, id(50)), None);
    assert_eq!(anchor(&tree, &anchors, id(10)), Some(id(10)));
    assert_eq!(
        anchor(&tree, &anchors, id(99)),
        Some(id(99)),
        "unknown: as strict as can be"
    );
    let looped: Map<_, _> = [(id(60), Some(id(61))), (id(61), Some(id(60)))]
        .into_iter()
        .collect();
    let anchors = resolve_anchors(&tree, &looped);
    assert_eq!(anchor(&tree, &anchors, id(60)), Some(id(60)));
}

#[test]
fn the_tree_grows_and_moves_unit_by_unit() {
    let mut tree = OrgTree::new([unit(10, None), unit(20, None)]);
    tree.insert(unit(11, Some(10)));
    assert_eq!(tree.children(id(10)), [id(11)]);
    tree.insert(unit(11, Some(20)));
    assert!(tree.children(id(10)).is_empty());
    assert_eq!(tree.children(id(20)), [id(11)]);
    tree.insert(unit(11, Some(20)));
    assert_eq!(
        tree.children(id(20)),
        [id(11)],
        "re-inserting in place adds no child twice"
    );
    assert!(tree.is_within(id(11), id(20)));
}
