// downline._core.read_participants / read_orders: the C++ CSV readers (every thread on a
// plain file), columns handed to numpy without copies; dates as datetime64[ns] ticks.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "downline/io/csv.hpp"
#include "downline/retention.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::to_numpy;

namespace {

/// Days since 1970-01-01 -> nanoseconds (numpy's datetime64[ns] ticks), on every thread.
Array<std::int64_t> nanoseconds(const Array<day_t>& days) {
  Array<std::int64_t> ns(days.size());
  day_ticks(days.data(), nullptr, std::int64_t{86400} * 1000000000, days.size(), ns.data());
  return ns;
}

/// Reads a file with `read` without the GIL and takes the table's `days` column out as
/// datetime64[ns] ticks (converted on every thread).
template <class Table, class Columns>
std::pair<Table, Array<std::int64_t>> read_without_gil(
    Table (*read)(const std::string&, const Columns&), const std::string& path, const Columns& cols,
    Array<day_t> Table::*days) {
  py::gil_scoped_release release;
  Table t = read(path, cols);
  Array<std::int64_t> ticks = nanoseconds(t.*days);
  t.*days = {};
  return {std::move(t), std::move(ticks)};
}

/// {"codes": int32 array (-1: empty field), "names": list of str}
py::dict category(std::vector<std::string>&& names, Array<std::int32_t>&& codes) {
  py::dict d;
  d["codes"] = to_numpy(std::move(codes));
  d["names"] = std::move(names);
  return d;
}

}  // namespace

void bind_io(py::module_& m) {
  m.def(
      "read_participants",
      [](const std::string& path, const std::string& id, const std::string& sponsor,
         const std::string& enrolled_on, bool require_enrolled_on, const std::string& kind,
         bool require_kind, const std::vector<std::string>& categories) {
        io::ParticipantColumns cols;
        cols.id = id;
        cols.sponsor = sponsor;
        cols.enrolled_on = enrolled_on;
        cols.require_enrolled_on = require_enrolled_on;
        cols.kind = kind;
        cols.require_kind = require_kind;
        cols.categories = categories;
        auto [t, enrolled] =
            read_without_gil(io::read_participants, path, cols, &io::ParticipantTable::enrolled_on);
        py::dict d;
        d["id"] = to_numpy(std::move(t.id));
        d["sponsor"] = to_numpy(std::move(t.sponsor));
        d["has_sponsor"] = to_numpy(std::move(t.has_sponsor));
        if (t.has_enrolled_on) d["enrolled_on"] = to_numpy(std::move(enrolled));
        if (t.has_kind) d["kind"] = category(std::move(t.kind_names), std::move(t.kind));
        py::list cats;
        for (io::CategoryColumn& c : t.categories)
          cats.append(py::make_tuple(c.column, category(std::move(c.names), std::move(c.codes))));
        d["categories"] = cats;
        return d;
      },
      py::arg("path"), py::arg("id"), py::arg("sponsor"), py::arg("enrolled_on"),
      py::arg("require_enrolled_on"), py::arg("kind"), py::arg("require_kind"), py::arg("categories"),
      "A participants CSV file as columns: id, sponsor, has_sponsor, enrolled_on (datetime64[ns] ticks, "
      "when read), kind and categories (codes and names)");
  m.def(
      "read_orders",
      [](const std::string& path, const std::string& participant, const std::string& date,
         const std::string& amount, bool require_amount, const std::string& pv, bool require_pv) {
        io::OrderColumns cols;
        cols.participant = participant;
        cols.date = date;
        cols.amount = amount;
        cols.require_amount = require_amount;
        cols.pv = pv;
        cols.require_pv = require_pv;
        auto [t, ticks] = read_without_gil(io::read_orders, path, cols, &io::OrderTable::day);
        py::dict d;
        d["participant"] = to_numpy(std::move(t.participant));
        d["date"] = to_numpy(std::move(ticks));
        if (t.has_amount) d["amount"] = to_numpy(std::move(t.amount));
        if (t.has_pv) d["pv"] = to_numpy(std::move(t.pv));
        return d;
      },
      py::arg("path"), py::arg("participant"), py::arg("date"), py::arg("amount"),
      py::arg("require_amount"), py::arg("pv"), py::arg("require_pv"),
      "An orders CSV file as columns: participant, date (datetime64[ns] ticks), amount and pv (when read)");
}
