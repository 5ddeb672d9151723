// The shape of every participant's organisation (docs/concepts.md, "Structure"): how many
// legs, how much of the group volume the largest leg holds, how concentrated the legs'
// volumes are (Herfindahl index, Gini coefficient), and how many participants stand at
// each of the first levels below.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "accumulate.hpp"
#include "array.hpp"
#include "error.hpp"
#include "network.hpp"

namespace downline {

/// Per participant, in preorder. Leg volumes are the GVs of the frontline recruits'
/// subtrees, a negative one (refunds) counted as 0; a figure of volumes is NaN where the
/// legs' volumes sum to 0 (or the GV is not positive, for the power-leg share).
struct Structure {
  Array<std::int32_t> legs;        ///< frontline recruits (members)
  Array<double> power_leg_share;   ///< the largest leg volume / GV
  Array<double> herfindahl;        ///< sum of the squared shares of the leg volumes (1: one leg holds all)
  Array<double> gini;              ///< Gini coefficient of the leg volumes (0: equal legs)
  std::vector<Array<std::int32_t>> breadth;  ///< breadth[j][k]: members at level j + 1 below k
};

/// The structure of every participant from each one's GV (preorder; a rollup's `gv`).
/// `members` (preorder, null: everyone) leaves the others out: not a leg, not counted.
inline Structure structure(const Network& net, const double* gv, int levels, const std::uint8_t* members = nullptr) {
  if (levels < 0) throw errors::bad_value("levels", "must be >= 0");
  const index_t n = net.size();
  const std::size_t un = static_cast<std::size_t>(n);
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const auto member = [&](index_t k) { return !members || members[k] != 0; };
  Structure s;
  s.legs.assign(un, 0);
  s.power_leg_share.assign(un, nan);
  s.herfindahl.assign(un, nan);
  s.gini.assign(un, nan);

  // Phase 1: each participant's legs summed from its recruits (the accumulators'
  // children sums): how many, their volumes' total, sum of squares and the largest.
  enum : std::size_t { count, total, squares, largest, width };
  accumulate_children<double>(net, width, [&](index_t k, const double* legs, double* up) {
    if (!member(k)) return;
    s.legs[k] = static_cast<std::int32_t>(legs[count]);
    if (gv[k] > 0 && legs[count] > 0) s.power_leg_share[k] = legs[largest] / gv[k];
    if (legs[total] > 0) s.herfindahl[k] = legs[squares] / (legs[total] * legs[total]);
    const double v = std::max(0.0, gv[k]);  // k as one of its sponsor's legs
    up[count] += 1;
    up[total] += v;
    up[squares] += v * v;
    up[largest] = std::max(up[largest], v);
  });
  // The Gini coefficient from each participant's leg volumes in ascending order.
  std::vector<double> leg;
  for (index_t k = 0; k < n; ++k) {
    if (std::isnan(s.herfindahl[k])) continue;  // not a member, or legs without volume
    leg.clear();
    double sum = 0;
    for (index_t c = k + 1; c < net.end(k); c = net.end(c))
      if (member(c)) {
        leg.push_back(std::max(0.0, gv[c]));
        sum += leg.back();
      }
    std::sort(leg.begin(), leg.end());
    double ranked = 0;  // sum of i x_(i), i = 1..m, ascending
    for (std::size_t i = 0; i < leg.size(); ++i) ranked += static_cast<double>(i + 1) * leg[i];
    const double m = static_cast<double>(leg.size());
    s.gini[k] = 2 * ranked / (m * sum) - (m + 1) / m;
  }

  // Phase 2: breadth by level, the members counted at their level (the accumulators'
  // level sums).
  Array<double> one(un);
  for (index_t k = 0; k < n; ++k) one[k] = member(k) ? 1.0 : 0.0;
  s.breadth.assign(static_cast<std::size_t>(levels), Array<std::int32_t>(un, 0));
  marked_level_sums(net, one.data(), [](index_t) { return 1; }, [](index_t) { return 0; }, levels,
                    [&](index_t k, const double* count) {
                      for (int j = 0; j < levels; ++j)
                        s.breadth[static_cast<std::size_t>(j)][k] = static_cast<std::int32_t>(count[j]);
                    });
  return s;
}

}  // namespace downline
