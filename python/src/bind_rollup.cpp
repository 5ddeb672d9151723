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

void bind_rollup(py::module_& m) {
  m.def(
      "volumes",
      [](const Network& net, const Activity& act, day_t start, day_t end,
         std::optional<day_t> as_of, int levels, std::optional<double> min_pv,
         const std::vector<std::string>& columns) {
        VolumeOptions opt;
        opt.start = start;
        opt.end = end;
        opt.as_of = as_of;
        opt.levels = levels;
        opt.min_pv = min_pv;
        const std::unordered_set<std::string> asked(columns.begin(), columns.end());
        auto wanted = [&](const std::string& c) { return asked.count(c) != 0; };
        // PV and GV alone (no as_of): one scatter of the orders and one reverse pass,
        // without the rest of the table.
        const bool lean = !as_of && std::all_of(columns.begin(), columns.end(), [](const auto& c) {
          return c == "pv" || c == "gv";
        });
        const std::size_t n = static_cast<std::size_t>(net.size());
        py::dict out;
        VolumeTable t;
        std::vector<index_t> rows;  // included input rows, only when as_of filters
        Array<double> pv_rows;      // lean: PV straight in input row order
        detail::ScratchBuffer<double> pv_both, gv_rows;  // lean, both columns: PV, GV in rows
        {
          py::gil_scoped_release release;
          if (lean) {
            // PV straight into row order (no gather); GV from PV in preorder, rolled up in
            // place. Both from one pass over the period's orders when both are asked for.
            const index_t* row = net.row_of_position().data();
            detail::ScratchBuffer<double> pre;  // PV in preorder, then GV (in place)
            if (wanted("pv") && wanted("gv")) {
              pre = detail::scratch_buffer<double>(n);
              pv_both = detail::scratch_buffer<double>(n);
              act.personal_volume_twice(start, end, row, pre.get(), pv_both.get());
            } else if (wanted("pv")) {
              pv_rows.resize(n);
              act.personal_volume_to(start, end, row, pv_rows.data());
            } else {
              pre = detail::scratch_buffer<double>(n);
              act.personal_volume(start, end, pre.get(), nullptr);
            }
            if (wanted("gv")) {
              subtree_sum(net, pre.get(), pre.get());
              gv_rows = detail::scratch_buffer<double>(n);
              net.preorder_to_rows(pre.get(), gv_rows.get());
            }
          } else {
            t = volumes(net, act, opt);
          }
          if (as_of) {
            const index_t* pos = net.position_of_row().data();
            for (index_t r = 0; r < net.size(); ++r)
              if (t.included[pos[r]]) rows.push_back(r);
          }
        }
        const bool filter = as_of && rows.size() != n;
        // Every column asked for is gathered once, straight into input row order (only the
        // included rows when as_of filters) and into memory first touched there, on every
        // thread; the GIL is held only to wrap the arrays.
        const index_t* pos = net.position_of_row().data();
        auto put = [&](const std::string& name, const auto* pre) {
          if (!wanted(name)) return;
          using T = std::remove_const_t<std::remove_pointer_t<decltype(pre)>>;
          const std::size_t count = filter ? rows.size() : n;
          detail::ScratchBuffer<T> r = detail::scratch_buffer<T>(count);
          {
            py::gil_scoped_release release;
            if (!filter) {
              net.preorder_to_rows(pre, r.get());
            } else {
              for (std::size_t i = 0; i < count; ++i) r[i] = pre[pos[rows[i]]];
            }
          }
          out[py::str(name)] = to_numpy(std::move(r), count);
        };
        if (lean) {
          if (pv_both) out["pv"] = to_numpy(std::move(pv_both), n);
          else if (wanted("pv")) out["pv"] = to_numpy(std::move(pv_rows));
          if (gv_rows) out["gv"] = to_numpy(std::move(gv_rows), n);
        } else {
          put("pv", t.pv.data());
          put("gv", t.gv.data());
        }
        // Level columns: the stored ones (up to the network's height) gathered, every one
        // above it the same read-only array of zeros (no memory per column).
        py::object zeros;
        for (const std::string& name : columns) {
          if (name.rfind("level_", 0) != 0) continue;
          const int l = std::stoi(name.substr(6));  // the caller checked the names
          if (l < 1 || l > levels) continue;
          if (const double* col = t.level.column(l)) {
            put(name, col);
            continue;
          }
          if (!zeros) {
            py::array_t<double> z(static_cast<py::ssize_t>(filter ? rows.size() : n));
            std::fill(z.mutable_data(), z.mutable_data() + z.size(), 0.0);
            z.attr("setflags")(py::arg("write") = false);
            zeros = std::move(z);
          }
          out[py::str(name)] = zeros;
        }
        put("power_leg", t.power_leg.data());
        put("lesser_legs", t.lesser_legs.data());
        put("downline", t.downline.data());
        put("active_downline", t.active_downline.data());
        put("frontline", t.frontline.data());
        put("depth", t.depth.data());
        put("height", t.height.data());
        put("active", t.active.data());
        if (filter) out["rows"] = to_numpy(std::move(rows));
        return out;
      },
      py::arg("network"), py::arg("activity"), py::arg("start"), py::arg("end"),
      py::arg("as_of") = py::none(), py::arg("levels") = 3, py::arg("min_pv") = py::none(),
      py::arg("columns"), "The volumes table's columns named in `columns`, in input row order");

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
