#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "downline/placement.hpp"
#include "forest.hpp"

using namespace downline;

namespace {
struct Placed {
  std::vector<id_type> ids, parents;
  std::vector<std::uint8_t> has, side;
};

Placement build(const Placed& p) {
  PlacementInput in;
  in.tree = testing::tree_input(p.ids, p.parents, p.has);
  in.side = p.side.data();
  return Placement(in);
}

std::string error_of(const Placed& p) {
  try {
    build(p);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

/// A random binary placement: each newcomer on a free side of a random earlier participant
/// (a root now and then), ids shuffled and rows in random order.
Placed random_placement(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> parent(n, SIZE_MAX);
  std::vector<char> side(n, 0);
  std::vector<std::array<bool, 2>> used(n, {false, false});
  for (std::size_t i = 1; i < n; ++i) {
    if (rng() % 50 == 0) continue;  // another root
    for (;;) {
      const std::size_t p = rng() % i;
      const int s = static_cast<int>(rng() % 2);
      if (used[p][s]) continue;
      used[p][s] = true;
      parent[i] = p;
      side[i] = s ? 'R' : 'L';
      break;
    }
  }
  std::vector<id_type> id(n);
  for (std::size_t i = 0; i < n; ++i) id[i] = static_cast<id_type>(1000 + 7 * i);
  std::shuffle(id.begin(), id.end(), rng);
  std::vector<std::size_t> row(n);
  for (std::size_t i = 0; i < n; ++i) row[i] = i;
  std::shuffle(row.begin(), row.end(), rng);
  Placed out;
  for (std::size_t i : row) {
    out.ids.push_back(id[i]);
    out.has.push_back(parent[i] != SIZE_MAX);
    out.parents.push_back(parent[i] == SIZE_MAX ? 0 : id[parent[i]]);
    out.side.push_back(static_cast<std::uint8_t>(side[i]));
  }
  return out;
}
}  // namespace

TEST_CASE("placement: left and right recruits and their subtree sums equal a brute force over the input rows") {
  std::mt19937_64 rng(11);
  for (std::size_t n : {1u, 2u, 3u, 50u, 2000u}) {
    const Placed p = random_placement(n, rng);
    const Placement pl = build(p);
    const Network& t = pl.tree();
    // brute force: the children of every id by side, the subtree sums by an explicit stack
    std::map<id_type, std::array<id_type, 2>> child;
    std::map<id_type, double> value;
    for (std::size_t r = 0; r < n; ++r) {
      child[p.ids[r]] = {-1, -1};
      value[p.ids[r]] = static_cast<double>(rng() % 1000) / 4;
    }
    for (std::size_t r = 0; r < n; ++r)
      if (p.has[r]) child[p.parents[r]][p.side[r] == 'R'] = p.ids[r];
    const auto subtree = [&](id_type top) {
      double sum = 0;
      std::vector<id_type> stack{top};
      while (!stack.empty()) {
        const id_type x = stack.back();
        stack.pop_back();
        sum += value[x];
        for (id_type c : child[x])
          if (c >= 0) stack.push_back(c);
      }
      return sum;
    };
    std::vector<double> per_position(n), sums(n);
    for (index_t k = 0; k < t.size(); ++k) per_position[static_cast<std::size_t>(k)] = value[t.id(k)];
    for (index_t k = 0; k < t.size(); ++k)
      for (index_t j = k; j < t.end(k); ++j) sums[static_cast<std::size_t>(k)] += per_position[static_cast<std::size_t>(j)];
    std::vector<double> left(n), right(n);
    pl.sides().side_sums(sums.data(), left.data(), right.data());
    for (index_t k = 0; k < t.size(); ++k) {
      const auto& [l, r] = child[t.id(k)];
      CHECK((pl.sides().left(k) == npos ? -1 : t.id(pl.sides().left(k))) == l);
      CHECK((pl.sides().right(k) == npos ? -1 : t.id(pl.sides().right(k))) == r);
      CHECK(left[static_cast<std::size_t>(k)] == doctest::Approx(l < 0 ? 0.0 : subtree(l)));
      CHECK(right[static_cast<std::size_t>(k)] == doctest::Approx(r < 0 ? 0.0 : subtree(r)));
    }
  }
}

TEST_CASE("placement: bad sides, a side taken twice and the tree's own errors are named") {
  // 1 is the root; 2 left of 1, 3 right of 1, 4 left of 2
  const Placed good{{1, 2, 3, 4}, {0, 1, 1, 2}, {0, 1, 1, 1}, {0, 'L', 'R', 'L'}};
  CHECK(error_of(good) == "no error");
  Placed p = good;
  p.side[3] = 'X';
  CHECK(error_of(p) == "1 participant(s) have a side other than 'L' or 'R': 4 ('X')");
  p.side[3] = 0;
  CHECK(error_of(p) == "1 participant(s) have a side other than 'L' or 'R': 4 (none)");
  p = good;
  p.side[2] = 'L';
  CHECK(error_of(p) == "1 participant(s) are placed on a side already taken: 3 (left of 1, held by 2)");
  p = good;
  p.parents[3] = 9;
  CHECK(error_of(p) == "1 participant(s) have a placement parent that is not a participant: 4 (placement parent 9)");
  p = good;
  p.parents[1] = 2;
  CHECK(error_of(p) == "1 participant(s) are their own placement parent: 2");
  p = good;
  p.parents[1] = 4;  // 2 -> 4 -> 2
  CHECK(error_of(p).rfind("placement parent links form a cycle of 2 participant(s): ", 0) == 0);
  p = good;
  p.side[0] = 'R';  // a root's side means nothing
  CHECK(error_of(p) == "no error");
  try {
    p = good;
    p.side[2] = 'L';
    build(p);
  } catch (const InputError& e) {
    CHECK(e.ids() == std::vector<id_type>{3});
  }
}
