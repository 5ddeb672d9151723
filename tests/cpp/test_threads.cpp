// The thread setting (threads.hpp): a call keeps the thread count it started with while
// another thread changes the setting, and every kernel then gives what one thread gives.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "downline/cohort.hpp"
#include "downline/retention.hpp"
#include "downline/rfm.hpp"
#include "downline/rollup.hpp"
#include "downline/sample.hpp"
#include "downline/segment.hpp"
#include "downline/survival.hpp"
#include "downline/threads.hpp"

using namespace downline;

namespace {

struct ThreadsReset {
  ~ThreadsReset() { set_num_threads(0); }
};

/// The bytes of a result's arrays, appended: two results are the same when these are.
struct Bytes {
  std::string s;
  template <class V>
  Bytes& operator<<(const V& v) {
    s.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0]));
    s += '|';
    return *this;
  }
};

/// Runs each kernel once on one thread for its reference, then `reps` times while another
/// thread sets 1, 2, ..., 8 threads again and again as fast as it can; every run must give
/// the reference's bytes. Returns how many runs differed.
int differing_runs(const std::vector<std::pair<std::string, std::function<std::string()>>>& kernels,
                   int reps) {
  set_num_threads(1);
  std::vector<std::string> want;
  for (const auto& k : kernels) want.push_back(k.second());
  std::atomic<bool> stop{false};
  std::atomic<long> flips{0};
  std::thread flipper([&] {
    for (int i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      set_num_threads(1 + i % 8);
      flips.fetch_add(1, std::memory_order_relaxed);
    }
  });
  int bad = 0;
  for (int r = 0; r < reps; ++r)
    for (std::size_t k = 0; k < kernels.size(); ++k) {
      const bool same = kernels[k].second() == want[k];
      if (!same) MESSAGE(kernels[k].first << " differs on run " << r);
      bad += !same;
    }
  stop = true;
  flipper.join();
  CHECK(flips.load() > 1000);  // the setting did change under the runs
  return bad;
}

}  // namespace

TEST_CASE("every kernel keeps its thread count while set_num_threads runs on another thread") {
  ThreadsReset reset;
  SampleOptions opt;
  opt.participants = 60000;  // about 480,000 orders: several slices at every grain
  opt.seed = 5;
  const Sample sample = make_sample(opt);
  const auto& p = sample.participants;
  const auto& o = sample.orders;
  const std::size_t n = o.participant.size(), np = p.id.size();
  constexpr std::int64_t per_day = std::int64_t{86400} * 1000000000;
  std::vector<std::int64_t> ticks(n);
  for (std::size_t i = 0; i < n; ++i) ticks[i] = std::int64_t{o.day[i]} * per_day + i % 1000;
  // dense ids too (member numbers): the directly addressed paths
  std::vector<id_type> dense_of_row(np), dense(n);
  std::unordered_map<id_type, id_type> dense_id;
  for (std::size_t r = 0; r < np; ++r)
    dense_id[p.id[r]] = dense_of_row[r] = 1000 + static_cast<id_type>(r);
  for (std::size_t i = 0; i < n; ++i) dense[i] = dense_id.at(o.participant[i]);
  std::vector<std::int32_t> group(np);
  for (std::size_t r = 0; r < np; ++r) group[r] = static_cast<std::int32_t>(r % 7);
  const day_t as_of = days_from_civil(2023, 12, 31);
  OrderColumns cols;
  cols.id = o.participant.data();
  cols.ticks = ticks.data();
  cols.ticks_per_day = per_day;
  cols.amount = o.amount.data();
  cols.n = n;
  OrderColumns dense_cols = cols;
  dense_cols.id = dense.data();

  set_num_threads(1);
  NetworkInput in;
  in.ids = p.id.data();
  in.sponsors = p.sponsor.data();
  in.has_sponsor = p.has_sponsor.data();
  in.enrolled_on = p.enrolled_on.data();
  in.n = np;
  const Network net(in);
  const Activity act(net, o.participant.data(), o.day.data(), o.pv.data(), n);
  const IdOrderSummary summary = summarize_by_id(o.participant.data(), ticks.data(), per_day,
                                                 o.amount.data(), n, as_of, OrderRows::positive);
  const std::size_t nc = summary.ids.size();
  const OrderSummary& s = summary.summary;
  std::vector<double> durations(nc);
  std::vector<std::uint8_t> events(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    durations[c] = static_cast<double>(s.days[c]);
    events[c] = static_cast<std::uint8_t>(c % 3 != 0);
  }

  std::vector<std::pair<std::string, std::function<std::string()>>> kernels = {
      {"network",
       [&] {
         const Network x(in);
         return (Bytes() << x.parents() << x.row_of_position()).s;
       }},
      {"activity",
       [&] {
         const Activity a(net, o.participant.data(), o.day.data(), o.pv.data(), n);
         return (Bytes() << a.nodes() << a.volumes()).s;
       }},
      {"volumes",
       [&] {
         VolumeOptions v;
         v.levels = 4;
         const VolumeTable t = volumes(net, act, v);
         return (Bytes() << t.pv << t.gv << t.level.values << t.downline).s;
       }},
      {"summarize_by_id",
       [&] {
         for (const OrderColumns& c : {cols, dense_cols}) {
           const IdOrderSummary r = summarize_by_id(c.id, ticks.data(), per_day, o.amount.data(), n,
                                                    as_of, OrderRows::positive);
           Bytes b;
           b << r.ids << r.summary.orders << r.summary.days << r.summary.last << r.summary.amount;
           if (c.id == cols.id) return b.s;
         }
         return std::string();
       }},
      {"summarize_by_id (dense, universe, no amounts)",
       [&] {
         const IdOrderSummary r = summarize_by_id(dense.data(), ticks.data(), per_day, nullptr, n,
                                                  as_of, OrderRows::all, dense_of_row.data(), np);
         return (Bytes() << r.summary.orders << r.summary.days << r.summary.first).s;
       }},
      {"lifecycle_codes",
       [&] {
         const LifecycleCodes c = lifecycle_codes(s.days.data(), s.last.data(), nc, as_of,
                                                  {1, 2, 4}, {30, 90, INT64_MAX});
         return (Bytes() << c.segment << c.counts).s;
       }},
      {"rfm_scores",
       [&] {
         const RfmScores r =
             rfm_scores(s.days.data(), s.last.data(), s.amount.data(), nc, as_of, RfmOptions{});
         return (Bytes() << r.r << r.f << r.m << r.score).s;
       }},
      {"cohort_counts (first order)",
       [&] {
         const CohortCounts c = cohort_counts(cols, nullptr, 0, as_of, nullptr, nullptr, 1);
         return (Bytes() << c.counts << c.sizes).s;
       }},
      {"cohort_counts (enrolment, groups, dense)",
       [&] {
         const CohortCounts c = cohort_counts(dense_cols, dense_of_row.data(), np, as_of,
                                              p.enrolled_on.data(), group.data(), 7);
         return (Bytes() << c.counts << c.sizes << c.ungrouped).s;
       }},
      {"churn_status",
       [&] {
         const ChurnStatus c = churn_status(cols, p.id.data(), p.enrolled_on.data(), np, as_of, 90);
         return (Bytes() << c.last << c.duration << c.churned).s;
       }},
      {"scan_orders and day_numbers",
       [&] {
         const OrderScan sc = scan_orders(ticks.data(), o.amount.data(), n, per_day);
         std::vector<day_t> days(n);
         const std::int64_t missing = day_numbers(ticks.data(), per_day, n, days.data());
         return (Bytes() << days
                         << std::vector<std::int64_t>{sc.missing_dates, sc.bad_amounts,
                                                      sc.unsupported_dates, missing})
             .s;
       }},
      {"kaplan_meier",
       [&] {
         const SurvivalTable t =
             kaplan_meier(durations.data(), events.data(), nullptr, nullptr, nc, 1);
         return (Bytes() << t.time << t.survival).s;
       }},
  };
  CHECK(differing_runs(kernels, 6) == 0);
}

TEST_CASE("a call's pinned thread count holds on its thread and in its slices") {
  ThreadsReset reset;
  set_num_threads(3);
  {
    const detail::CallThreads pin;
    set_num_threads(5);  // as another thread might, while the call runs
    CHECK(detail::parallel_parts(1000, 1) == 3);
    std::vector<std::size_t> seen(3, 0);
    detail::parallel_for_parts(3, 3, [&](std::size_t part, std::size_t, std::size_t) {
      seen[part] = detail::parallel_parts(1000, 1);  // a nested step inside a slice
    });
    CHECK(seen == std::vector<std::size_t>{3, 3, 3});
    {
      const detail::CallThreads inner;  // a kernel called by a kernel: the outer count
      CHECK(detail::parallel_parts(1000, 1) == 3);
    }
    CHECK(detail::parallel_parts(1000, 1) == 3);
  }
  CHECK(detail::parallel_parts(1000, 1) == 5);  // the next call reads the setting
  std::size_t in_slice = 0;
  detail::parallel_for_parts(2, 2, [&](std::size_t part, std::size_t, std::size_t) {
    if (part == 1) in_slice = detail::parallel_parts(1000, 1);
  });
  CHECK(in_slice == 5);
}

TEST_CASE("thread counts: DOWNLINE_NUM_THREADS is plain digits 0..max_threads, set_num_threads too") {
  ThreadsReset reset;
  CHECK(detail::parse_thread_count(nullptr) == 0);
  CHECK(detail::parse_thread_count("") == 0);
  CHECK(detail::parse_thread_count("0") == 0);
  CHECK(detail::parse_thread_count("8") == 8);
  CHECK(detail::parse_thread_count("0012") == 12);
  CHECK(detail::parse_thread_count("1024") == 1024);
  for (const char* bad : {"1025", "-3", "+4", " 4", "4 ", "4x", "abc", "2.5", "0x10",
                          "99999999999999999999", "4294967297"}) {
    CAPTURE(bad);
    CHECK(detail::parse_thread_count(bad) == -1);
  }
  set_num_threads(1024);
  CHECK(num_threads() == 1024);
  set_num_threads(0);
  CHECK(num_threads() == detail::default_threads());
  CHECK_THROWS_WITH_AS(set_num_threads(-1), "set_num_threads must be from 0 to 1024, not -1",
                       InputError);
  CHECK_THROWS_WITH_AS(set_num_threads(1025), "set_num_threads must be from 0 to 1024, not 1025",
                       InputError);
  CHECK(num_threads() == detail::default_threads());  // a refused value changes nothing
}
