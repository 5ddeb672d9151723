// Network: the sponsor forest, relabelled in preorder so that the subtree of node k
// is the contiguous range [k, end(k)). Built iteratively in O(N).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "detail/id_index.hpp"
#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"

namespace downline {

/// Where the participants' columns come from. Arrays are in the caller's row order and
/// are only read during construction (nothing is kept pointing at them).
struct NetworkInput {
  const id_type* ids = nullptr;       ///< participant ids, n values, unique
  const id_type* sponsors = nullptr;  ///< sponsor id of each row
  std::size_t n = 0;
  /// Optional: has_sponsor[r] == 0 marks row r as a root whatever sponsors[r] holds.
  /// Without it, sponsors[r] == no_sponsor marks a root, and an id equal to no_sponsor
  /// (the int64 minimum) is refused: give has_sponsor when ids may take that value.
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
  double index = 0;     ///< hashing the ids, rejecting duplicates
  double sponsors = 0;  ///< looking up every sponsor, checking roots and unknown sponsors
  double children = 0;  ///< children lists (counting sort by sponsor)
  double preorder = 0;  ///< depth-first preorder, cycle check
  double arrays = 0;    ///< ids, parents, depths, ends (and attributes) in preorder
  double relabel = 0;   ///< pointing the id index at preorder positions
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

  /// Number of participants.
  index_t size() const noexcept { return static_cast<index_t>(id_.size()); }
  bool empty() const noexcept { return id_.empty(); }

  // ---- per node, by preorder position k ------------------------------------------
  id_type id(index_t k) const noexcept { return id_[k]; }
  /// Sponsor's position, npos for a root.
  index_t parent(index_t k) const noexcept { return parent_[k]; }
  /// One past the last position of k's subtree: the downline of k is [k + 1, end(k)).
  index_t end(index_t k) const noexcept { return end_[k]; }
  /// Level below the root (a root has depth 0).
  index_t depth(index_t k) const noexcept { return depth_[k]; }
  /// Number of downline members.
  index_t downline_size(index_t k) const noexcept { return end_[k] - k - 1; }
  bool has_enrolment() const noexcept { return !enrolled_.empty(); }
  day_t enrolled_on(index_t k) const noexcept { return enrolled_[k]; }
  bool has_kind() const noexcept { return !kind_.empty(); }
  std::int32_t kind(index_t k) const noexcept { return kind_[k]; }
  const std::vector<std::string>& kind_names() const noexcept { return kind_names_; }

  // ---- whole arrays, in preorder --------------------------------------------------
  const std::vector<id_type>& ids() const noexcept { return id_; }
  const std::vector<index_t>& parents() const noexcept { return parent_; }
  const std::vector<index_t>& ends() const noexcept { return end_; }
  const std::vector<index_t>& depths() const noexcept { return depth_; }
  const std::vector<day_t>& enrolment_days() const noexcept { return enrolled_; }
  const std::vector<std::int32_t>& kinds() const noexcept { return kind_; }
  /// position_of_row()[r]: the preorder position of input row r.
  const std::vector<index_t>& position_of_row() const noexcept { return pos_of_row_; }
  /// row_of_position()[k]: the input row of preorder position k.
  const std::vector<index_t>& row_of_position() const noexcept { return row_of_pos_; }

  // ---- lookups ----------------------------------------------------------------------
  /// Position of participant `id`, or npos.
  index_t find(id_type id) const noexcept { return index_.find(id_.data(), id); }
  /// out[i] = find(q[i]) for n ids, with the lookups' cache misses overlapped.
  void find_many(const id_type* q, std::size_t n, index_t* out) const noexcept {
    index_.find_many(id_.data(), q, n, out);
  }
  /// Position of participant `id`; throws InputError(unknown_participant).
  index_t at(id_type id) const {
    const index_t k = find(id);
    if (k == npos)
      throw InputError(ErrorKind::unknown_participant,
                       "participant " + std::to_string(id) + " is not in the network", {id});
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
    return id_.capacity() * sizeof(id_type) +
           (parent_.capacity() + end_.capacity() + depth_.capacity() + pos_of_row_.capacity() +
            row_of_pos_.capacity() + enrolled_.capacity() + kind_.capacity()) *
               sizeof(index_t) +
           index_.memory_bytes();
  }

  /// Reorders a per-row array into preorder: out[position_of_row[r]] = in[r].
  template <class T>
  void rows_to_preorder(const T* in, T* out) const noexcept {
    const index_t n = size();
    for (index_t r = 0; r < n; ++r) out[pos_of_row_[r]] = in[r];
  }
  /// Reorders a preorder array back into input rows: out[r] = in[position_of_row[r]].
  template <class T>
  void preorder_to_rows(const T* in, T* out) const noexcept {
    const index_t n = size();
    for (index_t r = 0; r < n; ++r) out[r] = in[pos_of_row_[r]];
  }

 private:
  void build(const NetworkInput& in, BuildProfile* profile = nullptr);

  std::vector<id_type> id_;
  std::vector<index_t> parent_, end_, depth_, pos_of_row_, row_of_pos_;
  std::vector<day_t> enrolled_;
  std::vector<std::int32_t> kind_;
  std::vector<std::string> kind_names_;
  detail::IdIndex index_;
};

// ------------------------------------------------------------------------------------
inline void Network::build(const NetworkInput& in, BuildProfile* profile) {
  constexpr std::size_t max_n = static_cast<std::size_t>(std::numeric_limits<index_t>::max()) - 1;
  if (in.n > max_n)
    throw InputError(
        ErrorKind::too_large,
        std::to_string(in.n) + " participants exceed the limit of " + std::to_string(max_n));
  const index_t n = static_cast<index_t>(in.n);
  const id_type* ids = in.ids;
  constexpr std::size_t grain = std::size_t{1} << 16;  // rows per thread, at least
  auto clock = std::chrono::steady_clock::now();
  auto lap = [&](double BuildProfile::*field) {
    if (!profile) return;
    const auto now = std::chrono::steady_clock::now();
    profile->*field = std::chrono::duration<double>(now - clock).count();
    clock = now;
  };

  // 1. id -> row, rejecting duplicates.
  detail::IdIndex index(ids, in.n);
  std::vector<id_type> dups;
  index.insert_all(ids, n, [&](index_t r) { dups.push_back(ids[r]); });
  if (!dups.empty()) {
    std::sort(dups.begin(), dups.end());
    dups.erase(std::unique(dups.begin(), dups.end()), dups.end());
    const std::string msg =
        std::to_string(dups.size()) +
        " participant id(s) appear more than once: " + detail::list_values(dups);
    throw InputError(ErrorKind::duplicate_id, msg, std::move(dups));
  }
  if (!in.has_sponsor && index.find(ids, no_sponsor) != npos)
    throw InputError(ErrorKind::bad_value,
                     "participant id " + std::to_string(no_sponsor) +
                         " is also the no_sponsor marker, so roots and this participant's "
                         "recruits cannot be told apart: give NetworkInput::has_sponsor",
                     {no_sponsor});
  lap(&BuildProfile::index);

  // 2. sponsor row of every row (batched lookups on every thread), then roots, own
  //    sponsors and unknown sponsors.
  std::vector<index_t> prow(in.n);
  detail::parallel_for(in.n, grain, [&](std::size_t, std::size_t b, std::size_t e) {
    index.find_many(ids, in.sponsors + b, e - b, prow.data() + b);
  });
  std::vector<id_type> unknown, own;
  for (index_t r = 0; r < n; ++r) {
    const bool has = in.has_sponsor ? in.has_sponsor[r] != 0 : in.sponsors[r] != no_sponsor;
    if (!has) {
      prow[r] = npos;
    } else if (in.sponsors[r] == ids[r]) {
      own.push_back(ids[r]);
      prow[r] = npos;
    } else if (prow[r] == npos) {
      unknown.push_back(ids[r]);
    }
  }
  if (!own.empty()) {
    const std::string msg = std::to_string(own.size()) +
                            " participant(s) are their own sponsor: " + detail::list_values(own);
    throw InputError(ErrorKind::own_sponsor, msg, std::move(own));
  }
  if (!unknown.empty()) {
    std::string msg = std::to_string(unknown.size()) +
                      " participant(s) have a sponsor that is not a participant: ";
    for (std::size_t i = 0; i < unknown.size() && i < 10; ++i) {
      if (i) msg += ", ";
      const index_t r = index.find(ids, unknown[i]);
      msg += std::to_string(unknown[i]) + " (sponsor " + std::to_string(in.sponsors[r]) + ")";
    }
    if (unknown.size() > 10) msg += ", ... (" + std::to_string(unknown.size() - 10) + " more)";
    throw InputError(ErrorKind::unknown_sponsor, msg, std::move(unknown));
  }
  lap(&BuildProfile::sponsors);

  // 3. children in CSR form, in input order (counting sort by sponsor row). The counters
  //    of later rows are prefetched: the sponsor rows are known ahead.
  constexpr index_t ahead = 32;
  std::vector<index_t> first(in.n + 1, 0);
  for (index_t r = 0; r < n; ++r) {
    if (r + ahead < n && prow[r + ahead] != npos) __builtin_prefetch(&first[prow[r + ahead]], 1);
    if (prow[r] != npos) ++first[static_cast<std::size_t>(prow[r]) + 1];
  }
  for (index_t r = 0; r < n; ++r) first[r + 1] += first[r];
  std::vector<index_t> child(static_cast<std::size_t>(first[n]));
  {
    std::vector<index_t> fill(first.begin(), first.end() - 1);
    for (index_t r = 0; r < n; ++r) {
      if (r + ahead < n && prow[r + ahead] != npos) __builtin_prefetch(&fill[prow[r + ahead]], 1);
      if (r + ahead / 2 < n && prow[r + ahead / 2] != npos)
        __builtin_prefetch(&child[fill[prow[r + ahead / 2]]], 1);
      if (prow[r] != npos) child[fill[prow[r]]++] = r;
    }
  }
  lap(&BuildProfile::children);

  // 4. iterative depth-first preorder from the roots in input order. The stack holds the
  //    rows to visit next, so their child ranges (and then their first children) are
  //    prefetched a few pops ahead.
  std::vector<index_t> pos(in.n, npos), order;
  order.reserve(in.n);
  {
    std::vector<index_t> stack;
    for (index_t r = n; r-- > 0;)
      if (prow[r] == npos) stack.push_back(r);
    constexpr std::size_t far = 8, near = 4;
    while (!stack.empty()) {
      const index_t v = stack.back();
      stack.pop_back();
      pos[v] = static_cast<index_t>(order.size());
      order.push_back(v);
      for (index_t c = first[v + 1]; c-- > first[v];) stack.push_back(child[c]);
      const std::size_t top = stack.size();
      if (top > far) __builtin_prefetch(&first[stack[top - 1 - far]]);
      // (a pointer, not &child[i]: i is child.size(), maybe 0, for the last rows' empty ranges)
      if (top > near) __builtin_prefetch(child.data() + first[stack[top - 1 - near]]);
    }
  }

  // 5. rows never reached hang below a cycle: report one cycle by its ids.
  if (static_cast<index_t>(order.size()) != n) {
    index_t start = 0;
    while (pos[start] != npos) ++start;
    // Walk up from `start`; stamp each row with the step it was met on.
    std::vector<index_t> seen_at(in.n, npos);
    index_t v = start, step = 0;
    while (seen_at[v] == npos) {
      seen_at[v] = step++;
      v = prow[v];
    }
    std::vector<id_type> cyc;
    const index_t u = v;
    do {
      cyc.push_back(ids[v]);
      v = prow[v];
    } while (v != u);
    const std::size_t caught = in.n - order.size();
    const std::string msg = "sponsor links form a cycle of " + std::to_string(cyc.size()) +
                            " participant(s): " + detail::list_values(cyc) + " (" +
                            std::to_string(caught) + " participant(s) are in or below cycles)";
    throw InputError(ErrorKind::cycle, msg, std::move(cyc));
  }
  first = {};
  child = {};
  lap(&BuildProfile::preorder);

  // 6. arrays in preorder: gathers on every thread, then depths (top-down) and subtree
  //    ends (bottom-up) in one sequential pass each.
  id_.resize(in.n);
  parent_.resize(in.n);
  depth_.resize(in.n);
  end_.resize(in.n);
  if (in.enrolled_on) enrolled_.resize(in.n);
  if (in.kind) kind_.resize(in.n);
  detail::parallel_for(in.n, grain, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k) {
      const index_t r = order[k];
      id_[k] = ids[r];
      parent_[k] = prow[r] == npos ? npos : pos[prow[r]];
    }
    if (in.enrolled_on)
      for (std::size_t k = b; k < e; ++k) enrolled_[k] = in.enrolled_on[order[k]];
    if (in.kind)
      for (std::size_t k = b; k < e; ++k) kind_[k] = in.kind[order[k]];
  });
  for (index_t k = 0; k < n; ++k) {
    const index_t p = parent_[k];
    depth_[k] = p == npos ? 0 : depth_[p] + 1;
    end_[k] = 1;  // subtree size for now
  }
  for (index_t k = n; k-- > 0;) {
    if (parent_[k] != npos) end_[parent_[k]] += end_[k];
    end_[k] += k;  // every descendant of k (all after k) has been added by now
  }
  if (in.kind) kind_names_ = in.kind_names;
  lap(&BuildProfile::arrays);
  index.relabel(pos.data());
  index_ = std::move(index);
  pos_of_row_ = std::move(pos);
  row_of_pos_ = std::move(order);
  lap(&BuildProfile::relabel);
}

}  // namespace downline
