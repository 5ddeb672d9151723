// Retention: Kaplan-Meier tables of many groups in one call.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <tuple>
#include <type_traits>

#include "common.hpp"
#include "downline/survival.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::checked;
using downline::python::def_view;
using downline::python::output_array;
using downline::python::to_numpy;

namespace {

/// Durations of type Time: int32 whole days read as they are (no forcecast: only arrays
/// that cast to int32 safely), or anything else as float64. Each entry point is bound for
/// int32 first, then double.
template <class Time>
using times =
    py::array_t<Time, std::is_same<Time, double>::value ? py::array::c_style | py::array::forcecast
                                                        : py::array::c_style>;

template <class Time>
std::shared_ptr<SurvivalTable> kaplan_meier_of(const times<Time>& time, const carray<std::uint8_t>& event,
                         const std::optional<carray<std::int32_t>>& group,
                         const std::optional<carray<double>>& weight, std::int64_t n_groups) {
  const std::size_t n = static_cast<std::size_t>(time.size());
  const Time* t = checked(time, n, "durations");
  const std::uint8_t* e = checked(event, n, "events");
  const std::int32_t* g = group ? checked(*group, n, "groups") : nullptr;
  const double* w = weight ? checked(*weight, n, "weights") : nullptr;
  if (n_groups < 1) throw InputError(ErrorKind::bad_value, "n_groups must be >= 1");
  SurvivalTable s;
  {
    py::gil_scoped_release release;
    s = kaplan_meier(t, e, g, w, n, static_cast<std::size_t>(n_groups));
  }
  return std::make_shared<SurvivalTable>(std::move(s));
}

template <class Time>
std::shared_ptr<SurvivalTable> kaplan_meier_ranges_of(const times<Time>& time, const carray<std::uint8_t>& event,
                                const std::optional<carray<double>>& weight,
                                const carray<std::int64_t>& begin,
                                const carray<std::int64_t>& end) {
  const std::size_t n = static_cast<std::size_t>(time.size());
  const std::size_t g = static_cast<std::size_t>(begin.size());
  const Time* t = checked(time, n, "durations");
  const std::uint8_t* e = checked(event, n, "events");
  const double* w = weight ? checked(*weight, n, "weights") : nullptr;
  const std::int64_t* b = checked(begin, g, "range begins");
  const std::int64_t* en = checked(end, g, "range ends");
  SurvivalTable s;
  {
    py::gil_scoped_release release;
    s = kaplan_meier_ranges(t, e, w, n, b, en, g);
  }
  return std::make_shared<SurvivalTable>(std::move(s));
}

}  // namespace

void bind_survival(py::module_& m) {
  py::class_<SurvivalTable, std::shared_ptr<SurvivalTable>> table(
      m, "SurvivalTable",
      "Kaplan-Meier table: one row per (group, distinct time); the columns are numpy views");
  // writeable: the estimator's survival_table_ frame shares these arrays, as pandas frames
  // built from numpy arrays are writeable
  def_view(table, "group", &SurvivalTable::group, "group code of each row", true);
  def_view(table, "time", &SurvivalTable::time, "the row's time", true);
  def_view(table, "at_risk", &SurvivalTable::at_risk, "subjects at risk at the time", true);
  def_view(table, "observed", &SurvivalTable::observed, "events at the time", true);
  def_view(table, "censored", &SurvivalTable::censored, "censorings at the time", true);
  def_view(table, "survival", &SurvivalTable::survival, "S(time)", true);
  def_view(table, "greenwood", &SurvivalTable::greenwood, "Greenwood's sum", true);
  def_view(table, "group_start", &SurvivalTable::group_start,
           "offsets: the rows of group g are [group_start[g], group_start[g + 1])", true);
  def_view(table, "distinct_time", &SurvivalTable::distinct_time,
           "the distinct times of all groups, ascending", true);
  def_view(table, "time_code", &SurvivalTable::time_code,
           "each row's time as a position in distinct_time", true);
  table.def(
      "drop_empty_groups",
      [](SurvivalTable& t) { return to_numpy(drop_empty_groups(t)); },
      "Drops the groups without rows (renumbering the rest); returns the old codes of the "
      "groups kept");
  m.def(
      "km_intervals",
      [](const carray<double>& survival, const carray<double>& greenwood, double z, bool log_form) {
        const std::size_t n = static_cast<std::size_t>(survival.size());
        const double* s = checked(survival, n, "survival");
        const double* g = checked(greenwood, n, "greenwood");
        auto [std_err, se] = output_array<double>(n);
        auto [lower, lo] = output_array<double>(n);
        auto [upper, hi] = output_array<double>(n);
        {
          py::gil_scoped_release release;
          km_intervals(s, g, n, z, log_form ? KmInterval::log : KmInterval::log_log, se, lo, hi);
        }
        return std::make_tuple(std_err, lower, upper);
      },
      py::arg("survival"), py::arg("greenwood"), py::arg("z"), py::arg("log_form"),
      "(std_err, lower, upper) of a Kaplan-Meier table: Greenwood standard errors and "
      "pointwise log-log (or log) intervals");
  // Two overloads, int32 first: an int32 array (churn durations) is read as it is; any
  // other array is converted to float64 (the int32 one takes only safe casts).
  const char* doc =
      "Kaplan-Meier tables: one row per (group, distinct time) with at risk, events, "
      "censorings, S and Greenwood's sum";
  m.def("kaplan_meier", &kaplan_meier_of<std::int32_t>, py::arg("time"), py::arg("event"),
        py::arg("group") = py::none(), py::arg("weight") = py::none(), py::arg("n_groups") = 1,
        doc);
  m.def("kaplan_meier", &kaplan_meier_of<double>, py::arg("time"), py::arg("event"),
        py::arg("group") = py::none(), py::arg("weight") = py::none(), py::arg("n_groups") = 1,
        doc);
  const char* ranges_doc =
      "Kaplan-Meier tables of the subject ranges [begin[g], end[g]) (they may nest)";
  m.def("kaplan_meier_ranges", &kaplan_meier_ranges_of<std::int32_t>, py::arg("time"),
        py::arg("event"), py::arg("weight"), py::arg("begin"), py::arg("end"), ranges_doc);
  m.def("kaplan_meier_ranges", &kaplan_meier_ranges_of<double>, py::arg("time"), py::arg("event"),
        py::arg("weight"), py::arg("begin"), py::arg("end"), ranges_doc);
}
