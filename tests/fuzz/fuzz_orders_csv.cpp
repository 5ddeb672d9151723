// Fuzz target: downline::io::parse_orders on arbitrary bytes. It either throws
// InputError(parse) naming a line of the input, or returns a table that satisfies the
// OrderTable promises and equals the reference reading (reference_csv.hpp).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "check.hpp"
#include "downline/error.hpp"
#include "downline/io/csv.hpp"
#include "reference_csv.hpp"

namespace {

using downline::io::OrderTable;

struct Expected {
  bool ok = false;
  bool either = false;  // a number underflows: the reader may also reject the file
  bool has_amount = false, has_pv = false;
  OrderTable table;
};

Expected expected(std::string_view text) {
  Expected x;
  if (reference::utf8_error_at(text)) return x;  // not UTF-8 text: an error
  const auto records = reference::split(text);
  if (!records || records->empty()) return x;
  const reference::Record& h = records->front();
  const int cp = reference::column(h, "participant_id"), cd = reference::column(h, "ordered_on"),
            ca = reference::column(h, "amount"), cv = reference::column(h, "pv");
  if (cp < 0 || cd < 0 || (ca < 0 && cv < 0)) return x;
  x.has_amount = ca >= 0;
  x.has_pv = cv >= 0;
  auto at = [](const reference::Record& f, int c) { return f[static_cast<std::size_t>(c)]; };
  OrderTable& t = x.table;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const reference::Record& f = (*records)[r];
    if (f.size() != h.size()) return x;
    const auto id = reference::id(at(f, cp));
    const auto day = reference::date(at(f, cd));
    if (!id || !day) return x;
    t.participant.push_back(*id);
    t.day.push_back(*day);
    double amount = 0;
    for (const int c : {ca, cv}) {
      if (c < 0) continue;
      const reference::Number v = reference::number(at(f, c));
      if (v.verdict == reference::Number::reject) return x;
      x.either |= v.verdict == reference::Number::either;
      if (c == ca) {
        amount = v.value;
        t.amount.push_back(v.value);
      } else {
        t.pv.push_back(v.value);
      }
    }
    if (cv < 0) t.pv.push_back(amount);
  }
  x.ok = true;
  return x;
}

template <class A, class B>
bool same(const A& a, const B& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] || std::signbit(a[i]) != std::signbit(b[i])) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Expected x = expected(text);
  OrderTable t;
  try {
    t = downline::io::parse_orders(text.data(), text.size(), "fuzz");
  } catch (const downline::InputError& e) {
    reference::check_parse_error(e, text, "fuzz");
    if (x.ok && !x.either) {
      std::fprintf(stderr, "the reader rejects a valid file: %s\n", e.what());
      __builtin_trap();
    }
    return 0;
  }
  // The promises of OrderTable.
  const std::size_t n = t.participant.size();
  FUZZ_CHECK(t.day.size() == n && t.pv.size() == n);
  FUZZ_CHECK(t.amount.empty() || t.amount.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    FUZZ_CHECK(std::isfinite(t.pv[i]));
    if (!t.amount.empty()) FUZZ_CHECK(std::isfinite(t.amount[i]));
  }
  // The reference reading.
  if (!x.ok) {
    std::fprintf(stderr, "the reader accepts a file that the reference rejects\n");
    __builtin_trap();
  }
  FUZZ_CHECK(t.participant == x.table.participant);
  FUZZ_CHECK(t.day == x.table.day);
  FUZZ_CHECK(same(t.amount, x.table.amount));
  FUZZ_CHECK(same(t.pv, x.table.pv));
  // amount is filled when the file has the column; without a pv column, pv equals amount.
  FUZZ_CHECK(t.amount.size() == (x.has_amount ? n : 0));
  if (!x.has_pv) FUZZ_CHECK(same(t.pv, t.amount));
  return 0;
}
