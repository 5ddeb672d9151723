// Deterministic sample data: see include/downline/sample.hpp.
#include "downline/sample.hpp"

#include <cmath>
#include <numeric>

namespace downline {
namespace {

/// xoshiro256** seeded by splitmix64: fast, portable, the same stream everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t next() {
    const std::uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>(uniform() * static_cast<double>(n));
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

/// Placement parents and sides (0 left, 1 right) by enrolment index: the k-th recruit of a
/// sponsor goes to side k % 2, below the last participant of the sponsor's outer leg there.
void place(const std::vector<std::int64_t>& sponsor, std::vector<std::int64_t>& parent,
           std::vector<std::uint8_t>& side) {
  const std::size_t n = sponsor.size();
  std::vector<std::int64_t> child(2 * n, -1), bottom(2 * n, -1);  // [node * 2 + side]
  std::vector<std::uint32_t> recruits(n, 0);
  parent.assign(n, -1);
  side.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (sponsor[i] < 0) continue;
    const auto s = static_cast<std::size_t>(sponsor[i]);
    const std::size_t k = s * 2 + (recruits[s]++ % 2);
    // the outer leg only grows at its end: walk on from where the last walk stopped
    std::int64_t at = bottom[k] < 0 ? static_cast<std::int64_t>(s) : bottom[k];
    const std::size_t d = k % 2;
    while (child[static_cast<std::size_t>(at) * 2 + d] >= 0) at = child[static_cast<std::size_t>(at) * 2 + d];
    child[static_cast<std::size_t>(at) * 2 + d] = static_cast<std::int64_t>(i);
    bottom[k] = static_cast<std::int64_t>(i);
    parent[i] = at;
    side[i] = static_cast<std::uint8_t>(d);
  }
}

}  // namespace

Sample make_sample(const SampleOptions& opt) {
  const auto n = static_cast<std::size_t>(opt.participants < 0 ? 0 : opt.participants);
  Rng rng(opt.seed);
  const day_t span = 365 * opt.years;

  // Sponsors, in enrolment order: preferential attachment (heavy tail), some uniform
  // choices, and some recent enrolees (deep chains, as in a live recruiting line).
  std::vector<std::int64_t> sponsor(n, -1), recruit_of_edge;
  recruit_of_edge.reserve(n);
  for (std::size_t i = 1; i < n; ++i) {
    const double u = rng.uniform();
    std::size_t s;
    if (u < 1e-4) {
      continue;  // a new root (another country, a company account)
    } else if (u < 0.55 && !recruit_of_edge.empty()) {
      s = static_cast<std::size_t>(sponsor[recruit_of_edge[rng.below(recruit_of_edge.size())]]);
    } else if (u < 0.80) {
      s = rng.below(i);
    } else {
      const std::size_t w = std::min<std::size_t>(i, 20);
      s = i - 1 - rng.below(w);
    }
    sponsor[i] = static_cast<std::int64_t>(s);
    recruit_of_edge.push_back(static_cast<std::int64_t>(i));
  }
  recruit_of_edge = {};

  // Ids and row order.
  std::vector<std::size_t> row_of(n), id_perm(n);
  std::iota(row_of.begin(), row_of.end(), std::size_t{0});
  std::iota(id_perm.begin(), id_perm.end(), std::size_t{0});
  if (opt.shuffle) {
    for (std::size_t i = n; i > 1; --i) std::swap(row_of[i - 1], row_of[rng.below(i)]);
    for (std::size_t i = n; i > 1; --i) std::swap(id_perm[i - 1], id_perm[rng.below(i)]);
  }
  auto id_of = [&](std::size_t i) { return static_cast<id_type>(1000000 + id_perm[i]); };

  Sample out;
  auto& P = out.participants;
  P.id.resize(n);
  P.sponsor.resize(n);
  P.has_sponsor.resize(n);
  P.enrolled_on.resize(n);
  P.kind.resize(n);
  P.kind_names = {"customer", "member", "distributor"};
  std::vector<double> activity(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t r = row_of[i];
    P.id[r] = id_of(i);
    P.has_sponsor[r] = sponsor[i] >= 0;
    P.sponsor[r] = sponsor[i] >= 0 ? id_of(static_cast<std::size_t>(sponsor[i])) : 0;
    P.enrolled_on[r] =
        opt.first_day + static_cast<day_t>((static_cast<double>(i) * span) /
                                           static_cast<double>(std::max<std::size_t>(n, 1)));
    const double u = rng.uniform();
    P.kind[r] = u < 0.6 ? 0 : (u < 0.85 ? 1 : 2);
    activity[r] = -std::log(1.0 - rng.uniform());  // exponential(1) propensity to order
  }
  if (opt.placement) {
    std::vector<std::int64_t> parent;
    std::vector<std::uint8_t> side;
    place(sponsor, parent, side);
    auto& T = out.placement;
    T.parent.resize(n);
    T.has_parent.resize(n);
    T.side.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t r = row_of[i];
      T.has_parent[r] = parent[i] >= 0;
      T.parent[r] = parent[i] >= 0 ? id_of(static_cast<std::size_t>(parent[i])) : 0;
      T.side[r] = side[i];
    }
  }

  // Orders: a participant-specific count with the requested mean, days after enrolment.
  auto& O = out.orders;
  const std::size_t expect =
      static_cast<std::size_t>(static_cast<double>(n) * opt.orders_per_participant * 1.05);
  O.participant.reserve(expect);
  O.day.reserve(expect);
  O.amount.reserve(expect);
  O.pv.reserve(expect);
  const day_t last = opt.first_day + span;
  for (std::size_t r = 0; r < n; ++r) {
    const double mean = opt.orders_per_participant * activity[r];
    // Poisson count by inversion of cumulative sums of exponentials.
    std::size_t k = 0;
    for (double t = -std::log(1.0 - rng.uniform()); t < mean; t += -std::log(1.0 - rng.uniform()))
      ++k;
    const day_t from = P.enrolled_on[r];
    for (std::size_t j = 0; j < k; ++j) {
      const day_t d = from + static_cast<day_t>(
                                 rng.below(static_cast<std::uint64_t>(std::max(last - from, 1))));
      // Lognormal basket, rounded to cents; about 2% of rows are refunds.
      const double z = std::sqrt(-2.0 * std::log(1.0 - rng.uniform())) *
                       std::cos(6.283185307179586 * rng.uniform());
      double amount = std::round(std::exp(3.6 + 0.7 * z) * 100.0) / 100.0;
      if (rng.uniform() < 0.02) amount = -amount;
      O.participant.push_back(P.id[r]);
      O.day.push_back(d);
      O.amount.push_back(amount);
      O.pv.push_back(std::round(amount * 80.0) / 100.0);
    }
  }
  if (opt.shuffle) {
    for (std::size_t i = O.participant.size(); i > 1; --i) {
      const std::size_t j = rng.below(i);
      std::swap(O.participant[i - 1], O.participant[j]);
      std::swap(O.day[i - 1], O.day[j]);
      std::swap(O.amount[i - 1], O.amount[j]);
      std::swap(O.pv[i - 1], O.pv[j]);
    }
  }
  return out;
}

}  // namespace downline
