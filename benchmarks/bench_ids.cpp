// bench_ids: direct addressing against hashing for int ids, the measurement behind
// downline::direct_range() (include/downline/ids.hpp).
//
//   bench_ids [--sizes 1000000,10000000] [--repeat R] [--ranges 1,2,4,8,16,32,64]
//
// For N ids spread over a range of k N values (id = k i + a random offset below k, rows
// shuffled; k = 1: a permutation of 0..N-1) it times, on every thread:
//   build  IdIndex from the column (copy of the ids, table or array filled, every id in)
//   find   find_many of N ids of the index in random order, in parallel slices as the
//          network build looks up sponsors
// once laid out directly and once hashed, alternating in one process (this VM hands freed
// memory back to its host, so every build faults in fresh pages either way). Prints a
// markdown table of medians (ms) with the memory of each index.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <downline/ids.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using downline::id_type;
using downline::IdColumn;
using downline::IdIndex;
using downline::IdLayout;
using downline::index_t;
using clk = std::chrono::steady_clock;

double since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

std::vector<std::size_t> list(const char* s) {
  std::vector<std::size_t> out;
  for (const char* p = s; *p;) {
    out.push_back(std::strtoull(p, nullptr, 10));
    p = std::strchr(p, ',');
    if (!p) break;
    ++p;
  }
  return out;
}

volatile long g_sink = 0;

struct Result {
  std::vector<double> build, find;
  std::size_t bytes = 0;
};

void run(IdLayout layout, const std::vector<id_type>& ids, const std::vector<id_type>& q,
         Result& r) {
  auto t0 = clk::now();
  const IdIndex index(IdColumn(ids.data(), ids.size()), layout);
  r.build.push_back(since(t0));
  std::vector<index_t> out(q.size());
  t0 = clk::now();
  downline::detail::parallel_for(q.size(), std::size_t{1} << 16,
                                 [&](std::size_t, std::size_t b, std::size_t e) {
                                   index.find_many(q.data() + b, e - b, out.data() + b);
                                 });
  r.find.push_back(since(t0));
  r.bytes = index.memory_bytes();
  long s = 0;
  for (std::size_t i = 0; i < out.size(); i += 4096) s += out[i];
  g_sink = g_sink + s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{1000000, 10000000}, ranges{1, 2, 4, 8, 16, 32, 64};
  int repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--sizes"))
      sizes = list(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--ranges"))
      ranges = list(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeat"))
      repeat = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_ids [--sizes N,...] [--ranges k,...] [--repeat R]\n");
      return 2;
    }
  }
  std::printf("%d threads, median of %d runs (ms); memory of the index in bytes per id\n\n",
              downline::num_threads(), repeat);
  std::printf(
      "| N | range | direct build | direct find | direct total | direct B/id | hashed build "
      "| hashed find | hashed total | hashed B/id | faster |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const std::size_t n : sizes) {
    for (const std::size_t k : ranges) {
      std::mt19937_64 rng(n + k);
      std::vector<id_type> ids(n);
      for (std::size_t i = 0; i < n; ++i)
        ids[i] = static_cast<id_type>(k * i + (k > 1 ? rng() % k : 0));
      std::shuffle(ids.begin(), ids.end(), rng);
      std::vector<id_type> q(n);
      for (std::size_t i = 0; i < n; ++i) q[i] = ids[rng() % n];
      Result direct, hashed;
      for (int r = 0; r < repeat; ++r) {
        run(IdLayout::direct, ids, q, direct);
        run(IdLayout::hashed, ids, q, hashed);
      }
      const double db = median(direct.build) * 1e3, df = median(direct.find) * 1e3;
      const double hb = median(hashed.build) * 1e3, hf = median(hashed.find) * 1e3;
      std::printf("| %zuM | %zux | %.1f | %.1f | %.1f | %.0f | %.1f | %.1f | %.1f | %.0f | %s |\n",
                  n / 1000000, k, db, df, db + df,
                  static_cast<double>(direct.bytes) / static_cast<double>(n), hb, hf, hb + hf,
                  static_cast<double>(hashed.bytes) / static_cast<double>(n),
                  db + df <= hb + hf ? "direct" : "hashed");
      std::fflush(stdout);
    }
  }
  return 0;
}
