// Typed errors for bad input. Every error names the offending ids, rows or position.
#pragma once

#include <algorithm>
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

/// Bad input. `ids()` holds every offending id (or, for row errors, row numbers; its
/// size is how many there were); the message shows the first few.
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
/// The one list format of the messages: the first `show` of n items, each written by
/// put(s, i), separated by ", ", then ", ... (N more)" for the rest.
template <class Put>
std::string first_items(std::size_t n, Put put, std::size_t show = 10) {
  std::string s;
  for (std::size_t i = 0; i < n && i < show; ++i) {
    if (i) s += ", ";
    put(s, i);
  }
  if (n > show) s += ", ... (" + std::to_string(n - show) + " more)";
  return s;
}

/// first_items() of a vector's values, each written by put(s, value).
template <class T, class Put>
std::string first_values(const std::vector<T>& v, Put put, std::size_t show = 10) {
  return first_items(
      v.size(), [&](std::string& s, std::size_t i) { put(s, v[i]); }, show);
}

/// first_items() of n items given as strings by item(i).
template <class Item>
std::string list_items(std::size_t n, Item item, std::size_t show = 10) {
  return first_items(
      n, [&](std::string& s, std::size_t i) { s += item(i); }, show);
}

/// first_values() of numbers: "1, 2, 3" or "1, 2, ... (5 more)".
template <class T>
std::string list_values(const std::vector<T>& v, std::size_t show = 10) {
  return first_values(
      v, [](std::string& s, const T& x) { s += std::to_string(x); }, show);
}
}  // namespace detail

/// The messages of InputError, made in one place so that they read alike.
namespace errors {

/// "<field> <problem>", such as "ticks_per_day must be positive".
inline InputError bad_value(const std::string& field, const std::string& problem) {
  return InputError(ErrorKind::bad_value, field + " " + problem);
}

/// "<field> must be from lo to hi, not <value>".
inline InputError out_of_range(const std::string& field, long long value, long long lo,
                               long long hi) {
  return InputError(ErrorKind::bad_value, field + " must be from " + std::to_string(lo) + " to " +
                                              std::to_string(hi) + ", not " +
                                              std::to_string(value));
}

/// "<count> <what> <the first ids><tail>", the ids (or rows) kept in the error; each
/// shown one is written by put(s, id).
template <class Put>
InputError listed_with(ErrorKind kind, const std::string& what, std::vector<id_type> ids, Put put,
                       const std::string& tail = "") {
  std::string msg =
      std::to_string(ids.size()) + " " + what + " " + detail::first_values(ids, put) + tail;
  return InputError(kind, msg, std::move(ids));
}
/// listed_with() of plain numbers.
inline InputError listed(ErrorKind kind, const std::string& what, std::vector<id_type> ids,
                         const std::string& tail = "") {
  return listed_with(
      kind, what, std::move(ids), [](std::string& s, id_type x) { s += std::to_string(x); }, tail);
}

/// "<count> <who> id(s) appear more than once: ..." (who: "participant", "customer"); the
/// ids are sorted and made distinct here.
inline InputError duplicate_ids(const std::string& who, std::vector<id_type> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return listed(ErrorKind::duplicate_id, who + " id(s) appear more than once:", std::move(ids));
}

/// "<count> order(s) without a date at rows ...".
inline InputError missing_dates(std::vector<id_type> rows) {
  return listed(ErrorKind::bad_value, "order(s) without a date at rows", std::move(rows));
}

/// How messages show an id by default: as a number. (String ids are shown by their
/// IdColumn, and the error then holds rows.)
struct ShowNumber {
  std::string operator()(id_type x) const { return std::to_string(x); }
};
/// An id or sponsor as text: numbers written out, strings as they are.
inline std::string as_text(id_type x) { return std::to_string(x); }
inline std::string as_text(std::string s) { return s; }

/// "<orders> order(s) of <count> participant(s) not in the network: ..." (ids: distinct).
template <class Show = ShowNumber>
InputError unknown_participants(std::size_t orders, std::vector<id_type> ids, Show show = {}) {
  std::string msg = std::to_string(orders) + " order(s) of " + std::to_string(ids.size()) +
                    " participant(s) not in the network: " +
                    detail::first_values(ids, [&](std::string& s, id_type x) { s += show(x); });
  return InputError(ErrorKind::unknown_participant, msg, std::move(ids));
}

/// "<count> participant(s) have a sponsor that is not a participant: 3 (sponsor 99), ...",
/// in row order; sponsor_of(id) is the sponsor (a number or a string) of participant `id`.
/// `parent` names the link ("placement parent" in a placement tree).
template <class SponsorOf, class Show = ShowNumber>
InputError unknown_sponsors(std::vector<id_type> ids, SponsorOf sponsor_of, Show show = {},
                            const std::string& parent = "sponsor") {
  return listed_with(ErrorKind::unknown_sponsor,
                     "participant(s) have a " + parent + " that is not a participant:", std::move(ids),
                     [&](std::string& s, id_type id) {
                       s += show(id) + " (" + parent + " " + as_text(sponsor_of(id)) + ")";
                     });
}

/// "sponsor links form a cycle of <count> participant(s): ... (<caught> participant(s) are
/// in or below cycles)".
template <class Show = ShowNumber>
InputError cycle(std::vector<id_type> ids, std::size_t caught, Show show = {}, const std::string& parent = "sponsor") {
  std::string msg = parent + " links form a cycle of " + std::to_string(ids.size()) +
                    " participant(s): " +
                    detail::first_values(ids, [&](std::string& s, id_type x) { s += show(x); }) +
                    " (" + std::to_string(caught) + " participant(s) are in or below cycles)";
  return InputError(ErrorKind::cycle, msg, std::move(ids));
}

}  // namespace errors

}  // namespace downline
