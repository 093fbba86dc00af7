// Driver functions of the mcmc workload: plain arguments, one set per backend. kernels/cpu/mcmc.cpp and
// kernels/cuda/mcmc.cu implement them with the MC_HD code of kernels/mcmc/mcmc.hpp.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "endurance/driver.hpp"  // RunHooks
#include "mcmc/mcmc.hpp"

namespace mc {

/// Training data, feature-major so that a feature's values over the data points are contiguous.
struct McmcData {
  const float* xt = nullptr;  ///< features x n (the last feature is the constant 1)
  const float* y = nullptr;   ///< n labels: class ids, or target values for the linear model
  int n = 0;
};

/// Every chain's state, chain-major. pre is the cache of pre-activations (rows x n per chain) kept when the
/// likelihood is updated incrementally; log_target = log prior + log likelihood of the current state.
struct McmcState {
  int chains = 0;
  std::vector<float> g;                ///< chains x D, µS
  std::vector<std::uint32_t> writes;   ///< chains x D, writes since the run began (the first programming is 1)
  std::vector<float> pre;              ///< chains x rows x n (incremental only)
  std::vector<float> log_lik;          ///< chains
  std::vector<float> log_target;       ///< chains
  std::vector<McmcChainStats> stats;   ///< chains
};

/// True when a step can update the cached pre-activations instead of recomputing them: one device per step,
/// no read noise, a data model (not the cart-pole).
inline bool mcmc_incremental(const McmcParams& q) {
  return q.device.read_noise == ReadNoise::kNone && q.model != McmcModel::kCartpole;
}

/// Program every chain's array and evaluate its first state. force_full: never use the cache.
void mcmc_init_cpu(const McmcParams& q, const McmcData& d, int chains, bool force_full, McmcState& s, const RunHooks& hooks);
/// Steps [step_begin, step_end) of every chain.
void mcmc_steps_cpu(const McmcParams& q, const McmcData& d, bool force_full, std::uint64_t step_begin, std::uint64_t step_end,
                    McmcState& s, const RunHooks& hooks);

#if defined(MC_HAVE_CUDA)
/// The chains' state resident on one GPU between calls.
class McmcCudaChains {
 public:
  McmcCudaChains(int gpu, const McmcParams& q, const McmcData& d, int chains, bool force_full);
  ~McmcCudaChains();
  McmcCudaChains(const McmcCudaChains&) = delete;
  McmcCudaChains& operator=(const McmcCudaChains&) = delete;
  void init();
  void steps(std::uint64_t step_begin, std::uint64_t step_end);
  /// Copy g, writes, log_lik, log_target and stats to the host (pre stays on the GPU).
  void download(McmcState& s) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
#endif

}  // namespace mc
