// Driver functions of the bayes_machine workload: plain arguments, one per backend.
// kernels/cpu/bayes_machine.cpp and kernels/cuda/bayes_machine.cu run the same MC_HD code (bayes/bayes.hpp).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "bayes/bayes.hpp"
#include "endurance/driver.hpp"  // RunHooks

namespace mc {

/// The LFSR tables of a tap set: next64[s] (the next 64 output bits from state s) and jump64[s] (the state 64
/// steps later), for every s in 0 .. 2^bits − 1.
struct LfsrTables {
  std::vector<std::uint64_t> next64;
  std::vector<std::uint16_t> jump64;
};
LfsrTables build_lfsr_tables(std::uint32_t taps, int bits);

/// Inferences [first, first + n): inference first + k reads its latched words at words + k·words_stride
/// (classes × observations entries; stride 0 shares one set) and writes out[k]. params.next64/jump64 point to
/// host tables; with params.reread, params.word_ids (same layout and stride as words) and params.cells
/// point to host arrays too. force_slow: every inference on the cycle-by-cycle path (tests). Each inference is independent,
/// so the outcomes do not depend on the thread count.
void bayes_machine_cpu(const BayesMachineParams& params, const std::uint16_t* words, std::uint64_t words_stride,
                       std::uint64_t first, std::uint64_t n, BayesOutcome* out, const RunHooks& hooks, bool force_slow = false);

#if defined(MC_HAVE_CUDA)
/// One CUDA device's bayes_machine for a whole run: the LFSR tables and the programmed cells are uploaded once;
/// every infer() call then streams its words through two pinned staging slots on two streams (the copy of one
/// batch overlaps the kernel of the other) in batches of several waves that fit the free memory after the
/// kernel's local-memory reservation. Every params pointer is to host memory.
class BayesMachineGpu {
 public:
  /// cell_count: entries of params.cells (required, not 0, when params.cells is set). max_batch: inferences per
  /// launch at most (0: as many as fit; tests force several batches with a small value).
  BayesMachineGpu(int gpu, const BayesMachineParams& params, std::uint64_t cell_count, std::uint64_t max_batch = 0);
  ~BayesMachineGpu();
  BayesMachineGpu(const BayesMachineGpu&) = delete;
  BayesMachineGpu& operator=(const BayesMachineGpu&) = delete;

  /// bayes_machine_cpu's contract (params as given to the constructor, but for word_ids).
  void infer(const BayesMachineParams& params, const std::uint16_t* words, std::uint64_t words_stride, std::uint64_t first,
             std::uint64_t n, BayesOutcome* out, const RunHooks& hooks);
  /// Inferences per infer() call that keep the GPU busy (four waves of resident threads), for the caller's batching.
  std::uint64_t preferred_batch() const;
  /// Bytes of local memory per thread of the kernel, and what the device reserves for it.
  std::uint64_t local_bytes_per_thread() const;
  std::uint64_t local_bytes_reserved() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One call of BayesMachineGpu (tests and one-off use). cell_count: entries of params.cells (0 when null).
void bayes_machine_cuda(int gpu, const BayesMachineParams& params, const std::uint16_t* words, std::uint64_t words_stride,
                        std::uint64_t first, std::uint64_t n, BayesOutcome* out, const RunHooks& hooks, std::uint64_t cell_count,
                        std::uint64_t max_batch = 0);
#endif

}  // namespace mc
