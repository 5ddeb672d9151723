#include <doctest/doctest.h>

#include <algorithm>
#include <boost/graph/breadth_first_search.hpp>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "downline/graph.hpp"
#include "downline/network.hpp"
#include "expect.hpp"
#include "forest.hpp"

using namespace downline;
using downline::testing::expect_error;

TEST_CASE("a small network: preorder ranges hold exactly each downline") {
  //        10          40
  //      /  |  \        |
  //    20  30   50     60
  //    |        |
  //    70      80
  const std::vector<id_type> ids{70, 10, 20, 30, 40, 50, 60, 80};
  const std::vector<id_type> sp{20, no_sponsor, 10, 10, no_sponsor, 10, 40, 50};
  const Network net(ids, sp);
  REQUIRE(net.size() == 8);
  const std::map<id_type, std::set<id_type>> expected{{10, {20, 30, 50, 70, 80}},
                                                      {20, {70}},
                                                      {30, {}},
                                                      {40, {60}},
                                                      {50, {80}},
                                                      {60, {}},
                                                      {70, {}},
                                                      {80, {}}};
  for (const auto& [id, down] : expected) {
    const index_t k = net.at(id);
    std::set<id_type> got;
    for (index_t j = k + 1; j < net.end(k); ++j) got.insert(net.id(j));
    CHECK(got == down);
    CHECK(net.downline_size(k) == static_cast<index_t>(down.size()));
  }
  CHECK(net.depth(net.at(80)) == 2);
  CHECK(net.depth(net.at(40)) == 0);
  std::vector<id_type> front;
  for (index_t j : net.frontline(net.at(10))) front.push_back(net.id(j));
  CHECK(front == std::vector<id_type>{20, 30, 50});  // input order
  std::vector<id_type> up;
  for (index_t j : net.upline(net.at(80))) up.push_back(net.id(j));
  CHECK(up == std::vector<id_type>{50, 10});
  CHECK(net.find(999) == npos);
  expect_error([&] { (void)net.at(999); }, ErrorKind::unknown_participant, {"999"});
  // position_of_row maps input rows to positions holding the same id.
  for (std::size_t r = 0; r < ids.size(); ++r) CHECK(net.id(net.position_of_row()[r]) == ids[r]);
}

TEST_CASE("invalid networks name the offending ids") {
  expect_error(
      [] {
        Network({1, 2, 3, 2}, {no_sponsor, 1, 1, 1});
      },
      ErrorKind::duplicate_id, {"2"});
  expect_error(
      [] {
        Network({1, 2, 3}, {no_sponsor, 1, 77});
      },
      ErrorKind::unknown_sponsor, {"3", "77"});
  expect_error([] { Network({1, 2, 3}, {no_sponsor, 2, 1}); }, ErrorKind::own_sponsor, {"2"});
  // 2 <-> 3 loop, 4 hangs below it.
  try {
    Network({1, 2, 3, 4}, {no_sponsor, 3, 2, 3});
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::cycle);
    auto ids = e.ids();
    std::sort(ids.begin(), ids.end());
    CHECK(ids == std::vector<id_type>{2, 3});
    CHECK(std::string(e.what()).find("3 participant(s) are in or below cycles") !=
          std::string::npos);
  }
  // A cycle of 1,000,000 participants: found iteratively, named by all its ids.
  const id_type n = 1000000;
  std::vector<id_type> ids(n), sp(n);
  for (id_type i = 0; i < n; ++i) {
    ids[i] = i;
    sp[i] = (i + 1) % n;
  }
  try {
    Network(ids, sp);
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::cycle);
    CHECK(e.ids().size() == static_cast<std::size_t>(n));
  }
}

TEST_CASE("only roots, and a star of leaves: every subtree is a single node") {
  // Found by fuzz_network (UBSan): the preorder walk prefetched child[first[v]] for a node
  // v a few places down its stack, an index one past the end of the children array when
  // v's children range is the last one and empty (here: no children at all, or leaves
  // last). Run under the sanitizers (./dev.sh sanitize) to see it.
  const std::vector<id_type> ids{5, 3, 9, 1, 7, 2};
  const Network roots(ids, std::vector<id_type>(ids.size(), no_sponsor));
  REQUIRE(roots.size() == 6);
  CHECK(roots.ids() == ids);  // roots in input order
  for (index_t k = 0; k < roots.size(); ++k) {
    CHECK(roots.end(k) == k + 1);
    CHECK(roots.parent(k) == npos);
    CHECK(roots.depth(k) == 0);
  }
  // 10 recruited 1..6, who recruited nobody.
  const Network star({10, 1, 2, 3, 4, 5, 6}, {no_sponsor, 10, 10, 10, 10, 10, 10});
  REQUIRE(star.size() == 7);
  CHECK(star.ids() == std::vector<id_type>{10, 1, 2, 3, 4, 5, 6});
  CHECK(star.end(0) == 7);
  for (index_t k = 1; k < 7; ++k) {
    CHECK(star.end(k) == k + 1);
    CHECK(star.parent(k) == 0);
  }
  CHECK(star.frontline(0) == std::vector<index_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("a sponsor chain 1,000,000 levels deep") {
  const id_type n = 1000000;
  std::vector<id_type> ids(n), sp(n);
  for (id_type i = 0; i < n; ++i) {
    ids[i] = n - i;  // unsorted relative to depth
    sp[i] = i == 0 ? no_sponsor : n - i + 1;
  }
  const Network net(ids, sp);
  const index_t root = net.at(n), leaf = net.at(1);
  CHECK(net.depth(leaf) == n - 1);
  CHECK(net.downline_size(root) == n - 1);
  CHECK(net.end(root) == n);
  CHECK(net.upline(leaf).size() == static_cast<std::size_t>(n - 1));
  CHECK(net.memory_bytes() <= 64u * static_cast<std::size_t>(n));
}

TEST_CASE("the Boost.Graph view: breadth-first distances from the roots equal the depths") {
  // A random forest.
  const index_t n = 5000;
  std::vector<id_type> ids(n), sp(n);
  std::uint64_t s = 12345;
  auto rnd = [&] { return s = s * 6364136223846793005ULL + 1442695040888963407ULL, s >> 33; };
  for (index_t i = 0; i < n; ++i) {
    ids[i] = 1000 + 7 * i;
    sp[i] = (i == 0 || rnd() % 50 == 0)
                ? no_sponsor
                : 1000 + 7 * static_cast<id_type>(rnd() % static_cast<std::uint64_t>(i));
  }
  const Network net(ids, sp);
  const SponsorGraph g = sponsor_graph(net);
  CHECK(boost::num_vertices(g) == static_cast<std::size_t>(n));
  CHECK(boost::num_edges(g) ==
        static_cast<std::size_t>(n - std::count(sp.begin(), sp.end(), no_sponsor)));
  std::vector<std::uint32_t> dist(n, 0);
  for (index_t r = 0; r < n; ++r) {
    if (net.parent(r) != npos) continue;
    boost::breadth_first_search(g, static_cast<std::uint32_t>(r),
                                boost::visitor(boost::make_bfs_visitor(
                                    boost::record_distances(dist.data(), boost::on_tree_edge()))));
  }
  // Depth from the raw sponsor links, independent of the network's own depth array.
  std::map<id_type, id_type> sponsor_of;
  for (index_t i = 0; i < n; ++i) sponsor_of[ids[i]] = sp[i];
  for (index_t i = 0; i < n; ++i) {
    index_t d = 0;
    for (id_type x = ids[i]; sponsor_of[x] != no_sponsor; x = sponsor_of[x]) ++d;
    REQUIRE(dist[net.at(ids[i])] == static_cast<std::uint32_t>(d));
  }
}

TEST_CASE("id lookups equal a map: dense ids (direct addressing) and sparse ids (hashing)") {
  std::mt19937_64 rng(11);
  const std::size_t n = 5000;
  // id shapes: consecutive and shuffled; every other number (range 2n: still direct); sparse
  for (int shape = 0; shape < 3; ++shape) {
    CAPTURE(shape);
    std::vector<id_type> ids(n), sponsors(n, no_sponsor);
    for (std::size_t i = 0; i < n; ++i)
      ids[i] = shape == 0   ? -2000 + static_cast<id_type>(i)
               : shape == 1 ? 7 + 2 * static_cast<id_type>(i)
                            : static_cast<id_type>(rng() >> 1) - (id_type{1} << 61);
    std::shuffle(ids.begin(), ids.end(), rng);
    for (std::size_t i = 1; i < n; ++i) sponsors[i] = ids[rng() % i];
    const Network net(ids, sponsors);
    std::map<id_type, std::size_t> row;
    for (std::size_t i = 0; i < n; ++i) row[ids[i]] = i;
    // queries: every id, then ids that are absent (gaps, just outside the range, extremes)
    std::vector<id_type> q(ids);
    const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
    for (id_type x : {*lo - 1, *hi + 1, *lo + 1, *hi - 1, std::numeric_limits<id_type>::min(),
                      std::numeric_limits<id_type>::max(), id_type{0}, id_type{8}})
      q.push_back(x);
    std::vector<index_t> many(q.size());
    net.find_many(q.data(), q.size(), many.data());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < q.size(); ++i) {
      const auto it = row.find(q[i]);
      const index_t want = it == row.end() ? npos : net.position_of_row()[it->second];
      bad += net.find(q[i]) != want;
      bad += many[i] != want;
      bad += want != npos && net.id(want) != q[i];
    }
    CHECK(bad == 0);
    // a duplicate is named on either path
    std::vector<id_type> dup(ids.begin(), ids.begin() + 10), dsp(10, no_sponsor);
    dup[9] = dup[3];
    expect_error([&] { Network(dup, dsp); }, ErrorKind::duplicate_id, {std::to_string(dup[3])});
  }
}

TEST_CASE("the network's arrays are Arrays: vectors whose large blocks are 2 MiB aligned") {
  const std::size_t n = 1 << 20;  // 4 MiB of int32
  const Array<index_t> big(n, 7);
  CHECK(reinterpret_cast<std::uintptr_t>(big.data()) % (std::uintptr_t{1} << 21) == 0);
  CHECK(big.size() == n);
  const Array<index_t> small(3, 1);  // from malloc: any alignment, same behaviour
  const std::vector<index_t> same{1, 1, 1}, other{1, 2, 1};
  CHECK(small == same);  // compared with std::vector both ways, element by element
  CHECK(same == small);
  CHECK(small != other);
  CHECK(other != small);
  const Network net({5, 6}, {no_sponsor, 5});
  CHECK(net.ids() == std::vector<id_type>{5, 6});
  CHECK(net.parents() == std::vector<index_t>{npos, 0});
}

#if DOWNLINE_MAP_BLOCKS
TEST_CASE(
    "huge_alloc: a released mapped block is kept for the next block of its size, within bounds") {
  constexpr std::size_t huge = std::size_t{1} << 21;
  detail::BlockCache& cache = detail::BlockCache::instance();
  // the same size comes back at the same address, with its header intact
  auto* a = static_cast<char*>(detail::huge_alloc(3 * huge + 5));
  a[0] = 1;
  detail::huge_free(a);
  auto* b = static_cast<char*>(detail::huge_alloc(3 * huge + 77));  // rounds to the same size
  CHECK(b == a);
  auto* c = static_cast<char*>(detail::huge_alloc(3 * huge + 77));  // none kept: a new one
  CHECK(c != b);
  // another size does not take it
  detail::huge_free(b);
  auto* d = static_cast<char*>(detail::huge_alloc(2 * huge));
  CHECK(d != b);
  for (std::size_t i = 0; i < 2 * huge; i += 4096) d[i] = 'x';  // wholly writable
  detail::huge_free(d);
  detail::huge_free(c);
  // bounded: many releases keep at most `capacity` bytes and `slots` blocks
  std::vector<char*> many;
  for (int i = 0; i < 3 * detail::BlockCache::slots; ++i)
    many.push_back(static_cast<char*>(detail::huge_alloc(huge * (1 + i % 5))));
  for (char* m : many) detail::huge_free(m);
  CHECK(cache.bytes() <= detail::BlockCache::capacity);
  CHECK(cache.bytes() > 0);
  // a block larger than the cache is unmapped, not kept
  const std::size_t before = cache.bytes();
  auto* big = static_cast<char*>(detail::huge_alloc(detail::BlockCache::capacity + huge));
  big[0] = 1;
  detail::huge_free(big);
  CHECK(cache.bytes() == before);
  // blocks taken from the cache and blocks mapped anew do not overlap while live
  std::vector<char*> live;
  std::vector<std::size_t> size;
  for (int i = 0; i < 40; ++i) {
    size.push_back(huge * (1 + i % 5));
    live.push_back(static_cast<char*>(detail::huge_alloc(size.back())));
  }
  for (std::size_t i = 0; i < live.size(); ++i)
    for (std::size_t j = i + 1; j < live.size(); ++j)
      REQUIRE((live[i] + size[i] <= live[j] || live[j] + size[j] <= live[i]));
  for (char* m : live) detail::huge_free(m);
}
#endif

TEST_CASE("huge_alloc: blocks of every size are aligned, wholly writable and released") {
  constexpr std::size_t huge = std::size_t{1} << 21;
  for (std::size_t bytes : {std::size_t{0}, std::size_t{1}, std::size_t{17}, huge - 1, huge,
                            huge + 1, 3 * huge + 4099}) {
    CAPTURE(bytes);
    void* p = detail::huge_alloc(bytes);
    REQUIRE(p != nullptr);
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    CHECK(a % 16 == 0);                       // malloc's alignment at least
    if (bytes >= huge) CHECK(a % huge == 0);  // large blocks on 2 MiB boundaries
    auto* c = static_cast<unsigned char*>(p);
    for (std::size_t i = 0; i < bytes; ++i) c[i] = static_cast<unsigned char>(i * 7);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < bytes; ++i) bad += c[i] != static_cast<unsigned char>(i * 7);
    CHECK(bad == 0);
    detail::huge_free(p);
  }
  detail::huge_free(nullptr);  // nothing
  // two live blocks do not overlap
  auto* x = static_cast<char*>(detail::huge_alloc(huge));
  auto* y = static_cast<char*>(detail::huge_alloc(huge));
  CHECK((x + huge <= y || y + huge <= x));
  detail::huge_free(x);
  detail::huge_free(y);
}

TEST_CASE("restricted to the members as of a date: the network built from their rows alone") {
  std::mt19937_64 rng(23);
  for (int shape = 0; shape < 5; ++shape) {
    const testing::Forest f = testing::make_forest(300, shape, rng);
    const Network net(f.ids, f.sponsors, f.enrolled);
    for (const day_t day : {day_t{99}, day_t{150}, day_t{220}, day_t{400}}) {
      const Array<std::uint8_t> in = net.members_as_of(day);
      Array<index_t> base;
      const Network got = net.restricted(in.data(), &base);
      // the reference: a build from the member rows (in row order) with their sponsors
      std::vector<id_type> ids, sponsors;
      std::vector<day_t> enrolled;
      for (std::size_t r = 0; r < f.ids.size(); ++r)
        if (in[static_cast<std::size_t>(net.position_of_row()[r])]) {
          ids.push_back(f.ids[r]);
          sponsors.push_back(f.sponsors[r]);
          enrolled.push_back(f.enrolled[r]);
        }
      const Network want(ids, sponsors, enrolled);
      REQUIRE(got.size() == want.size());
      REQUIRE(base.size() == ids.size());
      for (std::size_t r = 0; r < ids.size(); ++r) CHECK(f.ids[static_cast<std::size_t>(base[r])] == ids[r]);
      CHECK(got.max_depth() == want.max_depth());
      for (std::size_t r = 0; r < ids.size(); ++r) {
        const index_t g = got.position_of_row()[r], w = want.position_of_row()[r];
        CHECK(got.row_of_position()[static_cast<std::size_t>(g)] == static_cast<index_t>(r));
        CHECK(got.id(g) == ids[r]);
        CHECK(got.at(ids[r]) == g);
        CHECK(got.downline_size(g) == want.downline_size(w));
        CHECK(got.depth(g) == want.depth(w));
        CHECK(got.enrolled_on(g) == enrolled[r]);
        CHECK((got.parent(g) == npos ? no_sponsor : got.id(got.parent(g))) == sponsors[r]);
      }
      CHECK(got.find(id_type{12345}) == npos);
    }
  }
  // a participant kept without their sponsor: named
  const Network net({1, 2, 3}, {no_sponsor, 1, 2});
  const std::vector<std::uint8_t> keep{1, 0, 1};  // preorder: 1, 2, 3
  expect_error([&] { (void)net.restricted(keep.data()); }, ErrorKind::bad_value,
               {"participant 3 is kept without their sponsor 2"});
  // string ids
  const Network words = Network::from_strings({"a", "b", "c"}, {"", "a", "a"});
  std::vector<std::uint8_t> two(3, 1);
  two[static_cast<std::size_t>(words.at(std::string_view("b")))] = 0;
  const Network cut = words.restricted(two.data());
  REQUIRE(cut.size() == 2);
  CHECK(cut.id_string(cut.at(std::string_view("c"))) == "c");
  CHECK(cut.find(std::string_view("b")) == npos);
  CHECK(cut.downline_size(cut.at(std::string_view("a"))) == 1);
}
