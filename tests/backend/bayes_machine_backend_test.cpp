// bayes_machine backend invariance: the CPU driver gives the same outcomes bit for bit for any thread count and
// any split of the inference range (counter-based random numbers keyed on the inference, no reductions).
#include <gtest/gtest.h>

#include <vector>

#include "../support/bayes_fixtures.hpp"

namespace {

using namespace mc;

std::vector<BayesOutcome> run(const BayesMachineParams& p, const std::vector<std::uint16_t>& w, int threads, std::uint64_t split) {
  const std::uint64_t n = 600;
  std::vector<BayesOutcome> out(n);
  RunHooks hooks;
  hooks.threads = threads;
  bayes_machine_cpu(p, w.data(), p.classes * p.observations, 0, split, out.data(), hooks);
  bayes_machine_cpu(p, w.data() + split * p.classes * p.observations, p.classes * p.observations, split, n - split, out.data() + split, hooks);
  return out;
}

TEST(BayesBackend, ThreadCountAndSplitInvariance) {
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  for (int g = 0; g < 2; ++g) {
    BayesMachineParams p = mc::test::bayes_params(5, 7, 8, 300, t, static_cast<BayesGenerator>(g));
    p.checkpoints = 2;
    p.checkpoint[0] = 64, p.checkpoint[1] = 300;
    p.early_stop = 2;
    p.seu_rate = 2e-5;  // some inferences take the upset path
    p.seu_targets = kSeuLfsr | kSeuCounters | kSeuWords;
    const std::vector<std::uint16_t> w = mc::test::spread_words(600 * 35, 8, 1, 230);
    const auto a = run(p, w, 1, 600), b = run(p, w, 2, 600), c = run(p, w, 2, 217);
    int slow = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
      ASSERT_TRUE(mc::test::same_outcome(a[k], b[k], 5, 2)) << k;
      ASSERT_TRUE(mc::test::same_outcome(a[k], c[k], 5, 2)) << k;
      slow += a[k].slow_path;
    }
    EXPECT_GT(slow, 0);
  }
}

}  // namespace
