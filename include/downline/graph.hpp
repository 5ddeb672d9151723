// The network as a Boost.Graph graph, so that any BGL algorithm runs on it.
#pragma once

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <cstdint>
#include <utility>
#include <vector>

#include "network.hpp"

namespace downline {

/// Sponsor -> recruit edges over vertices 0..N-1 = the network's preorder positions
/// (vertex k is participant net.id(k)). 32-bit vertex and edge indices.
using SponsorGraph =
    boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                       boost::no_property, std::uint32_t, std::uint32_t>;

/// Builds the graph in O(N): the edges come out sorted by sponsor by walking each
/// node's frontline (k + 1, then skipping whole subtrees), so no sort is needed.
inline SponsorGraph sponsor_graph(const Network& net) {
  const index_t n = net.size();
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  edges.reserve(static_cast<std::size_t>(n));
  for (index_t k = 0; k < n; ++k)
    for (index_t j = k + 1; j < net.end(k); j = net.end(j))
      edges.emplace_back(static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(j));
  return SponsorGraph(boost::edges_are_sorted, edges.begin(), edges.end(),
                      static_cast<std::uint32_t>(n));
}

}  // namespace downline
