// Reliability (issue 6): a corpus of bad inputs for the C++ core. Every case expects a
// clear, specific error (the message names the file and line, or the ids, and the
// problem), or, where the caller asked to drop, the exact rows and ids dropped; never a
// crash, a hang or a silent loss of rows. Expected values are computed here from the
// input, never copied from the library's output.
//
// Every input tried is registered under a label by tried(); the last test case checks
// that the file tried kBadInputs distinct inputs and prints that number
// (DOWNLINE_LIST_BAD_INPUTS=1 lists them). The README quotes the total:
//
//   group            inputs
//   CSV structure        24  empty text, BOM only, blank lines only, header only, header only
//                            without a newline (each for participants and orders: 10); tab-
//                            separated file, too few fields, too many fields, unterminated
//                            quote, text after a closing quote, a quote after a space, BOM +
//                            CRLF + quoted commas and quotes, CR-only line ends (2), quoted
//                            and space-padded ids, header names with spaces, a quoted newline
//                            then a bad id, a Latin-1 byte, UTF-8 text
//   columns               6  missing id, misnamed sponsor, upper-case names, missing
//                            participant, missing date, missing amount and pv
//   wrong types           9  text id, fractional id, text sponsor, empty id, "+5" id, empty
//                            amount, text amount, decimal comma, 1e400
//   non-finite amounts    5  nan, NaN, inf, -inf, Infinity in a CSV amount
//   dates                13  2020/01/05, 2020-02-30, empty; 1899-12-31, 2201-01-01,
//                            0001-01-01, 9999-12-31 (participants and orders: 8); the
//                            boundaries 1900-01-01 and 2200-12-31; a time after the date
//   CSV ids               3  the int64 limits, INT64_MAX + 1, INT64_MIN - 1
//   files                 3  missing participants file, missing orders file, a directory
//   network              13  empty network, duplicate id, 20 duplicates, own sponsor, cycle
//                            of 2, cycle with a tail, cycle of 1,000,000, unknown sponsor, 20
//                            unknown sponsors, int64 limits as ids, the no_sponsor sentinel
//                            as an id, a cycle between the int64 limits, 2^31 participants
//   shapes                2  one sponsor with 1,000,000 recruits, a 1,000,000-level chain
//   orders               11  unknown participant (raise, drop), NaN / +inf / -inf pv, NaT,
//                            before 1900, after 2200, the boundary instants, +-2^62 days,
//                            orders of ids at the int64 limits
//   rollups               2  refunds through the CSV pipeline (PV, GV, levels, legs, active),
//                            refunds with min_pv
//   total                91
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "downline/activity.hpp"
#include "downline/date.hpp"
#include "downline/error.hpp"
#include "downline/io/csv.hpp"
#include "downline/network.hpp"
#include "downline/rollup.hpp"
#include "forest.hpp"

using namespace downline;
using downline::testing::tree_input;

namespace {

constexpr std::size_t kBadInputs = 91;

std::set<std::string>& tried_set() {
  static std::set<std::string> s;
  return s;
}
void tried(const std::string& label) { tried_set().insert(label); }

constexpr id_type i64_min = std::numeric_limits<id_type>::min();
constexpr id_type i64_max = std::numeric_limits<id_type>::max();
constexpr std::int64_t ns_per_day = 86400LL * 1000000000LL;

io::ParticipantTable P(const std::string& s) {
  return io::parse_participants(s.data(), s.size(), "people.csv");
}
io::OrderTable O(const std::string& s) {
  return io::parse_orders(s.data(), s.size(), "orders.csv");
}

/// The InputError `f` throws (its kind must be `kind`); fails the test when none is thrown.
template <class F>
InputError error_of(F f, ErrorKind kind) {
  try {
    f();
  } catch (const InputError& e) {
    CHECK_MESSAGE(e.kind() == kind, std::string(e.what()));
    return e;
  }
  FAIL("no InputError thrown");
  return InputError(kind, "");
}

/// Checks that `f` throws InputError of `kind` whose message contains every needle.
template <class F>
InputError expect(const std::string& label, F f, ErrorKind kind,
                  const std::vector<std::string>& needles) {
  tried(label);
  INFO("input: ", label);
  const InputError e = error_of(f, kind);
  for (const auto& s : needles)
    CHECK_MESSAGE(std::string(e.what()).find(s) != std::string::npos,
                  "'" << s << "' not in: " << std::string(e.what()));
  return e;
}

std::int64_t tick(int y, unsigned m, unsigned d, std::int64_t seconds = 0) {
  return std::int64_t{days_from_civil(y, m, d)} * ns_per_day + seconds * 1000000000LL;
}

}  // namespace

// ------------------------------------------------------------------ CSV structure
TEST_CASE("bad input: empty files, BOM only, blank lines only") {
  for (const auto& [label, text] : std::vector<std::pair<std::string, std::string>>{
           {"empty text", ""}, {"BOM only", "\xEF\xBB\xBF"}, {"blank lines only", "\n\r\n\n"}}) {
    expect(label + " (participants)", [&] { P(text); }, ErrorKind::parse,
           {"people.csv:1:1: empty file: expected a header line"});
    expect(label + " (orders)", [&] { O(text); }, ErrorKind::parse, {"orders.csv:1:1: empty file"});
  }
}

TEST_CASE("bad input: a header line only is an empty table, and an empty network") {
  for (const std::string nl : {"\n", ""}) {
    const std::string how = nl.empty() ? " without a newline" : "";
    tried("header only" + how + " (participants)");
    tried("header only" + how + " (orders)");
    const auto p = P("id,sponsor_id,enrolled_on,kind" + nl);
    CHECK(p.id.empty());
    CHECK(p.sponsor.empty());
    const auto o = O("participant_id,ordered_on,amount,pv" + nl);
    CHECK(o.participant.empty());
    CHECK(o.pv.empty());
    // the empty tables make an empty network, an empty activity and an empty table
    tried("empty network");
    NetworkInput in;
    in.ids = p.id.data();
    in.sponsors = p.sponsor.data();
    in.has_sponsor = p.has_sponsor.data();
    in.n = 0;
    const Network net(in);
    CHECK(net.size() == 0);
    const Activity act(net, o.participant, o.day, o.pv);
    CHECK(act.size() == 0);
    const VolumeTable v = volumes(net, act);
    CHECK(v.gv.empty());
  }
}

TEST_CASE("bad input: broken CSV records name the line and the column") {
  expect("tab-separated file", [] { P("id\tsponsor_id\n1\t\n"); }, ErrorKind::parse,
         {"people.csv:1:1: missing id column 'id' (header has: id\tsponsor_id)"});
  expect("too few fields", [] { P("id,sponsor_id\n1,\n2\n"); }, ErrorKind::parse,
         {"people.csv:3:", "expected 2 fields, found 1"});
  expect("too many fields", [] { P("id,sponsor_id\n1,,7\n"); }, ErrorKind::parse,
         {"people.csv:2:", "expected 2 fields, found 3"});
  expect("unterminated quote", [] { P("id,sponsor_id\n1,\n\"2,1\n3,1\n"); }, ErrorKind::parse,
         {"people.csv:3:1: unterminated quoted field"});
  expect("text after a closing quote", [] { P("id,sponsor_id\n\"1\"x,\n"); }, ErrorKind::parse,
         {"people.csv:2:1: unexpected character after a quoted field"});
}

TEST_CASE("bad input: BOM, CRLF, CR-only line ends and quoted fields are read right") {
  tried("BOM + CRLF + quoted commas and quotes");
  const auto p =
      P("\xEF\xBB\xBFid,sponsor_id,enrolled_on,kind\r\n"
        "1,,2020-01-05,\"member, gold\"\r\n"
        "2,1,2020-02-29,\"say \"\"hi\"\"\"\r\n"
        "3,2,2020-03-01,\"two\nlines\"\r\n");
  REQUIRE(p.id == std::vector<id_type>{1, 2, 3});
  CHECK(p.has_sponsor == std::vector<std::uint8_t>{0, 1, 1});
  CHECK(p.kind_names == std::vector<std::string>{"member, gold", "say \"hi\"", "two\nlines"});
  CHECK(p.enrolled_on[1] == days_from_civil(2020, 2, 29));

  tried("CR-only line ends");  // old Mac exports: every record read, lines counted
  const auto cr = P("id,sponsor_id\r1,\r2,1\r3,2\r");
  CHECK(cr.id == std::vector<id_type>{1, 2, 3});
  expect("CR-only line ends, bad record", [] { P("id,sponsor_id\r1,\r2,x\r"); }, ErrorKind::parse,
         {"people.csv:3:2: column 'sponsor_id': 'x' is not an integer id"});

  tried("quoted and space-padded ids");  // spaces around a CSV field are not part of it
  const auto q = P("id,sponsor_id\n\"42\",\n\" 7 \", 42 \n");
  CHECK(q.id == std::vector<id_type>{42, 7});
  CHECK(q.sponsor[1] == 42);
  // a quote that is not the first character of a field is text (RFC 4180): named
  expect("a quote after a space", [] { P("id,sponsor_id\n \"7\",\n"); }, ErrorKind::parse,
         {"people.csv:2:1: column 'id': '\"7\"' is not an integer id"});

  tried("header names with spaces");
  CHECK(P(" id , sponsor_id \n5,\n").id == std::vector<id_type>{5});

  // a quoted newline in a field: the error after it names the right line
  expect("quoted newline, then a bad id", [] { P("id,sponsor_id,kind\n1,,\"a\nb\"\nz,1,c\n"); },
         ErrorKind::parse, {"people.csv:4:1: column 'id': 'z' is not an integer id"});

  // not UTF-8 (issue 23: Python could not decode the kind): the line and byte offset named
  expect("Latin-1 byte in a kind", [] { P("id,sponsor_id,kind\n1,,caf\xE9\n"); }, ErrorKind::parse,
         {"people.csv:2:7: not UTF-8 text: byte 0xE9 at byte offset 25", "iconv -f latin1 -t utf-8"});
  tried("UTF-8 kind");
  CHECK(P("id,sponsor_id,kind\n1,,Zo\xC3\xAB \xE6\x9D\x8E\n").kind_names ==
        std::vector<std::string>{"Zo\xC3\xAB \xE6\x9D\x8E"});
}

// ------------------------------------------------------------------ columns
TEST_CASE("bad input: missing or misnamed columns list the header") {
  expect("missing id column", [] { P("sponsor_id,kind\n,a\n"); }, ErrorKind::parse,
         {"people.csv:1:1: missing id column 'id' (header has: sponsor_id, kind)"});
  expect("misnamed sponsor column", [] { P("id,sponsor\n1,\n"); }, ErrorKind::parse,
         {"missing sponsor column 'sponsor_id' (header has: id, sponsor)"});
  expect("upper-case column names", [] { P("ID,Sponsor_ID\n1,\n"); }, ErrorKind::parse,
         {"missing id column 'id'"});
  expect("missing participant column", [] { O("id,ordered_on,pv\n1,2020-01-01,1\n"); },
         ErrorKind::parse, {"orders.csv:1:1: missing participant column 'participant_id'"});
  expect("missing date column", [] { O("participant_id,date,pv\n1,2020-01-01,1\n"); },
         ErrorKind::parse,
         {"missing date column 'ordered_on' (header has: participant_id, date, pv)"});
  expect("missing amount and pv", [] { O("participant_id,ordered_on\n1,2020-01-01\n"); },
         ErrorKind::parse, {"missing amount or pv column 'amount'"});
}

// ------------------------------------------------------------------ wrong types
TEST_CASE("bad input: wrong types name the line, the column and the value") {
  expect("text id", [] { P("id,sponsor_id\n1,\nabc,1\n"); }, ErrorKind::parse,
         {"people.csv:3:1: column 'id': 'abc' is not an integer id"});
  expect("fractional id", [] { P("id,sponsor_id\n1.5,\n"); }, ErrorKind::parse,
         {"people.csv:2:1: column 'id': '1.5' is not an integer id"});
  expect("text sponsor", [] { P("id,sponsor_id\n1,\n2,x1\n"); }, ErrorKind::parse,
         {"people.csv:3:2: column 'sponsor_id': 'x1' is not an integer id"});
  expect("empty id", [] { P("id,sponsor_id\n1,\n ,1\n"); }, ErrorKind::parse,
         {"people.csv:3:1: column 'id': empty id"});
  expect("id with a plus sign", [] { P("id,sponsor_id\n+5,\n"); }, ErrorKind::parse,
         {"people.csv:2:1: column 'id': '+5' is not an integer id"});
  expect("empty amount", [] { O("participant_id,ordered_on,amount\n1,2020-01-01,\n"); },
         ErrorKind::parse, {"orders.csv:2:3: column 'amount': empty number"});
  expect("text amount", [] { O("participant_id,ordered_on,amount\n1,2020-01-01,ten\n"); },
         ErrorKind::parse, {"orders.csv:2:3: column 'amount': 'ten' is not a number"});
  expect("decimal comma", [] { O("participant_id,ordered_on,amount\n1,2020-01-01,\"1,5\"\n"); },
         ErrorKind::parse, {"orders.csv:2:3: column 'amount': '1,5' is not a number"});
  expect("amount 1e400", [] { O("participant_id,ordered_on,amount\n1,2020-01-01,1e400\n"); },
         ErrorKind::parse, {"orders.csv:2:3: column 'amount': '1e400' is not a number"});
}

TEST_CASE("bad input: NaN and infinite amounts in a CSV file are errors naming the line") {
  for (const std::string v : {"nan", "NaN", "inf", "-inf", "Infinity"}) {
    tried("amount " + v + " in CSV");
    const std::string text =
        "participant_id,ordered_on,amount,pv\n1,2020-01-01,5,5\n2,2020-01-01," + v + ",1\n";
    const InputError e = error_of([&] { O(text); }, ErrorKind::parse);
    CHECK(std::string(e.what()) ==
          "orders.csv:3:3: column 'amount': '" + v + "' is not a finite number");
  }
}

// ------------------------------------------------------------------ dates
TEST_CASE("bad input: unparsable dates and dates outside 1900-01-01..2200-12-31") {
  expect("date 2020/01/05", [] { P("id,sponsor_id,enrolled_on\n1,,2020/01/05\n"); },
         ErrorKind::parse,
         {"people.csv:2:3: column 'enrolled_on': '2020/01/05' is not a date YYYY-MM-DD"});
  expect("date 2020-02-30", [] { O("participant_id,ordered_on,pv\n1,2020-02-30,1\n"); },
         ErrorKind::parse, {"orders.csv:2:2: column 'ordered_on': '2020-02-30' is not a date"});
  expect("empty date", [] { P("id,sponsor_id,enrolled_on\n1,,2020-01-01\n2,1,\n"); },
         ErrorKind::parse, {"people.csv:3:3: column 'enrolled_on': '' is not a date"});
  for (const std::string d : {"1899-12-31", "2201-01-01", "0001-01-01", "9999-12-31"}) {
    expect("date " + d + " (participants)",
           [&] { P("id,sponsor_id,enrolled_on\n1,,2020-01-01\n2,1," + d + "\n"); },
           ErrorKind::parse,
           {"people.csv:3:3: column 'enrolled_on': '" + d +
            "' is outside the supported dates 1900-01-01 to 2200-12-31"});
    expect("date " + d + " (orders)", [&] { O("participant_id,ordered_on,pv\n1," + d + ",1\n"); },
           ErrorKind::parse, {"orders.csv:2:2: column 'ordered_on': '" + d + "' is outside"});
  }
  tried("date boundaries 1900-01-01 and 2200-12-31");
  const auto o = O("participant_id,ordered_on,pv\n1,1900-01-01,1\n1,2200-12-31,1\n");
  CHECK(o.day == std::vector<day_t>{days_from_civil(1900, 1, 1), days_from_civil(2200, 12, 31)});
  tried("a time after the date");
  CHECK(O("participant_id,ordered_on,pv\n1,2020-05-06T23:59:59Z,1\n").day ==
        std::vector<day_t>{days_from_civil(2020, 5, 6)});
}

// ------------------------------------------------------------------ ids
TEST_CASE("bad input: ids at and beyond the int64 limits in CSV") {
  tried("int64 limits in CSV");
  const auto p =
      P("id,sponsor_id\n-9223372036854775808,\n9223372036854775807,-9223372036854775808\n");
  CHECK(p.id == std::vector<id_type>{i64_min, i64_max});
  CHECK(p.sponsor[1] == i64_min);
  CHECK(p.has_sponsor == std::vector<std::uint8_t>{0, 1});
  expect("id INT64_MAX + 1", [] { P("id,sponsor_id\n9223372036854775808,\n"); }, ErrorKind::parse,
         {"people.csv:2:1: column 'id': id '9223372036854775808' is outside the int64 range"});
  expect("sponsor INT64_MIN - 1", [] { P("id,sponsor_id\n1,-9223372036854775809\n"); },
         ErrorKind::parse, {"people.csv:2:2: column 'sponsor_id': id '-9223372036854775809'"});
}

// ------------------------------------------------------------------ files
TEST_CASE("bad input: files that cannot be read are named") {
  expect("missing participants file", [] { io::read_participants("/nonexistent/people.csv"); },
         ErrorKind::parse, {"/nonexistent/people.csv: cannot open file: No such file"});
  expect("missing orders file", [] { io::read_orders("/nonexistent/orders.csv"); },
         ErrorKind::parse, {"/nonexistent/orders.csv: cannot open file"});
  expect("a directory", [] { io::read_participants("/tmp"); }, ErrorKind::parse,
         {"/tmp: ", "directory"});
}

// ------------------------------------------------------------------ network
TEST_CASE("bad input: invalid networks name the ids") {
  {
    const std::vector<id_type> ids{1, 7, 3, 7};
    const std::vector<id_type> sp{0, 1, 1, 1};
    const std::vector<std::uint8_t> has{0, 1, 1, 1};
    const InputError e =
        expect("duplicate id", [&] { Network net(tree_input(ids, sp, has)); }, ErrorKind::duplicate_id,
               {"1 participant id(s) appear more than once: 7"});
    CHECK(e.ids() == std::vector<id_type>{7});
  }
  {
    std::vector<id_type> ids, sp;
    for (id_type i = 0; i < 20; ++i) ids.insert(ids.end(), {100 + i, 100 + i});
    sp.assign(ids.size(), no_sponsor);
    const InputError e =
        expect("20 duplicate ids", [&] { Network net(ids, sp); }, ErrorKind::duplicate_id,
               {"20 participant id(s) appear more than once: 100, 101", "109, ... (10 more)"});
    CHECK(e.ids().size() == 20);
  }
  {
    const InputError e =
        expect("own sponsor",
               [] {
                 Network net({1, 2, 3}, {no_sponsor, 2, 1});
               },
               ErrorKind::own_sponsor, {"1 participant(s) are their own sponsor: 2"});
    CHECK(e.ids() == std::vector<id_type>{2});
  }
  {
    const InputError e = expect("cycle of 2",
                                [] {
                                  Network net({1, 2, 3}, {no_sponsor, 3, 2});
                                },
                                ErrorKind::cycle,
                                {"cycle of 2 participant(s)", "(2 participant(s) are in or below"});
    CHECK(std::set<id_type>(e.ids().begin(), e.ids().end()) == std::set<id_type>{2, 3});
  }
  {
    // 10 -> 11 -> 12 -> 10, with 13 and 14 hanging below 12: 5 participants cut off
    const InputError e =
        expect("cycle with a tail",
               [] {
                 Network net({1, 10, 11, 12, 13, 14}, {no_sponsor, 12, 10, 11, 12, 13});
               },
               ErrorKind::cycle,
               {"cycle of 3 participant(s)", "(5 participant(s) are in or below cycles)"});
    CHECK(std::set<id_type>(e.ids().begin(), e.ids().end()) == std::set<id_type>{10, 11, 12});
  }
  {
    const InputError e =
        expect("unknown sponsor",
               [] {
                 Network net({1, 2, 3}, {no_sponsor, 1, 99});
               },
               ErrorKind::unknown_sponsor,
               {"1 participant(s) have a sponsor that is not a participant: 3 (sponsor 99)"});
    CHECK(e.ids() == std::vector<id_type>{3});
  }
  {
    std::vector<id_type> ids{0}, sp{no_sponsor};
    for (id_type i = 1; i <= 20; ++i) {
      ids.push_back(i);
      sp.push_back(1000 + i);
    }
    const InputError e =
        expect("20 unknown sponsors", [&] { Network net(ids, sp); }, ErrorKind::unknown_sponsor,
               {"20 participant(s) have a sponsor", "1 (sponsor 1001)", "... (10 more)"});
    CHECK(e.ids().size() == 20);
  }
}

TEST_CASE("bad input: a cycle of 1,000,000 participants is found and named") {
  const id_type n = 1000000;
  std::vector<id_type> ids(n), sp(n);
  for (id_type i = 0; i < n; ++i) {
    ids[i] = 5000000 + i;
    sp[i] = 5000000 + (i + 1) % n;
  }
  const InputError e =
      expect("cycle of 1,000,000", [&] { Network net(ids, sp); }, ErrorKind::cycle,
             {"sponsor links form a cycle of 1000000 participant(s): ", "(999990 more)",
              "(1000000 participant(s) are in or below cycles)"});
  CHECK(e.ids().size() == static_cast<std::size_t>(n));
  CHECK(std::set<id_type>(e.ids().begin(), e.ids().end()).size() == static_cast<std::size_t>(n));
}

TEST_CASE("bad input: ids at the int64 limits, and the no_sponsor sentinel") {
  tried("int64 limits with has_sponsor");
  // INT64_MIN is a root, INT64_MAX its recruit, 0 theirs.
  const std::vector<id_type> ids{0, i64_max, i64_min};
  const std::vector<id_type> sp{i64_max, i64_min, 12345};
  const std::vector<std::uint8_t> has{1, 1, 0};
  const Network net(tree_input(ids, sp, has));
  REQUIRE(net.size() == 3);
  CHECK(net.depth(net.at(i64_min)) == 0);
  CHECK(net.depth(net.at(i64_max)) == 1);
  CHECK(net.depth(net.at(0)) == 2);
  CHECK(net.id(net.parent(net.at(0))) == i64_max);
  CHECK(net.downline_size(net.at(i64_min)) == 2);
  CHECK(net.find(i64_min + 1) == npos);
  CHECK(net.find(i64_max - 1) == npos);

  // has_sponsor = 0 with a garbage sponsor (12345): the mask wins, a root
  CHECK(net.parent(net.at(i64_min)) == npos);

  // The convenience constructor marks roots by the sentinel no_sponsor == INT64_MIN: an
  // id equal to it would make roots and its recruits the same thing; refused, not guessed.
  const InputError e = expect("no_sponsor sentinel as an id",
                              [] {
                                Network bad({i64_min, 1}, {no_sponsor, i64_min});
                              },
                              ErrorKind::bad_value,
                              {"participant id -9223372036854775808 is also the no_sponsor marker",
                               "give NetworkInput::has_sponsor"});
  CHECK(e.ids() == std::vector<id_type>{i64_min});

  const std::vector<id_type> cids{i64_min, i64_max, 1};
  const std::vector<id_type> csp{i64_max, i64_min, 0};
  const std::vector<std::uint8_t> chas{1, 1, 0};
  expect("cycle between the int64 limits", [&] { Network c(tree_input(cids, csp, chas)); },
         ErrorKind::cycle,
         {"cycle of 2 participant(s)", "-9223372036854775808", "9223372036854775807"});

  NetworkInput huge;  // checked before any array is read
  huge.n = std::size_t{1} << 31;
  expect("too many participants", [&] { Network h(huge); }, ErrorKind::too_large,
         {"2147483648 participants exceed the limit of 2147483646"});
}

// ------------------------------------------------------------------ shapes
TEST_CASE("bad input: one sponsor with 1,000,000 recruits") {
  tried("one sponsor with 1,000,000 recruits");
  const id_type n = 1000001;
  std::vector<id_type> ids(n), sp(n, 7);
  std::vector<double> pv(n);
  std::vector<day_t> day(n, days_from_civil(2024, 1, 15));
  double total = 0, largest = -1;
  for (id_type i = 0; i < n; ++i) {
    ids[i] = 7 + i;
    pv[i] = static_cast<double>(i % 100);  // whole numbers: every sum is exact
    total += pv[i];
    if (i > 0) largest = std::max(largest, pv[i]);
  }
  sp[0] = no_sponsor;
  const Network net(ids, sp);
  const Activity act(net, ids, day, pv);
  const VolumeTable v = volumes(net, act);
  const index_t top = net.at(7);
  CHECK(v.frontline[top] == 1000000);
  CHECK(v.downline[top] == 1000000);
  CHECK(v.height[top] == 1);
  CHECK(v.gv[top] == total);
  CHECK(v.level[top] == total);  // level 1 of the sponsor: every recruit
  CHECK(v.power_leg[top] == largest);
  CHECK(v.lesser_legs[top] == total - 0.0 - largest);
  CHECK(net.frontline(top).size() == 1000000u);
}

TEST_CASE("bad input: a 1,000,000-level chain") {
  tried("1,000,000-level chain");
  const id_type n = 1000000;
  std::vector<id_type> ids(n), sp(n);
  std::vector<double> pv(n, 2.0);
  std::vector<day_t> day(n, days_from_civil(2024, 1, 15));
  for (id_type i = 0; i < n; ++i) {  // rows from the bottom up: the build cannot lean on order
    ids[i] = n - i;
    sp[i] = i + 1 < n ? n - i - 1 : no_sponsor;
  }
  const Network net(ids, sp);
  const index_t top = net.at(1), bottom = net.at(n);
  CHECK(net.depth(bottom) == n - 1);
  CHECK(net.downline_size(top) == n - 1);
  CHECK(net.upline(bottom).size() == static_cast<std::size_t>(n - 1));
  const Activity act(net, ids, day, pv);
  VolumeOptions opt;
  opt.levels = 2;
  const VolumeTable v = volumes(net, act, opt);
  CHECK(v.gv[top] == 2.0 * n);
  CHECK(v.height[top] == n - 1);
  CHECK(v.level[top] == 2.0);                                // level 1
  CHECK(v.level[static_cast<std::size_t>(n) + top] == 2.0);  // level 2
  CHECK(v.power_leg[top] == 2.0 * (n - 1));
  CHECK(v.lesser_legs[top] == 0.0);
}

// ------------------------------------------------------------------ orders
TEST_CASE("bad input: orders of unknown participants, raised or dropped") {
  const Network net({1, 2}, {no_sponsor, 1});
  const std::vector<id_type> pid{1, 99, 2, 98, 99};
  const std::vector<day_t> day(5, days_from_civil(2024, 3, 1));
  const std::vector<double> pv{10, 20, 30, 40, 50};
  const InputError e = expect("unknown participant (raise)", [&] { Activity a(net, pid, day, pv); },
                              ErrorKind::unknown_participant,
                              {"3 order(s) of 2 participant(s) not in the network: 98, 99"});
  CHECK(e.ids() == std::vector<id_type>{98, 99});

  tried("unknown participant (drop)");
  const Activity act(net, pid, day, pv, UnknownPolicy::drop);
  CHECK(act.dropped_rows() == std::vector<id_type>{1, 3, 4});
  CHECK(act.dropped_ids() == std::vector<id_type>{98, 99});
  CHECK(act.size() == 2u);  // nothing else is lost
  const VolumeTable v = volumes(net, act);
  CHECK(v.gv[net.at(1)] == pv[0] + pv[2]);
}

TEST_CASE("bad input: NaN and infinite volumes name the rows") {
  const Network net({1, 2}, {no_sponsor, 1});
  const std::vector<id_type> pid{1, 2, 1, 2};
  const std::vector<day_t> day(4, days_from_civil(2024, 3, 1));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto& [label, bad] : std::vector<std::pair<std::string, double>>{
           {"NaN pv", nan}, {"+inf pv", inf}, {"-inf pv", -inf}}) {
    const std::vector<double> pv{1, bad, 3, bad};
    const InputError e = expect(label, [&] { Activity a(net, pid, day, pv); }, ErrorKind::bad_value,
                                {"2 order(s) have a NaN or infinite volume, rows: 1, 3"});
    CHECK(e.ids() == std::vector<id_type>{1, 3});
    std::vector<std::int64_t> t(4, tick(2024, 3, 1));
    CHECK_THROWS_WITH_AS(Activity(net, pid.data(), t.data(), ns_per_day, pv.data(), 4),
                         doctest::Contains("NaN or infinite volume, rows: 1, 3"), InputError);
  }
}

TEST_CASE("bad input: missing and out-of-range date ticks name the rows and the dates") {
  const Network net({1}, {no_sponsor});
  const std::vector<id_type> pid(6, 1);
  const std::vector<double> pv(6, 1.0);
  const std::vector<std::int64_t> t{tick(2020, 1, 1),          Activity::not_a_time,
                                    tick(1899, 12, 31, 86399),  // the last second before 1900
                                    tick(1900, 1, 1),          tick(2200, 12, 31, 86399),
                                    tick(2201, 1, 1)};
  tried("NaT tick");
  tried("tick before 1900");
  tried("tick after 2200");
  const InputError e =
      error_of([&] { Activity a(net, pid.data(), t.data(), ns_per_day, pv.data(), 6); },
               ErrorKind::bad_value);
  CHECK(std::string(e.what()) ==
        "3 order(s) have a missing or out-of-range date, rows: 1 (missing), 2 (1899-12-31), 5 "
        "(2201-01-01) (supported dates: 1900-01-01 to 2200-12-31)");
  CHECK(e.ids() == std::vector<id_type>{1, 2, 5});

  tried("tick boundaries");  // the first and last supported instants are fine
  const std::vector<std::int64_t> ok{t[3], t[4]};
  const Activity a(net, pid.data(), ok.data(), ns_per_day, pv.data(), 2);
  CHECK(a.days() == std::vector<day_t>{days_from_civil(1900, 1, 1), days_from_civil(2200, 12, 31)});

  tried("ticks at +-2^62 days");  // in day units: far beyond any calendar, not wrapped
  const std::vector<std::int64_t> far{std::int64_t{1} << 62, -(std::int64_t{1} << 62)};
  const InputError f = error_of([&] { Activity b(net, pid.data(), far.data(), 1, pv.data(), 2); },
                                ErrorKind::bad_value);
  CHECK(std::string(f.what()).find("rows: 0 (out of range), 1 (out of range)") !=
        std::string::npos);
}

TEST_CASE("bad input: orders of ids at the int64 limits") {
  tried("orders of ids at the int64 limits");
  const std::vector<id_type> ids{i64_min, i64_max, 0};
  const std::vector<id_type> sp{0, i64_min, i64_max};
  const std::vector<std::uint8_t> has{0, 1, 1};
  const Network net(tree_input(ids, sp, has));
  const std::vector<id_type> pid{i64_max, i64_min, 0, i64_max};
  const std::vector<double> pv{1, 2, 4, 8};
  const std::vector<std::int64_t> t(4, tick(2024, 2, 2));
  const Activity act(net, pid.data(), t.data(), ns_per_day, pv.data(), 4);
  const VolumeTable v = volumes(net, act);
  CHECK(v.pv[net.at(i64_max)] == 1 + 8);
  CHECK(v.gv[net.at(i64_min)] == 1 + 2 + 4 + 8);
  CHECK(v.gv[net.at(0)] == 4);
  const std::vector<id_type> stranger{i64_max - 1};
  CHECK_THROWS_WITH_AS(Activity(net, stranger.data(), t.data(), ns_per_day, pv.data(), 1),
                       doctest::Contains("not in the network: 9223372036854775806"), InputError);
}

// ------------------------------------------------------------------ rollups
TEST_CASE("bad input: refunds (negative amounts) reduce PV, GV, levels and legs") {
  tried("refunds through the CSV pipeline (PV, GV, levels, legs, active)");
  //   1 ── 2 ── 4
  //   └─── 3
  const auto p =
      P("\xEF\xBB\xBFid,sponsor_id,enrolled_on,kind\r\n"
        "1,,2020-01-01,\"lead, \"\"A\"\"\"\r\n"
        "2,1,2020-01-02,member\r\n"
        "3,1,2020-01-03,member\r\n"
        "4,2,2020-01-04,customer\r\n");
  const auto o =
      O("participant_id,ordered_on,amount,pv\r\n"
        "1,2024-01-05,100,100\r\n"
        "2,2024-01-06,50,50\r\n"
        "2,2024-01-07,-80,-80\r\n"
        "3,2024-01-08,-10,-10\r\n"
        "4,2024-01-09,30,30\r\n"
        "4,2024-01-10,-30,-30\r\n");
  NetworkInput in;
  in.ids = p.id.data();
  in.sponsors = p.sponsor.data();
  in.has_sponsor = p.has_sponsor.data();
  in.enrolled_on = p.enrolled_on.data();
  in.n = p.id.size();
  const Network net(in);
  const Activity act(net, o.participant, o.day, o.pv);
  REQUIRE(act.size() == 6u);
  // Sums from the rows written above.
  std::map<id_type, double> pv;
  for (std::size_t i = 0; i < o.participant.size(); ++i) pv[o.participant[i]] += o.pv[i];
  CHECK(pv[2] == -30.0);
  CHECK(pv[4] == 0.0);
  const double gv4 = pv[4], gv2 = pv[2] + gv4, gv3 = pv[3], gv1 = pv[1] + gv2 + gv3;
  const VolumeTable v = volumes(net, act);
  auto at = [&](id_type id) { return net.at(id); };
  for (id_type id : {1, 2, 3, 4}) CHECK(v.pv[at(id)] == pv[id]);
  CHECK(v.gv[at(1)] == gv1);
  CHECK(v.gv[at(2)] == gv2);
  CHECK(v.gv[at(3)] == gv3);
  CHECK(v.level[at(1)] == pv[2] + pv[3]);        // level 1 of 1
  CHECK(v.level[p.id.size() + at(1)] == pv[4]);  // level 2 of 1
  // legs of 1: GV(2) = -30 and GV(3) = -10; the power leg is the larger, negative
  CHECK(v.power_leg[at(1)] == std::max(gv2, gv3));
  CHECK(v.power_leg[at(1)] < 0);
  CHECK(v.lesser_legs[at(1)] == gv1 - pv[1] - std::max(gv2, gv3));
  // active: an order with pv > 0 in the period; a refund never makes anyone active
  CHECK(v.active[at(1)] == 1);
  CHECK(v.active[at(2)] == 1);  // 50 then -80: had a positive order
  CHECK(v.active[at(3)] == 0);  // only a refund
  CHECK(v.active[at(4)] == 1);
  CHECK(v.active_downline[at(1)] == 2);
  VolumeOptions opt;
  tried("refunds with min_pv");
  opt.min_pv = 0.01;  // PV >= min_pv: the refunds count
  const VolumeTable m = volumes(net, act, opt);
  CHECK(m.active[at(2)] == 0);
  CHECK(m.active[at(4)] == 0);
  CHECK(m.active_downline[at(1)] == 0);
}

// ------------------------------------------------------------------ the count
TEST_CASE("bad input: zz the corpus size (the last case of this file)") {
  if (std::getenv("DOWNLINE_LIST_BAD_INPUTS"))
    for (const auto& s : tried_set()) MESSAGE(s);
  MESSAGE("bad inputs tried in C++: " << tried_set().size());
  CHECK(tried_set().size() == kBadInputs);
}
