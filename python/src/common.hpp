// Shared helpers of the binding files: zero-copy numpy views of C++ vectors, array checks.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "downline/detail/buffer.hpp"
#include "downline/error.hpp"
#include "downline/ids.hpp"
#include "downline/network.hpp"
#include "downline/orders.hpp"

namespace downline::python {

namespace py = pybind11;

/// An object array holding values that are neither str nor missing (ints among strings,
/// tuples): the message names the rows and their types. Python's downline.Network falls
/// back to pandas for such labels (downline._core.NotStrings, a TypeError).
struct NotStrings : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What py_strings() makes of elements that are not str.
enum class Missing {
  error,   ///< None / NaN / pandas.NA / NaT: InputError naming the rows; others: NotStrings
  absent,  ///< None / NaN / pandas.NA / NaT and "": absent (present[r] = 0); others: NotStrings
  lookup,  ///< anything that is not a str: absent (a lookup finds nothing)
};

/// A str object's UTF-8 bytes, read in place: a compact ASCII string's own data, else the
/// UTF-8 copy the object caches (made by py_strings() beforehand); empty for a non-str.
/// Reads fields of an immutable, live object only: safe without the GIL.
inline std::string_view str_bytes(const void* object) noexcept {
  PyObject* o = const_cast<PyObject*>(static_cast<const PyObject*>(object));
  if (!PyUnicode_Check(o)) return {};
  if (PyUnicode_IS_COMPACT_ASCII(o))
    return {static_cast<const char*>(PyUnicode_DATA(o)),
            static_cast<std::size_t>(PyUnicode_GET_LENGTH(o))};
  const auto* c = reinterpret_cast<const PyCompactUnicodeObject*>(o);
  return {c->utf8, static_cast<std::size_t>(c->utf8_length)};
}

/// The elements of a 1-D numpy object array as a StringColumn of str objects read in place
/// (str_bytes(); nothing is copied). `array` keeps the objects alive: use the column while
/// this lives. Every element is checked on every thread without the GIL; then, with the
/// GIL, the str objects that are not compact ASCII get their UTF-8 copy cached.
struct PyStrings {
  py::array array;
  std::vector<std::uint8_t> present;  ///< empty when no element is absent
  std::size_t n = 0;
  StringColumn column() const {
    return StringColumn::of_objects(static_cast<const void* const*>(array.data()), &str_bytes, n);
  }
};

/// Whether `a` is a 1-D numpy array of Python objects.
inline bool is_object_array(const py::handle& a) {
  if (!py::isinstance<py::array>(a)) return false;
  const auto arr = py::reinterpret_borrow<py::array>(a);
  return arr.dtype().kind() == 'O' && arr.ndim() == 1;
}

/// pandas' markers of a missing value among objects: None, a NaN float, pandas.NA and
/// pandas.NaT. The first call needs the GIL (it imports pandas); the test does not.
struct MissingObjects {
  PyObject* na;
  PyObject* nat;
  bool operator()(PyObject* o) const noexcept {
    return o == Py_None || o == na || o == nat ||
           (PyFloat_Check(o) && std::isnan(PyFloat_AS_DOUBLE(o)));
  }
};
inline const MissingObjects& missing_objects() {
  static const MissingObjects m{
      py::object(py::module_::import("pandas").attr("NA")).release().ptr(),
      py::object(py::module_::import("pandas").attr("NaT")).release().ptr()};
  return m;
}

/// Reads the object array `a` (1-D); `what` names its column in messages ("column 'id'").
inline PyStrings py_strings(const py::array& a, const std::string& what, Missing missing) {
  if (a.dtype().kind() != 'O' || a.ndim() != 1)
    throw InputError(ErrorKind::bad_value, what + ": expected a 1-D array of str objects");
  const MissingObjects& is_missing = missing_objects();
  PyStrings out;
  out.array = py::array::ensure(a, py::array::c_style);  // object pointers side by side
  out.n = static_cast<std::size_t>(a.shape(0));
  auto* const* items = static_cast<PyObject* const*>(out.array.data());
  // 1. every element classed, on every thread: what is not a compact ASCII str is listed
  enum Class : std::uint8_t { no_utf8, empty, na_value, other };
  std::vector<std::vector<std::pair<std::size_t, Class>>> found(
      detail::parallel_parts(out.n, std::size_t{1} << 16));
  {
    py::gil_scoped_release release;
    detail::parallel_for(
        out.n, std::size_t{1} << 16, [&](std::size_t t, std::size_t b, std::size_t e) {
          for (std::size_t r = b; r < e; ++r) {
            PyObject* o = items[r];
            if (PyUnicode_Check(o)) {
              const bool ascii = PyUnicode_IS_COMPACT_ASCII(o);
              if (!ascii && reinterpret_cast<const PyCompactUnicodeObject*>(o)->utf8 == nullptr)
                found[t].emplace_back(r, no_utf8);
              else if ((ascii ? PyUnicode_GET_LENGTH(o) : 1) == 0 && missing == Missing::absent)
                found[t].emplace_back(r, empty);
              continue;
            }
            found[t].emplace_back(r, is_missing(o) ? na_value : other);
          }
        });
  }
  // 2. with the GIL: UTF-8 copies cached, absent rows marked, errors named
  std::vector<id_type> missing_rows, other_rows;
  std::vector<std::string> other_types;
  auto absent = [&](std::size_t r) {
    if (out.present.empty()) out.present.assign(out.n, 1);
    out.present[r] = 0;
  };
  for (const auto& part : found)
    for (const auto& [r, c] : part) {
      PyObject* o = items[r];
      if (c == no_utf8) {
        Py_ssize_t size = 0;
        if (PyUnicode_AsUTF8AndSize(o, &size) == nullptr) {  // lone surrogates: no UTF-8
          PyErr_Clear();
          if (missing == Missing::lookup) {
            absent(r);
          } else {
            other_rows.push_back(static_cast<id_type>(r));
            other_types.push_back("str that is not valid UTF-8");
          }
        } else if (size == 0 && missing == Missing::absent) {
          absent(r);
        }
      } else if (c == empty || missing == Missing::lookup ||
                 (c == na_value && missing == Missing::absent)) {
        absent(r);
      } else if (c == na_value) {
        missing_rows.push_back(static_cast<id_type>(r));
      } else {
        other_rows.push_back(static_cast<id_type>(r));
        other_types.push_back(Py_TYPE(o)->tp_name);
      }
    }
  if (!missing_rows.empty()) {
    const std::string msg = what + " has missing ids at rows " + detail::list_values(missing_rows);
    throw InputError(ErrorKind::bad_value, msg, std::move(missing_rows));
  }
  if (!other_rows.empty())
    throw NotStrings(what + ": " + std::to_string(other_rows.size()) +
                     " value(s) that are not strings at rows " +
                     detail::list_items(other_rows.size(), [&](std::size_t i) {
                       return std::to_string(other_rows[i]) + " (" + other_types[i] + ")";
                     }));
  return out;
}

/// A 1-D C-contiguous array of T: no copy when the caller's array already is one.
template <class T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

/// An id column from Python, kept alive with its IdColumn: an object array of str (see
/// py_strings(); `what` names it in messages) or int64 ids (any integer array, cast).
struct PyIds {
  std::optional<PyStrings> strings;
  std::optional<carray<id_type>> ints;
  IdColumn column;
  /// Elements that are not str (Missing::absent and lookup): empty when there are none.
  const std::vector<std::uint8_t>& present() const {
    static const std::vector<std::uint8_t> none;
    return strings ? strings->present : none;
  }
};
inline PyIds py_ids(const py::object& values, const std::string& what, Missing missing) {
  PyIds out;
  if (is_object_array(values)) {
    out.strings = py_strings(values.cast<py::array>(), what, missing);
    out.column = IdColumn(out.strings->column());
  } else {
    out.ints = values.cast<carray<id_type>>();
    if (out.ints->ndim() != 1)
      throw InputError(ErrorKind::bad_value, what + ": expected a 1-D array of ids");
    out.column = IdColumn(out.ints->data(), static_cast<std::size_t>(out.ints->size()));
  }
  return out;
}

/// Hands a vector to numpy without copying: the array owns the vector through a capsule.
template <class T, class A>
py::array_t<T> to_numpy(std::vector<T, A>&& v) {
  auto* heap = new std::vector<T, A>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T, A>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(heap->size())},
                        {static_cast<py::ssize_t>(sizeof(T))}, heap->data(), owner);
}

/// Hands an uninitialised buffer of n elements, filled by the caller, to numpy without
/// copying (so that large results are written once, on every thread, not zeroed first).
template <class T>
py::array_t<T> to_numpy(detail::ScratchBuffer<T>&& buf, std::size_t n) {
  T* data = buf.get();
  py::capsule owner(data, [](void* p) { detail::huge_free(p); });
  buf.release();  // the capsule owns it now
  return py::array_t<T>({static_cast<py::ssize_t>(n)}, {static_cast<py::ssize_t>(sizeof(T))}, data,
                        owner);
}

/// A new uninitialised numpy array of n T for a kernel to fill, and its data. Its memory
/// comes from huge_alloc(), so a large result released by the user goes back to the block
/// cache and the next result of that size reuses it instead of faulting in fresh pages
/// (numpy's own allocation maps and unmaps large arrays through malloc each time).
template <class T>
std::pair<py::array_t<T>, T*> output_array(std::size_t n) {
  detail::ScratchBuffer<T> buf = detail::scratch_buffer<T>(n);
  T* data = buf.get();
  return {to_numpy(std::move(buf), n), data};
}

/// A numpy view of a vector that `owner` (a Python object) keeps alive: no copy. Read-only
/// unless `writeable`.
template <class T, class A>
py::array_t<T> view(const std::vector<T, A>& v, py::handle owner, bool writeable = false) {
  py::array_t<T> a({static_cast<py::ssize_t>(v.size())}, {static_cast<py::ssize_t>(sizeof(T))},
                   v.data(), owner);
  if (!writeable)
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

/// Binds an array member of a result struct (or of its base) as a property: a numpy view
/// of it that keeps the struct (held by shared_ptr) alive.
template <class Struct, class Base, class T, class A, class... Options>
void def_view(py::class_<Struct, Options...>& cls, const char* name,
              std::vector<T, A> Base::*member, const char* doc, bool writeable = false) {
  static_assert(std::is_base_of<Base, Struct>::value, "a member of the bound struct");
  cls.def_property_readonly(
      name,
      [member, writeable](py::object self) {
        return view(self.cast<const Struct&>().*member, self, writeable);
      },
      doc);
}

template <class T, int Flags>
const T* checked(const py::array_t<T, Flags>& a, std::size_t n, const char* what) {
  if (a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != n)
    throw InputError(ErrorKind::bad_value, std::string(what) + ": expected a 1-D array of " +
                                               std::to_string(n) + " values");
  return a.data();
}

/// The order columns of numpy arrays (customer ids, date ticks, optional amounts), checked
/// for one length: the input of the analyses that read raw orders (retention, cohorts).
inline OrderColumns order_columns(const carray<id_type>& ids, const carray<std::int64_t>& ticks,
                                  std::int64_t ticks_per_day,
                                  const std::optional<carray<double>>& amount) {
  OrderColumns o;
  o.n = static_cast<std::size_t>(ids.size());
  o.id = checked(ids, o.n, "customer ids");
  o.ticks = checked(ticks, o.n, "dates");
  o.ticks_per_day = ticks_per_day;
  o.amount = amount ? checked(*amount, o.n, "amounts") : nullptr;
  return o;
}

/// Input rows -> preorder and back, for a network-sized array.
template <class T, class A>
Array<T> to_rows(const Network& net, const std::vector<T, A>& pre) {
  Array<T> out(pre.size());
  net.preorder_to_rows(pre.data(), out.data());
  return out;
}

}  // namespace downline::python
