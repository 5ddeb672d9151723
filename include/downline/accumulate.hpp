// Tree accumulators: the one engine for values that flow from recruits to sponsors.
//
// Sums over subtrees (subtree_sums: any number of columns, the same bits for a column
// whatever the others and the thread count) are the linear case, cut into fixed chunks
// of positions shared among the threads. Everything else is a bottom-up accumulation:
// a bottom-up accumulation gives every participant k the sum, over its recruits c, of a
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

#include "config.hpp"
#include "detail/parallel.hpp"
#include "network.hpp"

namespace downline {

namespace detail {

/// Positions per chunk of the chunked subtree sums. Fixed, so that the summation order,
/// and with it every bit of the result, does not depend on the thread count.
constexpr index_t subtree_chunk = index_t{1} << 14;

/// Networks deeper than this take the single reverse pass: a chunk hands its carries to
/// the ancestors of its first node, O(depth) per chunk.
constexpr index_t subtree_chunk_max_depth = index_t{1} << 12;

/// Chunks summed together, interleaved (see subtree_chunk_pass).
constexpr int subtree_streams = 4;

/// Sums S chunks of `len` positions of one column, the s-th starting at lo + s * len,
/// each last position first with its own stack of pending sums acc + s * stride (one per
/// depth, zero on entry): acc[d] holds the subtree sums met so far at depth d whose
/// sponsor is not reached yet. When k (depth d) is reached its whole downline in the
/// chunk has been met, so acc[d + 1] holds exactly its recruits' subtree sums; k takes
/// and clears it and adds its own sum to acc[d]. The S chunks are independent chains of
/// adds through memory, interleaved so that they overlap (a single chain runs 1.4x
/// slower). On return, acc[d] for d <= depth(first position) holds what the chunk owes to
/// that position's ancestor at depth d - 1 (the deeper entries are zero again). `out` may
/// alias `v`. Kept out of line: inlined, GCC schedules it worse.
template <int S, class In, class Out>
DOWNLINE_NOINLINE void subtree_chunk_pass(index_t lo, index_t len, const index_t* depth,
                                          const In* v, Out* out, Out* __restrict acc,
                                          std::size_t stride) {
  for (index_t i = len; i-- > 0;) {
    Out* c[S];
    Out g[S];
    DOWNLINE_UNROLL
    for (int s = 0; s < S; ++s) {
      const index_t k = lo + s * len + i;
      c[s] = acc + static_cast<std::size_t>(s) * stride + static_cast<std::size_t>(depth[k]);
      g[s] = static_cast<Out>(v[k]) + c[s][1];
    }
    DOWNLINE_UNROLL
    for (int s = 0; s < S; ++s) {
      c[s][1] = Out{};
      out[lo + s * len + i] = g[s];
      c[s][0] += g[s];
    }
  }
}

/// subtree_chunk_pass<1> of W columns (row-major n x W arrays; acc: one row of W per
/// depth): the same additions, in the same order, for every column.
template <class In, class Out>
void subtree_chunk_pass_columns(index_t lo, index_t len, const index_t* depth, const In* v, Out* out,
                                Out* __restrict acc, std::size_t W) {
  for (index_t i = len; i-- > 0;) {
    const std::size_t k = static_cast<std::size_t>(lo + i);
    Out* c = acc + static_cast<std::size_t>(depth[k]) * W;
    for (std::size_t j = 0; j < W; ++j) {
      const Out g = static_cast<Out>(v[k * W + j]) + c[W + j];
      c[W + j] = Out{};
      out[k * W + j] = g;
      c[j] += g;
    }
  }
}

/// subtree_sums over chunks of `chunk` positions (any chunk >= 1 gives the same sums up
/// to rounding; the tests use small ones). See subtree_sums.
template <class In, class Out>
void chunked_subtree_sums(const Network& net, const In* v, Out* out, std::size_t W, index_t chunk) {
  const index_t n = net.size();
  const index_t* parent = net.parents().data();
  const index_t* depth = net.depths().data();
  const index_t chunks = n == 0 || W == 0 ? 0 : (n - 1) / chunk + 1;
  if (chunks == 0) return;
  const std::size_t slots = static_cast<std::size_t>(net.max_depth()) + 2;
  // carries of chunk j: depth(first node of j) + 1 rows of W sums, at carry[offset[j] * W...]
  std::vector<std::size_t> offset(static_cast<std::size_t>(chunks) + 1, 0);
  for (index_t j = 0; j < chunks; ++j)
    offset[j + 1] = offset[j] + static_cast<std::size_t>(depth[j * chunk]) + 1;
  std::vector<Out> carry(offset.back() * W, Out{});
  const std::size_t uchunks = static_cast<std::size_t>(chunks);
  parallel_for_parts(
      uchunks, std::min<std::size_t>(uchunks, static_cast<std::size_t>(call_threads())),
      [&](std::size_t, std::size_t jb, std::size_t je) {
        constexpr std::size_t S = static_cast<std::size_t>(subtree_streams);
        const std::size_t stride = slots * W;
        std::vector<Out> acc(stride * (W == 1 ? S : 1), Out{});
        // hand over chunk j's carries from stream s's stack, clearing it
        auto take = [&](std::size_t j, std::size_t s) {
          Out* c = carry.data() + offset[j] * W;
          Out* a = acc.data() + s * stride;
          const std::size_t top = (static_cast<std::size_t>(depth[static_cast<index_t>(j) * chunk]) + 1) * W;
          for (std::size_t d = 0; d < top; ++d) {
            c[d] = a[d];
            a[d] = Out{};
          }
        };
        std::size_t j = jb;
        if (W == 1) {  // whole chunks, S at a time (the last chunk of the network may be short)
          const std::size_t full = static_cast<std::int64_t>(je) * chunk <= n ? je : je - 1;
          for (; j + S <= full; j += S) {
            subtree_chunk_pass<subtree_streams>(static_cast<index_t>(j) * chunk, chunk, depth, v, out,
                                                acc.data(), slots);
            for (std::size_t s = 0; s < S; ++s) take(j + s, s);
          }
        }
        for (; j < je; ++j) {
          const index_t lo = static_cast<index_t>(j) * chunk;
          if (W == 1)
            subtree_chunk_pass<1>(lo, std::min(chunk, n - lo), depth, v, out, acc.data(), slots);
          else
            subtree_chunk_pass_columns(lo, std::min(chunk, n - lo), depth, v, out, acc.data(), W);
          take(j, 0);
        }
      });
  // Row d of chunk j's carries is owed to the ancestor of its first node at depth d - 1
  // (row 0 to nobody: a root has no sponsor). The last chunk first: every chunk after j
  // has handed its carries to j by then.
  std::vector<Out> sum(W);
  for (index_t j = chunks; j-- > 1;) {
    const index_t lo = j * chunk, prev = lo - chunk;
    const Out* c = carry.data() + offset[j] * W;
    std::fill(sum.begin(), sum.end(), Out{});
    index_t a = parent[lo];
    for (; a != npos && a >= prev; a = parent[a]) {
      const Out* row = c + (static_cast<std::size_t>(depth[a]) + 1) * W;
      Out* dst = out + static_cast<std::size_t>(a) * W;
      for (std::size_t q = 0; q < W; ++q) {
        sum[q] += row[q];
        dst[q] += sum[q];
      }
    }
    if (a == npos) continue;
    // a (before prev) contains lo in its range, so it contains prev too: a and every
    // ancestor above it are ancestors of chunk j - 1's first node
    Out* pc = carry.data() + offset[j - 1] * W;
    const std::size_t da = static_cast<std::size_t>(depth[a]);
    for (std::size_t q = 0; q < W; ++q) pc[(da + 1) * W + q] += sum[q] + c[(da + 1) * W + q];
    for (std::size_t q = W; q < (da + 1) * W; ++q) pc[q] += c[q];
  }
}

}  // namespace detail

/// Subtree sums of W columns: out[k * W + j] = sum of v[m * W + j] over the subtree of k
/// (k included), row-major preorder arrays of n x W values. `out` may alias `v`. Every
/// column gets the same bits as it would alone (W = 1), whatever the thread count; no
/// differences of large prefix sums (no cancellation).
///
/// The positions are cut into fixed chunks of detail::subtree_chunk, shared among the
/// threads. Each chunk is summed last position first with a small stack of pending sums
/// per depth (detail::subtree_chunk_pass; four chunks interleaved for one column),
/// streaming over the arrays. A chunk's sums are final except for the ancestors of its
/// first node, which also receive what later chunks owe them: the last chunk first, each
/// adds its carries along its ancestors inside the previous chunk and hands the rest to
/// that chunk's carries. Networks deeper than detail::subtree_chunk_max_depth take a
/// single reverse pass instead (each node added to its sponsor once its own downline has
/// been added to it).
template <class In, class Out>
void subtree_sums(const Network& net, const In* v, Out* out, std::size_t W) {
  if (net.max_depth() <= detail::subtree_chunk_max_depth) {
    detail::chunked_subtree_sums(net, v, out, W, detail::subtree_chunk);
    return;
  }
  const std::size_t n = static_cast<std::size_t>(net.size());
  const index_t* parent = net.parents().data();
  if (static_cast<const void*>(out) != static_cast<const void*>(v))
    for (std::size_t i = 0; i < n * W; ++i) out[i] = static_cast<Out>(v[i]);
  for (std::size_t k = n; k-- > 0;) {
    const index_t p = parent[k];
    if (p == npos) continue;
    for (std::size_t q = 0; q < W; ++q) out[static_cast<std::size_t>(p) * W + q] += out[k * W + q];
  }
}

/// Bottom-up accumulation over `net` with vectors of `width` values of type T.
/// visit(k, children, up) is called for every position k, recruits before sponsors (the
/// preorder backwards): `children` (width values) is the element-wise sum of the
/// contributions of k's recruits (zeros for a leaf); k adds its own contribution to `up`
/// (width values: the running sum of its sponsor's recruits so far, or scratch for a
/// root). `children` may be modified by the visit (it is cleared after).
template <class T, class Visit>
void accumulate_children(const Network& net, std::size_t width, Visit visit) {
  const index_t n = net.size();
  if (n == 0) return;
  const index_t* depth = net.depths().data();
  // pending[d + 1]: the summed contributions of the nodes at depth d met so far whose
  // sponsor is not met yet (pending[0]: the roots', never read). When k (depth d) is met,
  // its whole downline has been, so pending[d + 2] holds exactly the contributions of k's
  // recruits.
  std::vector<T> pending((static_cast<std::size_t>(net.max_depth()) + 3) * width, T{});
  for (index_t k = n; k-- > 0;) {
    const std::size_t d = static_cast<std::size_t>(depth[k]);
    T* children = pending.data() + (d + 2) * width;
    visit(k, children, pending.data() + (d + 1) * width);
    std::fill(children, children + width, T{});
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
