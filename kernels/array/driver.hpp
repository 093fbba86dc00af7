// Driver functions of arrays (kernels/array/array.hpp): program many chips of one array, one chip per thread
// (the devices of a chip are tuned in order, because half-select disturb depends on it). Plain arguments, one
// function per backend: kernels/cpu/array.cpp and kernels/cuda/array.cu run the same MC_HD code.
#pragma once
#include <cstdint>

#include "array/array.hpp"

namespace mc {

/// Program chips [first_chip, first_chip + chips) of a rows×cols array to the same targets (µS, row-major).
/// Chip c's device k has the global id c·rows·cols + k. g and stuck hold chips·rows·cols entries (chip-major);
/// counts holds one ArrayCounts per chip. threads: 0 = all cores.
void program_chips_cpu(const ArrayParams& p, const float* target, int rows, int cols, std::uint64_t first_chip,
                       std::uint64_t chips, float* g, std::uint8_t* stuck, ArrayCounts* counts, int threads);

#if defined(MC_HAVE_CUDA)
/// The same on GPU `gpu`, one CUDA thread per chip.
void program_chips_cuda(int gpu, const ArrayParams& p, const float* target, int rows, int cols,
                        std::uint64_t first_chip, std::uint64_t chips, float* g, std::uint8_t* stuck,
                        ArrayCounts* counts);
#endif

}  // namespace mc
