#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "downline/date.hpp"
#include "downline/error.hpp"
#include "downline/io/csv.hpp"
#include "downline/sample.hpp"

using namespace downline;

namespace {
io::ParticipantTable P(const std::string& s) {
  return io::parse_participants(s.data(), s.size(), "p.csv");
}
io::OrderTable O(const std::string& s) { return io::parse_orders(s.data(), s.size(), "o.csv"); }
std::string error_of(const std::string& s, bool orders) {
  try {
    if (orders)
      O(s);
    else
      P(s);
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::parse);
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("participants: BOM, CRLF, quotes, empty sponsor, extra columns in any order") {
  const auto t =
      P("\xEF\xBB\xBFkind,id,note,sponsor_id,enrolled_on\r\n"
        "member,1,\"a, \"\"quoted\"\" note\",,2020-01-05\r\n"
        "customer, 2 ,x,1,2020-02-29\r\n"
        "\r\n"
        ",3,\"multi\nline\",2,2021-12-31");
  REQUIRE(t.id == std::vector<id_type>{1, 2, 3});
  CHECK(t.has_sponsor == std::vector<std::uint8_t>{0, 1, 1});
  CHECK(t.sponsor[1] == 1);
  CHECK(t.sponsor[2] == 2);
  CHECK(t.enrolled_on == std::vector<day_t>{days_from_civil(2020, 1, 5),
                                            days_from_civil(2020, 2, 29),
                                            days_from_civil(2021, 12, 31)});
  CHECK(t.kind_names == std::vector<std::string>{"member", "customer"});
  CHECK(t.kind == std::vector<std::int32_t>{0, 1, -1});
}

TEST_CASE("orders: pv defaults to amount; times after the date are ignored") {
  const auto t =
      O("participant_id,ordered_on,amount\n7,2011-12-09 12:50:00,-3.5\n8,2011-01-01,1e2\n");
  CHECK(t.participant == std::vector<id_type>{7, 8});
  CHECK(t.day == std::vector<day_t>{days_from_civil(2011, 12, 9), days_from_civil(2011, 1, 1)});
  CHECK(t.pv == std::vector<double>{-3.5, 100.0});
  CHECK(t.amount == t.pv);
}

TEST_CASE("errors name file, line and column") {
  CHECK(error_of("", false).find("p.csv:1:1: empty file") == 0);
  CHECK(error_of("id,sponsor\n", false).find("missing sponsor column 'sponsor_id'") !=
        std::string::npos);
  CHECK(error_of("id,sponsor_id\n1,\n2,x1\n", false)
            .find("p.csv:3:2: column 'sponsor_id': 'x1' is not an integer id") == 0);
  CHECK(error_of("id,sponsor_id\n1,\n99999999999999999999,1\n", false).find("p.csv:3:1:") == 0);
  CHECK(error_of("id,sponsor_id,enrolled_on\n1,,2020-02-30\n", false)
            .find("p.csv:2:3: column 'enrolled_on'") == 0);
  CHECK(error_of("id,sponsor_id\n1,,5\n", false).find("p.csv:2:") == 0);
  CHECK(error_of("participant_id,ordered_on,pv\n1,2020-01-01,abc\n", true)
            .find("o.csv:2:3: column 'pv': 'abc' is not a number") == 0);
  CHECK(error_of("participant_id,ordered_on,pv\n1,2020-01-01,nan\n", true)
            .find("not a finite number") != std::string::npos);
  CHECK(error_of("participant_id,ordered_on\n1,2020-01-01\n", true)
            .find("missing amount or pv column") != std::string::npos);
  CHECK(error_of("id,sponsor_id\n\"1,\n", false).find("unterminated quoted field") !=
        std::string::npos);
}

TEST_CASE("numbers: one leading sign, '+' or '-'") {
  const auto t = O("participant_id,ordered_on,amount,pv\n1,2020-01-01,+5,-0.25\n");
  CHECK(t.amount == std::vector<double>{5.0});
  CHECK(t.pv == std::vector<double>{-0.25});
  // Found by fuzz_orders_csv: "+-" was read as a minus sign.
  CHECK(error_of("participant_id,ordered_on,amount\n1,2020-01-01,+-015\n", true)
            .find("o.csv:2:3: column 'amount': '+-015' is not a number") == 0);
  CHECK(error_of("participant_id,ordered_on,pv\n1,2020-01-01,+-0.5\n", true)
            .find("'+-0.5' is not a number") != std::string::npos);
  CHECK(error_of("participant_id,ordered_on,pv\n1,2020-01-01,++1\n", true)
            .find("'++1' is not a number") != std::string::npos);
  CHECK(error_of("participant_id,ordered_on,pv\n1,2020-01-01,+\n", true)
            .find("'+' is not a number") != std::string::npos);
}

TEST_CASE("write then read gives back the sample exactly") {
  SampleOptions opt;
  opt.participants = 2000;
  const Sample s = make_sample(opt);
  const std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
  const std::string pp = dir + "/downline_test_p.csv", op = dir + "/downline_test_o.csv";
  io::write_participants(pp, s.participants);
  io::write_orders(op, s.orders);
  const auto p = io::read_participants(pp);
  const auto o = io::read_orders(op);
  CHECK(p.id == s.participants.id);
  CHECK(p.has_sponsor == s.participants.has_sponsor);
  CHECK(p.enrolled_on == s.participants.enrolled_on);
  CHECK(o.participant == s.orders.participant);
  CHECK(o.day == s.orders.day);
  CHECK(o.amount == s.orders.amount);  // shortest round-trip formatting is exact
  CHECK(o.pv == s.orders.pv);
  std::remove(pp.c_str());
  std::remove(op.c_str());
  CHECK_THROWS_AS(io::read_orders(dir + "/no/such/file.csv"), InputError);
}
