// The placement tree of hybrid and binary plans: a second tree over the participants,
// each placed on the left ('L') or the right ('R') of a placement parent, at most one on
// each side (docs/concepts.md, "Placement tree and binary plans"). The tree itself is a
// Network (every rollup and query works on it); Sides adds who is on which side.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "error.hpp"
#include "network.hpp"

namespace downline {

/// Each participant's recruit on the left and on the right in a placement tree.
class Sides {
 public:
  Sides() = default;

  /// `side[r]` for input row r of `tree`: 'L', 'R', or 0 for none (a root only; a root's
  /// side, when given, is kept as it is and means nothing). Throws InputError(bad_value)
  /// naming the participants whose side is missing or not 'L' or 'R', then the ones placed
  /// on a side of their parent that another participant (earlier in the input) holds.
  Sides(const Network& tree, const std::uint8_t* side) {
    const std::size_t n = static_cast<std::size_t>(tree.size());
    const Array<index_t>& pos = tree.position_of_row();
    const IdIndex& ids = tree.index();
    // the rows found wrong, each described by describe(s, row); the error holds their ids
    // (string ids: their rows, as Network's errors do)
    const auto fail = [&](const std::string& what, const std::vector<id_type>& rows, auto describe) {
      const InputError listed = errors::listed_with(ErrorKind::bad_value, what, rows, describe);
      std::vector<id_type> named(rows);
      if (!tree.has_string_ids())
        for (id_type& r : named) r = tree.id(pos[static_cast<std::size_t>(r)]);
      return InputError(ErrorKind::bad_value, listed.what(), std::move(named));
    };
    std::vector<id_type> bad;
    for (std::size_t r = 0; r < n; ++r) {
      const std::uint8_t s = side[r];
      if (!(s == 'L' || s == 'R' || (s == 0 && tree.parent(pos[r]) == npos))) bad.push_back(static_cast<id_type>(r));
    }
    if (!bad.empty())
      throw fail("participant(s) have a side other than 'L' or 'R':", bad, [&](std::string& out, id_type r) {
        const std::uint8_t s = side[static_cast<std::size_t>(r)];
        out += ids.show(pos[static_cast<std::size_t>(r)]) +
               (s == 0 ? std::string(" (none)") : " ('" + std::string(1, static_cast<char>(s)) + "')");
      });
    left_.assign(n, npos);
    right_.assign(n, npos);
    std::vector<id_type> taken;
    for (std::size_t r = 0; r < n; ++r) {
      const index_t k = pos[r], p = tree.parent(k);
      if (p == npos) continue;
      index_t& slot = side[r] == 'L' ? left_[p] : right_[p];
      if (slot == npos)
        slot = k;
      else
        taken.push_back(static_cast<id_type>(r));
    }
    if (!taken.empty())
      throw fail("participant(s) are placed on a side already taken:", taken, [&](std::string& out, id_type r) {
        const std::size_t row = static_cast<std::size_t>(r);
        const index_t k = pos[row], p = tree.parent(k);
        const bool on_left = side[row] == 'L';
        out += ids.show(k) + " (" + (on_left ? "left" : "right") + " of " + ids.show(p) + ", held by " +
               ids.show(on_left ? left_[p] : right_[p]) + ")";
      });
  }

  /// The position of k's recruit on the left (right), npos when there is none.
  index_t left(index_t k) const noexcept { return left_[k]; }
  index_t right(index_t k) const noexcept { return right_[k]; }
  /// By position: the left (right) recruit's position or npos.
  const Array<index_t>& lefts() const noexcept { return left_; }
  const Array<index_t>& rights() const noexcept { return right_; }

  /// From a value per position summed over each subtree (a rollup's GV), the sums of the
  /// left and of the right recruit's subtree of every position (0 without that recruit).
  void side_sums(const double* subtree, double* left, double* right) const noexcept {
    for (std::size_t k = 0; k < left_.size(); ++k) {
      left[k] = left_[k] == npos ? 0.0 : subtree[left_[k]];
      right[k] = right_[k] == npos ? 0.0 : subtree[right_[k]];
    }
  }
  /// side_sums() with every array in the input row order of `tree` (the tree these sides
  /// were made for).
  void side_sums_by_row(const Network& tree, const double* subtree, double* left, double* right) const noexcept {
    const Array<index_t>& pos = tree.position_of_row();
    const Array<index_t>& row = tree.row_of_position();
    for (std::size_t r = 0; r < pos.size(); ++r) {
      const index_t l = left_[pos[r]], rt = right_[pos[r]];
      left[r] = l == npos ? 0.0 : subtree[row[l]];
      right[r] = rt == npos ? 0.0 : subtree[row[rt]];
    }
  }

 private:
  Array<index_t> left_, right_;
};

/// A placement tree: the tree (ids and placement parents: NetworkInput's `sponsors`) and
/// the side of each row.
struct PlacementInput {
  NetworkInput tree;
  const std::uint8_t* side = nullptr;  ///< per row: 'L', 'R', or 0 (roots only)
};

/// The placement tree as a Network over the same participants, and its Sides. Errors are
/// those of Network (named "placement parent" instead of "sponsor") and of Sides.
class Placement {
 public:
  Placement() = default;
  explicit Placement(PlacementInput in) {
    if (in.side == nullptr && in.tree.n > 0) throw errors::bad_value("side", "a placement tree needs sides");
    in.tree.parent = "placement parent";
    tree_ = Network(in.tree);
    sides_ = Sides(tree_, in.side);
  }
  const Network& tree() const noexcept { return tree_; }
  const Sides& sides() const noexcept { return sides_; }

 private:
  Network tree_;
  Sides sides_;
};

}  // namespace downline
