// Segmentation: per-customer order summaries (the input of life-cycle, RFM, lifetimes).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common.hpp"
#include "downline/date.hpp"
#include "downline/orders.hpp"
#include "downline/rfm.hpp"
#include "downline/segment.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::checked;
using downline::python::def_view;
using downline::python::view;

namespace {
/// The SummaryFields flag of an order-summary array's name.
unsigned summary_field(const std::string& name) {
  if (name == "orders") return SummaryFields::orders;
  if (name == "days") return SummaryFields::days;
  if (name == "first") return SummaryFields::first;
  if (name == "last") return SummaryFields::last;
  if (name == "amount") return SummaryFields::amount;
  if (name == "first_day_amount") return SummaryFields::first_day_amount;
  throw InputError(ErrorKind::bad_value,
                   "unknown summary field '" + name +
                       "' (expected orders, days, first, last, amount or first_day_amount)");
}
/// Binds a LifecycleCodesOf<Code> (int8 or int16 codes) as the class `name`.
template <class Code>
void bind_lifecycle_codes(py::module_& m, const char* name) {
  py::class_<LifecycleCodesOf<Code>, std::shared_ptr<LifecycleCodesOf<Code>>> c(
      m, name, "Life-cycle recency, tiers and segment codes of every customer");
  def_view(c, "recency", &LifecycleCodesOf<Code>::recency, "days since the last order", true);
  def_view(c, "frequency_tier", &LifecycleCodesOf<Code>::frequency_tier, "tier codes", true);
  def_view(c, "recency_tier", &LifecycleCodesOf<Code>::recency_tier, "tier codes", true);
  def_view(c, "segment", &LifecycleCodesOf<Code>::segment, "segment codes (-1: none)", true);
  def_view(c, "counts", &LifecycleCodesOf<Code>::counts, "customers per segment", true);
}

}  // namespace

void bind_segment(py::module_& m) {
  py::class_<IdOrderSummary, std::shared_ptr<IdOrderSummary>> summary(
      m, "OrderSummary",
      "Per-customer order summaries; arrays not asked for are empty (numpy views)");
  def_view(summary, "ids", &IdOrderSummary::ids,
           "the customers' ids when they were found from the orders (else empty)", true);
  const auto field = [&](const char* name, auto member, const char* doc) {
    summary.def_property_readonly(
        name,
        [member](py::object self) {
          return view(self.cast<const IdOrderSummary&>().summary.*member, self, true);
        },
        doc);
  };
  field("orders", &OrderSummary::orders, "order rows");
  field("days", &OrderSummary::days, "distinct order days");
  field("first", &OrderSummary::first, "first order day");
  field("last", &OrderSummary::last, "last order day");
  field("amount", &OrderSummary::amount, "sum of amounts");
  field("first_day_amount", &OrderSummary::first_day_amount, "sum of the first day's amounts");
  summary.def_property_readonly(
      "unknown",
      [](const IdOrderSummary& s) { return UnknownOrders{s.unknown_ids, s.unknown_orders}; },
      "orders of ids outside the universe");
  bind_lifecycle_codes<std::int8_t>(m, "LifecycleCodes8");
  bind_lifecycle_codes<std::int16_t>(m, "LifecycleCodes16");
  py::class_<RfmScores, std::shared_ptr<RfmScores>> rfm(
      m, "RfmScores", "RFM recency, scores, score codes and segments of every customer");
  def_view(rfm, "recency", &RfmScores::recency, "days since the last order", true);
  def_view(rfm, "R", &RfmScores::r, "recency score 1..5 (0: no order)", true);
  def_view(rfm, "F", &RfmScores::f, "frequency score 1..5", true);
  def_view(rfm, "M", &RfmScores::m, "monetary score 1..5", true);
  def_view(rfm, "score", &RfmScores::score, "score codes", true);
  def_view(rfm, "segment", &RfmScores::segment, "the first rule that matches", true);
  m.def(
      "summarize_orders",
      [](const carray<std::int64_t>& customer, const carray<std::int64_t>& ticks,
         std::int64_t ticks_per_day, const carray<double>& amount, std::int64_t n_customers,
         day_t as_of, bool positive_only) {
        const std::size_t n = static_cast<std::size_t>(customer.size());
        const std::int64_t* c = checked(customer, n, "customer codes");
        const std::int64_t* t = checked(ticks, n, "dates");
        const double* a = checked(amount, n, "amounts");
        if (ticks_per_day <= 0)
          throw InputError(ErrorKind::bad_value, "ticks_per_day must be positive");
        if (n_customers < 0) throw InputError(ErrorKind::bad_value, "n_customers must be >= 0");
        auto out = std::make_shared<IdOrderSummary>();
        OrderSummary& s = out->summary;
        {
          py::gil_scoped_release release;
          // Days (floored) of every order; missing dates were rejected by the caller, and
          // days beyond the day range are clamped (they only compare with as_of).
          std::vector<day_t> day(n);
          detail::with_ticks_per_day(ticks_per_day, [&](auto per_day) {
            detail::parallel_for(n, std::size_t{1} << 16,
                                 [&](std::size_t, std::size_t b, std::size_t e) {
                                   for (std::size_t i = b; i < e; ++i)
                                     day[i] = clamped_day(t[i], per_day);
                                 });
          });
          s = summarize_orders(c, day.data(), a, n, static_cast<std::size_t>(n_customers), as_of,
                               positive_only ? OrderRows::positive : OrderRows::all);
        }
        return out;
      },
      py::arg("customer"), py::arg("ticks"), py::arg("ticks_per_day"), py::arg("amount"),
      py::arg("n_customers"), py::arg("as_of"), py::arg("positive_only") = false,
      "Per-customer order rows, distinct days, first/last day and amounts up to as_of");

  m.def(
      "summarize_by_id",
      [](const carray<id_type>& ids, const carray<std::int64_t>& ticks, std::int64_t ticks_per_day,
         const std::optional<carray<double>>& amount, day_t as_of, bool positive_only,
         const std::optional<carray<id_type>>& universe,
         const std::optional<std::vector<std::string>>& fields) {
        const std::size_t n = static_cast<std::size_t>(ids.size());
        unsigned want = SummaryFields::all;
        if (fields) {
          want = 0;
          for (const std::string& f : *fields) want |= summary_field(f);
        }
        const id_type* id = checked(ids, n, "customer ids");
        const std::int64_t* t = checked(ticks, n, "dates");
        const double* a = amount ? checked(*amount, n, "amounts") : nullptr;  // None: no money
        const id_type* u = nullptr;
        std::size_t nu = 0;
        if (universe) {
          nu = static_cast<std::size_t>(universe->size());
          u = checked(*universe, nu, "universe");
        }
        auto r = std::make_shared<IdOrderSummary>();
        {
          py::gil_scoped_release release;
          *r = summarize_by_id(id, t, ticks_per_day, a, n, as_of,
                               positive_only ? OrderRows::positive : OrderRows::all, u, nu, want);
        }
        return r;
      },
      py::arg("ids"), py::arg("ticks"), py::arg("ticks_per_day"), py::arg("amount"),
      py::arg("as_of"), py::arg("positive_only") = false, py::arg("universe") = py::none(),
      py::arg("fields") = py::none(),
      "Order summaries grouped by int64 customer id (ascending ids, or the universe's order); "
      "fields: the arrays to compute (orders, days, first, last, amount, first_day_amount; "
      "None: all)");
  m.def(
      "lifecycle_codes",
      [](const carray<std::int32_t>& days, const carray<day_t>& last, day_t as_of,
         const std::vector<std::int64_t>& f_lo, const std::vector<std::int64_t>& r_hi) {
        const std::size_t n = static_cast<std::size_t>(days.size());
        const std::int32_t* d = checked(days, n, "days");
        const day_t* l = checked(last, n, "last");
        // int8 codes when the segments are fewer than 127, as pandas keeps categorical codes:
        // Categorical.from_codes then takes them without a copy
        using Codes = std::variant<std::shared_ptr<LifecycleCodesOf<std::int8_t>>,
                                   std::shared_ptr<LifecycleCodesOf<std::int16_t>>>;
        const auto run = [&](auto code) -> Codes {
          using Code = decltype(code);
          LifecycleCodesOf<Code> c;
          {
            py::gil_scoped_release release;
            c = lifecycle_codes<Code>(d, l, n, as_of, f_lo, r_hi);
          }
          return std::make_shared<LifecycleCodesOf<Code>>(std::move(c));
        };
        if (f_lo.size() * r_hi.size() < 127) return run(std::int8_t{0});
        return run(std::int16_t{0});
      },
      py::arg("days"), py::arg("last"), py::arg("as_of"), py::arg("f_lo"), py::arg("r_hi"),
      "Life-cycle recency, tiers, segment codes and counts per segment");
  m.def(
      "rfm_scores",
      [](const carray<std::int32_t>& days, const carray<day_t>& last, const carray<double>& amount,
         day_t as_of, const std::array<std::optional<std::array<double, 4>>, 3>& cuts,
         const std::vector<std::pair<std::array<int, 3>, std::array<int, 3>>>& rules) {
        const std::size_t n = static_cast<std::size_t>(days.size());
        const std::int32_t* d = checked(days, n, "days");
        const day_t* l = checked(last, n, "last");
        const double* a = checked(amount, n, "amount");
        RfmOptions opt;
        opt.cuts = cuts;
        for (const auto& [lo, hi] : rules) {
          RfmRule rule;
          for (std::size_t k = 0; k < 3; ++k) {
            if (lo[k] < 1 || hi[k] > 5 || lo[k] > hi[k])
              throw InputError(ErrorKind::bad_value, "RFM rule ranges must be within 1..5");
            rule.lo[k] = static_cast<std::int8_t>(lo[k]);
            rule.hi[k] = static_cast<std::int8_t>(hi[k]);
          }
          opt.rules.push_back(rule);
        }
        auto r = std::make_shared<RfmScores>();
        {
          py::gil_scoped_release release;
          *r = rfm_scores(d, l, a, n, as_of, opt);
        }
        return r;
      },
      py::arg("days"), py::arg("last"), py::arg("amount"), py::arg("as_of"), py::arg("cuts"),
      py::arg("rules"),
      "RFM recency, scores (quantiles with the tie rule, or cut points), score codes and the "
      "first matching rule of each customer");
}
