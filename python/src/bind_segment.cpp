// Segmentation: per-customer order summaries (the input of life-cycle, RFM, lifetimes).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <limits>

#include "common.hpp"
#include "downline/date.hpp"
#include "downline/segment.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::checked;
using downline::python::to_numpy;

void bind_segment(py::module_& m) {
  m.def(
      "summarize_orders",
      [](const carray<std::int64_t>& customer, const carray<std::int64_t>& ticks,
         std::int64_t ticks_per_day, const carray<double>& amount, std::int64_t n_customers,
         day_t as_of) {
        const std::size_t n = static_cast<std::size_t>(customer.size());
        const std::int64_t* c = checked(customer, n, "customer codes");
        const std::int64_t* t = checked(ticks, n, "dates");
        const double* a = checked(amount, n, "amounts");
        if (ticks_per_day <= 0)
          throw InputError(ErrorKind::bad_value, "ticks_per_day must be positive");
        if (n_customers < 0) throw InputError(ErrorKind::bad_value, "n_customers must be >= 0");
        OrderSummary s;
        {
          py::gil_scoped_release release;
          // Days (floored) of every order; missing dates were rejected by the caller, and
          // days beyond the day range are clamped (they only compare with as_of).
          std::vector<day_t> day(n);
          detail::parallel_for(n, std::size_t{1} << 16,
                               [&](std::size_t, std::size_t b, std::size_t e) {
                                 for (std::size_t i = b; i < e; ++i) {
                                   std::int64_t q = floor_div(t[i], ticks_per_day);
                                   q = std::max<std::int64_t>(q, min_day + 1);
                                   q = std::min<std::int64_t>(q, max_day);
                                   day[i] = static_cast<day_t>(q);
                                 }
                               });
          s = summarize_orders(c, day.data(), a, n, static_cast<std::size_t>(n_customers), as_of);
        }
        py::dict out;
        out["orders"] = to_numpy(std::move(s.orders));
        out["days"] = to_numpy(std::move(s.days));
        out["first"] = to_numpy(std::move(s.first));
        out["last"] = to_numpy(std::move(s.last));
        out["amount"] = to_numpy(std::move(s.amount));
        out["first_day_amount"] = to_numpy(std::move(s.first_day_amount));
        return out;
      },
      py::arg("customer"), py::arg("ticks"), py::arg("ticks_per_day"), py::arg("amount"),
      py::arg("n_customers"), py::arg("as_of"),
      "Per-customer order rows, distinct days, first/last day and amounts up to as_of");
}
