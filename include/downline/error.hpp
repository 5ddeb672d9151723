// Typed errors for bad input. Every error names the offending ids, rows or position.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "fwd.hpp"

namespace downline {

/// What was wrong with the input.
enum class ErrorKind {
  duplicate_id,         ///< the same participant id appears twice
  unknown_sponsor,      ///< a sponsor id that is not a participant
  own_sponsor,          ///< a participant who is their own sponsor
  cycle,                ///< sponsor links that loop
  unknown_participant,  ///< an order (or value) for an id that is not in the network
  bad_value,            ///< NaN/infinite numbers, missing dates, out-of-range values
  parse,                ///< a file that cannot be read as the expected CSV
  too_large,            ///< more participants than an index_t can address
};

/// Human-readable name of an ErrorKind ("duplicate_id", ...).
inline const char* to_string(ErrorKind k) noexcept {
  switch (k) {
    case ErrorKind::duplicate_id:
      return "duplicate_id";
    case ErrorKind::unknown_sponsor:
      return "unknown_sponsor";
    case ErrorKind::own_sponsor:
      return "own_sponsor";
    case ErrorKind::cycle:
      return "cycle";
    case ErrorKind::unknown_participant:
      return "unknown_participant";
    case ErrorKind::bad_value:
      return "bad_value";
    case ErrorKind::parse:
      return "parse";
    case ErrorKind::too_large:
      return "too_large";
  }
  return "unknown";
}

/// Bad input. `ids()` holds every offending id (or, for row errors, row numbers),
/// `count()` how many there were; the message shows the first few.
class InputError : public std::invalid_argument {
 public:
  InputError(ErrorKind kind, const std::string& what, std::vector<id_type> ids = {})
      : std::invalid_argument(what), kind_(kind), ids_(std::move(ids)) {}
  ErrorKind kind() const noexcept { return kind_; }
  const std::vector<id_type>& ids() const noexcept { return ids_; }

 private:
  ErrorKind kind_;
  std::vector<id_type> ids_;
};

namespace detail {
/// "a, b, c" for the first `show` of n items (item(i) a string), then "... (N more)".
template <class Item>
std::string list_items(std::size_t n, Item item, std::size_t show = 10) {
  std::string s;
  for (std::size_t i = 0; i < n && i < show; ++i) {
    if (i) s += ", ";
    s += item(i);
  }
  if (n > show) s += ", ... (" + std::to_string(n - show) + " more)";
  return s;
}
/// "3 participants have X: 1, 2, 3" with at most `show` values listed.
inline std::string list_values(const std::vector<id_type>& v, std::size_t show = 10) {
  return list_items(
      v.size(), [&](std::size_t i) { return std::to_string(v[i]); }, show);
}
}  // namespace detail

}  // namespace downline
