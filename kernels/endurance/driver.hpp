// Driver functions of the endurance and write-verify workloads: plain arguments, one per backend.
// kernels/cpu/endurance.cpp and kernels/cuda/endurance.cu implement them with the same MC_HD code.
#pragma once
#include <atomic>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "endurance/endurance.hpp"
#include "endurance/write_verify.hpp"

namespace mc {

/// Conductance sample moments and histogram of one state at a checkpoint.
struct StateTally {
  std::uint64_t count = 0;
  double sum = 0.0;
  double sum_sq = 0.0;
  std::vector<std::uint64_t> hist = std::vector<std::uint64_t>(kHistBins, 0);
};

/// What one interval of cycles over a range of pairs produced. Counts are exact; sums are reduced in a
/// fixed order (tiles or blocks in index order), so a rerun on the same backend matches bit for bit.
struct IntervalTally {
  std::uint64_t errors_1t1r = 0;   ///< over every read of the interval
  std::uint64_t errors_2t2r = 0;   ///< over every pair-bit of the interval
  double read_energy = 0.0;        ///< pJ, every read of the interval
  StateTally lrs;                  ///< reads after the last SET of the interval (the checkpoint)
  StateTally hrs;                  ///< reads after the last RESET of the interval
  std::uint64_t stuck_lrs = 0;     ///< worn out in LRS at the checkpoint
  std::uint64_t stuck_hrs = 0;     ///< worn out in HRS at the checkpoint
  std::uint64_t unformed = 0;      ///< forming failed

  void merge(const IntervalTally& o);
};

/// Host-side hooks of a long call: progress in device-cycles, and a cancel flag checked between tiles.
struct RunHooks {
  std::atomic<std::uint64_t>* progress = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  int threads = 0;  ///< CPU: 0 = all cores
};

/// Call f(law, noise) with std::integral_constant tags for the model's sigma law and read noise: drivers
/// instantiate one kernel per combination (no dispatch in hot loops) and choose it here, once per call.
template <typename F>
void dispatch_laws(const DeviceModel& m, F&& f) {
  const auto with_noise = [&](auto law) {
    switch (m.read_noise) {
      case ReadNoise::kNone: return f(law, std::integral_constant<ReadNoise, ReadNoise::kNone>{});
      case ReadNoise::kGaussian: return f(law, std::integral_constant<ReadNoise, ReadNoise::kGaussian>{});
      case ReadNoise::kLaplace: return f(law, std::integral_constant<ReadNoise, ReadNoise::kLaplace>{});
    }
  };
  switch (m.sigma_law) {
    case SigmaLaw::kSqrt: return with_noise(std::integral_constant<SigmaLaw, SigmaLaw::kSqrt>{});
    case SigmaLaw::kPower: return with_noise(std::integral_constant<SigmaLaw, SigmaLaw::kPower>{});
    case SigmaLaw::kRelative: return with_noise(std::integral_constant<SigmaLaw, SigmaLaw::kRelative>{});
    case SigmaLaw::kTable: return with_noise(std::integral_constant<SigmaLaw, SigmaLaw::kTable>{});
  }
}

/// Run cycles [cycle_begin, cycle_end) for pairs [pair_begin, pair_end) (pair p = devices 2p and 2p+1).
void endurance_interval_cpu(const EnduranceParams& params, std::uint64_t pair_begin, std::uint64_t pair_end,
                            std::uint64_t cycle_begin, std::uint64_t cycle_end, IntervalTally& out,
                            const RunHooks& hooks);

/// Per-device lifetimes (cycles) of devices [begin, end), binned by lifetime_bin.
void lifetime_histogram_cpu(const EnduranceParams& params, std::uint64_t begin, std::uint64_t end,
                            std::vector<std::uint64_t>& hist, const RunHooks& hooks);

/// Write-and-verify devices [begin, end); outcomes in index order.
void write_verify_cpu(const WriteVerifyParams& params, std::uint64_t begin, std::uint64_t end,
                      std::vector<WriteVerifyOutcome>& out, const RunHooks& hooks);

#if defined(MC_HAVE_CUDA)
/// Test hooks of the CUDA drivers: batches and launches smaller than the memory and work sizing would choose, so
/// that a test of a few thousand devices crosses batch boundaries (tail batches) and resumes from the per-pair
/// accumulators between launches (0 = no limit; launches stay whole 2,048-cycle chunks). Process-wide.
struct CudaTestLimits {
  std::uint64_t max_batch = 0;          ///< pairs (endurance) or devices (lifetimes, write-verify) per batch
  std::uint64_t max_launch_cycles = 0;  ///< endurance: cycles per launch
};
void set_cuda_test_limits(const CudaTestLimits& limits);

/// Same contracts on the CUDA device `gpu`; batches to fit its free memory.
void endurance_interval_cuda(int gpu, const EnduranceParams& params, std::uint64_t pair_begin,
                             std::uint64_t pair_end, std::uint64_t cycle_begin, std::uint64_t cycle_end,
                             IntervalTally& out, const RunHooks& hooks);
void lifetime_histogram_cuda(int gpu, const EnduranceParams& params, std::uint64_t begin, std::uint64_t end,
                             std::vector<std::uint64_t>& hist, const RunHooks& hooks);
void write_verify_cuda(int gpu, const WriteVerifyParams& params, std::uint64_t begin, std::uint64_t end,
                       std::vector<WriteVerifyOutcome>& out, const RunHooks& hooks);
#endif

}  // namespace mc
