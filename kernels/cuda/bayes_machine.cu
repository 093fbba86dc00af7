// CUDA backend of the bayes_machine workload (contract in bayes/driver.hpp, reference in
// kernels/cpu/bayes_machine.cpp): one thread per inference running bayes_infer<true> from bayes/bayes.hpp (the
// variant with the small local-memory frame; same outcomes, tested on the CPU), the LFSR tables and programmed
// cells in global memory (read-only cache), uploaded once per run. Batches stream through two pinned staging
// slots on two streams, so the host's copy of one batch and its transfers overlap the other's kernel.
#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "bayes/driver.hpp"
#include "cuda/cuda_check.hpp"

namespace mc {
namespace {

constexpr int kBlock = 128;

__global__ void __launch_bounds__(kBlock) bayes_kernel(const BayesMachineParams p, const std::uint16_t* words,
                                                        const std::uint32_t* ids, std::uint64_t stride, std::uint64_t first,
                                                        std::uint64_t n, BayesOutcome* out) {
  const std::uint64_t k = static_cast<std::uint64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (k < n) bayes_infer<true>(p, words + k * stride, ids ? ids + k * stride : nullptr, first + k, out[k]);
}

}  // namespace

struct BayesMachineGpu::Impl {
  struct Slot {
    CudaStream stream;
    DeviceBuffer<std::uint16_t> words;
    DeviceBuffer<std::uint32_t> ids;
    DeviceBuffer<BayesOutcome> out;
    PinnedBuffer<std::uint16_t> h_words;
    PinnedBuffer<std::uint32_t> h_ids;
    PinnedBuffer<BayesOutcome> h_out;
    BayesOutcome* dest = nullptr;  ///< where the slot's outcomes go once its stream is done
    std::uint64_t count = 0;       ///< outcomes in flight (0: idle)
    Slot(std::size_t words_n, std::size_t ids_n, std::size_t out_n)
        : words(words_n), ids(ids_n), out(out_n), h_words(words_n), h_ids(ids_n), h_out(out_n) {}
  };

  int gpu;
  std::size_t blocks;
  DeviceBuffer<std::uint64_t> next64;
  DeviceBuffer<std::uint16_t> jump64;
  DeviceBuffer<StoredCell> cells;
  std::uint64_t max_batch = 0;  ///< test hook: inferences per launch at most (0: no limit)
  std::uint64_t batch = 0;      ///< inferences per launch of the current call
  std::uint64_t cap_out = 0, cap_words = 0, cap_ids = 0;  ///< what the slots hold
  std::uint64_t waves_batch = 0, local_thread = 0, local_reserved = 0;
  std::unique_ptr<Slot> slot[2];

  Impl(int gpu_, const BayesMachineParams& p, std::uint64_t cell_count, std::uint64_t max_batch_)
      : gpu(gpu_),
        blocks(static_cast<std::size_t>(p.classes) * p.observations),
        next64(p.generator == BayesGenerator::kLfsr ? std::size_t{1} << p.bits : 1),
        jump64(p.generator == BayesGenerator::kLfsr ? std::size_t{1} << p.bits : 1),
        cells(p.cells ? cell_count : 1) {
    const std::size_t states = std::size_t{1} << p.bits;
    if (p.generator == BayesGenerator::kLfsr) {
      MC_CUDA_CHECK(cudaMemcpy(next64.data(), p.next64, states * sizeof(std::uint64_t), cudaMemcpyHostToDevice));
      MC_CUDA_CHECK(cudaMemcpy(jump64.data(), p.jump64, states * sizeof(std::uint16_t), cudaMemcpyHostToDevice));
    }
    if (p.cells) MC_CUDA_CHECK(cudaMemcpy(cells.data(), p.cells, cell_count * sizeof(StoredCell), cudaMemcpyHostToDevice));
    // What the kernel's local memory takes: the frame of every thread that can be resident at once.
    cudaFuncAttributes attr{};
    MC_CUDA_CHECK(cudaFuncGetAttributes(&attr, bayes_kernel));
    int sms = 0, per_sm = 0;
    MC_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, gpu));
    MC_CUDA_CHECK(cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxThreadsPerMultiProcessor, gpu));
    local_thread = attr.localSizeBytes;
    local_reserved = local_thread * static_cast<std::uint64_t>(sms) * static_cast<std::uint64_t>(per_sm);
    waves_batch = 4 * static_cast<std::uint64_t>(sms) * static_cast<std::uint64_t>(per_sm);
    max_batch = max_batch_;
    if (max_batch) waves_batch = std::min(waves_batch, 4 * max_batch);
  }

  /// Sets `batch` for a call of `want` inferences of `stride` words each (with word indices when with_ids), and
  /// makes the staging slots larger when they are too small for it.
  void stage(std::uint64_t want, std::uint64_t stride, bool with_ids) {
    const std::size_t each = sizeof(BayesOutcome) + stride * (sizeof(std::uint16_t) + (with_ids ? sizeof(std::uint32_t) : 0));
    std::size_t free_bytes = 0, total_bytes = 0;
    MC_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    const std::uint64_t room = cap_out * each + (free_bytes > local_reserved ? (free_bytes - local_reserved) / 2 : 0);  // half: headroom
    std::uint64_t b = std::min<std::uint64_t>({want, std::uint64_t{1} << 22, room / (2 * each)});
    if (max_batch) b = std::min(b, max_batch);
    if (b == 0)
      throw std::runtime_error("bayes_machine on GPU " + std::to_string(gpu) + ": out of GPU memory (" + std::to_string(free_bytes >> 20) +
                               " MiB free, " + std::to_string(local_reserved >> 20) +
                               " MiB reserved for the kernel's local memory); free the GPU or use the CPU backend");
    batch = b;
    const std::uint64_t nw = stride ? b * stride : blocks, ni = with_ids ? nw : 1;
    if (slot[0] && b <= cap_out && nw <= cap_words && ni <= cap_ids) return;
    for (auto& s : slot) s.reset();  // the old slots go before the larger ones are allocated
    for (auto& s : slot) s = std::make_unique<Slot>(nw, ni, b);
    cap_out = b, cap_words = nw, cap_ids = ni;
  }

  /// Waits for a slot's stream and hands its outcomes to the caller.
  void drain(Slot& s) {
    if (!s.count) return;
    s.stream.synchronize();
    std::memcpy(s.dest, s.h_out.data(), s.count * sizeof(BayesOutcome));
    s.count = 0;
  }

};

BayesMachineGpu::BayesMachineGpu(int gpu, const BayesMachineParams& params, std::uint64_t cell_count, std::uint64_t max_batch) {
  if (params.cells && cell_count == 0) throw std::invalid_argument("BayesMachineGpu: params.cells is set but cell_count is 0");
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  impl_ = std::make_unique<Impl>(gpu, params, cell_count, max_batch);
}

BayesMachineGpu::~BayesMachineGpu() {
  cudaSetDevice(impl_->gpu);  // the buffers are freed on their own device
  impl_.reset();
}

std::uint64_t BayesMachineGpu::preferred_batch() const { return impl_->waves_batch; }
std::uint64_t BayesMachineGpu::local_bytes_per_thread() const { return impl_->local_thread; }
std::uint64_t BayesMachineGpu::local_bytes_reserved() const { return impl_->local_reserved; }

void BayesMachineGpu::infer(const BayesMachineParams& params, const std::uint16_t* words, std::uint64_t stride, std::uint64_t first,
                            std::uint64_t n, BayesOutcome* out, const RunHooks& hooks) {
  if (n == 0) return;
  Impl& g = *impl_;
  MC_CUDA_CHECK(cudaSetDevice(g.gpu));
  const bool ids = params.reread != StorageReread::kChip && params.word_ids;
  g.stage(n, stride, ids);
  BayesMachineParams p = params;
  p.next64 = g.next64.data();
  p.jump64 = g.jump64.data();
  p.cells = params.cells ? g.cells.data() : nullptr;
  p.word_ids = nullptr;  // per launch, below
  // Words shared by every inference (stride 0) go up once into both slots.
  if (!stride)
    for (auto& s : g.slot) {
      MC_CUDA_CHECK(cudaMemcpyAsync(s->words.data(), words, g.blocks * sizeof(std::uint16_t), cudaMemcpyHostToDevice, s->stream.get()));
      if (ids)
        MC_CUDA_CHECK(cudaMemcpyAsync(s->ids.data(), params.word_ids, g.blocks * sizeof(std::uint32_t), cudaMemcpyHostToDevice, s->stream.get()));
    }
  try {
    std::uint64_t launch = 0;
    for (std::uint64_t b0 = 0; b0 < n; b0 += g.batch, ++launch) {
      if (hooks.cancel && hooks.cancel->load(std::memory_order_relaxed)) break;
      Impl::Slot& s = *g.slot[launch & 1];
      g.drain(s);  // the slot's previous batch (two launches ago) is done before its buffers are reused
      const std::uint64_t m = std::min(g.batch, n - b0);
      if (stride) {
        std::memcpy(s.h_words.data(), words + b0 * stride, m * stride * sizeof(std::uint16_t));
        MC_CUDA_CHECK(cudaMemcpyAsync(s.words.data(), s.h_words.data(), m * stride * sizeof(std::uint16_t), cudaMemcpyHostToDevice, s.stream.get()));
        if (ids) {
          std::memcpy(s.h_ids.data(), params.word_ids + b0 * stride, m * stride * sizeof(std::uint32_t));
          MC_CUDA_CHECK(cudaMemcpyAsync(s.ids.data(), s.h_ids.data(), m * stride * sizeof(std::uint32_t), cudaMemcpyHostToDevice, s.stream.get()));
        }
      }
      const unsigned grid = static_cast<unsigned>((m + kBlock - 1) / kBlock);
      bayes_kernel<<<grid, kBlock, 0, s.stream.get()>>>(p, s.words.data(), ids ? s.ids.data() : nullptr, stride, first + b0, m, s.out.data());
      MC_CUDA_CHECK_LAUNCH();
      MC_CUDA_CHECK(cudaMemcpyAsync(s.h_out.data(), s.out.data(), m * sizeof(BayesOutcome), cudaMemcpyDeviceToHost, s.stream.get()));
      s.dest = out + b0;
      s.count = m;
      // Progress counts a batch once its outcomes are back: the other slot's, if it had one in flight.
      Impl::Slot& other = *g.slot[(launch + 1) & 1];
      const std::uint64_t done = other.count;
      g.drain(other);
      if (hooks.progress && done) hooks.progress->fetch_add(done, std::memory_order_relaxed);
    }
    for (auto& s : g.slot) {
      const std::uint64_t done = s->count;
      g.drain(*s);
      if (hooks.progress && done) hooks.progress->fetch_add(done, std::memory_order_relaxed);
    }
  } catch (...) {
    for (auto& s : g.slot) s->count = 0;  // nothing of a failed call is handed out
    throw;
  }
}

void bayes_machine_cuda(int gpu, const BayesMachineParams& params, const std::uint16_t* words, std::uint64_t stride, std::uint64_t first,
                        std::uint64_t n, BayesOutcome* out, const RunHooks& hooks, std::uint64_t cell_count, std::uint64_t max_batch) {
  BayesMachineGpu machine(gpu, params, cell_count, max_batch);
  machine.infer(params, words, stride, first, n, out, hooks);
}

}  // namespace mc
