// Compensation plans: a plan as data (a JSON document or built in code), checked before
// any computation, and its evaluation for one period for every participant at once.
//
// Definitions (docs/concepts.md, "Compensation plans"): active, ranks with capped GV and
// qualified legs, gaps to the next rank, (compressed) levels, unilevel, stairstep
// differential, generation and fast-start bonuses, the payout cap.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "accumulate.hpp"
#include "activity.hpp"
#include "error.hpp"
#include "network.hpp"
#include "placement.hpp"
#include "rollup.hpp"

namespace downline {

/// One `legs` entry of a rank: at least `count` qualified legs of rank `rank` or higher.
struct LegRequirement {
  int count = 0;
  int rank = 0;  ///< index into Plan::ranks
};

/// A rank and its requirements (each optional: absent, it holds).
struct RankRule {
  std::string name;
  std::optional<double> pv;  ///< PV >= pv
  std::optional<double> gv;  ///< capped GV >= gv
  /// At most this share of `gv` counted from one leg (0 < s <= 1); absent: no cap.
  std::optional<double> max_leg_share;
  std::vector<LegRequirement> legs;     ///< each entry checked separately
  std::optional<int> active_frontline;  ///< active frontline recruits >= this
};

/// Unilevel: rates[k - 1] of the volume at (compressed) level k.
struct UnilevelBonus {
  std::vector<double> rates;
  bool compression = false;
  /// Levels paid per rank (index: rank; a rank absent: 0 levels, as having no rank).
  /// Without it (nullopt), every active participant is paid every level.
  std::optional<std::vector<std::optional<int>>> levels_by_rank;
};

/// Stairstep differential: the rate of each rank (absent: 0).
struct DifferentialBonus {
  std::vector<std::optional<double>> rate_by_rank;
};

/// Generation: leaders are active participants of rank `rank` or higher; rates[g - 1]
/// of the volume of generation g.
struct GenerationBonus {
  int rank = 0;
  std::vector<double> rates;
};

/// Fast start: rates[k - 1] of the CV of orders in the first `days` days after
/// enrolment, paid to the k-th sponsor up.
struct FastStartBonus {
  int days = 0;
  std::vector<double> rates;
};

/// Binary: on the placement tree, `rate` of the volume paired between the left and the
/// right side (carries included), at most `cap` a period when given; an inactive
/// participant's sides are carried whole, or dropped with `flush_inactive`.
struct BinaryBonus {
  double rate = 0;
  std::optional<double> cap;
  bool flush_inactive = false;
};

/// Payout cap: every bonus scaled down so that the payout is at most this share of sales.
struct PayoutCap {
  double share_of_sales = 0;
};

/// A compensation plan. Build it from JSON (Plan::parse, Plan::load, Plan::from_json) or
/// in code followed by validate(); evaluate() validates it again.
struct Plan {
  std::string name;
  double active_pv = 0;  ///< active: PV >= active_pv (> 0)
  std::vector<RankRule> ranks;  ///< lowest first
  std::optional<UnilevelBonus> unilevel;
  std::optional<DifferentialBonus> differential;
  std::optional<GenerationBonus> generation;
  std::optional<FastStartBonus> fast_start;
  std::optional<BinaryBonus> binary;
  std::optional<PayoutCap> cap;

  /// The most ranks a plan may have (ranks are stored in 8 bits).
  static constexpr std::size_t max_ranks = 100;

  /// The plan of a JSON document; InputError naming the field and value for anything
  /// that is not a valid plan (unknown fields and rank names included).
  static Plan from_json(const nlohmann::json& doc);
  /// The plan of JSON text (`source` names it in messages).
  static Plan parse(const std::string& text, const std::string& source = "plan");
  /// The plan of a JSON file.
  static Plan load(const std::string& path);
  /// The JSON document of the plan (from_json(to_json()) gives the same plan).
  nlohmann::json to_json() const;
  /// InputError naming the field and value when a value is out of its range.
  void validate() const;
  /// Index of the rank named `rank_name`, or -1.
  int rank_index(std::string_view rank_name) const {
    for (std::size_t r = 0; r < ranks.size(); ++r)
      if (ranks[r].name == rank_name) return static_cast<int>(r);
    return -1;
  }
};

namespace detail {

inline InputError plan_error(const std::string& field, const std::string& problem) {
  return InputError(ErrorKind::bad_value, "plan: " + field + " " + problem);
}

/// "= <value as JSON>"
inline std::string shown(const nlohmann::json& v) {
  return "= " + v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Reads a JSON document's fields with their paths, for messages.
class PlanReader {
 public:
  /// The object at `path`, refusing fields other than `allowed`.
  static const nlohmann::json& object(const nlohmann::json& v, const std::string& path,
                                      std::initializer_list<const char*> allowed) {
    if (!v.is_object()) throw plan_error(path, shown(v) + " must be an object");
    for (auto it = v.begin(); it != v.end(); ++it) {
      const bool known = std::any_of(allowed.begin(), allowed.end(),
                                     [&](const char* a) { return it.key() == a; });
      if (!known) {
        std::string names;
        for (const char* a : allowed) names += std::string(names.empty() ? "" : ", ") + a;
        throw plan_error(join(path, it.key()), "is not a field of " +
                                                   (path.empty() ? std::string("a plan") : path) +
                                                   " (fields: " + names + ")");
      }
    }
    return v;
  }
  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static double number(const nlohmann::json& v, const std::string& path) {
    if (!v.is_number()) throw plan_error(path, shown(v) + " must be a number");
    return v.get<double>();
  }
  static int whole(const nlohmann::json& v, const std::string& path) {
    const double x = v.is_number() ? v.get<double>() : std::nan("");
    if (!v.is_number() || !std::isfinite(x) || x != std::floor(x) || std::abs(x) > 1e9)
      throw plan_error(path, shown(v) + " must be a whole number");
    return static_cast<int>(x);
  }
  static std::vector<double> numbers(const nlohmann::json& v, const std::string& path) {
    if (!v.is_array()) throw plan_error(path, shown(v) + " must be a list of numbers");
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i)
      out.push_back(number(v[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }
  static std::string text(const nlohmann::json& v, const std::string& path) {
    if (!v.is_string()) throw plan_error(path, shown(v) + " must be a string");
    return v.get<std::string>();
  }
  static const nlohmann::json* field(const nlohmann::json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
};

}  // namespace detail

inline Plan Plan::from_json(const nlohmann::json& doc) {
  using R = detail::PlanReader;
  Plan plan;
  const auto& top = R::object(doc, "", {"name", "active_pv", "ranks", "unilevel", "differential",
                                        "generation", "fast_start", "binary", "cap"});
  if (const auto* v = R::field(top, "name")) plan.name = R::text(*v, "name");
  const auto* apv = R::field(top, "active_pv");
  if (!apv) throw detail::plan_error("active_pv", "is missing (the PV that makes a participant active, > 0)");
  plan.active_pv = R::number(*apv, "active_pv");

  // Names first, so that requirements may name any rank.
  const nlohmann::json empty = nlohmann::json::array();
  const auto* ranks = R::field(top, "ranks");
  if (ranks && !ranks->is_array()) throw detail::plan_error("ranks", detail::shown(*ranks) + " must be a list");
  const nlohmann::json& rank_list = ranks ? *ranks : empty;
  for (std::size_t r = 0; r < rank_list.size(); ++r) {
    const std::string path = "ranks[" + std::to_string(r) + "]";
    const auto& o = R::object(rank_list[r], path,
                              {"name", "pv", "gv", "max_leg_share", "legs", "active_frontline"});
    const auto* nm = R::field(o, "name");
    if (!nm) throw detail::plan_error(path + ".name", "is missing");
    RankRule rule;
    rule.name = R::text(*nm, path + ".name");
    if (plan.rank_index(rule.name) >= 0)
      throw detail::plan_error(path + ".name", detail::shown(*nm) + " names two ranks (rank names must be unique)");
    plan.ranks.push_back(std::move(rule));
  }
  const auto rank_of = [&](const nlohmann::json& v, const std::string& path) {
    const std::string nm = R::text(v, path);
    const int r = plan.rank_index(nm);
    if (r < 0) {
      std::string names;
      for (const RankRule& k : plan.ranks) names += (names.empty() ? "" : ", ") + k.name;
      throw detail::plan_error(path, detail::shown(v) + " is not a rank of the plan (ranks: " +
                                         (names.empty() ? "none" : names) + ")");
    }
    return r;
  };
  for (std::size_t r = 0; r < rank_list.size(); ++r) {
    const std::string path = "ranks[" + std::to_string(r) + "]";
    const auto& o = rank_list[r];
    RankRule& rule = plan.ranks[r];
    if (const auto* v = R::field(o, "pv")) rule.pv = R::number(*v, path + ".pv");
    if (const auto* v = R::field(o, "gv")) rule.gv = R::number(*v, path + ".gv");
    if (const auto* v = R::field(o, "max_leg_share")) rule.max_leg_share = R::number(*v, path + ".max_leg_share");
    if (const auto* v = R::field(o, "active_frontline"))
      rule.active_frontline = R::whole(*v, path + ".active_frontline");
    if (const auto* v = R::field(o, "legs")) {
      if (!v->is_array()) throw detail::plan_error(path + ".legs", detail::shown(*v) + " must be a list");
      for (std::size_t e = 0; e < v->size(); ++e) {
        const std::string ep = path + ".legs[" + std::to_string(e) + "]";
        const auto& eo = R::object((*v)[e], ep, {"count", "rank"});
        const auto* c = R::field(eo, "count");
        const auto* k = R::field(eo, "rank");
        if (!c) throw detail::plan_error(ep + ".count", "is missing");
        if (!k) throw detail::plan_error(ep + ".rank", "is missing");
        rule.legs.push_back({R::whole(*c, ep + ".count"), rank_of(*k, ep + ".rank")});
      }
    }
  }
  const auto by_rank = [&](const nlohmann::json& v, const std::string& path, auto read) {
    using T = decltype(read(v, path));
    std::vector<std::optional<T>> out(plan.ranks.size());
    if (!v.is_object()) throw detail::plan_error(path, detail::shown(v) + " must be an object of rank names");
    for (auto it = v.begin(); it != v.end(); ++it) {
      const int r = rank_of(nlohmann::json(it.key()), path + "." + it.key());
      out[static_cast<std::size_t>(r)] = read(it.value(), path + "." + it.key());
    }
    return out;
  };
  if (const auto* v = R::field(top, "unilevel")) {
    const auto& o = R::object(*v, "unilevel", {"rates", "compression", "levels_by_rank"});
    UnilevelBonus b;
    const auto* rates = R::field(o, "rates");
    if (!rates) throw detail::plan_error("unilevel.rates", "is missing");
    b.rates = R::numbers(*rates, "unilevel.rates");
    if (const auto* c = R::field(o, "compression")) {
      if (!c->is_boolean())
        throw detail::plan_error("unilevel.compression", detail::shown(*c) + " must be true or false");
      b.compression = c->get<bool>();
    }
    if (const auto* l = R::field(o, "levels_by_rank")) b.levels_by_rank = by_rank(*l, "unilevel.levels_by_rank", R::whole);
    plan.unilevel = std::move(b);
  }
  if (const auto* v = R::field(top, "differential")) {
    const auto& o = R::object(*v, "differential", {"rate_by_rank"});
    const auto* rr = R::field(o, "rate_by_rank");
    if (!rr) throw detail::plan_error("differential.rate_by_rank", "is missing");
    plan.differential = DifferentialBonus{by_rank(*rr, "differential.rate_by_rank", R::number)};
  }
  if (const auto* v = R::field(top, "generation")) {
    const auto& o = R::object(*v, "generation", {"rank", "rates"});
    const auto* k = R::field(o, "rank");
    const auto* rates = R::field(o, "rates");
    if (!k) throw detail::plan_error("generation.rank", "is missing");
    if (!rates) throw detail::plan_error("generation.rates", "is missing");
    plan.generation = GenerationBonus{rank_of(*k, "generation.rank"), R::numbers(*rates, "generation.rates")};
  }
  if (const auto* v = R::field(top, "fast_start")) {
    const auto& o = R::object(*v, "fast_start", {"days", "rates"});
    const auto* d = R::field(o, "days");
    const auto* rates = R::field(o, "rates");
    if (!d) throw detail::plan_error("fast_start.days", "is missing");
    if (!rates) throw detail::plan_error("fast_start.rates", "is missing");
    plan.fast_start = FastStartBonus{R::whole(*d, "fast_start.days"), R::numbers(*rates, "fast_start.rates")};
  }
  if (const auto* v = R::field(top, "binary")) {
    const auto& o = R::object(*v, "binary", {"rate", "cap", "flush_inactive"});
    const auto* r = R::field(o, "rate");
    if (!r) throw detail::plan_error("binary.rate", "is missing");
    BinaryBonus b;
    b.rate = R::number(*r, "binary.rate");
    if (const auto* c = R::field(o, "cap")) b.cap = R::number(*c, "binary.cap");
    if (const auto* f = R::field(o, "flush_inactive")) {
      if (!f->is_boolean())
        throw detail::plan_error("binary.flush_inactive", detail::shown(*f) + " must be true or false");
      b.flush_inactive = f->get<bool>();
    }
    plan.binary = b;
  }
  if (const auto* v = R::field(top, "cap")) {
    const auto& o = R::object(*v, "cap", {"share_of_sales"});
    const auto* s = R::field(o, "share_of_sales");
    if (!s) throw detail::plan_error("cap.share_of_sales", "is missing");
    plan.cap = PayoutCap{R::number(*s, "cap.share_of_sales")};
  }
  plan.validate();
  return plan;
}

inline Plan Plan::parse(const std::string& text, const std::string& source) {
  nlohmann::json doc;
  // a key given twice in one object is an error (JSON parsers keep one silently)
  std::vector<std::vector<std::string>> keys;  // the keys of each open object
  std::string twice;
  const auto check = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty()) {
      const std::string k = parsed.get<std::string>();
      if (std::find(keys.back().begin(), keys.back().end(), k) != keys.back().end() && twice.empty()) twice = k;
      keys.back().push_back(k);
    }
    return true;
  };
  try {
    doc = nlohmann::json::parse(text, check);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(ErrorKind::parse, source + ": not a JSON document (" + e.what() + ")");
  }
  if (!twice.empty()) throw detail::plan_error("\"" + twice + "\"", "is given twice in one object (" + source + ")");
  return from_json(doc);
}

inline Plan Plan::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(ErrorKind::parse, path + ": cannot open the plan file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

inline void Plan::validate() const {
  using detail::plan_error;
  const auto num = [](double x) {
    std::ostringstream s;
    s.precision(17);
    s << x;
    return "= " + s.str();
  };
  const auto rate = [&](double x, const std::string& path) {
    if (!std::isfinite(x) || x < 0) throw plan_error(path, num(x) + " must be a finite number >= 0");
  };
  const auto rates_list = [&](const std::vector<double>& v, const std::string& path) {
    if (v.empty()) throw plan_error(path, "is empty (give at least one rate)");
    for (std::size_t i = 0; i < v.size(); ++i) rate(v[i], path + "[" + std::to_string(i) + "]");
  };
  const auto rank_ok = [&](int r, const std::string& path) {
    if (r < 0 || static_cast<std::size_t>(r) >= ranks.size())
      throw plan_error(path, "= " + std::to_string(r) + " is not a rank index (the plan has " +
                                 std::to_string(ranks.size()) + " ranks)");
  };
  if (!std::isfinite(active_pv) || active_pv <= 0)
    throw plan_error("active_pv", num(active_pv) + " must be a finite number > 0");
  if (ranks.size() > max_ranks)
    throw plan_error("ranks", "has " + std::to_string(ranks.size()) + " ranks (at most " + std::to_string(max_ranks) + ")");
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankRule& k = ranks[r];
    const std::string path = "ranks[" + std::to_string(r) + "]";
    if (k.name.empty()) throw plan_error(path + ".name", "is empty");
    for (std::size_t q = 0; q < r; ++q)
      if (ranks[q].name == k.name)
        throw plan_error(path + ".name", "= \"" + k.name + "\" names two ranks (rank names must be unique)");
    if (k.pv) rate(*k.pv, path + ".pv");
    if (k.gv) rate(*k.gv, path + ".gv");
    if (k.max_leg_share && !(*k.max_leg_share > 0 && *k.max_leg_share <= 1))
      throw plan_error(path + ".max_leg_share", num(*k.max_leg_share) + " must be in (0, 1]");
    if (k.max_leg_share && !k.gv)
      throw plan_error(path + ".max_leg_share", "needs a gv requirement (it caps each leg's share of gv)");
    if (k.active_frontline && *k.active_frontline < 0)
      throw plan_error(path + ".active_frontline", "= " + std::to_string(*k.active_frontline) + " must be >= 0");
    for (std::size_t e = 0; e < k.legs.size(); ++e) {
      const std::string ep = path + ".legs[" + std::to_string(e) + "]";
      if (k.legs[e].count < 1)
        throw plan_error(ep + ".count", "= " + std::to_string(k.legs[e].count) + " must be >= 1");
      rank_ok(k.legs[e].rank, ep + ".rank");
    }
  }
  if (unilevel) {
    rates_list(unilevel->rates, "unilevel.rates");
    const auto& levels = unilevel->levels_by_rank;
    if (levels && levels->size() != ranks.size())
      throw plan_error("unilevel.levels_by_rank", "has " + std::to_string(levels->size()) +
                                                      " entries for " + std::to_string(ranks.size()) + " ranks");
    for (std::size_t r = 0; levels && r < levels->size(); ++r)
      if ((*levels)[r] && *(*levels)[r] < 0)
        throw plan_error("unilevel.levels_by_rank." + ranks[r].name, "= " + std::to_string(*(*levels)[r]) + " must be >= 0");
  }
  if (differential) {
    if (differential->rate_by_rank.size() != ranks.size())
      throw plan_error("differential.rate_by_rank", "has " + std::to_string(differential->rate_by_rank.size()) +
                                                        " entries for " + std::to_string(ranks.size()) + " ranks");
    for (std::size_t r = 0; r < ranks.size(); ++r)
      if (differential->rate_by_rank[r]) rate(*differential->rate_by_rank[r], "differential.rate_by_rank." + ranks[r].name);
  }
  if (generation) {
    rank_ok(generation->rank, "generation.rank");
    rates_list(generation->rates, "generation.rates");
  }
  if (fast_start) {
    if (fast_start->days < 1)
      throw plan_error("fast_start.days", "= " + std::to_string(fast_start->days) + " must be >= 1");
    rates_list(fast_start->rates, "fast_start.rates");
  }
  if (binary) {
    rate(binary->rate, "binary.rate");
    if (binary->cap) rate(*binary->cap, "binary.cap");
  }
  if (cap) rate(cap->share_of_sales, "cap.share_of_sales");
}

inline nlohmann::json Plan::to_json() const {
  nlohmann::json doc = nlohmann::json::object();
  if (!name.empty()) doc["name"] = name;
  doc["active_pv"] = active_pv;
  doc["ranks"] = nlohmann::json::array();
  for (const RankRule& k : ranks) {
    nlohmann::json o = {{"name", k.name}};
    if (k.pv) o["pv"] = *k.pv;
    if (k.gv) o["gv"] = *k.gv;
    if (k.max_leg_share) o["max_leg_share"] = *k.max_leg_share;
    if (k.active_frontline) o["active_frontline"] = *k.active_frontline;
    if (!k.legs.empty()) {
      o["legs"] = nlohmann::json::array();
      for (const LegRequirement& e : k.legs)
        o["legs"].push_back({{"count", e.count}, {"rank", ranks[static_cast<std::size_t>(e.rank)].name}});
    }
    doc["ranks"].push_back(std::move(o));
  }
  const auto named = [&](const auto& per_rank) {
    nlohmann::json o = nlohmann::json::object();
    for (std::size_t r = 0; r < per_rank.size(); ++r)
      if (per_rank[r]) o[ranks[r].name] = *per_rank[r];
    return o;
  };
  if (unilevel) {
    doc["unilevel"] = {{"rates", unilevel->rates}, {"compression", unilevel->compression}};
    if (unilevel->levels_by_rank) doc["unilevel"]["levels_by_rank"] = named(*unilevel->levels_by_rank);
  }
  if (differential) doc["differential"] = {{"rate_by_rank", named(differential->rate_by_rank)}};
  if (generation)
    doc["generation"] = {{"rank", ranks[static_cast<std::size_t>(generation->rank)].name},
                         {"rates", generation->rates}};
  if (fast_start) doc["fast_start"] = {{"days", fast_start->days}, {"rates", fast_start->rates}};
  if (binary) {
    doc["binary"] = {{"rate", binary->rate}, {"flush_inactive", binary->flush_inactive}};
    if (binary->cap) doc["binary"]["cap"] = *binary->cap;
  }
  if (cap) doc["cap"] = {{"share_of_sales", cap->share_of_sales}};
  return doc;
}

// ------------------------------------------------------------------------- evaluation

/// The placement tree a binary bonus pays on (Placement::tree() and sides()): built from
/// the plan's network's input rows, or with `tree_rows` from rows of which the network
/// holds some; and the carries the (first) period starts from, per participant in the
/// plan's network's preorder (null: 0).
struct BinaryPlacement {
  const Network* tree = nullptr;
  const Sides* sides = nullptr;
  const double* carry_left = nullptr;
  const double* carry_right = nullptr;
  /// The tree's input row of each of the plan's network's input rows (null: the same
  /// rows). With it the tree may hold positions of participants the network no longer
  /// has (terminated ones): they have no volume and pass their placement subtree's on.
  const index_t* tree_rows = nullptr;
};

/// A period's volumes per participant, in preorder (n values each).
struct PeriodVolumes {
  const double* pv = nullptr;  ///< qualifying volume
  const double* cv = nullptr;  ///< commissionable volume; null: CV = PV
  /// CV of the participant's orders inside the fast-start window (the first days after
  /// enrolment) and the period; null: none.
  const double* fast_start_cv = nullptr;
  double sales = 0;  ///< the period's sales (sum of amount)
  /// Who is in the network in the period (1: in, see Network::members_as_of); null:
  /// everyone. The others count for nothing: no volume, rank or bonus.
  const std::uint8_t* members = nullptr;
  /// For a plan with a binary bonus: the placement tree and the carries.
  BinaryPlacement binary = {};
};

/// The period's totals.
struct PlanTotals {
  double sales = 0;
  double unilevel = 0, differential = 0, generation = 0, fast_start = 0, binary = 0;  ///< after the cap
  double earned = 0;      ///< every bonus before the cap
  double paid = 0;        ///< every bonus after the cap
  double cap_factor = 1;  ///< what every bonus was multiplied by (1: the cap did not bind)
  double payout_ratio = 0;  ///< paid / sales (NaN when sales are 0)
};

/// A rank: an index into Plan::ranks, -1 for none (int8: a plan has at most
/// Plan::max_ranks ranks).
using rank_t = std::int8_t;

/// Every participant's figures for one period: in preorder for everyone (evaluate()), or
/// for the period's members in input row order (evaluate_members(), with `rows`). Gaps
/// are NaN where there is no next rank.
struct PlanEvaluation {
  Array<std::uint8_t> member;  ///< in the network in the period (PeriodVolumes::members)
  Array<index_t> rows;  ///< evaluate_members(): the input row of each element (evaluate(): empty)
  Array<double> pv, cv, gv;
  Array<std::uint8_t> active;
  Array<rank_t> rank, next_rank;
  /// The highest rank held in this period and the earlier ones of a run (evaluate: rank).
  Array<rank_t> title;
  Array<double> capped_gv;  ///< capped GV with the next rank's leg cap (NaN: no next rank)
  Array<double> pv_gap, gv_gap, legs_gap, active_frontline_gap;
  Array<double> unilevel, differential, generation, fast_start, binary, total;  ///< after the cap
  /// Binary: each side's volume this period (carry included, at least 0), the volume
  /// paired, and what each side carries to the next period (empty without a binary bonus).
  Array<double> binary_left, binary_right, binary_paired, carry_left, carry_right;
  PlanTotals totals;
  std::vector<std::int64_t> rank_counts;  ///< participants per rank (index: rank)

  /// A per-participant column: its name (as users see it), its field, its value before
  /// it is written.
  template <class T>
  struct Column {
    const char* name;
    Array<T> PlanEvaluation::*field;
    T initial;
  };
  static constexpr double no_gap = std::numeric_limits<double>::quiet_NaN();
  /// The per-participant columns (but member and rows), for code that treats them alike.
  static constexpr Column<double> real_columns[] = {
      {"pv", &PlanEvaluation::pv, 0.0},
      {"cv", &PlanEvaluation::cv, 0.0},
      {"gv", &PlanEvaluation::gv, 0.0},
      {"capped_gv", &PlanEvaluation::capped_gv, no_gap},
      {"pv_gap", &PlanEvaluation::pv_gap, no_gap},
      {"gv_gap", &PlanEvaluation::gv_gap, no_gap},
      {"legs_gap", &PlanEvaluation::legs_gap, no_gap},
      {"active_frontline_gap", &PlanEvaluation::active_frontline_gap, no_gap},
      {"unilevel", &PlanEvaluation::unilevel, 0.0},
      {"differential", &PlanEvaluation::differential, 0.0},
      {"generation", &PlanEvaluation::generation, 0.0},
      {"fast_start", &PlanEvaluation::fast_start, 0.0},
      {"binary", &PlanEvaluation::binary, 0.0},
      {"total", &PlanEvaluation::total, 0.0},
      {"binary_left", &PlanEvaluation::binary_left, 0.0},
      {"binary_right", &PlanEvaluation::binary_right, 0.0},
      {"binary_paired", &PlanEvaluation::binary_paired, 0.0},
      {"carry_left", &PlanEvaluation::carry_left, 0.0},
      {"carry_right", &PlanEvaluation::carry_right, 0.0}};
  /// Whether `name` is a column of the binary bonus (kept only for a plan that has one).
  static bool is_binary_column(std::string_view name) {
    return name == "binary" || name.substr(0, 7) == "binary_" || name.substr(0, 6) == "carry_";
  }
  static constexpr Column<rank_t> rank_columns[] = {{"rank", &PlanEvaluation::rank, rank_t{-1}},
                                                    {"next_rank", &PlanEvaluation::next_rank, rank_t{-1}},
                                                    {"title", &PlanEvaluation::title, rank_t{-1}}};
  static constexpr Column<std::uint8_t> flag_columns[] = {{"active", &PlanEvaluation::active, std::uint8_t{0}}};

  /// f(column, field) for every per-participant column (but member and rows).
  template <class F>
  void for_each_column(F f) {
    for (const auto& c : real_columns) f(c, this->*c.field);
    for (const auto& c : rank_columns) f(c, this->*c.field);
    for (const auto& c : flag_columns) f(c, this->*c.field);
  }
  /// Whether `name` names a per-participant column.
  static bool is_column(std::string_view name) {
    bool found = false;
    PlanEvaluation{}.for_each_column([&](const auto& c, auto&) { found = found || name == c.name; });
    return found;
  }

  /// The columns that keep(name) says yes to, of `size` elements each holding their
  /// initial value (figures 0, ranks -1: none, gaps NaN); the others empty (`member`
  /// untouched).
  template <class Keep>
  void allocate(std::size_t size, Keep keep) {
    for_each_column([&](const auto& c, auto& field) {
      if (keep(std::string_view(c.name)))
        field.assign(size, c.initial);
      else
        field = std::remove_reference_t<decltype(field)>();
    });
  }
  /// Every column of `size` elements (the binary bonus's only `with_binary`), every
  /// element a member.
  void allocate(std::size_t size, bool with_binary) {
    allocate(size, [&](std::string_view c) { return with_binary || !is_binary_column(c); });
    member.assign(size, 1);
  }
};

/// Where an evaluation writes each participant's figures (pointers into columns it does
/// not own): participant k (preorder) goes to element slot[k] of every column, nowhere
/// where slot[k] < 0; a null slot puts k at element k. Every column holds `size`
/// elements, zeros for the bonuses and the total on entry; a null column is not kept
/// (its figures still count in the totals) but `rank`, which must be there.
struct PlanColumns {
  const index_t* slot = nullptr;
  std::size_t size = 0;
  double *pv = nullptr, *cv = nullptr, *gv = nullptr, *capped_gv = nullptr;
  double *pv_gap = nullptr, *gv_gap = nullptr, *legs_gap = nullptr, *active_frontline_gap = nullptr;
  double *unilevel = nullptr, *differential = nullptr, *generation = nullptr, *fast_start = nullptr, *total = nullptr;
  double *binary = nullptr, *binary_left = nullptr, *binary_right = nullptr, *binary_paired = nullptr;
  double *carry_left = nullptr, *carry_right = nullptr;
  std::uint8_t* active = nullptr;
  rank_t *rank = nullptr, *next_rank = nullptr;

  index_t at(index_t k) const { return slot ? slot[k] : k; }

  /// The columns of `ev` that are allocated (the others null), elements [first, first +
  /// size) (size: all from first; `rank` is always allocated).
  static PlanColumns of(PlanEvaluation& ev, const index_t* slot, std::size_t first = 0,
                        std::size_t size = std::numeric_limits<std::size_t>::max()) {
    PlanColumns c;
    c.slot = slot;
    c.size = std::min(size, ev.rank.size() - first);
    const auto at = [&](auto& a) { return a.empty() ? nullptr : a.data() + first; };
    c.pv = at(ev.pv), c.cv = at(ev.cv), c.gv = at(ev.gv), c.capped_gv = at(ev.capped_gv);
    c.pv_gap = at(ev.pv_gap), c.gv_gap = at(ev.gv_gap), c.legs_gap = at(ev.legs_gap);
    c.active_frontline_gap = at(ev.active_frontline_gap);
    c.unilevel = at(ev.unilevel), c.differential = at(ev.differential), c.generation = at(ev.generation);
    c.fast_start = at(ev.fast_start), c.total = at(ev.total);
    c.binary = at(ev.binary), c.binary_left = at(ev.binary_left), c.binary_right = at(ev.binary_right);
    c.binary_paired = at(ev.binary_paired), c.carry_left = at(ev.carry_left), c.carry_right = at(ev.carry_right);
    c.active = at(ev.active), c.rank = at(ev.rank), c.next_rank = at(ev.next_rank);
    return c;
  }
};

namespace detail {

/// What an evaluation keeps in preorder for its caller besides the columns.
struct PlanPass {
  Array<rank_t> rank;  ///< every participant's rank, -1: none or not a member
  PlanTotals totals;
  std::vector<std::int64_t> rank_counts;
  Array<double> carry_left, carry_right;  ///< binary: the carries to the next period (preorder)
};

/// For every participant of `net` (preorder), the volume `v` (preorder) summed over the
/// placement subtree of their left and of their right recruit (0 without one).
inline void side_volumes(const Network& net, const BinaryPlacement& b, const double* v, double* left, double* right) {
  const std::size_t n = static_cast<std::size_t>(net.size()), m = static_cast<std::size_t>(b.tree->size());
  const index_t* row = net.row_of_position().data();
  const index_t* at = b.tree->position_of_row().data();  // the tree's input row -> placement position
  const auto placed_at = [&](std::size_t k) {
    const index_t r = b.tree_rows ? b.tree_rows[row[k]] : row[k];
    return static_cast<std::size_t>(at[r]);
  };
  Array<double> placed(m), sums(m), l(m), r(m);  // positions no participant holds: 0
  for (std::size_t k = 0; k < n; ++k) placed[placed_at(k)] = v[k];
  subtree_sums(*b.tree, placed.data(), sums.data(), 1);
  b.sides->side_sums(sums.data(), l.data(), r.data());
  for (std::size_t k = 0; k < n; ++k) {
    left[k] = l[placed_at(k)];
    right[k] = r[placed_at(k)];
  }
}

/// Throws unless `b`'s tree holds every participant of a network of `n`: the same
/// participants, or with tree_rows distinct rows of the tree.
inline void check_tree_rows(const BinaryPlacement& b, index_t n) {
  const index_t m = b.tree->size();
  if (!b.tree_rows) {
    if (m != n)
      throw errors::bad_value("binary", "the placement tree has " + std::to_string(m) + " participants, the network " +
                                            std::to_string(n));
    return;
  }
  std::vector<bool> seen(static_cast<std::size_t>(m));
  for (index_t k = 0; k < n; ++k) {
    const index_t r = b.tree_rows[k];
    if (r < 0 || r >= m || seen[static_cast<std::size_t>(r)])
      throw errors::bad_value("binary", "tree_rows[" + std::to_string(k) + "] = " + std::to_string(r) +
                                            (r < 0 || r >= m ? " is not a row of the placement tree ("
                                                             : " is given twice (the tree has ") +
                                            std::to_string(m) + " rows)");
    seen[static_cast<std::size_t>(r)] = true;
  }
}

/// `v`, or a copy of it with zeros outside the period's network when someone outside
/// has a value there (their volumes count for nothing).
inline const double* within_members(const double* v, const std::uint8_t* members, index_t n, Array<double>& copy) {
  if (!v || !members) return v;
  bool outside = false;
  for (index_t k = 0; k < n && !outside; ++k) outside = !members[k] && v[k] != 0;
  if (!outside) return v;
  copy.assign(v, v + n);
  for (index_t k = 0; k < n; ++k)
    if (!members[k]) copy[k] = 0;
  return copy.data();
}

/// Phase 2: ranks, bottom-up, with the gaps to the next rank; writes pv, cv, gv,
/// active, rank, next_rank, capped_gv and the gaps of every member. The contribution of
/// a recruit c to its sponsor: for every rank r, its leg's volume toward r's gv
/// (min(GV(c), s x gv) under a leg cap, else GV(c)); a one in the bucket of the highest
/// rank in its subtree (0: none, r + 1: rank r), for qualified legs; whether it is active.
inline void evaluate_ranks(const Network& net, const Plan& plan, const std::uint8_t* members, const double* pv,
                           const double* cv, const double* gv, const std::uint8_t* active, const PlanColumns& out,
                           PlanPass& pass) {
  const std::size_t R = plan.ranks.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> leg_limit(R, std::numeric_limits<double>::infinity());
  for (std::size_t r = 0; r < R; ++r)
    if (plan.ranks[r].gv && plan.ranks[r].max_leg_share) leg_limit[r] = *plan.ranks[r].max_leg_share * *plan.ranks[r].gv;
  const std::size_t buckets = R + 1, legs_at = R, active_at = R + buckets;
  std::vector<double> at_or_above(buckets + 1);  // qualified legs of rank >= r: at_or_above[r + 1]
  pass.rank_counts.assign(R, 0);
  accumulate_children<double>(net, R + buckets + 1, [&](index_t k, double* ch, double* up) {
    if (members && !members[k]) return;  // not in the network yet, nor anyone below: nothing
    const double own = pv[k];
    at_or_above[buckets] = 0;
    for (std::size_t b = buckets; b-- > 0;) at_or_above[b] = at_or_above[b + 1] + ch[legs_at + b];
    const auto holds = [&](std::size_t r) {
      const RankRule& q = plan.ranks[r];
      if (q.pv && !(own >= *q.pv)) return false;
      if (q.gv && !(own + ch[r] >= *q.gv)) return false;
      if (q.active_frontline && !(ch[active_at] >= *q.active_frontline)) return false;
      for (const LegRequirement& e : q.legs)
        if (!(at_or_above[static_cast<std::size_t>(e.rank) + 1] >= e.count)) return false;
      return true;
    };
    int rank = -1;
    for (std::size_t r = R; r-- > 0;)
      if (holds(r)) {
        rank = static_cast<int>(r);
        break;
      }
    pass.rank[k] = static_cast<rank_t>(rank);
    if (rank >= 0) ++pass.rank_counts[static_cast<std::size_t>(rank)];
    const int next = rank + 1 < static_cast<int>(R) ? rank + 1 : -1;
    const index_t i = out.at(k);
    if (i >= 0) {
      if (out.pv) out.pv[i] = own;
      if (out.cv) out.cv[i] = cv[k];
      if (out.gv) out.gv[i] = gv[k];
      if (out.active) out.active[i] = active[k];
      if (out.rank) out.rank[i] = static_cast<rank_t>(rank);
      if (out.next_rank) out.next_rank[i] = static_cast<rank_t>(next);
      double capped = nan, pv_gap = nan, gv_gap = nan, legs_gap = nan, frontline_gap = nan;
      if (next >= 0) {
        const RankRule& q = plan.ranks[static_cast<std::size_t>(next)];
        capped = own + ch[static_cast<std::size_t>(next)];
        pv_gap = q.pv ? std::max(0.0, *q.pv - own) : 0.0;
        gv_gap = q.gv ? std::max(0.0, *q.gv - capped) : 0.0;
        legs_gap = 0;
        for (const LegRequirement& e : q.legs)
          legs_gap += std::max(0.0, e.count - at_or_above[static_cast<std::size_t>(e.rank) + 1]);
        frontline_gap = q.active_frontline ? std::max(0.0, *q.active_frontline - ch[active_at]) : 0.0;
      }
      if (out.capped_gv) out.capped_gv[i] = capped;
      if (out.pv_gap) out.pv_gap[i] = pv_gap;
      if (out.gv_gap) out.gv_gap[i] = gv_gap;
      if (out.legs_gap) out.legs_gap[i] = legs_gap;
      if (out.active_frontline_gap) out.active_frontline_gap[i] = frontline_gap;
    }
    // contribution to the sponsor
    for (std::size_t r = 0; r < R; ++r) up[r] += std::min(gv[k], leg_limit[r]);
    std::size_t highest = static_cast<std::size_t>(rank + 1);
    for (std::size_t b = buckets; b-- > highest + 1;)
      if (ch[legs_at + b] > 0) {
        highest = b;
        break;
      }
    up[legs_at + highest] += 1;
    up[active_at] += active[k];
  });
}

/// Evaluates `plan` for one period into `out` (see PlanColumns): the phases of
/// evaluate(), with preorder scratch of ~10 bytes per participant (GV, active, rank)
/// besides the period's volumes.
inline PlanPass evaluate_into(const Network& net, const Plan& plan, const PeriodVolumes& in, const PlanColumns& out) {
  plan.validate();
  const index_t n = net.size();
  const std::size_t un = static_cast<std::size_t>(n);
  if (n > 0 && !in.pv) throw errors::bad_value("pv", "is missing (one PV per participant)");
  if (!std::isfinite(in.sales)) throw errors::bad_value("sales", "must be finite");
  PlanPass pass;
  pass.rank.assign(un, rank_t{-1});

  // Phase 1: volumes and activity, the members' only (active_pv > 0: the others are not
  // active).
  Array<double> pv_within, cv_within, fast_within;
  const double* pv = within_members(in.pv, in.members, n, pv_within);
  const double* cv = in.cv ? within_members(in.cv, in.members, n, cv_within) : pv;
  Array<double> gv(un);
  subtree_sums(net, pv, gv.data(), 1);
  Array<std::uint8_t> active(un);
  for (index_t k = 0; k < n; ++k) active[k] = pv[k] >= plan.active_pv;

  // Phase 2: ranks and gaps.
  evaluate_ranks(net, plan, in.members, pv, cv, gv.data(), active.data(), out, pass);
  const rank_t* rank = pass.rank.data();
  gv = Array<double>();  // (freed: the bonuses need CV, activity and ranks only)

  // Phase 3: bonuses before the cap, written where the participants go (each bonus and
  // the participant's total), and summed.
  struct Earned {
    double unilevel = 0, differential = 0, generation = 0, fast_start = 0, binary = 0;
  } earned;
  const auto pay = [&](double* column, double& sum, index_t k, double e) {
    sum += e;
    const index_t i = out.at(k);
    if (i < 0) return;
    if (column) column[i] = e;
    if (out.total) out.total[i] += e;
  };
  const auto is_active = [&](index_t k) { return static_cast<int>(active[k]); };
  const auto one = [](index_t) { return 1; };
  const auto none = [](index_t) { return 0; };
  if (plan.unilevel) {
    const UnilevelBonus& b = plan.unilevel.value();
    const int K = static_cast<int>(b.rates.size());
    const auto paid_levels = [&](index_t k) {
      if (!b.levels_by_rank) return K;
      const int r = rank[k];
      const auto& levels = *b.levels_by_rank;
      return r < 0 || !levels[static_cast<std::size_t>(r)] ? 0 : std::min(K, *levels[static_cast<std::size_t>(r)]);
    };
    const auto earn = [&](index_t k, const double* lv) {
      if (!active[k]) return;
      double s = 0;
      for (int j = 0, m = paid_levels(k); j < m; ++j) s += b.rates[static_cast<std::size_t>(j)] * lv[j];
      pay(out.unilevel, earned.unilevel, k, s);
    };
    if (b.compression)
      marked_level_sums(net, cv, is_active, none, K, earn);
    else
      marked_level_sums(net, cv, one, none, K, earn);
  }
  if (plan.differential) {
    const DifferentialBonus& b = plan.differential.value();
    std::vector<double> values{0.0};
    for (const auto& x : b.rate_by_rank)
      if (x) values.push_back(*x);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    std::vector<int> bucket_of_rank(b.rate_by_rank.size(), 0);
    for (std::size_t r = 0; r < b.rate_by_rank.size(); ++r)
      if (b.rate_by_rank[r])
        bucket_of_rank[r] = static_cast<int>(std::lower_bound(values.begin(), values.end(), *b.rate_by_rank[r]) -
                                             values.begin());
    const auto bucket = [&](index_t k) {
      return active[k] && rank[k] >= 0 ? bucket_of_rank[static_cast<std::size_t>(rank[k])] : 0;
    };
    path_max_sums(net, cv, bucket, static_cast<int>(values.size()), [&](index_t k, const double* s) {
      const double d = values[static_cast<std::size_t>(bucket(k))];
      if (d <= 0) return;
      double e = d * cv[k];
      for (std::size_t j = 0; j < values.size() && values[j] < d; ++j) e += s[j] * (d - values[j]);
      pay(out.differential, earned.differential, k, e);
    });
  }
  if (plan.generation) {
    const GenerationBonus& b = plan.generation.value();
    const auto leader = [&](index_t k) { return static_cast<int>(active[k] && rank[k] >= b.rank); };
    marked_level_sums(net, cv, leader, leader, static_cast<int>(b.rates.size()) + 1,
                      [&](index_t k, const double* g) {
                        if (!leader(k)) return;
                        double s = 0;
                        for (std::size_t j = 0; j < b.rates.size(); ++j) s += b.rates[j] * g[j + 1];
                        pay(out.generation, earned.generation, k, s);
                      });
  }
  if (plan.fast_start && in.fast_start_cv) {
    const FastStartBonus& b = plan.fast_start.value();
    const double* fs = within_members(in.fast_start_cv, in.members, n, fast_within);
    marked_level_sums(net, fs, one, none, static_cast<int>(b.rates.size()), [&](index_t k, const double* lv) {
      if (!active[k]) return;
      double s = 0;
      for (std::size_t j = 0; j < b.rates.size(); ++j) s += b.rates[j] * lv[j];
      pay(out.fast_start, earned.fast_start, k, s);
    });
  }

  if (plan.binary) {
    const BinaryBonus& b = plan.binary.value();
    const BinaryPlacement& placed = in.binary;
    if (!placed.tree || !placed.sides)
      throw errors::bad_value("binary", "needs the placement tree (the plan has a binary bonus)");
    check_tree_rows(placed, n);
    Array<double> new_left(un), new_right(un);
    side_volumes(net, placed, pv, new_left.data(), new_right.data());
    pass.carry_left.assign(un, 0.0);
    pass.carry_right.assign(un, 0.0);
    for (index_t k = 0; k < n; ++k) {
      const double in_left = placed.carry_left ? placed.carry_left[k] : 0.0;
      const double in_right = placed.carry_right ? placed.carry_right[k] : 0.0;
      if (in.members && !in.members[k]) {  // not in the network yet: carries kept as they are
        pass.carry_left[k] = in_left;
        pass.carry_right[k] = in_right;
        continue;
      }
      const double left = std::max(0.0, in_left + new_left[k]), right = std::max(0.0, in_right + new_right[k]);
      const double paired = active[k] ? std::min(left, right) : 0.0;
      const bool flushed = !active[k] && b.flush_inactive;
      pass.carry_left[k] = flushed ? 0.0 : left - paired;
      pass.carry_right[k] = flushed ? 0.0 : right - paired;
      if (active[k]) pay(out.binary, earned.binary, k, b.cap ? std::min(b.rate * paired, *b.cap) : b.rate * paired);
      const index_t i = out.at(k);
      if (i < 0) continue;
      for (auto [column, value] : {std::pair{out.binary_left, left}, std::pair{out.binary_right, right},
                                   std::pair{out.binary_paired, paired},
                                   std::pair{out.carry_left, pass.carry_left[k]},
                                   std::pair{out.carry_right, pass.carry_right[k]}})
        if (column) column[i] = value;
    }
  }

  // Phase 4: the cap, applied to every figure written, and the totals (from the sums,
  // so that they do not depend on the columns kept).
  PlanTotals& t = pass.totals;
  t.sales = in.sales;
  t.earned = earned.unilevel + earned.differential + earned.generation + earned.fast_start + earned.binary;
  if (plan.cap) {
    const double limit = plan.cap->share_of_sales * in.sales;
    if (t.earned > limit) t.cap_factor = limit > 0 ? limit / t.earned : 0.0;
  }
  if (t.cap_factor != 1)
    for (double* a : {out.unilevel, out.differential, out.generation, out.fast_start, out.binary, out.total})
      if (a)
        for (std::size_t i = 0; i < out.size; ++i) a[i] *= t.cap_factor;
  t.unilevel = earned.unilevel * t.cap_factor;
  t.differential = earned.differential * t.cap_factor;
  t.generation = earned.generation * t.cap_factor;
  t.fast_start = earned.fast_start * t.cap_factor;
  t.binary = earned.binary * t.cap_factor;
  t.paid = t.unilevel + t.differential + t.generation + t.fast_start + t.binary;
  t.payout_ratio = in.sales != 0 ? t.paid / in.sales : std::numeric_limits<double>::quiet_NaN();
  return pass;
}

/// The period's members (members null: everyone) in two orders. slot[k]: participant
/// k's element among the members in preorder (-1: not a member), where an evaluation
/// writes (sequentially: the passes run over the preorder). from[i]: the element, in that
/// order, of the i-th member in input row order; row(i, r) gets its input row r. Returns
/// the number of members.
template <class Row>
std::size_t member_order(const Network& net, const std::uint8_t* members, Array<index_t>& slot,
                         Array<index_t>& from, Row row) {
  const index_t n = net.size();
  slot.resize(static_cast<std::size_t>(n));
  std::size_t m = 0;
  for (index_t k = 0; k < n; ++k) slot[k] = !members || members[k] != 0 ? static_cast<index_t>(m++) : -1;
  from.resize(m);
  const index_t* pos = net.position_of_row().data();
  for (index_t r = 0, i = 0; r < n; ++r) {
    const index_t e = slot[pos[r]];
    if (e < 0) continue;
    from[i] = e;
    row(static_cast<std::size_t>(i++), r);
  }
  return m;
}

/// Elements [first, first + from.size()) of every column of `ev` put in input row order:
/// element first + i takes the value of element first + from[i] (member_order()), on
/// every thread, one column at a time through one buffer per column type: a whole column
/// is gathered into the buffer and swapped with it (the old column is the next one's
/// buffer), a slice is gathered into the buffer and copied back.
inline void members_to_rows(PlanEvaluation& ev, std::size_t first, const Array<index_t>& from) {
  const std::size_t m = from.size();
  std::tuple<Array<double>, Array<rank_t>, Array<std::uint8_t>> buffers;  // one per column type
  const auto reorder = [&](auto& column) {
    if (column.empty()) return;
    using Column = std::remove_reference_t<decltype(column)>;
    using T = typename Column::value_type;
    const auto gather = [&](const T* in, T* out) {
      detail::parallel_for(m, detail::network_build::row_grain, [&](std::size_t, std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) out[i] = in[from[i]];
      });
    };
    Column& buffer = std::get<Column>(buffers);
    if (buffer.size() != m) buffer.resize(m);
    if (first == 0 && column.size() == m) {
      gather(column.data(), buffer.data());
      column.swap(buffer);
      return;
    }
    T* tmp = buffer.data();
    gather(column.data() + first, tmp);
    detail::parallel_for(m, detail::network_build::row_grain, [&](std::size_t, std::size_t b, std::size_t e) {
      std::copy(tmp + b, tmp + e, column.data() + first + b);
    });
  };
  ev.for_each_column([&](const auto&, auto& field) { reorder(field); });
}

/// The members of a period (members[k] != 0; members null: all n).
inline std::size_t count_members(const std::uint8_t* members, index_t n) {
  if (!members) return static_cast<std::size_t>(n);
  return static_cast<std::size_t>(n - std::count(members, members + n, std::uint8_t{0}));
}

/// A run finds each period's orders by a scan rather than build the Activity's index by
/// day (4 bytes an order): the scans are a small part of a run's time, and a run's memory
/// is to be its table.
constexpr bool run_index_by_day = false;

/// Period bounds that make at least one period and increase.
inline void check_bounds(const std::vector<day_t>& bounds) {
  if (bounds.size() < 2) throw errors::bad_value("periods", "need at least two bounds (one period)");
  for (std::size_t i = 1; i < bounds.size(); ++i)
    if (!(bounds[i - 1] < bounds[i]))
      throw errors::bad_value("periods", "bounds must increase (bound " + std::to_string(i) + " is not after the one before)");
}

/// What an evaluation hands back besides its columns, kept in `ev`.
inline void keep_pass(PlanEvaluation& ev, PlanPass&& pass) {
  ev.totals = pass.totals;
  ev.rank_counts = std::move(pass.rank_counts);
}

/// The highest rank held so far: title = max(title, rank), for every participant.
inline void carry_titles(Array<rank_t>& title, const Array<rank_t>& rank) {
  for (std::size_t k = 0; k < title.size(); ++k) title[k] = std::max(title[k], rank[k]);
}

}  // namespace detail

/// Evaluates `plan` for one period on `net` (the network as of the period's last day)
/// with the period's volumes `in`, in preorder for everyone (participants outside the
/// period's network: zeros, no rank, NaN gaps). Everything for everyone at once, in a
/// few passes over the network whose memory grows with its height; the same bits on any
/// thread count.
inline PlanEvaluation evaluate(const Network& net, const Plan& plan, const PeriodVolumes& in) {
  PlanEvaluation ev;
  ev.allocate(static_cast<std::size_t>(net.size()), plan.binary.has_value());
  if (in.members) std::copy(in.members, in.members + net.size(), ev.member.begin());
  detail::keep_pass(ev, detail::evaluate_into(net, plan, in, PlanColumns::of(ev, nullptr)));
  ev.title = ev.rank;
  return ev;
}

/// evaluate() for the period's members only, in the network's input row order (as tables
/// for users are ordered): element i is the participant of input row rows[i].
inline PlanEvaluation evaluate_members(const Network& net, const Plan& plan, const PeriodVolumes& in) {
  Array<index_t> slot, from;
  PlanEvaluation ev;
  ev.rows.resize(detail::count_members(in.members, net.size()));
  detail::member_order(net, in.members, slot, from, [&](std::size_t i, index_t r) { ev.rows[i] = r; });
  ev.allocate(ev.rows.size(), [&](std::string_view c) {  // title: the ranks, in row order
    return c != "title" && (plan.binary || !PlanEvaluation::is_binary_column(c));
  });
  ev.member.assign(ev.rows.size(), 1);
  detail::keep_pass(ev, detail::evaluate_into(net, plan, in, PlanColumns::of(ev, slot.data())));
  slot = Array<index_t>();
  detail::members_to_rows(ev, 0, from);
  ev.title = ev.rank;
  return ev;
}

/// The orders a plan reads, mapped once: PV is the Activity's volumes; CV and the sales
/// amount are its value columns named `cv` and `amount` (Activity::values()), or the PV
/// where the name is empty.
struct PlanOrders {
  PlanOrders(const Activity& orders_, std::string cv_ = {}, std::string amount_ = {})  // NOLINT: an Activity is its PV
      : orders(orders_), cv(std::move(cv_)), amount(std::move(amount_)) {}
  const Activity& orders;
  std::string cv;
  std::string amount;
};

namespace detail {

/// The orders mapped onto this network and holding the columns named (InputError naming
/// the sizes or the column otherwise); the CV and amount columns (null: the PV).
inline std::pair<const double*, const double*> checked_columns(const Network& net, const PlanOrders& o) {
  if (o.orders.network_size() != net.size())
    throw errors::bad_value("orders", "were mapped to a network of " + std::to_string(o.orders.network_size()) +
                                          " participants, not this one of " + std::to_string(net.size()));
  return {o.cv.empty() ? nullptr : o.orders.values(o.cv).data(),
          o.amount.empty() ? nullptr : o.orders.values(o.amount).data()};
}

}  // namespace detail

/// The period's volumes from the orders (PlanOrders: PV, CV, sales amount), every order
/// with start <= day < end, in one scan; the fast-start CV of the orders in
/// [enrolled_on, enrolled_on + plan's days) (needs enrolment dates when the plan has a
/// fast start); with enrolment dates, the network as of end - 1 (the period's last day).
/// Sales count every order of the period. `index_by_day`: the period's orders are found
/// through the Activity's index by day (Activity::period_orders()), else by a scan.
struct PeriodData {
  Array<double> pv, cv, fast_start_cv;  ///< cv empty: CV = PV
  double sales = 0;
  Array<std::uint8_t> members;  ///< the network as of the period's last day
  PeriodVolumes volumes() const {
    return {pv.data(), cv.empty() ? nullptr : cv.data(), fast_start_cv.empty() ? nullptr : fast_start_cv.data(),
            sales, members.empty() ? nullptr : members.data()};
  }
};

inline PeriodData period_data(const Network& net, const Plan& plan, const PlanOrders& orders, day_t start,
                              day_t end, bool index_by_day = true) {
  const index_t n = net.size();
  const auto [cv_of, amount_of] = detail::checked_columns(net, orders);
  if (start >= end) throw errors::bad_value("period", "[start, end) is empty: start must be before end");
  PeriodData d;
  if (net.has_enrolment()) d.members = net.members_as_of(end - 1);
  d.pv.assign(static_cast<std::size_t>(n), 0.0);
  if (cv_of) d.cv.assign(static_cast<std::size_t>(n), 0.0);
  const bool fast = plan.fast_start.has_value();
  if (fast) {
    if (!net.has_enrolment() && n > 0)
      throw errors::bad_value("fast_start", "needs the participants' enrolment dates (the network has none)");
    d.fast_start_cv.assign(static_cast<std::size_t>(n), 0.0);
  }
  const std::int64_t fast_days = fast ? plan.fast_start->days : 0;
  const day_t* enrolled = net.enrolment_days().data();
  // One scan: PV, CV, the fast-start CV of the orders in the first days after enrolment,
  // and the sales (each participant's orders, and the sales, added in input order).
  const Activity& a = orders.orders;
  const index_t* node = a.nodes().data();
  const day_t* day = a.days().data();
  const double* pv = a.volumes().data();
  double* cv_to = cv_of ? d.cv.data() : d.pv.data();
  double sales = 0;
  a.for_each_order_index(a.period_orders(start, end, index_by_day), [&](std::size_t i) {
    const index_t k = node[i];
    const double cv = cv_of ? cv_of[i] : pv[i];
    if (cv_of) d.pv[k] += pv[i];
    cv_to[k] += cv;
    sales += amount_of ? amount_of[i] : pv[i];
    if (fast) {
      const std::int64_t since = static_cast<std::int64_t>(day[i]) - enrolled[k];
      if (since >= 0 && since < fast_days) d.fast_start_cv[k] += cv;
    }
  });
  d.sales = sales;
  return d;
}

/// A plan evaluated over consecutive periods [bounds[i], bounds[i + 1]), each on the
/// network as of its last day, with the title (the highest rank held so far) and the
/// binary bonus's carries (from `binary`'s for the first period) carried forward:
/// each(i, evaluation) is called for every period in order, the evaluation in preorder
/// (evaluate()), to keep or consume.
template <class Each>
void run_each(const Network& net, const Plan& plan, const PlanOrders& orders, const std::vector<day_t>& bounds,
              Each each, const BinaryPlacement& binary = {}) {
  detail::check_bounds(bounds);
  Array<rank_t> title(static_cast<std::size_t>(net.size()), rank_t{-1});
  BinaryPlacement placed = binary;
  Array<double> carry_left, carry_right;
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
    const PeriodData data = period_data(net, plan, orders, bounds[i], bounds[i + 1], detail::run_index_by_day);
    PeriodVolumes in = data.volumes();
    in.binary = placed;
    PlanEvaluation ev = evaluate(net, plan, in);
    detail::carry_titles(title, ev.rank);
    ev.title = title;
    if (plan.binary) {  // the next period starts from this one's carries
      carry_left = ev.carry_left;
      carry_right = ev.carry_right;
      placed.carry_left = carry_left.data();
      placed.carry_right = carry_right.data();
    }
    each(i, std::move(ev));
  }
}

/// run_each() collected: one evaluation per period (in preorder).
struct PlanRun {
  std::vector<day_t> bounds;
  std::vector<PlanEvaluation> periods;
};

inline PlanRun run(const Network& net, const Plan& plan, const PlanOrders& orders,
                   const std::vector<day_t>& bounds, const BinaryPlacement& binary = {}) {
  PlanRun out;
  out.bounds = bounds;
  run_each(
      net, plan, orders, bounds, [&](std::size_t, PlanEvaluation&& ev) { out.periods.push_back(std::move(ev)); },
      binary);
  return out;
}

/// A run as one table: period after period, each period's members in input row order
/// (as evaluate_members()). The columns are allocated once and written in place, so that
/// a run costs its table plus one period's scratch (its volumes, the members' order, GV:
/// ~40 to 60 bytes per participant).
/// run_table() keeps the `columns` named (empty: every one but capped_gv; `rank` always).
struct PlanRunTable {
  std::vector<day_t> bounds;
  /// Period i's elements are [offsets[i], offsets[i + 1]).
  std::vector<std::size_t> offsets;
  /// The input row of each element (32 bits: a run's network has fewer than 2^31
  /// participants).
  Array<std::int32_t> rows;
  /// The per-participant columns of every period, concatenated; `member`, `rows`, and
  /// the columns not kept are empty (every element is a member; see `rows`).
  PlanEvaluation columns;
  std::vector<PlanTotals> totals;                        ///< per period
  std::vector<std::vector<std::int64_t>> rank_counts;    ///< per period
};

inline PlanRunTable run_table(const Network& net, const Plan& plan, const PlanOrders& orders,
                              const std::vector<day_t>& bounds,
                              const std::vector<std::string>& columns = {}, const BinaryPlacement& binary = {}) {
  // Phase 0: the inputs checked before anything is allocated.
  plan.validate();
  detail::checked_columns(net, orders);
  detail::check_bounds(bounds);
  for (const std::string& name : columns)
    if (!PlanEvaluation::is_column(name) || name == "capped_gv") {
      std::string names;
      PlanEvaluation{}.for_each_column([&](const auto& c, auto&) {
        if (std::string_view(c.name) != "capped_gv") names += std::string(names.empty() ? "" : ", ") + c.name;
      });
      throw errors::bad_value("columns", "\"" + name + "\" is not a column of a run (columns: " + names + ")");
    }
  const auto keep = [&](std::string_view name) {
    if (name == "rank") return true;  // (rank changes need it)
    if (!plan.binary && PlanEvaluation::is_binary_column(name)) return false;
    if (columns.empty()) return name != "capped_gv";
    return std::find(columns.begin(), columns.end(), name) != columns.end();
  };
  const index_t n = net.size();
  if (n > std::numeric_limits<std::int32_t>::max())
    throw errors::bad_value("network", "has " + std::to_string(n) + " participants: a run's table holds at most " +
                                           std::to_string(std::numeric_limits<std::int32_t>::max()));
  PlanRunTable t;
  t.bounds = bounds;
  const std::size_t periods = bounds.size() - 1;

  // Phase 1: each period's members counted, so that every column is allocated once.
  t.offsets.assign(periods + 1, 0);
  for (std::size_t i = 0; i < periods; ++i) {
    std::size_t m = static_cast<std::size_t>(n);
    if (net.has_enrolment()) {
      m = detail::count_members(net.members_as_of(bounds[i + 1] - 1).data(), n);
    }
    t.offsets[i + 1] = t.offsets[i] + m;
  }
  PlanEvaluation& c = t.columns;
  c.allocate(t.offsets.back(), keep);
  t.rows.resize(t.offsets.back());

  // Phase 2: the periods in turn, each written into its slice (its members in preorder,
  // then put in input row order); titles carried forward.
  Array<index_t> slot, from;
  Array<rank_t> title(static_cast<std::size_t>(n), rank_t{-1});
  BinaryPlacement placed = binary;
  Array<double> carry_left, carry_right;  // binary: the carries of the period before
  for (std::size_t i = 0; i < periods; ++i) {
    detail::PlanPass pass;
    {
      const PeriodData data = period_data(net, plan, orders, bounds[i], bounds[i + 1], detail::run_index_by_day);
      PeriodVolumes in = data.volumes();
      in.binary = placed;
      std::int32_t* rows = t.rows.data() + t.offsets[i];
      detail::member_order(net, data.members.empty() ? nullptr : data.members.data(), slot, from,
                           [&](std::size_t e, index_t r) { rows[e] = static_cast<std::int32_t>(r); });
      if (from.size() != t.offsets[i + 1] - t.offsets[i])
        throw std::logic_error("run_table: the members of a period were counted twice, differently");
      pass = detail::evaluate_into(net, plan, in, PlanColumns::of(c, slot.data(), t.offsets[i], from.size()));
    }
    if (plan.binary) {
      carry_left = std::move(pass.carry_left);
      carry_right = std::move(pass.carry_right);
      placed.carry_left = carry_left.data();
      placed.carry_right = carry_right.data();
    }
    detail::carry_titles(title, pass.rank);
    if (!c.title.empty()) {
      rank_t* to = c.title.data() + t.offsets[i];
      for (index_t k = 0; k < n; ++k)
        if (slot[k] >= 0) to[slot[k]] = title[k];
    }
    detail::members_to_rows(c, t.offsets[i], from);
    t.totals.push_back(pass.totals);
    t.rank_counts.push_back(std::move(pass.rank_counts));
  }
  return t;
}

/// Two plans on the same network and period (what-if): both evaluations and, per
/// participant, total under b minus total under a.
struct PlanComparison {
  PlanEvaluation a, b;
  Array<double> difference;
  std::int64_t gain = 0, lose = 0, equal = 0;  ///< participants (members) by the sign of the difference
};

inline PlanComparison compare(const Network& net, const Plan& a, const Plan& b, const PeriodVolumes& in) {
  PlanComparison c;
  c.a = evaluate(net, a, in);
  c.b = evaluate(net, b, in);
  c.difference.resize(c.a.total.size());
  for (std::size_t k = 0; k < c.difference.size(); ++k) {
    c.difference[k] = c.b.total[k] - c.a.total[k];
    if (!c.a.member[k]) continue;
    if (c.difference[k] > 0) ++c.gain;
    else if (c.difference[k] < 0) ++c.lose;
    else ++c.equal;
  }
  return c;
}

}  // namespace downline
