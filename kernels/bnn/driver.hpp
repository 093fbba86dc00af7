// Driver functions of the bnn workload: one layer's XNOR/AND-popcount dot products for a block of images
// (kernels/bnn/bnn.hpp has the packing and the contract). kernels/cpu/bnn.cpp (AVX-512 VPOPCNTDQ where compiled
// for it, else the hardware popcount) and kernels/cuda/bnn.cu (a tiled kernel with __popcll) give identical
// integers.
#pragma once
#include <cstdint>

#include "bnn/bnn.hpp"

namespace mc {

/// Single-threaded: the caller runs blocks of images (and chips) in parallel.
void bnn_dot_cpu(const BnnDotArgs& args);
/// The instruction set the CPU kernel was compiled for ("avx512-vpopcntdq" or "popcnt").
const char* bnn_cpu_isa();

#if defined(MC_HAVE_CUDA)
/// Same contract on CUDA device `gpu`; every pointer is to host memory (the driver copies).
void bnn_dot_cuda(int gpu, const BnnDotArgs& args);
#endif

}  // namespace mc
