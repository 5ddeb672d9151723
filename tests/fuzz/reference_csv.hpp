// A slow, plain reference for the CSV readers, written from their documented format:
// RFC 4180 quoting ("" inside quotes is a quote; a closing quote must end the field),
// records ended by CRLF, LF or CR, blank lines skipped, a leading UTF-8 BOM skipped,
// spaces and tabs around a field ignored, the first header column of a name used.
// Values: ids are [-]digits within int64; dates are a valid YYYY-MM-DD within the
// supported dates of date.hpp, optionally followed by ' ' or 'T' and a time that is
// ignored; numbers are decimal [+-]digits[.digits][e[+-]digits] and finite; ids may end
// in '.' and zeros ("17850.0"). The text is UTF-8 without NUL bytes, else an error names
// the byte offset of the first NUL or bad sequence (utf8_error_at). The fuzz
// targets compare the readers with it on every input; check_parse_error() checks the
// errors they throw, parsed() runs a reader as both targets do.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "downline/date.hpp"
#include "downline/error.hpp"

namespace reference {

using Record = std::vector<std::string>;

inline std::string trimmed(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

/// The records of `in` (fields trimmed), or nothing when the quoting is broken.
inline std::optional<std::vector<Record>> split(std::string_view in) {
  if (in.substr(0, 3) == "\xEF\xBB\xBF") in.remove_prefix(3);
  std::vector<Record> out;
  std::size_t i = 0;
  const std::size_t n = in.size();
  auto ends_field = [&](std::size_t j) {
    return j == n || in[j] == ',' || in[j] == '\r' || in[j] == '\n';
  };
  for (;;) {
    while (i < n && (in[i] == '\r' || in[i] == '\n')) ++i;
    if (i == n) return out;
    Record rec;
    for (;;) {
      std::string f;
      if (i < n && in[i] == '"') {
        for (++i;; ++i) {
          if (i == n) return std::nullopt;  // never closed
          if (in[i] != '"') {
            f += in[i];
          } else if (i + 1 < n && in[i + 1] == '"') {
            f += '"';
            ++i;
          } else {
            ++i;
            break;
          }
        }
        if (!ends_field(i)) return std::nullopt;  // text after the closing quote
      } else {
        while (!ends_field(i)) f += in[i++];
      }
      rec.push_back(trimmed(f));
      if (i < n && in[i] == ',') {
        ++i;
        continue;
      }
      if (i < n && in[i] == '\r') ++i;
      if (i < n && in[i] == '\n') ++i;
      break;
    }
    out.push_back(std::move(rec));
  }
}

inline bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

/// Offset of the first NUL byte or of the first byte of an ill-formed UTF-8 sequence (a
/// code point decoded and checked against its shortest form, the surrogates and U+10FFFF).
inline std::optional<std::size_t> utf8_error_at(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0, min = 0;
    if (c == 0) return i;
    if (c < 0x80) len = 1, cp = c;
    else if ((c >> 5) == 0x6) len = 2, cp = c & 0x1Fu, min = 0x80;
    else if ((c >> 4) == 0xE) len = 3, cp = c & 0x0Fu, min = 0x800;
    else if ((c >> 3) == 0x1E) len = 4, cp = c & 0x07u, min = 0x10000;
    else return i;
    if (i + len > text.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d >> 6) != 0x2) return i;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::nullopt;
}

inline std::optional<std::int64_t> id(std::string s) {
  const std::size_t dot = s.find('.');  // "17850.0": a fraction of zeros only
  if (dot != std::string::npos) {
    if (s.find_first_not_of('0', dot + 1) != std::string::npos) return std::nullopt;
    s.resize(dot);
  }
  const bool neg = !s.empty() && s[0] == '-';
  const std::string digits = neg ? s.substr(1) : s;
  if (!all_digits(digits)) return std::nullopt;
  // magnitude up to 2^63 (only for a negative id)
  const std::uint64_t limit = neg ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  std::uint64_t m = 0;
  for (char c : digits) {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (m > (limit - d) / 10) return std::nullopt;
    m = m * 10 + d;
  }
  if (!neg) return static_cast<std::int64_t>(m);
  if (m == std::uint64_t{1} << 63) return INT64_MIN;
  return -static_cast<std::int64_t>(m);
}

/// Days since 1970-01-01, counted from 0000-01-01 year by year in closed form.
inline std::int64_t days_since_epoch(std::int64_t y, int m, int d) {
  auto leap = [](std::int64_t yy) { return (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0; };
  // days in the years 0 .. yy-1 (year 0 is a leap year)
  auto before_year = [](std::int64_t yy) {
    if (yy == 0) return std::int64_t{0};
    const std::int64_t p = yy - 1;
    return 365 * yy + p / 4 - p / 100 + p / 400 + 1;
  };
  static const int before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const std::int64_t doy = before_month[m - 1] + (m > 2 && leap(y) ? 1 : 0) + d - 1;
  return before_year(y) + doy - before_year(1970);
}

inline std::optional<std::int32_t> date(std::string s) {
  if (s.size() > 10 && (s[10] == ' ' || s[10] == 'T')) s.resize(10);
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  const std::string ys = s.substr(0, 4), ms = s.substr(5, 2), ds = s.substr(8, 2);
  if (!all_digits(ys) || !all_digits(ms) || !all_digits(ds)) return std::nullopt;
  const int y = std::stoi(ys), m = std::stoi(ms), d = std::stoi(ds);
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  // Only the supported dates (date.hpp) are read.
  const std::int64_t day = days_since_epoch(y, m, d);
  if (day < downline::first_supported_day || day > downline::last_supported_day)
    return std::nullopt;
  return static_cast<std::int32_t>(day);
}

/// A number field: rejected, accepted with a value, or (a value that underflows) either.
struct Number {
  enum { reject, accept, either } verdict;
  double value;
};

inline Number number(const std::string& s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return {Number::reject, 0};
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == s.size() || s[i] < '0' || s[i] > '9') return {Number::reject, 0};
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  }
  if (i != s.size()) return {Number::reject, 0};
  errno = 0;
  const double v = std::strtod(s.c_str(), nullptr);
  if (!std::isfinite(v)) return {Number::reject, 0};
  return {errno == ERANGE ? Number::either : Number::accept, v};
}

/// The records of a text the readers may accept: UTF-8 text, sound quoting, a header
/// line, every record as wide as the header; or nothing.
inline std::optional<std::vector<Record>> records(std::string_view text) {
  if (utf8_error_at(text)) return std::nullopt;
  auto out = split(text);
  if (!out || out->empty()) return std::nullopt;
  for (const Record& r : *out)
    if (r.size() != out->front().size()) return std::nullopt;
  return out;
}

/// Field `c` (a column found by column()) of a record.
inline const std::string& field(const Record& r, int c) { return r[static_cast<std::size_t>(c)]; }

/// Position of the first column named `name`, or -1.
inline int column(const Record& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

/// Checks an error of the readers: kind parse, and a message "NAME:LINE:COLUMN: ..."
/// with a line of the text and a column from 1.
inline void check_parse_error(const downline::InputError& e, std::string_view text,
                              const std::string& name) {
  FUZZ_CHECK(e.kind() == downline::ErrorKind::parse);
  const std::string what = e.what();
  FUZZ_CHECK(what.compare(0, name.size() + 1, name + ":") == 0);
  std::size_t i = name.size() + 1;
  auto read_number = [&] {
    std::size_t v = 0, digits = 0;
    for (; i < what.size() && what[i] >= '0' && what[i] <= '9' && digits < 19; ++i, ++digits)
      v = v * 10 + static_cast<std::size_t>(what[i] - '0');
    FUZZ_CHECK(digits > 0 && i < what.size() && what[i] == ':');
    ++i;
    return v;
  };
  const std::size_t line = read_number(), col = read_number();
  std::size_t lines = 1;  // line ends: LF, CRLF or a lone CR
  for (std::size_t j = 0; j < text.size(); ++j)
    lines += text[j] == '\n' || (text[j] == '\r' && (j + 1 == text.size() || text[j + 1] != '\n'));
  FUZZ_CHECK(line >= 1 && line <= lines);
  FUZZ_CHECK(col >= 1);
  // text that is not UTF-8: the first bad byte, and its line and column, are named
  const auto bad = utf8_error_at(text);
  const std::string rest = what.substr(i + 1);  // after "NAME:LINE:COLUMN: "
  const bool text_error = rest.rfind("a NUL byte", 0) == 0 || rest.rfind("not UTF-8 text", 0) == 0;
  FUZZ_CHECK(bad.has_value() == text_error);
  if (!bad) return;
  const std::string want = "byte offset " + std::to_string(*bad);
  const std::size_t named = rest.find("byte offset ");
  FUZZ_CHECK(named != std::string::npos && rest.compare(named, want.size(), want) == 0);
  FUZZ_CHECK(named + want.size() == rest.size() || rest[named + want.size()] < '0' ||
             rest[named + want.size()] > '9');
  std::size_t bad_line = 1, line_start = 0;
  for (std::size_t j = 0; j < *bad; ++j)
    if (text[j] == '\n' || (text[j] == '\r' && text[j + 1] != '\n')) ++bad_line, line_start = j + 1;
  FUZZ_CHECK(line == bad_line && col == *bad - line_start + 1);
}

/// A fuzz target's call of a reader (parse_participants or parse_orders) on `text`: its
/// table, or nothing when it throws InputError. The error is checked (check_parse_error),
/// and traps when `must_accept` (the reference reads the text).
template <class Table, class Columns>
std::optional<Table> parsed(Table (*parse)(const char*, std::size_t, const std::string&,
                                           const Columns&),
                            std::string_view text, bool must_accept) {
  try {
    return parse(text.data(), text.size(), "fuzz", Columns{});
  } catch (const downline::InputError& e) {
    check_parse_error(e, text, "fuzz");
    if (must_accept) {
      std::fprintf(stderr, "the reader rejects a valid file: %s\n", e.what());
      __builtin_trap();
    }
    return std::nullopt;
  }
}

/// Traps when a reader has accepted a text that the reference rejects.
inline void check_reference_accepts(bool reference_ok) {
  if (!reference_ok) {
    std::fprintf(stderr, "the reader accepts a file that the reference rejects\n");
    __builtin_trap();
  }
}

}  // namespace reference
