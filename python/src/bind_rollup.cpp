// volumes() and rollup() for every participant at once; results in input row order.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "common.hpp"
#include "downline/detail/buffer.hpp"
#include "downline/rollup.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::to_numpy;
using downline::python::view;

namespace {

/// A numpy view of a result column that `owner` keeps alive (writeable: it is the
/// caller's frame's own column).
template <class T>
py::array_t<T> column_view(const RowColumn<T>& c, py::handle owner) {
  return py::array_t<T>({static_cast<py::ssize_t>(c.size)}, {static_cast<py::ssize_t>(sizeof(T))},
                        c.data(), owner);
}

/// Binds a RowColumn member as a property: its view, or None when it was not asked for.
template <class T>
void def_column(py::class_<VolumeRows, std::shared_ptr<VolumeRows>>& cls, const char* name,
                RowColumn<T> VolumeRows::*member) {
  cls.def_property_readonly(
      name,
      [member](py::object self) -> std::optional<py::array_t<T>> {
        const RowColumn<T>& c = self.cast<const VolumeRows&>().*member;
        if (c.empty()) return std::nullopt;
        return column_view(c, self);
      },
      "the column, or None when it was not asked for");
}

}  // namespace

void bind_rollup(py::module_& m) {
  py::class_<VolumeRows, std::shared_ptr<VolumeRows>> rows(
      m, "VolumeRows", "The volumes table's columns in input row order (numpy views)");
  rows.def_readonly("levels", &VolumeRows::levels, "level columns asked for")
      .def_readonly("every_row", &VolumeRows::every_row, "whether the table has every input row")
      .def_property_readonly(
          "rows", [](py::object self) { return view(self.cast<const VolumeRows&>().rows, self); },
          "the input rows in the table, unless every_row")
      .def(
          "level",
          [](py::object self, int l) -> std::optional<py::array_t<double>> {
            const VolumeRows& t = self.cast<const VolumeRows&>();
            if (l < 1 || static_cast<std::size_t>(l) > t.level.size()) return std::nullopt;
            return column_view(t.level[static_cast<std::size_t>(l - 1)], self);
          },
          py::arg("l"), "level l's column, or None above the network's height (all zeros)");
  def_column(rows, "pv", &VolumeRows::pv);
  def_column(rows, "gv", &VolumeRows::gv);
  def_column(rows, "power_leg", &VolumeRows::power_leg);
  def_column(rows, "lesser_legs", &VolumeRows::lesser_legs);
  def_column(rows, "downline", &VolumeRows::downline);
  def_column(rows, "active_downline", &VolumeRows::active_downline);
  def_column(rows, "frontline", &VolumeRows::frontline);
  def_column(rows, "depth", &VolumeRows::depth);
  def_column(rows, "height", &VolumeRows::height);
  def_column(rows, "active", &VolumeRows::active);
  m.def(
      "volumes",
      [](const Network& net, const Activity& act, day_t start, day_t end,
         std::optional<day_t> as_of, int levels, std::optional<double> min_pv, unsigned columns) {
        VolumeOptions opt;
        opt.start = start;
        opt.end = end;
        opt.as_of = as_of;
        opt.levels = levels;
        opt.min_pv = min_pv;
        auto out = std::make_shared<VolumeRows>();
        py::gil_scoped_release release;
        *out = volumes_by_row(net, act, opt, columns);
        return out;
      },
      py::arg("network"), py::arg("activity"), py::arg("start"), py::arg("end"),
      py::arg("as_of") = py::none(), py::arg("levels") = 3, py::arg("min_pv") = py::none(),
      py::arg("columns") = VolumeColumns::all,
      "The volumes table's columns (VolumeColumns flags) in input row order");
  py::class_<VolumeColumns> flags(m, "VolumeColumns",
                                  "The volumes table's columns as bit flags (volumes' `columns`)");
  for (const auto& [name, flag] : {std::pair{"pv", VolumeColumns::pv},
                                   {"gv", VolumeColumns::gv},
                                   {"levels", VolumeColumns::levels},
                                   {"power_leg", VolumeColumns::power_leg},
                                   {"lesser_legs", VolumeColumns::lesser_legs},
                                   {"downline", VolumeColumns::downline},
                                   {"active_downline", VolumeColumns::active_downline},
                                   {"frontline", VolumeColumns::frontline},
                                   {"depth", VolumeColumns::depth},
                                   {"height", VolumeColumns::height},
                                   {"active", VolumeColumns::active},
                                   {"all", VolumeColumns::all}})
    flags.attr(name) = flag;

  m.attr("max_level_columns") = max_level_columns;
  m.def(
      "check_levels",
      [](const Network& net, const py::int_& levels) {
        int overflow = 0;  // any Python int: one beyond the int64 range is named as written
        const long long l = PyLong_AsLongLongAndOverflow(levels.ptr(), &overflow);
        if (overflow > 0) throw detail::too_many_levels(net, py::repr(levels));
        return stored_levels(net, overflow < 0 ? -1 : l);
      },
      py::arg("network"), py::arg("levels"),
      "How many of `levels` level columns can be non-zero (those up to the network's height); "
      "InputError naming levels and the height when the table cannot be made");

  m.def(
      "rollup",
      [](const Network& net,
         const py::array_t<double, py::array::c_style | py::array::forcecast>& values) {
        const index_t n = net.size();
        if (values.ndim() < 1 || values.ndim() > 2 || values.shape(0) != n)
          throw InputError(ErrorKind::bad_value,
                           "rollup: expected " + std::to_string(n) +
                               " rows (one per participant), got shape with " +
                               std::to_string(values.ndim() ? values.shape(0) : 0) + " rows");
        const std::size_t un = static_cast<std::size_t>(n);
        if (values.ndim() == 1) {
          // every element of both buffers is written before it is read (positions are a
          // permutation), so neither is zeroed first; the sums are made in place
          detail::ScratchBuffer<double> out = detail::scratch_buffer<double>(un);
          {
            py::gil_scoped_release release;
            detail::ScratchBuffer<double> pre = detail::scratch_buffer<double>(un);
            net.rows_to_preorder(values.data(), pre.get());
            subtree_sum(net, pre.get(), pre.get());
            net.preorder_to_rows(pre.get(), out.get());
          }
          return py::array(to_numpy(std::move(out), un));
        }
        const py::ssize_t cols = values.shape(1);
        using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        auto* res = new RowMat();
        py::capsule owner(res, [](void* p) { delete static_cast<RowMat*>(p); });
        {
          py::gil_scoped_release release;
          const Eigen::Map<const RowMat> in(values.data(), n, cols);
          *res = rollup_rows(net, in);
        }
        return py::array(py::array_t<double>({static_cast<py::ssize_t>(n), cols},
                                             {static_cast<py::ssize_t>(cols * sizeof(double)),
                                              static_cast<py::ssize_t>(sizeof(double))},
                                             res->data(), owner));
      },
      py::arg("network"), py::arg("values"),
      "Subtree sums (participant included) of a 1-D or 2-D array in input row order");

  m.def(
      "pv_gv_series",
      [](const Network& net, const Activity& act, const std::vector<day_t>& bounds,
         py::array_t<double, py::array::f_style> out, int pv_column, int gv_column) {
        const std::size_t n = static_cast<std::size_t>(net.size());
        const std::size_t periods = bounds.size() < 2 ? 0 : bounds.size() - 1;
        const auto column = [&](int c) -> double* {
          if (c < 0) return nullptr;
          if (out.ndim() != 2 || static_cast<std::size_t>(out.shape(0)) != n ||
              static_cast<std::size_t>(out.shape(1)) < (static_cast<std::size_t>(c) + 1) * periods)
            throw InputError(ErrorKind::bad_value, "pv_gv_series: the output has the wrong shape");
          return out.mutable_data() + static_cast<std::size_t>(c) * periods * n;
        };
        double* pv = column(pv_column);
        double* gv = column(gv_column);
        py::gil_scoped_release release;
        pv_gv_series(net, act, bounds, pv, gv);
      },
      py::arg("network"), py::arg("activity"), py::arg("bounds"), py::arg("out").noconvert(),
      py::arg("pv_column"), py::arg("gv_column"),
      "PV and GV of the periods [bounds[p], bounds[p + 1]) into the column blocks pv_column and gv_column "
      "(-1: not wanted; a block holds one column per period) of out (Fortran order, one row per participant), "
      "each period as of its last day with enrolment dates (NaN outside)");

  m.def(
      "category_sums",
      [](const Network& net, const carray<std::int64_t>& codes,
         const std::optional<carray<double>>& weights, int n_categories, bool include_self) {
        const std::size_t n = static_cast<std::size_t>(net.size());
        const std::int64_t* c = downline::python::checked(codes, n, "category codes");
        const double* w = weights ? downline::python::checked(*weights, n, "weights") : nullptr;
        if (n_categories < 0) throw InputError(ErrorKind::bad_value, "n_categories must be >= 0");
        const std::size_t cols = static_cast<std::size_t>(n_categories);
        auto shape =
            std::vector<py::ssize_t>{static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(cols)};
        if (w) {
          py::array_t<double> out(shape);
          double* o = out.mutable_data();
          py::gil_scoped_release release;
          category_sums(net, c, w, n_categories, include_self, o);
          return py::array(out);
        }
        py::array_t<std::int64_t> out(shape);
        std::int64_t* o = out.mutable_data();
        {
          py::gil_scoped_release release;
          category_sums(net, c, nullptr, n_categories, include_self, o);
        }
        return py::array(out);
      },
      py::arg("network"), py::arg("codes"), py::arg("weights"), py::arg("n_categories"),
      py::arg("include_self"),
      "Per-category subtree sums (counts without weights) of a one-hot participants x "
      "categories matrix, input row order");
}
