// bench_plan_floor: a lower bound of one month's plan evaluation (issue 24's "30x the
// numpy peer"), from the work any evaluation with evaluate()'s output must do, each part
// timed alone on a random network:
//
//   bench_plan_floor [participants] [members] [repeat]
//
//   output    the 13 float64 and 3 int8 per-participant columns of an evaluation for
//             `members` participants: allocated, written in preorder, then put in input
//             row order (one gather per column on every thread), as evaluate_members does;
//   gv        one subtree sum (subtree_sums) over `participants`;
//   pass      one bottom-up pass (accumulate_children) of width 12, the width of the
//             ranks' pass of the example plan (5 ranks); the plan needs five such passes
//             (ranks, unilevel, differential, generation, fast start), of widths 4 to 12;
//   pass6     the same of width 6 (the example plan's unilevel levels).
//
// The network is a random recursive tree (depth ~ log n, shallower than real sponsor
// trees: the passes are cheaper on it). Prints one line per step: min and median ms.
#include <downline/accumulate.hpp>
#include <downline/array.hpp>
#include <downline/detail/parallel.hpp>
#include <downline/network.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

using namespace downline;

namespace {

template <class F>
void timed(const char* what, int repeat, F f) {
  std::vector<double> ms;
  for (int r = 0; r < repeat; ++r) {
    const auto a = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  const std::vector<double> all = ms;
  std::sort(ms.begin(), ms.end());
  std::printf("%-8s min %9.1f ms  median %9.1f ms  (first %.1f ms)\n", what, ms.front(), ms[ms.size() / 2], all.front());
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::size_t m = argc > 2 ? std::stoul(argv[2]) : n;
  const int repeat = argc > 3 ? std::stoi(argv[3]) : 5;
  std::printf("participants %zu, members %zu, threads %d\n", n, m, num_threads());

  std::mt19937_64 rng(3);
  std::vector<index_t> perm(m);
  std::iota(perm.begin(), perm.end(), index_t{0});
  std::shuffle(perm.begin(), perm.end(), rng);
  const Array<index_t> from(perm.begin(), perm.end());
  double sink = 0;
  timed("output", repeat, [&] {
    std::vector<Array<double>> reals(13);
    std::vector<Array<std::int8_t>> bytes(3);
    for (auto& c : reals) c.assign(m, 0.0);
    for (auto& c : bytes) c.assign(m, std::int8_t{0});
    for (std::size_t j = 0; j < reals.size(); ++j)
      for (std::size_t k = 0; k < m; ++k) reals[j][k] = static_cast<double>(k + j);
    for (std::size_t j = 0; j < bytes.size(); ++j)
      for (std::size_t k = 0; k < m; ++k) bytes[j][k] = static_cast<std::int8_t>(k + j);
    const auto to_rows = [&](auto& column) {
      std::remove_reference_t<decltype(column)> out(m);
      detail::parallel_for(m, std::size_t{1} << 16, [&](std::size_t, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) out[i] = column[static_cast<std::size_t>(from[i])];
      });
      column.swap(out);
    };
    for (auto& c : reals) to_rows(c);
    for (auto& c : bytes) to_rows(c);
    sink += reals[0][m / 2];
  });

  std::vector<id_type> ids(n), sponsors(n);
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = static_cast<id_type>(i);
    sponsors[i] = i == 0 ? no_sponsor : static_cast<id_type>(rng() % i);
  }
  const Network net(ids, sponsors);
  Array<double> pv(n, 1.0), gv(n);
  timed("gv", repeat, [&] {
    subtree_sums(net, pv.data(), gv.data(), 1);
    sink += gv[0];
  });
  const auto pass = [&](auto width) {  // the width known when compiled: the cheapest pass
    accumulate_children<double>(net, width(), [&](index_t k, double* ch, double* up) {
      for (std::size_t j = 0; j < width(); ++j) up[j] += ch[j] + pv[static_cast<std::size_t>(k)];
    });
  };
  timed("pass", repeat, [&] { pass(std::integral_constant<std::size_t, 12>()); });
  timed("pass6", repeat, [&] { pass(std::integral_constant<std::size_t, 6>()); });
  return sink > 0 ? 0 : 1;
}
