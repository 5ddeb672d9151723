// Row selection over date ticks: the one pass over every order's date and volume that a
// single period needs (are the dates and volumes valid, which rows fall in the period).
// On x86-64 with AVX2 (checked at run time) the same code is compiled for AVX2 as well,
// where the compiler turns the checks into vector compares; elsewhere it is plain C++.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../config.hpp"

namespace downline {
namespace detail {

/// Bounds of one selection, all half-open [lo, hi) in ticks.
struct TickBounds {
  std::int64_t valid_lo, valid_hi;  ///< supported dates
  std::int64_t win_lo, win_hi;      ///< the period (inside the supported dates)
};

/// What select_ticks found in its rows.
struct TickSelection {
  std::size_t in_window;  ///< rows written to `rows`
  bool bad;               ///< some row has an unsupported tick or a non-finite volume
};

/// Rows of at most this many are selected at a time (the flags live on the stack).
constexpr std::size_t select_chunk = 4096;

/// The body of select_ticks: one branch-free pass of range checks (as unsigned
/// differences, so each range is one compare) writing a flag per row, then the flagged
/// rows eight flags at a time (most words are all zero for a short period, all ones for
/// an unbounded one).
DOWNLINE_ALWAYS_INLINE TickSelection select_ticks_body(const std::int64_t* ticks, const double* pv,
                                                       std::size_t b, std::size_t e,
                                                       const TickBounds& tb, std::size_t* rows) {
  const std::uint64_t vlo = static_cast<std::uint64_t>(tb.valid_lo);
  const std::uint64_t wlo = static_cast<std::uint64_t>(tb.win_lo);
  const std::uint64_t vspan =
      tb.valid_hi > tb.valid_lo ? static_cast<std::uint64_t>(tb.valid_hi) - vlo : 0;
  const std::uint64_t wspan =
      tb.win_hi > tb.win_lo ? static_cast<std::uint64_t>(tb.win_hi) - wlo : 0;
  // |x| is infinite or NaN exactly when the exponent bits are all ones
  constexpr std::uint64_t non_finite = std::uint64_t{0x7ff0000000000000} << 1;
  alignas(64) unsigned char flag[select_chunk];
  const std::size_t len = e - b;
  const std::int64_t* t = ticks + b;
  const double* v = pv + b;
  std::uint64_t bad = 0;
  for (std::size_t j = 0; j < len; ++j) {
    const std::uint64_t u = static_cast<std::uint64_t>(t[j]);
    std::uint64_t bits;
    std::memcpy(&bits, v + j, sizeof bits);
    bad |= static_cast<std::uint64_t>(u - vlo >= vspan) |
           static_cast<std::uint64_t>((bits << 1) >= non_finite);
    flag[j] = static_cast<unsigned char>(u - wlo < wspan);
  }
  std::size_t m = 0, j = 0;
  constexpr std::uint64_t all = 0x0101010101010101;
  for (; j + 8 <= len; j += 8) {
    std::uint64_t w;
    std::memcpy(&w, flag + j, sizeof w);
    if (w == all) {
      for (std::size_t k = 0; k < 8; ++k) rows[m + k] = b + j + k;
      m += 8;
      continue;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (w) {  // flag j + k is byte k of the word: its lowest set bit is in byte k
      const unsigned k = static_cast<unsigned>(__builtin_ctzll(w)) >> 3;
      rows[m++] = b + j + k;
      w &= ~(std::uint64_t{0xff} << (8 * k));
    }
#else
    if (w)
      for (std::size_t k = 0; k < 8; ++k) {
        rows[m] = b + j + k;
        m += flag[j + k];
      }
#endif
  }
  for (; j < len; ++j) {
    rows[m] = b + j;
    m += flag[j];
  }
  return {m, bad != 0};
}

inline TickSelection select_ticks_generic(const std::int64_t* ticks, const double* pv,
                                          std::size_t b, std::size_t e, const TickBounds& tb,
                                          std::size_t* rows) {
  return select_ticks_body(ticks, pv, b, e, tb, rows);
}

#if DOWNLINE_X86_DISPATCH
__attribute__((target("avx2"))) inline TickSelection select_ticks_avx2(
    const std::int64_t* ticks, const double* pv, std::size_t b, std::size_t e,
    const TickBounds& tb, std::size_t* rows) {
  return select_ticks_body(ticks, pv, b, e, tb, rows);
}
#endif

/// Which kernels run: 0 lets the CPU decide (AVX2 where it has it), 1 forces the plain
/// ones (tests run both).
inline int& kernel_override() noexcept {
  static int value = 0;
  return value;
}

inline bool use_avx2() noexcept {
#if DOWNLINE_X86_DISPATCH
  static const bool has = __builtin_cpu_supports("avx2") != 0;
  return has && kernel_override() != 1;
#else
  return false;
#endif
}

/// Rows b..e-1 (e - b <= select_chunk) of ticks and volumes: writes the rows whose tick is
/// in [win_lo, win_hi) to `rows`, in order, and tells whether any row has a tick outside
/// [valid_lo, valid_hi) or a NaN or infinite volume (the caller then names them).
inline TickSelection select_ticks(const std::int64_t* ticks, const double* pv, std::size_t b,
                                  std::size_t e, const TickBounds& tb, std::size_t* rows) {
#if DOWNLINE_X86_DISPATCH
  if (use_avx2()) return select_ticks_avx2(ticks, pv, b, e, tb, rows);
#endif
  return select_ticks_generic(ticks, pv, b, e, tb, rows);
}

}  // namespace detail
}  // namespace downline
