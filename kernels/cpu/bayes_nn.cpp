// CPU driver of the bayes_nn kernels: OpenMP over inputs (each inference's noise is keyed by its own counter, so
// results do not depend on the thread count).
#include <omp.h>

#include <algorithm>

#include "bayes_nn/driver.hpp"

namespace mc {

void bnn_read_inferences_cpu(const BnnDeviceNet& net, const float* X, int n, int M, std::uint64_t first_inference, float clip,
                             float* logits, int threads) {
  const int K = net.sizes[net.n_layers], F = net.sizes[0];
  constexpr int S = 32;  // inferences per block: the lanes of the vectorized noise draws
  // The n·M inferences in flat order t = i·M + m, S per block (a block may span two inputs); inference id
  // first_inference + t whatever the blocking, so results do not depend on S or the thread count.
  const std::int64_t total = static_cast<std::int64_t>(n) * M, blocks = (total + S - 1) / S;
#pragma omp parallel for schedule(dynamic, 8) num_threads(threads > 0 ? threads : omp_get_max_threads())
  for (std::int64_t blk = 0; blk < blocks; ++blk) {
    const std::int64_t t0 = blk * S;
    const float* xrow[S];
    for (int s = 0; s < S; ++s) xrow[s] = X + std::min<std::int64_t>((t0 + s) / M, n - 1) * F;
    if (t0 + S <= total) {
      bnn_read_block_dispatch<S>(net, xrow, first_inference + t0, clip, logits + t0 * K);
    } else {  // the last partial block: computed whole, its valid lanes kept
      float tmp[S * kBnnMaxWidth];
      bnn_read_block_dispatch<S>(net, xrow, first_inference + t0, clip, tmp);
      std::copy(tmp, tmp + (total - t0) * K, logits + t0 * K);
    }
  }
}

}  // namespace mc
