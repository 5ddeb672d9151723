// RFM (recency, frequency, monetary) scores and rule-table segments of every customer at
// once, from an order summary (DOMAIN.md "RFM").
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

/// The values at the given ascending positions (order statistics) of n values, without
/// sorting: a histogram of the keys' leading bits finds each position's bucket, then
/// nth_element runs inside those few buckets only.
template <class T, std::size_t K>
std::array<T, K> order_statistics(const T* values, std::size_t n,
                                  const std::array<std::size_t, K>& at) {
  std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = order_key(values[i]);
    lo = std::min(lo, k);
    hi = std::max(hi, k);
  }
  unsigned shift = 0;
  while (((hi - lo) >> shift) >= (std::uint64_t{1} << 16)) ++shift;
  std::vector<std::size_t> start(static_cast<std::size_t>((hi - lo) >> shift) + 2, 0);
  for (std::size_t i = 0; i < n; ++i)
    ++start[static_cast<std::size_t>((order_key(values[i]) - lo) >> shift) + 1];
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

}  // namespace detail

/// Quantile scores 1..5 of n values (no NaN) with the tie rule "equal values, equal
/// scores": a value's score is 1 + floor(5 w / n), w = how many values are strictly worse.
/// So 5 means that at least 80 % of the values are strictly worse, and ties never split
/// across scores (a score may stay empty).
///
/// No sort: floor(5 w / n) >= s exactly when w >= t_s = ceil(s n / 5), and "at least t
/// values are strictly smaller than x" is "the t-th smallest value is < x" (for lower is
/// better, "the t-th largest is > x"), so four order statistics give every score.
template <class T>
void quantile_scores(const T* values, std::size_t n, Better better, std::int64_t* out) {
  if (n == 0) return;
  const bool higher = better == Better::higher;
  std::array<std::size_t, 4> at{};  // ascending positions of the four cuts
  for (std::size_t s = 1; s <= 4; ++s) {
    const std::size_t t = (s * n + 4) / 5;  // ceil(s n / 5), 1 <= t <= n
    at[s - 1] = higher ? t - 1 : n - t;
  }
  const std::array<T, 4> cut = detail::order_statistics(values, n, at);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t score = 1;
    const std::uint64_t k = detail::order_key(values[i]);
    for (const T& c : cut) score += higher ? detail::order_key(c) < k : k < detail::order_key(c);
    out[i] = score;
  }
}

/// Scores 1..5 by 4 increasing cut points. Higher is better (F, M): 1 below edges[0], 2
/// from it, ..., 5 from edges[3] on. Lower is better (R): 5 up to edges[0] (inclusive), 4 up
/// to edges[1], ..., 1 above edges[3].
template <class T>
void cut_scores(const T* values, std::size_t n, const std::array<double, 4>& edges, Better better,
                std::int64_t* out) {
  detail::check_cut_points(edges);
  for (std::size_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(values[i]);
    std::int64_t k = 0;
    if (better == Better::higher) {
      for (double e : edges) k += e <= v;
      out[i] = 1 + k;
    } else {
      for (double e : edges) k += e < v;
      out[i] = 5 - k;
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
  Array<std::int8_t> r, f, m;        ///< scores 1..5
  Array<std::int8_t> score;          ///< (R - 1) * 25 + (F - 1) * 5 + (M - 1): "111".."555"
  Array<std::int16_t> segment;
};

/// RFM of n customers from their distinct order days, last order day and amount (the
/// columns of an OrderSummary made with OrderRows::positive: refunds reduce the amount but
/// are not orders) as of `as_of`. Scores rank the customers with an order among themselves.
/// The three letters are scored in parallel; recency ranks as the last order day does
/// (lower recency is a later last day), so it is scored from `last` directly.
inline RfmScores rfm_scores(const std::int32_t* days, const day_t* last, const double* amount,
                            std::size_t n, day_t as_of, const RfmOptions& opt) {
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
  // The customers with an order; when that is everyone (the usual case), no gathering.
  const std::size_t nb =
      static_cast<std::size_t>(std::count_if(days, days + n, [](std::int32_t d) { return d > 0; }));
  const bool all = nb == n;
  std::vector<std::uint32_t> buyer;  // listed only when some customer has no order
  if (!all)
    for (std::size_t i = 0; i < n; ++i)
      if (days[i] > 0) buyer.push_back(static_cast<std::uint32_t>(i));
  std::vector<day_t> g_last;
  std::vector<std::int32_t> g_days;
  std::vector<double> g_money;
  if (!all) {
    g_last.resize(nb);
    g_days.resize(nb);
    g_money.resize(nb);
    for (std::size_t j = 0; j < nb; ++j) {
      g_last[j] = last[buyer[j]];
      g_days[j] = days[buyer[j]];
      g_money[j] = amount[buyer[j]];
    }
  }
  const day_t* L = all ? last : g_last.data();
  const std::int32_t* D = all ? days : g_days.data();
  const double* A = all ? amount : g_money.data();
  // One letter: scores of the buyers, then spread to every customer (0 = no order).
  auto letter = [&](std::size_t k, Array<std::int8_t>& to) {
    std::vector<std::int64_t> sc(nb);
    if (k == 0) {  // R: from recency = as_of - last for cut points (days), from last for quantiles
      if (opt.cuts[0]) {
        std::vector<std::int64_t> rec(nb);
        for (std::size_t j = 0; j < nb; ++j) rec[j] = static_cast<std::int64_t>(as_of) - L[j];
        cut_scores(rec.data(), nb, *opt.cuts[0], Better::lower, sc.data());
      } else {
        quantile_scores(L, nb, Better::higher, sc.data());
      }
    } else if (k == 1) {
      if (opt.cuts[1])
        cut_scores(D, nb, *opt.cuts[1], Better::higher, sc.data());
      else
        quantile_scores(D, nb, Better::higher, sc.data());
    } else {
      if (opt.cuts[2])
        cut_scores(A, nb, *opt.cuts[2], Better::higher, sc.data());
      else
        quantile_scores(A, nb, Better::higher, sc.data());
    }
    if (all) {
      for (std::size_t i = 0; i < n; ++i) to[i] = static_cast<std::int8_t>(sc[i]);
    } else {
      std::fill(to.begin(), to.end(), std::int8_t{0});
      for (std::size_t j = 0; j < nb; ++j) to[buyer[j]] = static_cast<std::int8_t>(sc[j]);
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
