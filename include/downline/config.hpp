// Compiler and platform settings of downline, each defined once here.
//
// DOWNLINE_MAP_BLOCKS (0 or 1) may be defined before including downline: 1 maps large
// blocks on their own (Linux), 0 takes them from the C allocator (the default elsewhere
// and under AddressSanitizer, which checks only the allocator's blocks). The others are
// internal and are undefined at the end of the umbrella header downline.hpp.
#pragma once

#if !defined(DOWNLINE_MAP_BLOCKS)
#if defined(__SANITIZE_ADDRESS__)
#define DOWNLINE_MAP_BLOCKS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DOWNLINE_MAP_BLOCKS 0
#endif
#endif
#endif
#if !defined(DOWNLINE_MAP_BLOCKS)
#if defined(__linux__)
#define DOWNLINE_MAP_BLOCKS 1
#else
#define DOWNLINE_MAP_BLOCKS 0
#endif
#endif

// x86-64 kernels also compiled for AVX2 and picked at run time (detail/select.hpp).
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define DOWNLINE_X86_DISPATCH 1
#else
#define DOWNLINE_X86_DISPATCH 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DOWNLINE_ALWAYS_INLINE inline __attribute__((always_inline))
#define DOWNLINE_NOINLINE __attribute__((noinline))
#else
#define DOWNLINE_ALWAYS_INLINE inline
#define DOWNLINE_NOINLINE
#endif

// Unrolls the loop that follows (GCC; other compilers decide alone).
#if defined(__GNUC__) && !defined(__clang__)
#define DOWNLINE_UNROLL _Pragma("GCC unroll 8")
#else
#define DOWNLINE_UNROLL
#endif
