// CPU drivers of the crossbar circuit: OpenMP over chips; each (chip, pattern) by the MC_HD crossbar_ideal, each
// chip's transfer matrix by the MC_HD banded Cholesky (kernels/circuit/banded.hpp).
#include <omp.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

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

void band_transfer_chips_cpu(const CrossbarGeometry& g, const float* G, std::uint64_t chips, double* T, int threads) {
  const CrossbarBand b = crossbar_band(g);
  if (!b.usable) throw std::invalid_argument("crossbar: wire resistance on one line set only has no narrow band");
  const CrossbarLines l = crossbar_lines(g);
  const std::uint64_t n = static_cast<std::uint64_t>(g.rows) * g.cols, t = static_cast<std::uint64_t>(l.n_driven) * l.n_sensed;
  std::atomic<std::int64_t> failed{-1};
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
  {
    std::vector<double> band(static_cast<size_t>(b.entries())), x(static_cast<size_t>(b.n) * l.n_driven);
#pragma omp for schedule(dynamic)
    for (std::int64_t c = 0; c < static_cast<std::int64_t>(chips); ++c) {
      crossbar_band_assemble(g, b, G + c * n, band.data(), 1);
      if (!band_cholesky(band.data(), b.n, b.width, 1)) {
        failed.store(c);
        continue;
      }
      crossbar_band_transfer(g, b, G + c * n, band.data(), 1, x.data(), 1, T + c * t);
    }
  }
  if (failed.load() >= 0)
    throw std::runtime_error("crossbar: the nodal matrix of chip " + std::to_string(failed.load()) + " is not positive definite");
}

}  // namespace mc
