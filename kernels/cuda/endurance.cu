// CUDA backend of the endurance and write-verify workloads (contracts in endurance/driver.hpp, reference in
// kernels/cpu/endurance.cpp). Launch and reduce only; the physics is kernels/device/rram.hpp.
//
// Endurance: one thread per pair (devices 2p and 2p + 1), the device state in registers, the cycle loop
// inside the thread. Pairs go in batches sized from free memory, and a batch's cycle range goes in launches
// of about 2^32 device-cycles, so progress and cancellation are seen every second or so. Per-pair
// accumulators (error counts, read-conductance sum) stay in a device buffer between the launches of a batch:
// the alternative, one launch over all cycles with fewer pairs, starves the GPU whenever the interval is
// long (1e7 cycles would allow ~200 threads). A thread flushes its float accumulators to 64-bit every
// kCycleChunk cycles counted from cycle_begin, as the CPU does; launches start on those boundaries, so how
// cycles are cut into launches does not change a bit. Blocks cover kBlock pairs from pair_begin and batches
// are whole blocks, so the block partials, summed on the host in block index order, do not depend on the
// batch size (and so not on free memory): reruns on one GPU model match bit for bit.
#include <cub/block/block_reduce.cuh>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "cuda/cuda_check.hpp"
#include "endurance/driver.hpp"

namespace mc {
namespace {

constexpr int kBlock = 256;                              // pairs (or devices) per block
constexpr std::uint64_t kCycleChunk = 2048;              // float accumulators are flushed this often (as on the CPU)
constexpr std::uint64_t kMaxBatchPairs = 1u << 20;       // × 2 devices × kCycleChunk = 2^32 device-cycles
constexpr std::uint64_t kLaunchDeviceCycles = 1ull << 32;  // work per launch between progress/cancel checks
constexpr std::uint64_t kMaxLaunchCycles = 1u << 20;     // bounds a launch of very few pairs (one thread's loop)
constexpr std::uint64_t kMaxLifetimeBatch = 1u << 26;    // devices per lifetime-histogram launch
constexpr std::uint64_t kMaxWriteVerifyBatch = 1u << 22; // devices per write-verify launch

CudaTestLimits g_limits;  // set by tests only (set_cuda_test_limits), before any run

bool cancelled(const RunHooks& hooks) { return hooks.cancel && hooks.cancel->load(std::memory_order_relaxed); }

void add_progress(const RunHooks& hooks, std::uint64_t n) {
  if (hooks.progress) hooks.progress->fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t blocks_for(std::uint64_t n) { return (n + kBlock - 1) / kBlock; }

/// Elements per batch: at most `cap`, whole blocks, within half of the free memory of the current device
/// (the other half is headroom for the runtime and other processes). Throws when not one block fits.
std::uint64_t fit_batch(const char* who, std::uint64_t wanted, std::uint64_t cap, std::size_t bytes_each) {
  std::size_t free_bytes = 0, total_bytes = 0;
  MC_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const std::uint64_t fit = (free_bytes / 2) / bytes_each;
  if (g_limits.max_batch) cap = std::min(cap, std::max<std::uint64_t>(g_limits.max_batch, kBlock));
  const std::uint64_t n = std::min({blocks_for(wanted) * kBlock, cap, fit}) / kBlock * kBlock;
  if (n == 0) {
    throw std::runtime_error(std::string(who) + ": out of GPU memory: " + std::to_string(free_bytes >> 10) +
                             " KiB free, a batch of " + std::to_string(kBlock) + " needs " +
                             std::to_string((kBlock * bytes_each + 1023) >> 10) +
                             " KiB within half of it; free the GPU or use the CPU backend");
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// Endurance interval.

/// Per-pair state kept in global memory between the cycle launches of one batch (structure of arrays).
struct PairBuffers {
  std::uint64_t* e1;   ///< 1T1R errors so far
  std::uint64_t* e2;   ///< 2T2R errors so far
  double* gsum;        ///< sum of every read conductance so far, µS
  float* last;         ///< [4][stride]: a.lrs, a.hrs, b.lrs, b.hrs reads of the interval's last cycle
  std::uint64_t stride;
};

struct CycleLaunch {
  std::uint64_t first_pair;   ///< global index of the batch's first pair
  std::uint64_t pairs;        ///< pairs in the batch
  std::uint64_t cycle_begin;  ///< of the interval: accumulators start at zero here
  std::uint64_t cycle_end;    ///< of the interval: the last reads are stored when c1 reaches it
  std::uint64_t c0, c1;       ///< this launch's cycles; c0 − cycle_begin is a multiple of kCycleChunk
};

/// One pair over cycles [c0, c1): the same arithmetic, in the same order, as tile_cycle on the CPU.
template <SigmaLaw L, ReadNoise N>
__device__ void cycle_pair(const EnduranceParams& p, const CycleLaunch& s, const PairBuffers& b, std::uint64_t i) {
  const DeviceModel& m = p.model;
  const std::uint64_t dev = 2 * (s.first_pair + i);  // even: dev + 1 never carries into the high word
  const CycleDevice ca = cycle_device(m, draw_device(m, p.seed, dev, p.compliance), p.compliance);
  const CycleDevice cb = cycle_device(m, draw_device(m, p.seed, dev + 1, p.compliance), p.compliance);
  const std::uint32_t lo = static_cast<std::uint32_t>(dev), hi = static_cast<std::uint32_t>(dev >> 32);
  const bool fresh = s.c0 == s.cycle_begin;
  std::uint64_t e1 = fresh ? 0 : b.e1[i];
  std::uint64_t e2 = fresh ? 0 : b.e2[i];
  double gsum = fresh ? 0.0 : b.gsum[i];
  CycleReads ra{0.0f, 0.0f}, rb{0.0f, 0.0f};
  for (std::uint64_t k0 = s.c0; k0 < s.c1; k0 += kCycleChunk) {
    const std::uint64_t k1 = s.c1 - k0 < kCycleChunk ? s.c1 : k0 + kCycleChunk;
    float f1 = 0.0f, f2 = 0.0f, g = 0.0f;  // error floats are exact: at most 4·kCycleChunk
    for (std::uint64_t c = k0; c < k1; ++c) {
      ra = device_cycle<L, N>(m, ca, p.seed, lo, hi, c);
      rb = device_cycle<L, N>(m, cb, p.seed, lo + 1u, hi, c);
      f1 += errors_1t1r(ra, p.read_threshold) + errors_1t1r(rb, p.read_threshold);
      f2 += errors_2t2r(ra, rb);
      g += (ra.lrs + ra.hrs) + (rb.lrs + rb.hrs);
    }
    e1 += static_cast<std::uint64_t>(f1);
    e2 += static_cast<std::uint64_t>(f2);
    gsum += g;
  }
  b.e1[i] = e1;
  b.e2[i] = e2;
  b.gsum[i] = gsum;
  if (s.c1 == s.cycle_end) {
    b.last[i] = ra.lrs;
    b.last[b.stride + i] = ra.hrs;
    b.last[2 * b.stride + i] = rb.lrs;
    b.last[3 * b.stride + i] = rb.hrs;
  }
}

template <SigmaLaw L, ReadNoise N>
__global__ void __launch_bounds__(kBlock) cycle_kernel(const EnduranceParams p, const CycleLaunch s, const PairBuffers b) {
  const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (i < s.pairs) cycle_pair<L, N>(p, s, b, i);
}

/// One block's (or, summed, the interval's) float sums and counts.
struct BlockSums {
  double read_energy, lrs_sum, lrs_sq, hrs_sum, hrs_sq;
  std::uint64_t e1, e2, stuck_lrs, stuck_hrs, unformed;
};

struct AddSums {
  __host__ __device__ BlockSums operator()(const BlockSums& a, const BlockSums& b) const {
    return BlockSums{a.read_energy + b.read_energy, a.lrs_sum + b.lrs_sum, a.lrs_sq + b.lrs_sq, a.hrs_sum + b.hrs_sum,
                     a.hrs_sq + b.hrs_sq, a.e1 + b.e1, a.e2 + b.e2, a.stuck_lrs + b.stuck_lrs,
                     a.stuck_hrs + b.stuck_hrs, a.unformed + b.unformed};
  }
};

struct TallyLaunch {
  std::uint64_t first_pair, pairs;
  float t_end;         ///< float(cycle_end), compared with lifetimes exactly as on the CPU
  float read_e_scale;  ///< pJ per µS read, rounded in float as on the CPU
};

/// One pair's contribution to its block, and its last reads into the block's histograms.
__device__ BlockSums tally_pair(const EnduranceParams& p, const TallyLaunch& s, const PairBuffers& b, std::uint64_t i,
                                unsigned int* lrs_hist, unsigned int* hrs_hist) {
  BlockSums v{b.gsum[i] * s.read_e_scale, 0.0, 0.0, 0.0, 0.0, b.e1[i], b.e2[i], 0, 0, 0};
  for (int k = 0; k < 2; ++k) {
    const DeviceDraw d = draw_device(p.model, p.seed, 2 * (s.first_pair + i) + k, p.compliance);
    const FailureState f = failure_state(d, s.t_end);
    v.unformed += f.unformed;
    v.stuck_lrs += f.stuck_lrs;
    v.stuck_hrs += f.stuck_hrs;
    const float gl = b.last[2 * k * b.stride + i], gh = b.last[(2 * k + 1) * b.stride + i];
    v.lrs_sum += gl;
    v.lrs_sq += static_cast<double>(gl) * gl;
    v.hrs_sum += gh;
    v.hrs_sq += static_cast<double>(gh) * gh;
    atomicAdd(&lrs_hist[histogram_bin(gl)], 1u);
    atomicAdd(&hrs_hist[histogram_bin(gh)], 1u);
  }
  return v;
}

/// Block partials (in block order) and the histograms of the last reads (integer, so atomics are exact).
__global__ void __launch_bounds__(kBlock) tally_kernel(const EnduranceParams p, const TallyLaunch s, const PairBuffers b,
                                                      BlockSums* partials, unsigned long long* lrs_hist,
                                                      unsigned long long* hrs_hist) {
  using Reduce = cub::BlockReduce<BlockSums, kBlock>;
  __shared__ typename Reduce::TempStorage temp;
  __shared__ unsigned int lrs_local[kHistBins], hrs_local[kHistBins];
  for (int k = threadIdx.x; k < kHistBins; k += kBlock) lrs_local[k] = hrs_local[k] = 0;
  __syncthreads();
  const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * kBlock + threadIdx.x;
  BlockSums v{0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0};
  if (i < s.pairs) v = tally_pair(p, s, b, i, lrs_local, hrs_local);
  const BlockSums total = Reduce(temp).Reduce(v, AddSums{});
  if (threadIdx.x == 0) partials[blockIdx.x] = total;
  __syncthreads();
  for (int k = threadIdx.x; k < kHistBins; k += kBlock) {
    if (lrs_local[k]) atomicAdd(&lrs_hist[k], static_cast<unsigned long long>(lrs_local[k]));
    if (hrs_local[k]) atomicAdd(&hrs_hist[k], static_cast<unsigned long long>(hrs_local[k]));
  }
}

/// Cycles per launch for a batch of n pairs: about kLaunchDeviceCycles of work, whole kCycleChunks.
std::uint64_t launch_cycles(std::uint64_t n) {
  const std::uint64_t c = kLaunchDeviceCycles / (2 * n) / kCycleChunk * kCycleChunk;
  const std::uint64_t most = g_limits.max_launch_cycles ? std::max(kCycleChunk, g_limits.max_launch_cycles / kCycleChunk * kCycleChunk)
                                                        : kMaxLaunchCycles;
  return std::clamp(c, kCycleChunk, std::min(most, kMaxLaunchCycles));
}

template <SigmaLaw L, ReadNoise N>
void run_interval(const EnduranceParams& p, std::uint64_t pair_begin, std::uint64_t pair_end, std::uint64_t cycle_begin,
                  std::uint64_t cycle_end, IntervalTally& out, const RunHooks& hooks) {
  const DeviceModel& m = p.model;
  const std::uint64_t pairs = pair_end - pair_begin;
  constexpr std::size_t kBytesPerPair = 3 * 8 + 4 * 4 + sizeof(BlockSums) / kBlock + 1;
  const std::uint64_t batch = fit_batch("endurance_interval_cuda", pairs, kMaxBatchPairs, kBytesPerPair);
  const std::uint64_t max_blocks = batch / kBlock;

  CudaStream stream;
  DeviceBuffer<std::uint64_t> e1(batch), e2(batch);
  DeviceBuffer<double> gsum(batch);
  DeviceBuffer<float> last(4 * batch);
  DeviceBuffer<BlockSums> partials(max_blocks);
  DeviceBuffer<unsigned long long> hist(2 * kHistBins);  // lrs then hrs
  MC_CUDA_CHECK(cudaMemsetAsync(hist.data(), 0, hist.bytes(), stream.get()));
  const PairBuffers buffers{e1.data(), e2.data(), gsum.data(), last.data(), batch};
  std::vector<BlockSums> host_partials(max_blocks);

  BlockSums total{0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0};
  const TallyLaunch tally_base{0, 0, static_cast<float>(cycle_end),
                               read_energy(m, 1.0f)};
  for (std::uint64_t first = pair_begin; first < pair_end; first += batch) {
    const std::uint64_t n = std::min(batch, pair_end - first);
    const unsigned int blocks = static_cast<unsigned int>(blocks_for(n));
    const std::uint64_t step = launch_cycles(n);
    for (std::uint64_t c0 = cycle_begin; c0 < cycle_end; c0 += step) {
      if (cancelled(hooks)) return;  // `out` is left untouched
      const CycleLaunch s{first, n, cycle_begin, cycle_end, c0, std::min(cycle_end, c0 + step)};
      cycle_kernel<L, N><<<blocks, kBlock, 0, stream.get()>>>(p, s, buffers);
      MC_CUDA_CHECK_LAUNCH();
      stream.synchronize();
      add_progress(hooks, 2 * n * (s.c1 - s.c0));
    }
    TallyLaunch t = tally_base;
    t.first_pair = first;
    t.pairs = n;
    tally_kernel<<<blocks, kBlock, 0, stream.get()>>>(p, t, buffers, partials.data(), hist.data(),
                                                      hist.data() + kHistBins);
    MC_CUDA_CHECK_LAUNCH();
    MC_CUDA_CHECK(cudaMemcpyAsync(host_partials.data(), partials.data(), blocks * sizeof(BlockSums),
                                  cudaMemcpyDeviceToHost, stream.get()));
    stream.synchronize();
    for (unsigned int k = 0; k < blocks; ++k) total = AddSums{}(total, host_partials[k]);  // block order
  }
  std::vector<unsigned long long> host_hist(2 * kHistBins);
  MC_CUDA_CHECK(cudaMemcpyAsync(host_hist.data(), hist.data(), hist.bytes(), cudaMemcpyDeviceToHost, stream.get()));
  stream.synchronize();

  out.errors_1t1r += total.e1;
  out.errors_2t2r += total.e2;
  out.read_energy += total.read_energy;
  out.lrs.count += 2 * pairs;
  out.lrs.sum += total.lrs_sum;
  out.lrs.sum_sq += total.lrs_sq;
  out.hrs.count += 2 * pairs;
  out.hrs.sum += total.hrs_sum;
  out.hrs.sum_sq += total.hrs_sq;
  for (int k = 0; k < kHistBins; ++k) {
    out.lrs.hist[k] += host_hist[k];
    out.hrs.hist[k] += host_hist[kHistBins + k];
  }
  out.stuck_lrs += total.stuck_lrs;
  out.stuck_hrs += total.stuck_hrs;
  out.unformed += total.unformed;
}

// ---------------------------------------------------------------------------------------------------------
// Lifetime histogram and write-verify.

__global__ void __launch_bounds__(kBlock) lifetime_kernel(const EnduranceParams p, std::uint64_t first,
                                                         std::uint64_t n, unsigned long long* hist) {
  __shared__ unsigned int local[kLifeBins];
  for (int k = threadIdx.x; k < kLifeBins; k += kBlock) local[k] = 0;
  __syncthreads();
  const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (i < n) atomicAdd(&local[lifetime_bin(draw_device(p.model, p.seed, first + i, p.compliance).lifetime)], 1u);
  __syncthreads();
  for (int k = threadIdx.x; k < kLifeBins; k += kBlock)
    if (local[k]) atomicAdd(&hist[k], static_cast<unsigned long long>(local[k]));
}

__global__ void __launch_bounds__(kBlock) write_verify_kernel(const WriteVerifyParams p, std::uint64_t first,
                                                             std::uint64_t n, WriteVerifyOutcome* out) {
  const std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (i < n) out[i] = write_verify(p, first + i);
}

}  // namespace

void set_cuda_test_limits(const CudaTestLimits& limits) { g_limits = limits; }

void endurance_interval_cuda(int gpu, const EnduranceParams& p, std::uint64_t pb, std::uint64_t pe, std::uint64_t cb,
                             std::uint64_t ce, IntervalTally& out, const RunHooks& hooks) {
  if (ce <= cb || pe <= pb) throw std::invalid_argument("endurance_interval_cuda: empty interval");
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  dispatch_laws(p.model, [&](auto law, auto noise) {
    run_interval<decltype(law)::value, decltype(noise)::value>(p, pb, pe, cb, ce, out, hooks);
  });
}

void lifetime_histogram_cuda(int gpu, const EnduranceParams& p, std::uint64_t begin, std::uint64_t end,
                             std::vector<std::uint64_t>& hist, const RunHooks& hooks) {
  hist.assign(kLifeBins, 0);
  if (end <= begin) return;
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  CudaStream stream;
  DeviceBuffer<unsigned long long> dev_hist(kLifeBins);
  MC_CUDA_CHECK(cudaMemsetAsync(dev_hist.data(), 0, dev_hist.bytes(), stream.get()));
  for (std::uint64_t first = begin; first < end; first += kMaxLifetimeBatch) {
    if (cancelled(hooks)) return;
    const std::uint64_t n = std::min(kMaxLifetimeBatch, end - first);
    lifetime_kernel<<<static_cast<unsigned int>(blocks_for(n)), kBlock, 0, stream.get()>>>(p, first, n, dev_hist.data());
    MC_CUDA_CHECK_LAUNCH();
    stream.synchronize();
    add_progress(hooks, n);
  }
  std::vector<unsigned long long> host(kLifeBins);
  MC_CUDA_CHECK(cudaMemcpyAsync(host.data(), dev_hist.data(), dev_hist.bytes(), cudaMemcpyDeviceToHost, stream.get()));
  stream.synchronize();
  std::copy(host.begin(), host.end(), hist.begin());
}

void write_verify_cuda(int gpu, const WriteVerifyParams& p, std::uint64_t begin, std::uint64_t end,
                       std::vector<WriteVerifyOutcome>& out, const RunHooks& hooks) {
  out.resize(end > begin ? end - begin : 0);
  if (end <= begin) return;
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  const std::uint64_t batch = fit_batch("write_verify_cuda", end - begin, kMaxWriteVerifyBatch, sizeof(WriteVerifyOutcome));
  CudaStream stream;
  DeviceBuffer<WriteVerifyOutcome> dev_out(batch);
  for (std::uint64_t first = begin; first < end; first += batch) {
    if (cancelled(hooks)) return;
    const std::uint64_t n = std::min(batch, end - first);
    write_verify_kernel<<<static_cast<unsigned int>(blocks_for(n)), kBlock, 0, stream.get()>>>(p, first, n, dev_out.data());
    MC_CUDA_CHECK_LAUNCH();
    MC_CUDA_CHECK(cudaMemcpyAsync(out.data() + (first - begin), dev_out.data(), n * sizeof(WriteVerifyOutcome),
                                  cudaMemcpyDeviceToHost, stream.get()));
    stream.synchronize();
    add_progress(hooks, n);
  }
}

}  // namespace mc
