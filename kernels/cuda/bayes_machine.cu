// CUDA backend of the bayes_machine workload (contract in bayes/driver.hpp, reference in
// kernels/cpu/bayes_machine.cpp): one thread per inference running bayes_infer from bayes/bayes.hpp, the LFSR
// tables in global memory (read-only cache). Inferences go in batches that fit half the free memory.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "bayes/driver.hpp"
#include "cuda/cuda_check.hpp"

namespace mc {
namespace {

constexpr int kBlock = 128;

__global__ void __launch_bounds__(kBlock) bayes_kernel(const BayesMachineParams p, const std::uint16_t* words,
                                                        std::uint64_t stride, std::uint64_t first, std::uint64_t n,
                                                        BayesOutcome* out) {
  const std::uint64_t k = static_cast<std::uint64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (k < n) bayes_infer(p, words + k * stride, p.word_ids ? p.word_ids + k * stride : nullptr, first + k, out[k]);
}


}  // namespace

void bayes_machine_cuda(int gpu, const BayesMachineParams& params, const std::uint16_t* words, std::uint64_t stride,
                        std::uint64_t first, std::uint64_t n, BayesOutcome* out, const RunHooks& hooks, std::uint64_t cell_count) {
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  const std::size_t states = std::size_t{1} << params.bits;
  const bool lfsr = params.generator == BayesGenerator::kLfsr;
  DeviceBuffer<std::uint64_t> next64(lfsr ? states : 1);
  DeviceBuffer<std::uint16_t> jump64(lfsr ? states : 1);
  if (lfsr) {
    MC_CUDA_CHECK(cudaMemcpy(next64.data(), params.next64, states * sizeof(std::uint64_t), cudaMemcpyHostToDevice));
    MC_CUDA_CHECK(cudaMemcpy(jump64.data(), params.jump64, states * sizeof(std::uint16_t), cudaMemcpyHostToDevice));
  }
  // Per-cycle rereads: the programmed cells once, the word indices with each batch.
  DeviceBuffer<StoredCell> cells(params.cells ? cell_count : 1);
  if (params.cells) MC_CUDA_CHECK(cudaMemcpy(cells.data(), params.cells, cell_count * sizeof(StoredCell), cudaMemcpyHostToDevice));
  const bool ids = params.reread != StorageReread::kChip && params.word_ids;
  BayesMachineParams p = params;
  p.next64 = next64.data();
  p.jump64 = jump64.data();
  p.cells = params.cells ? cells.data() : nullptr;
  const std::size_t blocks = static_cast<std::size_t>(params.classes) * params.observations;
  std::size_t free_bytes = 0, total_bytes = 0;
  MC_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const std::size_t each = sizeof(BayesOutcome) + (stride ? blocks * (sizeof(std::uint16_t) + (ids ? sizeof(std::uint32_t) : 0)) : 0);
  const std::uint64_t batch = std::min<std::uint64_t>({n, std::uint64_t{1} << 22, (free_bytes / 2) / each});
  if (batch == 0) throw std::runtime_error("bayes_machine_cuda: out of GPU memory; free the GPU or use the CPU backend");
  DeviceBuffer<std::uint16_t> d_words(stride ? batch * stride : blocks);
  DeviceBuffer<std::uint32_t> d_ids(ids ? (stride ? batch * stride : blocks) : 1);
  DeviceBuffer<BayesOutcome> d_out(batch);
  p.word_ids = ids ? d_ids.data() : nullptr;
  if (!stride) MC_CUDA_CHECK(cudaMemcpy(d_words.data(), words, blocks * sizeof(std::uint16_t), cudaMemcpyHostToDevice));
  if (!stride && ids) MC_CUDA_CHECK(cudaMemcpy(d_ids.data(), params.word_ids, blocks * sizeof(std::uint32_t), cudaMemcpyHostToDevice));
  for (std::uint64_t b0 = 0; b0 < n; b0 += batch) {
    if (hooks.cancel && hooks.cancel->load(std::memory_order_relaxed)) return;
    const std::uint64_t m = std::min(batch, n - b0);
    if (stride)
      MC_CUDA_CHECK(cudaMemcpy(d_words.data(), words + b0 * stride, m * stride * sizeof(std::uint16_t), cudaMemcpyHostToDevice));
    if (stride && ids)
      MC_CUDA_CHECK(cudaMemcpy(d_ids.data(), params.word_ids + b0 * stride, m * stride * sizeof(std::uint32_t), cudaMemcpyHostToDevice));
    const unsigned grid = static_cast<unsigned>((m + kBlock - 1) / kBlock);
    bayes_kernel<<<grid, kBlock>>>(p, d_words.data(), stride, first + b0, m, d_out.data());
    MC_CUDA_CHECK(cudaGetLastError());
    MC_CUDA_CHECK(cudaMemcpy(out + b0, d_out.data(), m * sizeof(BayesOutcome), cudaMemcpyDeviceToHost));
    if (hooks.progress) hooks.progress->fetch_add(m, std::memory_order_relaxed);
  }
}

}  // namespace mc
