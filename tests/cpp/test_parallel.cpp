// The parallel steps (network build, order mapping) on 1, 2 and 3 threads: every array
// equals a reference computed here from the input, whatever the thread count.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <unordered_map>

#include "downline/activity.hpp"
#include "downline/network.hpp"

using namespace downline;

namespace {

struct ThreadsGuard {
  ~ThreadsGuard() { set_num_threads(0); }
};

struct Company {
  std::vector<id_type> ids, sponsors;
  std::vector<day_t> enrolled;
  std::vector<int> parent_row;  // -1 for a root
  std::vector<id_type> o_pid;
  std::vector<day_t> o_day;
  std::vector<double> o_pv;
};

// A random recursive forest big enough to be cut into several slices (each slice is at
// least 65,536 rows), with rows shuffled, sparse ids, and orders of which some belong to
// no participant.
// With `dense`, the ids are a shuffled run of consecutive numbers (member numbers), which
// the id index addresses directly instead of hashing.
Company make_company(int n, std::mt19937_64& rng, bool dense = false) {
  std::vector<int> parent(n, -1);
  for (int i = 1; i < n; ++i)
    parent[i] = rng() % 50 == 0 ? -1 : static_cast<int>(rng() % static_cast<unsigned>(i));
  std::vector<id_type> idof(n);
  for (int i = 0; i < n; ++i) idof[i] = static_cast<id_type>(rng() >> 3) + 1;
  if (dense) {
    for (int i = 0; i < n; ++i) idof[i] = 7000000 + i;
    std::shuffle(idof.begin(), idof.end(), rng);
  }
  std::vector<int> rows(n), row_of(n);
  for (int i = 0; i < n; ++i) rows[i] = i;
  std::shuffle(rows.begin(), rows.end(), rng);
  for (int r = 0; r < n; ++r) row_of[rows[r]] = r;
  Company c;
  for (int r = 0; r < n; ++r) {
    const int i = rows[r];
    c.ids.push_back(idof[i]);
    c.sponsors.push_back(parent[i] < 0 ? no_sponsor : idof[parent[i]]);
    c.enrolled.push_back(static_cast<day_t>(i));
    c.parent_row.push_back(parent[i] < 0 ? -1 : row_of[parent[i]]);
  }
  for (int j = 0; j < 3 * n; ++j) {
    const bool stranger = rng() % 1000 == 0;
    c.o_pid.push_back(stranger ? -static_cast<id_type>(rng() % 100) - 1
                               : idof[rng() % static_cast<unsigned>(n)]);
    c.o_day.push_back(static_cast<day_t>(rng() % 365));
    c.o_pv.push_back(static_cast<double>(rng() % 1000) / 10.0);
  }
  return c;
}

void check_network(const Company& c, const Network& net) {
  const std::size_t n = c.ids.size();
  REQUIRE(static_cast<std::size_t>(net.size()) == n);
  // Reference subtree sizes and depths from the row parents (sizes: children before
  // parents in the generation order, i.e. by descending enrolment day).
  std::vector<std::size_t> by_gen(n);
  for (std::size_t r = 0; r < n; ++r) by_gen[static_cast<std::size_t>(c.enrolled[r])] = r;
  std::vector<index_t> size(n, 1), depth(n, 0);
  for (std::size_t g = n; g-- > 0;) {
    const int p = c.parent_row[by_gen[g]];
    if (p >= 0) size[p] += size[by_gen[g]];
  }
  for (std::size_t g = 0; g < n; ++g) {
    const int p = c.parent_row[by_gen[g]];
    depth[by_gen[g]] = p < 0 ? 0 : depth[p] + 1;
  }
  // Reference preorder: a depth-first walk from the roots in row order, each participant's
  // recruits in row order (the layout the network promises).
  std::vector<std::vector<std::size_t>> kids(n);
  std::vector<std::size_t> stack, preorder;
  for (std::size_t r = 0; r < n; ++r)
    if (c.parent_row[r] >= 0) kids[static_cast<std::size_t>(c.parent_row[r])].push_back(r);
  for (std::size_t r = n; r-- > 0;)
    if (c.parent_row[r] < 0) stack.push_back(r);
  while (!stack.empty()) {
    const std::size_t v = stack.back();
    stack.pop_back();
    preorder.push_back(v);
    for (std::size_t j = kids[v].size(); j-- > 0;) stack.push_back(kids[v][j]);
  }
  REQUIRE(preorder.size() == n);
  std::size_t moved = 0;
  for (std::size_t k = 0; k < n; ++k)
    moved += static_cast<std::size_t>(net.row_of_position()[k]) != preorder[k];
  CHECK(moved == 0);
  const auto& pos = net.position_of_row();
  std::size_t bad = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const index_t k = pos[r];
    bad += net.row_of_position()[k] != static_cast<index_t>(r);
    bad += net.id(k) != c.ids[r];
    bad += net.parent(k) != (c.parent_row[r] < 0 ? npos : pos[c.parent_row[r]]);
    bad += net.end(k) != k + size[r];
    bad += net.depth(k) != depth[r];
    bad += net.enrolled_on(k) != c.enrolled[r];
    bad += net.find(c.ids[r]) != k;
  }
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("network build and order mapping: the same answers on 1, 2 and 3 threads") {
  ThreadsGuard guard;
  std::mt19937_64 rng(2026);
  const Company c = make_company(300000, rng);
  std::unordered_map<id_type, std::size_t> row;
  for (std::size_t r = 0; r < c.ids.size(); ++r) row[c.ids[r]] = r;
  // Reference mapping of the orders: kept rows in order, dropped rows and distinct ids.
  std::vector<std::size_t> kept, dropped;
  std::vector<id_type> dropped_ids;
  for (std::size_t j = 0; j < c.o_pid.size(); ++j) {
    if (row.count(c.o_pid[j])) {
      kept.push_back(j);
    } else {
      dropped.push_back(j);
      dropped_ids.push_back(c.o_pid[j]);
    }
  }
  std::sort(dropped_ids.begin(), dropped_ids.end());
  dropped_ids.erase(std::unique(dropped_ids.begin(), dropped_ids.end()), dropped_ids.end());
  REQUIRE(!dropped.empty());

  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    REQUIRE(num_threads() == threads);
    NetworkInput in;
    in.ids = c.ids.data();
    in.sponsors = c.sponsors.data();
    in.n = c.ids.size();
    in.enrolled_on = c.enrolled.data();
    const Network net(in);
    check_network(c, net);

    try {
      Activity(net, c.o_pid, c.o_day, c.o_pv);
      FAIL("no exception");
    } catch (const InputError& e) {
      CHECK(e.kind() == ErrorKind::unknown_participant);
      CHECK(e.ids() == dropped_ids);
    }
    const Activity act(net, c.o_pid, c.o_day, c.o_pv, UnknownPolicy::drop);
    REQUIRE(act.size() == kept.size());
    CHECK(act.dropped_ids() == dropped_ids);
    CHECK(act.dropped_rows().size() == dropped.size());
    CHECK(std::equal(dropped.begin(), dropped.end(), act.dropped_rows().begin()));
    std::size_t bad = 0;
    for (std::size_t i = 0; i < kept.size(); ++i) {
      const std::size_t j = kept[i];
      bad += act.nodes()[i] != net.position_of_row()[row[c.o_pid[j]]];
      bad += act.days()[i] != c.o_day[j];
      bad += act.volumes()[i] != c.o_pv[j];
    }
    CHECK(bad == 0);

    // A window keeps the orders of its days only, in row order.
    const day_t from = 100, to = 200;
    const Activity win(
        net, c.o_pid.data(), c.o_pid.size(),
        [&](std::size_t i, day_t& d) { return d = c.o_day[i], true; },
        [&](std::size_t i) { return c.o_pv[i]; }, UnknownPolicy::drop, from, to);
    std::vector<std::size_t> in_window;
    for (std::size_t j : kept)
      if (c.o_day[j] >= from && c.o_day[j] < to) in_window.push_back(j);
    REQUIRE(win.size() == in_window.size());
    bad = 0;
    for (std::size_t i = 0; i < in_window.size(); ++i) {
      bad += win.nodes()[i] != net.position_of_row()[row[c.o_pid[in_window[i]]]];
      bad += win.volumes()[i] != c.o_pv[in_window[i]];
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("dense ids: the directly addressed index and the build on 1, 2 and 3 threads") {
  ThreadsGuard guard;
  std::mt19937_64 rng(77);
  // 600,000 rows: the slot range is cut into one slice per thread (2^18 keys at least)
  Company c = make_company(600000, rng, true);
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    NetworkInput in;
    in.ids = c.ids.data();
    in.sponsors = c.sponsors.data();
    in.n = c.ids.size();
    in.enrolled_on = c.enrolled.data();
    check_network(c, Network(in));
  }
  // Duplicates anywhere in the rows (and of ids from both ends of the range) are named,
  // each once, in order.
  std::vector<id_type> ids = c.ids;
  const std::size_t n = ids.size();
  for (std::size_t j = 0; j < 40; ++j) ids[rng() % n] = ids[rng() % n];
  ids[n - 1] = *std::min_element(c.ids.begin(), c.ids.end());
  ids[n / 2] = *std::max_element(c.ids.begin(), c.ids.end());
  std::unordered_map<id_type, int> seen;
  for (id_type v : ids) ++seen[v];
  std::vector<id_type> want;
  for (const auto& kv : seen)
    if (kv.second > 1) want.push_back(kv.first);
  std::sort(want.begin(), want.end());
  REQUIRE(want.size() >= 2);
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    NetworkInput in;
    in.ids = ids.data();
    in.sponsors = c.sponsors.data();
    in.n = n;
    try {
      Network net(in);
      FAIL("no exception");
    } catch (const InputError& e) {
      CHECK(e.kind() == ErrorKind::duplicate_id);
      CHECK(e.ids() == want);
    }
  }
}

TEST_CASE("parallel_for cuts a range into contiguous slices and passes errors on") {
  ThreadsGuard guard;
  set_num_threads(3);
  std::vector<int> hits(1000, 0);
  detail::parallel_for(hits.size(), 100, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) ++hits[i];
  });
  CHECK(std::count(hits.begin(), hits.end(), 1) == 1000);
  CHECK(detail::parallel_parts(1000, 100) == 3);
  CHECK(detail::parallel_parts(150, 100) == 1);
  CHECK_THROWS_AS(detail::parallel_for(1000, 100,
                                       [](std::size_t part, std::size_t, std::size_t) {
                                         if (part == 2) throw InputError(ErrorKind::bad_value, "x");
                                       }),
                  InputError);
}
