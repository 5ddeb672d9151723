// RFM (recency, frequency, monetary) scores and rule-table segments of every customer at
// once, from an order summary (docs/concepts.md "RFM").
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include "date.hpp"
#include "error.hpp"
#include "segment.hpp"

namespace downline {

/// Which way a value is better: R (recency) is better when lower, F and M when higher.
enum class Better : std::uint8_t { lower, higher };

namespace detail {

/// Order-preserving unsigned key of a value (no NaN; -0.0 and 0.0 get the same key).
template <class T>
std::uint64_t order_key(T x) noexcept {
  constexpr std::uint64_t sign = std::uint64_t{1} << 63;
  if constexpr (std::is_floating_point_v<T>) {
    const double d = static_cast<double>(x) + 0.0;  // -0.0 -> 0.0
    std::uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    return (bits & sign) ? ~bits : bits | sign;
  } else {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(x)) ^ sign;
  }
}

/// The values at the given ascending positions (order statistics) of the values i < n with
/// keep(i), without sorting: a histogram of the keys' leading bits finds each position's
/// bucket, then nth_element runs inside those few buckets only.
template <class T, std::size_t K, class Keep>
std::array<T, K> order_statistics(const T* values, std::size_t n,
                                  const std::array<std::size_t, K>& at, Keep keep) {
  std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!keep(i)) continue;
    const std::uint64_t k = order_key(values[i]);
    lo = std::min(lo, k);
    hi = std::max(hi, k);
  }
  unsigned shift = 0;
  while (((hi - lo) >> shift) >= (std::uint64_t{1} << 16)) ++shift;
  std::vector<std::size_t> start(static_cast<std::size_t>((hi - lo) >> shift) + 2, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (keep(i)) ++start[static_cast<std::size_t>((order_key(values[i]) - lo) >> shift) + 1];
  for (std::size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
  std::array<std::size_t, K> bucket{};
  for (std::size_t q = 0; q < K; ++q)  // the bucket holding position at[q]
    bucket[q] = static_cast<std::size_t>(std::upper_bound(start.begin(), start.end(), at[q]) -
                                         start.begin() - 1);
  std::array<T, K> out{};
  if constexpr (std::is_integral_v<T>) {
    if (shift == 0) {  // one value per bucket: the bucket is the value
      for (std::size_t q = 0; q < K; ++q)
        out[q] =
            static_cast<T>(static_cast<std::int64_t>((lo + bucket[q]) ^ (std::uint64_t{1} << 63)));
      return out;
    }
  }
  // the values of the (at most K) buckets needed, gathered in one pass
  std::array<std::vector<T>, K> in;
  std::array<std::size_t, K> slot{};
  std::size_t used = 0;
  for (std::size_t q = 0; q < K; ++q) {
    slot[q] = used;
    for (std::size_t r = 0; r < q; ++r)
      if (bucket[r] == bucket[q]) slot[q] = slot[r];
    if (slot[q] == used) {
      in[used].reserve(start[bucket[q] + 1] - start[bucket[q]]);
      ++used;
    }
  }
  std::array<std::size_t, K> wanted{};
  for (std::size_t q = 0; q < K; ++q) wanted[slot[q]] = bucket[q];
  for (std::size_t i = 0; i < n; ++i) {
    if (!keep(i)) continue;
    const std::size_t b = static_cast<std::size_t>((order_key(values[i]) - lo) >> shift);
    for (std::size_t u = 0; u < used; ++u)
      if (b == wanted[u]) in[u].push_back(values[i]);
  }
  for (std::size_t q = 0; q < K; ++q) {
    std::vector<T>& v = in[slot[q]];
    const auto nth = v.begin() + static_cast<std::ptrdiff_t>(at[q] - start[bucket[q]]);
    std::nth_element(v.begin(), nth, v.end(), [](T x, T y) { return order_key(x) < order_key(y); });
    out[q] = *nth;
  }
  return out;
}

inline void check_cut_points(const std::array<double, 4>& edges) {
  for (std::size_t k = 0; k < 4; ++k)
    if (!std::isfinite(edges[k]) || (k > 0 && !(edges[k] > edges[k - 1])))
      throw InputError(ErrorKind::bad_value, "cut points must be 4 increasing finite numbers");
}

/// quantile_scores() of the `kept` values i < n with keep(i), ranked among themselves; the
/// others score 0. No gathering: the values are read in place.
template <class T, class Out, class Keep>
void quantile_scores_if(const T* values, std::size_t n, std::size_t kept, Better better, Out* out,
                        Keep keep) {
  if (kept == 0) {
    std::fill(out, out + n, Out{0});
    return;
  }
  const bool higher = better == Better::higher;
  std::array<std::size_t, 4> at{};  // ascending positions of the four cuts
  for (std::size_t s = 1; s <= 4; ++s) {
    const std::size_t t = (s * kept + 4) / 5;  // ceil(s kept / 5), 1 <= t <= kept
    at[s - 1] = higher ? t - 1 : kept - t;
  }
  const std::array<T, 4> cut = order_statistics(values, n, at, keep);
  for (std::size_t i = 0; i < n; ++i) {
    int score = 1;
    const std::uint64_t k = order_key(values[i]);
    for (const T& c : cut) score += higher ? order_key(c) < k : k < order_key(c);
    out[i] = static_cast<Out>(keep(i) ? score : 0);
  }
}

}  // namespace detail

/// Quantile scores 1..5 of n values (no NaN) with the tie rule "equal values, equal
/// scores": a value's score is 1 + floor(5 w / n), w = how many values are strictly worse.
/// So 5 means that at least 80 % of the values are strictly worse, and ties never split
/// across scores (a score may stay empty).
///
/// No sort: floor(5 w / n) >= s exactly when w >= t_s = ceil(s n / 5), and "at least t
/// values are strictly smaller than x" is "the t-th smallest value is < x" (for lower is
/// better, "the t-th largest is > x"), so four order statistics give every score.
template <class T, class Out>
void quantile_scores(const T* values, std::size_t n, Better better, Out* out) {
  detail::quantile_scores_if(values, n, n, better, out, [](std::size_t) { return true; });
}

/// Scores 1..5 by 4 increasing cut points. Higher is better (F, M): 1 below edges[0], 2
/// from it, ..., 5 from edges[3] on. Lower is better (R): 5 up to edges[0] (inclusive), 4 up
/// to edges[1], ..., 1 above edges[3].
template <class T, class Out>
void cut_scores(const T* values, std::size_t n, const std::array<double, 4>& edges, Better better,
                Out* out) {
  detail::check_cut_points(edges);
  for (std::size_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(values[i]);
    int k = 0;
    if (better == Better::higher) {
      for (double e : edges) k += e <= v;
      out[i] = static_cast<Out>(1 + k);
    } else {
      for (double e : edges) k += e < v;
      out[i] = static_cast<Out>(5 - k);
    }
  }
}

/// A segment rule: inclusive score ranges for R, F and M (1..5 each; [1, 5] matches anything).
struct RfmRule {
  std::array<std::int8_t, 3> lo{1, 1, 1}, hi{5, 5, 5};
};

/// How scores are made: cut points per letter (R, F, M; none = quantiles) and the rule
/// table, first match wins.
struct RfmOptions {
  std::array<std::optional<std::array<double, 4>>, 3> cuts;
  std::vector<RfmRule> rules;
};

/// Every customer's RFM values and scores. Customers without an order (days == 0) get
/// recency 0, scores 0, score -1 and segment -1 (missing); the others' segment is the
/// index of the first matching rule, or rules.size() for none.
struct RfmScores {
  Array<std::int64_t> recency;  ///< days from the last order day to as_of
  Array<std::int8_t> r, f, m;   ///< scores 1..5
  Array<std::int8_t> score;     ///< (R - 1) * 25 + (F - 1) * 5 + (M - 1): "111".."555"
  Array<std::int16_t> segment;
};

/// RFM of n customers from their distinct order days, last order day and amount (the
/// columns of an OrderSummary made with OrderRows::positive: refunds reduce the amount but
/// are not orders) as of `as_of`. Scores rank the customers with an order among themselves.
/// The three letters are scored in parallel; recency ranks as the last order day does
/// (lower recency is a later last day), so it is scored from `last` directly.
inline RfmScores rfm_scores(const std::int32_t* days, const day_t* last, const double* amount,
                            std::size_t n, day_t as_of, const RfmOptions& opt) {
  const detail::CallThreads threads;
  if (opt.rules.size() > 32000) throw InputError(ErrorKind::bad_value, "at most 32000 RFM rules");
  for (const RfmRule& rule : opt.rules)
    for (std::size_t k = 0; k < 3; ++k)
      if (rule.lo[k] < 1 || rule.hi[k] > 5 || rule.lo[k] > rule.hi[k])
        throw InputError(ErrorKind::bad_value, "RFM rule ranges must be within 1..5, low <= high");
  for (const auto& cuts : opt.cuts)
    if (cuts) detail::check_cut_points(*cuts);
  RfmScores out;
  out.recency.resize(n);
  out.r.resize(n);
  out.f.resize(n);
  out.m.resize(n);
  out.score.resize(n);
  out.segment.resize(n);
  // The customers with an order are scored among themselves, read in place (no gathered
  // copies: on fresh memory those cost more than the scoring); the others score 0.
  const std::size_t nb =
      static_cast<std::size_t>(std::count_if(days, days + n, [](std::int32_t d) { return d > 0; }));
  const auto buyer = [days](std::size_t i) { return days[i] > 0; };
  auto letter = [&](std::size_t k, Array<std::int8_t>& to) {
    std::int8_t* sc = to.data();
    const auto cuts = [&](const auto* values, const std::array<double, 4>& edges, Better better) {
      cut_scores(values, n, edges, better, sc);
      for (std::size_t i = 0; i < n; ++i)
        if (!buyer(i)) sc[i] = 0;
    };
    if (k == 0) {  // R: from recency = as_of - last for cut points (days), from last for quantiles
      if (opt.cuts[0]) {
        std::vector<std::int64_t> rec(n);
        for (std::size_t i = 0; i < n; ++i) rec[i] = static_cast<std::int64_t>(as_of) - last[i];
        cuts(rec.data(), *opt.cuts[0], Better::lower);
      } else {
        detail::quantile_scores_if(last, n, nb, Better::higher, sc, buyer);
      }
    } else if (k == 1) {
      if (opt.cuts[1])
        cuts(days, *opt.cuts[1], Better::higher);
      else
        detail::quantile_scores_if(days, n, nb, Better::higher, sc, buyer);
    } else {
      if (opt.cuts[2])
        cuts(amount, *opt.cuts[2], Better::higher);
      else
        detail::quantile_scores_if(amount, n, nb, Better::higher, sc, buyer);
    }
  };
  // M (doubles) costs about as much as R and F together: slices {R, F} and {M} on two threads.
  detail::parallel_for(3, 1, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k) letter(k, k == 0 ? out.r : k == 1 ? out.f : out.m);
  });
  // the first matching rule of each of the 125 score combinations
  std::array<std::int16_t, 125> first_rule;
  for (int c = 0; c < 125; ++c) {
    const std::array<int, 3> sc{c / 25 + 1, c / 5 % 5 + 1, c % 5 + 1};
    first_rule[static_cast<std::size_t>(c)] = static_cast<std::int16_t>(opt.rules.size());
    for (std::size_t q = 0; q < opt.rules.size(); ++q) {
      bool match = true;
      for (std::size_t k = 0; k < 3; ++k)
        match &= opt.rules[q].lo[k] <= sc[k] && sc[k] <= opt.rules[q].hi[k];
      if (match) {
        first_rule[static_cast<std::size_t>(c)] = static_cast<std::int16_t>(q);
        break;
      }
    }
  }
  detail::parallel_for(n, std::size_t{1} << 16, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      if (days[i] > 0) {
        const int c = (out.r[i] - 1) * 25 + (out.f[i] - 1) * 5 + (out.m[i] - 1);
        out.recency[i] = static_cast<std::int64_t>(as_of) - last[i];
        out.score[i] = static_cast<std::int8_t>(c);
        out.segment[i] = first_rule[static_cast<std::size_t>(c)];
      } else {
        out.recency[i] = 0;
        out.score[i] = -1;
        out.segment[i] = -1;
      }
    }
  });
  return out;
}

inline RfmScores rfm_scores(const OrderSummary& s, day_t as_of, const RfmOptions& opt) {
  return rfm_scores(s.days.data(), s.last.data(), s.amount.data(), s.days.size(), as_of, opt);
}

}  // namespace downline
