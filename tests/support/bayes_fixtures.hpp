// Bayesian-machine parameters shared by the bayes_machine tests, filled by hand (no host/ code).
#pragma once
#include <cstdint>
#include <vector>

#include "bayes/driver.hpp"
#include "bayes/storage.hpp"

namespace mc::test {

/// A machine of classes × observations blocks, B bits, T cycles, decisions at T only; tables from `tables`.
inline BayesMachineParams bayes_params(int classes, int observations, int bits, std::uint64_t cycles, const LfsrTables& tables,
                                       BayesGenerator gen = BayesGenerator::kLfsr, LfsrSharing sharing = LfsrSharing::kPerBlock) {
  BayesMachineParams p{};
  p.classes = classes;
  p.observations = observations;
  p.bits = bits;
  p.generator = gen;
  p.sharing = sharing;
  p.seeding = LfsrSeeding::kRandom;
  p.taps = default_taps(bits);
  p.lfsr_seed = 1;
  p.lfsr_spacing = 37;
  p.cycles = cycles;
  p.early_stop = 0;
  int cb = 1;
  while (cb < 32 && (std::uint64_t{1} << cb) <= cycles) ++cb;
  p.counter_bits = cb;
  p.checkpoints = 1;
  p.checkpoint[0] = cycles;
  p.seu_rate = 0;
  p.seu_targets = 0;
  p.seed = 12345;
  p.next64 = tables.next64.data();
  p.jump64 = tables.jump64.data();
  return p;
}

/// Words 1 .. 2^B − 1 spread by a hash, so rows differ.
inline std::vector<std::uint16_t> spread_words(int n, int bits, std::uint32_t salt, std::uint32_t lo_fraction_256 = 128) {
  std::vector<std::uint16_t> w(n);
  const std::uint32_t top = (1u << bits) - 1u;
  const std::uint32_t lo = top * lo_fraction_256 / 256;
  for (int i = 0; i < n; ++i) {
    const std::uint32_t h = (static_cast<std::uint32_t>(i) + salt) * 2654435761u;
    w[i] = static_cast<std::uint16_t>(lo + (h >> 8) % (top - lo + 1));
  }
  return w;
}

inline bool same_outcome(const BayesOutcome& a, const BayesOutcome& b, int classes, int checkpoints) {
  for (int k = 0; k < checkpoints; ++k)
    if (a.decision[k] != b.decision[k] || a.tied[k] != b.tied[k]) return false;
  for (int y = 0; y < classes; ++y)
    if (a.counts[y] != b.counts[y]) return false;
  return a.early_decision == b.early_decision && a.early_tied == b.early_tied && a.cycles_to_decision == b.cycles_to_decision &&
         a.upsets == b.upsets;
}

}  // namespace mc::test
