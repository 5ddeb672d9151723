// A team of seven: builds the network, maps a month of orders, computes the volumes and
// checks them against the figures worked out by hand below. Exit code 0 when they match.
//
//        1                 PV in November 2023 (orders in October and December too)
//      /   \               1: 100   2: 50   3: 20   4: 30   5: 0   6: 70   7: -10 (refund)
//     2     3
//    / \     \             GV(2) = 50 + 30 + 0 + 70 = 150, GV(3) = 20 - 10 = 10,
//   4   5     7            GV(1) = 100 + 150 + 10 = 260. Legs of 1: 150 (power) and 10.
//   |
//   6
#include <downline/downline.hpp>

#include <boost/graph/breadth_first_search.hpp>
#include <cmath>
#include <cstdio>
#include <vector>

namespace dl = downline;

int main() {
  const std::vector<dl::id_type> ids{1, 2, 3, 4, 5, 6, 7};
  const std::vector<dl::id_type> sponsors{0, 1, 1, 2, 2, 4, 3};
  const std::vector<std::uint8_t> has_sponsor{0, 1, 1, 1, 1, 1, 1};
  dl::NetworkInput in;
  in.ids = ids.data();
  in.sponsors = sponsors.data();
  in.has_sponsor = has_sponsor.data();
  in.n = ids.size();
  const dl::Network net(in);  // throws dl::InputError naming bad ids

  const dl::day_t oct = dl::days_from_civil(2023, 10, 20);
  const dl::day_t nov = dl::days_from_civil(2023, 11, 15);
  const dl::day_t dec = dl::days_from_civil(2023, 12, 1);
  const std::vector<dl::id_type> who{1, 2, 3, 4, 6, 7, 1, 2, 6};
  const std::vector<dl::day_t> day{nov, nov, nov, nov, nov, nov, oct, dec, nov};
  const std::vector<double> pv{100, 50, 20, 30, 40, -10, 999, 999, 30};
  const dl::Activity act(net, who, day, pv);

  dl::VolumeOptions opt;
  opt.start = dl::days_from_civil(2023, 11, 1);
  opt.end = dl::days_from_civil(2023, 12, 1);
  const dl::VolumeTable v = dl::volumes(net, act, opt);  // arrays in preorder

  struct Want {
    dl::id_type id;
    double pv, gv, power_leg, lesser_legs;
    dl::index_t downline, depth;
  };
  const Want want[] = {{1, 100, 260, 150, 10, 6, 0}, {2, 50, 150, 100, 0, 3, 1},
                       {3, 20, 10, -10, 0, 1, 1},    {4, 30, 100, 70, 0, 1, 2},
                       {5, 0, 0, 0, 0, 0, 2},        {6, 70, 70, 0, 0, 0, 3},
                       {7, -10, -10, 0, 0, 0, 2}};
  int wrong = 0;
  std::printf("downline %s\n  id      pv      gv  power_leg  lesser_legs  downline  depth\n",
              dl::version);
  for (const Want& w : want) {
    const auto k = static_cast<std::size_t>(net.find(w.id));
    std::printf("%4lld %7.1f %7.1f %10.1f %12.1f %9d %6d\n", static_cast<long long>(w.id),
                v.pv[k], v.gv[k], v.power_leg[k], v.lesser_legs[k], v.downline[k], v.depth[k]);
    wrong += std::abs(v.pv[k] - w.pv) > 1e-9 || std::abs(v.gv[k] - w.gv) > 1e-9 ||
             std::abs(v.power_leg[k] - w.power_leg) > 1e-9 ||
             std::abs(v.lesser_legs[k] - w.lesser_legs) > 1e-9 || v.downline[k] != w.downline ||
             v.depth[k] != w.depth;
  }

  // The sponsor tree as a Boost.Graph graph: a breadth-first search from the root reaches
  // every participant.
  const auto g = dl::sponsor_graph(net);
  std::vector<boost::default_color_type> color(num_vertices(g));
  std::size_t reached = 0;
  struct Count : boost::default_bfs_visitor {
    std::size_t* n;
    void discover_vertex(std::uint32_t, const dl::SponsorGraph&) const { ++*n; }
  } visitor;
  visitor.n = &reached;
  boost::breadth_first_search(
      g, static_cast<std::uint32_t>(net.find(1)),
      boost::visitor(visitor).color_map(boost::make_iterator_property_map(
          color.begin(), boost::get(boost::vertex_index, g))));
  std::printf("breadth-first search from 1 reaches %zu of %zu participants\n", reached,
              ids.size());
  wrong += reached != ids.size();

  std::printf(wrong == 0 ? "all figures as expected\n" : "%d participant(s) differ\n", wrong);
  return wrong == 0 ? 0 : 1;
}
