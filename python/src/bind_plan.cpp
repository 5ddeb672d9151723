// Compensation plans: downline._core.Plan (from JSON text) and one period's evaluation.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "downline/plan.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::checked;
using downline::python::def_view;

namespace {

/// A binary bonus's placement tree, starting carries and the tree's row of each of the
/// network's rows: the carries given per input row, held in the network's preorder.
struct Placed {
  BinaryPlacement binary;
  Array<double> left, right;

  Placed(const Network& net, const Network* tree, const Sides* sides, const std::optional<carray<double>>& left_by_row,
         const std::optional<carray<double>>& right_by_row, const std::optional<carray<index_t>>& tree_rows) {
    binary.tree = tree;
    binary.sides = sides;
    const std::size_t n = static_cast<std::size_t>(net.size());
    if (tree_rows) binary.tree_rows = checked(*tree_rows, n, "tree_rows");
    if (left_by_row) {
      left.resize(n);
      net.rows_to_preorder(checked(*left_by_row, n, "carry_left"), left.data());
      binary.carry_left = left.data();
    }
    if (right_by_row) {
      right.resize(n);
      net.rows_to_preorder(checked(*right_by_row, n, "carry_right"), right.data());
      binary.carry_right = right.data();
    }
  }
};

}  // namespace

void bind_plan(py::module_& m) {
  py::class_<Plan, std::shared_ptr<Plan>>(m, "Plan", "A compensation plan (checked when made)")
      .def_static(
          "parse",
          [](const std::string& text, const std::string& source) { return std::make_shared<Plan>(Plan::parse(text, source)); },
          py::arg("text"), py::arg("source") = "plan", "The plan of a JSON document (InputError naming the field)")
      .def("to_json", [](const Plan& p) { return p.to_json().dump(); }, "The plan as JSON text")
      .def_property_readonly("name", [](const Plan& p) { return p.name; })
      .def_property_readonly("active_pv", [](const Plan& p) { return p.active_pv; })
      .def_property_readonly(
          "rank_names",
          [](const Plan& p) {
            std::vector<std::string> names;
            for (const RankRule& r : p.ranks) names.push_back(r.name);
            return names;
          },
          "The rank names, lowest first");

  py::class_<PlanTotals>(m, "PlanTotals", "A period's totals (bonuses after the cap)")
      .def_readonly("sales", &PlanTotals::sales)
      .def_readonly("unilevel", &PlanTotals::unilevel)
      .def_readonly("differential", &PlanTotals::differential)
      .def_readonly("generation", &PlanTotals::generation)
      .def_readonly("fast_start", &PlanTotals::fast_start)
      .def_readonly("binary", &PlanTotals::binary)
      .def_readonly("earned", &PlanTotals::earned)
      .def_readonly("paid", &PlanTotals::paid)
      .def_readonly("cap_factor", &PlanTotals::cap_factor)
      .def_readonly("payout_ratio", &PlanTotals::payout_ratio);

  // writeable views: Evaluation.participants holds them as its columns (no copy), and a
  // user may change a frame's values in place as with any pandas frame
  py::class_<PlanEvaluation, std::shared_ptr<PlanEvaluation>> ev(
      m, "PlanEvaluation",
      "One period's figures per participant in the network in the period (enrolled by its last day), in the "
      "network's input row order (numpy views; `rows` gives their input rows); "
      "ranks are indices into the plan's ranks, -1 for none");
  def_view(ev, "rows", &PlanEvaluation::rows, "the input row of each element: the members, in input row order", true);
  def_view(ev, "pv", &PlanEvaluation::pv, "personal volume", true);
  def_view(ev, "cv", &PlanEvaluation::cv, "commissionable volume", true);
  def_view(ev, "gv", &PlanEvaluation::gv, "group volume", true);
  def_view(ev, "active", &PlanEvaluation::active, "PV >= active_pv", true);
  def_view(ev, "rank", &PlanEvaluation::rank, "rank index, -1: none", true);
  def_view(ev, "next_rank", &PlanEvaluation::next_rank, "the next rank's index, -1: none", true);
  def_view(ev, "title", &PlanEvaluation::title, "the highest rank held so far in a run (evaluate: rank)", true);
  def_view(ev, "capped_gv", &PlanEvaluation::capped_gv, "capped GV under the next rank's leg cap", true);
  def_view(ev, "pv_gap", &PlanEvaluation::pv_gap, "PV missing for the next rank", true);
  def_view(ev, "gv_gap", &PlanEvaluation::gv_gap, "capped GV missing for the next rank", true);
  def_view(ev, "legs_gap", &PlanEvaluation::legs_gap, "qualified legs missing for the next rank", true);
  def_view(ev, "active_frontline_gap", &PlanEvaluation::active_frontline_gap,
           "active frontline recruits missing for the next rank", true);
  def_view(ev, "unilevel", &PlanEvaluation::unilevel, "unilevel bonus", true);
  def_view(ev, "differential", &PlanEvaluation::differential, "differential bonus", true);
  def_view(ev, "generation", &PlanEvaluation::generation, "generation bonus", true);
  def_view(ev, "fast_start", &PlanEvaluation::fast_start, "fast-start bonus", true);
  def_view(ev, "binary", &PlanEvaluation::binary, "binary bonus (empty without one)", true);
  def_view(ev, "binary_left", &PlanEvaluation::binary_left, "the left side's volume, carry included", true);
  def_view(ev, "binary_right", &PlanEvaluation::binary_right, "the right side's volume, carry included", true);
  def_view(ev, "binary_paired", &PlanEvaluation::binary_paired, "the volume paired", true);
  def_view(ev, "carry_left", &PlanEvaluation::carry_left, "the left side's carry to the next period", true);
  def_view(ev, "carry_right", &PlanEvaluation::carry_right, "the right side's carry to the next period", true);
  def_view(ev, "total", &PlanEvaluation::total, "every bonus", true);
  ev.def_readonly("totals", &PlanEvaluation::totals)
      .def_readonly("rank_counts", &PlanEvaluation::rank_counts, "participants per rank");

  m.def(
      "evaluate_plan",
      [](const Network& net, const Plan& plan, const Activity& orders, const std::string& cv,
         const std::string& amount, day_t start, day_t end, const Network* placement, const Sides* sides,
         const std::optional<carray<double>>& carry_left, const std::optional<carray<double>>& carry_right,
         const std::optional<carray<index_t>>& tree_rows) {
        auto out = std::make_shared<PlanEvaluation>();
        const Placed placed(net, placement, sides, carry_left, carry_right, tree_rows);
        py::gil_scoped_release release;
        const PeriodData data = period_data(net, plan, PlanOrders{orders, cv, amount}, start, end);
        PeriodVolumes in = data.volumes();
        in.binary = placed.binary;
        *out = evaluate_members(net, plan, in);
        return out;
      },
      py::arg("network"), py::arg("plan"), py::arg("orders"), py::arg("cv") = "", py::arg("amount") = "",
      py::arg("start"), py::arg("end"), py::arg("placement") = nullptr, py::arg("sides") = nullptr,
      py::arg("carry_left") = py::none(), py::arg("carry_right") = py::none(), py::arg("tree_rows") = py::none(),
      "The plan for the orders of [start, end) (days): PV the orders' volumes, CV and sales their value "
      "columns named `cv` and `amount` (\"\": the PV); a binary bonus on the placement tree `placement` with "
      "its `sides`, from the carries given per input row (None: 0); `tree_rows`: the placement tree's row of each "
      "input row (None: the same rows)");
  py::class_<PlanRunTable, std::shared_ptr<PlanRunTable>> table(
      m, "PlanRunTable", "Every period of a run as one table: each period's members, in input row order");
  def_view(table, "rows", &PlanRunTable::rows, "the input row of each element");
  table.def_readonly("bounds", &PlanRunTable::bounds)
      .def_readonly("offsets", &PlanRunTable::offsets, "period i's elements are [offsets[i], offsets[i + 1])")
      .def_readonly("totals", &PlanRunTable::totals)
      .def_readonly("rank_counts", &PlanRunTable::rank_counts)
      .def_property_readonly(
          "columns",
          [](const std::shared_ptr<PlanRunTable>& t) { return std::shared_ptr<PlanEvaluation>(t, &t->columns); },
          "the per-participant columns of every period, concatenated (their input rows: `rows`)");
  m.def(
      "run_plan",
      [](const Network& net, const Plan& plan, const Activity& orders, const std::string& cv,
         const std::string& amount, const std::vector<day_t>& bounds, const std::vector<std::string>& columns,
         const Network* placement, const Sides* sides, const std::optional<carray<double>>& carry_left,
         const std::optional<carray<double>>& carry_right, const std::optional<carray<index_t>>& tree_rows) {
        auto out = std::make_shared<PlanRunTable>();
        const Placed placed(net, placement, sides, carry_left, carry_right, tree_rows);
        py::gil_scoped_release release;
        *out = run_table(net, plan, PlanOrders{orders, cv, amount}, bounds, columns, placed.binary);
        return out;
      },
      py::arg("network"), py::arg("plan"), py::arg("orders"), py::arg("cv") = "", py::arg("amount") = "",
      py::arg("bounds"), py::arg("columns") = std::vector<std::string>{}, py::arg("placement") = nullptr,
      py::arg("sides") = nullptr, py::arg("carry_left") = py::none(), py::arg("carry_right") = py::none(),
      py::arg("tree_rows") = py::none(),
      "The plan for the periods [bounds[i], bounds[i + 1]) (days), titles carried forward, as one table of the "
      "columns named (empty: all; rank always)");
}
