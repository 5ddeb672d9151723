// downline: analytics for direct-selling sponsor networks.
// Basic types shared by every concept header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace downline {

/// Dense participant index inside a Network (preorder position). int32 keeps the
/// per-participant footprint small; a Network holds at most 2^31 - 1 participants.
using index_t = std::int32_t;
/// Participant id as given by the user.
using id_type = std::int64_t;
/// Day number: days since 1970-01-01 (negative before).
using day_t = std::int32_t;

/// "No index" marker (a root's parent, an unknown id).
inline constexpr index_t npos = -1;
/// Smallest and largest representable days; used as open period bounds.
inline constexpr day_t min_day = std::numeric_limits<day_t>::min();
inline constexpr day_t max_day = std::numeric_limits<day_t>::max();
/// Conventional "no sponsor" value for the sentinel-based constructors.
/// Callers whose ids may take this value use the mask-based constructor instead.
inline constexpr id_type no_sponsor = std::numeric_limits<id_type>::min();

class Network;
class Activity;

}  // namespace downline
