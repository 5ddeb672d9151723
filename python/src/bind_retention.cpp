// Retention: every participant's churn status straight from the order columns.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "common.hpp"
#include "downline/retention.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::checked;
using downline::python::order_columns;
using downline::python::output_array;

namespace {

/// churn_status()'s results as numpy arrays written by the kernel (uninitialised blocks,
/// reused from the block cache when large) and the unknown orders.
struct ChurnArrays {
  py::array last, duration, churned;
  UnknownOrders unknown;
};

}  // namespace

void bind_retention(py::module_& m) {
  py::class_<ChurnArrays>(m, "ChurnStatus", "Churn status of every participant")
      .def_readonly("last", &ChurnArrays::last, "last activity day (int32 days since 1970)")
      .def_readonly("duration", &ChurnArrays::duration, "days from enrolment to the event or as_of")
      .def_readonly("churned", &ChurnArrays::churned, "1: churned")
      .def_readonly("unknown", &ChurnArrays::unknown, "orders of ids that are no participant's");
  m.def(
      "churn_status",
      [](const carray<id_type>& ids, const carray<std::int64_t>& ticks, std::int64_t ticks_per_day,
         const std::optional<carray<double>>& amount, const carray<id_type>& universe,
         const carray<day_t>& enrolled, day_t as_of, std::int32_t churn_after) {
        const OrderColumns o = order_columns(ids, ticks, ticks_per_day, amount);
        const std::size_t nu = static_cast<std::size_t>(universe.size());
        const id_type* u = checked(universe, nu, "universe");
        const day_t* en = checked(enrolled, nu, "enrolment days");
        // written once by the kernel (uninitialised; large ones from the block cache)
        auto [last, l] = output_array<day_t>(nu);
        auto [duration, d] = output_array<std::int32_t>(nu);
        auto [churned, c] = output_array<std::uint8_t>(nu);
        UnknownOrders unknown;
        {
          py::gil_scoped_release release;
          unknown = churn_status(o, u, en, nu, as_of, churn_after, l, d, c);
        }
        return ChurnArrays{last, duration, churned, std::move(unknown)};
      },
      py::arg("ids"), py::arg("ticks"), py::arg("ticks_per_day"), py::arg("amount"),
      py::arg("universe"), py::arg("enrolled"), py::arg("as_of"), py::arg("churn_after"),
      "Churn status of every universe participant: last activity, duration, churned");
}
