// downline._core.factorize and the density rule: the id index (downline/ids.hpp) for
// Python's id columns.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <utility>
#include <variant>
#include <vector>

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
        return std::make_pair(to_numpy(std::move(f.codes)), to_numpy(std::move(f.first_rows)));
      },
      py::arg("values"), py::arg("sort") = true, py::arg("name") = "id",
      "(int32 code of each row, first row of each code): codes in order of first appearance, "
      "or with sort of the ids (ints by value, str by code point); int64 ids or str objects");
  m.def(
      "str_or_missing",
      [](const py::array& values) -> std::optional<std::variant<bool, py::array_t<bool>>> {
        // one parallel pass without the GIL, in place of pandas' isna for str id columns
        if (values.dtype().kind() != 'O' || values.ndim() != 1)
          throw InputError(ErrorKind::bad_value, "expected a 1-D array of objects");
        const py::array a = py::array::ensure(values, py::array::c_style);
        auto* const* items = static_cast<PyObject* const*>(const_cast<void*>(a.data()));
        const std::size_t n = static_cast<std::size_t>(a.shape(0));
        const python::MissingObjects& is_missing = python::missing_objects();
        constexpr std::size_t grain = std::size_t{1} << 16;
        std::vector<std::uint8_t> kind(detail::parallel_parts(n, grain), 0);  // bit 1: missing, 2: other
        auto mask = py::array_t<bool>(static_cast<py::ssize_t>(n));
        bool* missing = mask.mutable_data();
        {
          py::gil_scoped_release release;
          detail::parallel_for(n, grain, [&](std::size_t t, std::size_t b, std::size_t e) {
            std::uint8_t k = 0;
            for (std::size_t r = b; r < e; ++r) {
              const bool str = PyUnicode_Check(items[r]);
              missing[r] = !str && is_missing(items[r]);
              k |= static_cast<std::uint8_t>(missing[r] | (!str && !missing[r]) << 1);
            }
            kind[t] = k;
          });
        }
        std::uint8_t all = 0;
        for (const std::uint8_t k : kind) all |= k;
        if (all & 2) return std::nullopt;  // objects of other kinds: pandas decides
        if (all & 1) return mask;
        return false;
      },
      py::arg("values"),
      "For an object array of str and missing values (None, NaN, pandas.NA, pandas.NaT): "
      "False when none is missing, else the bool mask of the missing ones; None when some "
      "elements are neither (then ask pandas)");
  m.def("direct_range", &direct_range, py::arg("range"), py::arg("n"),
        "Whether n ids over a range (largest - smallest) are addressed directly (an array over "
        "the range) rather than hashed: the one density rule of downline's id indexes");
}
