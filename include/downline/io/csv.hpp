// Fast readers for participant and order CSV files (RFC 4180 quoting, CRLF, UTF-8 BOM,
// ISO dates). Errors name the file, line and column.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../fwd.hpp"

namespace downline::io {

/// Participants as read from a CSV file, in file order.
struct ParticipantTable {
  std::vector<id_type> id;
  std::vector<id_type> sponsor;           ///< meaningful where has_sponsor
  std::vector<std::uint8_t> has_sponsor;  ///< 0: empty sponsor field (a root)
  std::vector<day_t> enrolled_on;         ///< empty when the column is absent
  std::vector<std::int32_t> kind;         ///< codes into kind_names; empty when absent
  std::vector<std::string> kind_names;
};

/// Orders as read from a CSV file, in file order.
struct OrderTable {
  std::vector<id_type> participant;
  std::vector<day_t> day;
  std::vector<double> amount;  ///< empty when the column is absent
  std::vector<double> pv;      ///< equals amount when the pv column is absent
};

/// Column names to look for in the header line.
struct ParticipantColumns {
  std::string id = "id", sponsor = "sponsor_id", enrolled_on = "enrolled_on", kind = "kind";
};
struct OrderColumns {
  std::string participant = "participant_id", date = "ordered_on", amount = "amount", pv = "pv";
};

/// Reads a participants file. `id` and `sponsor` columns are required; `enrolled_on`
/// and `kind` are read when present. Throws InputError(parse) naming file:line:column.
ParticipantTable read_participants(const std::string& path, const ParticipantColumns& cols = {});
/// Reads an orders file. `participant` and `date` are required, and at least one of
/// `amount` and `pv`; dates are "YYYY-MM-DD", optionally followed by a time that is ignored.
OrderTable read_orders(const std::string& path, const OrderColumns& cols = {});

/// The same readers over text already in memory (`name` is used in messages).
ParticipantTable parse_participants(const char* data, std::size_t size, const std::string& name,
                                    const ParticipantColumns& cols = {});
OrderTable parse_orders(const char* data, std::size_t size, const std::string& name,
                        const OrderColumns& cols = {});

/// Writers used by the demo and the benchmarks (same formats as the readers take).
void write_participants(const std::string& path, const ParticipantTable& t);
void write_orders(const std::string& path, const OrderTable& t);

}  // namespace downline::io
