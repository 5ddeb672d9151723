#include <doctest/doctest.h>

#include <cstdio>
#include <unordered_set>
#include <string>

#include "downline/date.hpp"
#include "downline/detail/parallel.hpp"
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

namespace {
// A plain file of n orders written here (not by io::write_orders), with values drawn in
// the test: ids over the whole int64 range, dates with and without a time, numbers in
// several spellings, "\n" and "\r\n" line ends, no line end after the last record.
struct OrdersText {
  std::string text;
  std::vector<id_type> participant;
  std::vector<day_t> day;
  std::vector<double> amount, pv;
};
OrdersText orders_text(std::size_t n) {
  OrdersText o;
  o.text = "participant_id,ordered_on,amount,pv\n";
  std::uint64_t x = 12345;
  auto next = [&x] { return x = x * 6364136223846793005ULL + 1442695040888963407ULL; };
  const char* amounts[] = {"12.5", "-0.25", "1e3", "7", "0.1", "-3"};
  const double amount_values[] = {12.5, -0.25, 1000.0, 7.0, 0.1, -3.0};
  char buf[128];
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t r = next();
    id_type id = static_cast<id_type>(r >> 20);
    if (i == 7) id = std::numeric_limits<id_type>::min();
    if (i == 8) id = std::numeric_limits<id_type>::max();
    if (i % 3 == 0) id = -id;
    const day_t day = days_from_civil(1990, 1, 1) + static_cast<day_t>(r % 15000);
    const int a = static_cast<int>((r >> 8) % 6), v = static_cast<int>((r >> 12) % 6);
    const CivilDate c = civil_from_days(day);
    const char* time = i % 5 == 0 ? " 12:30:00" : i % 7 == 0 ? "T08:00" : "";
    const char* end = i + 1 == n ? "" : i % 4 == 0 ? "\r\n" : "\n";
    std::snprintf(buf, sizeof buf, "%lld,%04d-%02u-%02u%s,%s,%s%s", static_cast<long long>(id), c.year,
                  c.month, c.day, time, amounts[a], amounts[v], end);
    o.text += buf;
    o.participant.push_back(id);
    o.day.push_back(day);
    o.amount.push_back(amount_values[a]);
    o.pv.push_back(amount_values[v]);
  }
  return o;
}
struct ThreadsGuard {
  ~ThreadsGuard() { set_num_threads(0); }
};
}  // namespace

TEST_CASE("orders: a plain file read on 1, 2 and 3 threads equals the values written") {
  const ThreadsGuard guard;
  const OrdersText o = orders_text(120000);  // about 4 MB: several parts of lines
  for (const int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    const auto t = O(o.text);
    CHECK(t.participant == o.participant);
    CHECK(t.day == o.day);
    CHECK(t.amount == o.amount);
    CHECK(t.pv == o.pv);
  }
}

TEST_CASE("orders: what the fast path does not take is still read, or named, on every thread count") {
  const ThreadsGuard guard;
  const OrdersText o = orders_text(90000);
  // line k + 2 holds record k (the header is line 1)
  auto line_start = [&](std::size_t k) {
    std::size_t at = o.text.find('\n') + 1;
    for (std::size_t i = 0; i < k; ++i) at = o.text.find('\n', at) + 1;
    return at;
  };
  const std::size_t late = line_start(70000);  // in the last part on 2 and 3 threads
  std::string blank = o.text, plus = o.text, quoted = o.text, bad = o.text;
  blank.insert(late, "\n");                     // a blank line is skipped
  plus.insert(late + plus.substr(late).find(',', plus.substr(late).find(',') + 1) + 1, "+");  // "+12.5"
  quoted.insert(late, "\"");                    // a quoted id
  quoted.insert(quoted.find(',', late), "\"");
  const std::size_t comma = bad.find(',', late);
  bad.replace(comma + 1, 10, "2020-13-01");     // no month 13
  for (const int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    for (const std::string* text : {&blank, &plus, &quoted}) {
      const auto t = O(*text);
      CHECK(t.participant == o.participant);
      CHECK(t.day == o.day);
      CHECK(t.amount == o.amount);
      CHECK(t.pv == o.pv);
    }
    CHECK(error_of(bad, true).find("o.csv:70002:2: column 'ordered_on': '2020-13-01") == 0);
  }
}

TEST_CASE("participants: kinds and categories in order of first appearance across the parts") {
  const ThreadsGuard guard;
  std::string text = "id,sponsor_id,region,kind,enrolled_on\r\n";
  const std::size_t n = 150000;
  std::vector<std::int32_t> kind(n), region(n);
  std::vector<std::string> region_names;
  // kinds: "member" from the start, "customer" from row 60000, "leader" only at row 140000
  // (parts of the later threads); empty kinds at every 11th row; regions r0 .. r99 first
  // met in the order r0, r1, ... and drawn so that the later ones first appear late.
  char buf[128];
  for (std::size_t i = 0; i < n; ++i) {
    const char* k = i % 11 == 5 ? "" : i == 140000 ? "leader" : i >= 60000 && i % 2 ? "customer" : "member";
    kind[i] = *k == 0 ? -1 : i == 140000 ? 2 : i >= 60000 && i % 2 ? 1 : 0;
    const std::size_t reg = (i * 7919) % (1 + i / 1500);
    if (reg == region_names.size()) region_names.push_back("r" + std::to_string(reg));
    REQUIRE(reg < region_names.size());
    region[i] = static_cast<std::int32_t>(reg);
    std::snprintf(buf, sizeof buf, "%zu,%s,%s,%s,2019-%02zu-%02zu\n", i + 1,
                  i == 0 ? "" : std::to_string(i / 2 + 1).c_str(), region_names[reg].c_str(), k, i % 12 + 1,
                  i % 28 + 1);
    text += buf;
  }
  io::ParticipantFileColumns cols;
  cols.categories = {"region"};
  for (const int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    const auto t = io::parse_participants(text.data(), text.size(), "p.csv", cols);
    REQUIRE(t.id.size() == n);
    CHECK(t.kind_names == std::vector<std::string>{"member", "customer", "leader"});
    CHECK(t.kind == kind);
    REQUIRE(t.categories.size() == 1);
    CHECK(t.categories[0].column == "region");
    CHECK(t.categories[0].names == region_names);
    CHECK(t.categories[0].codes == region);
    CHECK(t.has_sponsor[0] == 0);
    CHECK(t.sponsor[9] == 5);
    CHECK(t.enrolled_on[13] == days_from_civil(2019, 2, 14));
  }
}

TEST_CASE("participants and orders: optional columns can be required or left out") {
  const std::string people = "id,sponsor_id,kind\n1,,a\n2,1,b\n";
  io::ParticipantFileColumns cols;
  cols.require_enrolled_on = true;
  CHECK_THROWS_WITH(io::parse_participants(people.data(), people.size(), "p.csv", cols),
                    doctest::Contains("p.csv:1:1: missing enrolment date column 'enrolled_on'"));
  cols = {};
  cols.kind = "";  // not read
  CHECK(io::parse_participants(people.data(), people.size(), "p.csv", cols).kind.empty());
  cols.categories = {"region"};
  CHECK_THROWS_WITH(io::parse_participants(people.data(), people.size(), "p.csv", cols),
                    doctest::Contains("missing category column 'region' (header has: id, sponsor_id, kind)"));
  const std::string orders = "participant_id,ordered_on,amount\n1,2020-01-01,5\n";
  io::OrderFileColumns oc;
  oc.require_pv = true;
  CHECK_THROWS_WITH(io::parse_orders(orders.data(), orders.size(), "o.csv", oc),
                    doctest::Contains("o.csv:1:1: missing pv column 'pv'"));
  oc = {};
  oc.amount = "";  // pv is then required
  CHECK_THROWS_WITH(io::parse_orders(orders.data(), orders.size(), "o.csv", oc),
                    doctest::Contains("missing amount or pv column 'pv'"));
}

TEST_CASE("participants: spaces around a field are not part of it, in a plain file too") {
  io::ParticipantFileColumns cols;
  cols.categories = {"region"};
  const std::string text = "id,sponsor_id,kind,region\n1,, member,north\n2,1,member ,\tnorth \n3,1,member,south\n";
  const auto t = io::parse_participants(text.data(), text.size(), "p.csv", cols);
  CHECK(t.kind_names == std::vector<std::string>{"member"});
  CHECK(t.kind == std::vector<std::int32_t>{0, 0, 0});
  CHECK(t.categories[0].names == std::vector<std::string>{"north", "south"});
  CHECK(t.sponsor[2] == 1);
}

// ------------------------------------------------------------------ encodings (issue 23)
TEST_CASE("text: UTF-8 with or without a byte order mark is read, its characters kept") {
  // U+00E9, U+10FFFF (the last code point), U+1F600, U+0800 and U+D7FF (first and last
  // three-byte characters around the surrogates): well-formed by Unicode's Table 3-7
  const std::vector<std::string> kinds = {"caf\xC3\xA9", "\xF4\x8F\xBF\xBF", "\xF0\x9F\x98\x80",
                                          "\xE0\xA0\x80", "\xED\x9F\xBF"};
  for (const std::string bom : {"", "\xEF\xBB\xBF"}) {
    std::string text = bom + "id,sponsor_id,kind\n";
    for (std::size_t i = 0; i < kinds.size(); ++i) text += std::to_string(i + 1) + ",," + kinds[i] + "\n";
    CHECK(P(text).kind_names == kinds);
  }
}

TEST_CASE("text: other encodings and binary bytes are named with the line and the byte offset") {
  // the header "id,sponsor_id,kind\n" is 19 bytes: line 2 starts at byte offset 19
  const std::string head = "id,sponsor_id,kind\n";
  // bytes that begin no well-formed UTF-8 character (Table 3-7), after "1,,x" at offsets 19..22
  const std::vector<std::string> bad = {
      "\xE9",              // Latin-1 e-acute before a comma-free end of line
      "\xC0\xAF",          // overlong '/'
      "\xE0\x9F\xBF",      // overlong three-byte form
      "\xED\xA0\x80",      // a surrogate (U+D800)
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\x80",              // a continuation byte alone
      "\xF5\x80\x80\x80",  // F5..FF never occur
      "\xC3x",             // a lead byte without its continuation
  };
  for (const std::string& b : bad) {
    const std::string what = error_of(head + "1,,x" + b + "y\n", false);
    INFO(what);
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(b[0])));
    CHECK(what.find("p.csv:2:5: not UTF-8 text: byte " + std::string(byte) + " at byte offset 23") !=
          std::string::npos);
    CHECK(what.find("iconv -f latin1 -t utf-8 in.csv > out.csv") != std::string::npos);
  }
  // a character cut short by the end of the file (line 2, offset 23), in orders too
  CHECK(error_of(head + "1,,x\xE2\x82", false).find("p.csv:2:5: not UTF-8 text: byte 0xE2 at byte offset 23 begins "
                                                     "a character that the end of the file cuts short") !=
        std::string::npos);
  CHECK(error_of("participant_id,ordered_on,pv\n1,2020-01-01,\xE9\n", true)
            .find("o.csv:2:14: not UTF-8 text: byte 0xE9 at byte offset 42") != std::string::npos);
  // UTF-16 with either byte order mark, and without one (NUL bytes)
  const std::string le = std::string("\xFF\xFEi\0d\0,\0", 8), be = std::string("\xFE\xFF\0i\0d\0,", 8);
  CHECK(error_of(le, false).find("p.csv:1:1: not UTF-8 text but UTF-16: it starts with the UTF-16 byte order mark "
                                 "FF FE (byte offset 0)") != std::string::npos);
  CHECK(error_of(be, false).find("FE FF (byte offset 0)") != std::string::npos);
  CHECK(error_of(le, false).find("iconv -f utf-16 -t utf-8 in.csv > out.csv") != std::string::npos);
  CHECK(error_of(le.substr(2), false).find("p.csv:1:2: a NUL byte at byte offset 1: not CSV text") !=
        std::string::npos);
  CHECK(error_of(be.substr(2), true).find("o.csv:1:1: a NUL byte at byte offset 0") != std::string::npos);
  // a NUL after CRLF and lone-CR line ends: line 3 starts at offset 18, the NUL at 21 (in
  // the third 8-byte word of the ASCII fast path)
  CHECK(error_of(std::string("id,sponsor_id\r\n1,\r2,1\0\n3,1\n", 27), false)
            .find("p.csv:3:4: a NUL byte at byte offset 21") != std::string::npos);
}

TEST_CASE("text: a bad byte deep in a file read on 1, 2 and 3 threads is the first one, exactly placed") {
  ThreadsGuard guard;
  // 300,000 lines of 30 bytes (9 MB: parts of several MB), each with a two-byte and a
  // four-byte character (bytes 17-20), so that the parts are cut inside characters; then
  // a Latin-1 byte and, after it, a NUL: the first is named
  const std::string line = "123456,123,caf\xC3\xA9 \xF0\x9F\x98\x80 abcdefg\n";
  REQUIRE(line.size() == 30);
  std::string text = "\xEF\xBB\xBFid,sponsor_id,kind\n";  // data from byte 22: 2 parts cut at byte 19 of a line
  for (int i = 0; i < 300000; ++i) text += line;
  std::string bad = text;
  const std::size_t at = 22 + 30 * 200000 + 13;  // line 200,002: "caf\xC3\xA9" -> "ca\xE9x\xA9"
  bad[at] = '\xE9';
  bad[at + 1] = 'x';
  bad[22 + 30 * 250000] = '\0';
  for (const int n : {1, 2, 3}) {
    set_num_threads(n);
    CHECK(P(text).id.size() == 300000);  // parts cut inside characters are still read
    CHECK(error_of(bad, false).find("p.csv:200002:14: not UTF-8 text: byte 0xE9 at byte offset " +
                                    std::to_string(at)) != std::string::npos);
  }
}

TEST_CASE("text: /dev/zero, a pipe that never ends, a directory and a missing file stop at once, named") {
  // /dev/zero: the first chunk's NUL, not a read to the end of the device
  CHECK_THROWS_WITH(io::read_orders("/dev/zero"),
                    doctest::Contains("/dev/zero:1:1: a NUL byte at byte offset 0: not CSV text"));
  const std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
  CHECK_THROWS_WITH(io::read_participants(dir), doctest::Contains((dir + ": is a directory, not a CSV file").c_str()));
  CHECK_THROWS_WITH(io::read_participants(dir + "/no/such.csv"),
                    doctest::Contains((dir + "/no/such.csv: cannot open file: No such file or directory").c_str()));
  // a binary regular file
  const std::string bin = dir + "/downline_test_binary.csv";
  {
    std::FILE* f = std::fopen(bin.c_str(), "wb");
    REQUIRE(f);
    const std::string head = std::string("id,sponsor_id\n\x89PNG\0", 19);
    std::fwrite(head.data(), 1, head.size(), f);
    std::fclose(f);
  }
  CHECK_THROWS_WITH(io::read_participants(bin),
                    doctest::Contains((bin + ":2:1: not UTF-8 text: byte 0x89 at byte offset 14").c_str()));
  std::remove(bin.c_str());
}

TEST_CASE("ids: whole numbers written with a fraction of zeros, as pandas writes a float column") {
  // a plain file (the fast path) and the same with spaces (the exact reader)
  for (const std::string pad : {"", " "}) {
    const auto p = P("id,sponsor_id\n" + pad + "17850.0,\n17851.00," + pad + "17850.\n-3.0,17851\n0.000,-3\n");
    CHECK(p.id == std::vector<id_type>{17850, 17851, -3, 0});
    CHECK(p.sponsor == std::vector<id_type>{0, 17850, 17851, -3});
    CHECK(p.has_sponsor == std::vector<std::uint8_t>{0, 1, 1, 1});
    CHECK(O("participant_id,ordered_on,pv\n" + pad + "9223372036854775807.0,2020-01-01,1\n").participant ==
          std::vector<id_type>{std::numeric_limits<id_type>::max()});
  }
  for (const std::string bad : {"17850.5", "1.0.0", ".0", ".", "-.0", "1e3", "17850.01"})
    CHECK(error_of("id,sponsor_id\n" + bad + ",\n", false).find("p.csv:2:1: column 'id': '" + bad +
                                                                 "' is not an integer id") != std::string::npos);
}

// ------------------------------------------------------------------ text ids (issue 23)
namespace {
io::ParticipantTable P_as(const std::string& s, io::IdKind ids) {
  io::ParticipantFileColumns cols;
  cols.ids = ids;
  return io::parse_participants(s.data(), s.size(), "p.csv", cols);
}
io::OrderTable O_as(const std::string& s, io::IdKind ids) {
  io::OrderFileColumns cols;
  cols.ids = ids;
  return io::parse_orders(s.data(), s.size(), "o.csv", cols);
}
std::string text_error_of(const std::string& s, bool orders) {
  try {
    if (orders)
      O_as(s, io::IdKind::text);
    else
      P_as(s, io::IdKind::text);
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::parse);
    return e.what();
  }
  return "no error";
}
/// A text id column as its values ("" for code -1), so that two tables compare by value.
std::vector<std::string> values(const io::CategoryColumn& c) {
  std::vector<std::string> out;
  for (const std::int32_t k : c.codes) out.push_back(k < 0 ? "" : c.names[static_cast<std::size_t>(k)]);
  return out;
}
/// Participants with text ids written here: record i has the id "A-<(i * 7919) % n>"
/// (every id once, in a scrambled order), the sponsor of record i > 0 the id of record
/// i / 2 (empty for record 0), and "\r\n" line ends on every 3rd record.
struct PeopleText {
  std::string text;
  std::vector<std::string> id, sponsor;
};
PeopleText people_text(std::size_t n) {
  PeopleText p;
  p.text = "id,sponsor_id,kind\n";
  for (std::size_t i = 0; i < n; ++i) {
    p.id.push_back("A-" + std::to_string((i * 7919) % n));
    p.sponsor.push_back(i == 0 ? "" : p.id[i / 2]);
    p.text += p.id[i] + "," + p.sponsor[i] + ",member" + (i % 3 ? "\n" : "\r\n");
  }
  return p;
}
/// The names of values in order of first appearance (empty values skipped).
std::vector<std::string> first_appearance(const std::vector<std::string>& v) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  for (const std::string& s : v)
    if (!s.empty() && seen.insert(s).second) names.push_back(s);
  return names;
}
}  // namespace

TEST_CASE("text ids: the parallel reader and the serial reader give the same table on 1, 2 and 3 threads") {
  const ThreadsGuard guard;
  const std::size_t n = 150000;  // about 3 MB: several parts of lines
  const PeopleText p = people_text(n);
  // the same records that the fast path does not take (the serial reader reads them): a
  // quoted id and spaces around a sponsor near the end
  std::string serial = p.text;
  const std::size_t late = serial.find("\nA-" + std::to_string((140000 * 7919) % n) + ",") + 1;
  serial.insert(late, "\"");
  serial.insert(serial.find(',', late), "\"");
  serial.insert(serial.find(',', late) + 1, "  ");
  REQUIRE(serial.size() == p.text.size() + 4);
  const std::vector<std::string> id_names = first_appearance(p.id), sponsor_names = first_appearance(p.sponsor);
  for (const int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    const auto fast = P_as(p.text, io::IdKind::text);
    const auto exact = P_as(serial, io::IdKind::text);
    for (const io::ParticipantTable* t : {&fast, &exact}) {
      CHECK(t->ids == io::IdKind::text);
      CHECK(t->id.empty());
      CHECK(t->sponsor.empty());
      CHECK(t->id_text.column == "id");
      CHECK(t->sponsor_text.column == "sponsor_id");
      CHECK(values(t->id_text) == p.id);
      CHECK(values(t->sponsor_text) == p.sponsor);
      CHECK(t->id_text.names == id_names);  // in order of first appearance in the file
      CHECK(t->sponsor_text.names == sponsor_names);
      CHECK(t->has_sponsor[0] == 0);
      CHECK(t->has_sponsor[n - 1] == 1);
      CHECK(t->sponsor_text.codes[0] == -1);
    }
    // identical tables: the same codes, names and other columns
    CHECK(fast.id_text.codes == exact.id_text.codes);
    CHECK(fast.sponsor_text.codes == exact.sponsor_text.codes);
    CHECK(fast.has_sponsor == exact.has_sponsor);
    CHECK(fast.kind == exact.kind);
    CHECK(fast.kind_names == exact.kind_names);
  }
  // orders: the participants' ids, each twice, in the order of the records
  std::string orders = "participant_id,ordered_on,pv\n", orders_serial;
  std::vector<std::string> bought;
  for (std::size_t i = 0; i < 2 * n; i += 3) {
    bought.push_back(p.id[(i * 31) % n]);
    orders += bought.back() + ",2020-01-02,1.5\n";
  }
  orders_serial = orders + "\n";  // a blank line at the end: the serial reader
  orders_serial.insert(orders_serial.find("\n", orders_serial.size() / 2) + 1, "\r\n");
  for (const int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    const auto fast = O_as(orders, io::IdKind::text);
    const auto exact = O_as(orders_serial, io::IdKind::text);
    CHECK(fast.ids == io::IdKind::text);
    CHECK(fast.participant.empty());
    CHECK(fast.participant_text.column == "participant_id");
    CHECK(values(fast.participant_text) == bought);
    CHECK(fast.participant_text.names == first_appearance(bought));
    CHECK(fast.participant_text.codes == exact.participant_text.codes);
    CHECK(fast.participant_text.names == exact.participant_text.names);
    CHECK(fast.day == exact.day);
    CHECK(fast.pv == exact.pv);
  }
}

TEST_CASE("text ids: quoted fields, CRLF, spaces around a field, an empty sponsor; digits stay text") {
  const std::string text = "\xEF\xBB\xBFid,sponsor_id\r\n\"A,1\",\r\n 007 ,\"A,1\"\r\n7,007\r\n\"say \"\"hi\"\"\",  \r\n";
  for (const std::string& s : {text, text.substr(0, text.size() - 2) /* no line end after the last */}) {
    const auto t = P_as(s, io::IdKind::text);
    CHECK(t.id_text.names == std::vector<std::string>{"A,1", "007", "7", "say \"hi\""});
    CHECK(t.id_text.codes == Array<std::int32_t>{0, 1, 2, 3});
    CHECK(t.sponsor_text.names == std::vector<std::string>{"A,1", "007"});
    CHECK(t.sponsor_text.codes == Array<std::int32_t>{-1, 0, 1, -1});  // spaces only: empty, a root
    CHECK(t.has_sponsor == Array<std::uint8_t>{0, 1, 1, 0});
  }
  const auto o = O_as("participant_id,ordered_on,amount\r\n\"A,1\",2020-01-01,1\r\n 007\t,2020-01-02,2\r\n", io::IdKind::text);
  CHECK(values(o.participant_text) == std::vector<std::string>{"A,1", "007"});
  CHECK(o.amount == Array<double>{1, 2});
  // the writers quote what needs it; what they write reads back the same
  const std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
  const std::string pp = dir + "/downline_test_text_p.csv", op = dir + "/downline_test_text_o.csv";
  const auto t = P_as(text, io::IdKind::text);
  io::write_participants(pp, t);
  io::write_orders(op, o);
  io::ParticipantFileColumns pc;
  pc.ids = io::IdKind::text;
  io::OrderFileColumns oc;
  oc.ids = io::IdKind::text;
  const auto back = io::read_participants(pp, pc);
  const auto back_orders = io::read_orders(op, oc);
  std::remove(pp.c_str());
  std::remove(op.c_str());
  CHECK(values(back.id_text) == values(t.id_text));
  CHECK(values(back.sponsor_text) == values(t.sponsor_text));
  CHECK(values(back_orders.participant_text) == values(o.participant_text));
}

TEST_CASE("text ids: an empty id is named with file:line:column on every thread count") {
  const ThreadsGuard guard;
  const PeopleText p = people_text(100000);
  std::string empty_id = p.text, blank_id = p.text;
  const std::size_t at = empty_id.find("\nA-" + std::to_string((90000 * 7919) % 100000) + ",") + 1;
  empty_id.erase(at, empty_id.find(',', at) - at);  // record 90000 is line 90002
  blank_id.replace(at, blank_id.find(',', at) - at, " \t ");
  for (const int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    CHECK(text_error_of(empty_id, false) == "p.csv:90002:1: column 'id': empty id");
    CHECK(text_error_of(blank_id, false) == "p.csv:90002:1: column 'id': empty id");
  }
  CHECK(text_error_of("participant_id,ordered_on,pv\n1,2020-01-01,1\n\"\",2020-01-01,1\n", true) ==
        "o.csv:3:1: column 'participant_id': empty id");
  CHECK(text_error_of("id,sponsor_id,enrolled_on\nA,,2020-02-30\n", false)
            .find("p.csv:2:3: column 'enrolled_on': '2020-02-30' is not a date") == 0);
}

TEST_CASE("ids: automatic reads integer ids as integers, anything else as text") {
  const ThreadsGuard guard;
  const std::string ints = "id,sponsor_id\n1,\n2.0,1\n-3,2\n";
  const auto i = P_as(ints, io::IdKind::automatic);
  CHECK(i.ids == io::IdKind::integer);
  CHECK(i.id == Array<id_type>{1, 2, -3});
  CHECK(i.id_text.codes.empty());
  // a text id on the last line of a large file, in the sponsor column, beyond int64
  const OrdersText o = orders_text(90000);
  for (const int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    const auto as_int = O_as(o.text, io::IdKind::automatic);
    CHECK(as_int.ids == io::IdKind::integer);
    CHECK(as_int.participant == o.participant);
    const auto as_text = O_as(o.text + "\nA-17,2020-01-01,1,1\n", io::IdKind::automatic);
    CHECK(as_text.ids == io::IdKind::text);
    REQUIRE(as_text.participant_text.codes.size() == o.participant.size() + 1);
    CHECK(values(as_text.participant_text).back() == "A-17");
    CHECK(as_text.day == O_as(o.text + "\nA-17,2020-01-01,1,1\n", io::IdKind::text).day);
  }
  CHECK(P_as("id,sponsor_id\n1,\n2,x\n", io::IdKind::automatic).ids == io::IdKind::text);
  const auto big = P_as("id,sponsor_id\n9223372036854775808,\n5,9223372036854775808\n", io::IdKind::automatic);
  CHECK(big.ids == io::IdKind::text);
  CHECK(big.id_text.names == std::vector<std::string>{"9223372036854775808", "5"});
  // other errors are the same in every kind: an empty id, a bad date before the text id
  for (const io::IdKind k : {io::IdKind::integer, io::IdKind::text, io::IdKind::automatic}) {
    io::ParticipantFileColumns cols;
    cols.ids = k;
    const std::string empty = "id,sponsor_id\n1,\n,1\nA,1\n", date = "id,sponsor_id,enrolled_on\n1,,2020-13-01\nA,1,2020-01-01\n";
    CHECK_THROWS_WITH(io::parse_participants(empty.data(), empty.size(), "p.csv", cols),
                      "p.csv:3:1: column 'id': empty id");
    CHECK_THROWS_WITH(io::parse_participants(date.data(), date.size(), "p.csv", cols),
                      doctest::Contains("p.csv:2:3: column 'enrolled_on': '2020-13-01'"));
  }
  // integer: a text id is an error
  CHECK(error_of("id,sponsor_id\n1,\nA-17,1\n", false) == "p.csv:3:1: column 'id': 'A-17' is not an integer id");
}

TEST_CASE("write_table: integers, whole cents as Python's repr writes them, texts by code") {
  const std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
  const std::string path = dir + "/downline_test_table.csv";
  const std::int64_t ids[] = {INT64_MIN, -7, 0, 9000000000000000000};
  const std::int32_t small[] = {INT32_MIN, -1, 10, INT32_MAX};
  // repr(x) for these: '-0.0', '0.07', '12.5', '-9999999999999.99'
  const double money[] = {-0.0, 0.07, 12.5, -9999999999999.99};
  const std::int64_t codes[] = {1, -1, 0, 1};
  std::vector<io::TextColumn> cols(4);
  cols[0].integers = ids;
  cols[1].integers32 = small;
  cols[2].kind = io::TextColumn::Kind::cents;
  cols[2].cents = money;
  cols[3].kind = io::TextColumn::Kind::texts;
  cols[3].codes = codes;
  cols[3].texts = {"\"a,b\"", std::string("x\0y", 3)};
  io::write_table(path, "id,n,m,t\n", cols, 4, "\r\n");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string got(4096, '\0');
  got.resize(std::fread(got.data(), 1, got.size(), f));
  std::fclose(f);
  const std::string xy("x\0y", 3);
  CHECK(got == "id,n,m,t\n"
               "-9223372036854775808,-2147483648,-0.0," + xy + "\r\n"
               "-7,-1,0.07,\r\n"
               "0,10,12.5,\"a,b\"\r\n"
               "9000000000000000000,2147483647,-9999999999999.99," + xy + "\r\n");
  // not whole cents, or beyond 1e13: refused before the file is written
  const double bad[] = {0.1 + 0.2, 1.0, 1e13, 2.0};
  cols[2].cents = bad;
  CHECK_FALSE(io::whole_cents(bad, 1));
  CHECK(io::whole_cents(money, 4));
  CHECK_THROWS_AS(io::write_table(path, "", cols, 2, "\n"), std::invalid_argument);
  CHECK_THROWS_AS(io::write_table(dir + "/no/such/folder/t.csv", "", {}, 0, "\n"), InputError);
  std::remove(path.c_str());
}
