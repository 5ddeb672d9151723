// Participant types (customer, subscriber, distributor, leader, ...): downline._core's
// participant_types and the type names.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "downline/types.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::to_numpy;
using downline::python::to_rows;

void bind_types(py::module_& m) {
  m.def(
      "participant_types",
      [](const Network& net, const Activity& act, day_t as_of, int lookback_days,
         int subscriber_months, int subscriber_window, index_t leader_downline, std::string order_value) {
        TypeOptions opt;
        opt.as_of = as_of;
        opt.lookback_days = lookback_days;
        opt.subscriber_months = subscriber_months;
        opt.subscriber_window = subscriber_window;
        opt.leader_downline = leader_downline;
        opt.order_value = std::move(order_value);
        Array<std::uint8_t> rows;
        {
          py::gil_scoped_release release;
          const std::vector<ParticipantType> pre = participant_types(net, act, opt);
          std::vector<std::uint8_t> codes(pre.size());
          for (std::size_t k = 0; k < pre.size(); ++k) codes[k] = static_cast<std::uint8_t>(pre[k]);
          rows = to_rows(net, codes);
        }
        return to_numpy(std::move(rows));
      },
      py::arg("network"), py::arg("activity"), py::arg("as_of"), py::arg("lookback_days"),
      py::arg("subscriber_months"), py::arg("subscriber_window"), py::arg("leader_downline"),
      py::arg("order_value") = "",
      "Participant type codes (ParticipantType) in input row order");
  py::list names;
  for (int t = 0; t <= static_cast<int>(ParticipantType::not_enrolled); ++t)
    names.append(type_name(static_cast<ParticipantType>(t)));
  m.attr("participant_type_names") = names;
}
