// Retention: last activity and cohort retention counts straight from the order columns.
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
using downline::python::output_array;
using downline::python::to_numpy;

namespace {

OrderColumns order_columns(const carray<id_type>& ids, const carray<std::int64_t>& ticks,
                           std::int64_t ticks_per_day,
                           const std::optional<carray<double>>& amount) {
  OrderColumns o;
  o.n = static_cast<std::size_t>(ids.size());
  o.id = checked(ids, o.n, "customer ids");
  o.ticks = checked(ticks, o.n, "dates");
  o.ticks_per_day = ticks_per_day;
  o.amount = amount ? checked(*amount, o.n, "amounts") : nullptr;
  return o;
}

void put_unknown(py::dict& out, UnknownOrders&& u) {
  out["unknown_ids"] = to_numpy(std::move(u.ids));
  out["unknown_orders"] = u.orders;
}

}  // namespace

void bind_retention(py::module_& m) {
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
        return py::make_tuple(out, missing);
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
        return py::make_tuple(r.missing_dates, r.bad_amounts, r.unsupported_dates);
      },
      py::arg("ticks"), py::arg("amount"), py::arg("ticks_per_day") = 0,
      "(orders without a date, orders with a NaN or infinite amount, orders dated outside "
      "1900-01-01 to 2200-12-31 when ticks_per_day is given), counted in one parallel pass");
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
        py::dict out;
        out["last"] = last;
        out["duration"] = duration;
        out["churned"] = churned;
        put_unknown(out, std::move(unknown));
        return out;
      },
      py::arg("ids"), py::arg("ticks"), py::arg("ticks_per_day"), py::arg("amount"),
      py::arg("universe"), py::arg("enrolled"), py::arg("as_of"), py::arg("churn_after"),
      "Churn status of every universe participant: last activity, duration, churned");
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
        CohortRows r;
        {
          py::gil_scoped_release release;
          r = cohort_rows(o, u, nu, as_of, cd, g, static_cast<std::size_t>(n_groups));
        }
        py::dict out;
        out["first_month"] = r.first_month;
        out["months"] = r.months;
        out["group"] = to_numpy(std::move(r.group));
        out["cohort"] = to_numpy(std::move(r.cohort));
        out["sizes"] = to_numpy(std::move(r.sizes));
        out["start"] = to_numpy(std::move(r.start));
        out["counts"] = to_numpy(std::move(r.counts));
        out["ungrouped"] = to_numpy(std::move(r.ungrouped));
        put_unknown(out, std::move(r.unknown));
        return out;
      },
      py::arg("ids"), py::arg("ticks"), py::arg("ticks_per_day"), py::arg("amount"),
      py::arg("universe"), py::arg("as_of"), py::arg("cohort_day") = py::none(),
      py::arg("group") = py::none(), py::arg("n_groups") = 1,
      "Cohort retention rows with customers (group, cohort, size), each with its counts for "
      "k = 0 .. months - 1 - cohort at counts[start[r]:start[r + 1]]");
}
