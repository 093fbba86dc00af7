// CPU driver of the ideal crossbar MVM: OpenMP over chips, each (chip, pattern) by the MC_HD crossbar_ideal.
#include <omp.h>

#include "circuit/driver.hpp"

namespace mc {

void ideal_mvm_chips_cpu(const float* G, int rows, int cols, std::uint64_t chips, const double* V, int n_inputs,
                         double* out, int threads) {
  const CrossbarGeometry g{rows, cols, 0.0, 0.0, 0.0, 0.0, true};
  const std::uint64_t n = static_cast<std::uint64_t>(rows) * cols;
#pragma omp parallel for schedule(static) num_threads(threads > 0 ? threads : omp_get_max_threads())
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(chips); ++c)
    for (int p = 0; p < n_inputs; ++p)
      crossbar_ideal(g, G + c * n, V + static_cast<std::int64_t>(p) * rows,
                     out + (c * static_cast<std::int64_t>(n_inputs) + p) * cols);
}

}  // namespace mc
