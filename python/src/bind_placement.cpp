// downline._core.Sides: who is on the left and on the right in a placement tree (the tree
// itself is a downline._core.Network).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <utility>

#include "common.hpp"
#include "downline/placement.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;

void bind_placement(py::module_& m) {
  py::class_<Sides, std::shared_ptr<Sides>>(m, "Sides", "Each participant's left and right recruit in a placement tree")
      .def(py::init([](const Network& tree, const carray<std::uint8_t>& side) {
             const std::uint8_t* s = python::checked(side, static_cast<std::size_t>(tree.size()), "side");
             py::gil_scoped_release release;
             return std::make_shared<Sides>(tree, s);
           }),
           py::arg("tree"), py::arg("side"),
           "side: uint8 per input row, ord('L'), ord('R') or 0 (roots only). InputError names bad sides and "
           "sides taken twice")
      .def(
          "side_sums",
          [](const Sides& sides, const Network& tree, const carray<double>& subtree) {
            const std::size_t n = static_cast<std::size_t>(tree.size());
            const double* in = python::checked(subtree, n, "subtree");
            py::array_t<double> left(static_cast<py::ssize_t>(n)), right(static_cast<py::ssize_t>(n));
            double* l = left.mutable_data();
            double* r = right.mutable_data();
            {
              py::gil_scoped_release release;
              sides.side_sums_by_row(tree, in, l, r);
            }
            return std::make_pair(left, right);
          },
          py::arg("tree"), py::arg("subtree"),
          "(left, right): per input row, the subtree sum of the left and of the right recruit (0 without one)");
}
