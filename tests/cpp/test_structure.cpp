#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "downline/structure.hpp"
#include "forest.hpp"

using namespace downline;

TEST_CASE("structure: legs, shares, Herfindahl, Gini and breadth of a worked example") {
  // 1 has three legs: 2 (GV 60 with 4), 3 (GV 30) and 5 (GV -10, counted as 0)
  const std::vector<id_type> ids{1, 2, 3, 4, 5}, sponsors{0, 1, 1, 2, 1};
  const std::vector<std::uint8_t> has{0, 1, 1, 1, 1};
  const Network net(testing::tree_input(ids, sponsors, has));
  const std::vector<double> gv_by_id{/*1*/ 90 - 10 + 10, /*2*/ 60, /*3*/ 30, /*4*/ 40, /*5*/ -10};
  std::vector<double> gv(ids.size());
  for (std::size_t r = 0; r < ids.size(); ++r) gv[static_cast<std::size_t>(net.at(ids[r]))] = gv_by_id[r];
  const Structure s = structure(net, gv.data(), 2);
  const index_t one = net.at(id_type{1});
  CHECK(s.legs[one] == 3);
  CHECK(s.power_leg_share[one] == doctest::Approx(60.0 / 90));
  CHECK(s.herfindahl[one] == doctest::Approx((60.0 / 90) * (60.0 / 90) + (30.0 / 90) * (30.0 / 90)));
  CHECK(s.gini[one] == doctest::Approx((240.0 / 9) / (2 * 30)));  // mean absolute difference / (2 x mean)
  CHECK(s.breadth[0][one] == 3);
  CHECK(s.breadth[1][one] == 1);
  CHECK(std::isnan(s.gini[net.at(id_type{3})]));  // no legs
  // participant 2 not a member: not a leg of 1, not counted
  std::vector<std::uint8_t> members(ids.size(), 1);
  members[static_cast<std::size_t>(net.at(id_type{2}))] = 0;
  members[static_cast<std::size_t>(net.at(id_type{4}))] = 0;
  const Structure m = structure(net, gv.data(), 2, members.data());
  CHECK(m.legs[one] == 2);
  CHECK(m.breadth[1][one] == 0);
  CHECK_THROWS_AS(structure(net, gv.data(), -1), InputError);
}
