// Network: the sponsor forest, relabelled in preorder so that the subtree of node k
// is the contiguous range [k, end(k)). Built iteratively in O(N).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/buffer.hpp"
#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"
#include "ids.hpp"

namespace downline {

/// Where the participants' columns come from. Arrays are in the caller's row order and
/// are only read during construction (nothing is kept pointing at them).
///
/// Ids are int64 (`ids`, `sponsors`) or strings (`ids` null: `id_strings`,
/// `sponsor_strings`, n each). Errors name string ids quoted ('M12') and list the
/// offending input rows in InputError::ids() (int ids: the ids themselves).
struct NetworkInput {
  const id_type* ids = nullptr;       ///< participant ids, n values, unique
  const id_type* sponsors = nullptr;  ///< sponsor id of each row
  std::size_t n = 0;
  StringColumn id_strings;       ///< string ids (when ids is null), n values, unique
  StringColumn sponsor_strings;  ///< string sponsor id of each row
  /// Optional: has_sponsor[r] == 0 marks row r as a root whatever the sponsor holds.
  /// Without it, sponsors[r] == no_sponsor (string ids: an empty sponsor) marks a root,
  /// and an id equal to that marker is refused: give has_sponsor when ids may take it.
  const std::uint8_t* has_sponsor = nullptr;
  /// Optional enrolment day per row (days since 1970-01-01).
  const day_t* enrolled_on = nullptr;
  /// Optional kind code per row (-1 for none) with its names.
  const std::int32_t* kind = nullptr;
  std::vector<std::string> kind_names;
};

/// Seconds spent in each phase of a build, filled in when a Network is given one
/// (benchmarks use it to show where the build time goes).
struct BuildProfile {
  double index = 0;     ///< indexing the ids (direct or hashed), rejecting duplicates
  double sponsors = 0;  ///< looking up every sponsor, checking roots and unknown sponsors
  double children = 0;  ///< children lists (counting sort by sponsor)
  double preorder = 0;  ///< breadth-first order, cycle check, sizes, preorder positions
  double arrays = 0;    ///< parents, depths, ends (and attributes) in preorder
  double relabel = 0;   ///< the ids and their index moved to preorder positions
};

class Network {
 public:
  Network() = default;

  /// Builds and validates. Throws InputError (duplicate_id, unknown_sponsor,
  /// own_sponsor, cycle, too_large) naming the offending ids.
  explicit Network(const NetworkInput& in, BuildProfile* profile = nullptr) { build(in, profile); }

  /// Convenience: ids and sponsors of equal length; no_sponsor marks a root.
  Network(const std::vector<id_type>& ids, const std::vector<id_type>& sponsors,
          const std::vector<day_t>& enrolled_on = {}) {
    if (ids.size() != sponsors.size())
      throw InputError(ErrorKind::bad_value,
                       "ids and sponsors differ in length: " + std::to_string(ids.size()) + " vs " +
                           std::to_string(sponsors.size()));
    if (!enrolled_on.empty() && enrolled_on.size() != ids.size())
      throw InputError(ErrorKind::bad_value,
                       "enrolled_on has " + std::to_string(enrolled_on.size()) + " values for " +
                           std::to_string(ids.size()) + " participants");
    NetworkInput in;
    in.ids = ids.data();
    in.sponsors = sponsors.data();
    in.n = ids.size();
    in.enrolled_on = enrolled_on.empty() ? nullptr : enrolled_on.data();
    build(in);
  }

  /// Convenience: string ids and sponsors of equal length; an empty sponsor marks a root.
  static Network from_strings(const std::vector<std::string>& ids,
                              const std::vector<std::string>& sponsors) {
    if (ids.size() != sponsors.size())
      throw InputError(ErrorKind::bad_value,
                       "ids and sponsors differ in length: " + std::to_string(ids.size()) + " vs " +
                           std::to_string(sponsors.size()));
    const StringArena id_arena(ids), sponsor_arena(sponsors);
    NetworkInput in;
    in.n = ids.size();
    in.id_strings = id_arena.column();
    in.sponsor_strings = sponsor_arena.column();
    return Network(in);
  }

  /// Number of participants.
  index_t size() const noexcept { return static_cast<index_t>(parent_.size()); }
  bool empty() const noexcept { return parent_.empty(); }
  /// Whether the ids are strings (id_string(), find(std::string_view)) or int64 (id()).
  bool has_string_ids() const noexcept { return index_.strings(); }

  // ---- per node, by preorder position k ------------------------------------------
  /// Int id of k (networks of int ids).
  id_type id(index_t k) const noexcept { return index_.int_keys()[static_cast<std::size_t>(k)]; }
  /// String id of k (networks of string ids).
  std::string_view id_string(index_t k) const noexcept { return index_.string_key(k); }
  /// Sponsor's position, npos for a root.
  index_t parent(index_t k) const noexcept { return parent_[k]; }
  /// One past the last position of k's subtree: the downline of k is [k + 1, end(k)).
  index_t end(index_t k) const noexcept { return end_[k]; }
  /// Level below the root (a root has depth 0).
  index_t depth(index_t k) const noexcept { return depth_[k]; }
  /// The largest depth (0 for an empty network).
  index_t max_depth() const noexcept { return max_depth_; }
  /// Number of downline members.
  index_t downline_size(index_t k) const noexcept { return end_[k] - k - 1; }
  bool has_enrolment() const noexcept { return !enrolled_.empty(); }
  day_t enrolled_on(index_t k) const noexcept { return enrolled_[k]; }
  bool has_kind() const noexcept { return !kind_.empty(); }
  std::int32_t kind(index_t k) const noexcept { return kind_[k]; }
  const std::vector<std::string>& kind_names() const noexcept { return kind_names_; }

  // ---- whole arrays, in preorder --------------------------------------------------
  /// Int ids (empty for string ids: see id_string()).
  const Array<id_type>& ids() const noexcept { return index_.int_keys(); }
  const Array<index_t>& parents() const noexcept { return parent_; }
  const Array<index_t>& ends() const noexcept { return end_; }
  const Array<index_t>& depths() const noexcept { return depth_; }
  const Array<day_t>& enrolment_days() const noexcept { return enrolled_; }
  const Array<std::int32_t>& kinds() const noexcept { return kind_; }
  /// position_of_row()[r]: the preorder position of input row r.
  const Array<index_t>& position_of_row() const noexcept { return pos_of_row_; }
  /// row_of_position()[k]: the input row of preorder position k.
  const Array<index_t>& row_of_position() const noexcept { return row_of_pos_; }

  // ---- lookups ----------------------------------------------------------------------
  /// The id index (its positions are preorder positions).
  const IdIndex& index() const noexcept { return index_; }
  /// Position of participant `id`, or npos (also for an id of the other kind).
  index_t find(id_type id) const noexcept { return index_.find(id); }
  index_t find(std::string_view id) const noexcept { return index_.find(id); }
  /// out[i] = find(q[i]) for n ids, with the lookups' cache misses overlapped.
  void find_many(const id_type* q, std::size_t n, index_t* out) const noexcept {
    index_.find_many(q, n, out);
  }
  void find_many(const IdColumn& q, index_t* out) const noexcept { index_.find_many(q, out); }
  /// Position of participant `id`; throws InputError(unknown_participant).
  index_t at(id_type id) const {
    const index_t k = find(id);
    if (k == npos)
      throw InputError(ErrorKind::unknown_participant,
                       "participant " + std::to_string(id) + " is not in the network", {id});
    return k;
  }
  index_t at(std::string_view id) const {
    const index_t k = find(id);
    if (k == npos)
      throw InputError(ErrorKind::unknown_participant,
                       "participant " + quoted(id) + " is not in the network");
    return k;
  }

  /// Positions of k's direct recruits, in input order. O(frontline) by skipping subtrees.
  std::vector<index_t> frontline(index_t k) const {
    std::vector<index_t> out;
    for (index_t j = k + 1; j < end_[k]; j = end_[j]) out.push_back(j);
    return out;
  }
  /// Positions of k's ancestors, sponsor first, root last.
  std::vector<index_t> upline(index_t k) const {
    std::vector<index_t> out;
    for (index_t p = parent_[k]; p != npos; p = parent_[p]) out.push_back(p);
    return out;
  }

  /// Bytes held by the network (ids, links, ranges, depths, index, attributes).
  std::size_t memory_bytes() const noexcept {
    return (parent_.capacity() + end_.capacity() + depth_.capacity() + pos_of_row_.capacity() +
            row_of_pos_.capacity() + enrolled_.capacity() + kind_.capacity()) *
               sizeof(index_t) +
           index_.memory_bytes();
  }

  /// Reorders a per-row array into preorder: out[position_of_row[r]] = in[r] (on every
  /// thread: the positions are a permutation, so slices write disjoint elements).
  template <class T>
  void rows_to_preorder(const T* in, T* out) const {
    const index_t* pos = pos_of_row_.data();
    detail::parallel_for(pos_of_row_.size(), std::size_t{1} << 16,
                         [&](std::size_t, std::size_t b, std::size_t e) {
                           for (std::size_t r = b; r < e; ++r) out[pos[r]] = in[r];
                         });
  }
  /// Reorders a preorder array back into input rows: out[r] = in[position_of_row[r]]
  /// (on every thread).
  template <class T>
  void preorder_to_rows(const T* in, T* out) const {
    const index_t* pos = pos_of_row_.data();
    detail::parallel_for(pos_of_row_.size(), std::size_t{1} << 16,
                         [&](std::size_t, std::size_t b, std::size_t e) {
                           for (std::size_t r = b; r < e; ++r) out[r] = in[pos[r]];
                         });
  }

 private:
  void build(const NetworkInput& in, BuildProfile* profile = nullptr);

  Array<index_t> parent_, end_, depth_, pos_of_row_, row_of_pos_;
  index_t max_depth_ = 0;
  Array<day_t> enrolled_;
  Array<std::int32_t> kind_;
  std::vector<std::string> kind_names_;
  IdIndex index_;
};

// ------------------------------------------------------------------------------------
inline void Network::build(const NetworkInput& in, BuildProfile* profile) {
  const detail::CallThreads threads;
  constexpr std::size_t max_n = static_cast<std::size_t>(std::numeric_limits<index_t>::max()) - 1;
  if (in.n > max_n)
    throw InputError(
        ErrorKind::too_large,
        std::to_string(in.n) + " participants exceed the limit of " + std::to_string(max_n));
  const index_t n = static_cast<index_t>(in.n);
  const bool strings = in.ids == nullptr && in.id_strings.given();
  if (strings && (in.id_strings.n != in.n || in.sponsor_strings.n != in.n))
    throw InputError(ErrorKind::bad_value, "id_strings and sponsor_strings must hold " +
                                               std::to_string(in.n) + " strings each, not " +
                                               std::to_string(in.id_strings.n) + " and " +
                                               std::to_string(in.sponsor_strings.n));
  const IdColumn ids = strings ? IdColumn(in.id_strings) : IdColumn(in.ids, in.n);
  const IdColumn sponsors = strings ? IdColumn(in.sponsor_strings) : IdColumn(in.sponsors, in.n);
  // what errors carry: int ids, or for string ids the rows
  auto error_ids = [&](const std::vector<index_t>& rows) {
    std::vector<id_type> out(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) out[i] = strings ? rows[i] : ids.ints[rows[i]];
    return out;
  };
  // how messages show what errors carry
  auto show = [&](id_type x) {
    return strings ? ids.show(static_cast<std::size_t>(x)) : std::to_string(x);
  };
  auto put = [&](std::string& s, id_type x) { s += show(x); };
  constexpr std::size_t grain = std::size_t{1} << 16;  // rows per thread, at least
  auto clock = std::chrono::steady_clock::now();
  auto lap = [&](double BuildProfile::*field) {
    if (!profile) return;
    const auto now = std::chrono::steady_clock::now();
    profile->*field = std::chrono::duration<double>(now - clock).count();
    clock = now;
  };

  // 1. id -> row, rejecting duplicates (named by their first rows, in id order).
  std::vector<index_t> dups;
  IdIndex index(
      ids, [&](index_t r) { dups.push_back(r); }, IdIndex::BorrowKeys{});
  if (!dups.empty()) {
    for (index_t& r : dups) r = index.find(ids, static_cast<std::size_t>(r));
    index.sort_by_key(dups);
    dups.erase(std::unique(dups.begin(), dups.end()), dups.end());
    throw errors::listed_with(ErrorKind::duplicate_id, "participant id(s) appear more than once:",
                              error_ids(dups), put);
  }
  if (!in.has_sponsor) {
    const index_t marked = strings ? index.find(std::string_view()) : index.find(no_sponsor);
    if (marked != npos)
      throw InputError(ErrorKind::bad_value,
                       "participant id " + ids.show(static_cast<std::size_t>(marked)) +
                           (strings ? " is also the no-sponsor marker (an empty sponsor)"
                                    : " is also the no_sponsor marker") +
                           ", so roots and this participant's recruits cannot be told apart: "
                           "give NetworkInput::has_sponsor",
                       error_ids({marked}));
  }
  lap(&BuildProfile::index);

  // 2. sponsor row of every row (batched lookups on every thread), then roots, own
  //    sponsors and unknown sponsors.
  detail::ScratchBuffer<index_t> prow = detail::scratch_buffer<index_t>(in.n);
  const std::size_t lookup_parts = detail::parallel_parts(in.n, grain);
  std::vector<std::vector<index_t>> own_of(lookup_parts), unknown_of(lookup_parts);
  detail::parallel_for_parts(in.n, lookup_parts, [&](std::size_t t, std::size_t b, std::size_t e) {
    if (strings)
      index.find_many(in.sponsor_strings.slice(b, e), prow.get() + b);
    else
      index.find_many(in.sponsors + b, e - b, prow.get() + b);
    for (std::size_t r = b; r < e; ++r) {
      const bool has = in.has_sponsor ? in.has_sponsor[r] != 0
                       : strings      ? !in.sponsor_strings[r].empty()
                                      : in.sponsors[r] != no_sponsor;
      if (!has) {
        prow[r] = npos;
      } else if (prow[r] == static_cast<index_t>(r)) {  // ids are unique: the own id
        own_of[t].push_back(static_cast<index_t>(r));
        prow[r] = npos;
      } else if (prow[r] == npos) {
        unknown_of[t].push_back(static_cast<index_t>(r));
      }
    }
  });
  std::vector<index_t> unknown, own;  // rows, in row order
  for (std::size_t t = 0; t < lookup_parts; ++t) {
    own.insert(own.end(), own_of[t].begin(), own_of[t].end());
    unknown.insert(unknown.end(), unknown_of[t].begin(), unknown_of[t].end());
  }
  if (!own.empty())
    throw errors::listed_with(ErrorKind::own_sponsor, "participant(s) are their own sponsor:",
                              error_ids(own), put);
  if (!unknown.empty()) {
    const auto sponsor_of = [&](id_type x) {  // x: an int id, or the row of a string id
      return sponsors.show(static_cast<std::size_t>(strings ? x : index.find(x)));
    };
    throw errors::unknown_sponsors(error_ids(unknown), sponsor_of, show);
  }
  lap(&BuildProfile::sponsors);

  // 3. children in CSR form, in input order (a counting sort by sponsor row). Each thread
  //    owns a slice of the sponsor rows (detail::for_each_by_key_slice), so no counter is
  //    touched by two threads and every sponsor's recruits come in input order. Counts go
  //    to first[p + 2] so that, after the prefix sum, first[p + 1] is where p's recruits
  //    start and, used as the filing cursor, ends up where they end: first[p] ..
  //    first[p + 1] without a second array.
  const std::size_t parts = detail::parallel_parts(in.n, grain);
  Array<index_t> first(in.n + 2, 0);
  detail::ScratchBuffer<index_t> child;
  auto by_sponsor = [&](auto visit) {  // visit(row, sponsor row); a root's npos is no key
    detail::for_each_by_key_slice(
        in.n, in.n, parts,
        [&](std::size_t r) {
          return static_cast<std::uint64_t>(static_cast<std::uint32_t>(prow[r]));
        },
        [&](std::uint64_t p) { __builtin_prefetch(&first[p + 1], 1); },
        [&](std::size_t, std::size_t r, std::uint64_t p) { visit(static_cast<index_t>(r), p); });
  };
  by_sponsor([&](index_t, std::uint64_t p) { ++first[p + 2]; });
  for (std::size_t p = 2; p < in.n + 2; ++p) first[p] += first[p - 1];
  child = detail::scratch_buffer<index_t>(static_cast<std::size_t>(first[in.n + 1]));
  by_sponsor([&](index_t r, std::uint64_t p) { child[first[p + 1]++] = r; });
  lap(&BuildProfile::children);

  // 4. breadth-first order from the roots (in input order), each node's children in input
  //    order, one level at a time: every thread counts the children of its part of the
  //    level (noting where they start), then, after a prefix sum, copies them. The nodes
  //    each pass visits are known ahead, so their child ranges are prefetched (a
  //    depth-first walk would wait on each miss in turn). In breadth-first order the
  //    children of a node are contiguous and their sponsors' positions never decrease,
  //    which makes the passes after it streaming ones.
  //    Four of these arrays become the network's own in step 7 (their memory is then
  //    reused rather than freed while fresh memory is touched for the result).
  Array<index_t> queue(in.n), qparent(in.n), qdepth(in.n), qsize(in.n);
  detail::ScratchBuffer<index_t> qpre = detail::scratch_buffer<index_t>(in.n);
  index_t tail = 0;
  for (index_t r = 0; r < n; ++r)
    if (prow[r] == npos) {
      queue[tail] = r;
      qparent[tail] = npos;
      qdepth[tail] = 0;
      ++tail;
    }
  const index_t roots = tail;
  {
    // per level: qsize[i] = the first child's slot in `child`, qpre[i] = where i's
    // children go in the queue (both scratch until step 6)
    index_t* start = qsize.data();
    index_t* dest = qpre.get();
    constexpr std::size_t level_grain = std::size_t{1} << 15;
    for (index_t lb = 0, le = tail, d = 1; lb < le; lb = le, le = tail, ++d) {
      const std::size_t width = static_cast<std::size_t>(le - lb);
      detail::parallel_for(width, level_grain, [&](std::size_t, std::size_t b, std::size_t e) {
        constexpr std::size_t ahead = 16;
        for (std::size_t j = b; j < e; ++j) {
          if (j + ahead < e) __builtin_prefetch(&first[queue[lb + j + ahead]]);
          const index_t u = queue[lb + j];
          start[lb + j] = first[u];
          dest[lb + j] = first[u + 1] - first[u];
        }
      });
      for (index_t i = lb; i < le; ++i) {
        const index_t c = dest[i];
        dest[i] = tail;
        tail += c;
      }
      if (tail == le) break;
      // The next level's slots [le, tail): each node with recruits marks the slot of its
      // first recruit with its own queue position; then every slot takes the largest mark
      // so far (its sponsor) and the recruit it stands for. Neither pass has a branch
      // that depends on the data (most nodes have no recruits, the rest any number).
      const std::size_t next = static_cast<std::size_t>(tail - le);
      std::fill(qparent.data() + le, qparent.data() + tail, npos);
      detail::parallel_for(width, level_grain, [&](std::size_t, std::size_t b, std::size_t e) {
        // A node without recruits marks the slot of the next node's first recruit, which
        // that node (later in this loop) marks again; the slice's trailing nodes without
        // recruits would mark the next slice's first slot, so they are left out.
        const index_t stop = e < width ? dest[lb + static_cast<index_t>(e)] : tail;
        std::size_t last = e;
        while (last > b && dest[lb + static_cast<index_t>(last) - 1] == stop) --last;
        for (std::size_t j = b; j < last; ++j)
          qparent[dest[lb + static_cast<index_t>(j)]] = lb + static_cast<index_t>(j);
      });
      detail::parallel_for(next, level_grain, [&](std::size_t, std::size_t b, std::size_t e) {
        const index_t ob = le + static_cast<index_t>(b);
        // the sponsor of the slice's first slot: the last node whose recruits start at or before it
        index_t p = static_cast<index_t>(std::upper_bound(dest + lb, dest + le, ob) - dest) - 1;
        constexpr index_t ahead = 16;
        for (index_t o = ob, oe = le + static_cast<index_t>(e); o < oe; ++o) {
          p = std::max(p, qparent[o]);
          qparent[o] = p;
          if (o + ahead < oe) {  // a mark ahead: its recruits' range (else a cached line)
            const index_t m = qparent[o + ahead];
            __builtin_prefetch(child.get() + start[m < 0 ? lb : m]);
          }
          queue[o] = child[start[p] + (o - dest[p])];
          qdepth[o] = d;
        }
      });
    }
  }
  child.reset();

  // 5. rows never reached hang below a cycle: report one cycle by its ids.
  if (tail != n) {
    std::vector<char> reached(in.n, 0);
    for (index_t i = 0; i < tail; ++i) reached[queue[i]] = 1;
    index_t start = 0;
    while (reached[start]) ++start;
    // Walk up from `start`; stamp each row with the step it was met on.
    std::vector<index_t> seen_at(in.n, npos);
    index_t v = start, step = 0;
    while (seen_at[v] == npos) {
      seen_at[v] = step++;
      v = prow[v];
    }
    std::vector<index_t> cyc;
    const index_t u = v;
    do {
      cyc.push_back(v);
      v = prow[v];
    } while (v != u);
    const std::size_t caught = in.n - static_cast<std::size_t>(tail);
    throw errors::cycle(error_ids(cyc), caught, show);
  }
  prow.reset();

  // 6. subtree sizes (bottom-up: sponsors' queue positions only decrease), then preorder
  //    positions (top-down: a node's first child follows it, each next sibling follows the
  //    previous sibling's subtree). Both are streaming passes in queue order.
  std::fill(qsize.begin(), qsize.end(), index_t{1});
  for (index_t i = n; i-- > roots;) qsize[qparent[i]] += qsize[i];
  {
    index_t at = 0, last = npos;
    for (index_t i = 0; i < roots; ++i) {
      qpre[i] = at;
      at += qsize[i];
    }
    for (index_t i = roots; i < n; ++i) {  // without branches: siblings come in any pattern
      const index_t p = qparent[i], after_sponsor = qpre[p] + 1;
      at = p != last ? after_sponsor : at;
      last = p;
      qpre[i] = at;
      at += qsize[i];
    }
  }
  lap(&BuildProfile::preorder);

  // 7. arrays in preorder: every node's values scattered to its position, on every thread
  //    (positions are a permutation: slices write disjoint elements). Siblings that are
  //    leaves sit side by side in both orders, so the scatter is not wholly random.
  //    (Partitioning the records by position first, so that each part of the arrays is
  //    written while in cache, measured slower: 139 ms against 110 ms at 10M.)
  //    The four values that go to position k are scattered as one 16-byte record (one
  //    cache line written at random instead of four), then split into their arrays by a
  //    streaming pass.
  struct At {
    index_t row, parent, depth, end;
  };
  Array<index_t> pos = std::move(first);  // first's memory, no longer needed
  pos.resize(in.n);
  {
    detail::ScratchBuffer<At> at = detail::scratch_buffer<At>(in.n);
    detail::parallel_for(in.n, grain, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        const index_t k = qpre[i], r = queue[i];
        pos[r] = k;
        at[k] = At{r, qparent[i] == npos ? npos : qpre[qparent[i]], qdepth[i], k + qsize[i]};
      }
    });
    qpre.reset();
    max_depth_ = in.n ? qdepth[in.n - 1] : 0;  // breadth-first: the last is the deepest
    // the breadth-first arrays, all read, take the preorder ones
    parent_ = std::move(qparent);
    depth_ = std::move(qdepth);
    end_ = std::move(qsize);
    row_of_pos_ = std::move(queue);
    index_t* order = row_of_pos_.data();
    detail::parallel_for(in.n, grain, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t k = b; k < e; ++k) {
        order[k] = at[k].row;
        parent_[k] = at[k].parent;
        depth_[k] = at[k].depth;
        end_[k] = at[k].end;
      }
    });
  }
  if (in.enrolled_on) enrolled_.resize(in.n);
  if (in.kind) kind_.resize(in.n);
  // the caller's columns are read in row order (their pages may be small ones: read at
  // random they would cost a TLB miss each)
  detail::parallel_for(in.n, grain, [&](std::size_t, std::size_t b, std::size_t e) {
    if (in.enrolled_on)
      for (std::size_t r = b; r < e; ++r) enrolled_[pos[r]] = in.enrolled_on[r];
    if (in.kind)
      for (std::size_t r = b; r < e; ++r) kind_[pos[r]] = in.kind[r];
  });
  if (in.kind) kind_names_ = in.kind_names;
  lap(&BuildProfile::arrays);
  index.relabel(pos.data(), in.n);  // ids and index in preorder
  index_ = std::move(index);
  pos_of_row_ = std::move(pos);
  lap(&BuildProfile::relabel);
}

}  // namespace downline
