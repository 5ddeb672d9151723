// CSV readers and writers for participants and orders.
#include "downline/io/csv.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "downline/date.hpp"
#include "downline/detail/parallel.hpp"
#include "downline/error.hpp"

namespace downline::io {
namespace {

[[noreturn]] void fail(const std::string& name, std::size_t line, std::size_t column,
                       const std::string& what) {
  throw InputError(ErrorKind::parse,
                   name + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
}

/// A non-empty id field that is not an integer id: in IdKind::automatic, the file is then
/// read again with text ids; otherwise the InputError it is.
struct NotIntegerId : InputError {
  using InputError::InputError;
};

/// Where a run of bytes stops being UTF-8 text without NUL bytes: the first NUL, the
/// first byte that does not begin a well-formed UTF-8 sequence (Unicode's Table 3-7: no
/// overlong forms, no surrogates, nothing above U+10FFFF), or a sequence cut by the end.
struct TextCheck {
  enum Problem { none, nul, invalid, cut } problem = none;
  std::size_t at = 0;  ///< offset of the NUL or of the first byte of the bad sequence
};

TextCheck check_text(const char* data, std::size_t size) {
  const auto* b = reinterpret_cast<const unsigned char*>(data);
  const unsigned char* p = b;
  const unsigned char* const e = b + size;
  constexpr std::uint64_t high = 0x8080808080808080u, ones = 0x0101010101010101u;
  while (p < e) {
    // ASCII fast path: 8 bytes at a time while none has the high bit set or is zero
    while (e - p >= 8) {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      if (((v | ((v - ones) & ~v)) & high) != 0) break;
      p += 8;
    }
    if (p == e) break;
    const unsigned c = *p;
    const std::size_t at = static_cast<std::size_t>(p - b);
    if (c < 0x80) {
      if (c == 0) return {TextCheck::nul, at};
      ++p;
      continue;
    }
    // a lead byte: the number of continuation bytes, and the range of the first one
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;  // no overlong form
      if (c == 0xED) hi = 0x9F;  // no surrogate
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;  // no overlong form
      if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return {TextCheck::invalid, at};  // a continuation byte, C0, C1 or F5..FF
    }
    for (std::size_t i = 1; i <= n; ++i) {
      if (p + i == e) return {TextCheck::cut, at};
      const unsigned d = p[i];
      if (d < (i == 1 ? lo : 0x80u) || d > (i == 1 ? hi : 0xBFu)) return {TextCheck::invalid, at};
    }
    p += n + 1;
  }
  return {};
}

/// Throws InputError(parse) for the problem `t` found in data[0, size): file:line:column
/// (the column in bytes), the byte offset, what the bytes look like and how to convert them.
[[noreturn]] void not_text(const char* data, std::size_t size, TextCheck t, const std::string& name) {
  std::size_t line = 1, line_start = 0;  // lines end at LF, CRLF or a lone CR, as in Reader
  for (std::size_t i = 0; i < t.at; ++i)
    if (data[i] == '\n' || (data[i] == '\r' && data[i + 1] != '\n')) ++line, line_start = i + 1;
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(data[t.at])));
  const std::string offset = "byte offset " + std::to_string(t.at);
  const std::string take = "the readers take UTF-8 text, with or without a byte order mark";
  std::string what;
  const bool utf16_bom = size >= 2 && (std::memcmp(data, "\xFF\xFE", 2) == 0 || std::memcmp(data, "\xFE\xFF", 2) == 0);
  if (t.problem == TextCheck::nul)
    what = "a NUL byte at " + offset + ": not CSV text (a binary file, or UTF-16 or UTF-32 text without a byte "
           "order mark); " + take + ": convert UTF-16 text, e.g. iconv -f utf-16 -t utf-8 in.csv > out.csv";
  else if (utf16_bom && t.at == 0)
    what = std::string("not UTF-8 text but UTF-16: it starts with the UTF-16 byte order mark ") +
           (data[0] == '\xFF' ? "FF FE" : "FE FF") + " (" + offset + "); " + take +
           ": convert it, e.g. iconv -f utf-16 -t utf-8 in.csv > out.csv";
  else
    what = "not UTF-8 text: byte " + std::string(byte) + " at " + offset +
           (t.problem == TextCheck::cut ? " begins a character that the end of the file cuts short" : "") +
           " (Latin-1 or Windows-1252 text?); " + take + ": convert it, e.g. iconv -f latin1 -t utf-8 in.csv > out.csv";
  fail(name, line, t.at - line_start + 1, what);
}

/// Checks data[from, size) as it arrives; throws for a NUL or a bad sequence and returns
/// where a character that the end cuts short begins (size when none).
std::size_t check_so_far(const char* data, std::size_t from, std::size_t size, const std::string& name) {
  TextCheck t = check_text(data + from, size - from);
  t.at += from;
  if (t.problem == TextCheck::none) return size;
  if (t.problem == TextCheck::cut) return t.at;
  not_text(data, size, t, name);
}

/// Throws unless data[0, size) is UTF-8 text without NUL bytes; every thread a part, the
/// parts cut at the first byte of a character.
void require_text(const char* data, std::size_t size, const std::string& name) {
  const std::size_t parts = detail::parallel_parts(size, std::size_t{1} << 22);
  std::vector<std::size_t> start(parts + 1, size);
  start[0] = 0;
  for (std::size_t i = 1; i < parts; ++i) {
    std::size_t s = std::max(detail::slice_begin(size, parts, i), start[i - 1]);
    while (s < size && (static_cast<unsigned char>(data[s]) & 0xC0) == 0x80) ++s;  // a continuation byte
    start[i] = s;
  }
  std::vector<TextCheck> found(parts);
  detail::parallel_for_parts(parts, parts, [&](std::size_t t, std::size_t, std::size_t) {
    found[t] = check_text(data + start[t], start[t + 1] - start[t]);
    found[t].at += start[t];
  });
  for (std::size_t t = 0; t < parts; ++t) {
    if (found[t].problem == TextCheck::none) continue;
    // a character cut by the end of a part is cut by a byte that cannot continue it
    if (found[t].problem == TextCheck::cut && t + 1 < parts) found[t].problem = TextCheck::invalid;
    not_text(data, size, found[t], name);
  }
}

/// A file's bytes (a regular file is read in parts on every thread).
struct FileBytes {
  detail::ScratchBuffer<char> data;
  std::size_t size = 0;
};

/// The first block of a file, checked before the rest is read (a binary or UTF-16 file
/// is named at once), and the size of the chunks a pipe or a device is read in.
constexpr std::size_t head_bytes = std::size_t{1} << 16;

FileBytes read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(ErrorKind::parse, path + ": cannot open file: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  auto fail_read = [&](int err) {
    throw InputError(ErrorKind::parse, path + ": cannot read file: " + std::strerror(err));
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail_read(errno);
  if (S_ISDIR(st.st_mode)) throw InputError(ErrorKind::parse, path + ": is a directory, not a CSV file");
  FileBytes f;
  if (S_ISREG(st.st_mode)) {  // the size is known: one buffer, read in parts on every thread
    const std::size_t size = static_cast<std::size_t>(st.st_size);
    f.data = detail::scratch_buffer<char>(size + 1);
    // [b, e) at its offset; false when the file ended first (it shrank under us)
    auto read_range = [&](std::size_t b, std::size_t e, int& err) {
      for (std::size_t at = b; at < e;) {
        const ssize_t r = ::pread(fd, f.data.get() + at, e - at, static_cast<off_t>(at));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return err = errno, false;
        if (r == 0) return err = EIO, false;
        at += static_cast<std::size_t>(r);
      }
      return true;
    };
    const std::size_t head = std::min(size, head_bytes);
    int err = 0;
    if (!read_range(0, head, err)) fail_read(err);
    check_so_far(f.data.get(), 0, head, path);
    std::atomic<int> error{0};
    detail::parallel_for(size - head, std::size_t{1} << 24, [&](std::size_t, std::size_t b, std::size_t e) {
      int part_err = 0;
      if (!read_range(head + b, head + e, part_err)) error.store(part_err);
    });
    if (error.load() != 0) fail_read(error.load());
    f.size = size;
    return f;
  }
  // A pipe or a device: read to its end in chunks, each checked as it comes, so that
  // /dev/zero or a binary stream stops at its first NUL or bad byte.
  std::string data;
  std::size_t checked = 0;
  char buf[head_bytes];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail_read(errno);
    if (r == 0) break;
    data.append(buf, static_cast<std::size_t>(r));
    checked = check_so_far(data.data(), checked, data.size(), path);
  }
  f.data = detail::scratch_buffer<char>(data.size() + 1);
  std::memcpy(f.data.get(), data.data(), data.size());
  f.size = data.size();
  return f;
}

/// Splits CSV records into fields. Unquoted fields are views into the buffer; quoted
/// fields are unescaped into `scratch`.
class Reader {
 public:
  Reader(const char* data, std::size_t size, std::string name)
      : p_(data), end_(data + size), name_(std::move(name)) {
    if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) p_ += 3;  // UTF-8 BOM
  }
  bool at_end() const { return p_ >= end_; }
  std::size_t line() const { return line_; }
  const std::string& name() const { return name_; }

  /// Reads one record into `fields`; returns false at end of input. Blank lines are skipped.
  bool next(std::vector<std::string_view>& fields) {
    fields.clear();
    scratch_.clear();
    while (p_ < end_ && (*p_ == '\n' || *p_ == '\r')) {             // blank lines
      if (*p_ == '\n' || p_ + 1 == end_ || p_[1] != '\n') ++line_;  // a lone CR ends one too
      ++p_;
    }
    if (p_ >= end_) return false;
    record_line_ = line_;
    // Quoted fields are unescaped into scratch_; remember offsets, fix up views after.
    quoted_.clear();
    qlen_.clear();
    auto& quoted = quoted_;
    auto& qlen = qlen_;
    for (;;) {
      if (p_ < end_ && *p_ == '"') {
        ++p_;
        const std::size_t off = scratch_.size();
        for (;;) {
          if (p_ >= end_) fail(name_, record_line_, fields.size() + 1, "unterminated quoted field");
          if (*p_ == '"') {
            if (p_ + 1 < end_ && p_[1] == '"') {
              scratch_.push_back('"');
              p_ += 2;
              continue;
            }
            ++p_;
            break;
          }
          if (*p_ == '\n') ++line_;
          scratch_.push_back(*p_++);
        }
        quoted.emplace_back(fields.size(), off);
        qlen.push_back(scratch_.size() - off);
        fields.emplace_back();
        if (p_ < end_ && *p_ != ',' && *p_ != '\n' && *p_ != '\r')
          fail(name_, record_line_, fields.size(), "unexpected character after a quoted field");
      } else {
        const char* s = p_;
        while (p_ < end_ && *p_ != ',' && *p_ != '\n' && *p_ != '\r') ++p_;
        fields.emplace_back(s, static_cast<std::size_t>(p_ - s));
      }
      if (p_ >= end_) break;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '\r') ++p_;
      if (p_ < end_ && *p_ == '\n') ++p_;
      ++line_;  // "\n", "\r\n" or a lone "\r" (old Mac files)
      break;
    }
    for (std::size_t i = 0; i < quoted.size(); ++i)
      fields[quoted[i].first] = std::string_view(scratch_.data() + quoted[i].second, qlen[i]);
    return true;
  }
  std::size_t record_line() const { return record_line_; }
  /// Where the next record starts.
  const char* position() const { return p_; }

 private:
  const char* p_;
  const char* end_;
  std::string name_;
  std::string scratch_;
  std::vector<std::pair<std::size_t, std::size_t>> quoted_;  // field index, scratch offset
  std::vector<std::size_t> qlen_;
  std::size_t line_ = 1, record_line_ = 1;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Column positions by header name; -1 when absent.
struct Header {
  std::vector<std::string> names;
  int find(const std::string& col) const {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == col) return static_cast<int>(i);
    return -1;
  }
};

Header read_header(Reader& rd) {
  std::vector<std::string_view> f;
  if (!rd.next(f)) fail(rd.name(), 1, 1, "empty file: expected a header line");
  Header h;
  for (auto s : f) h.names.emplace_back(trim(s));
  return h;
}

int require(const Header& h, const Reader& rd, const std::string& col, const char* what) {
  const int i = h.find(col);
  if (i < 0) {
    std::string have;
    for (const auto& s : h.names) have += (have.empty() ? "" : ", ") + s;
    fail(rd.name(), 1, 1,
         std::string("missing ") + what + " column '" + col + "' (header has: " + have + ")");
  }
  return i;
}

/// The length of an id field without a fraction of zeros: "17850.0" and "17850." are the
/// id 17850 (as a float column written by pandas has them); "17850.5" stays not an id.
std::size_t without_zero_fraction(const char* b, const char* e) {
  const char* p = e;
  while (p > b && p[-1] == '0') --p;
  return static_cast<std::size_t>((p > b && p[-1] == '.' ? p - 1 : e) - b);
}

class Row {
 public:
  Row(const Reader& rd, const Header& h, const std::vector<std::string_view>& f)
      : rd_(rd), h_(h), f_(f) {
    if (f.size() != h.names.size())
      fail(rd.name(), rd.record_line(), std::min(f.size(), h.names.size()) + 1,
           "expected " + std::to_string(h.names.size()) + " fields, found " +
               std::to_string(f.size()));
  }
  std::string_view field(int c) const { return trim(f_[static_cast<std::size_t>(c)]); }
  std::string where(int c) const {
    return rd_.name() + ":" + std::to_string(rd_.record_line()) + ":" + std::to_string(c + 1) + ": column '" +
           h_.names[static_cast<std::size_t>(c)] + "': ";
  }
  [[noreturn]] void bad(int c, const std::string& what) const {
    throw InputError(ErrorKind::parse, where(c) + what);
  }
  id_type id(int c) const {
    const auto s = field(c);
    const char* e = s.data() + without_zero_fraction(s.data(), s.data() + s.size());
    id_type v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), e, v);
    if (s.empty()) bad(c, "empty id");
    if (ec == std::errc::result_out_of_range)
      throw NotIntegerId(ErrorKind::parse, where(c) + "id '" + std::string(s) + "' is outside the int64 range");
    if (ec != std::errc() || ptr != e)
      throw NotIntegerId(ErrorKind::parse, where(c) + "'" + std::string(s) + "' is not an integer id");
    return v;
  }
  /// A text id (IdKind::text): the trimmed field, not empty.
  std::string_view text_id(int c) const {
    const auto s = field(c);
    if (s.empty()) bad(c, "empty id");
    return s;
  }
  double number(int c) const {
    const auto s = field(c);
    if (s.empty()) bad(c, "empty number");
    double v = 0;
    const char* b = s.data();
    if (*b == '+' && !(s.size() > 1 && s[1] == '-')) ++b;  // from_chars takes no '+' ("+-1": bad)
    auto [ptr, ec] = std::from_chars(b, s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size())
      bad(c, "'" + std::string(s) + "' is not a number");
    if (!std::isfinite(v)) bad(c, "'" + std::string(s) + "' is not a finite number");
    return v;
  }
  day_t date(int c) const {
    auto s = field(c);
    if (s.size() > 10 && (s[10] == ' ' || s[10] == 'T')) s = s.substr(0, 10);  // time ignored
    day_t d = 0;
    if (!parse_iso_date(s.data(), s.size(), d))
      bad(c, "'" + std::string(field(c)) + "' is not a date YYYY-MM-DD");
    if (!is_supported_day(d))
      bad(c, "'" + std::string(field(c)) + "' is outside the supported dates " + supported_dates);
    return d;
  }

 private:
  const Reader& rd_;
  const Header& h_;
  const std::vector<std::string_view>& f_;
};


// ------------------------------------------------------------------ the fast path
// A plain file's records are split into fields on every thread, each thread a run of
// whole lines placed by counting the line ends first, and parsed straight into the
// columns. The fast path gives up (returns nothing) on anything it does not take: a
// quote, a lone CR, a blank line, a wrong field count, spaces or tabs around a field, a
// value it does not parse (a '+' sign, an id of more than 19 digits, a bad date...).
// The exact reader then reads the file again and accepts it or names the problem; on
// what the fast path takes, it gives the same values (the same parsers, on fields that
// trimming leaves as they are).

struct Span {
  const char* b;
  const char* e;
  bool empty() const { return b == e; }
  std::string_view view() const { return {b, static_cast<std::size_t>(e - b)}; }
};

constexpr std::size_t max_fast_columns = 256;

/// Byte ranges of whole lines, one per thread, and the first row of each.
struct LineParts {
  std::vector<const char*> begin;  // parts + 1 entries
  std::vector<std::size_t> row;    // parts + 1 entries: the last is the number of rows
  std::size_t parts() const { return begin.size() - 1; }
  std::size_t rows() const { return row.back(); }
};

LineParts split_lines(const char* b, const char* e) {
  const std::size_t bytes = static_cast<std::size_t>(e - b);
  const std::size_t parts = detail::parallel_parts(bytes, std::size_t{1} << 20);
  LineParts s;
  s.begin.push_back(b);
  for (std::size_t i = 1; i < parts; ++i) {
    const char* p = std::max(b + detail::slice_begin(bytes, parts, i), s.begin.back());
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(e - p));
    s.begin.push_back(nl ? static_cast<const char*>(nl) + 1 : e);
  }
  s.begin.push_back(e);
  s.row.assign(parts + 1, 0);
  detail::parallel_for_parts(parts, parts, [&](std::size_t t, std::size_t, std::size_t) {
    const char* pb = s.begin[t];
    const char* pe = s.begin[t + 1];
    std::size_t lines = 0;
    for (const char* p = pb; p < pe; ++p) lines += *p == '\n';
    s.row[t + 1] = lines + static_cast<std::size_t>(pe > pb && pe[-1] != '\n');
  });
  for (std::size_t t = 0; t < parts; ++t) s.row[t + 1] += s.row[t];
  return s;
}

struct SpecialChars {
  bool stop[256] = {};
  SpecialChars() {
    for (const unsigned char c : {',', '\n', '\r', '"'}) stop[c] = true;
  }
};
inline const SpecialChars special_chars;

inline bool blank(char c) { return c == ' ' || c == '\t'; }

/// Splits the lines of [p, e) (rows from `row` on) into fields, hands record(row, fields)
/// the fields of the columns with a slot (fields[slot_of_col[c]]) and returns false at once
/// on a line the fast path does not take or when record() returns false.
template <class Record>
bool scan_lines(const char* p, const char* e, std::size_t row, const std::vector<int>& slot_of_col,
                const std::atomic<bool>& give_up, Record&& record) {
  const std::size_t ncols = slot_of_col.size();
  Span f[max_fast_columns];
  const bool* stop = special_chars.stop;
  while (p < e) {
    if (give_up.load(std::memory_order_relaxed)) return false;
    for (std::size_t c = 0; c < ncols; ++c) {
      const char* s = p;
      while (p < e && !stop[static_cast<unsigned char>(*p)]) ++p;
      if (p > s && (blank(*s) || blank(p[-1]))) return false;
      if (slot_of_col[c] >= 0) f[slot_of_col[c]] = Span{s, p};
      if (c + 1 < ncols) {
        if (p == e || *p != ',') return false;
        ++p;
      } else if (p < e) {
        if (*p == '\r' && p + 1 < e && p[1] == '\n') ++p;
        if (*p != '\n') return false;
        ++p;
      }
    }
    if (!record(row++, f)) return false;
  }
  return true;
}

/// Runs scan_lines on every part; false when any part gives up.
template <class Record>
bool scan_parts(const LineParts& lines, const std::vector<int>& slot_of_col, Record&& record) {
  std::atomic<bool> give_up{false};
  detail::parallel_for_parts(lines.parts(), lines.parts(), [&](std::size_t t, std::size_t, std::size_t) {
    const bool ok = scan_lines(lines.begin[t], lines.begin[t + 1], lines.row[t], slot_of_col, give_up,
                               [&](std::size_t r, const Span* f) { return record(t, r, f); });
    if (!ok) give_up.store(true, std::memory_order_relaxed);
  });
  return !give_up.load();
}

bool fast_id(Span s, id_type& out) {
  const char* p = s.b;
  const char* e = s.b + without_zero_fraction(s.b, s.e);
  const bool negative = p < e && *p == '-';
  p += negative;
  const std::size_t digits = static_cast<std::size_t>(e - p);
  if (digits == 0 || digits > 19) return false;  // 19 digits fit in 64 unsigned bits
  std::uint64_t v = 0;
  for (; p < e; ++p) {
    const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(*p)) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  constexpr std::uint64_t max = static_cast<std::uint64_t>(std::numeric_limits<id_type>::max());
  if (v > max + static_cast<std::uint64_t>(negative)) return false;
  out = negative ? static_cast<id_type>(~v + 1) : static_cast<id_type>(v);
  return true;
}

bool fast_number(Span s, double& out) {
  const auto [ptr, ec] = std::from_chars(s.b, s.e, out);
  return ec == std::errc() && ptr == s.e && s.b != s.e && std::isfinite(out);
}

bool fast_date(Span s, day_t& out) {
  std::size_t n = static_cast<std::size_t>(s.e - s.b);
  if (n > 10 && (s.b[10] == ' ' || s.b[10] == 'T')) n = 10;  // a time is ignored
  return parse_iso_date(s.b, n, out) && is_supported_day(out);
}

/// Codes of text values in order of first appearance, for one part of a file.
class Codes {
 public:
  std::int32_t code(std::string_view s) {
    if (s.empty()) return -1;
    if (s == last_) return last_code_;
    auto [it, added] = map_.try_emplace(s, static_cast<std::int32_t>(names_.size()));
    if (added) names_.push_back(s);
    last_ = s;
    last_code_ = it->second;
    return it->second;
  }
  const std::vector<std::string_view>& names() const { return names_; }

 private:
  std::unordered_map<std::string_view, std::int32_t> map_;
  std::vector<std::string_view> names_;
  std::string_view last_;
  std::int32_t last_code_ = -1;
};

/// One column's codes from per-part codes: names in order of first appearance in the
/// file, the later parts' codes renumbered.
void merge_codes(const LineParts& lines, const std::vector<Codes>& parts, std::int32_t* codes,
                 std::vector<std::string>& names) {
  std::unordered_map<std::string_view, std::int32_t> global;
  std::vector<std::vector<std::int32_t>> to_global(parts.size());
  for (std::size_t t = 0; t < parts.size(); ++t)
    for (const std::string_view s : parts[t].names()) {
      auto [it, added] = global.try_emplace(s, static_cast<std::int32_t>(names.size()));
      if (added) names.emplace_back(s);
      to_global[t].push_back(it->second);
    }
  detail::parallel_for_parts(parts.size(), parts.size(), [&](std::size_t t, std::size_t, std::size_t) {
    const std::vector<std::int32_t>& m = to_global[t];
    bool same = true;  // the first part's codes are the global ones
    for (std::size_t i = 0; i < m.size(); ++i) same &= m[i] == static_cast<std::int32_t>(i);
    if (same) return;
    for (std::size_t r = lines.row[t]; r < lines.row[t + 1]; ++r)
      if (codes[r] >= 0) codes[r] = m[static_cast<std::size_t>(codes[r])];
  });
}

/// Slots for columns (in the order given; -1: not read), or nothing when two reads share a
/// column or the file is too wide for the fast path.
std::optional<std::vector<int>> slots(std::size_t ncols, const std::vector<int>& columns) {
  if (ncols < 2 || ncols > max_fast_columns) return std::nullopt;
  std::vector<int> slot_of_col(ncols, -1);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] < 0) continue;
    int& s = slot_of_col[static_cast<std::size_t>(columns[i])];
    if (s >= 0) return std::nullopt;
    s = static_cast<int>(i);
  }
  return slot_of_col;
}

// With text ids, an id column is one more text column: per-part codes, then merge_codes;
// an empty id gives up (the exact reader names it), an empty sponsor is a root (-1).

std::optional<ParticipantTable> fast_participants(const char* b, const char* e, std::size_t ncols, int ci,
                                                  int cs, int ce, int ck, const std::vector<int>& cc,
                                                  bool text) {
  std::vector<int> columns = {ci, cs, ce, ck};
  columns.insert(columns.end(), cc.begin(), cc.end());
  const auto slot_of_col = slots(ncols, columns);
  if (!slot_of_col) return std::nullopt;
  const LineParts lines = split_lines(b, e);
  const std::size_t n = lines.rows();
  ParticipantTable t;
  t.ids = text ? IdKind::text : IdKind::integer;
  if (text) {
    t.id_text.codes.resize(n);
    t.sponsor_text.codes.resize(n);
  } else {
    t.id.resize(n);
    t.sponsor.resize(n);
  }
  t.has_sponsor.resize(n);
  if (ce >= 0) t.enrolled_on.resize(n);
  if (ck >= 0) t.kind.resize(n);
  const std::size_t ncat = cc.size();
  t.categories.resize(ncat);
  for (CategoryColumn& c : t.categories) c.codes.resize(n);
  // per column, per part: kind, the categories, then (text ids) id and sponsor
  std::vector<std::vector<Codes>> codes(3 + ncat, std::vector<Codes>(lines.parts()));
  const std::size_t id_codes = 1 + ncat, sponsor_codes = 2 + ncat;
  const bool ok = scan_parts(lines, *slot_of_col, [&](std::size_t part, std::size_t r, const Span* f) {
    const bool has = !f[1].empty();
    t.has_sponsor[r] = has;
    if (text) {
      t.id_text.codes[r] = codes[id_codes][part].code(f[0].view());
      if (t.id_text.codes[r] < 0) return false;
      t.sponsor_text.codes[r] = codes[sponsor_codes][part].code(f[1].view());
    } else {
      if (!fast_id(f[0], t.id[r])) return false;
      t.sponsor[r] = 0;
      if (has && !fast_id(f[1], t.sponsor[r])) return false;
    }
    if (ce >= 0 && !fast_date(f[2], t.enrolled_on[r])) return false;
    if (ck >= 0) t.kind[r] = codes[0][part].code(f[3].view());
    for (std::size_t k = 0; k < ncat; ++k) t.categories[k].codes[r] = codes[1 + k][part].code(f[4 + k].view());
    return true;
  });
  if (!ok) return std::nullopt;
  if (ck >= 0) merge_codes(lines, codes[0], t.kind.data(), t.kind_names);
  for (std::size_t k = 0; k < ncat; ++k)
    merge_codes(lines, codes[1 + k], t.categories[k].codes.data(), t.categories[k].names);
  if (text) {
    merge_codes(lines, codes[id_codes], t.id_text.codes.data(), t.id_text.names);
    merge_codes(lines, codes[sponsor_codes], t.sponsor_text.codes.data(), t.sponsor_text.names);
  }
  return t;
}

std::optional<OrderTable> fast_orders(const char* b, const char* e, std::size_t ncols, int cp, int cd, int ca,
                                      int cv, bool text) {
  const auto slot_of_col = slots(ncols, {cp, cd, ca, cv});
  if (!slot_of_col) return std::nullopt;
  const LineParts lines = split_lines(b, e);
  const std::size_t n = lines.rows();
  OrderTable t;
  t.ids = text ? IdKind::text : IdKind::integer;
  if (text)
    t.participant_text.codes.resize(n);
  else
    t.participant.resize(n);
  t.day.resize(n);
  if (ca >= 0) t.amount.resize(n);
  t.pv.resize(n);
  std::vector<Codes> codes(text ? lines.parts() : 0);
  const bool ok = scan_parts(lines, *slot_of_col, [&](std::size_t part, std::size_t r, const Span* f) {
    if (text) {
      t.participant_text.codes[r] = codes[part].code(f[0].view());
      if (t.participant_text.codes[r] < 0) return false;
    } else if (!fast_id(f[0], t.participant[r])) {
      return false;
    }
    if (!fast_date(f[1], t.day[r])) return false;
    if (ca >= 0 && !fast_number(f[2], t.amount[r])) return false;
    if (cv >= 0) return fast_number(f[3], t.pv[r]);
    t.pv[r] = t.amount[r];
    return true;
  });
  if (!ok) return std::nullopt;
  if (text) merge_codes(lines, codes, t.participant_text.codes.data(), t.participant_text.names);
  return t;
}

/// The column of an optional field: -1 when unnamed or (unless required) absent.
int optional_column(const Header& h, const Reader& rd, const std::string& col, bool required,
                    const char* what) {
  if (col.empty()) return -1;
  return required ? require(h, rd, col, what) : h.find(col);
}

// ------------------------------------------------------------------ the exact reader
// Any file, record by record from the one after the header; names the line and column of
// a problem (Row).

/// Codes of text values in order of first appearance, over the whole file (the exact
/// reader's Codes: the keys are copies, as quoted fields live in the Reader's scratch).
class FileCodes {
 public:
  std::int32_t code(std::string_view s, std::vector<std::string>& names) {
    if (s.empty()) return -1;
    auto [it, added] = map_.try_emplace(std::string(s), static_cast<std::int32_t>(names.size()));
    if (added) names.emplace_back(s);
    return it->second;
  }

 private:
  std::unordered_map<std::string, std::int32_t> map_;
};

ParticipantTable exact_participants(Reader& rd, const Header& h, int ci, int cs, int ce, int ck,
                                    const std::vector<int>& cc, bool text) {
  ParticipantTable t;
  t.ids = text ? IdKind::text : IdKind::integer;
  std::vector<FileCodes> codes(3 + cc.size());  // kind, the categories, id, sponsor
  FileCodes& id_codes = codes[1 + cc.size()];
  FileCodes& sponsor_codes = codes[2 + cc.size()];
  auto code = [&](std::size_t k, std::string_view s, std::vector<std::string>& names) {
    return codes[k].code(s, names);
  };
  t.categories.resize(cc.size());
  std::vector<std::string_view> f;
  while (rd.next(f)) {
    const Row row(rd, h, f);
    const bool has = !row.field(cs).empty();
    t.has_sponsor.push_back(has);
    if (text) {
      t.id_text.codes.push_back(id_codes.code(row.text_id(ci), t.id_text.names));
      t.sponsor_text.codes.push_back(sponsor_codes.code(row.field(cs), t.sponsor_text.names));
    } else {
      t.id.push_back(row.id(ci));
      t.sponsor.push_back(has ? row.id(cs) : 0);
    }
    if (ce >= 0) t.enrolled_on.push_back(row.date(ce));
    if (ck >= 0) t.kind.push_back(code(0, row.field(ck), t.kind_names));
    for (std::size_t k = 0; k < cc.size(); ++k)
      t.categories[k].codes.push_back(code(1 + k, row.field(cc[k]), t.categories[k].names));
  }
  return t;
}

OrderTable exact_orders(Reader& rd, const Header& h, int cp, int cd, int ca, int cv, bool text) {
  OrderTable t;
  t.ids = text ? IdKind::text : IdKind::integer;
  FileCodes codes;
  std::vector<std::string_view> f;
  while (rd.next(f)) {
    const Row row(rd, h, f);
    if (text)
      t.participant_text.codes.push_back(codes.code(row.text_id(cp), t.participant_text.names));
    else
      t.participant.push_back(row.id(cp));
    t.day.push_back(row.date(cd));
    const double amount = ca >= 0 ? row.number(ca) : 0.0;
    if (ca >= 0) t.amount.push_back(amount);
    t.pv.push_back(cv >= 0 ? row.number(cv) : amount);
  }
  return t;
}

}  // namespace

// Each reader: the header, the columns, then the fast path and, when it gives up, the
// exact reader over the same records; with IdKind::automatic, integer ids first and, when
// a text id turns up, text ids from the start.

namespace {

ParticipantTable participants_of(const char* data, std::size_t size, const std::string& name,
                                 const ParticipantFileColumns& cols, bool text) {
  Reader rd(data, size, name);
  const Header h = read_header(rd);
  const int ci = require(h, rd, cols.id, "id"), cs = require(h, rd, cols.sponsor, "sponsor");
  const int ce = optional_column(h, rd, cols.enrolled_on, cols.require_enrolled_on, "enrolment date");
  const int ck = optional_column(h, rd, cols.kind, cols.require_kind, "kind");
  std::vector<int> cc;
  for (const std::string& c : cols.categories) cc.push_back(require(h, rd, c, "category"));
  std::optional<ParticipantTable> t =
      fast_participants(rd.position(), data + size, h.names.size(), ci, cs, ce, ck, cc, text);
  if (!t) t = exact_participants(rd, h, ci, cs, ce, ck, cc, text);
  for (std::size_t k = 0; k < cc.size(); ++k) t->categories[k].column = cols.categories[k];
  if (text) {
    t->id_text.column = cols.id;
    t->sponsor_text.column = cols.sponsor;
  }
  t->has_enrolled_on = ce >= 0;
  t->has_kind = ck >= 0;
  return std::move(*t);
}

OrderTable orders_of(const char* data, std::size_t size, const std::string& name, const OrderFileColumns& cols,
                     bool text) {
  Reader rd(data, size, name);
  const Header h = read_header(rd);
  const int cp = require(h, rd, cols.participant, "participant"),
            cd = require(h, rd, cols.date, "date");
  const int ca = optional_column(h, rd, cols.amount, cols.require_amount, "amount"),
            cv = optional_column(h, rd, cols.pv, cols.require_pv, "pv");
  if (ca < 0 && cv < 0) require(h, rd, cols.amount.empty() ? cols.pv : cols.amount, "amount or pv");
  std::optional<OrderTable> t =
      fast_orders(rd.position(), data + size, h.names.size(), cp, cd, ca, cv, text);
  if (!t) t = exact_orders(rd, h, cp, cd, ca, cv, text);
  if (text) t->participant_text.column = cols.participant;
  t->has_amount = ca >= 0;
  t->has_pv = cv >= 0;
  return std::move(*t);
}

/// read(text) as `ids` says: automatic tries integer ids, then text ids on a text id.
template <class Read>
auto read_ids(IdKind ids, Read&& read) {
  if (ids != IdKind::automatic) return read(ids == IdKind::text);
  try {
    return read(false);
  } catch (const NotIntegerId&) {
    return read(true);
  }
}

}  // namespace

ParticipantTable parse_participants(const char* data, std::size_t size, const std::string& name,
                                    const ParticipantFileColumns& cols) {
  require_text(data, size, name);
  return read_ids(cols.ids, [&](bool text) { return participants_of(data, size, name, cols, text); });
}

OrderTable parse_orders(const char* data, std::size_t size, const std::string& name,
                        const OrderFileColumns& cols) {
  require_text(data, size, name);
  return read_ids(cols.ids, [&](bool text) { return orders_of(data, size, name, cols, text); });
}

ParticipantTable read_participants(const std::string& path, const ParticipantFileColumns& cols) {
  const FileBytes f = read_file(path);
  return parse_participants(f.data.get(), f.size, path, cols);
}

OrderTable read_orders(const std::string& path, const OrderFileColumns& cols) {
  const FileBytes f = read_file(path);
  return parse_orders(f.data.get(), f.size, path, cols);
}

namespace {
struct Out {
  explicit Out(const std::string& path) : f(std::fopen(path.c_str(), "wb"), &std::fclose) {
    if (!f)
      throw InputError(ErrorKind::parse, path + ": cannot create file: " + std::strerror(errno));
    buf.reserve(1 << 20);
  }
  ~Out() { flush(); }
  void flush() noexcept {
    if (!buf.empty()) written &= std::fwrite(buf.data(), 1, buf.size(), f.get()) == buf.size();
    buf.clear();
  }
  /// Writes what is buffered and throws when any write failed (a full disk).
  void finish(const std::string& path) {
    flush();
    if (!written || std::fflush(f.get()) != 0)
      throw InputError(ErrorKind::parse, path + ": cannot write the file: " + std::strerror(errno));
  }
  void put(std::string_view s) {
    buf.append(s);
    if (buf.size() > (1 << 20) - 256) flush();
  }
  /// A text field, quoted when it holds a comma, a quote, a line end or spaces at an end.
  void text(std::string_view s) {
    const bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos ||
                       (!s.empty() && (blank(s.front()) || blank(s.back())));
    if (!quote) return put(s);
    put("\"");
    for (const char c : s) put(c == '"' ? std::string_view("\"\"") : std::string_view(&c, 1));
    put("\"");
  }
  template <class T>
  void num(T v) {
    char tmp[64];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    put(std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp)));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f;
  std::string buf;
  bool written = true;
};
}  // namespace

void write_participants(const std::string& path, const ParticipantTable& t) {
  Out o(path);
  const bool text = t.ids == IdKind::text, dates = !t.enrolled_on.empty(), kinds = !t.kind.empty();
  o.put(std::string("id,sponsor_id") + (dates ? ",enrolled_on" : "") + (kinds ? ",kind" : "") + "\n");
  for (std::size_t i = 0; i < t.has_sponsor.size(); ++i) {
    if (text)
      o.text(t.id_text.names[static_cast<std::size_t>(t.id_text.codes[i])]);
    else
      o.num(t.id[i]);
    o.put(",");
    if (text && t.sponsor_text.codes[i] >= 0)
      o.text(t.sponsor_text.names[static_cast<std::size_t>(t.sponsor_text.codes[i])]);
    else if (!text && t.has_sponsor[i])
      o.num(t.sponsor[i]);
    if (dates) {
      o.put(",");
      o.put(format_date(t.enrolled_on[i]));
    }
    if (kinds) o.put(",");
    if (kinds && t.kind[i] >= 0) o.text(t.kind_names[static_cast<std::size_t>(t.kind[i])]);
    o.put("\n");
  }
}

void write_orders(const std::string& path, const OrderTable& t) {
  Out o(path);
  o.put("participant_id,ordered_on,amount,pv\n");
  for (std::size_t i = 0; i < t.day.size(); ++i) {
    if (t.ids == IdKind::text)
      o.text(t.participant_text.names[static_cast<std::size_t>(t.participant_text.codes[i])]);
    else
      o.num(t.participant[i]);
    o.put(",");
    o.put(format_date(t.day[i]));
    o.put(",");
    o.num(t.amount.empty() ? t.pv[i] : t.amount[i]);
    o.put(",");
    o.num(t.pv[i]);
    o.put("\n");
  }
}

bool whole_cents(const double* values, std::size_t n) noexcept {
  bool whole = true;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = values[i];
    whole &= std::fabs(v) < 1e13 && std::nearbyint(v * 100) / 100 == v;
  }
  return whole;
}

namespace {
/// The fields of write_table put straight into a buffer that is written when full.
class TableOut {
 public:
  explicit TableOut(const std::string& path) : out_(path) {}
  void put(std::string_view s) {
    if (s.size() > room()) spill();
    if (s.size() > room()) return out_.put(s);
    std::memcpy(buf_ + pos_, s.data(), s.size());
    pos_ += s.size();
  }
  template <class T>
  void integer(T v) {
    if (room() < 24) spill();
    pos_ = static_cast<std::size_t>(std::to_chars(buf_ + pos_, buf_ + size, v).ptr - buf_);
  }
  /// v, a whole number of cents below 1e13 (checked by the caller), as repr writes it.
  void cents(double v) {
    if (room() < 24) spill();
    const auto k = static_cast<std::uint64_t>(std::fabs(std::nearbyint(v * 100)));
    char* p = buf_ + pos_;
    if (std::signbit(v)) *p++ = '-';
    p = std::to_chars(p, buf_ + size, k / 100).ptr;
    const auto part = static_cast<unsigned>(k % 100);
    *p++ = '.';
    *p++ = static_cast<char>('0' + part / 10);
    if (part % 10) *p++ = static_cast<char>('0' + part % 10);
    pos_ = static_cast<std::size_t>(p - buf_);
  }
  void finish(const std::string& path) {
    spill();
    out_.finish(path);
  }

 private:
  static constexpr std::size_t size = 1 << 16;
  std::size_t room() const noexcept { return size - pos_; }
  void spill() {
    out_.put(std::string_view(buf_, pos_));
    pos_ = 0;
  }
  Out out_;
  char buf_[size];
  std::size_t pos_ = 0;
};
}  // namespace

void write_table(const std::string& path, std::string_view header, const std::vector<TextColumn>& columns,
                 std::size_t rows, std::string_view line_end) {
  const auto bad = [](std::size_t c, const std::string& what) {
    return std::invalid_argument("write_table: column " + std::to_string(c) + ": " + what);
  };
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c].kind == TextColumn::Kind::cents && !whole_cents(columns[c].cents, rows))
      throw bad(c, "not every value is a whole number of cents below 1e13");
  const auto o = std::make_unique<TableOut>(path);
  o->put(header);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const TextColumn& col = columns[c];
      if (c) o->put(",");
      switch (col.kind) {
        case TextColumn::Kind::integers:
          if (col.integers) o->integer(col.integers[i]);
          else o->integer(col.integers32[i]);
          break;
        case TextColumn::Kind::cents:
          o->cents(col.cents[i]);
          break;
        case TextColumn::Kind::texts: {
          const std::int64_t code = col.codes[i];
          if (code >= static_cast<std::int64_t>(col.texts.size()))
            throw bad(c, "row " + std::to_string(i) + ": a code beyond the texts");
          if (code >= 0) o->put(col.texts[static_cast<std::size_t>(code)]);
          break;
        }
      }
    }
    o->put(line_end);
  }
  o->finish(path);
}

}  // namespace downline::io
