// CUDA backend of the bnn workload: one layer's packed dot products (kernels/bnn/bnn.hpp), GEMM-like: a block
// computes a tile of kTileRows images × kBnnColumnBlock neurons; weight words and activation words of a chunk of
// kChunk words are staged in shared memory, and every thread counts XOR (binary) or AND (byte bit-planes, weighted
// 2^b) with __popcll for its (image, neuron) pair. The integers equal the CPU kernel's (bnn_preactivation is the
// shared MC_HD code); a fused request (BnnDotArgs::bits) is thresholded and packed in the kernel by a warp ballot.
#include <algorithm>

#include "bnn/driver.hpp"
#include "cuda/cuda_check.hpp"

namespace mc {

namespace {

constexpr int kTileRows = 8;
constexpr int kChunk = 32;

template <bool kPlanes>
__global__ void bnn_dot_kernel(BnnDotArgs a, int words, int cols) {
  __shared__ unsigned long long ws[kChunk][kBnnColumnBlock];
  __shared__ unsigned long long as[kTileRows][(kPlanes ? kBnnPlanes : 1) * kChunk];
  const int tx = threadIdx.x, ty = threadIdx.y;  // neuron within the tile, image within the tile
  const int j = blockIdx.x * kBnnColumnBlock + tx;
  const std::int64_t n = static_cast<std::int64_t>(blockIdx.y) * kTileRows + ty;
  const int planes = kPlanes ? kBnnPlanes : 1;
  const std::int64_t stride = static_cast<std::int64_t>(planes) * words;
  long long acc = 0;
  for (int w0 = 0; w0 < words; w0 += kChunk) {
    const int chunk = min(kChunk, words - w0);
    // Weights: kChunk rows of the tile's 32 columns (padded columns hold zeros).
    for (int r = ty; r < chunk; r += kTileRows) ws[r][tx] = a.weights[static_cast<std::int64_t>(w0 + r) * cols + blockIdx.x * kBnnColumnBlock + tx];
    // Activations: every plane's words of the chunk for the tile's images (rows past the end read as 0).
    for (int k = tx; k < planes * kChunk; k += kBnnColumnBlock) {
      const int b = k / kChunk, w = k % kChunk;
      as[ty][k] = (n < a.images && w < chunk) ? a.act[n * stride + static_cast<std::int64_t>(b) * words + w0 + w] : 0ull;
    }
    __syncthreads();
    for (int b = 0; b < planes; ++b) {
      long long s = 0;
      for (int w = 0; w < chunk; ++w) {
        const unsigned long long x = as[ty][b * kChunk + w], y = ws[w][tx];
        s += __popcll(kPlanes ? (x & y) : (x ^ y));
      }
      acc += s << b;
    }
    __syncthreads();
  }
  if (a.bits) {
    // Fused: a warp is one image row of the tile (blockDim.x = 32 neurons), so one ballot gathers the row's 32
    // bits (bnn_fused_fire, shared with the CPU) and lane 0 stores them as the 32-bit half j0/32 of the row's
    // words (little-endian, as the CPU kernel's store); every thread reaches the ballot.
    const bool fire = n < a.images && j < a.n_out && bnn_fused_fire(a, j, bnn_preactivation(a, acc, n));
    const unsigned bits = __ballot_sync(0xffffffffu, fire);
    if (tx == 0 && n < a.images) reinterpret_cast<unsigned*>(a.bits + n * a.bits_stride)[blockIdx.x] = bits;
  } else if (n < a.images && j < a.n_out) {
    a.out[n * a.out_stride + j] = bnn_preactivation(a, acc, n);
  }
}

}  // namespace

void bnn_dot_cuda(int gpu, const BnnDotArgs& a) {
  if (a.images <= 0) return;
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  const int words = bnn_words(a.n_in), cols = bnn_columns(a.n_out);
  const std::size_t stride = static_cast<std::size_t>(a.planes ? a.planes : 1) * words;
  const std::size_t n = static_cast<std::size_t>(a.images);
  CudaStream stream;
  DeviceBuffer<std::uint64_t> act(n * stride), weights(static_cast<std::size_t>(words) * cols);
  const bool fused = a.bits != nullptr;
  DeviceBuffer<std::int32_t> sum(a.planes ? n : 0), out(fused ? 0 : n * a.out_stride);
  DeviceBuffer<std::int32_t> sign(fused ? a.n_out : 0), bound(fused ? a.n_out : 0);
  DeviceBuffer<std::uint64_t> bits(fused ? n * a.bits_stride : 0);
  MC_CUDA_CHECK(cudaMemcpyAsync(act.data(), a.act, act.bytes(), cudaMemcpyHostToDevice, stream.get()));
  MC_CUDA_CHECK(cudaMemcpyAsync(weights.data(), a.weights, weights.bytes(), cudaMemcpyHostToDevice, stream.get()));
  if (a.planes) MC_CUDA_CHECK(cudaMemcpyAsync(sum.data(), a.act_sum, sum.bytes(), cudaMemcpyHostToDevice, stream.get()));
  BnnDotArgs d = a;
  d.act = act.data(), d.weights = weights.data(), d.act_sum = a.planes ? sum.data() : nullptr;
  if (fused) {
    MC_CUDA_CHECK(cudaMemcpyAsync(sign.data(), a.fire_sign, sign.bytes(), cudaMemcpyHostToDevice, stream.get()));
    MC_CUDA_CHECK(cudaMemcpyAsync(bound.data(), a.fire_bound, bound.bytes(), cudaMemcpyHostToDevice, stream.get()));
    // Words whose upper half no tile writes (outputs % 64 in 1..32) must read 0 there.
    MC_CUDA_CHECK(cudaMemsetAsync(bits.data(), 0, bits.bytes(), stream.get()));
    d.fire_sign = sign.data(), d.fire_bound = bound.data(), d.bits = bits.data(), d.out = nullptr;
  } else {
    d.out = out.data();
  }
  const dim3 block(kBnnColumnBlock, kTileRows);
  const dim3 grid(static_cast<unsigned>(cols / kBnnColumnBlock), static_cast<unsigned>((n + kTileRows - 1) / kTileRows));
  if (a.planes) bnn_dot_kernel<true><<<grid, block, 0, stream.get()>>>(d, words, cols);
  else bnn_dot_kernel<false><<<grid, block, 0, stream.get()>>>(d, words, cols);
  MC_CUDA_CHECK_LAUNCH();
  if (fused) MC_CUDA_CHECK(cudaMemcpyAsync(a.bits, bits.data(), bits.bytes(), cudaMemcpyDeviceToHost, stream.get()));
  else MC_CUDA_CHECK(cudaMemcpyAsync(a.out, out.data(), out.bytes(), cudaMemcpyDeviceToHost, stream.get()));
  stream.synchronize();
}

}  // namespace mc
