// Rollups for every participant at once. All kernels work on arrays in preorder, where
// the subtree of k is the range [k, end(k)), so a rollup is one pass over arrays.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "activity.hpp"
#include "network.hpp"

namespace downline {

namespace detail {
/// Knuth's TwoSum: s = fl(a + b) and the exact rounding error e, a + b == s + e.
inline void two_sum(double a, double b, double& s, double& e) noexcept {
  s = a + b;
  const double bb = s - a;
  e = (a - (s - bb)) + (b - bb);
}
}  // namespace detail

/// out[k] = sum of v over the subtree of k (k included), preorder arrays of size n.
/// Computed as the difference of two compensated (double-double) prefix sums: a
/// streaming pass with no dependency chain whose result does not depend on the shape of
/// the tree and is accurate to about one rounding of the true subtree sum.
inline void subtree_sum(const Network& net, const double* v, double* out) {
  const std::size_t n = static_cast<std::size_t>(net.size());
  std::vector<double> hi(n + 1), lo(n + 1);
  double s = 0.0, c = 0.0;
  hi[0] = lo[0] = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double e;
    detail::two_sum(s, v[i], s, e);
    c += e;
    hi[i + 1] = s;
    lo[i + 1] = c;
  }
  const index_t* end = net.ends().data();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = static_cast<std::size_t>(end[i]);
    double d, e;
    detail::two_sum(hi[j], -hi[i], d, e);
    out[i] = d + (e + (lo[j] - lo[i]));
  }
}

/// Exact integer subtree sums (counts): out[k] = sum of v over [k, end(k)).
template <class In, class Out>
void subtree_count(const Network& net, const In* v, Out* out) {
  const std::size_t n = static_cast<std::size_t>(net.size());
  std::vector<std::int64_t> prefix(n + 1);
  prefix[0] = 0;
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + static_cast<std::int64_t>(v[i]);
  const index_t* end = net.ends().data();
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<Out>(prefix[static_cast<std::size_t>(end[i])] - prefix[i]);
}

/// Level sums: out[(l - 1) * n + k] = sum of v over k's downline members at level l,
/// l = 1..levels. One pass over the parent array per level.
inline void level_sums(const Network& net, const double* v, int levels, double* out) {
  const index_t n = net.size();
  const index_t* parent = net.parents().data();
  const std::size_t un = static_cast<std::size_t>(n);
  std::fill(out, out + un * static_cast<std::size_t>(std::max(levels, 0)), 0.0);
  for (int l = 1; l <= levels; ++l) {
    const double* below = l == 1 ? v : out + (static_cast<std::size_t>(l) - 2) * un;
    double* cur = out + (static_cast<std::size_t>(l) - 1) * un;
    for (index_t k = 0; k < n; ++k)
      if (parent[k] != npos) cur[parent[k]] += below[k];
  }
}

/// Subtree sums of every column of a participants x columns matrix whose rows are in
/// the network's input row order; returns the same shape, same row order. One pass over
/// the rows for all columns (a reverse pass in preorder: each row is added to its
/// sponsor's row after all of its own downline has been added to it).
template <class Derived>
Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>
rollup_rows(const Network& net, const Eigen::MatrixBase<Derived>& values) {
  using Scalar = typename Derived::Scalar;
  using RowMat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const index_t n = net.size();
  if (values.rows() != n)
    throw InputError(ErrorKind::bad_value, "rollup: " + std::to_string(values.rows()) +
                                               " rows for " + std::to_string(n) + " participants");
  const index_t* pos = net.position_of_row().data();
  RowMat pre(values.rows(), values.cols());
  for (index_t r = 0; r < n; ++r) pre.row(pos[r]) = values.row(r);
  const index_t* parent = net.parents().data();
  for (index_t k = n; k-- > 0;)
    if (parent[k] != npos) pre.row(parent[k]) += pre.row(k);
  RowMat out(values.rows(), values.cols());
  for (index_t r = 0; r < n; ++r) out.row(r) = pre.row(pos[r]);
  return out;
}

/// Settings of volumes().
struct VolumeOptions {
  day_t start = min_day;  ///< period start (inclusive)
  day_t end = max_day;    ///< period end (exclusive)
  /// Snapshot date (inclusive): participants enrolled later are left out, and so are
  /// orders after it. A participant is in the snapshot when they and their whole
  /// upline enrolled on or before as_of (a recruit cannot be in the network without
  /// their sponsor).
  std::optional<day_t> as_of;
  int levels = 3;  ///< level volumes for levels 1..levels
  /// Active when PV >= min_pv; when unset, active means any order with pv > 0.
  std::optional<double> min_pv;
};

/// Every participant's volumes; all arrays are per participant in preorder.
struct VolumeTable {
  int levels = 0;
  std::vector<double> pv, gv, power_leg, lesser_legs;
  std::vector<double> level;  ///< level-major: level[(l - 1) * n + k]
  std::vector<index_t> downline, active_downline, frontline, depth, height;
  std::vector<std::uint8_t> included, active;
};

/// PV, GV, level volumes, legs and counts for every participant (definitions in
/// DOMAIN.md), all in preorder.
inline VolumeTable volumes(const Network& net, const Activity& act, const VolumeOptions& opt = {}) {
  if (act.network_size() != net.size())
    throw InputError(ErrorKind::bad_value, "activity was mapped to another network");
  if (opt.levels < 0) throw InputError(ErrorKind::bad_value, "levels must be >= 0");
  if (opt.as_of && !net.has_enrolment())
    throw InputError(ErrorKind::bad_value, "as_of needs enrolment dates in the network");
  const index_t n = net.size();
  const std::size_t un = static_cast<std::size_t>(n);
  const index_t* parent = net.parents().data();
  VolumeTable t;
  t.levels = opt.levels;

  // Inclusion: enrolled on or before as_of, and so is the whole upline.
  t.included.assign(un, 1);
  if (opt.as_of) {
    const day_t* enrolled = net.enrolment_days().data();
    for (index_t k = 0; k < n; ++k)
      t.included[k] = enrolled[k] <= *opt.as_of && (parent[k] == npos || t.included[parent[k]]);
  }

  // Personal volume in the period (and up to as_of).
  day_t end = opt.end;
  if (opt.as_of && *opt.as_of < max_day) end = std::min(end, static_cast<day_t>(*opt.as_of + 1));
  t.pv.resize(un);
  t.active.resize(un);
  act.personal_volume(opt.start, end, t.pv.data(), t.active.data());
  for (index_t k = 0; k < n; ++k) {
    if (!t.included[k]) {
      t.pv[k] = 0.0;
      t.active[k] = 0;
    } else if (opt.min_pv) {
      t.active[k] = t.pv[k] >= *opt.min_pv;
    }
  }

  t.gv.resize(un);
  subtree_sum(net, t.pv.data(), t.gv.data());
  t.level.resize(un * static_cast<std::size_t>(opt.levels));
  level_sums(net, t.pv.data(), opt.levels, t.level.data());

  // Counts: subtree sums of the inclusion and activity flags, less oneself.
  t.downline.resize(un);
  t.active_downline.resize(un);
  subtree_count(net, t.included.data(), t.downline.data());
  subtree_count(net, t.active.data(), t.active_downline.data());
  for (index_t k = 0; k < n; ++k) {
    t.downline[k] -= t.included[k];
    t.active_downline[k] -= t.active[k];
  }

  // Frontline, height and power leg: one reverse pass, children before parents.
  t.frontline.assign(un, 0);
  t.height.assign(un, 0);
  t.power_leg.assign(un, -std::numeric_limits<double>::infinity());
  for (index_t k = n; k-- > 0;) {
    const index_t p = parent[k];
    if (p == npos || !t.included[k]) continue;
    ++t.frontline[p];
    t.height[p] = std::max(t.height[p], t.height[k] + 1);
    t.power_leg[p] = std::max(t.power_leg[p], t.gv[k]);
  }
  t.depth = net.depths();
  t.lesser_legs.resize(un);
  for (index_t k = 0; k < n; ++k) {
    if (t.frontline[k] == 0) t.power_leg[k] = 0.0;
    t.lesser_legs[k] = t.gv[k] - t.pv[k] - t.power_leg[k];
  }
  return t;
}

}  // namespace downline
