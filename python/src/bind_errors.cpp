// C++ InputError -> Python downline.InputError (a ValueError) or, for ids that are not in
// the network, downline.UnknownIdError (an InputError and a KeyError). The classes are
// defined in downline/errors.py; each raised error carries .kind and .ids.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "common.hpp"
#include "downline/error.hpp"

namespace py = pybind11;

void bind_errors(py::module_& m) {
  py::register_exception<downline::python::NotStrings>(m, "NotStrings", PyExc_TypeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const downline::InputError& e) {
      const bool unknown = e.kind() == downline::ErrorKind::unknown_participant;
      const py::object errors = py::module_::import("downline.errors");
      const py::object cls = errors.attr(unknown ? "UnknownIdError" : "InputError");
      const py::object exc = cls(py::str(e.what()), py::arg("kind") = downline::to_string(e.kind()),
                                 py::arg("ids") = py::cast(e.ids()));
      PyErr_SetObject(cls.ptr(), exc.ptr());
    }
  });
}
