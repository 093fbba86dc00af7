// bayes_machine CPU vs CUDA (ctest label gpu): the same MC_HD code on integer data and Philox, so outcomes must
// be identical bit for bit. Skips when no GPU answers; fails instead when MC_REQUIRE_GPU=1.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "../support/bayes_fixtures.hpp"
#include "../support/gpu_fixtures.hpp"
#include "../support/model_fixtures.hpp"

namespace {

using namespace mc;

TEST(BayesGpu, CudaEqualsCpuBitForBit) {
#if defined(MC_HAVE_CUDA)
  MC_GPU_OR_SKIP(device);
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  for (int g = 0; g < 2; ++g)
    for (int sh = 0; sh < 4; ++sh) {
      if (g == 1 && sh > 0) continue;
      BayesMachineParams p = mc::test::bayes_params(6, 9, 8, 1000, t, static_cast<BayesGenerator>(g), static_cast<LfsrSharing>(sh));
      p.checkpoints = 2;
      p.checkpoint[0] = 100, p.checkpoint[1] = 1000;
      p.early_stop = 4;
      p.seu_rate = 1e-6;
      p.seu_targets = kSeuLfsr | kSeuCounters | kSeuWords;
      const std::uint64_t n = 3000;
      const std::vector<std::uint16_t> w = mc::test::spread_words(static_cast<int>(n) * 54, 8, 9, 230);
      std::vector<BayesOutcome> cpu(n), gpu(n);
      bayes_machine_cpu(p, w.data(), 54, 100, n, cpu.data(), RunHooks{});
      bayes_machine_cuda(device, p, w.data(), 54, 100, n, gpu.data(), RunHooks{}, 0);
      for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(mc::test::same_outcome(cpu[k], gpu[k], 6, 2)) << "gen " << g << " sharing " << sh << " inference " << k;
    }
#else
  if (mc::test::gpu_required()) FAIL() << "MC_REQUIRE_GPU=1 but this build has no CUDA backend";
  GTEST_SKIP() << "built without CUDA";
#endif
}

TEST(BayesGpu, RereadsEqualCpuBitForBit) {
  // storage.reread: inference and cycle with an explicit BER (integer Philox words against a double): the word
  // indices go to the GPU with each batch, and every read must match.
#if defined(MC_HAVE_CUDA)
  MC_GPU_OR_SKIP(device);
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  BayesMachineParams p = mc::test::bayes_params(4, 6, 8, 300, t);
  p.storage.errors = StorageErrors::kBer;
  p.storage.ber = 0.01;
  p.storage.seed = 3;
  const std::uint64_t n = 2000;
  const std::vector<std::uint16_t> w = mc::test::spread_words(static_cast<int>(n) * 24, 8, 4, 200);
  std::vector<std::uint32_t> ids(n * 24);
  for (std::size_t k = 0; k < ids.size(); ++k) ids[k] = static_cast<std::uint32_t>((k * 7) % 500);
  p.word_ids = ids.data();
  for (StorageReread mode : {StorageReread::kInference, StorageReread::kCycle}) {
    p.reread = mode;
    std::vector<BayesOutcome> cpu(n), gpu(n);
    bayes_machine_cpu(p, w.data(), 24, 50, n, cpu.data(), RunHooks{});
    bayes_machine_cuda(device, p, w.data(), 24, 50, n, gpu.data(), RunHooks{}, 0);
    for (std::uint64_t k = 0; k < n; ++k) {
      ASSERT_TRUE(mc::test::same_outcome(cpu[k], gpu[k], 4, 1)) << "reread " << static_cast<int>(mode) << " inference " << k;
      ASSERT_EQ(cpu[k].read_errors, gpu[k].read_errors) << "reread " << static_cast<int>(mode) << " inference " << k;
    }
  }
#else
  if (mc::test::gpu_required()) FAIL() << "MC_REQUIRE_GPU=1 but this build has no CUDA backend";
  GTEST_SKIP() << "built without CUDA";
#endif
}

TEST(BayesGpu, ManyDoubleBufferedBatchesEqualCpuAndCountProgress) {
  // A small max_batch forces 12 launches through the two staging slots (tail batch included), with device-error
  // rereads every cycle from programmed cells uploaded once, over two calls of one BayesMachineGpu.
#if defined(MC_HAVE_CUDA)
  MC_GPU_OR_SKIP(device);
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  BayesMachineParams p = mc::test::bayes_params(3, 4, 8, 200, t);
  p.storage.model = mc::test::test_model();
  p.storage.model.read_sigma_rel = 0.3f;
  p.storage.errors = StorageErrors::kDevice;
  p.storage.compliance = 20.0f;
  p.storage.aging_cycles = 9e7;
  p.storage.read_threshold = 10.0f;
  p.storage.seed = 5;
  const std::uint64_t n = 2900, words_stored = 300;
  const std::vector<std::uint16_t> w = mc::test::spread_words(static_cast<int>(n) * 12, 8, 4, 250);
  std::vector<std::uint32_t> ids(n * 12);
  for (std::size_t k = 0; k < ids.size(); ++k) ids[k] = static_cast<std::uint32_t>((k * 13) % words_stored);
  std::vector<StoredCell> cells(words_stored * 8);
  for (std::size_t bit = 0; bit < cells.size(); ++bit) cells[bit] = stored_bit_program(p.storage, bit, (bit * 7 / 3) & 1u);
  p.cells = cells.data();
  p.word_ids = ids.data();
  p.reread = StorageReread::kCycle;
  std::vector<BayesOutcome> cpu(n), gpu(n);
  bayes_machine_cpu(p, w.data(), 12, 7, n, cpu.data(), RunHooks{});
  std::atomic<std::uint64_t> progress{0};
  RunHooks hooks;
  hooks.progress = &progress;
  BayesMachineGpu machine(device, p, cells.size(), 256);
  EXPECT_GT(machine.local_bytes_per_thread(), 0u);
  machine.infer(p, w.data(), 12, 7, 1000, gpu.data(), hooks);
  BayesMachineParams rest = p;
  rest.word_ids = ids.data() + 1000 * 12;
  machine.infer(rest, w.data() + 1000 * 12, 12, 1007, n - 1000, gpu.data() + 1000, hooks);
  EXPECT_EQ(progress.load(), n);
  std::uint64_t errors = 0;
  for (std::uint64_t k = 0; k < n; ++k) {
    ASSERT_TRUE(mc::test::same_outcome(cpu[k], gpu[k], 3, 1)) << "inference " << k;
    ASSERT_EQ(cpu[k].read_errors, gpu[k].read_errors) << "inference " << k;
    for (int y = 3; y < kBayesMaxClasses; ++y) ASSERT_EQ(gpu[k].counts[y], 0u) << "counts beyond the classes are zero-filled";
    errors += gpu[k].read_errors;
  }
  EXPECT_GT(errors, 0u) << "the aged cells must misread sometimes";
  EXPECT_THROW(BayesMachineGpu(device, p, 0), std::invalid_argument);
#else
  if (mc::test::gpu_required()) FAIL() << "MC_REQUIRE_GPU=1 but this build has no CUDA backend";
  GTEST_SKIP() << "built without CUDA";
#endif
}

}  // namespace
