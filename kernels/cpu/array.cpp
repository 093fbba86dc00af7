// CPU driver of arrays: OpenMP over chips, each chip programmed by the MC_HD code of kernels/array/array.hpp.
#include <omp.h>

#include "array/driver.hpp"

namespace mc {

void program_chips_cpu(const ArrayParams& p, const float* target, int rows, int cols, std::uint64_t first_chip,
                       std::uint64_t chips, float* g, std::uint8_t* stuck, ArrayCounts* counts, int threads) {
  const std::uint64_t n = static_cast<std::uint64_t>(rows) * cols;
#pragma omp parallel for schedule(dynamic) num_threads(threads > 0 ? threads : omp_get_max_threads())
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(chips); ++c) {
    counts[c] = ArrayCounts{0, 0, 0, 0, 0.0};
    program_array(p, target, rows, cols, (first_chip + static_cast<std::uint64_t>(c)) * n, g + c * n, stuck + c * n,
                  &counts[c]);
  }
}

}  // namespace mc
