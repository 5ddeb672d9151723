// Random sponsor forests with orders for the brute-force tests (test helper).
#pragma once

#include <algorithm>
#include <random>
#include <vector>

#include "downline/fwd.hpp"
#include "downline/network.hpp"

namespace downline::testing {

struct Forest {
  std::vector<id_type> ids, sponsors;
  std::vector<day_t> enrolled;
  std::vector<id_type> o_pid;
  std::vector<day_t> o_day;
  std::vector<double> o_pv;
};

// shape: 0 random recursive tree, 1 chain, 2 star, 3 mixed (chains hanging off stars), 4 many roots
inline Forest make_forest(int n, int shape, std::mt19937_64& rng) {
  Forest f;
  std::vector<int> parent(n, -1);
  for (int i = 1; i < n; ++i) {
    switch (shape) {
      case 0:
        parent[i] = static_cast<int>(rng() % static_cast<unsigned>(i));
        break;
      case 1:
        parent[i] = i - 1;
        break;
      case 2:
        parent[i] = 0;
        break;
      case 3:
        parent[i] = (rng() % 3 == 0) ? 0 : i - 1;
        break;
      default:
        parent[i] = (rng() % 5 == 0) ? -1 : static_cast<int>(rng() % static_cast<unsigned>(i));
        break;
    }
  }
  // Unsorted, sparse ids; rows shuffled.
  std::vector<id_type> idof(n);
  for (int i = 0; i < n; ++i) idof[i] = static_cast<id_type>(rng() >> 2) - (id_type{1} << 60);
  std::vector<int> rows(n);
  for (int i = 0; i < n; ++i) rows[i] = i;
  std::shuffle(rows.begin(), rows.end(), rng);
  for (int i : rows) {
    f.ids.push_back(idof[i]);
    f.sponsors.push_back(parent[i] < 0 ? no_sponsor : idof[parent[i]]);
    // Mostly enrolled after the sponsor, sometimes not: as_of must still follow the rule.
    f.enrolled.push_back(static_cast<day_t>(100 + i / 2 + static_cast<int>(rng() % 40)));
  }
  const int orders = static_cast<int>(rng() % static_cast<unsigned>(8 * n + 1));
  for (int j = 0; j < orders; ++j) {
    f.o_pid.push_back(idof[rng() % static_cast<unsigned>(n)]);
    f.o_day.push_back(static_cast<day_t>(100 + rng() % static_cast<unsigned>(n / 2 + 60)));
    const int kind = static_cast<int>(rng() % 10);
    f.o_pv.push_back(kind == 0   ? 0.0
                     : kind == 1 ? -static_cast<double>(rng() % 50)
                                 : static_cast<double>(rng() % 10000) / 100.0);
  }
  return f;
}

/// The input of a tree of `ids` and their `parents` (has[r] == 0: a root; the vectors
/// must outlive the input).
inline NetworkInput tree_input(const std::vector<id_type>& ids, const std::vector<id_type>& parents,
                               const std::vector<std::uint8_t>& has) {
  NetworkInput in;
  in.ids = ids.data();
  in.sponsors = parents.data();
  in.has_sponsor = has.data();
  in.n = ids.size();
  return in;
}

}  // namespace downline::testing
