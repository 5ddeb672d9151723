// downline._core: the compiled half of the Python package. One binding file per concept.
#include <pybind11/pybind11.h>

#include "downline/threads.hpp"

namespace py = pybind11;

void bind_errors(py::module_& m);
void bind_ids(py::module_& m);
void bind_io(py::module_& m);
void bind_orders(py::module_& m);
void bind_network(py::module_& m);
void bind_placement(py::module_& m);
void bind_structure(py::module_& m);
void bind_rollup(py::module_& m);
void bind_sample(py::module_& m);
void bind_segment(py::module_& m);
void bind_types(py::module_& m);
void bind_retention(py::module_& m);
void bind_cohort(py::module_& m);
void bind_survival(py::module_& m);
void bind_plan(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "downline compiled core (private: use the `downline` package)";
  m.attr("__version__") = DOWNLINE_VERSION_INFO;
  bind_errors(m);
  bind_ids(m);
  bind_orders(m);
  bind_io(m);
  bind_network(m);
  bind_placement(m);
  bind_structure(m);
  bind_rollup(m);
  bind_sample(m);
  bind_segment(m);
  bind_types(m);
  bind_retention(m);
  bind_cohort(m);
  bind_survival(m);
  bind_plan(m);
  m.def("set_num_threads", &downline::set_num_threads, py::arg("n"),
        "Threads for the parallel steps, 0..max_threads (0: DOWNLINE_NUM_THREADS or every core)");
  m.attr("max_threads") = downline::max_threads;
  m.def("num_threads", &downline::num_threads, "Threads the parallel steps use");
}
