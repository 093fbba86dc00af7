// Portable host/device annotations: every physics function is written once and compiled by g++ and nvcc.
#pragma once

#if defined(__CUDACC__)
#define MC_HD __host__ __device__ __forceinline__
#define MC_DEVICE_PASS 1
#else
#define MC_HD inline __attribute__((always_inline))
#endif

#include <cstdint>
