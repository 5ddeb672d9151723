// Deterministic sample data shaped like a direct-selling company: heavy-tailed
// recruiting (a few big builders, many who recruit no one), chains deep enough to
// matter, enrolments spread over several years and about `orders_per_participant`
// orders each. The same (n, seed) gives the same data on every platform.
#pragma once

#include <cstdint>
#include <vector>

#include "io/csv.hpp"

namespace downline {

struct SampleOptions {
  std::int64_t participants = 100000;
  double orders_per_participant = 8.0;
  std::uint64_t seed = 42;
  day_t first_day = 18262;  ///< 2020-01-01
  int years = 4;
  /// Shuffle the participant rows and draw ids at random (sponsors no longer come first).
  bool shuffle = true;
  /// Also place every participant in a binary placement tree (see `Sample::placement`).
  bool placement = false;
};

/// A placement tree over the sample's participants, by participant row: each recruit goes
/// to its sponsor's left or right side in turn (first left), at the bottom of the sponsor's
/// outer leg on that side (spillover); the sponsor tree's roots are the placement roots.
struct SamplePlacement {
  std::vector<id_type> parent;           ///< the placement parent's id (0 for a root)
  std::vector<std::uint8_t> has_parent;  ///< 0 for a root
  std::vector<std::uint8_t> side;        ///< 0 left, 1 right (0 for a root)
};

struct Sample {
  io::ParticipantTable participants;
  io::OrderTable orders;
  SamplePlacement placement;  ///< empty unless `SampleOptions::placement`
};

Sample make_sample(const SampleOptions& opt = {});

}  // namespace downline
