// CSV readers and writers for participants and orders.
#include "downline/io/csv.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "downline/date.hpp"
#include "downline/error.hpp"

namespace downline::io {
namespace {

[[noreturn]] void fail(const std::string& name, std::size_t line, std::size_t column,
                       const std::string& what) {
  throw InputError(ErrorKind::parse,
                   name + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
}

std::string read_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw InputError(ErrorKind::parse, path + ": cannot open file: " + std::strerror(errno));
  std::string data;
  char buf[1 << 16];
  std::size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f.get())) > 0) data.append(buf, got);
  if (std::ferror(f.get()))
    throw InputError(ErrorKind::parse, path + ": cannot read file: " + std::strerror(errno));
  return data;
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

Header read_header(Reader& rd, std::vector<std::string_view>& f) {
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
  [[noreturn]] void bad(int c, const std::string& what) const {
    fail(rd_.name(), rd_.record_line(), static_cast<std::size_t>(c) + 1,
         "column '" + h_.names[static_cast<std::size_t>(c)] + "': " + what);
  }
  id_type id(int c) const {
    const auto s = field(c);
    id_type v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty()) bad(c, "empty id");
    if (ec == std::errc::result_out_of_range)
      bad(c, "id '" + std::string(s) + "' is outside the int64 range");
    if (ec != std::errc() || ptr != s.data() + s.size())
      bad(c, "'" + std::string(s) + "' is not an integer id");
    return v;
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

}  // namespace

ParticipantTable parse_participants(const char* data, std::size_t size, const std::string& name,
                                    const ParticipantColumns& cols) {
  Reader rd(data, size, name);
  std::vector<std::string_view> f;
  const Header h = read_header(rd, f);
  const int ci = require(h, rd, cols.id, "id"), cs = require(h, rd, cols.sponsor, "sponsor");
  const int ce = h.find(cols.enrolled_on), ck = h.find(cols.kind);
  ParticipantTable t;
  std::unordered_map<std::string, std::int32_t> kinds;
  while (rd.next(f)) {
    const Row row(rd, h, f);
    t.id.push_back(row.id(ci));
    const bool has = !row.field(cs).empty();
    t.has_sponsor.push_back(has);
    t.sponsor.push_back(has ? row.id(cs) : 0);
    if (ce >= 0) t.enrolled_on.push_back(row.date(ce));
    if (ck >= 0) {
      const auto s = row.field(ck);
      if (s.empty()) {
        t.kind.push_back(-1);
      } else {
        auto [it, added] =
            kinds.try_emplace(std::string(s), static_cast<std::int32_t>(t.kind_names.size()));
        if (added) t.kind_names.emplace_back(s);
        t.kind.push_back(it->second);
      }
    }
  }
  return t;
}

OrderTable parse_orders(const char* data, std::size_t size, const std::string& name,
                        const OrderColumns& cols) {
  Reader rd(data, size, name);
  std::vector<std::string_view> f;
  const Header h = read_header(rd, f);
  const int cp = require(h, rd, cols.participant, "participant"),
            cd = require(h, rd, cols.date, "date");
  const int ca = h.find(cols.amount), cv = h.find(cols.pv);
  if (ca < 0 && cv < 0) require(h, rd, cols.amount, "amount or pv");
  OrderTable t;
  while (rd.next(f)) {
    const Row row(rd, h, f);
    t.participant.push_back(row.id(cp));
    t.day.push_back(row.date(cd));
    const double amount = ca >= 0 ? row.number(ca) : 0.0;
    if (ca >= 0) t.amount.push_back(amount);
    t.pv.push_back(cv >= 0 ? row.number(cv) : amount);
  }
  return t;
}

ParticipantTable read_participants(const std::string& path, const ParticipantColumns& cols) {
  const std::string data = read_file(path);
  return parse_participants(data.data(), data.size(), path, cols);
}

OrderTable read_orders(const std::string& path, const OrderColumns& cols) {
  const std::string data = read_file(path);
  return parse_orders(data.data(), data.size(), path, cols);
}

namespace {
struct Out {
  explicit Out(const std::string& path) : f(std::fopen(path.c_str(), "wb"), &std::fclose) {
    if (!f)
      throw InputError(ErrorKind::parse, path + ": cannot create file: " + std::strerror(errno));
    buf.reserve(1 << 20);
  }
  ~Out() { flush(); }
  void flush() {
    if (!buf.empty()) std::fwrite(buf.data(), 1, buf.size(), f.get());
    buf.clear();
  }
  void put(std::string_view s) {
    buf.append(s);
    if (buf.size() > (1 << 20) - 256) flush();
  }
  template <class T>
  void num(T v) {
    char tmp[64];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    put(std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp)));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f;
  std::string buf;
};
}  // namespace

void write_participants(const std::string& path, const ParticipantTable& t) {
  Out o(path);
  o.put("id,sponsor_id,enrolled_on,kind\n");
  for (std::size_t i = 0; i < t.id.size(); ++i) {
    o.num(t.id[i]);
    o.put(",");
    if (t.has_sponsor[i]) o.num(t.sponsor[i]);
    o.put(",");
    if (!t.enrolled_on.empty()) o.put(format_date(t.enrolled_on[i]));
    o.put(",");
    if (!t.kind.empty() && t.kind[i] >= 0) o.put(t.kind_names[static_cast<std::size_t>(t.kind[i])]);
    o.put("\n");
  }
}

void write_orders(const std::string& path, const OrderTable& t) {
  Out o(path);
  o.put("participant_id,ordered_on,amount,pv\n");
  for (std::size_t i = 0; i < t.participant.size(); ++i) {
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

}  // namespace downline::io
