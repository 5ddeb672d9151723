// The message factories of error.hpp: one list format ("first 10, then N more") and the
// ids kept in the error, against strings written out here.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "downline/error.hpp"

using namespace downline;

TEST_CASE("errors: the list format shows the first ten values, then how many more") {
  std::vector<id_type> twelve;
  for (id_type v = 1; v <= 12; ++v) twelve.push_back(v * 10);
  CHECK(detail::list_values(twelve) == "10, 20, 30, 40, 50, 60, 70, 80, 90, 100, ... (2 more)");
  CHECK(detail::list_values(std::vector<id_type>(twelve.begin(), twelve.begin() + 10)) ==
        "10, 20, 30, 40, 50, 60, 70, 80, 90, 100");
  CHECK(detail::list_values(std::vector<id_type>{}).empty());
  CHECK(detail::list_values(std::vector<id_type>{-5}) == "-5");
  const InputError e = errors::listed(
      ErrorKind::bad_value, "order(s) with a bad day, rows:", twelve, " (see the manual)");
  CHECK(std::string(e.what()) ==
        "12 order(s) with a bad day, rows: 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, ... (2 more) "
        "(see the manual)");
  CHECK(e.ids() == twelve);
  CHECK(e.kind() == ErrorKind::bad_value);
}

TEST_CASE("errors: duplicates sorted and distinct, sponsors beside the ids, field messages") {
  const InputError d = errors::duplicate_ids("customer", {9, 3, 9, 3, 3, 7});
  CHECK(std::string(d.what()) == "3 customer id(s) appear more than once: 3, 7, 9");
  CHECK(d.ids() == std::vector<id_type>{3, 7, 9});
  CHECK(d.kind() == ErrorKind::duplicate_id);
  const InputError u = errors::unknown_sponsors({5, 2}, [](id_type id) { return id * 100; });
  CHECK(std::string(u.what()) ==
        "2 participant(s) have a sponsor that is not a participant: 5 (sponsor 500), 2 "
        "(sponsor 200)");
  CHECK(u.kind() == ErrorKind::unknown_sponsor);
  CHECK(std::string(errors::missing_dates({4, 8}).what()) ==
        "2 order(s) without a date at rows 4, 8");
  CHECK(std::string(errors::unknown_participants(5, {98, 99}).what()) ==
        "5 order(s) of 2 participant(s) not in the network: 98, 99");
  CHECK(std::string(errors::bad_value("ticks_per_day", "must be positive").what()) ==
        "ticks_per_day must be positive");
  CHECK(std::string(errors::out_of_range("set_num_threads", 5000, 0, 1024).what()) ==
        "set_num_threads must be from 0 to 1024, not 5000");
}

TEST_CASE("errors: a cycle names its participants and how many are caught") {
  const InputError c = errors::cycle({4, 5}, 7);
  CHECK(std::string(c.what()) ==
        "sponsor links form a cycle of 2 participant(s): 4, 5 (7 participant(s) are in or below "
        "cycles)");
  CHECK(c.kind() == ErrorKind::cycle);
  CHECK(c.ids() == std::vector<id_type>{4, 5});
}
