// CPU backend of the bayes_machine workload: OpenMP over inferences; each inference is the MC_HD code of
// bayes/bayes.hpp (64 cycles per machine word). Launch only: outcomes are per inference, nothing is reduced.
#include <omp.h>

#include <stdexcept>

#include "bayes/driver.hpp"

namespace mc {

LfsrTables build_lfsr_tables(std::uint32_t taps, int bits) {
  if (bits < 1 || bits > kBayesMaxBits) throw std::invalid_argument("build_lfsr_tables: bits outside 1..16");
  LfsrTables t;
  const std::size_t n = std::size_t{1} << bits;
  t.next64.resize(n);
  t.jump64.resize(n);
  for (std::size_t s = 0; s < n; ++s) lfsr_table_entry(static_cast<std::uint32_t>(s), taps, bits, &t.next64[s], &t.jump64[s]);
  return t;
}

void bayes_machine_cpu(const BayesMachineParams& p, const std::uint16_t* words, std::uint64_t stride, std::uint64_t first,
                       std::uint64_t n, BayesOutcome* out, const RunHooks& hooks, bool force_slow) {
  const int threads = hooks.threads > 0 ? hooks.threads : omp_get_max_threads();
  const std::int64_t count = static_cast<std::int64_t>(n);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
  for (std::int64_t k = 0; k < count; ++k) {
    if (hooks.cancel && hooks.cancel->load(std::memory_order_relaxed)) continue;
    const std::uint64_t at = static_cast<std::uint64_t>(k) * stride;
    bayes_infer(p, words + at, p.word_ids ? p.word_ids + at : nullptr, first + static_cast<std::uint64_t>(k), out[k], force_slow);
    if (hooks.progress && (k & 255) == 255) hooks.progress->fetch_add(256, std::memory_order_relaxed);
  }
  // The last partial group of 256 (the loop counts whole groups only).
  if (hooks.progress && !(hooks.cancel && hooks.cancel->load(std::memory_order_relaxed)))
    hooks.progress->fetch_add(n & 255, std::memory_order_relaxed);
}

}  // namespace mc
