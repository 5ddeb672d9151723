// ids.hpp: the one id index (int64 ids, strings), its factorize, and networks and
// activities built on it, against references written here (std::unordered_map / std::map
// over the same ids, code points decoded by hand).
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "downline/activity.hpp"
#include "downline/ids.hpp"
#include "downline/network.hpp"
#include "expect.hpp"

using namespace downline;

namespace {

constexpr id_type i64_min = std::numeric_limits<id_type>::min();
constexpr id_type i64_max = std::numeric_limits<id_type>::max();

/// A pointers-form column over strings the caller keeps.
struct Pointers {
  std::vector<const char*> p;
  std::vector<std::int64_t> len;
  explicit Pointers(const std::vector<std::string>& s) : p(s.size()), len(s.size()) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      p[i] = s[i].data();
      len[i] = static_cast<std::int64_t>(s[i].size());
    }
  }
  StringColumn column() const { return StringColumn::pointers(p.data(), len.data(), p.size()); }
};

/// An objects-form column over strings the caller keeps (as Python str objects are read).
struct Objects {
  std::vector<const void*> p;
  static std::string_view get(const void* o) noexcept {
    return *static_cast<const std::string*>(o);
  }
  explicit Objects(const std::vector<std::string>& s) : p(s.size()) {
    for (std::size_t i = 0; i < s.size(); ++i) p[i] = &s[i];
  }
  StringColumn column() const { return StringColumn::of_objects(p.data(), &get, p.size()); }
};

/// Int ids of one shape: n distinct values, shuffled.
std::vector<id_type> distinct_ids(const std::string& shape, std::size_t n, std::mt19937_64& rng) {
  std::set<id_type> seen;
  std::vector<id_type> out;
  auto add = [&](id_type x) {
    if (seen.insert(x).second) out.push_back(x);
  };
  if (shape == "extremes") {
    add(i64_min);
    add(i64_max);
    add(0);
    add(-1);
  }
  while (out.size() < n) {
    const std::uint64_t r = rng();
    const auto i = static_cast<id_type>(out.size());
    if (shape == "dense") add(1000 + i);                                   // member numbers
    if (shape == "holes") add(-50 + 3 * i + static_cast<id_type>(r % 3));  // range ~3n
    if (shape == "sparse") add(static_cast<id_type>(r % (40 * n)) + 1);    // range 40n
    if (shape == "negative") add(-static_cast<id_type>(r % (1000 * n)) - 7);
    if (shape == "extremes") add(static_cast<id_type>(r));  // the whole int64 range
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

/// Strings meant to trouble a hash or a comparison: empty, equal prefixes, lengths around
/// the 8-byte words, trailing and inner NUL bytes (equal zero-padded words), multi-byte UTF-8.
std::vector<std::string> distinct_strings(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::string> base{"",
                                "M",
                                "M1",
                                "M10",
                                "M100",
                                "a",
                                std::string("a\0", 2),
                                std::string("a\0\0", 3),
                                std::string("\0", 1),
                                "1234567",
                                "12345678",
                                "123456789",
                                "123456781234567",
                                "1234567812345678",
                                "12345678123456789",
                                "é",
                                "e\xcc\x81",
                                "日本語",
                                "日本",
                                "\xf0\x9f\x98\x80",
                                "M 1",
                                " M1",
                                "M1 ",
                                "'quoted'",
                                "back\\slash"};
  std::set<std::string> seen(base.begin(), base.end());
  std::vector<std::string> out(base.begin(), base.end());
  const char* pieces[] = {"M", "x", "é", "日", "\xf0\x9f\x98\x80", "0", "9", " "};
  while (out.size() < n) {
    std::string s;
    const std::size_t len = rng() % 24;
    for (std::size_t i = 0; i < len; ++i) s += pieces[rng() % 8];
    if (rng() % 2) s = "M" + std::to_string(rng() % (10 * n));
    if (seen.insert(s).second) out.push_back(s);
  }
  out.resize(n);
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

/// rows: each distinct key once, then `dups` extra rows repeating earlier keys, shuffled
/// so that the repeats come before and after the first appearances.
template <class T>
std::vector<T> with_duplicates(const std::vector<T>& keys, std::size_t dups, std::mt19937_64& rng) {
  std::vector<T> rows(keys);
  for (std::size_t i = 0; i < dups; ++i) rows.push_back(keys[rng() % keys.size()]);
  std::shuffle(rows.begin(), rows.end(), rng);
  return rows;
}

/// Everything an index says about `rows` and `queries`, to compare across thread counts.
struct Seen {
  std::vector<index_t> dups, found;
  bool operator==(const Seen& o) const { return dups == o.dups && found == o.found; }
};

/// Builds an index of `rows` and checks it against a map (first row of each key): the
/// duplicates reported, find and find_many of every row and of absent queries, the keys.
template <class Key, class Column>
Seen check_index(const std::vector<Key>& rows, const Column& col, const std::vector<Key>& absent,
                 const Column& absent_col) {
  std::unordered_map<Key, index_t> first;
  std::vector<index_t> want_dups;
  for (std::size_t r = 0; r < rows.size(); ++r)
    if (!first.emplace(rows[r], static_cast<index_t>(r)).second)
      want_dups.push_back(static_cast<index_t>(r));
  Seen seen;
  const IdIndex index(IdColumn(col), [&](index_t r) { seen.dups.push_back(r); });
  CHECK(seen.dups == want_dups);
  CHECK(index.size() == rows.size());
  std::size_t bad = 0;
  seen.found.resize(rows.size());
  index.find_many(IdColumn(col), seen.found.data());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const index_t want = first.at(rows[r]);
    bad += seen.found[r] != want;
    bad += index.find(rows[r]) != want;
  }
  std::vector<index_t> none(absent.size());
  index.find_many(IdColumn(absent_col), none.data());
  for (std::size_t i = 0; i < absent.size(); ++i) {
    REQUIRE(first.count(absent[i]) == 0);
    bad += none[i] != npos;
    bad += index.find(absent[i]) != npos;
  }
  CHECK(bad == 0);
  return seen;
}

IdColumn col_of(const std::vector<id_type>& v) { return IdColumn(v.data(), v.size()); }

/// Code points of UTF-8 text (the reference order of strings: Python's).
std::u32string code_points(const std::string& s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    out += cp;
    i += static_cast<std::size_t>(len);
  }
  return out;
}

/// The ids of the InputError `f` throws (see expect_error()).
template <class F>
std::vector<id_type> error_ids(F f, ErrorKind kind, const std::vector<std::string>& needles) {
  return downline::testing::expect_error(f, kind, needles).ids();
}

/// mix64 inverted (each xor-shift and odd multiplication undone), to make ids whose hashes
/// all start with the same bits.
std::uint64_t unmix64(std::uint64_t x) {
  auto inverse = [](std::uint64_t a) {  // a^-1 mod 2^64 by Newton's iteration
    std::uint64_t y = a;
    for (int i = 0; i < 6; ++i) y *= 2 - a * y;
    return y;
  };
  auto unshift = [](std::uint64_t v, unsigned s) {
    std::uint64_t out = v;
    for (unsigned k = s; k < 64; k += s) out = v ^ (out >> s);
    return out;
  };
  x = unshift(x, 31);
  x *= inverse(0x94d049bb133111ebULL);
  x = unshift(x, 27);
  x *= inverse(0xbf58476d1ce4e5b9ULL);
  return unshift(x, 30);
}

struct Threads {
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(0); }
};

}  // namespace

TEST_CASE("int ids: the index equals a map for every shape, on 1, 2 and 3 threads") {
  for (const std::string shape : {"dense", "holes", "sparse", "negative", "extremes"}) {
    for (const std::size_t n : {std::size_t{1}, std::size_t{37}, std::size_t{150000}}) {
      CAPTURE(shape);
      CAPTURE(n);
      std::mt19937_64 rng(n * 31 + shape.size());
      const std::vector<id_type> keys = distinct_ids(shape, n + 200, rng);
      const std::vector<id_type> distinct(keys.begin(),
                                          keys.begin() + static_cast<std::ptrdiff_t>(n));
      const std::vector<id_type> rows = with_duplicates(distinct, n / 3, rng);
      std::vector<id_type> absent(keys.begin() + static_cast<std::ptrdiff_t>(n), keys.end());
      const auto [lo, hi] = std::minmax_element(distinct.begin(), distinct.end());
      // the neighbours of the extremes, wrapping round at the int64 limits (no overflow)
      const auto step = [](id_type x, std::uint64_t d) {
        return static_cast<id_type>(static_cast<std::uint64_t>(x) + d);
      };
      const id_type below = step(*lo, ~std::uint64_t{0}), above = step(*hi, 1);
      for (const id_type x : {below, above, i64_min, i64_max, id_type{0}})
        if (std::find(distinct.begin(), distinct.end(), x) == distinct.end()) absent.push_back(x);
      std::vector<Seen> runs;
      for (const int t : {1, 2, 3}) {
        const Threads threads(t);
        runs.push_back(check_index(rows, col_of(rows), absent, col_of(absent)));
      }
      CHECK(runs[0] == runs[1]);
      CHECK(runs[0] == runs[2]);
      const IdIndex index(col_of(rows));
      CHECK(index.int_keys() == rows);
      // the density rule: member numbers (and ranges up to a few times n) are addressed
      // directly, ids over 40 n and more are hashed
      if (n == 150000) CHECK(index.direct() == (shape == "dense" || shape == "holes"));
      // direct addressing: slots from the smallest key to the largest; hashing: none
      const auto [row_lo, row_hi] = std::minmax_element(rows.begin(), rows.end());
      CHECK(index.direct_span() ==
            (index.direct() ? static_cast<std::size_t>(*row_hi - *row_lo) + 1 : 0));
      if (index.direct()) CHECK(index.direct_base() == *row_lo);
    }
  }
}

TEST_CASE("string ids: the index equals a map, all three column forms, on 1, 2 and 3 threads") {
  for (const std::size_t n : {std::size_t{5}, std::size_t{25}, std::size_t{140000}}) {
    CAPTURE(n);
    std::mt19937_64 rng(n);
    const std::vector<std::string> keys = distinct_strings(n + 100, rng);
    const std::vector<std::string> distinct(keys.begin(),
                                            keys.begin() + static_cast<std::ptrdiff_t>(n));
    const std::vector<std::string> rows = with_duplicates(distinct, n / 2, rng);
    const std::vector<std::string> absent(keys.begin() + static_cast<std::ptrdiff_t>(n),
                                          keys.end());
    const Pointers rp(rows), ap(absent);
    const StringArena ra(rows), aa(absent);
    const Objects ro(rows), ao(absent);
    std::vector<Seen> runs;
    for (const int t : {1, 2, 3}) {
      const Threads threads(t);
      runs.push_back(check_index(rows, rp.column(), absent, ap.column()));
      runs.push_back(check_index(rows, ra.column(), absent, aa.column()));
      runs.push_back(check_index(rows, ro.column(), absent, ao.column()));
    }
    for (const Seen& s : runs) CHECK(s == runs[0]);
    const IdIndex index(IdColumn(rp.column()));
    REQUIRE(index.size() == rows.size());
    std::size_t bad = 0;
    for (std::size_t r = 0; r < rows.size(); ++r)
      bad += index.string_key(static_cast<index_t>(r)) != rows[r];
    CHECK(bad == 0);
    // ids of the other kind are never found
    CHECK(index.find(id_type{0}) == npos);
    const std::vector<id_type> ints{0, 1, 5};
    std::vector<index_t> out(3, 7);
    index.find_many(ints.data(), 3, out.data());
    CHECK(out == std::vector<index_t>{npos, npos, npos});
    const IdIndex int_index(col_of(ints));
    CHECK(int_index.find(std::string_view("1")) == npos);
  }
}

TEST_CASE("strings with equal hashes are told apart by their bytes") {
  // Two 15-byte strings hash alike when their first words mix to values that differ only
  // in the low 7 bytes, and their tails differ by just that: found by trying first words.
  std::mt19937_64 rng(17);
  const std::uint64_t start = 0x9e3779b97f4a7c15ULL * 16;  // hash_id's start for 15 bytes
  auto mix = [](std::uint64_t x) {  // splitmix64's finaliser, written again here
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  auto bytes = [](std::uint64_t w, std::size_t k) {
    std::string s(k, '\0');
    for (std::size_t i = 0; i < k; ++i) s[i] = static_cast<char>((w >> (8 * i)) & 0xff);
    return s;
  };
  std::vector<std::string> rows;
  while (rows.size() < 40) {
    const std::uint64_t a = rng(), b = rng(), tail = rng() >> 8;
    const std::uint64_t d = mix(start ^ a) ^ mix(start ^ b);
    if (d >> 56) continue;
    const std::string x = bytes(a, 8) + bytes(tail, 7), y = bytes(b, 8) + bytes(tail ^ d, 7);
    REQUIRE(hash_id(x) == hash_id(y));
    REQUIRE(x != y);
    rows.push_back(x);
    rows.push_back(y);
  }
  const Pointers p(rows);
  const std::vector<std::string> absent{"absent"};
  const Pointers ap(absent);
  check_index(rows, p.column(), absent, ap.column());
}

TEST_CASE("short strings equal but for trailing NUL bytes are told apart") {
  // Strings of up to 8 bytes are compared in the table as their zero-padded bytes and
  // length: "ab" and "ab\0" pad alike. Pairs whose hashes share their top 16 bits start
  // their probes in the same slot of any table of up to 2^16 slots.
  std::mt19937_64 rng(8);
  std::vector<std::string> rows;
  while (rows.size() < 6) {
    const std::uint64_t w = rng() & 0xffffffffULL;
    std::string base(4, '\0');
    for (std::size_t i = 0; i < 4; ++i) base[i] = static_cast<char>((w >> (8 * i)) | 1);
    std::map<std::uint64_t, std::string> by_top;
    for (std::size_t len = 4; len <= 8; ++len) {
      const std::string s = base + std::string(len - 4, '\0');
      const auto [it, added] = by_top.emplace(hash_id(s) >> 48, s);
      if (!added) {
        rows.push_back(it->second);
        rows.push_back(s);
        break;
      }
    }
  }
  for (std::size_t i = 0; i < rows.size(); i += 2) {
    const std::vector<std::string> pair{rows[i], rows[i + 1]};
    const Pointers p(pair);
    const std::vector<std::string> absent{rows[i] + std::string(1, '\0') + "x"};
    const Pointers ap(absent);
    check_index(pair, p.column(), absent, ap.column());
  }
}

TEST_CASE("hashed ids crowded into one region of the table are still all found") {
  // 70,000 ids whose hashes share their top 3 bits: with 2^18 slots in regions of 2^16,
  // they all start in the first region, which cannot hold them (the table is then made
  // again with a hash these ids were not chosen against)
  std::mt19937_64 rng(5);
  std::vector<id_type> ids;
  std::set<id_type> seen;
  while (ids.size() < 70000) {
    const id_type x = static_cast<id_type>(unmix64(rng() >> 3));
    if (seen.insert(x).second) ids.push_back(x);
  }
  for (const id_type x : ids) REQUIRE((hash_id(x) >> 61) == 0);
  const std::vector<id_type> rows = with_duplicates(ids, 100, rng);
  const std::vector<id_type> absent{1, 2, 3};
  for (const int t : {1, 2}) {
    const Threads threads(t);
    check_index(rows, col_of(rows), absent, col_of(absent));
  }
}

TEST_CASE("relabel moves every key to its new position") {
  std::mt19937_64 rng(3);
  auto check = [&](const auto& keys, const IdColumn& col, auto key_at) {
    std::vector<index_t> to(keys.size());
    std::iota(to.begin(), to.end(), 0);
    std::shuffle(to.begin(), to.end(), rng);
    IdIndex index(col);
    index.relabel(to.data(), keys.size());
    std::size_t bad = 0;
    for (std::size_t r = 0; r < keys.size(); ++r) {
      bad += index.find(keys[r]) != to[r];
      bad += key_at(index, to[r]) != keys[r];
    }
    CHECK(bad == 0);
  };
  for (const std::string shape : {"dense", "sparse"}) {
    const std::vector<id_type> ids = distinct_ids(shape, 100000, rng);
    check(ids, col_of(ids),
          [](const IdIndex& x, index_t p) { return x.int_keys()[static_cast<std::size_t>(p)]; });
  }
  const std::vector<std::string> s = distinct_strings(3000, rng);
  const Pointers sp(s);
  check(s, IdColumn(sp.column()),
        [](const IdIndex& x, index_t p) { return std::string(x.string_key(p)); });
}

TEST_CASE("factorize: codes in first-appearance or key order, equal to maps") {
  std::mt19937_64 rng(9);
  for (const std::size_t n : {std::size_t{1}, std::size_t{40}, std::size_t{60000}}) {
    CAPTURE(n);
    // ints: dense and sparse customer ids, eight orders each on average
    for (const std::string shape : {"dense", "extremes"}) {
      CAPTURE(shape);
      const std::vector<id_type> rows = with_duplicates(distinct_ids(shape, n, rng), 7 * n, rng);
      std::unordered_map<id_type, index_t> seen_code, sorted;
      std::vector<index_t> want, want_first;
      std::vector<id_type> distinct;
      for (const id_type x : rows) {
        const auto [it, added] = seen_code.emplace(x, static_cast<index_t>(seen_code.size()));
        want.push_back(it->second);
        if (added) {
          distinct.push_back(x);
          want_first.push_back(static_cast<index_t>(want.size() - 1));
        }
      }
      std::sort(distinct.begin(), distinct.end());
      for (std::size_t j = 0; j < distinct.size(); ++j)
        sorted[distinct[j]] = static_cast<index_t>(j);
      std::vector<index_t> want_sorted(rows.size());
      for (std::size_t r = 0; r < rows.size(); ++r) want_sorted[r] = sorted.at(rows[r]);
      for (const int t : {1, 2, 3}) {
        const Threads threads(t);
        const Factorized f = factorize(col_of(rows));
        CHECK(f.codes == want);
        REQUIRE(f.keys.size() == seen_code.size());
        std::size_t bad = 0;
        for (const auto& kv : seen_code) {
          bad += f.keys.int_keys()[static_cast<std::size_t>(kv.second)] != kv.first;
          bad += f.keys.find(kv.first) != kv.second;
        }
        const Factorized g = factorize(col_of(rows), true);
        CHECK(g.codes == want_sorted);
        CHECK(f.first_rows == want_first);
        for (const auto& kv : seen_code)  // sorted codes: the same first rows
          bad += g.first_rows[static_cast<std::size_t>(sorted.at(kv.first))] !=
                 want_first[static_cast<std::size_t>(kv.second)];
        for (const auto& kv : sorted) bad += g.keys.find(kv.first) != kv.second;
        CHECK(bad == 0);
      }
    }
    // strings, sorted by code points
    const std::vector<std::string> rows = with_duplicates(distinct_strings(n, rng), 3 * n, rng);
    const Pointers p(rows);
    std::unordered_map<std::string, index_t> seen_code;
    std::map<std::u32string, index_t> sorted;
    std::vector<index_t> want;
    for (const std::string& s : rows) {
      want.push_back(seen_code.emplace(s, static_cast<index_t>(seen_code.size())).first->second);
      sorted.emplace(code_points(s), 0);
    }
    REQUIRE(sorted.size() == seen_code.size());  // the decoding is one to one here
    index_t c = 0;
    for (auto& kv : sorted) kv.second = c++;
    std::unordered_map<std::string, index_t> sorted_code;
    for (const auto& kv : seen_code) sorted_code[kv.first] = sorted.at(code_points(kv.first));
    std::vector<index_t> want_sorted(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) want_sorted[r] = sorted_code.at(rows[r]);
    // the same rows as objects shared the way pandas shares str objects: one object per
    // distinct string, and for every fifth string a second object holding it too
    std::vector<std::string> pool;
    pool.reserve(2 * seen_code.size());
    std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> object_of;
    for (const std::string& s : rows) {
      if (object_of.count(s)) continue;
      pool.push_back(s);
      const std::size_t first = pool.size() - 1;
      if (object_of.size() % 5 == 0) pool.push_back(s);
      object_of[s] = {first, pool.size() - 1};
    }
    std::vector<const void*> shared(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const auto& [first, second] = object_of.at(rows[r]);
      shared[r] = &pool[r % 2 ? second : first];
    }
    const IdColumn by_object(StringColumn::of_objects(shared.data(), &Objects::get, rows.size()));
    std::vector<index_t> want_first(seen_code.size());
    for (std::size_t r = rows.size(); r-- > 0;)
      want_first[static_cast<std::size_t>(want[r])] = static_cast<index_t>(r);
    for (const int t : {1, 2, 3}) {
      const Threads threads(t);
      const Factorized o = factorize(by_object);
      CHECK(o.codes == want);
      CHECK(o.first_rows == want_first);
      const Factorized os = factorize(by_object, true);
      CHECK(os.codes == want_sorted);
      std::size_t wrong = 0;
      for (const auto& kv : sorted_code) wrong += os.keys.find(kv.first) != kv.second;
      CHECK(wrong == 0);
    }
    for (const int t : {1, 2, 3}) {
      const Threads threads(t);
      const Factorized f = factorize(IdColumn(p.column()));
      CHECK(f.codes == want);
      const Factorized g = factorize(IdColumn(p.column()), true);
      CHECK(g.codes == want_sorted);
      std::size_t bad = 0;
      for (const auto& kv : sorted_code) {
        bad += g.keys.string_key(kv.second) != kv.first;
        bad += g.keys.find(kv.first) != kv.second;
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("a network of string ids equals the network of the same ids numbered") {
  std::mt19937_64 rng(21);
  for (const std::size_t n : {std::size_t{1}, std::size_t{60}, std::size_t{150000}}) {
    CAPTURE(n);
    const std::vector<std::string> ids = distinct_strings(n, rng);
    std::vector<std::string> sponsors(n);
    std::vector<id_type> num(n), num_sp(n, no_sponsor);
    std::vector<std::uint8_t> has(n, 0);
    std::unordered_map<std::string, id_type> number;  // the test's own numbering
    for (std::size_t r = 0; r < n; ++r) number[ids[r]] = static_cast<id_type>(rng() >> 2);
    for (std::size_t r = 0; r < n; ++r) {
      num[r] = number[ids[r]];
      if (r > 0 && rng() % 8 != 0) {  // rows before r: no cycles
        sponsors[r] = ids[rng() % r];
        num_sp[r] = number[sponsors[r]];
        has[r] = 1;
      }
    }
    const Pointers ip(ids), sp(sponsors);
    const Objects io(ids), so(sponsors);
    NetworkInput in;
    in.n = n;
    in.has_sponsor = has.data();
    for (const int t : {1, 3}) {
      const Threads threads(t);
      const bool objects = t == 3;  // both column forms
      in.id_strings = objects ? io.column() : ip.column();
      in.sponsor_strings = objects ? so.column() : sp.column();
      const Network net(in);
      const Network ref(num, num_sp);
      REQUIRE(net.has_string_ids());
      CHECK(net.ids().empty());
      CHECK(net.parents() == ref.parents());
      CHECK(net.ends() == ref.ends());
      CHECK(net.depths() == ref.depths());
      CHECK(net.position_of_row() == ref.position_of_row());
      std::size_t bad = 0;
      for (std::size_t r = 0; r < n; ++r) {
        const index_t k = net.position_of_row()[r];
        bad += net.id_string(k) != ids[r];
        bad += net.find(ids[r]) != k;
        bad += net.at(ids[r]) != k;
      }
      std::vector<index_t> out(n);
      net.find_many(IdColumn(ip.column()), out.data());
      for (std::size_t r = 0; r < n; ++r) bad += out[r] != net.position_of_row()[r];
      CHECK(bad == 0);
      CHECK(net.find(std::string_view("not an id")) == npos);
      CHECK(net.find(id_type{1}) == npos);
    }
  }
  // the convenience constructor: an empty sponsor is a root
  const Network net = Network::from_strings({"b", "a", "c"}, {"a", "", "a"});
  CHECK(net.parent(net.at("a")) == npos);
  CHECK(net.parent(net.at("b")) == net.at("a"));
  CHECK(net.downline_size(net.at("a")) == 2);
}

TEST_CASE("string networks: bad input named by quoted ids, rows in ids()") {
  auto build = [](std::vector<std::string> ids, std::vector<std::string> sp) {
    return Network::from_strings(ids, sp);
  };
  // duplicates: the first row of each, in the ids' byte order
  CHECK(error_ids(
            [&] {
              build({"z", "b", "é", "z", "b", "z"}, {"", "", "", "", "", ""});
            },
            ErrorKind::duplicate_id,
            {"2 participant id(s) appear more than once: 'b', 'z'"}) == std::vector<id_type>{1, 0});
  CHECK(error_ids(
            [&] {
              build({"a", "b"}, {"", "q"});
            },
            ErrorKind::unknown_sponsor,
            {"1 participant(s) have a sponsor that is not a participant: 'b' (sponsor 'q')"}) ==
        std::vector<id_type>{1});
  CHECK(error_ids(
            [&] {
              build({"a", "b", "c"}, {"", "b", "c"});
            },
            ErrorKind::own_sponsor,
            {"2 participant(s) are their own sponsor: 'b', 'c'"}) == std::vector<id_type>{1, 2});
  const std::vector<id_type> cyc = error_ids(
      [&] {
        build({"r", "x", "y", "w"}, {"", "y", "x", "x"});
      },
      ErrorKind::cycle, {"cycle of 2 participant(s)", "(3 participant(s) are in or below cycles)"});
  CHECK(std::set<id_type>(cyc.begin(), cyc.end()) == std::set<id_type>{1, 2});
  // quoting: spaces kept, quotes and control bytes escaped, UTF-8 as it is
  error_ids(
      [&] {
        build({"A", "B"}, {"", " A"});
      },
      ErrorKind::unknown_sponsor, {"'B' (sponsor ' A')"});
  error_ids(
      [&] {
        build({"A", "B"}, {"", "it's\n日"});
      },
      ErrorKind::unknown_sponsor, {"(sponsor 'it\\'s\\x0a日')"});
  // an empty id is the no-sponsor marker without has_sponsor
  CHECK(error_ids(
            [&] {
              build({"a", ""}, {"", "a"});
            },
            ErrorKind::bad_value,
            {"participant id '' is also the no-sponsor marker"}) == std::vector<id_type>{1});
  CHECK_THROWS_AS(Network::from_strings({"a"}, {}), InputError);
}

TEST_CASE("an Activity of string ids equals the one of the same ids numbered") {
  std::mt19937_64 rng(4);
  const std::size_t n = 3000, m = 200000;
  const std::vector<std::string> ids = distinct_strings(n + 5, rng);
  std::vector<std::string> sponsors(n);
  std::vector<id_type> num(n), num_sp(n, no_sponsor);
  for (std::size_t r = 0; r < n; ++r) {
    num[r] = static_cast<id_type>(r) * 7 + 1;
    if (r > 0) {
      const std::size_t s = rng() % r;
      sponsors[r] = ids[s];
      num_sp[r] = num[s];
    }
  }
  const std::vector<std::string> people(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n));
  const Pointers ip(people), sp(sponsors);
  std::vector<std::uint8_t> has(n, 1);
  has[0] = 0;
  NetworkInput in;  // with has_sponsor: an empty string may be an id
  in.n = n;
  in.id_strings = ip.column();
  in.sponsor_strings = sp.column();
  in.has_sponsor = has.data();
  const Network net(in);
  const Network ref(num, num_sp);
  REQUIRE(net.position_of_row() == ref.position_of_row());
  std::vector<std::string> pid(m);
  std::vector<id_type> pnum(m);
  std::vector<std::int64_t> day(m);
  std::vector<double> pv(m);
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t r = rng() % n;
    pid[i] = people[r];
    pnum[i] = num[r];
    day[i] = 19000 + static_cast<std::int64_t>(rng() % 100);
    pv[i] = static_cast<double>(rng() % 50);
  }
  const Pointers pp(pid);
  const Objects po(pid);
  for (const bool windowed : {false, true}) {
    const day_t from = windowed ? 19020 : min_day, to = windowed ? 19050 : max_day;
    const Activity a(net, IdColumn(windowed ? po.column() : pp.column()), day.data(), 1, pv.data(),
                     UnknownPolicy::raise, from, to);
    const Activity b(ref, pnum.data(), day.data(), 1, pv.data(), m, UnknownPolicy::raise, from, to);
    CHECK(a.nodes() == b.nodes());
    CHECK(a.days() == b.days());
    CHECK(a.volumes() == b.volumes());
  }
  // unknown ids (the last five strings, which are no participant's): named once each, in
  // byte order, by the first row holding them
  std::vector<std::string> bad(pid.begin(), pid.begin() + 20);
  std::map<std::string, id_type> first_row;
  for (std::size_t i = 3; i < 20; i += 4) {
    bad[i] = ids[n + (i % 3)];
    first_row.emplace(bad[i], static_cast<id_type>(i));
  }
  std::vector<id_type> want_ids, want_rows;
  for (const auto& kv : first_row) want_ids.push_back(kv.second);
  for (std::size_t i = 3; i < 20; i += 4) want_rows.push_back(static_cast<id_type>(i));
  const Pointers bp(bad);
  std::string shown;
  for (const auto& kv : first_row) shown += (shown.empty() ? "" : ", ") + quoted(kv.first);
  CHECK(error_ids([&] { Activity(net, IdColumn(bp.column()), day.data(), 1, pv.data()); },
                  ErrorKind::unknown_participant,
                  {"5 order(s) of " + std::to_string(first_row.size()) +
                   " participant(s) not in the network: " + shown}) == want_ids);
  const Activity dropped(net, IdColumn(bp.column()), day.data(), 1, pv.data(), UnknownPolicy::drop);
  CHECK(dropped.dropped_rows() == want_rows);
  CHECK(dropped.dropped_ids() == want_ids);
  CHECK(dropped.size() == 15);
  // string ids for a network of int ids: every order is of an unknown participant
  const Activity none(ref, IdColumn(bp.column()), day.data(), 1, pv.data(), UnknownPolicy::drop);
  CHECK(none.size() == 0);
  CHECK(none.dropped_rows().size() == 20);
}

TEST_CASE("estimate_distinct: within 5 % of the count, whatever the thread count") {
  std::mt19937_64 rng(5);
  for (const std::size_t d : {std::size_t{10}, std::size_t{3000}, std::size_t{200000}}) {
    std::vector<std::uint64_t> values;
    for (std::size_t i = 0; i < d; ++i) values.push_back(rng());
    const std::size_t n = 4 * d;  // each value four times, shuffled
    std::vector<std::uint64_t> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(values[i % d]);
    std::shuffle(v.begin(), v.end(), rng);
    double first = -1;
    for (const int t : {1, 2, 3}) {
      const Threads threads(t);
      const double e = detail::estimate_distinct(v.data(), n);
      CHECK(std::abs(e - static_cast<double>(d)) <= 0.05 * static_cast<double>(d));
      if (first < 0) first = e;
      CHECK(e == first);
    }
  }
}
