// downline._core.sample(): the deterministic sample company as numpy columns.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "common.hpp"
#include "downline/sample.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::to_numpy;

void bind_sample(py::module_& m) {
  m.def(
      "sample",
      [](std::int64_t participants, double orders_per_participant, std::uint64_t seed,
         bool shuffle, bool placement) {
        if (participants < 0) throw InputError(ErrorKind::bad_value, "participants must be >= 0");
        SampleOptions opt;
        opt.participants = participants;
        opt.orders_per_participant = orders_per_participant;
        opt.seed = seed;
        opt.shuffle = shuffle;
        opt.placement = placement;
        Sample s;
        {
          py::gil_scoped_release release;
          s = make_sample(opt);
        }
        std::map<std::string, py::array> p, o;
        p["id"] = to_numpy(std::move(s.participants.id));
        p["sponsor_id"] = to_numpy(std::move(s.participants.sponsor));
        p["has_sponsor"] = to_numpy(std::move(s.participants.has_sponsor));
        p["enrolled_on"] = to_numpy(std::move(s.participants.enrolled_on));
        p["kind"] = to_numpy(std::move(s.participants.kind));
        if (placement) {
          p["placement_id"] = to_numpy(std::move(s.placement.parent));
          p["has_placement"] = to_numpy(std::move(s.placement.has_parent));
          p["side"] = to_numpy(std::move(s.placement.side));
        }
        o["participant_id"] = to_numpy(std::move(s.orders.participant));
        o["ordered_on"] = to_numpy(std::move(s.orders.day));
        o["amount"] = to_numpy(std::move(s.orders.amount));
        o["pv"] = to_numpy(std::move(s.orders.pv));
        return std::make_tuple(std::move(p), std::move(o), std::move(s.participants.kind_names));
      },
      py::arg("participants") = 100000, py::arg("orders_per_participant") = 8.0,
      py::arg("seed") = 42, py::arg("shuffle") = true,
      py::arg("placement") = false,
      "(the participants' columns, the orders' columns, the names of the kind codes) of a "
      "generated sample company; with `placement`, also placement_id, has_placement and side "
      "(0 left, 1 right)");
}
