// CUDA drivers of the crossbar circuit, the same MC_HD code as the CPU drivers: the ideal MVM, one thread per
// (chip, input pattern) running crossbar_ideal (kernels/circuit/crossbar.hpp); the nodal solve with line
// resistance, one thread per chip running the banded Cholesky and the transfer solves of kernels/circuit/banded.hpp
// on bands interleaved across the batch.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "circuit/driver.hpp"
#include "cuda/cuda_check.hpp"

namespace mc {

namespace {

constexpr int kMvmBlock = 128;
constexpr int kBandBlock = 64;

__global__ void __launch_bounds__(kMvmBlock) ideal_mvm_kernel(const float* G, int rows, int cols, std::uint64_t chips,
                                                              const double* V, int n_inputs, double* out) {
  const std::uint64_t t = static_cast<std::uint64_t>(blockIdx.x) * kMvmBlock + threadIdx.x;
  if (t >= chips * static_cast<std::uint64_t>(n_inputs)) return;
  const std::uint64_t c = t / n_inputs, p = t % n_inputs;
  const CrossbarGeometry g{rows, cols, 0.0, 0.0, 0.0, 0.0, true};
  crossbar_ideal(g, G + c * rows * cols, V + p * rows, out + t * cols);
}

// Chip c of the batch: its band at band + c (stride chips), its node voltages at x + c (stride chips), its transfer
// matrix at T + c·t. failed[c] = 1 when its nodal matrix is not positive definite.
__global__ void __launch_bounds__(kBandBlock) band_transfer_kernel(const CrossbarGeometry g, const CrossbarBand b, const float* G,
                                                                    int chips, double* band, double* x, double* T, int* failed) {
  const int c = blockIdx.x * kBandBlock + threadIdx.x;
  if (c >= chips) return;
  const long n = static_cast<long>(g.rows) * g.cols;
  const CrossbarLines l = crossbar_lines(g);
  const long t = static_cast<long>(l.n_driven) * l.n_sensed;
  crossbar_band_assemble(g, b, G + c * n, band + c, chips);
  if (!band_cholesky(band + c, b.n, b.width, chips)) {
    failed[c] = 1;
    return;
  }
  crossbar_band_transfer(g, b, G + c * n, band + c, chips, x + c, chips, T + c * t);
}

}  // namespace

void band_transfer_chips_cuda(int gpu, const CrossbarGeometry& g, const float* G, std::uint64_t chips, double* T) {
  if (chips == 0) return;
  const CrossbarBand b = crossbar_band(g);
  if (!b.usable) throw std::invalid_argument("crossbar: wire resistance on one line set only has no narrow band");
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  const CrossbarLines l = crossbar_lines(g);
  const std::uint64_t n = static_cast<std::uint64_t>(g.rows) * g.cols, t = static_cast<std::uint64_t>(l.n_driven) * l.n_sensed;
  const std::uint64_t per_chip = (b.entries() + b.n * l.n_driven + t) * sizeof(double) + n * sizeof(float) + sizeof(int);
  std::size_t free_bytes = 0, total_bytes = 0;
  MC_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const std::uint64_t batch = std::max<std::uint64_t>(1, std::min<std::uint64_t>({chips, free_bytes / 2 / per_chip, 1u << 20}));
  CudaStream stream;
  DeviceBuffer<float> dev_g(batch * n);
  DeviceBuffer<double> dev_band(batch * b.entries()), dev_x(batch * b.n * l.n_driven), dev_t(batch * t);
  DeviceBuffer<int> dev_failed(batch);
  std::vector<int> failed(batch);
  for (std::uint64_t c0 = 0; c0 < chips; c0 += batch) {
    const int m = static_cast<int>(std::min(batch, chips - c0));
    MC_CUDA_CHECK(cudaMemcpyAsync(dev_g.data(), G + c0 * n, m * n * sizeof(float), cudaMemcpyHostToDevice, stream.get()));
    MC_CUDA_CHECK(cudaMemsetAsync(dev_failed.data(), 0, m * sizeof(int), stream.get()));
    band_transfer_kernel<<<(m + kBandBlock - 1) / kBandBlock, kBandBlock, 0, stream.get()>>>(g, b, dev_g.data(), m, dev_band.data(),
                                                                                             dev_x.data(), dev_t.data(), dev_failed.data());
    MC_CUDA_CHECK_LAUNCH();
    MC_CUDA_CHECK(cudaMemcpyAsync(T + c0 * t, dev_t.data(), m * t * sizeof(double), cudaMemcpyDeviceToHost, stream.get()));
    MC_CUDA_CHECK(cudaMemcpyAsync(failed.data(), dev_failed.data(), m * sizeof(int), cudaMemcpyDeviceToHost, stream.get()));
    stream.synchronize();
    for (int c = 0; c < m; ++c)
      if (failed[c])
        throw std::runtime_error("crossbar: the nodal matrix of chip " + std::to_string(c0 + c) + " is not positive definite");
  }
}

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
