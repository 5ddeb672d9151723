// downline._core.structure: legs, concentration of the leg volumes and breadth by level of
// every participant (downline/structure.hpp), in the network's input row order.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "common.hpp"
#include "downline/structure.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::checked;
using downline::python::def_view;
using downline::python::view;

namespace {

/// Structure's arrays put in input row order.
Structure by_rows(const Network& net, Structure&& s) {
  const auto reorder = [&](auto& a) {
    std::remove_reference_t<decltype(a)> out(a.size());
    net.preorder_to_rows(a.data(), out.data());
    a.swap(out);
  };
  reorder(s.legs);
  reorder(s.power_leg_share);
  reorder(s.herfindahl);
  reorder(s.gini);
  for (auto& b : s.breadth) reorder(b);
  return std::move(s);
}

}  // namespace

void bind_structure(py::module_& m) {
  py::class_<Structure, std::shared_ptr<Structure>> cls(m, "Structure",
                                                         "Every participant's legs and breadth, in input row order");
  def_view(cls, "legs", &Structure::legs, "frontline recruits (members)");
  def_view(cls, "power_leg_share", &Structure::power_leg_share, "the largest leg volume / GV");
  def_view(cls, "herfindahl", &Structure::herfindahl, "sum of the squared shares of the leg volumes");
  def_view(cls, "gini", &Structure::gini, "Gini coefficient of the leg volumes");
  cls.def(
      "breadth",
      [](py::object self, int level) {
        const Structure& s = self.cast<const Structure&>();
        if (level < 1 || static_cast<std::size_t>(level) > s.breadth.size())
          throw py::index_error("level " + std::to_string(level) + " is not computed");
        return view(s.breadth[static_cast<std::size_t>(level - 1)], self);
      },
      py::arg("level"), "members at that level below each participant (level >= 1)");
  m.def(
      "structure",
      [](const Network& net, const carray<double>& gv_by_row, int levels,
         const std::optional<carray<std::uint8_t>>& members_by_row) {
        const std::size_t n = static_cast<std::size_t>(net.size());
        const double* gv_rows = checked(gv_by_row, n, "gv");
        const std::uint8_t* member_rows = members_by_row ? checked(*members_by_row, n, "members") : nullptr;
        auto out = std::make_shared<Structure>();
        py::gil_scoped_release release;
        Array<double> gv(n);
        net.rows_to_preorder(gv_rows, gv.data());
        Array<std::uint8_t> members;
        if (member_rows) {
          members.resize(n);
          net.rows_to_preorder(member_rows, members.data());
        }
        *out = by_rows(net, structure(net, gv.data(), levels, member_rows ? members.data() : nullptr));
        return out;
      },
      py::arg("network"), py::arg("gv"), py::arg("levels"), py::arg("members") = py::none(),
      "The structure of every participant from each one's GV (input row order); `members` (input row order, "
      "None: everyone) leaves the others out");
}
