// Rollups for every participant at once. All kernels work on arrays in preorder, where
// the subtree of k is the range [k, end(k)), so a rollup is one pass over arrays.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "accumulate.hpp"
#include "activity.hpp"
#include "config.hpp"
#include "network.hpp"

namespace downline {

/// out[k] = sum of v over the subtree of k (k included), preorder arrays of size n:
/// subtree_sums() of one column (accumulate.hpp). `out` may alias `v`; the same bits
/// whatever the thread count, and as a column of a wider rollup.
template <class In, class Out>
void subtree_sum(const Network& net, const In* v, Out* out) {
  subtree_sums(net, v, out, 1);
}

/// Exact integer subtree sums (counts): out[k] = sum of v over [k, end(k)).
template <class In, class Out>
void subtree_count(const Network& net, const In* v, Out* out) {
  subtree_sum(net, v, out);
}

/// The most level columns volumes() makes: a column above the network's height is all
/// zeros and takes no memory, but more than this many cannot be a table anyone reads.
inline constexpr long long max_level_columns = 1LL << 20;
/// The most level values volumes() stores: the levels up to the network's height times
/// the participants (32 GiB of doubles).
inline constexpr long long max_level_values = 1LL << 32;

namespace detail {
/// "; the network's height is H, so levels above H are all zeros": the end of the levels
/// errors.
inline std::string above_height(const Network& net) {
  const std::string h = std::to_string(net.max_depth());
  return "; the network's height is " + h + ", so levels above " + h + " are all zeros";
}
/// The error of a request for more than max_level_columns levels (`levels` as written).
inline InputError too_many_levels(const Network& net, const std::string& levels) {
  return errors::bad_value("levels", "= " + levels + " is more than the " +
                                         std::to_string(max_level_columns) +
                                         " level columns a table can have" + above_height(net));
}
}  // namespace detail

/// How many of `levels` level columns can hold a non-zero value on `net`: those up to its
/// height (net.max_depth()); the others are zeros. InputError naming levels and the height
/// when levels < 0 or the table cannot be made (more than max_level_columns columns, or
/// more than max_level_values stored values).
inline int stored_levels(const Network& net, long long levels) {
  if (levels < 0) throw errors::bad_value("levels", "must be >= 0");
  if (levels > max_level_columns) throw detail::too_many_levels(net, std::to_string(levels));
  const long long stored = std::min<long long>(levels, net.max_depth());
  if (stored * static_cast<long long>(net.size()) > max_level_values)
    throw errors::bad_value("levels",
                            "= " + std::to_string(levels) + " on " + std::to_string(net.size()) +
                                " participants needs " + std::to_string(stored * net.size()) +
                                " level values, more than " + std::to_string(max_level_values) +
                                detail::above_height(net));
  return static_cast<int>(stored);
}

/// Level sums: out[(l - 1) * n + k] = sum of v over k's downline members at level l,
/// l = 1..levels: marked_level_sums() with every participant marked (one bottom-up pass;
/// the levels above the network's height are zeros).
inline void level_sums(const Network& net, const double* v, int levels, double* out) {
  const std::size_t un = static_cast<std::size_t>(net.size());
  const int stored = std::min<int>(std::max(levels, 0), net.max_depth());
  std::fill(out + un * static_cast<std::size_t>(stored), out + un * static_cast<std::size_t>(std::max(levels, 0)), 0.0);
  const auto one = [](index_t) { return 1; };
  const auto none = [](index_t) { return 0; };
  marked_level_sums(net, v, one, none, stored, [&](index_t k, const double* sums) {
    for (int l = 0; l < stored; ++l) out[static_cast<std::size_t>(l) * un + static_cast<std::size_t>(k)] = sums[l];
  });
}

/// Subtree sums of every column of a participants x columns matrix whose rows are in
/// the network's input row order; returns the same shape, same row order: subtree_sums()
/// of the columns in preorder (each column the same bits as subtree_sum of it alone).
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
  subtree_sums(net, pre.data(), pre.data(), static_cast<std::size_t>(values.cols()));
  RowMat out(values.rows(), values.cols());
  for (index_t r = 0; r < n; ++r) out.row(r) = pre.row(pos[r]);
  return out;
}

/// Per-category subtree sums: a participants x categories matrix, one-hot by `code`,
/// rolled up in one reverse pass. Row r (input row order) has category code[r] in
/// [0, n_categories) or a negative code for "no category"; it carries weight[r] (1 when
/// `weight` is null). out (n x n_categories, row-major, input row order) receives for
/// every participant the sum of the weights of each category over its subtree, the
/// participant included when include_self, else its downline only. Codes >=
/// n_categories raise InputError naming the rows.
template <class Code, class Out>
void category_sums(const Network& net, const Code* code, const double* weight, int n_categories,
                   bool include_self, Out* out) {
  const index_t n = net.size();
  const std::size_t un = static_cast<std::size_t>(n);
  if (n_categories < 0) throw errors::bad_value("n_categories", "must be >= 0");
  const std::size_t c = static_cast<std::size_t>(n_categories);
  std::vector<id_type> bad;
  for (index_t r = 0; r < n; ++r)
    if (code[r] >= 0 && static_cast<std::uint64_t>(code[r]) >= c) bad.push_back(r);
  if (!bad.empty())
    throw errors::listed(ErrorKind::bad_value,
                         "category code(s) >= " + std::to_string(c) + " at rows", std::move(bad));
  const index_t* pos = net.position_of_row().data();
  std::vector<Out> pre(un * c, Out{});
  for (index_t r = 0; r < n; ++r)
    if (code[r] >= 0)
      pre[static_cast<std::size_t>(pos[r]) * c + static_cast<std::size_t>(code[r])] =
          weight ? static_cast<Out>(weight[r]) : Out{1};
  subtree_sums(net, pre.data(), pre.data(), c);
  for (index_t r = 0; r < n; ++r) {
    const Out* src = pre.data() + static_cast<std::size_t>(pos[r]) * c;
    Out* dst = out + static_cast<std::size_t>(r) * c;
    std::copy(src, src + c, dst);
    if (!include_self && code[r] >= 0)
      dst[static_cast<std::size_t>(code[r])] -= weight ? static_cast<Out>(weight[r]) : Out{1};
  }
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

/// Level volumes of every participant in preorder: a table of `levels` columns of which
/// only the first `stored` (up to the network's height) are kept; the others are zeros.
struct LevelVolumes {
  int levels = 0;        ///< columns asked for
  int stored = 0;        ///< min(levels, the network's height)
  std::size_t n = 0;     ///< participants
  Array<double> values;  ///< level-major: values[(l - 1) * n + k] for l <= stored
  /// Level l (1..levels) of position k at i = (l - 1) * n + k, as in a full level-major table.
  double operator[](std::size_t i) const noexcept { return i < values.size() ? values[i] : 0.0; }
  /// Level l's n values, or null for a level above `stored` (all zeros).
  const double* column(int l) const noexcept {
    return l >= 1 && l <= stored ? values.data() + static_cast<std::size_t>(l - 1) * n : nullptr;
  }
};

/// Every participant's volumes; all arrays are per participant in preorder.
struct VolumeTable {
  int levels = 0;
  Array<double> pv, gv, power_leg, lesser_legs;
  LevelVolumes level;  ///< level[(l - 1) * n + k]; level.column(l)
  Array<index_t> downline, active_downline, frontline, depth, height;
  Array<std::uint8_t> included, active;
};

namespace detail {
/// InputError when [start, end) reaches outside the days `act` was mapped for, while
/// overlapping them.
inline void check_period(const Activity& act, day_t start, day_t end) {
  if (std::max(start, act.window_start()) < std::min(end, act.window_end()) &&
      (start < act.window_start() || end > act.window_end()))
    throw InputError(ErrorKind::bad_value, "the period reaches outside the days this Activity was mapped for");
}
}  // namespace detail

/// PV, GV, level volumes, legs and counts for every participant (definitions in
/// docs/concepts.md), all in preorder.
inline VolumeTable volumes(const Network& net, const Activity& act, const VolumeOptions& opt = {}) {
  const detail::CallThreads threads;
  if (act.network_size() != net.size())
    throw InputError(ErrorKind::bad_value, "activity was mapped to another network");
  const int stored = stored_levels(net, opt.levels);
  if (opt.as_of && !net.has_enrolment())
    throw InputError(ErrorKind::bad_value, "as_of needs enrolment dates in the network");
  const index_t n = net.size();
  const std::size_t un = static_cast<std::size_t>(n);
  const index_t* parent = net.parents().data();
  VolumeTable t;
  t.levels = opt.levels;

  // Inclusion: enrolled on or before as_of, and so is the whole upline.
  if (opt.as_of)
    t.included = net.members_as_of(*opt.as_of);
  else
    t.included.assign(un, 1);

  // Personal volume in the period (and up to as_of).
  day_t end = opt.end;
  if (opt.as_of && *opt.as_of < max_day) end = std::min(end, static_cast<day_t>(*opt.as_of + 1));
  detail::check_period(act, opt.start, end);
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

  t.level.levels = opt.levels;
  t.level.stored = stored;
  t.level.n = un;
  t.level.values.resize(un * static_cast<std::size_t>(stored));
  level_sums(net, t.pv.data(), stored, t.level.values.data());

  // GV as subtree_sum gives it (the same bits as net.volumes(columns=["pv", "gv"]) and
  // net.rollup), then one reverse pass: when k is reached, its whole downline has been
  // added into it, so height[k] and the counts of k are final and can be added to its
  // sponsor.
  t.gv.resize(un);
  subtree_sum(net, t.pv.data(), t.gv.data());
  t.downline.assign(un, 0);
  t.active_downline.assign(un, 0);
  t.frontline.assign(un, 0);
  t.height.assign(un, 0);
  t.power_leg.assign(un, -std::numeric_limits<double>::infinity());
  double* gv = t.gv.data();
  index_t *down = t.downline.data(), *adown = t.active_downline.data();
  index_t *front = t.frontline.data(), *height = t.height.data();
  double* power = t.power_leg.data();
  const std::uint8_t *inc = t.included.data(), *act_flag = t.active.data();
  for (index_t k = n; k-- > 0;) {
    const index_t p = parent[k];
    if (p == npos) continue;
    down[p] += down[k] + inc[k];
    adown[p] += adown[k] + act_flag[k];
    if (inc[k]) {
      ++front[p];
      height[p] = std::max(height[p], height[k] + 1);
      power[p] = std::max(power[p], gv[k]);
    }
  }
  t.depth = net.depths();
  t.lesser_legs.resize(un);
  for (index_t k = 0; k < n; ++k) {
    if (front[k] == 0) power[k] = 0.0;
    t.lesser_legs[k] = gv[k] - t.pv[k] - power[k];
  }
  return t;
}

/// The columns of the volumes table, as bit flags (volumes_by_row()).
struct VolumeColumns {
  static constexpr unsigned pv = 1, gv = 2, levels = 4, power_leg = 8, lesser_legs = 16,
                            downline = 32, active_downline = 64, frontline = 128, depth = 256,
                            height = 512, active = 1024, all = 2047;
};

/// One result column in input row order: `size` values written once (no zero-filling
/// first; on huge pages when large). Empty when the column was not asked for.
template <class T>
struct RowColumn {
  detail::ScratchBuffer<T> values;
  std::size_t size = 0;
  const T* data() const noexcept { return values.get(); }
  bool empty() const noexcept { return !values; }
};

/// The volumes table in input row order, as volumes_by_row() gives it.
struct VolumeRows {
  /// Whether the table has every input row, in input order; when as_of leaves anyone out,
  /// `rows` holds the input rows in the table, ascending (the participants enrolled by then).
  bool every_row = true;
  Array<index_t> rows;
  int levels = 0;  ///< level columns asked for
  RowColumn<double> pv, gv, power_leg, lesser_legs;
  /// level[l - 1] for the levels up to the network's height (the others are all zeros).
  std::vector<RowColumn<double>> level;
  RowColumn<index_t> downline, active_downline, frontline, depth, height;
  RowColumn<std::uint8_t> active;
};

namespace detail {
/// `pre` (in preorder) gathered into input row order, every row or only `t.rows`; on every
/// thread.
template <class T>
RowColumn<T> gather_rows(const Network& net, const VolumeRows& t, const T* pre) {
  const Array<index_t>& rows = t.rows;
  RowColumn<T> c;
  c.size = t.every_row ? static_cast<std::size_t>(net.size()) : rows.size();
  c.values = scratch_buffer<T>(c.size);
  if (t.every_row) {
    net.preorder_to_rows(pre, c.values.get());
  } else {
    const index_t* pos = net.position_of_row().data();
    T* out = c.values.get();
    parallel_for(c.size, std::size_t{1} << 16, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) out[i] = pre[pos[rows[i]]];
    });
  }
  return c;
}
}  // namespace detail

namespace detail {
/// PV and GV alone as of a date: the members' PV in the period (the others' zeroed) and
/// its rollup, gathered for the members' rows; the same bits as volumes().
inline VolumeRows pv_gv_as_of(const Network& net, const Activity& act, const VolumeOptions& opt, bool pv, bool gv) {
  if (!net.has_enrolment()) throw InputError(ErrorKind::bad_value, "as_of needs enrolment dates in the network");
  const std::size_t n = static_cast<std::size_t>(net.size());
  VolumeRows out;
  out.levels = opt.levels;
  const Array<std::uint8_t> included = net.members_as_of(*opt.as_of);
  const day_t end = *opt.as_of < max_day ? std::min(opt.end, static_cast<day_t>(*opt.as_of + 1)) : opt.end;
  check_period(act, opt.start, end);
  ScratchBuffer<double> pre = scratch_buffer<double>(n);  // PV in preorder, then GV (in place)
  act.personal_volume(opt.start, end, pre.get(), nullptr);
  for (std::size_t k = 0; k < n; ++k)
    if (!included[k]) pre[k] = 0.0;
  const index_t* pos = net.position_of_row().data();
  for (index_t r = 0; r < net.size(); ++r)
    if (included[pos[r]]) out.rows.push_back(r);
  out.every_row = out.rows.size() == n;
  if (out.every_row) out.rows.clear();
  if (pv) out.pv = gather_rows(net, out, pre.get());
  if (gv) {
    subtree_sum(net, pre.get(), pre.get());
    out.gv = gather_rows(net, out, pre.get());
  }
  return out;
}
}  // namespace detail

/// PV and GV by period, written into caller-owned columns of n values in input row order
/// (`pv` and `gv`, each null when not wanted; period p's column at + p * n): the period
/// [bounds[p], bounds[p + 1]), with enrolment dates the network as of its last day
/// (members only; NaN for the others), as volumes_by_row gives them, the same bits.
/// Each period reads its own orders once; no per-period table is made.
inline void pv_gv_series(const Network& net, const Activity& act, const std::vector<day_t>& bounds, double* pv,
                         double* gv) {
  const detail::CallThreads threads;
  if (act.network_size() != net.size()) throw InputError(ErrorKind::bad_value, "activity was mapped to another network");
  const std::size_t n = static_cast<std::size_t>(net.size());
  const index_t* pos = net.position_of_row().data();
  const Array<day_t> first = net.first_member_days();  // empty: everyone in every period
  detail::ScratchBuffer<double> pre = detail::scratch_buffer<double>(n);  // PV in preorder, then GV (in place)
  const auto put = [&](day_t last, double* to) {  // preorder -> rows; NaN outside
    detail::parallel_for(n, std::size_t{1} << 16, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t r = b; r < e; ++r) {
        const index_t k = pos[r];
        to[r] = first.empty() || first[k] <= last ? pre[k] : std::numeric_limits<double>::quiet_NaN();
      }
    });
  };
  for (std::size_t p = 0; p + 1 < bounds.size(); ++p) {
    const day_t start = bounds[p], end = bounds[p + 1], last = end - 1;
    if (start >= end) throw InputError(ErrorKind::bad_value, "period bounds must be increasing");
    detail::check_period(act, start, end);
    act.personal_volume(start, end, pre.get(), nullptr);
    if (!first.empty())
      for (std::size_t k = 0; k < n; ++k)
        if (first[k] > last) pre[k] = 0.0;
    if (pv) put(last, pv + p * n);
    if (gv) {
      subtree_sum(net, pre.get(), pre.get());
      put(last, gv + p * n);
    }
  }
}

/// The volumes table's `columns` (VolumeColumns flags) in input row order, each gathered
/// once. PV and GV alone take a shorter road: without as_of, PV straight into row order
/// (both orders from one pass over the period's orders when both are asked for), GV
/// rolled up in place; as of a date, the members' PV rolled up (pv_gv_as_of); nothing
/// else computed, the same bits as volumes().
inline VolumeRows volumes_by_row(const Network& net, const Activity& act,
                                 const VolumeOptions& opt, unsigned columns = VolumeColumns::all) {
  const detail::CallThreads threads;
  const auto wanted = [&](unsigned c) { return (columns & c) != 0; };
  const std::size_t n = static_cast<std::size_t>(net.size());
  VolumeRows out;
  out.levels = opt.levels;
  if ((columns & ~(VolumeColumns::pv | VolumeColumns::gv)) == 0) {
    if (act.network_size() != net.size())
      throw InputError(ErrorKind::bad_value, "activity was mapped to another network");
    if (opt.as_of) return detail::pv_gv_as_of(net, act, opt, wanted(VolumeColumns::pv), wanted(VolumeColumns::gv));
    const index_t* row = net.row_of_position().data();
    detail::ScratchBuffer<double> pre;  // PV in preorder, then GV (in place)
    if (wanted(VolumeColumns::pv)) {
      out.pv.size = n;
      out.pv.values = detail::scratch_buffer<double>(n);
    }
    if (wanted(VolumeColumns::pv) && wanted(VolumeColumns::gv)) {
      pre = detail::scratch_buffer<double>(n);
      act.personal_volume_twice(opt.start, opt.end, row, pre.get(), out.pv.values.get());
    } else if (wanted(VolumeColumns::pv)) {
      act.personal_volume_to(opt.start, opt.end, row, out.pv.values.get());
    } else if (wanted(VolumeColumns::gv)) {
      pre = detail::scratch_buffer<double>(n);
      act.personal_volume(opt.start, opt.end, pre.get(), nullptr);
    }
    if (wanted(VolumeColumns::gv)) {
      subtree_sum(net, pre.get(), pre.get());
      out.gv = detail::gather_rows(net, out, pre.get());
    }
    return out;
  }
  const VolumeTable t = volumes(net, act, opt);
  if (opt.as_of) {
    const index_t* pos = net.position_of_row().data();
    for (index_t r = 0; r < net.size(); ++r)
      if (t.included[pos[r]]) out.rows.push_back(r);
    out.every_row = out.rows.size() == n;
    if (out.every_row) out.rows.clear();
  }
  const auto put = [&](unsigned c, auto& column, const auto& pre) {
    if (wanted(c)) column = detail::gather_rows(net, out, pre.data());
  };
  put(VolumeColumns::pv, out.pv, t.pv);
  put(VolumeColumns::gv, out.gv, t.gv);
  if (wanted(VolumeColumns::levels))
    for (int l = 1; l <= t.level.stored; ++l)
      out.level.push_back(detail::gather_rows(net, out, t.level.column(l)));
  put(VolumeColumns::power_leg, out.power_leg, t.power_leg);
  put(VolumeColumns::lesser_legs, out.lesser_legs, t.lesser_legs);
  put(VolumeColumns::downline, out.downline, t.downline);
  put(VolumeColumns::active_downline, out.active_downline, t.active_downline);
  put(VolumeColumns::frontline, out.frontline, t.frontline);
  put(VolumeColumns::depth, out.depth, t.depth);
  put(VolumeColumns::height, out.height, t.height);
  put(VolumeColumns::active, out.active, t.active);
  return out;
}

}  // namespace downline
