// Cohort retention: the rows of the retention matrix straight from the order columns.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>

#include "common.hpp"
#include "downline/cohort.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::checked;
using downline::python::def_view;
using downline::python::order_columns;

void bind_cohort(py::module_& m) {
  py::class_<CohortRows, std::shared_ptr<CohortRows>> cohorts(
      m, "CohortRows", "Cohort retention counts of the (group, cohort) rows with customers");
  cohorts.def_readonly("first_month", &CohortRows::first_month, "months since 1970-01 of cohort 0")
      .def_readonly("months", &CohortRows::months, "cohorts up to as_of's month")
      .def_readonly("unknown", &CohortRows::unknown, "orders of ids that are no customer's");
  def_view(cohorts, "group", &CohortRows::group, "each row's group", true);
  def_view(cohorts, "cohort", &CohortRows::cohort, "each row's cohort", true);
  def_view(cohorts, "sizes", &CohortRows::sizes, "each row's customers", true);
  def_view(cohorts, "start", &CohortRows::start, "rows + 1 offsets into counts", true);
  def_view(cohorts, "counts", &CohortRows::counts,
           "row r's active customers k = 0.. months after its cohort: counts[start[r]:start[r + 1]]",
           true);
  def_view(cohorts, "ungrouped", &CohortRows::ungrouped,
           "positions of customers in a cohort without a group", true);
  m.def(
      "cohort_rows",
      [](const carray<id_type>& ids, const carray<std::int64_t>& ticks, std::int64_t ticks_per_day,
         const std::optional<carray<double>>& amount,
         const std::optional<carray<id_type>>& universe, day_t as_of,
         const std::optional<carray<day_t>>& cohort_day,
         const std::optional<carray<std::int32_t>>& group, std::int64_t n_groups) {
        const OrderColumns o = order_columns(ids, ticks, ticks_per_day, amount);
        static const id_type no_ids[1] = {0};  // an empty universe is still a universe
        const id_type* u = nullptr;
        std::size_t nu = 0;
        if (universe) {
          nu = static_cast<std::size_t>(universe->size());
          u = nu ? checked(*universe, nu, "universe") : no_ids;
        }
        const day_t* cd = cohort_day ? checked(*cohort_day, nu, "cohort days") : nullptr;
        const std::int32_t* g = group ? checked(*group, nu, "groups") : nullptr;
        if (n_groups < 1) throw InputError(ErrorKind::bad_value, "n_groups must be >= 1");
        auto r = std::make_shared<CohortRows>();
        {
          py::gil_scoped_release release;
          *r = cohort_rows(o, u, nu, as_of, cd, g, static_cast<std::size_t>(n_groups));
        }
        return r;
      },
      py::arg("ids"), py::arg("ticks"), py::arg("ticks_per_day"), py::arg("amount"),
      py::arg("universe"), py::arg("as_of"), py::arg("cohort_day") = py::none(),
      py::arg("group") = py::none(), py::arg("n_groups") = 1,
      "Cohort retention rows with customers (group, cohort, size), each with its counts for "
      "k = 0 .. months - 1 - cohort at counts[start[r]:start[r + 1]]");
}
