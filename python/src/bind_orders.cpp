// Orders at the border: order checks, day numbers <-> datetime64 ticks, and what is
// reported of orders whose id is unknown.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <tuple>
#include <vector>

#include "common.hpp"
#include "downline/orders.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::checked;
using downline::python::output_array;
using downline::python::to_numpy;

void bind_orders(py::module_& m) {
  py::class_<UnknownOrders>(m, "UnknownOrders", "Orders whose id is not a customer's")
      .def_property_readonly(
          "ids", [](const UnknownOrders& u) { return to_numpy(std::vector<id_type>(u.ids)); },
          "their distinct ids, ascending")
      .def_readonly("orders", &UnknownOrders::orders, "how many orders they have");
  m.def(
      "day_ticks",
      [](const carray<day_t>& days, const std::optional<carray<std::uint8_t>>& present) {
        const std::size_t n = static_cast<std::size_t>(days.size());
        const day_t* d = checked(days, n, "days");
        const std::uint8_t* p = present ? checked(*present, n, "present flags") : nullptr;
        auto [out, o] = output_array<std::int64_t>(n);
        {
          py::gil_scoped_release release;
          day_ticks(d, p, std::int64_t{86400} * 1000000000, n, o);
        }
        return out;
      },
      py::arg("days"), py::arg("present") = py::none(),
      "int64 nanosecond ticks (datetime64[ns]) of int32 day numbers; NaT where present is 0");
  m.def(
      "day_numbers",
      [](const carray<std::int64_t>& ticks, std::int64_t ticks_per_day) {
        const std::size_t n = static_cast<std::size_t>(ticks.size());
        const std::int64_t* t = checked(ticks, n, "dates");
        auto [out, o] = output_array<day_t>(n);
        std::int64_t missing = 0;
        {
          py::gil_scoped_release release;
          missing = day_numbers(t, ticks_per_day, n, o);
        }
        return std::make_tuple(out, missing);
      },
      py::arg("ticks"), py::arg("ticks_per_day"),
      "(int32 day numbers of date ticks, the int32 minimum for NaT; how many were NaT)");
  m.def(
      "scan_orders",
      [](const carray<std::int64_t>& ticks, const std::optional<carray<double>>& amount,
         std::int64_t ticks_per_day) {
        const std::size_t n = static_cast<std::size_t>(ticks.size());
        const std::int64_t* t = checked(ticks, n, "dates");
        const double* a = amount ? checked(*amount, n, "amounts") : nullptr;
        OrderScan r;
        {
          py::gil_scoped_release release;
          r = scan_orders(t, a, n, ticks_per_day);
        }
        return std::make_tuple(r.missing_dates, r.bad_amounts, r.unsupported_dates);
      },
      py::arg("ticks"), py::arg("amount"), py::arg("ticks_per_day") = 0,
      "(orders without a date, orders with a NaN or infinite amount, orders dated outside "
      "1900-01-01 to 2200-12-31 when ticks_per_day is given), counted in one parallel pass");
}
