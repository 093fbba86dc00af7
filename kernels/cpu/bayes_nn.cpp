// CPU driver of the bayes_nn kernels: OpenMP over inputs (each inference's noise is keyed by its own counter, so
// results do not depend on the thread count).
#include <omp.h>

#include "bayes_nn/driver.hpp"

namespace mc {

void bnn_read_inferences_cpu(const BnnDeviceNet& net, const float* X, int n, int M, std::uint64_t first_inference, float clip,
                             float* logits, int threads) {
  const int K = net.sizes[net.n_layers], F = net.sizes[0];
#pragma omp parallel for schedule(static) num_threads(threads > 0 ? threads : omp_get_max_threads())
  for (int i = 0; i < n; ++i)
    for (int m = 0; m < M; ++m) {
      const std::uint64_t inf = first_inference + static_cast<std::uint64_t>(i) * M + m;
      bnn_read_forward_dispatch(net, X + static_cast<long>(i) * F, inf, clip, logits + (static_cast<long>(i) * M + m) * K);
    }
}

}  // namespace mc
