// bench_rollup: times downline's volume rollups on a generated sample company and
// compares the GV rollup with "the floor", a plain reverse pass over preorder arrays.
//
//   bench_rollup [--participants N] [--orders-per-participant K] [--repeat R]
//                [--seed S] [--no-breakdown] [--no-experiments]
//
// Every timed step runs R times; the JSON object printed on stdout gives, per step,
// "median" and "min" (seconds) and all "runs". Data come from downline::make_sample with
// shuffle=true (ids unsorted, participant and order rows in random order). Inputs are
// prepared outside the timed region; output arrays the step writes into are allocated
// (and touched) beforehand, while whatever a library call allocates inside is timed.
//
// Rows of the report (see README.md):
//   build        Network from NetworkInput (ids, sponsors, has_sponsor)
//   activity     orders -> Activity (participant id -> preorder position, days, pv)
//   pv           Activity::personal_volume for one month (January 2023)
//   gv           subtree_sum on the preorder PV array
//   volumes      the whole volumes() table, levels = 3, same month
//   floor        pv copy + reverse pass over net.parents() (preorder)
//   floor_level  the same reverse pass over arrays in depth-descending order (info)
//   months12     12 monthly PV + GV rollups from one Activity (orders mapped once)
//   build_breakdown / experiments: information on where the time goes.
#include <downline/activity.hpp>
#include <downline/network.hpp>
#include <downline/rollup.hpp>
#include <downline/sample.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

using downline::day_t;
using downline::id_type;
using downline::index_t;
using downline::npos;
using clk = std::chrono::steady_clock;

double since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

// Keeps results observable so that the optimiser cannot drop a timed loop.
volatile double g_sink = 0.0;

struct Runs {
  std::vector<double> t;
  double median() const {
    if (t.empty()) return 0.0;
    std::vector<double> s = t;
    std::sort(s.begin(), s.end());
    const std::size_t m = s.size() / 2;
    return s.size() % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
  }
  double min() const { return t.empty() ? 0.0 : *std::min_element(t.begin(), t.end()); }
};

template <class F>
Runs time_runs(int repeat, F&& f) {
  Runs r;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = clk::now();
    f();
    r.t.push_back(since(t0));
  }
  return r;
}

// ---- memory ---------------------------------------------------------------------------
long status_kb(const char* field) {  // VmRSS / VmHWM of this process, in KiB
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::size_t len = std::strlen(field);
  while (std::getline(f, line))
    if (line.compare(0, len, field) == 0) return std::atol(line.c_str() + len + 1);
  return -1;
}
long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;  // KiB on Linux
}
// Peak RSS seen before VmHWM resets (a reset also lowers getrusage's ru_maxrss).
long g_peak_kb = 0;
/// Resets VmHWM to the current RSS (Linux >= 4.0) to measure one step's own peak;
/// false when not permitted. The peak so far is kept in g_peak_kb first.
bool reset_hwm() {
  g_peak_kb = std::max({g_peak_kb, status_kb("VmHWM:"), max_rss_kb()});
  std::ofstream f("/proc/self/clear_refs");
  if (!f) return false;
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

// ---- JSON -----------------------------------------------------------------------------
std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
std::string runs_json(const Runs& r) {
  std::string s = "{\"median\": " + num(r.median()) + ", \"min\": " + num(r.min()) + ", \"runs\": [";
  for (std::size_t i = 0; i < r.t.size(); ++i) s += (i ? ", " : "") + num(r.t[i]);
  return s + "]}";
}
class Obj {
 public:
  Obj& add(const std::string& key, const std::string& raw_json) {
    items_.emplace_back(key, raw_json);
    return *this;
  }
  Obj& add(const std::string& key, double v) { return add(key, num(v)); }
  Obj& add(const std::string& key, long long v) { return add(key, std::to_string(v)); }
  Obj& add(const std::string& key, const Runs& r) { return add(key, runs_json(r)); }
  std::string str(int indent = 0) const {
    const std::string pad(static_cast<std::size_t>(indent) + 2, ' ');
    std::string s = "{\n";
    for (std::size_t i = 0; i < items_.size(); ++i)
      s += pad + "\"" + items_[i].first + "\": " + items_[i].second +
           (i + 1 < items_.size() ? ",\n" : "\n");
    return s + std::string(static_cast<std::size_t>(indent), ' ') + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// ---- build breakdown --------------------------------------------------------------------
// A step-by-step replica of Network::build (include/downline/network.hpp) without its
// error reporting, timed per phase, to show where the build time goes. Its total is
// reported next to the real build time as a sanity check of the replica.
struct Breakdown {
  double hash_insert = 0, sponsor_lookup = 0, children_csr = 0, dfs_preorder = 0,
         preorder_arrays = 0, index_relabel = 0;
  double total() const {
    return hash_insert + sponsor_lookup + children_csr + dfs_preorder + preorder_arrays +
           index_relabel;
  }
};

Breakdown build_breakdown(const downline::NetworkInput& in) {
  Breakdown b;
  const index_t n = static_cast<index_t>(in.n);
  const id_type* ids = in.ids;
  auto t0 = clk::now();
  downline::detail::IdIndex index(in.n);
  for (index_t r = 0; r < n; ++r) index.insert(ids, r);
  b.hash_insert = since(t0);

  t0 = clk::now();
  std::vector<index_t> prow(in.n);
  index.find_many(ids, in.sponsors, in.n, prow.data());
  for (index_t r = 0; r < n; ++r)
    if (!in.has_sponsor[r]) prow[r] = npos;
  b.sponsor_lookup = since(t0);

  t0 = clk::now();
  std::vector<index_t> first(in.n + 1, 0);
  for (index_t r = 0; r < n; ++r)
    if (prow[r] != npos) ++first[static_cast<std::size_t>(prow[r]) + 1];
  for (index_t r = 0; r < n; ++r) first[r + 1] += first[r];
  std::vector<index_t> child(static_cast<std::size_t>(first[n]));
  {
    std::vector<index_t> fill(first.begin(), first.end() - 1);
    for (index_t r = 0; r < n; ++r)
      if (prow[r] != npos) child[fill[prow[r]]++] = r;
  }
  b.children_csr = since(t0);

  t0 = clk::now();
  std::vector<index_t> pos(in.n, npos), order;
  order.reserve(in.n);
  {
    std::vector<index_t> stack;
    for (index_t r = n; r-- > 0;)
      if (prow[r] == npos) stack.push_back(r);
    while (!stack.empty()) {
      const index_t v = stack.back();
      stack.pop_back();
      pos[v] = static_cast<index_t>(order.size());
      order.push_back(v);
      for (index_t c = first[v + 1]; c-- > first[v];) stack.push_back(child[c]);
    }
  }
  first = {};
  child = {};
  b.dfs_preorder = since(t0);

  t0 = clk::now();
  std::vector<id_type> id(in.n);
  std::vector<index_t> parent(in.n), depth(in.n), end(in.n);
  for (index_t k = 0; k < n; ++k) {
    const index_t r = order[k];
    id[k] = ids[r];
    const index_t p = prow[r] == npos ? npos : pos[prow[r]];
    parent[k] = p;
    depth[k] = p == npos ? 0 : depth[p] + 1;
    end[k] = 1;
  }
  for (index_t k = n; k-- > 0;)
    if (parent[k] != npos) end[parent[k]] += end[k];
  for (index_t k = 0; k < n; ++k) end[k] += k;
  b.preorder_arrays = since(t0);

  t0 = clk::now();
  index.relabel(pos.data());
  b.index_relabel = since(t0);
  g_sink = g_sink + static_cast<double>(end[0] + depth[n - 1] + parent[n - 1]) +
           static_cast<double>(id[0]);
  return b;
}

// ---- alternative GV kernels (experiments, information only) ---------------------------
// Compensated (double-double) prefix-sum differences: out[k] = P[end(k)] - P[k], accurate
// to about one rounding whatever the shape of the tree. Variants differ in where the
// prefix sums live.
/// Knuth's TwoSum: s = fl(a + b) and the exact rounding error e (a + b == s + e).
inline void two_sum(double a, double b, double& s, double& e) noexcept {
  s = a + b;
  const double bb = s - a;
  e = (a - (s - bb)) + (b - bb);
}
/// Compensated prefix differences with caller-provided prefix buffers (no allocation).
void subtree_sum_prealloc(const downline::Network& net, const double* v, double* out,
                          std::vector<double>& hi, std::vector<double>& lo) {
  const std::size_t n = static_cast<std::size_t>(net.size());
  double s = 0.0, c = 0.0;
  hi[0] = lo[0] = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double e;
    two_sum(s, v[i], s, e);
    c += e;
    hi[i + 1] = s;
    lo[i + 1] = c;
  }
  const index_t* end = net.ends().data();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = static_cast<std::size_t>(end[i]);
    double d, e;
    two_sum(hi[j], -hi[i], d, e);
    out[i] = d + (e + (lo[j] - lo[i]));
  }
}

/// Compensated prefix differences with the high part of the prefix sums kept in `out` itself
/// (out[i] = P[i] is read before it is overwritten, and P[j] for j > i is still there when
/// positions are visited in increasing order), so only the low parts need a buffer.
void subtree_sum_hi_in_out(const downline::Network& net, const double* v, double* out,
                           double* lo) {
  const std::size_t n = static_cast<std::size_t>(net.size());
  double s = 0.0, c = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = s;
    lo[i] = c;
    double e;
    two_sum(s, v[i], s, e);
    c += e;
  }
  const double hi_n = s, lo_n = c;
  const index_t* end = net.ends().data();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = static_cast<std::size_t>(end[i]);
    const double hj = j == n ? hi_n : out[j], lj = j == n ? lo_n : lo[j];
    double d, e;
    two_sum(hj, -out[i], d, e);
    out[i] = d + (e + (lj - lo[i]));
  }
}

/// Compensated prefix differences allocating both (n + 1)-double prefix buffers per call
/// (downline's subtree_sum before it became the reverse pass).
void subtree_sum_compensated_alloc(const downline::Network& net, const double* v, double* out) {
  const std::size_t n = static_cast<std::size_t>(net.size());
  std::vector<double> hi(n + 1), lo(n + 1);
  subtree_sum_prealloc(net, v, out, hi, lo);
}

/// Plain (uncompensated) prefix-sum difference, allocating its one buffer.
void subtree_sum_plain(const downline::Network& net, const double* v, double* out) {
  const std::size_t n = static_cast<std::size_t>(net.size());
  std::vector<double> pre(n + 1);
  double s = 0.0;
  pre[0] = 0.0;
  for (std::size_t i = 0; i < n; ++i) pre[i + 1] = s += v[i];
  const index_t* end = net.ends().data();
  for (std::size_t i = 0; i < n; ++i) out[i] = pre[static_cast<std::size_t>(end[i])] - pre[i];
}

// ---- order mapping experiment (information only) ----------------------------------------
// A replica of detail::IdIndex (same hash, same load factor, int32 slots keyed through the
// id array) over the network's preorder ids, used to map orders with and without software
// prefetching. Each lookup costs two dependent cache misses on large networks (the slot,
// then the id it points to); prefetching a few dozen orders ahead overlaps them.
class ReplicaIndex {
 public:
  explicit ReplicaIndex(const std::vector<id_type>& keys) : keys_(keys.data()) {
    int bits = 4;
    while ((std::size_t{1} << bits) < 2 * keys.size()) ++bits;
    shift_ = 64 - bits;
    mask_ = (std::size_t{1} << bits) - 1;
    slots_.assign(std::size_t{1} << bits, npos);
    for (std::size_t k = 0; k < keys.size(); ++k)
      for (std::size_t s = slot_of(keys[k]);; s = (s + 1) & mask_)
        if (slots_[s] == npos) {
          slots_[s] = static_cast<index_t>(k);
          break;
        }
  }
  std::size_t slot_of(id_type key) const noexcept {
    return static_cast<std::size_t>(downline::detail::mix64(static_cast<std::uint64_t>(key)) >>
                                    shift_);
  }
  index_t find(id_type key) const noexcept {
    for (std::size_t s = slot_of(key);; s = (s + 1) & mask_) {
      const index_t cur = slots_[s];
      if (cur == npos || keys_[cur] == key) return cur;
    }
  }
  void prefetch_slot(id_type key) const noexcept { __builtin_prefetch(&slots_[slot_of(key)]); }
  void prefetch_key(id_type key) const noexcept {
    const index_t cur = slots_[slot_of(key)];
    if (cur != npos) __builtin_prefetch(&keys_[cur]);
  }

 private:
  const id_type* keys_;
  std::vector<index_t> slots_;
  int shift_ = 60;
  std::size_t mask_ = 15;
};

/// Orders -> (node, day, pv) arrays as Activity holds them; prefetch = 0 for none.
double map_orders(const ReplicaIndex& idx, const downline::io::OrderTable& o, std::size_t prefetch) {
  const auto t0 = clk::now();
  const std::size_t m = o.participant.size();
  std::vector<index_t> node(m);
  std::vector<day_t> day(m);
  std::vector<double> pv(m);
  const id_type* p = o.participant.data();
  for (std::size_t i = 0; i < m; ++i) {
    if (prefetch) {
      if (i + 2 * prefetch < m) idx.prefetch_slot(p[i + 2 * prefetch]);
      if (i + prefetch < m) idx.prefetch_key(p[i + prefetch]);
    }
    node[i] = idx.find(p[i]);
    day[i] = o.day[i];
    pv[i] = o.pv[i];
  }
  const double t = since(t0);
  g_sink = g_sink + static_cast<double>(node[m / 2]) + pv[m / 3] + day[m / 4];
  return t;
}

// ---- arguments ------------------------------------------------------------------------
struct Args {
  long long participants = 1000000;
  double orders_per_participant = 8.0;
  int repeat = 5;
  unsigned long long seed = 42;
  bool breakdown = true;
  bool experiments = true;
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "bench_rollup: %s\nusage: bench_rollup [--participants N] "
               "[--orders-per-participant K] [--repeat R] [--seed S] [--no-breakdown] "
               "[--no-experiments]\n",
               msg);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + k).c_str());
      return argv[++i];
    };
    try {
      if (k == "--participants") {
        a.participants = std::stoll(value());
      } else if (k == "--orders-per-participant") {
        a.orders_per_participant = std::stod(value());
      } else if (k == "--repeat") {
        a.repeat = std::stoi(value());
      } else if (k == "--seed") {
        a.seed = std::stoull(value());
      } else if (k == "--no-breakdown") {
        a.breakdown = false;
      } else if (k == "--no-experiments") {
        a.experiments = false;
      } else if (k == "-h" || k == "--help") {
        usage("help");
      } else {
        usage(("unknown argument " + k).c_str());
      }
    } catch (const std::logic_error&) {
      usage(("bad value for " + k).c_str());
    }
  }
  if (a.participants < 1 || a.repeat < 1 || a.orders_per_participant < 0)
    usage("participants and repeat must be >= 1");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const int R = args.repeat;
  Obj report;
  report.add("participants", args.participants)
      .add("orders_per_participant", args.orders_per_participant)
      .add("repeat", static_cast<long long>(R));

  // ---- data ---------------------------------------------------------------------------
  auto t0 = clk::now();
  downline::SampleOptions so;
  so.participants = args.participants;
  so.orders_per_participant = args.orders_per_participant;
  so.seed = args.seed;
  so.shuffle = true;
  const downline::Sample sample = downline::make_sample(so);
  const double t_sample = since(t0);
  const auto& P = sample.participants;
  const auto& O = sample.orders;
  const std::size_t n = P.id.size();
  report.add("orders", static_cast<long long>(O.participant.size()))
      .add("sample_seconds", t_sample);
  const long rss_data_kb = status_kb("VmRSS:");

  downline::NetworkInput in;
  in.ids = P.id.data();
  in.sponsors = P.sponsor.data();
  in.has_sponsor = P.has_sponsor.data();
  in.n = n;

  // One month: January 2023 (days since 1970-01-01), and the 12 months of 2023.
  const day_t jan = 19358, feb = 19389;
  const std::vector<day_t> bounds = {19358, 19389, 19417, 19448, 19478, 19509, 19539,
                                     19570, 19601, 19631, 19662, 19692, 19723};

  // ---- (a) build ------------------------------------------------------------------------
  std::unique_ptr<downline::Network> net;
  long build_extra_kb = -1;
  Runs t_build;
  for (int i = 0; i < R; ++i) {
    net.reset();
    const long before = status_kb("VmRSS:");
    const bool hwm = reset_hwm();
    const auto t = clk::now();
    net = std::make_unique<downline::Network>(in);
    t_build.t.push_back(since(t));
    if (hwm) build_extra_kb = std::max(build_extra_kb, status_kb("VmHWM:") - before);
  }
  report.add("build", t_build)
      .add("network_memory_bytes", static_cast<long long>(net->memory_bytes()))
      .add("network_bytes_per_participant",
           static_cast<double>(net->memory_bytes()) / static_cast<double>(n))
      .add("build_peak_extra_bytes", static_cast<long long>(build_extra_kb) * 1024);
  {
    index_t maxd = 0, roots = 0;
    for (index_t k = 0; k < net->size(); ++k) {
      maxd = std::max(maxd, net->depth(k));
      roots += net->parent(k) == npos;
    }
    report.add("max_depth", static_cast<long long>(maxd))
        .add("roots", static_cast<long long>(roots));
  }
  if (args.breakdown) {
    std::vector<Breakdown> bs;
    for (int i = 0; i < R; ++i) bs.push_back(build_breakdown(in));
    auto med = [&](double Breakdown::*f) {
      Runs r;
      for (const auto& b : bs) r.t.push_back(b.*f);
      return r.median();
    };
    Obj o;
    o.add("hash_insert", med(&Breakdown::hash_insert))
        .add("sponsor_lookup", med(&Breakdown::sponsor_lookup))
        .add("children_csr", med(&Breakdown::children_csr))
        .add("dfs_preorder", med(&Breakdown::dfs_preorder))
        .add("preorder_arrays", med(&Breakdown::preorder_arrays))
        .add("index_relabel", med(&Breakdown::index_relabel));
    Runs tot;
    for (const auto& b : bs) tot.t.push_back(b.total());
    o.add("replica_total", tot.median());
    report.add("build_breakdown", o.str(2));
  }
  const downline::Network& N = *net;

  // ---- (b) activity ---------------------------------------------------------------------
  std::unique_ptr<downline::Activity> act;
  Runs t_act;
  long act_extra_kb = -1;
  for (int i = 0; i < R; ++i) {
    act.reset();
    const long before = status_kb("VmRSS:");
    const bool hwm = reset_hwm();
    const auto t = clk::now();
    act = std::make_unique<downline::Activity>(N, O.participant, O.day, O.pv);
    t_act.t.push_back(since(t));
    if (hwm) act_extra_kb = std::max(act_extra_kb, status_kb("VmHWM:") - before);
  }
  report.add("activity", t_act).add("activity_peak_extra_bytes",
                                    static_cast<long long>(act_extra_kb) * 1024);
  const downline::Activity& A = *act;

  // ---- (c) PV, (d) GV, (f) floor ----------------------------------------------------------
  std::vector<double> pv(n, 0.0), gv(n, 0.0), fl(n, 0.0);
  const Runs t_pv = time_runs(R, [&] {
    A.personal_volume(jan, feb, pv.data(), nullptr);
    g_sink = g_sink + pv[n - 1];
  });
  const Runs t_gv = time_runs(R, [&] {
    downline::subtree_sum(N, pv.data(), gv.data());
    g_sink = g_sink + gv[0];
  });
  const index_t* parent = N.parents().data();
  const Runs t_floor = time_runs(R, [&] {
    std::copy(pv.begin(), pv.end(), fl.begin());
    double* out = fl.data();
    for (std::size_t k = n; k-- > 0;) {
      const index_t p = parent[k];
      if (p >= 0) out[p] += out[k];
    }
    g_sink = g_sink + fl[0];
  });
  double max_rel = 0.0, total_pv = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    max_rel = std::max(max_rel, std::abs(gv[k] - fl[k]) / std::max(1.0, std::abs(gv[k])));
    total_pv += pv[k];
  }
  report.add("pv", t_pv).add("gv", t_gv).add("floor", t_floor);
  report.add("gv_over_floor", t_gv.median() / t_floor.median())
      .add("gv_over_floor_min", t_gv.min() / t_floor.min())
      .add("gv_vs_floor_max_rel_diff", max_rel)
      .add("month_total_pv", total_pv);

  // ---- (g) floor over level-ordered arrays (deepest level first) ---------------------------
  {
    const index_t* depth = N.depths().data();
    index_t maxd = 0;
    for (std::size_t k = 0; k < n; ++k) maxd = std::max(maxd, depth[k]);
    std::vector<index_t> start(static_cast<std::size_t>(maxd) + 2, 0);
    for (std::size_t k = 0; k < n; ++k) ++start[static_cast<std::size_t>(maxd - depth[k]) + 1];
    for (std::size_t d = 1; d < start.size(); ++d) start[d] += start[d - 1];
    std::vector<index_t> lorder(n), lpos(n);
    for (std::size_t k = 0; k < n; ++k) {
      const index_t j = start[static_cast<std::size_t>(maxd - depth[k])]++;
      lorder[static_cast<std::size_t>(j)] = static_cast<index_t>(k);
      lpos[k] = j;
    }
    std::vector<index_t> lparent(n);
    std::vector<double> lpv(n), lout(n, 0.0);
    for (std::size_t j = 0; j < n; ++j) {
      const index_t k = lorder[j];
      lparent[j] = parent[k] == npos ? npos : lpos[parent[k]];
      lpv[j] = pv[k];
    }
    const Runs t_lvl = time_runs(R, [&] {
      std::copy(lpv.begin(), lpv.end(), lout.begin());
      double* out = lout.data();
      const index_t* lp = lparent.data();
      for (std::size_t j = 0; j < n; ++j)
        if (lp[j] >= 0) out[lp[j]] += out[j];
      g_sink = g_sink + lout[n - 1];
    });
    double diff = 0.0;
    for (std::size_t j = 0; j < n; ++j)
      diff = std::max(diff, std::abs(lout[j] - gv[lorder[j]]) / std::max(1.0, std::abs(gv[lorder[j]])));
    report.add("floor_level", t_lvl).add("floor_level_max_rel_diff", diff);
  }

  // ---- (e) volumes() table ---------------------------------------------------------------
  {
    downline::VolumeOptions opt;
    opt.start = jan;
    opt.end = feb;
    opt.levels = 3;
    std::unique_ptr<downline::VolumeTable> tab;
    long vol_extra_kb = -1;
    Runs t_vol;
    for (int i = 0; i < R; ++i) {
      tab.reset();
      const long before = status_kb("VmRSS:");
      const bool hwm = reset_hwm();
      const auto t = clk::now();
      tab = std::make_unique<downline::VolumeTable>(downline::volumes(N, A, opt));
      t_vol.t.push_back(since(t));
      if (hwm) vol_extra_kb = std::max(vol_extra_kb, status_kb("VmHWM:") - before);
    }
    double diff = 0.0;
    for (std::size_t k = 0; k < n; ++k) diff = std::max(diff, std::abs(tab->gv[k] - gv[k]));
    report.add("volumes", t_vol)
        .add("volumes_peak_extra_bytes", static_cast<long long>(vol_extra_kb) * 1024)
        .add("volumes_gv_max_abs_diff", diff);
  }

  // ---- (h) 12 monthly PV + GV rollups from one Activity -----------------------------------
  {
    std::vector<double> mpv(n), mgv(n);
    const Runs t12 = time_runs(R, [&] {
      for (std::size_t m = 0; m + 1 < bounds.size(); ++m) {
        A.personal_volume(bounds[m], bounds[m + 1], mpv.data(), nullptr);
        downline::subtree_sum(N, mpv.data(), mgv.data());
        g_sink = g_sink + mgv[0];
      }
    });
    const Runs t12p = time_runs(R, [&] {
      const std::vector<double> cols = A.personal_volume_by_period(bounds);
      for (std::size_t m = 0; m + 1 < bounds.size(); ++m) {
        downline::subtree_sum(N, cols.data() + m * n, mgv.data());
        g_sink = g_sink + mgv[0];
      }
    });
    report.add("months12", t12).add("months12_by_period", t12p);
  }

  // ---- experiments: what the GV time is made of (information) -----------------------------
  if (args.experiments) {
    std::vector<double> hi(n + 1), lo(n + 1), out(n);
    const Runs t_pre = time_runs(R, [&] {
      subtree_sum_prealloc(N, pv.data(), out.data(), hi, lo);
      g_sink = g_sink + out[0];
    });
    double diff = 0.0;
    for (std::size_t k = 0; k < n; ++k) diff = std::max(diff, std::abs(out[k] - gv[k]));
    const Runs t_calloc = time_runs(R, [&] {
      subtree_sum_compensated_alloc(N, pv.data(), out.data());
      g_sink = g_sink + out[0];
    });
    const Runs t_hio = time_runs(R, [&] {
      std::vector<double> lo1(n);
      subtree_sum_hi_in_out(N, pv.data(), out.data(), lo1.data());
      g_sink = g_sink + out[0];
    });
    for (std::size_t k = 0; k < n; ++k) diff = std::max(diff, std::abs(out[k] - gv[k]));
    const Runs t_hiop = time_runs(R, [&] {
      subtree_sum_hi_in_out(N, pv.data(), out.data(), lo.data());
      g_sink = g_sink + out[0];
    });
    for (std::size_t k = 0; k < n; ++k) diff = std::max(diff, std::abs(out[k] - gv[k]));
    const Runs t_plain = time_runs(R, [&] {
      subtree_sum_plain(N, pv.data(), out.data());
      g_sink = g_sink + out[0];
    });
    const Runs t_alloc = time_runs(R, [&] {
      std::vector<double> a(n + 1), b(n + 1);
      g_sink = g_sink + a[n / 2] + b[n / 3];
    });
    Obj o;
    o.add("gv_compensated_alloc", t_calloc)
        .add("gv_compensated_preallocated", t_pre)
        .add("gv_compensated_hi_in_out", t_hio)
        .add("gv_compensated_hi_in_out_preallocated", t_hiop)
        .add("compensated_variants_max_abs_diff", diff)
        .add("gv_plain_prefix", t_plain)
        .add("alloc_two_prefix_buffers", t_alloc);
    {
      const ReplicaIndex idx(N.ids());
      std::size_t bad = 0;
      for (std::size_t i = 0; i < A.size(); i += 997) bad += idx.find(O.participant[i]) != A.nodes()[i];
      Runs plain, pref;
      for (int i = 0; i < R; ++i) {
        plain.t.push_back(map_orders(idx, O, 0));
        pref.t.push_back(map_orders(idx, O, 16));
      }
      o.add("map_orders_replica", plain)
          .add("map_orders_replica_prefetch16", pref)
          .add("map_orders_replica_mismatches", static_cast<long long>(bad));
    }
    report.add("experiments", o.str(2));
  }

  report.add("rss_after_sample_bytes", static_cast<long long>(rss_data_kb) * 1024)
      .add("peak_rss_bytes",
           static_cast<long long>(std::max({g_peak_kb, status_kb("VmHWM:"), max_rss_kb()})) * 1024)
      .add("sink", g_sink == 12345.678 ? 1.0 : 0.0);
  std::printf("%s\n", report.str().c_str());
  return 0;
}
