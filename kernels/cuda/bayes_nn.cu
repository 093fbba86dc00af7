// CUDA driver of the bayes_nn kernels: one thread per sampled inference runs bnn_read_forward
// (kernels/bayes_nn/bayes_nn.hpp) with fresh read noise keyed by its own counter, so the logits are those of the
// CPU driver up to float contraction.
#include <memory>
#include <stdexcept>
#include <vector>

#include "bayes_nn/driver.hpp"
#include "cuda/cuda_check.hpp"

namespace mc {

namespace {

constexpr int kBnnBlock = 128;

__global__ void __launch_bounds__(kBnnBlock) bnn_read_kernel(const BnnDeviceNet net, const float* X, int n, int M,
                                                             std::uint64_t first_inference, float clip, float* logits) {
  const std::uint64_t t = static_cast<std::uint64_t>(blockIdx.x) * kBnnBlock + threadIdx.x;
  if (t >= static_cast<std::uint64_t>(n) * M) return;
  const int i = static_cast<int>(t / M);
  const int K = net.sizes[net.n_layers];
  bnn_read_forward_dispatch(net, X + static_cast<long>(i) * net.sizes[0], first_inference + t, clip, logits + t * K);
}

}  // namespace

void bnn_read_inferences_cuda(int gpu, const BnnDeviceNet& net, const float* X, int n, int M, std::uint64_t first_inference,
                              float clip, float* logits) {
  if (n <= 0 || M <= 0) return;
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  CudaStream stream;
  const int L = net.n_layers, K = net.sizes[L], F = net.sizes[0];
  BnnDeviceNet dnet = net;
  std::vector<std::unique_ptr<DeviceBuffer<float>>> gp, gm;
  for (int l = 0; l < L; ++l) {
    const std::size_t k = static_cast<std::size_t>(net.sizes[l] + 1) * net.sizes[l + 1];
    gp.push_back(std::make_unique<DeviceBuffer<float>>(k));
    gm.push_back(std::make_unique<DeviceBuffer<float>>(k));
    MC_CUDA_CHECK(cudaMemcpyAsync(gp.back()->data(), net.g_plus[l], k * sizeof(float), cudaMemcpyHostToDevice, stream.get()));
    MC_CUDA_CHECK(cudaMemcpyAsync(gm.back()->data(), net.g_minus[l], k * sizeof(float), cudaMemcpyHostToDevice, stream.get()));
    dnet.g_plus[l] = gp.back()->data();
    dnet.g_minus[l] = gm.back()->data();
  }
  const std::size_t total = static_cast<std::size_t>(n) * M;
  DeviceBuffer<float> dx(static_cast<std::size_t>(n) * F), dl(total * K);
  MC_CUDA_CHECK(cudaMemcpyAsync(dx.data(), X, static_cast<std::size_t>(n) * F * sizeof(float), cudaMemcpyHostToDevice, stream.get()));
  const unsigned int blocks = static_cast<unsigned int>((total + kBnnBlock - 1) / kBnnBlock);
  bnn_read_kernel<<<blocks, kBnnBlock, 0, stream.get()>>>(dnet, dx.data(), n, M, first_inference, clip, dl.data());
  MC_CUDA_CHECK_LAUNCH();
  MC_CUDA_CHECK(cudaMemcpyAsync(logits, dl.data(), total * K * sizeof(float), cudaMemcpyDeviceToHost, stream.get()));
  stream.synchronize();
}

}  // namespace mc
