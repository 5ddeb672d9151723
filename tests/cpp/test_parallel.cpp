// The parallel steps (network build, order mapping) on 1, 2 and 3 threads: every array
// equals a reference computed here from the input, whatever the thread count.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>

#if defined(__unix__)
#include <sys/wait.h>
#include <unistd.h>
#endif

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

namespace {
// Runs parallel_for_parts over [0, n) in `parts` slices; true when every index was
// visited exactly once, by the slice slice_begin says, on threads that are not all the
// caller's when parts > 1.
bool covers_once(std::size_t n, std::size_t parts) {
  std::vector<std::size_t> owner(n, ~std::size_t{0});
  std::vector<int> hits(n, 0);
  std::vector<std::thread::id> who(parts);
  detail::parallel_for_parts(n, parts, [&](std::size_t part, std::size_t b, std::size_t e) {
    who[part] = std::this_thread::get_id();
    for (std::size_t i = b; i < e; ++i) {
      ++hits[i];
      owner[i] = part;
    }
  });
  for (std::size_t i = 0; i < n; ++i) {
    if (hits[i] != 1) return false;
    const std::size_t p = owner[i];
    if (i < detail::slice_begin(n, parts, p) || i >= detail::slice_begin(n, parts, p + 1))
      return false;
  }
  if (parts > 1 && who[0] != std::this_thread::get_id()) return false;
  for (std::size_t p = 1; p < parts; ++p)
    if (who[p] == std::thread::id() || (n >= parts && who[p] == who[0])) return false;
  return true;
}
}  // namespace

TEST_CASE("the kept worker threads: many calls, sleeping workers, slow parts, errors") {
  ThreadsGuard guard;
  {  // the second call's part 1 runs on a thread that already ran one: a kept worker
    static thread_local int parts_run = 0;
    int seen[2] = {0, 0};
    for (int call = 0; call < 2; ++call)
      detail::parallel_for_parts(2, 2, [&](std::size_t part, std::size_t, std::size_t) {
        if (part == 1) seen[call] = ++parts_run;
      });
    CHECK(seen[1] == seen[0] + 1);
  }
  std::mt19937_64 rng(3);
  for (int call = 0; call < 2000; ++call) {
    const std::size_t parts = 1 + rng() % 4, n = rng() % 50;
    REQUIRE(covers_once(n, parts));
  }
  // workers asleep (past their spin) are woken by the next call
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(covers_once(1000, 3));
  // a worker's part that outlasts the caller's spin: the caller sleeps until it is done
  std::atomic<int> finished{0};
  detail::parallel_for_parts(2, 2, [&](std::size_t part, std::size_t, std::size_t) {
    if (part == 1) std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ++finished;
  });
  CHECK(finished == 2);
  // the lowest part's error comes back, after every part has finished; the pool still works
  std::atomic<int> ran{0};
  try {
    detail::parallel_for_parts(40, 4, [&](std::size_t part, std::size_t, std::size_t) {
      ++ran;
      if (part >= 2) throw InputError(ErrorKind::bad_value, "part " + std::to_string(part));
    });
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "part 2");
  }
  CHECK(ran == 4);
  CHECK(covers_once(100, 4));
}

TEST_CASE("the kept worker threads: nested calls and callers on several threads") {
  // a slice that calls parallel_for_parts itself (the pool is busy: it starts threads)
  std::vector<int> hits(64 * 64, 0);
  detail::parallel_for_parts(64, 3, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i)
      detail::parallel_for_parts(64, 2, [&](std::size_t, std::size_t bb, std::size_t ee) {
        for (std::size_t j = bb; j < ee; ++j) ++hits[i * 64 + j];
      });
  });
  CHECK(std::count(hits.begin(), hits.end(), 1) == 64 * 64);
  // four callers at once: one holds the pool, the others start threads; all are right
  std::atomic<int> good{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<unsigned>(t));
      bool ok = true;
      for (int call = 0; call < 300; ++call) ok = ok && covers_once(rng() % 200, 1 + rng() % 3);
      good += ok;
    });
  for (std::thread& c : callers) c.join();
  CHECK(good == 4);
}

#if defined(__unix__)
TEST_CASE("the kept worker threads: a child process after fork() gets workers of its own") {
  REQUIRE(covers_once(1000, 3));  // the parent's workers exist
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    bool ok = true;
    for (int call = 0; call < 50; ++call) ok = ok && covers_once(1000, 3);
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(covers_once(1000, 3));
}
#endif
