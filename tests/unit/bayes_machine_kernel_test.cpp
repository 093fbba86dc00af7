// bayes_machine kernels (bayes/bayes.hpp, bayes/storage.hpp): LFSR algebra, bit-sliced compares against scalar
// compares, the bit-parallel path against the cycle-by-cycle path, upset bookkeeping, quantization.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "../support/bayes_fixtures.hpp"
#include "../support/model_fixtures.hpp"

namespace {

using namespace mc;
using mc::test::bayes_params;
using mc::test::same_outcome;
using mc::test::spread_words;
using mc::test::test_model;

TEST(BayesLfsr, DefaultTapsAreMaximalForEveryWidth) {
  for (int b = 1; b <= 16; ++b) EXPECT_EQ(lfsr_period(default_taps(b), b), (1u << b) - 1u) << "B = " << b;
  EXPECT_NE(lfsr_period(0x1, 8), 255u);  // x^8 + 1 style taps are not maximal
}

TEST(BayesLfsr, TablesAndPlanesMatchStepping) {
  const int B = 8;
  const LfsrTables t = build_lfsr_tables(default_taps(B), B);
  for (std::uint32_t s0 : {1u, 77u, 200u, 255u}) {
    std::uint32_t states[128];
    std::uint32_t s = s0;
    for (int k = 0; k < 128; ++k) states[k] = s, s = lfsr_step(s, default_taps(B), B);
    EXPECT_EQ(t.jump64[s0], states[64]);
    const std::uint64_t w0 = t.next64[s0], w1 = t.next64[t.jump64[s0]];
    for (int j = 0; j < B; ++j) {
      const std::uint64_t plane = lfsr_plane(w0, w1, j);
      for (int c = 0; c < 64; ++c) ASSERT_EQ((plane >> c) & 1u, (states[c] >> j) & 1u) << "state " << s0 << " plane " << j << " cycle " << c;
    }
    for (std::uint32_t W : {0u, 1u, 100u, 254u, 255u}) {
      const std::uint64_t bits = lfsr_block_bits(w0, w1, W, B);
      for (int c = 0; c < 64; ++c) ASSERT_EQ((bits >> c) & 1u, states[c] <= W ? 1u : 0u) << "W " << W << " cycle " << c;
    }
  }
}

TEST(BayesPhilox, BitSlicedCompareMatchesNumbers) {
  const LfsrTables t = build_lfsr_tables(default_taps(11), 11);
  const BayesMachineParams p = bayes_params(2, 3, 11, 128, t, BayesGenerator::kPhilox);
  for (std::uint32_t W : {0u, 1u, 1000u, 2047u}) {
    const std::uint64_t bits = philox_block_bits(p, 9, 1, 4, W);
    for (int c = 0; c < 64; ++c) ASSERT_EQ((bits >> c) & 1u, philox_number(p, 9, 64 + c, 4) < W ? 1u : 0u);
  }
}

TEST(BayesInference, BitParallelPathEqualsCycleByCyclePath) {
  // Every generator and sharing mode, a T that is not a multiple of 64 and one over several chunks, early stop
  // and checkpoints: the fast path must give the slow path's bits.
  for (int B : {4, 8, 12}) {
    const LfsrTables t = build_lfsr_tables(default_taps(B), B);
    for (int g = 0; g < 2; ++g)
      for (int sh = 0; sh < 4; ++sh)
        for (std::uint64_t T : {std::uint64_t{100}, std::uint64_t{4200}}) {
          if (g == 1 && sh > 0) continue;
          BayesMachineParams p = bayes_params(3, 5, B, T, t, static_cast<BayesGenerator>(g), static_cast<LfsrSharing>(sh));
          p.checkpoints = 3;
          p.checkpoint[0] = 1, p.checkpoint[1] = 64, p.checkpoint[2] = T;
          p.early_stop = 3;
          const std::vector<std::uint16_t> w = spread_words(15, B, 7 * B + g, 200);
          for (std::uint64_t n = 0; n < 6; ++n) {
            BayesOutcome fast{}, slow{};
            bayes_infer(p, w.data(), n, fast);
            bayes_infer(p, w.data(), n, slow, true);
            EXPECT_EQ(fast.slow_path, 0);
            ASSERT_TRUE(same_outcome(fast, slow, 3, 3)) << "B " << B << " gen " << g << " sharing " << sh << " T " << T << " n " << n;
          }
        }
  }
}

TEST(BayesInference, LeanGpuVariantEqualsTheDefaultBitForBit) {
  // The CUDA kernel runs bayes_infer<true> (start states drawn per row, masks formed on the fly, 12 KB less local
  // memory per thread); it must give every byte of the outcome the default gives: every generator, sharing and
  // seeding mode, T over several chunks, checkpoints and early stop, and the zero fill beyond classes.
  for (int B : {3, 8, 16}) {
    const LfsrTables t = build_lfsr_tables(default_taps(B), B);
    for (int g = 0; g < 2; ++g)
      for (int sh = 0; sh < 4; ++sh)
        for (int fixed = 0; fixed < 2; ++fixed)
          for (std::uint64_t T : {std::uint64_t{100}, std::uint64_t{4200}}) {
            if (g == 1 && (sh > 0 || fixed)) continue;
            BayesMachineParams p = bayes_params(3, 5, B, T, t, static_cast<BayesGenerator>(g), static_cast<LfsrSharing>(sh));
            if (fixed) p.seeding = LfsrSeeding::kFixed, p.lfsr_seed = 3, p.lfsr_spacing = 77;
            p.checkpoints = 3;
            p.checkpoint[0] = 1, p.checkpoint[1] = 64, p.checkpoint[2] = T;
            p.early_stop = 3;
            const std::vector<std::uint16_t> w = spread_words(15, B, 7 * B + g, 200);
            for (std::uint64_t n = 0; n < 5; ++n) {
              BayesOutcome a, b;
              std::memset(&a, 0xa5, sizeof a);  // garbage, as a GPU's uninitialized memory would hold
              std::memset(&b, 0x5a, sizeof b);
              bayes_infer<false>(p, w.data(), nullptr, n, a);
              bayes_infer<true>(p, w.data(), nullptr, n, b);
              ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0) << "B " << B << " gen " << g << " sharing " << sh << " fixed " << fixed
                                                          << " T " << T << " n " << n;
              EXPECT_EQ(a.counts[3], 0u);
              EXPECT_EQ(a.decision[3], 0);
            }
          }
  }
}

TEST(BayesInference, FixedSeedingEqualsSteppingFromTheSeed) {
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  BayesMachineParams p = bayes_params(2, 2, 8, 64, t);
  p.seeding = LfsrSeeding::kFixed;
  p.lfsr_seed = 5;
  p.lfsr_spacing = 100;
  std::uint32_t s = 5;
  for (int k = 0; k < 3 * 100; ++k) s = lfsr_step(s, p.taps, 8);
  EXPECT_EQ(lfsr_start(p, 0, 3), s);
}

TEST(BayesSeu, RateZeroEqualsNoInjectionBitForBit) {
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  BayesMachineParams none = bayes_params(4, 6, 8, 300, t);
  BayesMachineParams zero = none;
  zero.seu_rate = 0.0;
  zero.seu_targets = kSeuLfsr | kSeuCounters | kSeuWords;
  const std::vector<std::uint16_t> w = spread_words(24, 8, 3, 220);
  std::vector<BayesOutcome> a(200), b(200);
  RunHooks hooks;
  bayes_machine_cpu(none, w.data(), 0, 0, 200, a.data(), hooks);
  bayes_machine_cpu(zero, w.data(), 0, 0, 200, b.data(), hooks);
  for (int n = 0; n < 200; ++n) {
    ASSERT_TRUE(same_outcome(a[n], b[n], 4, 1)) << n;
    EXPECT_EQ(b[n].upsets, 0u);
    EXPECT_EQ(b[n].slow_path, 0);
  }
}

TEST(BayesSeu, UpsetCountMatchesRateWithinFourStandardErrors) {
  // Upsets are Bernoulli(rate) per exposed bit per cycle: their total is binomial over all bit-cycles.
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  BayesMachineParams p = bayes_params(3, 4, 8, 200, t);
  p.seu_rate = 1e-3;
  p.seu_targets = kSeuLfsr | kSeuCounters | kSeuWords;
  const std::vector<std::uint16_t> w = spread_words(12, 8, 5, 220);
  const int n = 300;
  std::vector<BayesOutcome> o(n);
  RunHooks hooks;
  bayes_machine_cpu(p, w.data(), 0, 0, n, o.data(), hooks);
  double total = 0;
  for (const auto& x : o) total += x.upsets;
  const double exposure = static_cast<double>(n) * p.cycles * seu_bits_per_cycle(p);
  const double mean = exposure * p.seu_rate, se = std::sqrt(exposure * p.seu_rate * (1 - p.seu_rate));
  EXPECT_NEAR(total, mean, 4 * se);
}

TEST(BayesSeu, LfsrAtZeroStaysLockedAndAlwaysPasses) {
  // An upset that clears the last set bit of a state leaves the LFSR at 0 for good (the slow path steps it
  // exactly), and 0 ≤ W: every cycle passes. Start the LFSRs at 0 directly (the scenario refuses such a seed).
  const LfsrTables t = build_lfsr_tables(default_taps(4), 4);
  BayesMachineParams p = bayes_params(2, 2, 4, 100, t);
  p.seeding = LfsrSeeding::kFixed;
  p.lfsr_seed = 0;
  p.lfsr_spacing = 0;
  EXPECT_EQ(lfsr_step(0, p.taps, 4), 0u);
  const std::uint16_t w[4] = {0, 0, 3, 0};
  BayesOutcome fast{}, slow{};
  bayes_infer(p, w, 0, fast);
  bayes_infer(p, w, 0, slow, true);
  EXPECT_EQ(fast.counts[0], 100u);
  EXPECT_EQ(slow.counts[1], 100u);
}

TEST(BayesFixedPoint, NoUpsetsGivesTheSmallestSum) {
  const std::uint16_t lw[6] = {3, 4, 5, 1, 1, 1};  // class 0: 12, class 1: 3
  bool tied = true;
  std::uint32_t up = 9;
  EXPECT_EQ(fixed_point_nb(lw, 2, 3, 8, 10, 0.0, kSeuCounters, 1, stream::kBayesFixedPointSeu, 0, &tied, &up), 1);
  EXPECT_FALSE(tied);
  EXPECT_EQ(up, 0u);
}

TEST(BayesQuantize, WordsAndLogWords) {
  EXPECT_EQ(quantize_likelihood(1.0, 8), 255u);
  EXPECT_EQ(quantize_likelihood(0.5, 8), 128u);
  EXPECT_EQ(quantize_likelihood(0.0, 8), 1u);  // never rule a class out by rounding
  EXPECT_EQ(quantize_likelihood(1.0, 1), 1u);
  EXPECT_EQ(quantize_log_likelihood(1.0, 8, 10.0), 0u);
  EXPECT_EQ(quantize_log_likelihood(0.25, 8, 10.0), 20u);
  EXPECT_EQ(quantize_log_likelihood(1e-300, 8, 10.0), 255u);
}

TEST(BayesStorage, ExplicitBerFlipsAtTheRate) {
  StorageParams s{};
  s.errors = StorageErrors::kBer;
  s.ber = 0.01;
  s.seed = 3;
  int flips = 0;
  const int n = 200000;
  for (int b = 0; b < n; ++b) flips += stored_bit_read(s, b, true, 0) ? 0 : 1;
  const double se = std::sqrt(n * 0.01 * 0.99);
  EXPECT_NEAR(flips, n * 0.01, 4 * se);
  s.errors = StorageErrors::kNone;
  EXPECT_TRUE(stored_bit_read(s, 5, true, 0));
  EXPECT_EQ(stored_word_read(s, 0, 0xa5, 8, 0), 0xa5u);
}

TEST(BayesStorage, PerCycleReadsWithoutErrorsEqualTheLatchedWords) {
  // storage.reread: cycle with a zero BER takes the cycle-by-cycle path with fresh reads, and must give the
  // bit-parallel path's bits (every read returns the written word).
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  for (int g = 0; g < 2; ++g) {
    BayesMachineParams p = bayes_params(3, 4, 8, 300, t, static_cast<BayesGenerator>(g));
    const std::vector<std::uint16_t> w = spread_words(12, 8, 5 + g, 150);
    std::vector<std::uint32_t> ids(12);
    for (int b = 0; b < 12; ++b) ids[b] = 40 + 3 * b;
    BayesMachineParams q = p;
    q.reread = StorageReread::kCycle;
    q.storage.errors = StorageErrors::kBer;
    q.storage.ber = 0.0;
    for (std::uint64_t n = 0; n < 5; ++n) {
      BayesOutcome latched{}, reread{};
      bayes_infer(p, w.data(), n, latched);
      bayes_infer(q, w.data(), ids.data(), n, reread);
      EXPECT_EQ(reread.slow_path, 1);
      EXPECT_EQ(reread.read_errors, 0u);
      ASSERT_TRUE(same_outcome(latched, reread, 3, 1)) << "generator " << g << " inference " << n;
    }
  }
}

TEST(BayesStorage, PerInferenceReadsEqualWordsReadBeforeTheKernel) {
  // storage.reread: inference reads every word once at power-on inside the kernel: the same bits as words read
  // by stored_word_read (read 1 + inference) and handed over latched; the read errors are counted.
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  BayesMachineParams latched = bayes_params(3, 4, 8, 300, t);
  BayesMachineParams q = latched;
  q.reread = StorageReread::kInference;
  q.storage.errors = StorageErrors::kBer;
  q.storage.ber = 0.05;
  q.storage.seed = 8;
  const std::vector<std::uint16_t> w = spread_words(12, 8, 2, 150);
  std::vector<std::uint32_t> ids(12);
  for (int b = 0; b < 12; ++b) ids[b] = 7 + 5 * b;
  std::uint64_t errors = 0;
  for (std::uint64_t n = 0; n < 20; ++n) {
    std::vector<std::uint16_t> read(12);
    std::uint64_t wrong = 0;
    for (int b = 0; b < 12; ++b) {
      read[b] = static_cast<std::uint16_t>(stored_word_read(q.storage, static_cast<std::uint64_t>(ids[b]) * 8, w[b], 8, 1 + n));
      wrong += static_cast<std::uint64_t>(__builtin_popcount(read[b] ^ w[b]));
    }
    BayesOutcome a{}, b{};
    bayes_infer(latched, read.data(), n, a);
    bayes_infer(q, w.data(), ids.data(), n, b);
    ASSERT_TRUE(same_outcome(a, b, 3, 1)) << "inference " << n;
    EXPECT_EQ(b.read_errors, wrong);
    EXPECT_EQ(b.slow_path, 0);
    errors += wrong;
  }
  EXPECT_GT(errors, 0u) << "a 5 % BER over 1,920 bits must flip some";
}

TEST(BayesStorage, ReadsFromHeldCellsEqualReadsThatProgramThem) {
  // Device errors: a read from the programmed cells the caller holds gives the bits of a read that programs them.
  StorageParams s{};
  s.model = test_model();
  s.model.read_sigma_rel = 0.3f;
  s.errors = StorageErrors::kDevice;
  s.compliance = 20.0f;
  s.aging_cycles = 9e7;
  s.seed = 5;
  for (int cell = 0; cell < 2; ++cell) {
    s.cell = cell == 0 ? StorageCell::k2T2R : StorageCell::k1T1R;
    s.read_threshold = 10.0f;
    const std::uint32_t words[4] = {0x00, 0xff, 0xa5, 0x3c};
    std::vector<StoredCell> cells(4 * 8);
    for (std::size_t bit = 0; bit < cells.size(); ++bit) cells[bit] = stored_bit_program(s, bit, (words[bit / 8] >> (bit % 8)) & 1u);
    int differ = 0;
    for (int w = 0; w < 4; ++w)
      for (std::uint64_t read = 0; read < 50; ++read) {
        const std::uint32_t a = stored_word_read(s, 8 * w, words[w], 8, read), b = stored_word_read(s, 8 * w, words[w], 8, read, cells.data());
        ASSERT_EQ(a, b) << "cell " << cell << " word " << w << " read " << read;
        differ += a != words[w];
      }
    EXPECT_GT(differ, 0) << "the noisy, aged cells must misread sometimes (cell " << cell << ")";
  }
}

TEST(BayesStorage, PerCycleBerGivesTheFlippedWordProbabilityWithinFourSE) {
  // One block, Philox numbers, B = 4, W = 9 (1001b), every bit read flipped with probability e each cycle: the
  // AND bit is 1 with probability E[W']/2^B, E[W'] = sum_j 2^j (w_j (1 - e) + (1 - w_j) e) = 8.7 for e = 0.1
  // (9 without errors: 34 SE away). Reads wrong: e within 4 SE.
  const LfsrTables t = build_lfsr_tables(default_taps(4), 4);
  BayesMachineParams p = bayes_params(1, 1, 4, 4096, t, BayesGenerator::kPhilox);
  p.reread = StorageReread::kCycle;
  p.storage.errors = StorageErrors::kBer;
  p.storage.ber = 0.1;
  p.storage.seed = 17;
  const std::uint16_t w = 9;
  const std::uint32_t id = 123;
  const int n = 200;
  double ones = 0, wrong = 0;
  for (int k = 0; k < n; ++k) {
    BayesOutcome o{};
    bayes_infer(p, &w, &id, static_cast<std::uint64_t>(k), o);
    ones += o.counts[0];
    wrong += static_cast<double>(o.read_errors);
  }
  const double cycles = static_cast<double>(n) * 4096;
  const double expect = 8.7 / 16.0;
  EXPECT_NEAR(ones / cycles, expect, 4 * std::sqrt(expect * (1 - expect) / cycles));
  EXPECT_NEAR(wrong / (4 * cycles), 0.1, 4 * std::sqrt(0.1 * 0.9 / (4 * cycles)));
}

TEST(BayesStorage, PerCycleDeviceReadsFailAtTheGaussianSenseRateWithinFourSE) {
  // Gaussian read noise g(1 + s z): a 2T2R pair (a, b) reads wrong with probability
  // Phi(-(a - b) / (s sqrt(a^2 + b^2))); a 1T1R device a against threshold h with Phi((h - a) / (s a)).
  StorageParams s{};
  s.model = test_model();
  s.model.read_sigma_rel = 0.3f;
  s.errors = StorageErrors::kDevice;
  s.seed = 29;
  const auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  const int n = 100000;
  for (int cell = 0; cell < 2; ++cell) {
    s.cell = cell == 0 ? StorageCell::k2T2R : StorageCell::k1T1R;
    s.read_threshold = 8.0f;
    const StoredCell g{10.0f, 8.0f};
    const double expect = cell == 0 ? phi(-2.0 / (0.3 * std::sqrt(164.0))) : phi((8.0 - 10.0) / (0.3 * 10.0));
    int wrong = 0;
    for (int k = 0; k < n; ++k) wrong += stored_bit_cycle_read(s, g, 77, true, 5, static_cast<std::uint64_t>(k)) ? 0 : 1;
    EXPECT_NEAR(wrong, n * expect, 4 * std::sqrt(n * expect * (1 - expect))) << (cell == 0 ? "2T2R" : "1T1R");
  }
}

}  // namespace
