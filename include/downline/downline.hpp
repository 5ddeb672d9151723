// Umbrella header: every concept of downline.
#pragma once

#include "accumulate.hpp"
#include "activity.hpp"
#include "array.hpp"
#include "cohort.hpp"
#include "config.hpp"
#include "date.hpp"
#include "downline/version.hpp"
#include "error.hpp"
#include "fwd.hpp"
#include "graph.hpp"
#include "io/csv.hpp"
#include "network.hpp"
#include "orders.hpp"
#include "placement.hpp"
#include "plan.hpp"
#include "retention.hpp"
#include "rfm.hpp"
#include "rollup.hpp"
#include "sample.hpp"
#include "segment.hpp"
#include "structure.hpp"
#include "survival.hpp"
#include "threads.hpp"
#include "types.hpp"

// The internal macros of config.hpp end here: every header that uses them is included
// above, and each is included once.
#undef DOWNLINE_X86_DISPATCH
#undef DOWNLINE_ALWAYS_INLINE
#undef DOWNLINE_NOINLINE
#undef DOWNLINE_UNROLL
