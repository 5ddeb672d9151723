// Every column of volumes() against a brute-force reference built from explicit
// descendant sets, on random forests of many shapes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <unordered_map>

#include "downline/rollup.hpp"
#include "forest.hpp"

using namespace downline;

namespace {
using downline::testing::Forest;
using downline::testing::make_forest;

struct Ref {
  double pv = 0, gv = 0, power = 0, lesser = 0;
  std::vector<double> level;
  long downline = 0, active_downline = 0, frontline = 0, depth = 0, height = 0;
  bool included = true;
};

std::unordered_map<id_type, Ref> brute_force(const Forest& f, day_t start, day_t end,
                                             bool use_as_of, day_t as_of, int levels,
                                             bool use_min_pv, double min_pv) {
  const std::size_t n = f.ids.size();
  std::unordered_map<id_type, id_type> sponsor;
  std::unordered_map<id_type, day_t> enrolled;
  std::unordered_map<id_type, std::vector<id_type>> children;
  for (std::size_t i = 0; i < n; ++i) {
    sponsor[f.ids[i]] = f.sponsors[i];
    enrolled[f.ids[i]] = f.enrolled[i];
    if (f.sponsors[i] != no_sponsor) children[f.sponsors[i]].push_back(f.ids[i]);
  }
  std::unordered_map<id_type, Ref> ref;
  std::unordered_map<id_type, bool> positive;
  for (id_type id : f.ids) {
    Ref& r = ref[id];
    r.level.assign(levels, 0.0);
    for (id_type x = id; x != no_sponsor; x = sponsor[x]) {
      if (use_as_of && enrolled[x] > as_of) r.included = false;
      if (x != id) ++r.depth;
    }
  }
  const std::int64_t last =
      use_as_of ? std::min<std::int64_t>(end, static_cast<std::int64_t>(as_of) + 1) : end;
  for (std::size_t j = 0; j < f.o_pid.size(); ++j) {
    if (f.o_day[j] < start || f.o_day[j] >= last) continue;
    Ref& r = ref[f.o_pid[j]];
    if (!r.included) continue;
    r.pv += f.o_pv[j];
    if (f.o_pv[j] > 0) positive[f.o_pid[j]] = true;
  }
  auto active = [&](id_type id) {
    const Ref& r = ref[id];
    return r.included && (use_min_pv ? r.pv >= min_pv : positive[id]);
  };
  // Explicit descendant sets with their levels, by a stack walk per participant.
  for (id_type id : f.ids) {
    Ref& r = ref[id];
    r.gv = r.pv;
    std::vector<std::pair<id_type, int>> stack{{id, 0}};
    while (!stack.empty()) {
      auto [x, lv] = stack.back();
      stack.pop_back();
      if (x != id) {
        const Ref& d = ref[x];
        r.gv += d.pv;
        if (lv <= levels) r.level[lv - 1] += d.pv;
        if (d.included) {
          ++r.downline;
          r.height = std::max<long>(r.height, lv);
        }
        if (active(x)) ++r.active_downline;
      }
      for (id_type c : children[x]) stack.emplace_back(c, lv + 1);
    }
    bool any = false;
    double best = 0;
    for (id_type c : children[id]) {
      if (!ref[c].included) continue;
      ++r.frontline;
      // leg volume = GV of the recruit: recomputed from the recruit's own descendant walk below
      double leg = 0;
      std::vector<id_type> st{c};
      while (!st.empty()) {
        const id_type x = st.back();
        st.pop_back();
        leg += ref[x].pv;
        for (id_type y : children[x]) st.push_back(y);
      }
      if (!any || leg > best) best = leg;
      any = true;
    }
    r.power = any ? best : 0.0;
    r.lesser = r.gv - r.pv - r.power;
  }
  return ref;
}

void check_case(const Forest& f, const VolumeOptions& opt) {
  const Network net(f.ids, f.sponsors, f.enrolled);
  const Activity act(net, f.o_pid, f.o_day, f.o_pv);
  const VolumeTable t = volumes(net, act, opt);
  const auto ref = brute_force(f, opt.start, opt.end, opt.as_of.has_value(), opt.as_of.value_or(0),
                               opt.levels, opt.min_pv.has_value(), opt.min_pv.value_or(0));
  const std::size_t n = f.ids.size();
  auto close = [](double a, double b) { return std::abs(a - b) <= 1e-9 * (1 + std::abs(b)); };
  for (std::size_t i = 0; i < n; ++i) {
    const index_t k = net.at(f.ids[i]);
    const Ref& r = ref.at(f.ids[i]);
    INFO("participant ", f.ids[i]);
    REQUIRE(static_cast<bool>(t.included[k]) == r.included);
    REQUIRE(close(t.pv[k], r.pv));
    REQUIRE(close(t.gv[k], r.gv));
    for (int l = 0; l < opt.levels; ++l)
      REQUIRE(close(t.level[static_cast<std::size_t>(l) * n + k], r.level[l]));
    REQUIRE(close(t.power_leg[k], r.power));
    REQUIRE(close(t.lesser_legs[k], r.lesser));
    REQUIRE(t.downline[k] == r.downline);
    REQUIRE(t.active_downline[k] == r.active_downline);
    REQUIRE(t.frontline[k] == r.frontline);
    REQUIRE(t.depth[k] == r.depth);
    REQUIRE(t.height[k] == r.height);
  }
  // The same table in input row order, every column or a few (PV and GV alone take the
  // short road without as_of): the included rows, ascending, with the reference's values.
  for (unsigned columns : {VolumeColumns::all, VolumeColumns::pv | VolumeColumns::gv,
                           VolumeColumns::pv, VolumeColumns::gv,
                           VolumeColumns::levels | VolumeColumns::height}) {
    CAPTURE(columns);
    const VolumeRows v = volumes_by_row(net, act, opt, columns);
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < n; ++i)
      if (ref.at(f.ids[i]).included) rows.push_back(i);
    REQUIRE(v.every_row == (rows.size() == n));
    if (!v.every_row) REQUIRE(std::vector<std::size_t>(v.rows.begin(), v.rows.end()) == rows);
    const auto has = [&](unsigned c) { return (columns & c) != 0; };
    REQUIRE(v.pv.empty() == !has(VolumeColumns::pv));
    REQUIRE(v.gv.empty() == !has(VolumeColumns::gv));
    REQUIRE(v.height.empty() == !has(VolumeColumns::height));
    REQUIRE(v.downline.empty() == !has(VolumeColumns::downline));
    REQUIRE(v.level.size() == (has(VolumeColumns::levels) ? std::min<std::size_t>(
                                                               static_cast<std::size_t>(opt.levels),
                                                               static_cast<std::size_t>(net.max_depth()))
                                                         : 0));
    for (std::size_t j = 0; j < rows.size(); ++j) {
      const Ref& r = ref.at(f.ids[rows[j]]);
      INFO("row ", rows[j]);
      if (has(VolumeColumns::pv)) REQUIRE(close(v.pv.data()[j], r.pv));
      if (has(VolumeColumns::gv)) REQUIRE(close(v.gv.data()[j], r.gv));
      if (has(VolumeColumns::height)) REQUIRE(v.height.data()[j] == r.height);
      if (has(VolumeColumns::downline)) REQUIRE(v.downline.data()[j] == r.downline);
      for (std::size_t l = 0; l < v.level.size(); ++l) REQUIRE(close(v.level[l].data()[j], r.level[l]));
    }
  }
  // The period as one column of a series: PV and GV as of its last day, NaN outside.
  if (!f.enrolled.empty() && opt.start < opt.end) {
    const auto as_of_end = brute_force(f, opt.start, opt.end, true, opt.end - 1, opt.levels, false, 0);
    std::vector<double> pv(n), gv(n);
    pv_gv_series(net, act, {opt.start, opt.end}, pv.data(), gv.data());
    for (std::size_t i = 0; i < n; ++i) {
      const Ref& r = as_of_end.at(f.ids[i]);
      INFO("series row ", i);
      REQUIRE(std::isnan(pv[i]) == !r.included);
      REQUIRE(std::isnan(gv[i]) == !r.included);
      if (r.included) REQUIRE((close(pv[i], r.pv) && close(gv[i], r.gv)));
    }
  }
}

}  // namespace

TEST_CASE("volumes equal the brute-force reference on random forests") {
  std::mt19937_64 rng(2024);
  const int sizes[] = {1, 2, 3, 10, 57, 300, 1000};
  for (int seed = 0; seed < 6; ++seed)
    for (int n : sizes)
      for (int shape = 0; shape < 5; ++shape) {
        CAPTURE(seed);
        CAPTURE(n);
        CAPTURE(shape);
        const Forest f = make_forest(n, shape, rng);
        VolumeOptions opt;
        opt.levels = 1 + static_cast<int>(rng() % 5);
        if (seed % 2) {
          opt.start = static_cast<day_t>(100 + rng() % 50);
          opt.end = opt.start + static_cast<day_t>(rng() % 300);
        }
        if (seed % 3 == 1)
          opt.as_of = static_cast<day_t>(100 + rng() % static_cast<unsigned>(n / 2 + 60));
        if (seed % 3 == 2) opt.min_pv = static_cast<double>(rng() % 100);
        check_case(f, opt);
      }
}

TEST_CASE("volumes on 10,000 participants, deep and wide") {
  std::mt19937_64 rng(7);
  for (int shape : {0, 3}) {
    const Forest f = make_forest(10000, shape, rng);
    VolumeOptions opt;
    opt.levels = 4;
    opt.as_of = 3000;
    check_case(f, opt);
  }
}

TEST_CASE("matrix rollup: every column equals subtree sums of explicit descendant sets") {
  std::mt19937_64 rng(99);
  const Forest f = make_forest(400, 0, rng);
  const Network net(f.ids, f.sponsors);
  Eigen::MatrixXd m(400, 3);
  for (int i = 0; i < 400; ++i)
    for (int c = 0; c < 3; ++c) m(i, c) = static_cast<double>(rng() % 1000) - 300.0;
  const auto out = rollup_rows(net, m);
  std::unordered_map<id_type, int> row;
  for (int i = 0; i < 400; ++i) row[f.ids[i]] = i;
  for (int i = 0; i < 400; ++i) {
    // Sum over every row whose upline contains row i (or is row i).
    Eigen::RowVector3d expect = Eigen::RowVector3d::Zero();
    for (int j = 0; j < 400; ++j)
      for (id_type x = f.ids[j]; x != no_sponsor; x = f.sponsors[row[x]])
        if (x == f.ids[i]) {
          expect += m.row(j);
          break;
        }
    REQUIRE((out.row(i) - expect).cwiseAbs().maxCoeff() < 1e-9);
  }
}

TEST_CASE("subtree_sum is accurate where naive prefix differences lose digits") {
  // A huge volume early in preorder, small ones after: P[end]-P[k] would lose them.
  const std::vector<id_type> ids{1, 2, 3, 4};
  const std::vector<id_type> sp{no_sponsor, 1, 2, 3};
  const Network net(ids, sp);
  std::vector<double> v{1e17, 0.25, 0.5, 0.125}, pre(4), out(4);
  net.rows_to_preorder(v.data(), pre.data());
  subtree_sum(net, pre.data(), out.data());
  CHECK(out[net.at(4)] == 0.125);
  CHECK(out[net.at(3)] == 0.625);
  CHECK(out[net.at(2)] == 0.875);
}

namespace {
// Subtree sums by brute force: every participant's value added to itself and to each of
// its ancestors, found by walking the sponsor ids (no preorder, no network arrays).
template <class T>
std::unordered_map<id_type, T> ancestor_walk_sums(const Forest& f, const std::vector<T>& value) {
  std::unordered_map<id_type, id_type> sponsor;
  for (std::size_t i = 0; i < f.ids.size(); ++i) sponsor[f.ids[i]] = f.sponsors[i];
  std::unordered_map<id_type, T> sum;
  for (std::size_t i = 0; i < f.ids.size(); ++i)
    for (id_type x = f.ids[i]; x != no_sponsor; x = sponsor[x]) sum[x] += value[i];
  return sum;
}

struct ThreadsReset {
  ~ThreadsReset() { set_num_threads(0); }
};
}  // namespace

TEST_CASE("subtree sums in chunks of any size, on 1 to 3 threads, equal ancestor walks") {
  // Small chunks put chunk boundaries everywhere: inside long chains, between siblings,
  // under sponsors several chunks back, at roots.
  ThreadsReset reset;
  std::mt19937_64 rng(4242);
  const int sizes[] = {1, 2, 3, 5, 17, 130, 1000};
  const index_t chunks[] = {1, 2, 3, 7, 64, detail::subtree_chunk};
  for (int seed = 0; seed < 3; ++seed)
    for (int n : sizes)
      for (int shape = 0; shape < 5; ++shape) {
        const Forest f = make_forest(n, shape, rng);
        const Network net(f.ids, f.sponsors);
        std::vector<std::int64_t> vi(static_cast<std::size_t>(n));
        std::vector<double> vd(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
          vi[i] = static_cast<std::int64_t>(rng() % 2001) - 1000;
          vd[i] = static_cast<double>(rng() % 100001) / 64.0 - 500.0;  // exact sums
        }
        const auto ri = ancestor_walk_sums(f, vi);
        const auto rd = ancestor_walk_sums(f, vd);
        std::vector<std::int64_t> pi(vi.size()), oi(vi.size());
        std::vector<double> pd(vd.size()), od(vd.size());
        net.rows_to_preorder(vi.data(), pi.data());
        net.rows_to_preorder(vd.data(), pd.data());
        for (index_t chunk : chunks)
          for (int threads = 1; threads <= 3; ++threads) {
            CAPTURE(seed);
            CAPTURE(n);
            CAPTURE(shape);
            CAPTURE(chunk);
            CAPTURE(threads);
            set_num_threads(threads);
            std::fill(oi.begin(), oi.end(), std::int64_t{-7777});
            detail::chunked_subtree_sums(net, pi.data(), oi.data(), 1, chunk);
            od = pd;  // in place: out aliases v
            detail::chunked_subtree_sums(net, od.data(), od.data(), 1, chunk);
            // three columns at once (row-major): v, -v and 3v, each the bits of one column
            // alone (the values are not exact here: 1/7 steps)
            std::vector<double> one(pd.size()), wide(3 * pd.size()), alone(pd.size());
            for (std::size_t k = 0; k < pd.size(); ++k) {
              one[k] = pd[k] / 7.0;
              wide[3 * k] = one[k];
              wide[3 * k + 1] = -one[k] * 1.1;
              wide[3 * k + 2] = 3 * one[k];
            }
            detail::chunked_subtree_sums(net, wide.data(), wide.data(), 3, chunk);
            for (int col = 0; col < 3; ++col) {
              for (std::size_t k = 0; k < pd.size(); ++k)
                alone[k] = col == 0 ? one[k] : col == 1 ? -one[k] * 1.1 : 3 * one[k];
              detail::chunked_subtree_sums(net, alone.data(), alone.data(), 1, chunk);
              for (std::size_t k = 0; k < pd.size(); ++k) REQUIRE(wide[3 * k + col] == alone[k]);
            }
            for (int i = 0; i < n; ++i) {
              const index_t k = net.at(f.ids[i]);
              REQUIRE(oi[k] == ri.at(f.ids[i]));
              REQUIRE(od[k] == rd.at(f.ids[i]));
            }
          }
      }
}

TEST_CASE("subtree_sum over several real chunks: ancestor walks, the same bits on 1 to 3 threads") {
  ThreadsReset reset;
  std::mt19937_64 rng(77);
  // 200,000 participants (four chunks): a random recursive forest, and one whose first
  // 3,000 participants form a chain that every later one hangs below (deep carries, under
  // the depth limit of the chunked pass).
  for (int shape = 0; shape < 2; ++shape) {
    const int n = 200000;
    Forest f;
    std::vector<int> parent(n, -1);
    for (int i = 1; i < n; ++i)
      parent[i] = shape == 0 ? static_cast<int>(rng() % static_cast<unsigned>(i))
                  : i < 3000 ? i - 1
                             : static_cast<int>(rng() % static_cast<unsigned>(i));
    for (int i = 0; i < n; ++i) {
      f.ids.push_back(1000000 + 7 * i);
      f.sponsors.push_back(parent[i] < 0 ? no_sponsor : 1000000 + 7 * parent[i]);
    }
    const Network net(f.ids, f.sponsors);
    REQUIRE(net.max_depth() <= detail::subtree_chunk_max_depth);
    if (shape == 1) REQUIRE(net.max_depth() >= 2999);
    std::vector<double> v(static_cast<std::size_t>(n)), pre(v.size());
    for (auto& x : v) x = static_cast<double>(rng() % 100001) / 128.0 - 300.0;  // exact sums
    const auto ref = ancestor_walk_sums(f, v);
    net.rows_to_preorder(v.data(), pre.data());
    std::vector<double> first;
    for (int threads = 1; threads <= 3; ++threads) {
      CAPTURE(shape);
      CAPTURE(threads);
      set_num_threads(threads);
      std::vector<double> out(v.size(), -1.0);
      subtree_sum(net, pre.data(), out.data());
      for (int i = 0; i < n; ++i) REQUIRE(out[net.at(f.ids[i])] == ref.at(f.ids[i]));
      if (threads == 1) first = out;
      REQUIRE(out == first);
    }
    // inexact values too: the bits do not depend on the thread count
    for (auto& x : pre) x = std::sqrt(std::abs(x) + 0.1);
    std::vector<double> one(v.size()), three(v.size());
    set_num_threads(1);
    subtree_sum(net, pre.data(), one.data());
    set_num_threads(3);
    subtree_sum(net, pre.data(), three.data());
    REQUIRE(std::memcmp(one.data(), three.data(), one.size() * sizeof(double)) == 0);
  }
}

TEST_CASE("max_depth is the largest depth") {
  std::mt19937_64 rng(5);
  for (int shape = 0; shape < 5; ++shape)
    for (int n : {1, 2, 40, 700}) {
      const Forest f = make_forest(n, shape, rng);
      const Network net(f.ids, f.sponsors);
      const auto ref = brute_force(f, 0, 1, false, 0, 0, false, 0);
      long deepest = 0;
      for (const auto& kv : ref) deepest = std::max(deepest, kv.second.depth);
      CHECK(net.max_depth() == deepest);
    }
  CHECK(Network().max_depth() == 0);
}

TEST_CASE("orders of unknown participants: an error naming them, or dropped and reported") {
  const Network net({1, 2}, {no_sponsor, 1});
  const std::vector<id_type> pid{1, 5, 2, 5, 9};
  const std::vector<day_t> day{1, 1, 1, 1, 1};
  const std::vector<double> pv{1, 2, 3, 4, 5};
  try {
    Activity(net, pid, day, pv);
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::unknown_participant);
    CHECK(e.ids() == std::vector<id_type>{5, 9});
    CHECK(std::string(e.what()).find("3 order(s) of 2 participant(s)") != std::string::npos);
  }
  const Activity act(net, pid, day, pv, UnknownPolicy::drop);
  CHECK(act.size() == 2);
  CHECK(act.dropped_rows() == std::vector<id_type>{1, 3, 4});
  CHECK(act.dropped_ids() == std::vector<id_type>{5, 9});
  const auto t = volumes(net, act);
  CHECK(t.gv[net.at(1)] == 4.0);
  std::vector<double> bad{1, 2, NAN, 4, 5};
  CHECK_THROWS_AS(Activity(net, pid, day, bad, UnknownPolicy::drop), InputError);
}

TEST_CASE("per-period volumes from one mapping") {
  const Network net({1, 2, 3}, {no_sponsor, 1, 2});
  const Activity act(net, {3, 3, 2, 1}, {0, 31, 45, 70}, {10, 20, 30, 40});
  const auto m = act.personal_volume_by_period({0, 31, 59, 90});
  const std::size_t n = 3;
  CHECK(m[0 * n + net.at(3)] == 10);
  CHECK(m[1 * n + net.at(3)] == 20);
  CHECK(m[1 * n + net.at(2)] == 30);
  CHECK(m[2 * n + net.at(1)] == 40);
  CHECK(m[0 * n + net.at(1)] == 0);
}

TEST_CASE("level sums equal an ancestor walk below, at and above the network's height") {
  std::mt19937_64 rng(23);
  for (int shape = 0; shape < 5; ++shape)
    for (int n : {1, 2, 40, 300}) {
      CAPTURE(shape);
      CAPTURE(n);
      const Forest f = make_forest(n, shape, rng);
      const Network net(f.ids, f.sponsors, f.enrolled);
      const std::size_t un = static_cast<std::size_t>(n);
      // whole-number volumes, so that every order of summation gives the same sums
      std::vector<double> v_row(un), v(un);
      for (double& x : v_row) x = static_cast<double>(rng() % 1000) - 200.0;
      for (std::size_t r = 0; r < un; ++r)
        v[static_cast<std::size_t>(net.position_of_row()[r])] = v_row[r];
      // the height, and the level sums by walking up from every position
      const index_t* parent = net.parents().data();
      int height = 0;
      for (index_t k = 0; k < net.size(); ++k) {
        int d = 0;
        for (index_t a = parent[k]; a != npos; a = parent[a]) ++d;
        height = std::max(height, d);
      }
      const Activity act(net, f.ids, std::vector<day_t>(un, 10), v_row);
      for (int levels : {0, 1, height - 1, height, height + 1, height + 7}) {
        if (levels < 0) continue;
        CAPTURE(levels);
        std::vector<double> want(un * static_cast<std::size_t>(levels), 0.0);
        for (index_t k = 0; k < net.size(); ++k) {
          int d = 1;
          for (index_t a = parent[k]; a != npos && d <= levels; a = parent[a], ++d)
            want[static_cast<std::size_t>(d - 1) * un + static_cast<std::size_t>(a)] += v[k];
        }
        std::vector<double> got(want.size(), -1.0);  // every value is written
        level_sums(net, v.data(), levels, got.data());
        CHECK(got == want);
        // volumes(): the same table, only the levels up to the height stored
        VolumeOptions opt;
        opt.levels = levels;
        const VolumeTable t = volumes(net, act, opt);
        CHECK(t.level.stored == std::min(levels, height));
        CHECK(t.level.values.size() == un * static_cast<std::size_t>(std::min(levels, height)));
        std::size_t bad = 0;
        for (int l = 1; l <= levels; ++l) {
          const double* col = t.level.column(l);
          bad += (col != nullptr) != (l <= height);
          for (std::size_t k = 0; k < un; ++k) {
            const std::size_t i = static_cast<std::size_t>(l - 1) * un + k;
            bad += t.level[i] != want[i] || (col != nullptr && col[k] != want[i]);
          }
        }
        CHECK(bad == 0);
      }
    }
}

TEST_CASE("levels: a table that cannot be made is an error naming levels and the height") {
  const Forest star = [] {
    std::mt19937_64 rng(5);
    return make_forest(1000, 2, rng);
  }();
  const Network net(star.ids, star.sponsors);
  REQUIRE(net.max_depth() == 1);
  CHECK(stored_levels(net, 0) == 0);
  CHECK(stored_levels(net, 1) == 1);
  CHECK(stored_levels(net, max_level_columns) == 1);  // a million zero columns: allowed
  CHECK_THROWS_WITH_AS(stored_levels(net, 1000000000),
                       "levels = 1000000000 is more than the 1048576 level columns a table can "
                       "have; the network's height is 1, so levels above 1 are all zeros",
                       InputError);
  CHECK_THROWS_WITH_AS(stored_levels(net, -1), "levels must be >= 0", InputError);
  // a chain of 70,000: 65,536 levels up to its height would be 4.6e9 values
  std::vector<id_type> ids(70000), sponsors(70000);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i] = static_cast<id_type>(i) + 1;
    sponsors[i] = i == 0 ? no_sponsor : static_cast<id_type>(i);
  }
  const Network chain(ids, sponsors);
  CHECK(stored_levels(chain, 61356) == 61356);  // 61356 * 70000 < 2^32
  CHECK_THROWS_WITH_AS(stored_levels(chain, 65536),
                       "levels = 65536 on 70000 participants needs 4587520000 level values, more "
                       "than 4294967296; the network's height is 69999, so levels above 69999 are "
                       "all zeros",
                       InputError);
  VolumeOptions opt;
  opt.levels = 65536;
  CHECK_THROWS_AS(volumes(chain,
                          Activity(chain, ids, std::vector<day_t>(ids.size(), 1),
                                   std::vector<double>(ids.size(), 1.0)),
                          opt),
                  InputError);
}
