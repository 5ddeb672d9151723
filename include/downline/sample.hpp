// Deterministic sample data shaped like a direct-selling company: heavy-tailed
// recruiting (a few big builders, many who recruit no one), chains deep enough to
// matter, enrolments spread over several years and about `orders_per_participant`
// orders each. The same (n, seed) gives the same data on every platform.
#pragma once

#include <cstdint>

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
};

struct Sample {
  io::ParticipantTable participants;
  io::OrderTable orders;
};

Sample make_sample(const SampleOptions& opt = {});

}  // namespace downline
