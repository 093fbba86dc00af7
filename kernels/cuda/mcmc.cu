// CUDA backend of the mcmc workload (contracts in mcmc/driver.hpp, reference in kernels/cpu/mcmc.cpp).
// One block per chain, its threads over the chain's data points (or cart-pole episodes), a CUB block
// reduction of the log-likelihood; thread 0 plans the step and decides with the same MC_HD functions as the
// CPU. A launch runs a range of steps; the state stays in global memory between launches.
#include <cub/block/block_reduce.cuh>

#include <algorithm>
#include <cmath>
#include <memory>

#include "cuda/cuda_check.hpp"
#include "mcmc/driver.hpp"

namespace mc {
namespace {

constexpr int kThreads = 128;
constexpr std::uint64_t kInitReadStep = (std::uint64_t{1} << 48) - 1;  // as on the CPU

struct ChainArrays {
  float* g;
  std::uint32_t* writes;
  float* pre;  ///< chains x rows x n, or null (full evaluation)
  float* log_lik;
  float* log_target;
  McmcChainStats* stats;
};

struct DataView {
  const float* xt;
  const float* y;
  int n;
};

/// This thread's share of the log-likelihood of weights w: from the cache with row `row` moved by dw along
/// feature f (row < 0: cache as is), from a full evaluation (pre == null), or the cart-pole's episodes.
__device__ float partial_log_lik(const McmcParams& q, const DataView& d, const float* pre, const float* w, int row, int f, float dw) {
  float s = 0.0f;
  if (q.model == McmcModel::kCartpole) {
    for (int e = threadIdx.x; e < q.episodes; e += blockDim.x) s += static_cast<float>(cartpole_return(q, w, static_cast<std::uint64_t>(e), 0));
    return q.inv_temperature * s / static_cast<float>(q.episodes);
  }
  float z[kMaxHidden > kMaxOutputs ? kMaxHidden : kMaxOutputs];
  for (int i = threadIdx.x; i < d.n; i += blockDim.x) {
    for (int a = 0; a < q.rows; ++a) {
      if (pre) {
        z[a] = pre[a * d.n + i] + (a == row ? dw * d.xt[f * d.n + i] : 0.0f);
      } else {
        float acc = 0.0f;
        for (int k = 0; k < q.features; ++k) acc += w[a * q.features + k] * d.xt[k * d.n + i];
        z[a] = acc;
      }
    }
    s += point_log_lik(q, z, w, d.y[i]);
  }
  return s;
}

/// Weights as read at `step` into wt (all threads), and the read events (thread 0).
__device__ void read_weights_block(const McmcParams& q, std::uint64_t chain, std::uint64_t step, float* g, float* g_read, float* wt,
                                   McmcChainStats* st) {
  for (int j = threadIdx.x; j < q.devices; j += blockDim.x) g_read[j] = read_device(q, chain, step, j, g[j]);
  __syncthreads();
  for (int p = threadIdx.x; p < q.params; p += blockDim.x) wt[p] = weight_of(q, g_read, p);
  if (threadIdx.x == 0 && q.proposal == McmcProposal::kDevice) {
    double e = 0.0;
    for (int j = 0; j < q.devices; ++j) e += read_energy(q.device, g[j]);
    st->reads += static_cast<std::uint64_t>(q.devices);
    st->energy += e;
  }
  __syncthreads();
}

__global__ void init_kernel(McmcParams q, DataView d, ChainArrays a, float* scratch) {
  using Reduce = cub::BlockReduce<float, kThreads>;
  __shared__ typename Reduce::TempStorage tmp;
  extern __shared__ float dyn[];  // wt[P], g_read[D]; in global memory (scratch) when too large for shared
  float* sh = scratch ? scratch + blockIdx.x * static_cast<std::size_t>(2 * q.params + q.devices) : dyn;
  float* wt = sh;
  float* g_read = sh + q.params;
  const std::uint64_t c = blockIdx.x;
  float* g = a.g + c * q.devices;
  McmcChainStats* st = a.stats + c;
  for (int j = threadIdx.x; j < q.devices; j += blockDim.x) {
    g[j] = initial_conductance(q, c, j);
    a.writes[c * q.devices + j] = 1u;
  }
  if (threadIdx.x == 0) {
    *st = McmcChainStats{0, 0, 0, 0, 0, 0.0};
    if (q.proposal == McmcProposal::kDevice) {
      st->sets = st->resets = static_cast<std::uint64_t>(q.devices);
      st->energy = q.devices * static_cast<double>(write_energy(q.device, q.init_compliance));
    }
  }
  __syncthreads();
  read_weights_block(q, c, kInitReadStep, g, g_read, wt, st);
  float* pre = a.pre ? a.pre + c * q.rows * d.n : nullptr;
  if (pre)  // the cache: first-layer pre-activations
    for (int i = threadIdx.x; i < d.n; i += blockDim.x)
      for (int r = 0; r < q.rows; ++r) {
        float acc = 0.0f;
        for (int k = 0; k < q.features; ++k) acc += wt[r * q.features + k] * d.xt[k * d.n + i];
        pre[r * d.n + i] = acc;
      }
  __syncthreads();
  const float ll = Reduce(tmp).Sum(partial_log_lik(q, d, pre, wt, -1, 0, 0.0f));
  if (threadIdx.x == 0) {
    a.log_lik[c] = ll;
    a.log_target[c] = ll + log_prior(q, wt);
  }
}

__global__ void steps_kernel(McmcParams q, DataView d, ChainArrays a, std::uint64_t t0, std::uint64_t t1, float* scratch) {
  using Reduce = cub::BlockReduce<float, kThreads>;
  __shared__ typename Reduce::TempStorage tmp;
  __shared__ StepPlan plan;
  __shared__ bool accepted;
  __shared__ float lt_new, ll_new;
  extern __shared__ float dyn[];  // w[P] (current), wt[P] (trial), g_read[D]; in global memory (scratch) when too large
  float* sh = scratch ? scratch + blockIdx.x * static_cast<std::size_t>(2 * q.params + q.devices) : dyn;
  float* w = sh;
  float* wt = sh + q.params;
  float* g_read = sh + 2 * q.params;
  const std::uint64_t c = blockIdx.x;
  float* g = a.g + c * q.devices;
  std::uint32_t* writes = a.writes + c * q.devices;
  McmcChainStats* st = a.stats + c;
  float* pre = a.pre ? a.pre + c * q.rows * d.n : nullptr;
  for (int p = threadIdx.x; p < q.params; p += blockDim.x) wt[p] = w[p] = weight_of(q, g, p);
  double g_sum = 0.0;  // used by thread 0 only
  if (threadIdx.x == 0)
    for (int j = 0; j < q.devices; ++j) g_sum += g[j];
  __syncthreads();
  for (std::uint64_t t = t0; t < t1; ++t) {
    if (threadIdx.x == 0) plan = plan_step(q, c, t, g, writes, *st);
    __syncthreads();
    const StepPlan pl = plan;
    float ll = 0.0f;
    int row = -1;
    if (!pl.reject) {
      if (pre) {
        if (q.hidden == 0 || pl.param < q.hidden * q.features) row = pl.param / q.features;
        if (threadIdx.x == 0) wt[pl.param] = w[pl.param] + pl.dw;
        if (threadIdx.x == 0 && q.proposal == McmcProposal::kDevice) {  // the array is read for every evaluation
          st->reads += static_cast<std::uint64_t>(q.devices);
          st->energy += read_energy(q.device, 1.0f) * (g_sum - pl.g_old + pl.g_new);  // read energy is linear in G
        }
        __syncthreads();
      } else {
        if (threadIdx.x == 0) g[pl.device] = pl.g_new;
        __syncthreads();
        read_weights_block(q, c, t, g, g_read, wt, st);
        if (threadIdx.x == 0) g[pl.device] = pl.g_old;
      }
      ll = Reduce(tmp).Sum(partial_log_lik(q, d, pre, wt, row, pl.param % q.features, pl.dw));
    }
    if (threadIdx.x == 0) {
      ll_new = ll;
      lt_new = pl.reject ? -INFINITY : ll + log_prior(q, wt);
      accepted = accept_step(pl, lt_new, a.log_target[c]);
      if (accepted) {
        st->accepted += 1;
        g_sum += static_cast<double>(pl.g_new) - pl.g_old;
        g[pl.device] = pl.g_new;
        w[pl.param] += pl.dw;
        a.log_lik[c] = ll_new;
        a.log_target[c] = lt_new;
      } else {
        restore_step(q, pl, writes, *st);
      }
    }
    __syncthreads();
    if (accepted && pre && row >= 0)
      for (int i = threadIdx.x; i < d.n; i += blockDim.x) pre[row * d.n + i] += pl.dw * d.xt[(pl.param % q.features) * d.n + i];
    for (int p = threadIdx.x; p < q.params; p += blockDim.x) wt[p] = w[p];
    __syncthreads();
  }
}

}  // namespace

struct McmcCudaChains::Impl {
  int gpu;
  McmcParams q;
  int chains;
  bool incremental;
  CudaStream stream;
  DeviceBuffer<float> xt, y, g, pre, log_lik, log_target;
  DeviceBuffer<std::uint32_t> writes;
  DeviceBuffer<McmcChainStats> stats;
  int n;
  // Per-chain arrays (2P + D floats) live in dynamic shared memory up to what the GPU allows a block (opting in
  // past 48 KB); beyond that in this global scratch buffer, one slice per chain.
  std::size_t dynamic_bytes = 0;
  std::unique_ptr<DeviceBuffer<float>> scratch;
  float* scratch_data() const { return scratch ? scratch->data() : nullptr; }

  Impl(int gpu_, const McmcParams& q_, const McmcData& d, int chains_, bool force_full)
      : gpu(gpu_), q(q_), chains(chains_), incremental(!force_full && mcmc_incremental(q_)),
        xt(static_cast<std::size_t>(q_.features) * d.n), y(d.n), g(static_cast<std::size_t>(chains_) * q_.devices),
        pre(incremental ? static_cast<std::size_t>(chains_) * q_.rows * d.n : 0), log_lik(chains_), log_target(chains_),
        writes(static_cast<std::size_t>(chains_) * q_.devices), stats(chains_), n(d.n) {
    const std::size_t need = sizeof(float) * (2 * static_cast<std::size_t>(q.params) + q.devices);
    int optin = 0;
    MC_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, gpu));
    cudaFuncAttributes steps_attr{}, init_attr{};
    MC_CUDA_CHECK(cudaFuncGetAttributes(&steps_attr, steps_kernel));
    MC_CUDA_CHECK(cudaFuncGetAttributes(&init_attr, init_kernel));
    const std::size_t static_bytes = std::max(steps_attr.sharedSizeBytes, init_attr.sharedSizeBytes);
    if (need + static_bytes <= static_cast<std::size_t>(optin)) {
      dynamic_bytes = need;
      if (need > 48 * 1024) {  // past the default limit a kernel must opt in
        MC_CUDA_CHECK(cudaFuncSetAttribute(steps_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(need)));
        MC_CUDA_CHECK(cudaFuncSetAttribute(init_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(need)));
      }
    } else {
      scratch = std::make_unique<DeviceBuffer<float>>(static_cast<std::size_t>(chains) * (2 * static_cast<std::size_t>(q.params) + q.devices));
    }
    if (d.n) {  // on the kernels' stream (a non-blocking stream does not wait for the legacy one)
      MC_CUDA_CHECK(cudaMemcpyAsync(xt.data(), d.xt, xt.bytes(), cudaMemcpyHostToDevice, stream.get()));
      MC_CUDA_CHECK(cudaMemcpyAsync(y.data(), d.y, y.bytes(), cudaMemcpyHostToDevice, stream.get()));
      stream.synchronize();
    }
  }
  ChainArrays arrays() const { return ChainArrays{g.data(), writes.data(), pre.data(), log_lik.data(), log_target.data(), stats.data()}; }
  DataView data() const { return DataView{xt.data(), y.data(), n}; }
};

McmcCudaChains::McmcCudaChains(int gpu, const McmcParams& q, const McmcData& d, int chains, bool force_full) {
  MC_CUDA_CHECK(cudaSetDevice(gpu));
  impl_ = std::make_unique<Impl>(gpu, q, d, chains, force_full);
}

McmcCudaChains::~McmcCudaChains() = default;

void McmcCudaChains::init() {
  Impl& m = *impl_;
  MC_CUDA_CHECK(cudaSetDevice(m.gpu));
  init_kernel<<<m.chains, kThreads, m.dynamic_bytes, m.stream.get()>>>(m.q, m.data(), m.arrays(), m.scratch_data());
  MC_CUDA_CHECK_LAUNCH();
  m.stream.synchronize();
}

void McmcCudaChains::steps(std::uint64_t step_begin, std::uint64_t step_end) {
  Impl& m = *impl_;
  MC_CUDA_CHECK(cudaSetDevice(m.gpu));
  steps_kernel<<<m.chains, kThreads, m.dynamic_bytes, m.stream.get()>>>(m.q, m.data(), m.arrays(), step_begin, step_end,
                                                                        m.scratch_data());
  MC_CUDA_CHECK_LAUNCH();
  m.stream.synchronize();
}

void McmcCudaChains::download(McmcState& s) const {
  const Impl& m = *impl_;
  MC_CUDA_CHECK(cudaSetDevice(m.gpu));
  s.chains = m.chains;
  s.g.resize(m.g.size());
  s.writes.resize(m.writes.size());
  s.log_lik.resize(m.chains);
  s.log_target.resize(m.chains);
  s.stats.resize(m.chains);
  MC_CUDA_CHECK(cudaMemcpyAsync(s.g.data(), m.g.data(), m.g.bytes(), cudaMemcpyDeviceToHost, m.stream.get()));
  MC_CUDA_CHECK(cudaMemcpyAsync(s.writes.data(), m.writes.data(), m.writes.bytes(), cudaMemcpyDeviceToHost, m.stream.get()));
  MC_CUDA_CHECK(cudaMemcpyAsync(s.log_lik.data(), m.log_lik.data(), m.log_lik.bytes(), cudaMemcpyDeviceToHost, m.stream.get()));
  MC_CUDA_CHECK(cudaMemcpyAsync(s.log_target.data(), m.log_target.data(), m.log_target.bytes(), cudaMemcpyDeviceToHost, m.stream.get()));
  MC_CUDA_CHECK(cudaMemcpyAsync(s.stats.data(), m.stats.data(), m.stats.bytes(), cudaMemcpyDeviceToHost, m.stream.get()));
  m.stream.synchronize();
}

}  // namespace mc
