// CUDA driver of arrays: one thread per chip runs program_array (kernels/array/array.hpp) over its devices in
// order; targets are shared, results chip-major. A first GPU path for the crossbar layer: the nodal solve
// stays on the CPU for now.
#include <stdexcept>

#include "array/driver.hpp"
#include "cuda/cuda_check.hpp"

namespace mc {

namespace {

constexpr int kArrayBlock = 64;

__global__ void __launch_bounds__(kArrayBlock) program_chips_kernel(const ArrayParams p, const float* target, int rows,
                                                                    int cols, std::uint64_t first_chip, std::uint64_t chips,
                                                                    float* g, std::uint8_t* stuck, ArrayCounts* counts) {
  const std::uint64_t c = static_cast<std::uint64_t>(blockIdx.x) * kArrayBlock + threadIdx.x;
  if (c >= chips) return;
  const std::uint64_t n = static_cast<std::uint64_t>(rows) * cols;
  ArrayCounts k{0, 0, 0, 0, 0.0};
  program_array(p, target, rows, cols, (first_chip + c) * n, g + c * n, stuck + c * n, &k);
  counts[c] = k;
}

}  // namespace

void program_chips_cuda(int gpu, const ArrayParams& p, const float* target, int rows, int cols,
                        std::uint64_t first_chip, std::uint64_t chips, float* g, std::uint8_t* stuck,
                        ArrayCounts* counts) {
  if (chips == 0) return;
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  const std::uint64_t n = static_cast<std::uint64_t>(rows) * cols;
  CudaStream stream;
  DeviceBuffer<float> dev_target(n), dev_g(chips * n);
  DeviceBuffer<std::uint8_t> dev_stuck(chips * n);
  DeviceBuffer<ArrayCounts> dev_counts(chips);
  MC_CUDA_CHECK(cudaMemcpyAsync(dev_target.data(), target, n * sizeof(float), cudaMemcpyHostToDevice, stream.get()));
  const unsigned int blocks = static_cast<unsigned int>((chips + kArrayBlock - 1) / kArrayBlock);
  program_chips_kernel<<<blocks, kArrayBlock, 0, stream.get()>>>(p, dev_target.data(), rows, cols, first_chip, chips,
                                                                 dev_g.data(), dev_stuck.data(), dev_counts.data());
  MC_CUDA_CHECK_LAUNCH();
  MC_CUDA_CHECK(cudaMemcpyAsync(g, dev_g.data(), chips * n * sizeof(float), cudaMemcpyDeviceToHost, stream.get()));
  MC_CUDA_CHECK(cudaMemcpyAsync(stuck, dev_stuck.data(), chips * n, cudaMemcpyDeviceToHost, stream.get()));
  MC_CUDA_CHECK(cudaMemcpyAsync(counts, dev_counts.data(), chips * sizeof(ArrayCounts), cudaMemcpyDeviceToHost, stream.get()));
  stream.synchronize();
}

}  // namespace mc
