// downline._core.factorize and the density rule: the id index (downline/ids.hpp) for
// Python's id columns.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <utility>

#include "common.hpp"
#include "downline/ids.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::Missing;
using downline::python::py_ids;
using downline::python::PyIds;
using downline::python::to_numpy;

void bind_ids(py::module_& m) {
  m.def(
      "factorize",
      [](const py::object& values, bool sort, const std::string& name) {
        // int64 ids, or str objects (missing ones: InputError; other objects: NotStrings)
        const PyIds ids = py_ids(values, "column '" + name + "'", Missing::error);
        Factorized f;
        {
          py::gil_scoped_release release;
          f = factorize(ids.column, sort);
        }
        return py::make_tuple(to_numpy(std::move(f.codes)), to_numpy(std::move(f.first_rows)));
      },
      py::arg("values"), py::arg("sort") = true, py::arg("name") = "id",
      "(int32 code of each row, first row of each code): codes in order of first appearance, "
      "or with sort of the ids (ints by value, str by code point); int64 ids or str objects");
  m.def("direct_range", &direct_range, py::arg("range"), py::arg("n"),
        "Whether n ids over a range (largest - smallest) are addressed directly (an array over "
        "the range) rather than hashed: the one density rule of downline's id indexes");
}
