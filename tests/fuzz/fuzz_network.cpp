// Fuzz target: building a downline::Network from a small list of records decoded from the
// bytes, checked against a brute force (O(n^2), n <= 64):
//  - it throws InputError exactly when the input has a duplicate id, an own sponsor, an
//    unknown sponsor, a cycle or (roots marked by no_sponsor) an id equal to no_sponsor,
//    of one of the kinds present, naming the offending ids;
//  - otherwise every preorder range [k, end(k)) is exactly k and its descendants, the
//    parents, depths, row maps, lookups, frontlines and uplines are right, and subtree_sum
//    of all-ones gives the subtree sizes.
//
// Bytes: [flags] then 3 bytes per record [id, sponsor, extra].
//   flags bit 0: roots marked by the has_sponsor mask (else by sponsor == no_sponsor);
//   bit 1: pass enrolment days; bit 2: pass kinds; bits 3-4: how a byte becomes an id
//   (0..7, 0..63, a table with the int64 extremes, or spread out so that ids are hashed).
//   extra bit 0: has a sponsor (bit 1 too, in the mask: any non-zero value counts);
//   bits 2-7: enrolment day and kind.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "check.hpp"
#include "downline/error.hpp"
#include "downline/network.hpp"
#include "downline/rollup.hpp"

namespace {

using downline::day_t;
using downline::id_type;
using downline::index_t;
using downline::npos;

constexpr std::size_t max_records = 64;
constexpr id_type lo = std::numeric_limits<id_type>::min();
constexpr id_type hi = std::numeric_limits<id_type>::max();

id_type decode(std::uint8_t b, int mode) {
  static const id_type special[16] = {
      lo, lo + 1,  lo + 2,           -(id_type{1} << 31) - 1, -2,     -1,     0, 1, 2,
      3,  1 << 30, id_type{1} << 31, id_type{1} << 32,        hi - 2, hi - 1, hi};
  switch (mode) {
    case 0:
      return b % 8;
    case 1:
      return b % 64;
    case 2:
      return special[b % 16];
    default:  // multiples of the golden ratio constant: far apart, so the index hashes
      return static_cast<id_type>((b % 32) * 0x9E3779B97F4A7C15ULL);
  }
}

std::vector<id_type> sorted(std::vector<id_type> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t flags = size ? data[0] : 0;
  const int mode = (flags >> 3) & 3;
  const std::size_t n = std::min(max_records, size ? (size - 1) / 3 : 0);
  // (an empty network has no attribute arrays, whatever it was given)
  const bool use_mask = flags & 1, with_days = (flags & 2) && n > 0,
             with_kind = (flags & 4) && n > 0;

  std::vector<id_type> ids(n), sponsors(n);
  std::vector<std::uint8_t> mask(n);
  std::vector<day_t> days(n);
  std::vector<std::int32_t> kinds(n);
  std::vector<bool> has(n);
  for (std::size_t r = 0; r < n; ++r) {
    const std::uint8_t* rec = data + 1 + 3 * r;
    ids[r] = decode(rec[0], mode);
    sponsors[r] = decode(rec[1], mode);
    mask[r] = static_cast<std::uint8_t>(rec[2] & 3);
    if (use_mask) {
      has[r] = mask[r] != 0;
    } else {
      if (!(rec[2] & 1)) sponsors[r] = downline::no_sponsor;
      has[r] = sponsors[r] != downline::no_sponsor;  // also when the table gave that value
    }
    days[r] = static_cast<day_t>((rec[2] >> 2) * 1000 - 20000);
    kinds[r] = static_cast<std::int32_t>((rec[2] >> 2) % 4) - 1;
  }

  // Brute force: what is wrong with the input.
  std::vector<id_type> dups, own, unknown;
  std::vector<std::size_t> prow(n, SIZE_MAX);  // sponsor's row (the first, if duplicated)
  for (std::size_t r = 0; r < n; ++r) {
    std::size_t same = 0;
    for (std::size_t j = 0; j < n; ++j) same += ids[j] == ids[r];
    if (same > 1 && std::find(dups.begin(), dups.end(), ids[r]) == dups.end())
      dups.push_back(ids[r]);
    if (!has[r]) continue;
    for (std::size_t j = n; j-- > 0;)
      if (ids[j] == sponsors[r]) prow[r] = j;
    if (sponsors[r] == ids[r])
      own.push_back(ids[r]);
    else if (prow[r] == SIZE_MAX)
      unknown.push_back(ids[r]);
  }
  // Rows in or below a cycle: no root within n steps up.
  std::vector<bool> caught(n);
  std::size_t n_caught = 0;
  if (dups.empty() && own.empty() && unknown.empty()) {
    for (std::size_t r = 0; r < n; ++r) {
      std::size_t v = r;
      for (std::size_t step = 0; step <= n && v != SIZE_MAX; ++step) v = prow[v];
      caught[r] = v != SIZE_MAX;
      n_caught += caught[r];
    }
  }
  // Without the mask, an id equal to the no_sponsor marker is refused.
  const bool marker_id =
      !use_mask && std::find(ids.begin(), ids.end(), downline::no_sponsor) != ids.end();
  const bool valid = dups.empty() && own.empty() && unknown.empty() && n_caught == 0 && !marker_id;

  downline::NetworkInput in;
  in.ids = ids.data();
  in.sponsors = sponsors.data();
  in.n = n;
  if (use_mask) in.has_sponsor = mask.data();
  if (with_days) in.enrolled_on = days.data();
  if (with_kind) {
    in.kind = kinds.data();
    in.kind_names = {"a", "b", "c"};
  }
  std::optional<downline::Network> built;
  try {
    built.emplace(in);
  } catch (const downline::InputError& e) {
    FUZZ_CHECK(!valid);
    const std::vector<id_type> got = sorted(e.ids());
    FUZZ_CHECK(!got.empty());
    FUZZ_CHECK(std::string(e.what()).find(std::to_string(e.ids()[0])) != std::string::npos);
    switch (e.kind()) {
      case downline::ErrorKind::duplicate_id:
        FUZZ_CHECK(got == sorted(dups));
        break;
      case downline::ErrorKind::own_sponsor:
        FUZZ_CHECK(got == sorted(own));
        break;
      case downline::ErrorKind::unknown_sponsor:
        FUZZ_CHECK(got == sorted(unknown));
        break;
      case downline::ErrorKind::bad_value:
        FUZZ_CHECK(marker_id && got == std::vector<id_type>{downline::no_sponsor});
        break;
      case downline::ErrorKind::cycle: {
        FUZZ_CHECK(dups.empty() && own.empty() && unknown.empty() && !marker_id && n_caught > 0);
        // One whole cycle: distinct ids, each one's sponsor among them, none a root.
        FUZZ_CHECK(std::adjacent_find(got.begin(), got.end()) == got.end());
        const std::set<id_type> members(got.begin(), got.end());
        for (const id_type id : got) {
          const std::size_t r =
              static_cast<std::size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
          FUZZ_CHECK(r < n && prow[r] != SIZE_MAX && members.count(ids[prow[r]]));
        }
        FUZZ_CHECK(std::string(e.what()).find("(" + std::to_string(n_caught) +
                                              " participant(s) are in or below cycles)") !=
                   std::string::npos);
        break;
      }
      default:
        FUZZ_CHECK(false && "an error kind that the network cannot have");
    }
    return 0;
  }
  FUZZ_CHECK(valid);
  const downline::Network& net = *built;
  const index_t m = net.size();
  FUZZ_CHECK(static_cast<std::size_t>(m) == n);
  FUZZ_CHECK(net.empty() == (n == 0));
  FUZZ_CHECK(net.ids().size() == n && net.parents().size() == n && net.ends().size() == n &&
             net.depths().size() == n);

  // Row <-> position maps are inverse permutations; each position holds its row's id.
  const auto& pos = net.position_of_row();
  const auto& row = net.row_of_position();
  FUZZ_CHECK(pos.size() == n && row.size() == n);
  for (std::size_t r = 0; r < n; ++r) {
    FUZZ_CHECK(pos[r] >= 0 && pos[r] < m);
    FUZZ_CHECK(row[static_cast<std::size_t>(pos[r])] == static_cast<index_t>(r));
    FUZZ_CHECK(net.id(pos[r]) == ids[r]);
    FUZZ_CHECK(net.find(ids[r]) == pos[r]);
    FUZZ_CHECK(net.at(ids[r]) == pos[r]);
  }
  // Ids that are not participants are not found.
  for (int b = 0; b < 256; ++b) {
    const id_type q = decode(static_cast<std::uint8_t>(b), mode ^ (b & 3));
    if (std::find(ids.begin(), ids.end(), q) == ids.end()) FUZZ_CHECK(net.find(q) == npos);
  }

  // Parents, depths, attributes.
  std::vector<index_t> depth(n);
  for (index_t k = 0; k < m; ++k) {
    const std::size_t r = static_cast<std::size_t>(row[static_cast<std::size_t>(k)]);
    const index_t p = net.parent(k);
    if (!has[r]) {
      FUZZ_CHECK(p == npos);
    } else {
      FUZZ_CHECK(p >= 0 && p < k);  // preorder: a sponsor comes first
      FUZZ_CHECK(row[static_cast<std::size_t>(p)] == static_cast<index_t>(prow[r]));
    }
    index_t d = 0;
    for (std::size_t v = r; prow[v] != SIZE_MAX; v = prow[v]) ++d;
    depth[static_cast<std::size_t>(k)] = d;
    FUZZ_CHECK(net.depth(k) == d);
    FUZZ_CHECK(net.has_enrolment() == with_days);
    if (with_days) FUZZ_CHECK(net.enrolled_on(k) == days[r]);
    FUZZ_CHECK(net.has_kind() == with_kind);
    if (with_kind) FUZZ_CHECK(net.kind(k) == kinds[r]);
  }
  if (with_kind) FUZZ_CHECK(net.kind_names() == in.kind_names);

  // anc[j * n + k]: k is j or an ancestor of j (walking up the brute-force sponsor rows).
  std::vector<bool> anc(n * n);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t v = j; v != SIZE_MAX; v = prow[v])
      anc[static_cast<std::size_t>(pos[j]) * n + static_cast<std::size_t>(pos[v])] = true;
  std::vector<std::int64_t> ones(n, 1), size_of(n), weight(n), wsum(n);
  for (std::size_t k = 0; k < n; ++k) weight[k] = static_cast<std::int64_t>(k * k) - 50;
  for (index_t k = 0; k < m; ++k) {
    const std::size_t uk = static_cast<std::size_t>(k);
    FUZZ_CHECK(net.end(k) > k && net.end(k) <= m);
    std::int64_t count = 0, sum = 0;
    for (index_t j = 0; j < m; ++j) {
      const std::size_t uj = static_cast<std::size_t>(j);
      const bool in_range = j >= k && j < net.end(k);
      FUZZ_CHECK(in_range == anc[uj * n + uk]);
      count += in_range;
      sum += in_range ? weight[uj] : 0;
    }
    size_of[uk] = count;
    wsum[uk] = sum;
    FUZZ_CHECK(net.downline_size(k) == count - 1);
    // Frontline: the direct recruits in input row order.
    std::vector<index_t> front;
    for (std::size_t r = 0; r < n; ++r)
      if (prow[r] == static_cast<std::size_t>(row[uk])) front.push_back(pos[r]);
    FUZZ_CHECK(net.frontline(k) == front);
    // Upline: sponsor first, root last.
    std::vector<index_t> up;
    for (index_t p = net.parent(k); p != npos; p = net.parent(p)) up.push_back(p);
    FUZZ_CHECK(net.upline(k) == up);
    FUZZ_CHECK(static_cast<index_t>(up.size()) == depth[uk]);
  }

  // subtree_sum of all-ones: the subtree sizes; of weights: the brute-force sums
  // (also in place).
  std::vector<std::int64_t> out(n);
  downline::subtree_sum(net, ones.data(), out.data());
  FUZZ_CHECK(out == size_of);
  downline::subtree_sum(net, weight.data(), weight.data());
  FUZZ_CHECK(weight == wsum);

  // Row order <-> preorder round trip.
  std::vector<id_type> pre(n), back(n);
  net.rows_to_preorder(ids.data(), pre.data());
  FUZZ_CHECK(pre == net.ids());
  net.preorder_to_rows(pre.data(), back.data());
  FUZZ_CHECK(back == ids);
  return 0;
}
