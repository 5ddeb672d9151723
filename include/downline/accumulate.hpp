// Tree accumulators: the one engine for values that flow from recruits to sponsors.
//
// A bottom-up accumulation gives every participant k the sum, over its recruits c, of a
// fixed-width vector that c hands up ("its contribution"); k's visit reads that sum and
// writes k's own contribution. Subtree sums, level sums, sums by level over marked
// participants (dynamic compression, generations) and sums by the largest mark on the
// path (stairstep differentials, the highest rank in a leg) are all of this form: they
// differ only in the contribution. The engine walks the preorder backwards, so every
// recruit is visited before its sponsor, holding one pending vector per depth (what the
// nodes met so far at that depth owe their sponsor, not reached yet): memory grows with
// the network's height, not its size, and nothing recurses (a million-level chain
// works). The order of the additions is fixed by the network, so the sums are the same
// bits whatever the thread count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "network.hpp"

namespace downline {

/// Bottom-up accumulation over `net` with vectors of `width` values of type T.
/// visit(k, children, up) is called for every position k, recruits before sponsors (the
/// preorder backwards): `children` (width values) is the element-wise sum of the
/// contributions of k's recruits (zeros for a leaf); k writes its own contribution to
/// `up` (width values, zero on entry), which is added to its sponsor's `children`
/// (a root's is dropped). `children` may be modified by the visit (it is cleared after).
template <class T, class Visit>
void accumulate_children(const Network& net, std::size_t width, Visit visit) {
  const index_t n = net.size();
  if (n == 0) return;
  const index_t* parent = net.parents().data();
  const index_t* depth = net.depths().data();
  // pending[d]: the summed contributions of the nodes at depth d met so far whose sponsor
  // is not met yet. When k (depth d) is met, its whole downline has been, so pending[d + 1]
  // holds exactly the contributions of k's recruits.
  std::vector<T> pending((static_cast<std::size_t>(net.max_depth()) + 2) * width, T{});
  std::vector<T> up(width);
  for (index_t k = n; k-- > 0;) {
    const std::size_t d = static_cast<std::size_t>(depth[k]);
    T* children = pending.data() + (d + 1) * width;
    std::fill(up.begin(), up.end(), T{});
    visit(k, children, up.data());
    std::fill(children, children + width, T{});
    if (parent[k] == npos) continue;
    T* mine = pending.data() + d * width;
    for (std::size_t j = 0; j < width; ++j) mine[j] += up[j];
  }
}

/// Sums by marked level: for every k, `visit(k, sums)` receives K sums where sums[j] is
/// the total of value(v) over k's downline members v whose key is j, with
///   key(v | k) = self_step(v) + sum of step(w) over the w strictly between k and v,
/// keys >= K not counted. With step = 1 and self_step = 0 for everyone the key is the
/// level minus one (level volumes); with step = active, self_step = 0 it is the
/// compressed level minus one (inactive participants do not use up a level); with step =
/// self_step = leader it is the generation of v below k. step and self_step are 0 or 1
/// (any small non-negative integer works). value, step, self_step are preorder arrays.
template <class Step, class SelfStep, class Visit>
void marked_level_sums(const Network& net, const double* value, Step step, SelfStep self_step,
                       int K, Visit visit) {
  if (K <= 0) return;
  const std::size_t w = static_cast<std::size_t>(K);
  accumulate_children<double>(net, w, [&](index_t k, double* sums, double* up) {
    visit(k, static_cast<const double*>(sums));
    // k's contribution to its sponsor s: k itself at key self_step(k), and k's downline
    // member with key j below k at key j + step(k) below s.
    const std::size_t self = static_cast<std::size_t>(self_step(k));
    if (self < w) up[self] += value[k];
    const std::size_t shift = static_cast<std::size_t>(step(k));
    for (std::size_t j = 0; j + shift < w; ++j) up[j + shift] += sums[j];
  });
}

/// Sums by the largest bucket on the path: bucket(k) in [0, B) for every k; for every k,
/// visit(k, sums) receives B sums where sums[b] is the total of value(v) over k's downline
/// members v whose largest bucket on the path from v (included) up to k (excluded) is b.
/// (Stairstep differentials: buckets are the distinct rates in increasing order, and k
/// earns sums[b] x (rate(k) - rate of b) where positive.)
template <class Bucket, class Visit>
void path_max_sums(const Network& net, const double* value, Bucket bucket, int B, Visit visit) {
  if (B <= 0) return;
  const std::size_t w = static_cast<std::size_t>(B);
  accumulate_children<double>(net, w, [&](index_t k, double* sums, double* up) {
    visit(k, static_cast<const double*>(sums));
    // seen from k's sponsor, every path through k has a largest bucket >= bucket(k)
    const std::size_t own = static_cast<std::size_t>(bucket(k));
    up[own] += value[k];
    for (std::size_t b = 0; b < w; ++b) up[std::max(b, own)] += sums[b];
  });
}

}  // namespace downline
