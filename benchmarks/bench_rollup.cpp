// bench_rollup: times downline's volume rollups on a generated sample company and
// compares the GV rollup with "the floor", a plain reverse pass over preorder arrays.
//
//   bench_rollup [--participants N] [--orders-per-participant K] [--repeat R]
//                [--seed S] [--no-breakdown]
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
//   build_breakdown  seconds per phase of Network::build (downline::BuildProfile)
//   build_one_thread / activity_one_thread  the parallel steps on one thread (info)
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

/// Builds an object R times (the previous one freed first), timing each construction and
/// keeping the largest peak RSS it added over the RSS before it (KiB; -1 when the peak
/// cannot be reset). `out` holds the last object.
template <class T, class Make>
Runs time_built(int repeat, std::unique_ptr<T>& out, long& peak_extra_kb, Make&& make) {
  Runs runs;
  peak_extra_kb = -1;
  for (int i = 0; i < repeat; ++i) {
    out.reset();
    const long before = status_kb("VmRSS:");
    const bool hwm = reset_hwm();
    const auto t = clk::now();
    out = std::make_unique<T>(make());
    runs.t.push_back(since(t));
    if (hwm) peak_extra_kb = std::max(peak_extra_kb, status_kb("VmHWM:") - before);
  }
  return runs;
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

// ---- arguments ------------------------------------------------------------------------
struct Args {
  long long participants = 1000000;
  double orders_per_participant = 8.0;
  int repeat = 5;
  unsigned long long seed = 42;
  bool breakdown = true;
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "bench_rollup: %s\nusage: bench_rollup [--participants N] "
               "[--orders-per-participant K] [--repeat R] [--seed S] [--no-breakdown]\n",
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
  const Runs t_build =
      time_built(R, net, build_extra_kb, [&] { return downline::Network(in); });
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
    std::vector<downline::BuildProfile> ps(static_cast<std::size_t>(R));
    for (auto& p : ps) downline::Network probe(in, &p);
    auto med = [&](double downline::BuildProfile::*f) {
      Runs r;
      for (const auto& p : ps) r.t.push_back(p.*f);
      return r.median();
    };
    Obj o;
    o.add("index", med(&downline::BuildProfile::index))
        .add("sponsors", med(&downline::BuildProfile::sponsors))
        .add("children", med(&downline::BuildProfile::children))
        .add("preorder", med(&downline::BuildProfile::preorder))
        .add("arrays", med(&downline::BuildProfile::arrays))
        .add("relabel", med(&downline::BuildProfile::relabel));
    report.add("build_breakdown", o.str(2));
  }
  // The parallel steps again on one thread (information: what the second core brings).
  if (downline::num_threads() > 1) {
    const int threads = downline::num_threads();
    downline::set_num_threads(1);
    const Runs b1 = time_runs(R, [&] {
      downline::Network probe(in);
      g_sink = g_sink + static_cast<double>(probe.size());
    });
    const Runs a1 = time_runs(R, [&] {
      downline::Activity probe(*net, O.participant, O.day, O.pv);
      g_sink = g_sink + static_cast<double>(probe.size());
    });
    downline::set_num_threads(threads);
    report.add("threads", static_cast<long long>(threads))
        .add("build_one_thread", b1)
        .add("activity_one_thread", a1);
  }
  const downline::Network& N = *net;

  // ---- (b) activity ---------------------------------------------------------------------
  std::unique_ptr<downline::Activity> act;
  long act_extra_kb = -1;
  const Runs t_act = time_built(R, act, act_extra_kb, [&] {
    return downline::Activity(N, O.participant, O.day, O.pv);
  });
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
    const Runs t_vol =
        time_built(R, tab, vol_extra_kb, [&] { return downline::volumes(N, A, opt); });
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

  report.add("rss_after_sample_bytes", static_cast<long long>(rss_data_kb) * 1024)
      .add("peak_rss_bytes",
           static_cast<long long>(std::max({g_peak_kb, status_kb("VmHWM:"), max_rss_kb()})) * 1024)
      .add("sink", g_sink == 12345.678 ? 1.0 : 0.0);
  std::printf("%s\n", report.str().c_str());
  return 0;
}
