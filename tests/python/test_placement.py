"""The placement tree (binary and hybrid plans): built and checked with the sponsor tree,
every rollup and query on it against a brute force over the placement parents, and each
participant's left and right volume against explicit subtree sums."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import downline as dl
from reference import brute_volumes, random_company


def with_placement(people: pd.DataFrame, shape: str, rng: np.random.Generator) -> pd.DataFrame:
    """The company with a placement tree: each participant (in a random order of arrival)
    placed on a free side of an earlier one (spillover), or always on the left of the
    last one (a chain), or now and then a root of its own (a forest)."""
    ids = list(people["id"])
    arrival = rng.permutation(len(ids))
    free: list = []  # (parent, side) slots open so far
    parent, side = {}, {}
    for k, i in enumerate(arrival):
        me = ids[i]
        if k == 0 or (shape == "forest" and rng.random() < 0.1):
            parent[me], side[me] = None, None
        elif shape == "chain":
            parent[me], side[me] = ids[arrival[k - 1]], "L"
        else:
            p, s = free.pop(int(rng.integers(0, len(free))))
            parent[me], side[me] = p, s
        free += [(me, "L"), (me, "R")]
        if shape == "chain":
            free = []
    out = people.assign(placement_id=[parent[i] for i in ids], side=[side[i] for i in ids])
    if pd.api.types.is_integer_dtype(people["id"].dtype):
        out["placement_id"] = out["placement_id"].astype("Int64")
    return out


def subtree_gv(brute: pd.DataFrame, child_of: dict, x) -> float:
    """The GV of x's recruit on one side (0 without one or when it is not in the table)."""
    c = child_of.get(x)
    return float(brute["gv"].get(c, 0.0)) if c is not None else 0.0


@pytest.mark.parametrize("string_ids", [False, True])
@pytest.mark.parametrize("shape", ["random", "chain", "forest"])
def test_placement_volumes_equal_a_brute_force(shape, string_ids):
    rng = np.random.default_rng(hash((shape, string_ids)) % 2**32)
    people, orders = random_company(150, "random", rng, string_ids=string_ids)
    people = with_placement(people, shape, rng)
    net = dl.Network.from_frame(people, enrolled_on="enrolled_on", placement="placement_id", side="side")
    tree = net.placement
    assert tree.is_placement and not net.is_placement
    assert tree.ids.equals(net.ids)
    placed = people.drop(columns="sponsor_id").rename(columns={"placement_id": "sponsor_id"})
    left = {p: i for i, p, s in zip(people["id"], people["placement_id"], people["side"]) if s == "L" and pd.notna(p)}
    right = {p: i for i, p, s in zip(people["id"], people["placement_id"], people["side"]) if s == "R" and pd.notna(p)}
    for start, end, as_of in [(None, None, None), ("2021-02-01", "2021-03-01", None),
                              ("2021-01-01", "2021-06-01", "2021-02-10")]:
        got = tree.volumes(orders, start=start, end=end, as_of=as_of)
        want = brute_volumes(placed, orders, start=start, end=end, as_of=as_of)
        pd.testing.assert_frame_equal(got.drop(columns=["left", "right"]), want, check_dtype=False,
                                      check_index_type=False)
        assert got["left"].tolist() == pytest.approx([subtree_gv(want, left, x) for x in got.index])
        assert got["right"].tolist() == pytest.approx([subtree_gv(want, right, x) for x in got.index])
        # the sponsor tree is the sponsor tree still
        pd.testing.assert_frame_equal(net.volumes(orders, start=start, end=end, as_of=as_of),
                                      brute_volumes(people, orders, start=start, end=end, as_of=as_of),
                                      check_dtype=False, check_index_type=False)
    x = people["id"].iloc[int(rng.integers(0, len(people)))]
    kids = [i for i, p in zip(people["id"], people["placement_id"]) if pd.notna(p) and p == x]
    assert sorted(tree.frontline(x)) == sorted(kids)
    up, y = [], x
    parent = dict(zip(people["id"], people["placement_id"]))
    while pd.notna(parent[y]):
        y = parent[y]
        up.append(y)
    assert list(tree.upline(x)) == up
    assert len(tree.downline(x)) == brute_volumes(placed, orders).loc[x, "downline"]


def test_left_and_right_only_and_a_published_shape():
    # 1 holds 2 on the left and 3 on the right; 4 under 2 on the left, 5 under 3 on the right
    people = pd.DataFrame({"id": [1, 2, 3, 4, 5], "sponsor_id": [None, 1, 1, 1, 1],
                           "placement_id": [None, 1, 1, 2, 3], "side": [None, "L", "R", "L", "R"]})
    orders = pd.DataFrame({"participant_id": [1, 2, 3, 4, 5, 5], "pv": [10.0, 20, 30, 40, 50, -5],
                           "ordered_on": pd.to_datetime(["2024-01-05"] * 6)})
    tree = dl.Network.from_frame(people, placement="placement_id", side="side").placement
    got = tree.volumes(orders, columns=["left", "right"])
    assert got.to_dict("index") == {1: {"left": 60.0, "right": 75.0}, 2: {"left": 40.0, "right": 0.0},
                                    3: {"left": 0.0, "right": 45.0}, 4: {"left": 0.0, "right": 0.0},
                                    5: {"left": 0.0, "right": 0.0}}


BASE = {"id": [1, 2, 3, 4, 5], "sponsor_id": [None, 1, 1, 2, 1], "placement_id": [None, 1, 1, 2, 3],
        "side": [None, "L", "R", "L", "L"]}


@pytest.mark.parametrize("change, kind, message, ids", [
    ({"side": [None, "L", "L", "L", "L"]}, "bad_value",
     "1 participant(s) are placed on a side already taken: 3 (left of 1, held by 2) (column 'side')", [3]),
    ({"side": [None, "L", "R", "left", "L"]}, "bad_value",
     "1 participant(s) have a side other than 'L' or 'R' in column 'side': 4 ('left')", [4]),
    ({"side": [None, "L", "R", None, "L"]}, "bad_value",
     "1 participant(s) have a side other than 'L' or 'R': 4 (none) (column 'side')", [4]),
    ({"placement_id": [None, 1, 1, 9, 3]}, "unknown_sponsor",
     "1 participant(s) have a placement parent that is not a participant: 4 (placement parent 9)", [4]),
    ({"placement_id": [None, 2, 1, 2, 3]}, "own_sponsor", "1 participant(s) are their own placement parent: 2", [2]),
    ({"placement_id": [None, 4, 1, 2, 3]}, "cycle",
     "placement parent links form a cycle of 2 participant(s): 2, 4 (2 participant(s) are in or below cycles)",
     [2, 4]),
])
def test_bad_placements_are_named(change, kind, message, ids):
    for keys in ("int", "str", "labels"):
        frame = pd.DataFrame({**BASE, **change})
        shown_ids = ids
        if keys != "int":  # the same ids as text ("M2") or as labels of mixed kinds ((2, "x"))
            name = (lambda v: f"M{v}") if keys == "str" else (lambda v: (v, "x"))
            for c in ("id", "sponsor_id", "placement_id"):
                frame[c] = [None if pd.isna(v) else name(int(v)) for v in frame[c]]
            shown_ids = [name(i) for i in ids]
        with pytest.raises(dl.InputError) as err:
            dl.Network.from_frame(frame, placement="placement_id", side="side")
        assert err.value.kind == kind
        assert list(err.value.ids) == shown_ids
        if keys == "int":
            assert str(err.value) == message
        else:
            assert "placement" in str(err.value) or "side" in str(err.value)


def test_a_placement_tree_needs_both_columns_and_is_asked_for_by_name():
    frame = pd.DataFrame(BASE)
    with pytest.raises(dl.InputError, match="needs both columns"):
        dl.Network.from_frame(frame, placement="placement_id")
    with pytest.raises(dl.InputError, match="missing column|no column|'sides'"):
        dl.Network.from_frame(frame, placement="placement_id", side="sides")
    net = dl.Network.from_frame(frame)
    with pytest.raises(dl.InputError, match="has no placement tree: build it with"):
        net.placement
    assert "left" not in net.volumes(pd.DataFrame({"participant_id": [1], "ordered_on": ["2024-01-01"],
                                                   "pv": [1.0]})).columns


def test_a_network_with_its_placement_tree_pickles():
    frame = pd.DataFrame(BASE)
    frame["side"] = [None, "L", "R", "L", "L"]
    frame["kind"] = ["a", "b", "a", "b", "a"]
    net = dl.Network.from_frame(frame, placement="placement_id", side="side", kind="kind")
    orders = pd.DataFrame({"participant_id": [1, 2, 3, 4, 5], "pv": [1.0, 2, 3, 4, 5],
                           "ordered_on": ["2024-01-01"] * 5})
    back = pickle.loads(pickle.dumps(net))
    pd.testing.assert_frame_equal(back.placement.volumes(orders), net.placement.volumes(orders))
    pd.testing.assert_frame_equal(back.volumes(orders), net.volumes(orders))
    tree = pickle.loads(pickle.dumps(net.placement))
    assert tree.is_placement
    pd.testing.assert_frame_equal(tree.volumes(orders), net.placement.volumes(orders))
    assert list(back.placement.kinds) == list(frame["kind"])


def spillover(people: pd.DataFrame) -> tuple[dict, dict]:
    """The sample's placement rule written out: rows in enrolment order, the k-th recruit
    of a sponsor to side k % 2 (left first), under the last participant of the sponsor's
    outer leg on that side, found by walking down from the sponsor every time."""
    child: dict = {}
    recruits: dict = {}
    parent, side = {}, {}
    for me, sponsor in zip(people["id"], people["sponsor_id"]):
        if pd.isna(sponsor):
            parent[me], side[me] = None, None
            continue
        s = "LR"[recruits.get(sponsor, 0) % 2]
        recruits[sponsor] = recruits.get(sponsor, 0) + 1
        at = sponsor
        while (at, s) in child:
            at = child[(at, s)]
        child[(at, s)] = me
        parent[me], side[me] = at, s
    return parent, side


def test_sample_placement_is_spillover_under_each_sponsor():
    people, _ = dl.sample(3000, shuffle=False, placement=True)
    parent, side = spillover(people)
    got_parent = people["placement_id"].astype(object).where(people["placement_id"].notna(), None)
    assert list(got_parent) == [parent[i] for i in people["id"]]
    assert list(people["side"].astype(object).where(people["side"].notna(), None)) == [side[i] for i in people["id"]]
    # the same company as without a placement, and the same rows when shuffled
    plain, _ = dl.sample(3000, shuffle=False)
    pd.testing.assert_frame_equal(people[plain.columns], plain)
    # shuffled (other ids, rows in any order): each participant placed in their sponsor's
    # placement downline, at most one on each side, a tree the network accepts
    shuffled, _ = dl.sample(3000, placement=True)
    up = dict(zip(shuffled["id"], shuffled["placement_id"].astype(object)))
    for me, sponsor in zip(shuffled["id"], shuffled["sponsor_id"].astype(object)):
        at = up[me]
        while not pd.isna(sponsor) and at != sponsor:
            at = up[at]
        assert pd.isna(sponsor) == pd.isna(up[me])
    assert not shuffled.dropna(subset=["placement_id"]).duplicated(["placement_id", "side"]).any()
    net = dl.Network.from_frame(shuffled, placement="placement_id", side="side")
    assert net.placement is not None and len(net.placement) == 3000
