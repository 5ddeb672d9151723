// Kaplan-Meier survival tables for many groups in one call (DOMAIN.md "Retention").
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"

namespace downline {

/// One row per (group, distinct time) found in that group: groups ascending, times
/// ascending within a group; rows of group g are [group_start[g], group_start[g + 1]).
/// Counts are sums of weights (1 per subject without weights).
struct SurvivalTable {
  std::vector<std::int32_t> group;
  std::vector<double> time;
  std::vector<double> at_risk;   ///< subjects whose duration is >= time
  std::vector<double> observed;  ///< events at time
  std::vector<double> censored;  ///< censorings at time
  /// S(time) = product over event times t_i <= time of (1 - d_i / n_i).
  std::vector<double> survival;
  /// Greenwood's sum over event times t_i <= time of d_i / (n_i (n_i - d_i)); infinite once
  /// every subject at risk had the event (n_i == d_i), where S is 0. Var S = S^2 * sum.
  std::vector<double> greenwood;
  std::vector<std::int64_t> group_start;  ///< n_groups + 1 offsets into the rows
};

namespace detail {
/// A subject in a group: its time and its weight, negative when censored.
struct TimeWeight {
  double time;
  double signed_weight;
};
}  // namespace detail

/// Kaplan-Meier tables of n subjects: duration `time[i]` (finite, >= 0), `event[i]` (1 =
/// the event was observed, 0 = censored at time[i]), `group[i]` in [0, n_groups) (null: all
/// in group 0) and `weight[i]` (finite, > 0; null: 1 each). A subject censored at t_i is
/// at risk at t_i. Groups are computed in parallel; each group by one thread, in sorted
/// time order, so results do not depend on the thread count. Bad values raise InputError
/// naming the rows.
inline SurvivalTable kaplan_meier(const double* time, const std::uint8_t* event,
                                  const std::int32_t* group, const double* weight, std::size_t n,
                                  std::size_t n_groups) {
  if (group == nullptr) n_groups = 1;
  if (n_groups == 0 && n > 0) throw InputError(ErrorKind::bad_value, "kaplan_meier: no groups");
  if (n_groups >= (std::size_t{1} << 31))
    throw InputError(ErrorKind::bad_value, "kaplan_meier: at most 2^31 - 1 groups");
  // 1. Checks, and subjects per group.
  std::vector<std::int64_t> start(n_groups + 1, 0);
  {
    std::vector<id_type> bad_time, bad_weight, bad_group;
    for (std::size_t i = 0; i < n; ++i) {
      if (!(std::isfinite(time[i]) && time[i] >= 0.0)) bad_time.push_back(static_cast<id_type>(i));
      if (weight != nullptr && !(std::isfinite(weight[i]) && weight[i] > 0.0))
        bad_weight.push_back(static_cast<id_type>(i));
      const std::int64_t g = group ? group[i] : 0;
      if (g < 0 || static_cast<std::size_t>(g) >= n_groups)
        bad_group.push_back(static_cast<id_type>(i));
      else
        ++start[static_cast<std::size_t>(g) + 1];
    }
    auto fail = [](std::vector<id_type>& rows, const char* what) {
      if (rows.empty()) return;
      const std::string msg = std::to_string(rows.size()) + " duration(s) with " + what +
                              " at rows " + detail::list_values(rows);
      throw InputError(ErrorKind::bad_value, msg, std::move(rows));
    };
    fail(bad_time, "a missing, infinite or negative time");
    fail(bad_weight, "a missing, infinite or non-positive weight");
    fail(bad_group, "a group code out of range");
  }
  for (std::size_t g = 0; g < n_groups; ++g) start[g + 1] += start[g];

  // 2. Subjects by group (stable), then each group sorted by time and walked once.
  std::vector<detail::TimeWeight> rec(n);
  {
    std::vector<std::int64_t> next(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      const double w = weight ? weight[i] : 1.0;
      const std::size_t g = group ? static_cast<std::size_t>(group[i]) : 0;
      rec[static_cast<std::size_t>(next[g]++)] = {time[i], event[i] ? w : -w};
    }
  }
  struct Rows {
    std::vector<double> time, observed, censored;
  };
  std::vector<Rows> per_group(n_groups);
  detail::parallel_for(n_groups, 1, [&](std::size_t, std::size_t gb, std::size_t ge) {
    for (std::size_t g = gb; g < ge; ++g) {
      detail::TimeWeight* b = rec.data() + start[g];
      detail::TimeWeight* e = rec.data() + start[g + 1];
      std::sort(b, e, [](const detail::TimeWeight& x, const detail::TimeWeight& y) {
        return x.time < y.time || (x.time == y.time && x.signed_weight < y.signed_weight);
      });
      Rows& rows = per_group[g];
      for (const detail::TimeWeight* r = b; r != e; ++r) {
        if (rows.time.empty() || rows.time.back() != r->time) {
          rows.time.push_back(r->time);
          rows.observed.push_back(0.0);
          rows.censored.push_back(0.0);
        }
        if (r->signed_weight > 0)
          rows.observed.back() += r->signed_weight;
        else
          rows.censored.back() -= r->signed_weight;
      }
    }
  });

  // 3. One table: at risk as suffix sums of removals (no drift from repeated
  //    subtraction), then S and Greenwood's sum forward.
  SurvivalTable out;
  out.group_start.assign(n_groups + 1, 0);
  for (std::size_t g = 0; g < n_groups; ++g)
    out.group_start[g + 1] =
        out.group_start[g] + static_cast<std::int64_t>(per_group[g].time.size());
  const std::size_t rows = static_cast<std::size_t>(out.group_start[n_groups]);
  out.group.resize(rows);
  out.time.resize(rows);
  out.at_risk.resize(rows);
  out.observed.resize(rows);
  out.censored.resize(rows);
  out.survival.resize(rows);
  out.greenwood.resize(rows);
  constexpr double inf = std::numeric_limits<double>::infinity();
  detail::parallel_for(n_groups, 1, [&](std::size_t, std::size_t gb, std::size_t ge) {
    for (std::size_t g = gb; g < ge; ++g) {
      const Rows& r = per_group[g];
      const std::size_t o = static_cast<std::size_t>(out.group_start[g]);
      const std::size_t m = r.time.size();
      double risk = 0.0;
      for (std::size_t j = m; j-- > 0;) {
        risk += r.observed[j] + r.censored[j];
        out.at_risk[o + j] = risk;
      }
      double s = 1.0, gw = 0.0;
      for (std::size_t j = 0; j < m; ++j) {
        const double nj = out.at_risk[o + j], dj = r.observed[j];
        if (dj > 0.0) {
          s *= 1.0 - dj / nj;
          gw = nj > dj ? gw + dj / (nj * (nj - dj)) : inf;
        }
        out.group[o + j] = static_cast<std::int32_t>(g);
        out.time[o + j] = r.time[j];
        out.observed[o + j] = dj;
        out.censored[o + j] = r.censored[j];
        out.survival[o + j] = s;
        out.greenwood[o + j] = gw;
      }
    }
  });
  return out;
}

}  // namespace downline
