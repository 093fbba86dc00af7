// CUDA driver of the ideal crossbar MVM: one thread per (chip, input pattern) runs crossbar_ideal
// (kernels/circuit/crossbar.hpp), the same MC_HD code as the CPU driver. The nodal solve with line resistance
// stays on the CPU.
#include "circuit/driver.hpp"
#include "cuda/cuda_check.hpp"

namespace mc {

namespace {

constexpr int kMvmBlock = 128;

__global__ void __launch_bounds__(kMvmBlock) ideal_mvm_kernel(const float* G, int rows, int cols, std::uint64_t chips,
                                                              const double* V, int n_inputs, double* out) {
  const std::uint64_t t = static_cast<std::uint64_t>(blockIdx.x) * kMvmBlock + threadIdx.x;
  if (t >= chips * static_cast<std::uint64_t>(n_inputs)) return;
  const std::uint64_t c = t / n_inputs, p = t % n_inputs;
  const CrossbarGeometry g{rows, cols, 0.0, 0.0, 0.0, 0.0, true};
  crossbar_ideal(g, G + c * rows * cols, V + p * rows, out + t * cols);
}

}  // namespace

void ideal_mvm_chips_cuda(int gpu, const float* G, int rows, int cols, std::uint64_t chips, const double* V,
                          int n_inputs, double* out) {
  if (chips == 0 || n_inputs == 0) return;
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  const std::uint64_t n = static_cast<std::uint64_t>(rows) * cols, m = chips * static_cast<std::uint64_t>(n_inputs);
  CudaStream stream;
  DeviceBuffer<float> dev_g(chips * n);
  DeviceBuffer<double> dev_v(static_cast<std::uint64_t>(n_inputs) * rows), dev_out(m * cols);
  MC_CUDA_CHECK(cudaMemcpyAsync(dev_g.data(), G, chips * n * sizeof(float), cudaMemcpyHostToDevice, stream.get()));
  MC_CUDA_CHECK(cudaMemcpyAsync(dev_v.data(), V, static_cast<std::uint64_t>(n_inputs) * rows * sizeof(double),
                                cudaMemcpyHostToDevice, stream.get()));
  const unsigned int blocks = static_cast<unsigned int>((m + kMvmBlock - 1) / kMvmBlock);
  ideal_mvm_kernel<<<blocks, kMvmBlock, 0, stream.get()>>>(dev_g.data(), rows, cols, chips, dev_v.data(), n_inputs,
                                                           dev_out.data());
  MC_CUDA_CHECK_LAUNCH();
  MC_CUDA_CHECK(cudaMemcpyAsync(out, dev_out.data(), m * cols * sizeof(double), cudaMemcpyDeviceToHost, stream.get()));
  stream.synchronize();
}

}  // namespace mc
