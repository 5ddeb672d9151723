// Participant types: consumer, subscriber, builder, leader (docs/concepts.md "Participant type"),
// from the orders mapped onto a network and the network itself, for everyone at once.
#pragma once

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

#include "activity.hpp"
#include "date.hpp"
#include "error.hpp"
#include "network.hpp"

namespace downline {

/// Participant types, from the weakest to the strongest claim. A participant gets the
/// strongest type whose rule holds: leader, then builder, then subscriber, then consumer;
/// `inactive` when none holds and `not_enrolled` when they are not in the network as of
/// the date.
enum class ParticipantType : std::uint8_t {
  inactive = 0,  ///< no order in the lookback window, no recruit in it, not a leader
  consumer = 1,  ///< ordered in the lookback window, recruited no one in it
  subscriber =
      2,        ///< ordered in at least `subscriber_months` of the last `subscriber_window` months
  builder = 3,  ///< recruited someone in the lookback window
  leader = 4,   ///< a downline of at least `leader_downline` participants as of the date
  not_enrolled = 5,
};

inline const char* type_name(ParticipantType t) noexcept {
  switch (t) {
    case ParticipantType::inactive:
      return "inactive";
    case ParticipantType::consumer:
      return "consumer";
    case ParticipantType::subscriber:
      return "subscriber";
    case ParticipantType::builder:
      return "builder";
    case ParticipantType::leader:
      return "leader";
    case ParticipantType::not_enrolled:
      return "not enrolled";
  }
  return "?";
}

/// Thresholds of participant_types().
struct TypeOptions {
  day_t as_of = 0;               ///< the date the types describe (inclusive)
  int lookback_days = 365;       ///< window (as_of - lookback_days, as_of] for orders and recruits
  int subscriber_months = 3;     ///< k: months with an order needed to be a subscriber
  int subscriber_window = 3;     ///< m: the last m calendar months, as_of's month included (1..32)
  index_t leader_downline = 20;  ///< n: downline size (as of as_of) that makes a leader
  /// The Activity's value column whose value > 0 makes a row an order (the money, so that
  /// refunds are not activity); empty: the volumes.
  std::string order_value;
};

/// The calendar month of a day as a month count (year * 12 + month - 1).
inline std::int64_t month_index(day_t day) noexcept {
  const CivilDate c = civil_from_days(day);
  return static_cast<std::int64_t>(c.year) * 12 + static_cast<std::int64_t>(c.month) - 1;
}

/// Every participant's type (preorder). An order is one with pv > 0, or with
/// `opt.order_value` > 0 when that value column is named (refunds are not activity). A participant is in the network as of the date when they and their upline
/// enrolled on or before it (as in volumes()); without enrolment dates everyone is, and
/// builders cannot be told (InputError). Orders after as_of are ignored.
inline std::vector<ParticipantType> participant_types(const Network& net, const Activity& act,
                                                      const TypeOptions& opt) {
  if (act.network_size() != net.size())
    throw InputError(ErrorKind::bad_value, "activity was mapped to another network");
  if (!net.has_enrolment())
    throw InputError(
        ErrorKind::bad_value,
        "participant types need enrolment dates (a builder recruited someone in the window)");
  if (opt.lookback_days < 1) throw InputError(ErrorKind::bad_value, "lookback_days must be >= 1");
  if (opt.subscriber_window < 1 || opt.subscriber_window > 32)
    throw InputError(ErrorKind::bad_value, "subscriber_window must be 1..32 months");
  if (opt.subscriber_months < 1 || opt.subscriber_months > opt.subscriber_window)
    throw InputError(ErrorKind::bad_value, "subscriber_months must be 1..subscriber_window");
  if (opt.leader_downline < 1)
    throw InputError(ErrorKind::bad_value, "leader_downline must be >= 1");
  const index_t n = net.size();
  const std::size_t un = static_cast<std::size_t>(n);
  const index_t* parent = net.parents().data();
  const day_t* enrolled = net.enrolment_days().data();
  const std::int64_t from = static_cast<std::int64_t>(opt.as_of) - opt.lookback_days;  // exclusive
  const std::int64_t last_month = month_index(opt.as_of);
  // The subscriber window starts on the first day of month last_month - m + 1.
  const std::int64_t first_month = last_month - opt.subscriber_window + 1;
  const std::int64_t fy = floor_div(first_month, 12);
  const day_t sub_from =
      days_from_civil(static_cast<int>(fy), static_cast<unsigned>(first_month - fy * 12) + 1, 1);
  if (static_cast<std::int64_t>(act.window_start()) > std::min<std::int64_t>(from + 1, sub_from) ||
      act.window_end() <= opt.as_of)
    throw InputError(ErrorKind::bad_value,
                     "the lookback windows reach outside the days this Activity was mapped for");

  const Array<std::uint8_t> included = net.members_as_of(opt.as_of);
  std::vector<std::uint8_t> ordered(un, 0), recruited(un, 0);

  // Orders: any in the lookback window; months with an order in the subscriber window.
  std::vector<std::uint32_t> months(un, 0);
  const auto& node = act.nodes();
  const auto& day = act.days();
  const Array<double>& value = opt.order_value.empty() ? act.volumes() : act.values(opt.order_value);
  for (std::size_t i = 0; i < node.size(); ++i) {
    const day_t d = day[i];
    if (d > opt.as_of || !(value[i] > 0.0)) continue;
    const index_t k = node[i];
    if (d > from) ordered[k] = 1;
    if (d >= sub_from)
      months[k] |= std::uint32_t{1} << static_cast<unsigned>(last_month - month_index(d));
  }
  // Recruits enrolled in the window mark their sponsor as a builder.
  for (index_t k = 0; k < n; ++k)
    if (parent[k] != npos && included[k] && enrolled[k] > from) recruited[parent[k]] = 1;
  // Downline sizes as of the date: one reverse pass.
  std::vector<index_t> down(un, 0);
  for (index_t k = n; k-- > 0;)
    if (parent[k] != npos) down[parent[k]] += down[k] + included[k];

  std::vector<ParticipantType> out(un);
  for (index_t k = 0; k < n; ++k) {
    ParticipantType t = ParticipantType::inactive;
    if (!included[k])
      t = ParticipantType::not_enrolled;
    else if (down[k] >= opt.leader_downline)
      t = ParticipantType::leader;
    else if (recruited[k])
      t = ParticipantType::builder;
    else if (static_cast<int>(std::bitset<32>(months[k]).count()) >= opt.subscriber_months)
      t = ParticipantType::subscriber;
    else if (ordered[k])
      t = ParticipantType::consumer;
    out[k] = t;
  }
  return out;
}

}  // namespace downline
