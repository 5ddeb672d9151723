// Kaplan-Meier survival tables for many groups in one call (docs/concepts.md "Retention").
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/buffer.hpp"
#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"

namespace downline {

/// One row per (group, distinct time) found in that group: groups ascending, times
/// ascending within a group; rows of group g are [group_start[g], group_start[g + 1]).
/// Counts are sums of weights (1 per subject without weights). The columns are Arrays
/// (vectors whose large storage is kept for reuse, see detail::huge_alloc).
struct SurvivalTable {
  Array<std::int32_t> group;
  Array<double> time;
  Array<double> at_risk;   ///< subjects whose duration is >= time
  Array<double> observed;  ///< events at time
  Array<double> censored;  ///< censorings at time
  /// S(time) = product over event times t_i <= time of (1 - d_i / n_i).
  Array<double> survival;
  /// Greenwood's sum over event times t_i <= time of d_i / (n_i (n_i - d_i)); infinite once
  /// every subject at risk had the event (n_i == d_i), where S is 0. Var S = S^2 * sum.
  Array<double> greenwood;
  Array<std::int64_t> group_start;  ///< n_groups + 1 offsets into the rows
  /// The distinct times of all the groups' rows, ascending: the common timeline.
  Array<double> distinct_time;
  /// time_code[r]: the position of time[r] in distinct_time (a row's time as a code, as
  /// pandas' MultiIndex holds it).
  Array<std::int32_t> time_code;
};

namespace detail {

/// A subject in a group: its time and its weight, negative when censored.
struct TimeWeight {
  double time;
  double signed_weight;
};

/// One group's distinct times (ascending) with the events and censorings at each.
struct KmRows {
  std::vector<double> time, observed, censored;
};

/// The checks every Kaplan-Meier entry point makes: times finite and >= 0, weights (when
/// given) finite and > 0; InputError names the rows. Returns 1 + the largest time when
/// every time is a whole number below 2^31 (durations in days), else 0. One parallel
/// pass; the rows are listed by a second pass only when some are bad. Times are double or
/// int32 (whole days, such as churn durations: no conversion).
template <class Time>
std::size_t km_check(const Time* time, const double* weight, std::size_t n) {
  static_assert(std::is_same<Time, double>::value || std::is_same<Time, std::int32_t>::value,
                "Kaplan-Meier times are double or int32");
  struct Part {
    bool whole = true, bad = false;
    double largest = 0.0;
  };
  auto bad_time = [&](std::size_t i) {
    const double t = static_cast<double>(time[i]);
    return !(std::isfinite(t) && t >= 0.0);
  };
  auto bad_weight = [&](std::size_t i) {
    return weight != nullptr && !(std::isfinite(weight[i]) && weight[i] > 0.0);
  };
  constexpr std::size_t grain = std::size_t{1} << 16;
  const std::size_t parts = parallel_parts(n, grain);
  std::vector<Part> part(parts);
  parallel_for_parts(n, parts, [&](std::size_t s, std::size_t b, std::size_t e) {
    Part p;
    for (std::size_t i = b; i < e; ++i) {
      const double t = static_cast<double>(time[i]);
      p.bad = p.bad || bad_time(i) || bad_weight(i);
      p.largest = t > p.largest ? t : p.largest;
      // a whole number below 2^31 (a conversion, not a call to floor())
      p.whole = p.whole && t >= 0.0 && t < 2147483647.0 &&
                static_cast<double>(static_cast<std::int32_t>(t)) == t;
    }
    part[s] = p;
  });
  Part all;
  for (const Part& p : part) {
    all.bad = all.bad || p.bad;
    all.whole = all.whole && p.whole;
    all.largest = std::max(all.largest, p.largest);
  }
  if (all.bad) {
    std::vector<id_type> times, weights;
    for (std::size_t i = 0; i < n; ++i) {
      if (bad_time(i))
        times.push_back(static_cast<id_type>(i));
      else if (bad_weight(i))
        weights.push_back(static_cast<id_type>(i));
    }
    auto fail = [](std::vector<id_type>& rows, const std::string& what) {
      if (!rows.empty())
        throw errors::listed(ErrorKind::bad_value, "duration(s) with " + what + " at rows",
                             std::move(rows));
    };
    fail(times, "a missing, infinite or negative time");
    fail(weights, "a missing, infinite or non-positive weight");
  }
  return all.whole && all.largest < 2147483647.0 ? static_cast<std::size_t>(all.largest) + 1 : 0;
}

/// Group codes in [0, n_groups), checked in one parallel pass; InputError names the rows
/// of the others.
inline void km_check_groups(const std::int32_t* group, std::size_t n, std::size_t n_groups) {
  constexpr std::size_t grain = std::size_t{1} << 16;
  auto bad = [&](std::size_t i) {
    return group[i] < 0 || static_cast<std::size_t>(group[i]) >= n_groups;
  };
  const std::size_t parts = parallel_parts(n, grain);
  std::vector<char> part(parts, 0);
  parallel_for_parts(n, parts, [&](std::size_t s, std::size_t b, std::size_t e) {
    bool any = false;
    for (std::size_t i = b; i < e; ++i) any = any || bad(i);
    part[s] = any;
  });
  if (std::find(part.begin(), part.end(), 1) == part.end()) return;
  std::vector<id_type> rows;
  for (std::size_t i = 0; i < n; ++i)
    if (bad(i)) rows.push_back(static_cast<id_type>(i));
  throw errors::listed(ErrorKind::bad_value, "duration(s) with a group code out of range at rows",
                       std::move(rows));
}

/// Sorts one group's records (by time, events first) and appends its rows.
inline void km_rows_sorted(TimeWeight* b, TimeWeight* e, KmRows& rows) {
  std::sort(b, e, [](const TimeWeight& x, const TimeWeight& y) {
    return x.time < y.time || (x.time == y.time && x.signed_weight < y.signed_weight);
  });
  for (const TimeWeight* r = b; r != e; ++r) {
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

/// One group's rows from event and censoring counts at the whole times 0..span-1.
inline void km_rows_counted(const std::uint32_t* observed, const std::uint32_t* censored,
                            std::size_t span, KmRows& rows) {
  for (std::size_t t = 0; t < span; ++t) {
    if ((observed[t] | censored[t]) == 0) continue;
    rows.time.push_back(static_cast<double>(t));
    rows.observed.push_back(static_cast<double>(observed[t]));
    rows.censored.push_back(static_cast<double>(censored[t]));
  }
}

/// A table addressed directly (one slot per whole-number time, or per (group, time))
/// beats sorting when it has at most this many slots for `items` items: twice the items
/// plus a constant that covers small inputs.
inline bool direct_table_pays(std::size_t slots, std::size_t items) noexcept {
  constexpr std::size_t per_item = 2, always = std::size_t{1} << 16;
  return slots <= per_item * items + always;
}

/// The distinct times of a table's rows and each row's code among them. With `span` > 0
/// every time is a whole number below span (km_check()): a table of the span when it is
/// not much larger than the rows; otherwise the times are sorted.
inline void km_timeline(SurvivalTable& t, std::size_t span) {
  const std::size_t rows = t.time.size();
  if (rows >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw InputError(ErrorKind::too_large, "kaplan_meier: more than 2^31 - 2 distinct times");
  t.time_code.resize(rows);
  if (span > 0 && direct_table_pays(span, rows)) {
    std::vector<std::int32_t> code(span, 0);
    for (double x : t.time) code[static_cast<std::size_t>(x)] = 1;
    std::int32_t next = 0;
    for (std::size_t d = 0; d < span; ++d) {
      if (code[d] == 0) continue;
      t.distinct_time.push_back(static_cast<double>(d));
      code[d] = next++;
    }
    for (std::size_t r = 0; r < rows; ++r)
      t.time_code[r] = code[static_cast<std::size_t>(t.time[r])];
    return;
  }
  t.distinct_time = t.time;
  std::sort(t.distinct_time.begin(), t.distinct_time.end());
  t.distinct_time.erase(std::unique(t.distinct_time.begin(), t.distinct_time.end()),
                        t.distinct_time.end());
  const auto b = t.distinct_time.begin(), e = t.distinct_time.end();
  parallel_for(rows, std::size_t{1} << 14, [&](std::size_t, std::size_t rb, std::size_t re) {
    for (std::size_t r = rb; r < re; ++r)
      t.time_code[r] = static_cast<std::int32_t>(std::lower_bound(b, e, t.time[r]) - b);
  });
}

/// The table of every group's rows: at risk as suffix sums of removals (no drift from
/// repeated subtraction), then S and Greenwood's sum forward; groups in parallel. `span`
/// as for km_timeline().
inline SurvivalTable km_table(const std::vector<KmRows>& per_group, std::size_t span) {
  const std::size_t n_groups = per_group.size();
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
  parallel_for(n_groups, 1, [&](std::size_t, std::size_t gb, std::size_t ge) {
    for (std::size_t g = gb; g < ge; ++g) {
      const KmRows& r = per_group[g];
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
  km_timeline(out, span);
  return out;
}

/// Whether whole-number times 0..span-1 of n subjects in `cells` (group, time) counters
/// are counted rather than sorted: unweighted (counts are exact integers, so the order
/// of counting does not matter), and not many more counters than subjects.
inline bool km_counting(std::size_t span, std::size_t cells, std::size_t n,
                        const double* weight) noexcept {
  return weight == nullptr && span > 0 && n < (std::size_t{1} << 32) && direct_table_pays(cells, n);
}

}  // namespace detail

/// Kaplan-Meier tables of n subjects: duration `time[i]` (finite, >= 0), `event[i]` (1 =
/// the event was observed, 0 = censored at time[i]), `group[i]` in [0, n_groups) (null: all
/// in group 0) and `weight[i]` (finite, > 0; null: 1 each). A subject censored at t_i is
/// at risk at t_i. Bad values raise InputError naming the rows.
///
/// Whole-number times without weights (durations in days) are counted: one pass over the
/// subjects into (group, day) counters, a slice of subjects per thread, then one pass
/// over the counters. Other inputs are grouped and each group is sorted by one thread.
/// Either way the results do not depend on the thread count.
template <class Time>
SurvivalTable kaplan_meier(const Time* time, const std::uint8_t* event, const std::int32_t* group,
                           const double* weight, std::size_t n, std::size_t n_groups) {
  const detail::CallThreads threads;
  if (group == nullptr) n_groups = 1;
  if (n_groups == 0 && n > 0) throw InputError(ErrorKind::bad_value, "kaplan_meier: no groups");
  if (n_groups >= (std::size_t{1} << 31))
    throw InputError(ErrorKind::bad_value, "kaplan_meier: at most 2^31 - 1 groups");
  const std::size_t span = detail::km_check(time, weight, n);
  if (group != nullptr) detail::km_check_groups(group, n, n_groups);
  auto group_of = [&](std::size_t i) -> std::size_t {
    return group ? static_cast<std::size_t>(group[i]) : 0;
  };
  std::vector<detail::KmRows> per_group(n_groups);
  constexpr std::size_t grain = std::size_t{1} << 16;

  if (detail::km_counting(span, n_groups * span, n, weight)) {
    // Counters [slice][group][time] for events and censorings; slice 0 gets the sums.
    const std::size_t cells = n_groups * span;
    const std::size_t slices = detail::parallel_parts(n, grain);
    // one block for both (from the block cache when it is large), zeroed in parallel
    detail::ScratchBuffer<std::uint32_t> counters =
        detail::filled_buffer<std::uint32_t>(2 * slices * cells, 0);
    std::uint32_t* const obs = counters.get();
    std::uint32_t* const cen = obs + slices * cells;
    detail::parallel_for_parts(n, slices, [&](std::size_t s, std::size_t b, std::size_t e) {
      std::uint32_t* o = obs + s * cells;
      std::uint32_t* c = cen + s * cells;
      for (std::size_t i = b; i < e; ++i) {
        const std::size_t at = group_of(i) * span + static_cast<std::size_t>(time[i]);
        ++(event[i] ? o : c)[at];
      }
    });
    detail::parallel_for(n_groups, 1, [&](std::size_t, std::size_t gb, std::size_t ge) {
      for (std::size_t g = gb; g < ge; ++g) {
        std::uint32_t* o = obs + g * span;
        std::uint32_t* c = cen + g * span;
        for (std::size_t s = 1; s < slices; ++s)
          for (std::size_t t = 0; t < span; ++t) {
            o[t] += obs[s * cells + g * span + t];
            c[t] += cen[s * cells + g * span + t];
          }
        detail::km_rows_counted(o, c, span, per_group[g]);
      }
    });
    return detail::km_table(per_group, span);
  }

  // Subjects by group (stable), then each group sorted by time and walked once.
  std::vector<std::int64_t> start(n_groups + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++start[group_of(i) + 1];
  for (std::size_t g = 0; g < n_groups; ++g) start[g + 1] += start[g];
  std::vector<detail::TimeWeight> rec(n);
  {
    std::vector<std::int64_t> next(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      const double w = weight ? weight[i] : 1.0;
      rec[static_cast<std::size_t>(next[group_of(i)]++)] = {static_cast<double>(time[i]),
                                                            event[i] ? w : -w};
    }
  }
  detail::parallel_for(n_groups, 1, [&](std::size_t, std::size_t gb, std::size_t ge) {
    for (std::size_t g = gb; g < ge; ++g)
      detail::km_rows_sorted(rec.data() + start[g], rec.data() + start[g + 1], per_group[g]);
  });
  return detail::km_table(per_group, span);
}

/// The form of Kaplan-Meier pointwise intervals, both from Greenwood's variance:
/// log-log (lifelines' and statsmodels' default) or log (R's default, capped at 1).
enum class KmInterval { log_log, log };

/// Greenwood standard errors of S and pointwise intervals, from a table's `survival` and
/// `greenwood` columns (n rows), `z` the normal quantile of 1 - alpha / 2, in parallel:
/// std_err = S sqrt(g) (NaN where g is infinite); log: S exp(-+z sqrt(g)), the upper bound
/// capped at 1; log-log: S ^ exp(+-z sqrt(g) / |log S|). Where S is 1 (no event yet) both
/// bounds are 1; where S is 0, NaN (no interval, as statsmodels and R).
inline void km_intervals(const double* survival, const double* greenwood, std::size_t n, double z,
                         KmInterval form, double* std_err, double* lower, double* upper) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  detail::parallel_for(n, std::size_t{1} << 15, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const double s = survival[i], g = greenwood[i], root = std::sqrt(g);
      std_err[i] = std::isinf(g) ? nan : s * root;
      double lo, hi;
      if (s == 1.0) {
        lo = hi = 1.0;
      } else if (s == 0.0) {
        lo = hi = nan;
      } else if (form == KmInterval::log) {
        lo = s * std::exp(-z * root);
        const double h = s * std::exp(z * root);
        hi = std::isnan(h) ? h : std::min(1.0, h);
      } else {
        const double se = root / std::abs(std::log(s));
        lo = std::pow(s, std::exp(z * se));
        hi = std::pow(s, std::exp(-z * se));
      }
      lower[i] = lo;
      upper[i] = hi;
    }
  });
}

/// Kaplan-Meier tables of subsets of n subjects given as index ranges: group g is the
/// subjects [begin[g], end[g]), and ranges may nest or overlap (in a network's preorder,
/// a leader's organisation is one range). Subjects as in kaplan_meier(); nothing is copied
/// per group but the records of a group that is sorted. Groups run in parallel.
template <class Time>
SurvivalTable kaplan_meier_ranges(const Time* time, const std::uint8_t* event, const double* weight,
                                  std::size_t n, const std::int64_t* begin, const std::int64_t* end,
                                  std::size_t n_groups) {
  const detail::CallThreads threads;
  if (n_groups >= (std::size_t{1} << 31))
    throw InputError(ErrorKind::bad_value, "kaplan_meier_ranges: at most 2^31 - 1 groups");
  {
    std::vector<id_type> bad;
    for (std::size_t g = 0; g < n_groups; ++g)
      if (begin[g] < 0 || begin[g] > end[g] || end[g] > static_cast<std::int64_t>(n))
        bad.push_back(static_cast<id_type>(g));
    if (!bad.empty())
      throw errors::listed(ErrorKind::bad_value,
                           "range(s) outside [0, " + std::to_string(n) + ") or reversed: groups",
                           std::move(bad));
  }
  const std::size_t span = detail::km_check(time, weight, n);
  std::vector<detail::KmRows> per_group(n_groups);
  detail::parallel_for(n_groups, 1, [&](std::size_t, std::size_t gb, std::size_t ge) {
    std::vector<std::uint32_t> obs, cen;
    std::vector<detail::TimeWeight> rec;
    for (std::size_t g = gb; g < ge; ++g) {
      const std::size_t b = static_cast<std::size_t>(begin[g]);
      const std::size_t e = static_cast<std::size_t>(end[g]);
      if (detail::km_counting(span, span, e - b, weight)) {
        obs.assign(span, 0);
        cen.assign(span, 0);
        for (std::size_t i = b; i < e; ++i)
          ++(event[i] ? obs : cen)[static_cast<std::size_t>(time[i])];
        detail::km_rows_counted(obs.data(), cen.data(), span, per_group[g]);
      } else {
        rec.resize(e - b);
        for (std::size_t i = b; i < e; ++i) {
          const double w = weight ? weight[i] : 1.0;
          rec[i - b] = {static_cast<double>(time[i]), event[i] ? w : -w};
        }
        detail::km_rows_sorted(rec.data(), rec.data() + rec.size(), per_group[g]);
      }
    }
  });
  return detail::km_table(per_group, span);
}

/// Drops the groups without rows from a table: the group codes of the rows and the
/// offsets are renumbered over the groups kept. Returns the old codes of the groups kept,
/// ascending (a caller's labels of the kept groups are labels[kept]).
inline std::vector<std::int64_t> drop_empty_groups(SurvivalTable& t) {
  const std::size_t n_groups = t.group_start.empty() ? 0 : t.group_start.size() - 1;
  std::vector<std::int64_t> kept;
  std::vector<std::int32_t> code(n_groups, -1);
  for (std::size_t g = 0; g < n_groups; ++g)
    if (t.group_start[g + 1] > t.group_start[g]) {
      code[g] = static_cast<std::int32_t>(kept.size());
      kept.push_back(static_cast<std::int64_t>(g));
    }
  if (kept.size() == n_groups) return kept;
  for (std::int32_t& g : t.group) g = code[static_cast<std::size_t>(g)];
  Array<std::int64_t> start(kept.size() + 1);
  start[0] = 0;
  for (std::size_t j = 0; j < kept.size(); ++j)
    start[j + 1] = t.group_start[static_cast<std::size_t>(kept[j]) + 1];
  t.group_start = std::move(start);
  return kept;
}

}  // namespace downline
