// downline._core.read_participants / read_orders: the C++ CSV readers (every thread on a
// plain file), their tables handed to numpy as views without copies; dates as
// datetime64[ns] ticks.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "downline/error.hpp"
#include "downline/io/csv.hpp"

namespace py = pybind11;
using namespace downline;
using downline::python::def_view;

namespace {

/// An orders file as read: the reader's table with its days as datetime64[ns] ticks.
struct OrderFile : io::OrderTable {
  Array<std::int64_t> date_ticks;
};
/// A participants file as read: the reader's table with its enrolment days as
/// datetime64[ns] ticks.
struct ParticipantFile : io::ParticipantTable {
  Array<std::int64_t> enrolled_ticks;
};

/// Days since 1970-01-01 -> nanoseconds (numpy's datetime64[ns] ticks), on every thread.
Array<std::int64_t> nanoseconds(const Array<day_t>& days) {
  Array<std::int64_t> ns(days.size());
  day_ticks(days.data(), nullptr, std::int64_t{86400} * 1000000000, days.size(), ns.data());
  return ns;
}

/// Reads a file with `read` without the GIL; the table's `days` column becomes `ticks`
/// (converted on every thread; the days are released).
template <class File, class Table, class Columns>
std::shared_ptr<File> read_without_gil(Table (*read)(const std::string&, const Columns&),
                                       const std::string& path, const Columns& cols,
                                       Array<day_t> Table::*days,
                                       Array<std::int64_t> File::*ticks) {
  auto out = std::make_shared<File>();
  py::gil_scoped_release release;
  static_cast<Table&>(*out) = read(path, cols);
  (*out).*ticks = nanoseconds((*out).*days);
  (*out).*days = {};
  return out;
}

/// "int", "text" or "auto" (the Python readers' ids=) as an io::IdKind.
io::IdKind id_kind(const std::string& ids) {
  if (ids == "int") return io::IdKind::integer;
  if (ids == "text") return io::IdKind::text;
  if (ids == "auto") return io::IdKind::automatic;
  throw InputError(ErrorKind::bad_value, "ids: expected 'int', 'text' or 'auto', not '" + ids + "'");
}

}  // namespace

// The views are writeable: they become the columns of the frames the readers return.
void bind_io(py::module_& m) {
  py::class_<io::CategoryColumn> category(
      m, "CategoryColumn", "A text column read as codes into its names (numpy view)");
  category.def_readonly("column", &io::CategoryColumn::column, "its header name")
      .def_readonly("names", &io::CategoryColumn::names, "the names, in order of first appearance");
  def_view(category, "codes", &io::CategoryColumn::codes,
           "int32 codes into names (-1: an empty field)", true);

  py::class_<ParticipantFile, std::shared_ptr<ParticipantFile>> people(
      m, "ParticipantFile", "A participants CSV file's columns in file order (numpy views)");
  def_view(people, "id", &ParticipantFile::id, "integer participant ids (empty when text_ids)", true);
  def_view(people, "sponsor", &ParticipantFile::sponsor,
           "integer sponsor ids, meaningful where has_sponsor (empty when text_ids)", true);
  def_view(people, "has_sponsor", &ParticipantFile::has_sponsor, "0: an empty sponsor (a root)",
           true);
  people
      .def_property_readonly(
          "text_ids", [](const ParticipantFile& f) { return f.ids == io::IdKind::text; },
          "whether the ids were read as text (id_text, sponsor_text) rather than integers (id, sponsor)")
      .def_readonly("id_text", &ParticipantFile::id_text,
                    "text participant ids as codes into names (empty unless text_ids)")
      .def_readonly("sponsor_text", &ParticipantFile::sponsor_text,
                    "text sponsor ids as codes into names, -1: a root (empty unless text_ids)")
      .def_readonly("has_enrolled_on", &ParticipantFile::has_enrolled_on,
                    "whether enrolled_on was read")
      .def_readonly("has_kind", &ParticipantFile::has_kind, "whether kind was read")
      .def_readonly("kind_names", &ParticipantFile::kind_names,
                    "the kinds' names (kind's codes index them)")
      .def_property_readonly(
          "categories",
          [](const ParticipantFile& f) {  // each keeps the file alive (reference_internal)
            std::vector<const io::CategoryColumn*> out;
            for (const io::CategoryColumn& c : f.categories) out.push_back(&c);
            return out;
          },
          "the category columns asked for, in that order");
  def_view(people, "enrolled_on", &ParticipantFile::enrolled_ticks,
           "enrolment dates as datetime64[ns] ticks (empty unless has_enrolled_on)", true);
  def_view(people, "kind", &ParticipantFile::kind,
           "int32 codes into kind_names, -1: an empty field (empty unless has_kind)", true);
  m.def(
      "read_participants",
      [](const std::string& path, const std::string& id, const std::string& sponsor,
         const std::string& enrolled_on, bool require_enrolled_on, const std::string& kind,
         bool require_kind, const std::vector<std::string>& categories, const std::string& ids) {
        io::ParticipantFileColumns cols;
        cols.ids = id_kind(ids);
        cols.id = id;
        cols.sponsor = sponsor;
        cols.enrolled_on = enrolled_on;
        cols.require_enrolled_on = require_enrolled_on;
        cols.kind = kind;
        cols.require_kind = require_kind;
        cols.categories = categories;
        return read_without_gil(io::read_participants, path, cols,
                                &io::ParticipantTable::enrolled_on,
                                &ParticipantFile::enrolled_ticks);
      },
      py::arg("path"), py::arg("id"), py::arg("sponsor"), py::arg("enrolled_on"),
      py::arg("require_enrolled_on"), py::arg("kind"), py::arg("require_kind"), py::arg("categories"),
      py::arg("ids"),
      "A participants CSV file's columns: id and sponsor (integers, or text as id_text and sponsor_text: "
      "ids is 'int', 'text' or 'auto'), has_sponsor, enrolled_on (datetime64[ns] ticks, when read), kind and "
      "categories (codes and names)");

  py::class_<OrderFile, std::shared_ptr<OrderFile>> orders(
      m, "OrderFile", "An orders CSV file's columns in file order (numpy views)");
  def_view(orders, "participant", &OrderFile::participant, "integer participant ids (empty when text_ids)",
           true);
  def_view(orders, "date", &OrderFile::date_ticks, "order dates as datetime64[ns] ticks", true);
  def_view(orders, "amount", &OrderFile::amount, "amounts (empty unless has_amount)", true);
  def_view(orders, "pv", &OrderFile::pv, "point values (empty unless has_pv)", true);
  orders
      .def_property_readonly(
          "text_ids", [](const OrderFile& f) { return f.ids == io::IdKind::text; },
          "whether the ids were read as text (participant_text) rather than integers (participant)")
      .def_readonly("participant_text", &OrderFile::participant_text,
                    "text participant ids as codes into names (empty unless text_ids)")
      .def_readonly("has_amount", &OrderFile::has_amount, "whether the file has the amount column")
      .def_readonly("has_pv", &OrderFile::has_pv, "whether the file has the pv column");
  m.def(
      "read_orders",
      [](const std::string& path, const std::string& participant, const std::string& date,
         const std::string& amount, bool require_amount, const std::string& pv, bool require_pv,
         const std::string& ids) {
        io::OrderFileColumns cols;
        cols.ids = id_kind(ids);
        cols.participant = participant;
        cols.date = date;
        cols.amount = amount;
        cols.require_amount = require_amount;
        cols.pv = pv;
        cols.require_pv = require_pv;
        auto f = read_without_gil(io::read_orders, path, cols, &io::OrderTable::day,
                                  &OrderFile::date_ticks);
        if (!f->has_pv) f->pv = {};  // the reader's copy of amount: the frame does not use it
        return f;
      },
      py::arg("path"), py::arg("participant"), py::arg("date"), py::arg("amount"),
      py::arg("require_amount"), py::arg("pv"), py::arg("require_pv"), py::arg("ids"),
      "An orders CSV file's columns: participant (integers, or text as participant_text: ids is 'int', "
      "'text' or 'auto'), date (datetime64[ns] ticks), amount and pv (when read)");

  m.def(
      "write_table",
      [](const std::string& path, const std::string& header, const py::list& columns, std::size_t rows,
         const std::string& line_end) {
        std::vector<io::TextColumn> cols;
        std::vector<py::array> keep;  // the arrays, alive while the GIL is released
        for (const py::handle item : columns) {
          const auto t = item.cast<py::tuple>();
          const auto kind = t[0].cast<std::string>();
          io::TextColumn col;
          if (kind == "cents") {
            auto a = py::array_t<double, py::array::c_style>::ensure(t[1]);
            if (!a || static_cast<std::size_t>(a.size()) < rows) throw py::value_error("write_table: a cents column is not float64 of every row");
            col.kind = io::TextColumn::Kind::cents;
            col.cents = a.data();
            keep.push_back(a);
          } else if (kind == "integers" && py::isinstance<py::array_t<std::int32_t>>(t[1])) {
            auto a = py::array_t<std::int32_t, py::array::c_style>::ensure(t[1]);
            if (!a || static_cast<std::size_t>(a.size()) < rows) throw py::value_error("write_table: a column is not int32 of every row");
            col.integers32 = a.data();
            keep.push_back(a);
          } else if (kind == "integers" || kind == "texts") {
            auto a = py::array_t<std::int64_t, py::array::c_style>::ensure(t[1]);
            if (!a || static_cast<std::size_t>(a.size()) < rows) throw py::value_error("write_table: a column is not int64 of every row");
            col.kind = kind == "texts" ? io::TextColumn::Kind::texts : io::TextColumn::Kind::integers;
            (kind == "texts" ? col.codes : col.integers) = a.data();
            if (kind == "texts") col.texts = t[2].cast<std::vector<std::string>>();
            keep.push_back(a);
          } else {
            throw py::value_error("write_table: unknown column kind '" + kind + "'");
          }
          cols.push_back(std::move(col));
        }
        py::gil_scoped_release release;
        io::write_table(path, header, cols, rows, line_end);
      },
      py::arg("path"), py::arg("header"), py::arg("columns"), py::arg("rows"), py::arg("line_end"),
      "Writes a CSV file: the header, then rows of the columns' fields joined by commas. Each column is "
      "(kind, array, texts): ('integers', int64 or int32 values, []), ('cents', float64 whole cents, []) or "
      "('texts', int64 codes into texts (bytes as written; a code < 0: an empty field), texts)");
  m.def(
      "whole_cents",
      [](const py::array_t<double, py::array::c_style>& values) {
        py::gil_scoped_release release;
        return io::whole_cents(values.data(), static_cast<std::size_t>(values.size()));
      },
      py::arg("values"),
      "Whether every value is the double nearest a whole number of cents, below 1e13 in magnitude");
}
