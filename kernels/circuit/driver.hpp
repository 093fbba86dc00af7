// Driver functions of the crossbar circuit (kernels/circuit/crossbar.hpp): the ideal Kirchhoff MVM of many
// programmed chips against many input patterns at once. Plain arguments, one function per backend:
// kernels/cpu/crossbar.cpp and kernels/cuda/crossbar.cu call the same MC_HD crossbar_ideal.
#pragma once
#include <cstdint>

#include "circuit/crossbar.hpp"

namespace mc {

/// Output currents (µA) of chips [0, chips) of a rows×cols array driven on its rows, for every input pattern:
/// out[(c·n_inputs + p)·cols + s] = Σ_d G_c(d, s)·V[p·rows + d]. G chip-major (chips·rows·cols, µS), V
/// n_inputs × rows (V). threads: 0 = all cores.
void ideal_mvm_chips_cpu(const float* G, int rows, int cols, std::uint64_t chips, const double* V, int n_inputs,
                         double* out, int threads);

#if defined(MC_HAVE_CUDA)
/// The same on GPU `gpu`, one CUDA thread per (chip, input pattern).
void ideal_mvm_chips_cuda(int gpu, const float* G, int rows, int cols, std::uint64_t chips, const double* V,
                          int n_inputs, double* out);
#endif

}  // namespace mc
