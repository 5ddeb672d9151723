// downline-cli: the C++ demo. `downline-cli demo` generates a deterministic sample
// company, writes it as CSV, reads it back with the C++ readers, builds the network,
// computes every participant's volumes and prints the largest organisations.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <string>
#include <system_error>

#include "downline/downline.hpp"

namespace dl = downline;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: downline-cli demo [--participants N] [--seed S] [--dir DIR] [--top K]\n"
               "  Generates a sample direct-selling company (default 100000 participants),\n"
               "  writes participants.csv and orders.csv to DIR (default ./demo-data), reads\n"
               "  them back, and prints the K (default 10) largest organisations of the last\n"
               "  full calendar month by group volume.\n");
  return code;
}

std::string money(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s(buf);
  const auto dot = s.find('.');
  for (auto i = static_cast<long>(dot) - 3; i > (s[0] == '-' ? 1 : 0); i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

/// A bad option value: one line on stderr and exit status 2 (argparse's convention).
struct BadOption {
  std::string what;
};

/// The whole number `text` for `option`, at least `low` (std::from_chars: no sign, no
/// spaces, nothing after the digits).
template <class T>
T whole_number(const char* option, const std::string& text, T low) {
  T v{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < low)
    throw BadOption{std::string("argument ") + option + ": expected a whole number >= " + std::to_string(low) +
                    ", not '" + text + "'"};
  return v;
}

/// Creates `dir` (and its parents) unless it exists; it must be a directory we can write into.
void make_output_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw BadOption{"argument --dir: '" + dir + "' exists and is not a directory"};
  fs::create_directories(dir, ec);
  if (ec) throw BadOption{"argument --dir: cannot create directory '" + dir + "': " + ec.message()};
  const std::string probe = dir + "/.downline-write-test";
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f) throw BadOption{"argument --dir: cannot write into directory '" + dir + "': " + std::strerror(errno)};
  std::fclose(f);
  std::remove(probe.c_str());
}

int demo(int argc, char** argv) {
  dl::SampleOptions opt;
  std::string dir = "demo-data";
  std::size_t top = 10;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage(2);
    if (a == "--participants")
      opt.participants = whole_number<std::int64_t>("--participants", argv[++i], 1);
    else if (a == "--seed")
      opt.seed = whole_number<std::uint64_t>("--seed", argv[++i], 0);
    else if (a == "--dir")
      dir = argv[++i];
    else if (a == "--top")
      top = whole_number<std::size_t>("--top", argv[++i], 1);
    else
      return usage(2);
  }
  make_output_dir(dir);
  const std::string ppath = dir + "/participants.csv", opath = dir + "/orders.csv";

  auto t0 = std::chrono::steady_clock::now();
  {
    const dl::Sample s = dl::make_sample(opt);
    dl::io::write_participants(ppath, s.participants);
    dl::io::write_orders(opath, s.orders);
  }
  const double t_gen = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  const auto P = dl::io::read_participants(ppath);
  const auto O = dl::io::read_orders(opath);
  const double t_read = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  dl::NetworkInput in;
  in.ids = P.id.data();
  in.sponsors = P.sponsor.data();
  in.has_sponsor = P.has_sponsor.data();
  in.n = P.id.size();
  in.enrolled_on = P.enrolled_on.data();
  in.kind = P.kind.data();
  in.kind_names = P.kind_names;
  const dl::Network net(in);
  const dl::Activity act(net, O.participant, O.day, O.pv);
  const double t_build = seconds_since(t0);

  // The last full calendar month of orders.
  const dl::day_t last = *std::max_element(O.day.begin(), O.day.end());
  dl::CivilDate c = dl::civil_from_days(last);
  dl::day_t end = dl::days_from_civil(c.year, c.month, 1);
  if (c.day == dl::days_in_month(c.year, c.month)) end = last + 1;
  c = dl::civil_from_days(end - 1);
  const dl::day_t start = dl::days_from_civil(c.year, c.month, 1);

  t0 = std::chrono::steady_clock::now();
  dl::VolumeOptions vo;
  vo.start = start;
  vo.end = end;
  vo.levels = 3;
  const dl::VolumeTable v = dl::volumes(net, act, vo);
  const double t_vol = seconds_since(t0);

  dl::index_t max_depth = 0;
  for (auto d : net.depths()) max_depth = std::max(max_depth, d);
  std::size_t roots = 0;
  for (auto p : net.parents()) roots += p == dl::npos;
  std::printf("downline %s demo: %zu participants (%zu roots, deepest level %d), %zu orders\n",
              dl::version, P.id.size(), roots, max_depth, O.participant.size());
  std::printf("data in %s/ (generated and written in %.2f s, read back in %.2f s)\n", dir.c_str(),
              t_gen, t_read);
  std::printf(
      "network and order mapping built in %.3f s; volumes for %s .. %s computed in %.3f s\n\n",
      t_build, dl::format_date(start).c_str(), dl::format_date(end - 1).c_str(), t_vol);

  std::vector<dl::index_t> order(static_cast<std::size_t>(net.size()));
  std::iota(order.begin(), order.end(), 0);
  const std::size_t k = std::min(top, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<long>(k), order.end(),
                    [&](dl::index_t a, dl::index_t b) {
                      return v.gv[a] > v.gv[b] || (v.gv[a] == v.gv[b] && a < b);
                    });
  std::printf("The %zu largest organisations by group volume (GV) in that month\n", k);
  std::printf("%4s %10s %14s %12s %12s %12s %5s %9s %8s %6s %6s\n", "rank", "id", "GV", "PV",
              "power leg", "lesser legs", "legs", "downline", "active", "depth", "height");
  for (std::size_t r = 0; r < k; ++r) {
    const dl::index_t i = order[r];
    std::printf("%4zu %10lld %14s %12s %12s %12s %5d %9d %8d %6d %6d\n", r + 1,
                static_cast<long long>(net.id(i)), money(v.gv[i]).c_str(), money(v.pv[i]).c_str(),
                money(v.power_leg[i]).c_str(), money(v.lesser_legs[i]).c_str(), v.frontline[i],
                v.downline[i], v.active_downline[i], v.depth[i], v.height[i]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(2);
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") return usage(0);
  try {
    if (cmd == "demo") return demo(argc, argv);
  } catch (const BadOption& e) {
    std::fprintf(stderr, "downline-cli: error: %s\n", e.what.c_str());
    return 2;
  } catch (const dl::InputError& e) {
    std::fprintf(stderr, "downline-cli: %s\n", e.what());
    return 1;
  }
  return usage(2);
}
