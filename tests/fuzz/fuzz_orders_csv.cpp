// Fuzz target: downline::io::parse_orders on arbitrary bytes. It either throws
// InputError(parse) naming a line of the input, or returns a table that satisfies the
// OrderTable promises and equals the reference reading (reference_csv.hpp).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.hpp"
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
  const auto records = reference::records(text);
  if (!records) return x;
  const reference::Record& h = records->front();
  const int cp = reference::column(h, "participant_id"), cd = reference::column(h, "ordered_on"),
            ca = reference::column(h, "amount"), cv = reference::column(h, "pv");
  if (cp < 0 || cd < 0 || (ca < 0 && cv < 0)) return x;
  x.has_amount = ca >= 0;
  x.has_pv = cv >= 0;
  OrderTable& t = x.table;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const reference::Record& f = (*records)[r];
    const auto id = reference::id(reference::field(f, cp));
    const auto day = reference::date(reference::field(f, cd));
    if (!id || !day) return x;
    t.participant.push_back(*id);
    t.day.push_back(*day);
    double amount = 0;
    for (const int c : {ca, cv}) {
      if (c < 0) continue;
      const reference::Number v = reference::number(reference::field(f, c));
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
  const auto read = reference::parsed(downline::io::parse_orders, text, x.ok && !x.either);
  if (!read) return 0;
  const OrderTable& t = *read;
  // The promises of OrderTable.
  const std::size_t n = t.participant.size();
  FUZZ_CHECK(t.day.size() == n && t.pv.size() == n);
  FUZZ_CHECK(t.amount.empty() || t.amount.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    FUZZ_CHECK(std::isfinite(t.pv[i]));
    if (!t.amount.empty()) FUZZ_CHECK(std::isfinite(t.amount[i]));
  }
  // The reference reading.
  reference::check_reference_accepts(x.ok);
  FUZZ_CHECK(t.participant == x.table.participant);
  FUZZ_CHECK(t.day == x.table.day);
  FUZZ_CHECK(same(t.amount, x.table.amount));
  FUZZ_CHECK(same(t.pv, x.table.pv));
  // amount is filled when the file has the column; without a pv column, pv equals amount.
  FUZZ_CHECK(t.amount.size() == (x.has_amount ? n : 0));
  if (!x.has_pv) FUZZ_CHECK(same(t.pv, t.amount));
  return 0;
}
