// downline._core.Network and downline._core.Activity.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>

#include "common.hpp"
#include "downline/activity.hpp"
#include "downline/network.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::carray;
using downline::python::checked;
using downline::python::Missing;
using downline::python::py_ids;
using downline::python::py_strings;
using downline::python::PyIds;
using downline::python::PyStrings;
using downline::python::to_numpy;
using downline::python::view;

namespace {

/// A property getter returning a read-only view of one of a network's or an activity's
/// arrays.
template <class C, class T>
auto member_view(const Array<T>& (C::*array)() const noexcept) {
  return [array](py::object self) { return view((self.cast<const C&>().*array)(), self); };
}

std::vector<index_t> rows_of(const Network& net, const std::vector<index_t>& positions) {
  std::vector<index_t> out(positions.size());
  for (std::size_t i = 0; i < positions.size(); ++i) out[i] = net.row_of_position()[positions[i]];
  return out;
}

/// Input rows of the ids in `ids` (an int64 array, or an object array of str: elements
/// that are not str are not found), -1 where not in the network.
py::array_t<index_t> find_rows(const Network& net, const py::object& ids) {
  const PyIds q = py_ids(ids, "ids", Missing::lookup);
  std::vector<index_t> out(q.column.size());
  {
    py::gil_scoped_release release;
    net.find_many(q.column, out.data());
  }
  const std::vector<std::uint8_t>& present = q.present();
  const index_t* row = net.row_of_position().data();
  for (std::size_t i = 0; i < out.size(); ++i)  // not a str: not found
    out[i] = out[i] == npos || (!present.empty() && !present[i]) ? npos : row[out[i]];
  return to_numpy(std::move(out));
}

index_t position_of(const Network& net, index_t row) {
  if (row < 0 || row >= net.size())
    throw InputError(ErrorKind::bad_value, "row " + std::to_string(row) + " out of range");
  return net.position_of_row()[row];
}

}  // namespace

void bind_network(py::module_& m) {
  py::class_<Network, std::shared_ptr<Network>>(m, "Network",
                                                "Sponsor forest in preorder (use downline.Network)")
      .def(py::init([](const carray<id_type>& ids, const carray<id_type>& sponsors,
                       const std::optional<carray<std::uint8_t>>& has_sponsor,
                       const std::optional<carray<day_t>>& enrolled_on, const std::string& parent) {
             const std::size_t n = static_cast<std::size_t>(ids.size());
             NetworkInput in;
             in.parent = parent;
             in.n = n;
             in.ids = checked(ids, n, "ids");
             in.sponsors = checked(sponsors, n, "sponsors");
             if (has_sponsor) in.has_sponsor = checked(*has_sponsor, n, "has_sponsor");
             if (enrolled_on) in.enrolled_on = checked(*enrolled_on, n, "enrolled_on");
             py::gil_scoped_release release;
             return std::make_shared<Network>(in);
           }),
           py::arg("ids"), py::arg("sponsors"), py::arg("has_sponsor") = py::none(),
           py::arg("enrolled_on") = py::none(), py::arg("parent") = "sponsor",
           "A network of int64 ids; `parent` names the link in errors (\"placement parent\")")
      .def_static(
          "from_strings",
          [](const py::array& ids, const py::array& sponsors,
             const std::optional<carray<std::uint8_t>>& has_sponsor,
             const std::optional<carray<day_t>>& enrolled_on, const std::string& id_name,
             const std::string& sponsor_name, const std::string& parent) {
            const PyStrings id = py_strings(ids, "column '" + id_name + "'", Missing::error);
            const PyStrings sp =
                py_strings(sponsors, "column '" + sponsor_name + "'", Missing::absent);
            const std::size_t n = id.n;
            if (sp.n != n)
              throw InputError(ErrorKind::bad_value, "sponsors: expected " + std::to_string(n) +
                                                         " values, got " + std::to_string(sp.n));
            std::vector<std::uint8_t> has(sp.present);  // with has_sponsor: both must say so
            if (has.empty()) has.assign(n, 1);
            if (has_sponsor) {
              const std::uint8_t* h = checked(*has_sponsor, n, "has_sponsor");
              for (std::size_t r = 0; r < n; ++r) has[r] = has[r] && h[r];
            }
            NetworkInput in;
            in.parent = parent;
            in.n = n;
            in.id_strings = id.column();
            in.sponsor_strings = sp.column();
            in.has_sponsor = has.data();
            if (enrolled_on) in.enrolled_on = checked(*enrolled_on, n, "enrolled_on");
            py::gil_scoped_release release;
            return std::make_shared<Network>(in);
          },
          py::arg("ids"), py::arg("sponsors"), py::arg("has_sponsor") = py::none(),
          py::arg("enrolled_on") = py::none(), py::arg("id_name") = "id",
          py::arg("sponsor_name") = "sponsor_id", py::arg("parent") = "sponsor",
          "A network of str ids (object arrays; a missing or empty sponsor marks a root). "
          "Errors name the offending rows in .ids")
      .def("__len__", &Network::size)
      .def_property_readonly("has_string_ids", &Network::has_string_ids)
      .def_property_readonly("memory_bytes", &Network::memory_bytes)
      .def_property_readonly("has_enrolment", &Network::has_enrolment)
      // Views in preorder (no copies).
      .def_property_readonly("ids_preorder", member_view(&Network::ids))
      .def_property_readonly("parents", member_view(&Network::parents))
      .def_property_readonly("ends", member_view(&Network::ends))
      .def_property_readonly("depths", member_view(&Network::depths))
      .def_property_readonly("enrolment_days", member_view(&Network::enrolment_days))
      .def_property_readonly("position_of_row", member_view(&Network::position_of_row))
      .def_property_readonly("row_of_position", member_view(&Network::row_of_position))
      .def("find_rows", &find_rows, py::arg("ids"),
           "Input rows of the given ids (int64, or str objects), -1 where not in the network")
      .def(
          "downline_rows",
          [](const Network& net, index_t row) {
            const index_t k = position_of(net, row);
            std::vector<index_t> out(net.row_of_position().begin() + k + 1,
                                     net.row_of_position().begin() + net.end(k));
            return to_numpy(std::move(out));
          },
          "Input rows of the downline of `row`, in preorder")
      .def(
          "upline_rows",
          [](const Network& net, index_t row) {
            return to_numpy(rows_of(net, net.upline(position_of(net, row))));
          },
          "Input rows of the upline of `row`, sponsor first")
      .def(
          "frontline_rows",
          [](const Network& net, index_t row) {
            return to_numpy(rows_of(net, net.frontline(position_of(net, row))));
          },
          "Input rows of the direct recruits of `row`")
      .def("subtree_size", [](const Network& net, index_t row) {
        const index_t k = position_of(net, row);
        return net.end(k) - k;
      })
      .def(
          "members_as_of",
          [](const Network& net, day_t day) {
            Array<std::uint8_t> in;
            {
              py::gil_scoped_release release;
              in = net.members_as_of(day);
            }
            return to_numpy(std::move(in));
          },
          py::arg("day"),
          "Who is in the network as of `day` (preorder, 1: in): enrolled by then, and so is every upline")
      .def(
          "restricted",
          [](const Network& net, const carray<std::uint8_t>& keep) {
            const std::uint8_t* k = checked(keep, static_cast<std::size_t>(net.size()), "keep");
            Array<index_t> rows;
            Network out;
            {
              py::gil_scoped_release release;
              out = net.restricted(k, &rows);
            }
            return py::make_tuple(std::move(out), to_numpy(std::move(rows)));
          },
          py::arg("keep"),
          "The network of the participants `keep` marks (preorder, 1: kept; every sponsor of one kept) and "
          "the rows here of its rows (theirs, in row order)");

  py::class_<Activity, std::shared_ptr<Activity>>(m, "Activity", "Orders mapped onto a network")
      .def(py::init([](const Network& net, const py::object& participant,
                       const carray<std::int64_t>& ticks, std::int64_t ticks_per_day,
                       const carray<double>& pv, bool drop, day_t from, day_t to,
                       const std::string& name,
                       const std::vector<std::pair<std::string, carray<double>>>& values,
                       const std::string& date_name, const std::string& pv_name) {
             // int64 ids, or str objects (rows of dropped_ids and errors' ids then)
             const PyIds ids = py_ids(participant, "column '" + name + "'", Missing::error);
             const IdColumn& pid = ids.column;
             const std::int64_t* t = checked(ticks, pid.n, "dates");
             const double* v = checked(pv, pid.n, "pv");
             std::vector<ValueColumn> cols;
             for (const auto& [col, data] : values) cols.push_back({col, checked(data, pid.n, col.c_str())});
             py::gil_scoped_release release;
             return std::make_shared<Activity>(net, pid, t, ticks_per_day, v,
                                               drop ? UnknownPolicy::drop : UnknownPolicy::raise,
                                               from, to, cols, OrderNames{date_name, pv_name});
           }),
           py::arg("network"), py::arg("participant"), py::arg("ticks"), py::arg("ticks_per_day"),
           py::arg("pv"), py::arg("drop") = false, py::arg("start") = min_day,
           py::arg("end") = max_day, py::arg("name") = "participant_id",
           py::arg("values") = std::vector<std::pair<std::string, carray<double>>>{},
           py::arg("date_name") = "", py::arg("pv_name") = "")
      .def("__len__", &Activity::size)
      .def_property_readonly(
          "dropped_rows", [](const Activity& a) { return std::vector<id_type>(a.dropped_rows()); })
      .def_property_readonly(
          "dropped_ids", [](const Activity& a) { return std::vector<id_type>(a.dropped_ids()); })
      .def_property_readonly("network_size", &Activity::network_size)
      // Views of the mapped orders (no copies), to pickle an Activity: each order's
      // participant (preorder position), day and volume, and the day window kept.
      .def_property_readonly("nodes", member_view(&Activity::nodes))
      .def_property_readonly("days", member_view(&Activity::days))
      .def_property_readonly("volumes", member_view(&Activity::volumes))
      .def_property_readonly("value_names", &Activity::value_names)
      .def(
          "values", [](py::object self, const std::string& name) { return view(self.cast<const Activity&>().values(name), self); },
          py::arg("name"), "The value column `name` (a view)")
      .def_property_readonly("window", [](const Activity& a) {
        return std::pair<day_t, day_t>(a.window_start(), a.window_end());
      });
}
