// Driver functions of the crossbar circuit (kernels/circuit/crossbar.hpp): the ideal Kirchhoff MVM of many
// programmed chips against many input patterns at once, and the transfer matrices of many chips with line
// resistance by the banded Cholesky of kernels/circuit/banded.hpp. Plain arguments, one function per backend:
// kernels/cpu/crossbar.cpp and kernels/cuda/crossbar.cu call the same MC_HD code.
#pragma once
#include <cstdint>

#include "circuit/banded.hpp"
#include "circuit/crossbar.hpp"

namespace mc {

/// Output currents (µA) of chips [0, chips) of a rows×cols array driven on its rows, for every input pattern:
/// out[(c·n_inputs + p)·cols + s] = Σ_d G_c(d, s)·V[p·rows + d]. G chip-major (chips·rows·cols, µS), V
/// n_inputs × rows (V). threads: 0 = all cores.
void ideal_mvm_chips_cpu(const float* G, int rows, int cols, std::uint64_t chips, const double* V, int n_inputs,
                         double* out, int threads);

/// Transfer matrices of chips [0, chips) of geometry g (crossbar_band(g).usable): T chip-major, each n_sensed ×
/// n_driven row-major (µS), as CrossbarSolver::transfer. G chip-major (chips·rows·cols, µS). Throws
/// std::runtime_error naming the chip when a nodal matrix is not positive definite. threads: 0 = all cores.
void band_transfer_chips_cpu(const CrossbarGeometry& g, const float* G, std::uint64_t chips, double* T, int threads);

#if defined(MC_HAVE_CUDA)
/// The same on GPU `gpu`, one CUDA thread per (chip, input pattern).
void ideal_mvm_chips_cuda(int gpu, const float* G, int rows, int cols, std::uint64_t chips, const double* V,
                          int n_inputs, double* out);
/// band_transfer_chips_cpu on GPU `gpu`: one CUDA thread per chip factors and solves its band, the bands of a
/// batch interleaved (stride = chips of the batch) so that a warp's loads coalesce; batches sized to the free memory.
void band_transfer_chips_cuda(int gpu, const CrossbarGeometry& g, const float* G, std::uint64_t chips, double* T);
#endif

}  // namespace mc
