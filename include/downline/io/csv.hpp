// Fast readers for participant and order CSV files (RFC 4180 quoting, CRLF, ISO dates).
// Errors name the file, line and column.
//
// The files are UTF-8 text, with or without a byte order mark. Anything else (UTF-16
// with or without its byte order mark, Latin-1 or any invalid UTF-8, NUL bytes, a binary
// file, a directory) is an InputError(parse) naming the file, line and byte offset, and
// how to convert the file; it is checked before any field is read, on the first 64 KiB
// of a file before the rest is read, and a pipe or a device (/dev/zero) is read in
// chunks that stop at the first NUL. Text columns are therefore valid UTF-8.
// Ids are read as the column structs' `ids` say (IdKind): integers in the int64 range,
// also when written with a fraction of zeros ("17850.0", as pandas writes a float
// column); or text, any non-empty field (spaces around it are not part of it), read as
// codes into names; or either, integers when every id of the file is one.
//
// Plain files (no quotes, no blank lines, no spaces around fields, "\n" or "\r\n" line
// ends: what databases and pandas write) are read on every thread (see set_num_threads),
// each thread a run of whole lines parsed straight into the columns. Anything else, and
// every error, goes to an exact serial reader that takes the whole format and names the
// line and column of a problem. Both give the same table for any file they accept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/buffer.hpp"
#include "../fwd.hpp"

namespace downline::io {

/// A text column read as codes: codes[i] indexes names (in order of first appearance);
/// -1 for an empty field.
struct CategoryColumn {
  std::string column;  ///< its header name
  Array<std::int32_t> codes;
  std::vector<std::string> names;
};

/// How the readers read the id columns (participants: id and sponsor; orders:
/// participant). An empty id is an error naming file:line:column in every kind; an empty
/// sponsor is a root.
enum class IdKind : std::uint8_t {
  /// int64 ids ("17850", "-3", "17850.0"); anything else is an error naming the field.
  integer,
  /// Text ids ("A-17", "007", "17850" alike): each column's codes into its names, in order
  /// of first appearance (the tables' *_text columns). "007" and "7" are two ids.
  text,
  /// `integer` when every id of the file is an integer id, else `text` (the file is read
  /// again from memory when a text id turns up). The table says which (never automatic).
  automatic,
};

/// Participants as read from a CSV file, in file order.
struct ParticipantTable {
  IdKind ids = IdKind::integer;  ///< how the ids were read: integer or text
  Array<id_type> id;                ///< integer ids (empty when text)
  Array<id_type> sponsor;           ///< meaningful where has_sponsor (empty when text)
  Array<std::uint8_t> has_sponsor;  ///< 0: empty sponsor field (a root)
  CategoryColumn id_text;           ///< text ids: codes into names (empty when integer)
  CategoryColumn sponsor_text;      ///< text sponsor ids, -1: a root (empty when integer)
  Array<day_t> enrolled_on;         ///< empty when the column is absent
  Array<std::int32_t> kind;         ///< codes into kind_names; empty when absent
  std::vector<std::string> kind_names;
  std::vector<CategoryColumn> categories;  ///< ParticipantFileColumns::categories, in that order
  bool has_enrolled_on = false, has_kind = false;  ///< whether the columns were read
};

/// Orders as read from a CSV file, in file order.
struct OrderTable {
  IdKind ids = IdKind::integer;  ///< how the ids were read: integer or text
  Array<id_type> participant;     ///< integer ids (empty when text)
  CategoryColumn participant_text;  ///< text ids: codes into names (empty when integer)
  Array<day_t> day;
  Array<double> amount;  ///< empty when the column is absent
  Array<double> pv;      ///< equals amount when the pv column is absent
  bool has_amount = false, has_pv = false;  ///< whether the file has the columns
};

/// Column names to look for in a participants file's header line (not to be confused with
/// downline::OrderColumns, the order arrays the analyses take). Optional columns
/// (enrolled_on, kind) are read when the header has them (an empty name: never), and
/// required when their `require_` flag is set; `ids` says how id and sponsor are read.
struct ParticipantFileColumns {
  std::string id = "id", sponsor = "sponsor_id", enrolled_on = "enrolled_on", kind = "kind";
  bool require_enrolled_on = false, require_kind = false;
  IdKind ids = IdKind::integer;
  /// Further text columns to read as codes (required), e.g. a region to split by.
  std::vector<std::string> categories;
};
/// Column names to look for in an orders file's header line. `amount` and `pv` are read
/// when present (an empty name: never) and at least one of them must be; each is required
/// when its `require_` flag is set; `ids` says how the participant column is read.
struct OrderFileColumns {
  std::string participant = "participant_id", date = "ordered_on", amount = "amount", pv = "pv";
  bool require_amount = false, require_pv = false;
  IdKind ids = IdKind::integer;
};

/// Reads a participants file. `id` and `sponsor` columns are required; `enrolled_on`
/// and `kind` are read when present. Throws InputError(parse) naming file:line:column.
ParticipantTable read_participants(const std::string& path, const ParticipantFileColumns& cols = {});
/// Reads an orders file. `participant` and `date` are required, and at least one of
/// `amount` and `pv`; dates are "YYYY-MM-DD", optionally followed by a time that is ignored.
OrderTable read_orders(const std::string& path, const OrderFileColumns& cols = {});

/// The same readers over text already in memory (`name` is used in messages).
ParticipantTable parse_participants(const char* data, std::size_t size, const std::string& name,
                                    const ParticipantFileColumns& cols = {});
OrderTable parse_orders(const char* data, std::size_t size, const std::string& name,
                        const OrderFileColumns& cols = {});

/// Writers used by the demo and the benchmarks (same formats as the readers take; integer
/// or text ids as the table has them).
void write_participants(const std::string& path, const ParticipantTable& t);
void write_orders(const std::string& path, const OrderTable& t);

/// One column of a table written by write_table, each row's field made one of three ways.
struct TextColumn {
  enum class Kind : std::uint8_t {
    integers,  ///< `integers[i]` in decimal digits
    cents,     ///< `cents[i]`, a double that is a whole number of cents below 1e13 in
               ///< magnitude, as Python's repr writes it: "12.5", "0.07", "3.0", "-0.0"
    texts,     ///< `texts[codes[i]]` as it is (already quoted as CSV needs); "" for a code < 0
  };
  Kind kind = Kind::integers;
  const std::int64_t* integers = nullptr;    ///< integers: these, or
  const std::int32_t* integers32 = nullptr;  ///< these when `integers` is null
  const double* cents = nullptr;
  const std::int64_t* codes = nullptr;
  std::vector<std::string> texts;
};

/// Whether every value is the double nearest a whole number of cents and below 1e13 in
/// magnitude (as Python's ``round(v, 2)`` leaves a value; what TextColumn::Kind::cents takes).
bool whole_cents(const double* values, std::size_t n) noexcept;

/// Writes `header` then `rows` lines, the columns' fields joined by commas, each line
/// ended by `line_end`. Throws InputError(parse) when the file cannot be created or
/// written, std::invalid_argument for a cents column that is not all whole cents (before
/// the file is created) or a code beyond the texts (naming the column's position).
void write_table(const std::string& path, std::string_view header, const std::vector<TextColumn>& columns,
                 std::size_t rows, std::string_view line_end = "\n");

}  // namespace downline::io
