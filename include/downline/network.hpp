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
  /// What the sponsor link is called in error messages ("placement parent" for the
  /// placement tree, see placement.hpp).
  std::string parent = "sponsor";
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

namespace detail::network_build {
/// Rows per thread, at least, in the passes over every row.
inline constexpr std::size_t row_grain = std::size_t{1} << 16;
/// Nodes per thread, at least, in the passes over one breadth-first level.
inline constexpr std::size_t level_grain = std::size_t{1} << 15;
/// How many nodes ahead the breadth-first passes prefetch.
inline constexpr index_t prefetch_distance = 16;
/// The most participants a network holds (positions and npos fit in index_t).
inline constexpr std::size_t max_participants =
    static_cast<std::size_t>(std::numeric_limits<index_t>::max()) - 1;
}  // namespace detail::network_build

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

  /// Who is in the network as of `day` (preorder, 1: in): enrolled on or before it, and so
  /// is the whole upline (a recruit cannot be in the network without their sponsor).
  /// Everyone when the network has no enrolment dates. A participant out is out with
  /// their whole downline.
  Array<std::uint8_t> members_as_of(day_t day) const {
    Array<std::uint8_t> in(parent_.size(), 1);
    if (enrolled_.empty()) return in;
    for (index_t k = 0; k < size(); ++k)
      in[k] = enrolled_[k] <= day && (parent_[k] == npos || in[parent_[k]]);
    return in;
  }

  /// The day each participant is first in the network as of a date: their enrolment, or
  /// their upline's when later (members_as_of(day)[k] == (first_member_days()[k] <= day));
  /// empty without enrolment dates. One pass for any number of dates.
  Array<day_t> first_member_days() const {
    Array<day_t> first(enrolled_.size());
    for (index_t k = 0; k < static_cast<index_t>(enrolled_.size()); ++k)
      first[k] = parent_[k] == npos ? enrolled_[k] : std::max(enrolled_[k], first[parent_[k]]);
    return first;
  }

  /// The network of the participants `keep` marks (size() flags by preorder position,
  /// 1: kept), each kept participant's sponsor kept too (as members_as_of() marks them):
  /// their links, depths and attributes as here, in this network's preorder order; its
  /// input rows are the kept participants' rows here, in row order. A pass over the
  /// arrays and an index of the kept ids, no more: it costs a fraction of a build.
  /// Throws InputError (bad_value) naming a participant kept without their sponsor.
  /// `rows`, when given, receives this network's row of each of its rows.
  Network restricted(const std::uint8_t* keep, Array<index_t>* rows = nullptr) const;

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
    detail::parallel_for(pos_of_row_.size(), detail::network_build::row_grain,
                         [&](std::size_t, std::size_t b, std::size_t e) {
                           for (std::size_t r = b; r < e; ++r) out[pos[r]] = in[r];
                         });
  }
  /// Reorders a preorder array back into input rows: out[r] = in[position_of_row[r]]
  /// (on every thread).
  template <class T>
  void preorder_to_rows(const T* in, T* out) const {
    const index_t* pos = pos_of_row_.data();
    detail::parallel_for(pos_of_row_.size(), detail::network_build::row_grain,
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
// Network::build in phases, each a function of the previous phases' results. Rows are
// input rows; slots are positions in breadth-first order; positions are preorder ones.
namespace detail::network_build {

/// Times the phases into a BuildProfile, when one is given.
class PhaseClock {
 public:
  explicit PhaseClock(BuildProfile* profile) : profile_(profile) {}
  /// Stores the time since the last lap in `field`.
  void lap(double BuildProfile::*field) {
    if (!profile_) return;
    const auto now = std::chrono::steady_clock::now();
    profile_->*field = std::chrono::duration<double>(now - start_).count();
    start_ = now;
  }

 private:
  BuildProfile* profile_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// The input's id columns (int or string ids) and how errors name their values.
struct Columns {
  const NetworkInput& in;
  bool strings;  ///< string ids (id_strings, sponsor_strings), else int64 ones
  IdColumn ids, sponsors;

  /// What errors carry: int ids, or for string ids the rows.
  std::vector<id_type> error_ids(const std::vector<index_t>& rows) const {
    std::vector<id_type> out(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) out[i] = strings ? rows[i] : ids.ints[rows[i]];
    return out;
  }
  /// How messages show what errors carry.
  std::string show(id_type x) const {
    return strings ? ids.show(static_cast<std::size_t>(x)) : std::to_string(x);
  }
  /// show() appended to a message (errors::listed_with's `put`).
  auto put() const {
    return [this](std::string& s, id_type x) { s += show(x); };
  }
  /// Whether row r names a sponsor: has_sponsor, else a sponsor other than the marker.
  bool has_sponsor(std::size_t r) const {
    return in.has_sponsor ? in.has_sponsor[r] != 0
           : strings      ? !in.sponsor_strings[r].empty()
                          : in.sponsors[r] != no_sponsor;
  }
};

/// Phase 0: the id columns, checked for size.
inline Columns columns_of(const NetworkInput& in) {
  if (in.n > max_participants)
    throw InputError(ErrorKind::too_large, std::to_string(in.n) +
                                               " participants exceed the limit of " +
                                               std::to_string(max_participants));
  const bool strings = in.ids == nullptr && in.id_strings.given();
  if (strings && (in.id_strings.n != in.n || in.sponsor_strings.n != in.n))
    throw InputError(ErrorKind::bad_value, "id_strings and sponsor_strings must hold " +
                                               std::to_string(in.n) + " strings each, not " +
                                               std::to_string(in.id_strings.n) + " and " +
                                               std::to_string(in.sponsor_strings.n));
  return Columns{in, strings, strings ? IdColumn(in.id_strings) : IdColumn(in.ids, in.n),
                 strings ? IdColumn(in.sponsor_strings) : IdColumn(in.sponsors, in.n)};
}

/// Phase 1: id -> row, rejecting duplicates (named by their first rows, in id order) and,
/// without has_sponsor, an id equal to the no-sponsor marker.
inline IdIndex index_ids(const Columns& c) {
  std::vector<index_t> dups;
  IdIndex index(
      c.ids, [&](index_t r) { dups.push_back(r); }, IdIndex::BorrowKeys{});
  if (!dups.empty()) {
    for (index_t& r : dups) r = index.find(c.ids, static_cast<std::size_t>(r));
    index.sort_by_key(dups);
    dups.erase(std::unique(dups.begin(), dups.end()), dups.end());
    throw errors::listed_with(ErrorKind::duplicate_id,
                              "participant id(s) appear more than once:", c.error_ids(dups),
                              c.put());
  }
  if (!c.in.has_sponsor) {
    const index_t marked = c.strings ? index.find(std::string_view()) : index.find(no_sponsor);
    if (marked != npos)
      throw InputError(ErrorKind::bad_value,
                       "participant id " + c.ids.show(static_cast<std::size_t>(marked)) +
                           (c.strings ? " is also the no-sponsor marker (an empty sponsor)"
                                      : " is also the no_sponsor marker") +
                           ", so roots and this participant's recruits cannot be told apart: "
                           "give NetworkInput::has_sponsor",
                       c.error_ids({marked}));
  }
  return index;
}

/// Phase 2: the sponsor row of every row, npos for a root (batched lookups on every
/// thread). Throws for own sponsors, then for unknown sponsors (rows in row order).
inline ScratchBuffer<index_t> sponsor_rows(const Columns& c, const IdIndex& index) {
  const NetworkInput& in = c.in;
  ScratchBuffer<index_t> prow = scratch_buffer<index_t>(in.n);
  const std::size_t parts = parallel_parts(in.n, row_grain);
  std::vector<std::vector<index_t>> own_of(parts), unknown_of(parts);
  parallel_for_parts(in.n, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
    if (c.strings)
      index.find_many(in.sponsor_strings.slice(b, e), prow.get() + b);
    else
      index.find_many(in.sponsors + b, e - b, prow.get() + b);
    for (std::size_t r = b; r < e; ++r) {
      if (!c.has_sponsor(r)) {
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
  for (std::size_t t = 0; t < parts; ++t) {
    own.insert(own.end(), own_of[t].begin(), own_of[t].end());
    unknown.insert(unknown.end(), unknown_of[t].begin(), unknown_of[t].end());
  }
  if (!own.empty())
    throw errors::listed_with(ErrorKind::own_sponsor,
                              "participant(s) are their own " + in.parent + ":", c.error_ids(own), c.put());
  if (!unknown.empty()) {
    const auto sponsor_of = [&](id_type x) {  // x: an int id, or the row of a string id
      return c.sponsors.show(static_cast<std::size_t>(c.strings ? x : index.find(x)));
    };
    throw errors::unknown_sponsors(c.error_ids(unknown), sponsor_of, [&](id_type x) { return c.show(x); },
                                   in.parent);
  }
  return prow;
}

/// Every row's recruits, in input order: child[first[p]] .. child[first[p + 1]] for
/// sponsor row p (first has n + 2 entries: see children_of()).
struct Children {
  Array<index_t> first;
  ScratchBuffer<index_t> child;
};

/// Phase 3: the children lists, a counting sort by sponsor row. Each thread owns a slice
/// of the sponsor rows (for_each_by_key_slice), so no counter is touched by two threads
/// and every sponsor's recruits come in input order. Counts go to first[p + 2] so that,
/// after the prefix sum, first[p + 1] is where p's recruits start and, used as the filing
/// cursor, ends up where they end: first[p] .. first[p + 1] without a second array.
inline Children children_of(const index_t* sponsor_row, std::size_t n) {
  const std::size_t parts = parallel_parts(n, row_grain);
  Children out{Array<index_t>(n + 2, 0), {}};
  Array<index_t>& first = out.first;
  auto by_sponsor = [&](auto visit) {  // visit(row, sponsor row); a root's npos is no key
    for_each_by_key_slice(
        n, n, parts,
        [&](std::size_t r) {
          return static_cast<std::uint64_t>(static_cast<std::uint32_t>(sponsor_row[r]));
        },
        [&](std::uint64_t p) { __builtin_prefetch(&first[p + 1], 1); },
        [&](std::size_t, std::size_t r, std::uint64_t p) { visit(static_cast<index_t>(r), p); });
  };
  by_sponsor([&](index_t, std::uint64_t p) { ++first[p + 2]; });
  for (std::size_t p = 2; p < n + 2; ++p) first[p] += first[p - 1];
  out.child = scratch_buffer<index_t>(static_cast<std::size_t>(first[n + 1]));
  index_t* child = out.child.get();
  by_sponsor([&](index_t r, std::uint64_t p) { child[first[p + 1]++] = r; });
  return out;
}

/// Memory of n index_t a phase is done with, which a later phase takes for its own
/// arrays (pages already touched: fresh ones cost a fault each).
struct Spare {
  Array<index_t> array;
  ScratchBuffer<index_t> buffer;
};

/// The rows reached from the roots, in breadth-first order: one slot per row.
struct BreadthFirst {
  Array<index_t> row;     ///< each slot's input row
  Array<index_t> parent;  ///< the sponsor's slot (npos for a root)
  Array<index_t> depth;
  index_t roots = 0;    ///< slots [0, roots) hold the roots, in input order
  index_t reached = 0;  ///< slots filled: fewer than n when rows hang below a cycle
  Spare spare;          ///< the level passes' scratch
};

/// Phase 4: breadth-first order from the roots (in input order), each node's children in
/// input order, one level at a time: every thread counts the children of its part of the
/// level (noting where they start), then, after a prefix sum, copies them. The nodes
/// each pass visits are known ahead, so their child ranges are prefetched (a depth-first
/// walk would wait on each miss in turn). In breadth-first order the children of a node
/// are contiguous and their sponsors' slots never decrease, which makes the passes after
/// it streaming ones.
inline BreadthFirst breadth_first(const index_t* sponsor_row, std::size_t n,
                                  const Children& children) {
  BreadthFirst out;
  out.row.resize(n);
  out.parent.resize(n);
  out.depth.resize(n);
  out.spare = Spare{Array<index_t>(n), scratch_buffer<index_t>(n)};
  index_t* queue = out.row.data();
  index_t* qparent = out.parent.data();
  index_t* qdepth = out.depth.data();
  const index_t* first = children.first.data();
  const index_t* child = children.child.get();
  index_t tail = 0;
  for (index_t r = 0; r < static_cast<index_t>(n); ++r)
    if (sponsor_row[r] == npos) {
      queue[tail] = r;
      qparent[tail] = npos;
      qdepth[tail] = 0;
      ++tail;
    }
  out.roots = tail;
  // per level: start[i] = the first child's slot in `child`, dest[i] = where i's children
  // go in the queue
  index_t* start = out.spare.array.data();
  index_t* dest = out.spare.buffer.get();
  for (index_t lb = 0, le = tail, d = 1; lb < le; lb = le, le = tail, ++d) {
    const std::size_t width = static_cast<std::size_t>(le - lb);
    parallel_for(width, level_grain, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t j = b; j < e; ++j) {
        if (j + prefetch_distance < e)
          __builtin_prefetch(&first[queue[lb + j + prefetch_distance]]);
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
    std::fill(qparent + le, qparent + tail, npos);
    parallel_for(width, level_grain, [&](std::size_t, std::size_t b, std::size_t e) {
      // A node without recruits marks the slot of the next node's first recruit, which
      // that node (later in this loop) marks again; the slice's trailing nodes without
      // recruits would mark the next slice's first slot, so they are left out.
      const index_t stop = e < width ? dest[lb + static_cast<index_t>(e)] : tail;
      std::size_t last = e;
      while (last > b && dest[lb + static_cast<index_t>(last) - 1] == stop) --last;
      for (std::size_t j = b; j < last; ++j)
        qparent[dest[lb + static_cast<index_t>(j)]] = lb + static_cast<index_t>(j);
    });
    parallel_for(next, level_grain, [&](std::size_t, std::size_t b, std::size_t e) {
      const index_t ob = le + static_cast<index_t>(b);
      // the sponsor of the slice's first slot: the last node whose recruits start at or before it
      index_t p = static_cast<index_t>(std::upper_bound(dest + lb, dest + le, ob) - dest) - 1;
      for (index_t o = ob, oe = le + static_cast<index_t>(e); o < oe; ++o) {
        p = std::max(p, qparent[o]);
        qparent[o] = p;
        if (o + prefetch_distance < oe) {  // a mark ahead: its recruits' range (else a cached line)
          const index_t m = qparent[o + prefetch_distance];
          __builtin_prefetch(child + start[m < 0 ? lb : m]);
        }
        queue[o] = child[start[p] + (o - dest[p])];
        qdepth[o] = d;
      }
    });
  }
  out.reached = tail;
  return out;
}

/// Phase 5: rows the breadth-first order did not reach hang below a cycle: throws
/// naming one cycle by its ids.
inline void check_reached(const Columns& c, const BreadthFirst& bfs, const index_t* sponsor_row) {
  const std::size_t n = c.in.n;
  if (static_cast<std::size_t>(bfs.reached) == n) return;
  std::vector<char> reached(n, 0);
  for (index_t i = 0; i < bfs.reached; ++i) reached[bfs.row[i]] = 1;
  index_t start = 0;
  while (reached[start]) ++start;
  // Walk up from `start`; stamp each row with the step it was met on.
  std::vector<index_t> seen_at(n, npos);
  index_t v = start, step = 0;
  while (seen_at[v] == npos) {
    seen_at[v] = step++;
    v = sponsor_row[v];
  }
  std::vector<index_t> cyc;
  const index_t u = v;
  do {
    cyc.push_back(v);
    v = sponsor_row[v];
  } while (v != u);
  const std::size_t caught = n - static_cast<std::size_t>(bfs.reached);
  throw errors::cycle(c.error_ids(cyc), caught, [&](id_type x) { return c.show(x); }, c.in.parent);
}

/// Each slot's subtree and preorder position.
struct Subtrees {
  Array<index_t> size;              ///< nodes in the slot's subtree, itself included
  ScratchBuffer<index_t> position;  ///< the slot's preorder position
};

/// Phase 6: subtree sizes (bottom-up: sponsors' slots only decrease), then preorder
/// positions (top-down: a node's first child follows it, each next sibling follows the
/// previous sibling's subtree). Both are streaming passes in slot order; they fill the
/// breadth-first phase's spare memory.
inline Subtrees subtrees_of(const BreadthFirst& bfs, std::size_t n, Spare spare) {
  Subtrees out{std::move(spare.array), std::move(spare.buffer)};
  index_t* size = out.size.data();
  index_t* pre = out.position.get();
  const index_t* parent = bfs.parent.data();
  const index_t count = static_cast<index_t>(n), roots = bfs.roots;
  std::fill(size, size + n, index_t{1});
  for (index_t i = count; i-- > roots;) size[parent[i]] += size[i];
  index_t at = 0, last = npos;
  for (index_t i = 0; i < roots; ++i) {
    pre[i] = at;
    at += size[i];
  }
  for (index_t i = roots; i < count; ++i) {  // without branches: siblings come in any pattern
    const index_t p = parent[i], after_sponsor = pre[p] + 1;
    at = p != last ? after_sponsor : at;
    last = p;
    pre[i] = at;
    at += size[i];
  }
  return out;
}

/// The network's links in preorder.
struct PreorderArrays {
  Array<index_t> parent, depth, end;  ///< by position
  Array<index_t> row_of_position, position_of_row;
  index_t max_depth = 0;
};

/// Phase 7: the arrays in preorder: every slot's values scattered to its position, on
/// every thread (positions are a permutation: slices write disjoint elements). Siblings
/// that are leaves sit side by side in both orders, so the scatter is not wholly random.
/// (Partitioning the records by position first, so that each part of the arrays is
/// written while in cache, was slower.) The four values that go to a position are
/// scattered as one 16-byte record (one cache line written at random instead of four),
/// then split into their arrays by a streaming pass. The breadth-first arrays, all read
/// by then, hold the preorder ones; `storage` (n values or more, done with) holds
/// position_of_row.
inline PreorderArrays preorder_arrays(BreadthFirst&& bfs, Subtrees&& sub, std::size_t n,
                                      Array<index_t>&& storage) {
  struct At {
    index_t row, parent, depth, end;
  };
  PreorderArrays out;
  out.position_of_row = std::move(storage);
  out.position_of_row.resize(n);
  index_t* pos = out.position_of_row.data();
  ScratchBuffer<At> at = scratch_buffer<At>(n);
  {
    const index_t* queue = bfs.row.data();
    const index_t* qparent = bfs.parent.data();
    const index_t* qdepth = bfs.depth.data();
    const index_t* qsize = sub.size.data();
    const index_t* qpre = sub.position.get();
    parallel_for(n, row_grain, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        const index_t k = qpre[i], r = queue[i];
        pos[r] = k;
        at[k] = At{r, qparent[i] == npos ? npos : qpre[qparent[i]], qdepth[i], k + qsize[i]};
      }
    });
  }
  sub.position.reset();
  out.max_depth = n ? bfs.depth[n - 1] : 0;  // breadth-first: the last is the deepest
  out.parent = std::move(bfs.parent);
  out.depth = std::move(bfs.depth);
  out.end = std::move(sub.size);
  out.row_of_position = std::move(bfs.row);
  index_t* order = out.row_of_position.data();
  index_t* parent = out.parent.data();
  index_t* depth = out.depth.data();
  index_t* end = out.end.data();
  parallel_for(n, row_grain, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k) {
      order[k] = at[k].row;
      parent[k] = at[k].parent;
      depth[k] = at[k].depth;
      end[k] = at[k].end;
    }
  });
  return out;
}

/// The participants' attributes in preorder (each empty when not given).
struct Attributes {
  Array<day_t> enrolled_on;
  Array<std::int32_t> kind;
};

/// Phase 7 (continued): the caller's attribute columns moved to preorder positions `pos`.
/// They are read in row order: their pages may be small ones, and read at random they
/// would cost a TLB miss each.
inline Attributes attributes_in_preorder(const NetworkInput& in, const index_t* pos) {
  Attributes out;
  if (in.enrolled_on) out.enrolled_on.resize(in.n);
  if (in.kind) out.kind.resize(in.n);
  parallel_for(in.n, row_grain, [&](std::size_t, std::size_t b, std::size_t e) {
    if (in.enrolled_on)
      for (std::size_t r = b; r < e; ++r) out.enrolled_on[pos[r]] = in.enrolled_on[r];
    if (in.kind)
      for (std::size_t r = b; r < e; ++r) out.kind[pos[r]] = in.kind[r];
  });
  return out;
}

}  // namespace detail::network_build

inline void Network::build(const NetworkInput& in, BuildProfile* profile) {
  using namespace detail::network_build;
  const detail::CallThreads threads;
  const Columns cols = columns_of(in);
  PhaseClock clock(profile);
  IdIndex index = index_ids(cols);
  clock.lap(&BuildProfile::index);
  detail::ScratchBuffer<index_t> sponsor_row = sponsor_rows(cols, index);
  clock.lap(&BuildProfile::sponsors);
  Children children = children_of(sponsor_row.get(), in.n);
  clock.lap(&BuildProfile::children);
  BreadthFirst bfs = breadth_first(sponsor_row.get(), in.n, children);
  children.child.reset();  // read; children.first's memory is kept for position_of_row
  check_reached(cols, bfs, sponsor_row.get());
  sponsor_row.reset();
  Subtrees sub = subtrees_of(bfs, in.n, std::move(bfs.spare));
  clock.lap(&BuildProfile::preorder);
  PreorderArrays arrays =
      preorder_arrays(std::move(bfs), std::move(sub), in.n, std::move(children.first));
  Attributes attributes = attributes_in_preorder(in, arrays.position_of_row.data());
  parent_ = std::move(arrays.parent);
  depth_ = std::move(arrays.depth);
  end_ = std::move(arrays.end);
  row_of_pos_ = std::move(arrays.row_of_position);
  max_depth_ = arrays.max_depth;
  enrolled_ = std::move(attributes.enrolled_on);
  kind_ = std::move(attributes.kind);
  if (in.kind) kind_names_ = in.kind_names;
  clock.lap(&BuildProfile::arrays);
  index.relabel(arrays.position_of_row.data(), in.n);  // ids and index in preorder
  index_ = std::move(index);
  pos_of_row_ = std::move(arrays.position_of_row);
  clock.lap(&BuildProfile::relabel);
}

inline Network Network::restricted(const std::uint8_t* keep, Array<index_t>* rows) const {
  using detail::network_build::row_grain;
  const detail::CallThreads threads;
  const index_t n = size();
  const std::size_t un = static_cast<std::size_t>(n);
  // Phase 1: each kept position's new one (the kept positions before it), sponsors checked
  Array<index_t> before(un + 1);
  for (index_t k = 0; k < n; ++k) {
    if (keep[k] && parent_[k] != npos && !keep[parent_[k]])
      throw InputError(ErrorKind::bad_value,
                       "restricted: participant " + index_.show(k) + " is kept without their sponsor " +
                           index_.show(parent_[k]),
                       index_.strings() ? std::vector<id_type>{} : std::vector<id_type>{id(k)});
    before[static_cast<std::size_t>(k) + 1] = before[static_cast<std::size_t>(k)] + (keep[k] != 0);
  }
  const std::size_t um = static_cast<std::size_t>(before[un]);
  // Phase 2: the kept rows renumbered in row order: row_of_pos_ and pos_of_row_ of the
  // new network (its new rows' positions written in row order, then inverted)
  Network out;
  out.pos_of_row_.resize(um);
  if (rows) rows->resize(um);
  const std::size_t parts = detail::parallel_parts(un, row_grain);
  std::vector<index_t> first(parts + 1, 0);  // each part's first new row
  detail::parallel_for_parts(un, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
    index_t c = 0;
    for (std::size_t r = b; r < e; ++r) c += keep[pos_of_row_[r]] != 0;
    first[t + 1] = c;
  });
  for (std::size_t t = 0; t < parts; ++t) first[t + 1] += first[t];
  detail::parallel_for_parts(un, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
    index_t next = first[t];
    for (std::size_t r = b; r < e; ++r) {
      const index_t k = pos_of_row_[r];
      if (!keep[k]) continue;
      if (rows) (*rows)[static_cast<std::size_t>(next)] = static_cast<index_t>(r);
      out.pos_of_row_[static_cast<std::size_t>(next++)] = before[k];
    }
  });
  out.row_of_pos_.resize(um);
  index_t* row_of = out.row_of_pos_.data();
  const index_t* pos_of = out.pos_of_row_.data();
  detail::parallel_for(um, row_grain, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r) row_of[pos_of[r]] = static_cast<index_t>(r);
  });
  // Phase 3: the kept positions' links, depths, attributes and ids, in preorder (each
  // thread writes the new positions of its slice of the old ones)
  for (Array<index_t>* a : {&out.parent_, &out.end_, &out.depth_}) a->resize(um);
  if (!enrolled_.empty()) out.enrolled_.resize(um);
  if (!kind_.empty()) out.kind_.resize(um);
  out.kind_names_ = kind_names_;
  const bool strings = index_.strings();
  Array<id_type> ids(strings ? 0 : um);
  std::vector<std::string_view> names(strings ? um : 0);
  detail::parallel_for(un, row_grain, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k) {
      if (!keep[k]) continue;
      const index_t j = before[k];
      out.parent_[j] = parent_[k] == npos ? npos : before[parent_[k]];
      out.end_[j] = before[end_[k]];
      out.depth_[j] = depth_[k];
      if (!out.enrolled_.empty()) out.enrolled_[j] = enrolled_[k];
      if (!out.kind_.empty()) out.kind_[j] = kind_[k];
      if (strings)
        names[j] = index_.string_key(static_cast<index_t>(k));
      else
        ids[j] = index_.int_keys()[k];
    }
  });
  for (const index_t d : out.depth_) out.max_depth_ = std::max(out.max_depth_, d);
  // Phase 4: the kept ids' index, at their new positions (unique: no duplicates to find)
  if (strings) {
    std::vector<const void*> objects(um);
    for (std::size_t j = 0; j < um; ++j) objects[j] = &names[j];
    const auto read = [](const void* o) noexcept { return *static_cast<const std::string_view*>(o); };
    out.index_ = IdIndex(IdColumn(StringColumn::of_objects(objects.data(), read, um)));
  } else {
    out.index_ = IdIndex(IdColumn(ids.data(), um));
  }
  return out;
}

}  // namespace downline
