// Umbrella header: every concept of downline.
#pragma once

#include "activity.hpp"
#include "date.hpp"
#include "downline/version.hpp"
#include "error.hpp"
#include "fwd.hpp"
#include "graph.hpp"
#include "io/csv.hpp"
#include "network.hpp"
#include "retention.hpp"
#include "rfm.hpp"
#include "rollup.hpp"
#include "sample.hpp"
#include "segment.hpp"
#include "survival.hpp"
#include "types.hpp"
