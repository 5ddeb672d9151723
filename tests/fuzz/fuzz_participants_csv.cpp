// Fuzz target: downline::io::parse_participants on arbitrary bytes. It either throws
// InputError(parse) naming a line of the input, or returns a table that satisfies the
// ParticipantTable promises and equals the reference reading (reference_csv.hpp).
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "check.hpp"
#include "downline/io/csv.hpp"
#include "reference_csv.hpp"

namespace {

using downline::io::ParticipantTable;

struct Expected {
  bool ok = false;
  bool has_enrolled = false, has_kind = false;
  ParticipantTable table;
};

Expected expected(std::string_view text) {
  Expected x;
  const auto records = reference::records(text);
  if (!records) return x;
  const reference::Record& h = records->front();
  const int ci = reference::column(h, "id"), cs = reference::column(h, "sponsor_id"),
            ce = reference::column(h, "enrolled_on"), ck = reference::column(h, "kind");
  if (ci < 0 || cs < 0) return x;
  x.has_enrolled = ce >= 0;
  x.has_kind = ck >= 0;
  ParticipantTable& t = x.table;
  std::map<std::string, std::int32_t> codes;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const reference::Record& f = (*records)[r];
    const auto id = reference::id(reference::field(f, ci));
    if (!id) return x;
    t.id.push_back(*id);
    const std::string sponsor = reference::field(f, cs);
    if (sponsor.empty()) {
      t.has_sponsor.push_back(0);
      t.sponsor.push_back(0);
    } else {
      const auto s = reference::id(sponsor);
      if (!s) return x;
      t.has_sponsor.push_back(1);
      t.sponsor.push_back(*s);
    }
    if (ce >= 0) {
      const auto day = reference::date(reference::field(f, ce));
      if (!day) return x;
      t.enrolled_on.push_back(*day);
    }
    if (ck >= 0) {
      const std::string kind = reference::field(f, ck);
      if (kind.empty()) {
        t.kind.push_back(-1);
      } else {
        if (!codes.count(kind)) {  // codes in order of first appearance
          codes[kind] = static_cast<std::int32_t>(t.kind_names.size());
          t.kind_names.push_back(kind);
        }
        t.kind.push_back(codes[kind]);
      }
    }
  }
  x.ok = true;
  return x;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Expected x = expected(text);
  const auto read = reference::parsed(downline::io::parse_participants, text, x.ok);
  if (!read) return 0;
  const ParticipantTable& t = *read;
  // The promises of ParticipantTable.
  const std::size_t n = t.id.size();
  FUZZ_CHECK(t.sponsor.size() == n && t.has_sponsor.size() == n);
  FUZZ_CHECK(t.enrolled_on.empty() || t.enrolled_on.size() == n);
  FUZZ_CHECK(t.kind.empty() || t.kind.size() == n);
  if (t.kind.empty()) FUZZ_CHECK(t.kind_names.empty());
  for (std::size_t i = 0; i < n; ++i) FUZZ_CHECK(t.has_sponsor[i] <= 1);
  std::set<std::string> names(t.kind_names.begin(), t.kind_names.end());
  FUZZ_CHECK(names.size() == t.kind_names.size());  // distinct
  std::int32_t next = 0;  // codes appear in order: each new one is the next unused
  for (const std::int32_t k : t.kind) {
    FUZZ_CHECK(k >= -1 && k < static_cast<std::int32_t>(t.kind_names.size()));
    FUZZ_CHECK(k <= next);
    if (k == next) ++next;
  }
  FUZZ_CHECK(next == static_cast<std::int32_t>(t.kind_names.size()));  // every name used
  // The reference reading.
  reference::check_reference_accepts(x.ok);
  FUZZ_CHECK(t.id == x.table.id);
  FUZZ_CHECK(t.has_sponsor == x.table.has_sponsor);
  for (std::size_t i = 0; i < n; ++i)
    if (t.has_sponsor[i]) FUZZ_CHECK(t.sponsor[i] == x.table.sponsor[i]);
  FUZZ_CHECK(t.enrolled_on.size() == (x.has_enrolled ? n : 0));
  FUZZ_CHECK(t.enrolled_on == x.table.enrolled_on);
  FUZZ_CHECK(t.kind.size() == (x.has_kind ? n : 0));
  FUZZ_CHECK(t.kind == x.table.kind);
  FUZZ_CHECK(t.kind_names == x.table.kind_names);
  return 0;
}
