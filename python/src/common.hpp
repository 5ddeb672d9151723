// Shared helpers of the binding files: zero-copy numpy views of C++ vectors, array checks.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "downline/detail/buffer.hpp"
#include "downline/error.hpp"
#include "downline/network.hpp"

namespace downline::python {

namespace py = pybind11;

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

/// Binds an array member of a result struct as a property: a numpy view of it that keeps
/// the struct (held by shared_ptr) alive.
template <class Struct, class T, class A, class... Options>
void def_view(py::class_<Struct, Options...>& cls, const char* name,
              std::vector<T, A> Struct::*member, const char* doc, bool writeable = false) {
  cls.def_property_readonly(
      name,
      [member, writeable](py::object self) {
        return view(self.cast<const Struct&>().*member, self, writeable);
      },
      doc);
}

/// A 1-D C-contiguous array of T: no copy when the caller's array already is one.
template <class T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <class T, int Flags>
const T* checked(const py::array_t<T, Flags>& a, std::size_t n, const char* what) {
  if (a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != n)
    throw InputError(ErrorKind::bad_value, std::string(what) + ": expected a 1-D array of " +
                                               std::to_string(n) + " values");
  return a.data();
}

/// Input rows -> preorder and back, for a network-sized array.
template <class T, class A>
Array<T> to_rows(const Network& net, const std::vector<T, A>& pre) {
  Array<T> out(pre.size());
  net.preorder_to_rows(pre.data(), out.data());
  return out;
}

}  // namespace downline::python
