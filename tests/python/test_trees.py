"""Real trees: rolling up own values reproduces published totals."""

import numpy as np
import pandas as pd

import downline as dl


def test_census_2020_totals(data_dir):
    tree = pd.read_csv(data_dir / "trees" / "census2020_tree.csv", dtype={"node_id": str, "parent_id": str},
                       low_memory=False)
    assert len(tree) == 331_004
    net = dl.Network.from_frame(tree, id="node_id", sponsor="parent_id")
    total = net.rollup(tree.set_index("node_id")["own_value"])
    published = tree.set_index("node_id")["published_total"].dropna()
    assert len(published) == 331_003
    for level in ("state", "county", "tract", "block_group"):
        ids = tree.loc[tree["level"] == level, "node_id"]
        np.testing.assert_array_equal(total[ids].to_numpy(), published[ids].to_numpy(), err_msg=level)
    assert total["ROOT"] == tree["own_value"].sum()


def test_spring_boot_file_tree(data_dir):
    tree = pd.read_csv(data_dir / "trees" / "spring_boot_filetree.csv", keep_default_na=False,
                       dtype={"node_id": str, "parent_id": str})
    assert len(tree) == 21_146
    net = dl.Network.from_frame(tree, id="node_id", sponsor="parent_id")
    values = pd.DataFrame({"bytes": tree["own_value_bytes"], "nodes": 1,
                           "files": (tree["type"] == "file").astype(int)}).set_axis(tree["node_id"])
    got = net.rollup(values)
    np.testing.assert_array_equal(got["bytes"].to_numpy(), tree["subtree_sum_bytes"].to_numpy())
    np.testing.assert_array_equal(got["nodes"].to_numpy(), tree["subtree_size_nodes"].to_numpy())
    np.testing.assert_array_equal(got["files"].to_numpy(), tree["subtree_n_files"].to_numpy())
    np.testing.assert_array_equal(net.depth.to_numpy(), tree["depth"].to_numpy())
