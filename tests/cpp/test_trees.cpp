// Real trees from ../shared/data/trees: subtree sums must reproduce published totals.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <unordered_map>

#include "downline/rollup.hpp"

using namespace downline;

namespace {
const std::string data_dir = DOWNLINE_DATA_DIR;

bool absent(const std::string& file) { return !std::ifstream(data_dir + "/trees/" + file).good(); }

// A minimal CSV splitter written for the test (quotes, no embedded newlines).
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out(1);
  bool q = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (q) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        out.back() += '"', ++i;
      else if (c == '"')
        q = false;
      else
        out.back() += c;
    } else if (c == '"')
      q = true;
    else if (c == ',')
      out.emplace_back();
    else if (c != '\r')
      out.back() += c;
  }
  return out;
}

struct Table {
  std::vector<std::vector<std::string>> rows;
  bool ok = false;
};
Table load(const std::string& path) {
  Table t;
  std::ifstream in(path);
  if (!in) return t;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) t.rows.push_back(split(line));
  t.ok = true;
  return t;
}

// String ids -> dense int ids (the test's own mapping), network from them.
Network network_of(const Table& t, std::unordered_map<std::string, id_type>& code) {
  for (const auto& r : t.rows) code.emplace(r[0], static_cast<id_type>(code.size()));
  std::vector<id_type> ids, sp;
  for (const auto& r : t.rows) {
    ids.push_back(code.at(r[0]));
    sp.push_back(r[1].empty() ? no_sponsor : code.at(r[1]));
  }
  return Network(ids, sp);
}
}  // namespace

// Skipped (reported as skipped, not passed) where ../shared/data is absent.
TEST_CASE("census 2020: rolled-up block-group population equals every published total" *
          doctest::skip(absent("census2020_tree.csv"))) {
  const Table t = load(data_dir + "/trees/census2020_tree.csv");
  REQUIRE(t.ok);
  REQUIRE(t.rows.size() == 331004);
  std::unordered_map<std::string, id_type> code;
  const Network net = network_of(t, code);
  const std::size_t n = t.rows.size();
  std::vector<double> row_v(n), pre(n), sum(n);
  std::vector<std::int64_t> row_i(n), pre_i(n), cnt(n);
  for (std::size_t i = 0; i < n; ++i)
    row_i[i] = std::stoll(t.rows[i][3]), row_v[i] = static_cast<double>(row_i[i]);
  net.rows_to_preorder(row_v.data(), pre.data());
  net.rows_to_preorder(row_i.data(), pre_i.data());
  subtree_sum(net, pre.data(), sum.data());
  subtree_count(net, pre_i.data(), cnt.data());
  std::size_t checked = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (t.rows[i][4].empty()) continue;
    const std::int64_t published = std::stoll(t.rows[i][4]);
    const index_t k = net.position_of_row()[i];
    INFO(t.rows[i][0], " ", t.rows[i][5]);
    REQUIRE(cnt[k] == published);
    REQUIRE(sum[k] == static_cast<double>(published));
    ++checked;
  }
  CHECK(checked == n - 1);  // every node but the root has a published total
}

TEST_CASE("spring boot file tree: bytes, node counts and file counts of every folder" *
          doctest::skip(absent("spring_boot_filetree.csv"))) {
  const Table t = load(data_dir + "/trees/spring_boot_filetree.csv");
  REQUIRE(t.ok);
  REQUIRE(t.rows.size() == 21146);
  std::unordered_map<std::string, id_type> code;
  const Network net = network_of(t, code);
  const std::size_t n = t.rows.size();
  Eigen::MatrixXd m(n, 3);
  for (std::size_t i = 0; i < n; ++i) {
    m(static_cast<Eigen::Index>(i), 0) = std::stod(t.rows[i][3]);
    m(static_cast<Eigen::Index>(i), 1) = 1.0;
    m(static_cast<Eigen::Index>(i), 2) = t.rows[i][2] == "file" ? 1.0 : 0.0;
  }
  const auto out = rollup_rows(net, m);
  for (std::size_t i = 0; i < n; ++i) {
    INFO(t.rows[i][0]);
    const auto r = static_cast<Eigen::Index>(i);
    REQUIRE(out(r, 0) == std::stod(t.rows[i][5]));
    REQUIRE(out(r, 1) == std::stod(t.rows[i][6]));
    REQUIRE(out(r, 2) == std::stod(t.rows[i][7]));
    REQUIRE(net.depth(net.position_of_row()[i]) == std::stoi(t.rows[i][4]));
  }
}
