// bayes_machine validation (issue 4): count ratios converge to the exact posterior ratio within binomial error;
// the shipped synthetic scenario reaches the exact naive Bayes as T grows; shared LFSRs show the correlation
// bias, pinned against an exact count over the LFSR period. Fixed seeds; tolerances in standard errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "../support/bayes_fixtures.hpp"
#include "compare/compare.hpp"
#include "io/csv.hpp"
#include "scenario/scenario.hpp"
#include "workloads/bayes_machine/bayes_machine.hpp"
#include "workloads/run.hpp"

namespace {

using namespace mc;
using mc::test::bayes_params;

/// The shipped synthetic scenario.
Scenario shipped_synthetic() { return load_scenario(std::string(MC_TEST_DATA) + "/../configs/scenarios/bayes_machine_synthetic.yaml"); }

/// Runs s on the CPU into a fresh temporary folder named after `tag` and returns the folder (the caller removes it).
std::string run_cpu(const Scenario& s, const std::string& tag) {
  const std::string out = (std::filesystem::temp_directory_path() / ("mc_bayes_" + tag + "_" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(out);
  run_scenario(s, choose_backend("cpu", 0), RunOptions{out, true});
  return out;
}

double product_probability(const std::vector<std::uint16_t>& w, int from, int n, double denom) {
  double p = 1;
  for (int i = 0; i < n; ++i) p *= w[from + i] / denom;
  return p;
}

TEST(BayesValidation, PhiloxCountsAndRatioMatchTheExactProductWithinFourSE) {
  // Ideal generator: count_y ~ Binomial(T, Π W/2^B) independently per class; the ratio count_0 / count_1
  // estimates the exact posterior ratio, with delta-method SE sqrt(r²(1/(T p0) + 1/(T p1))) (to first order).
  const int B = 8, O = 3;
  const std::uint64_t T = 1 << 18;
  const LfsrTables t = build_lfsr_tables(default_taps(B), B);
  const BayesMachineParams p = bayes_params(2, O, B, T, t, BayesGenerator::kPhilox);
  const std::vector<std::uint16_t> w = {200, 150, 180, 120, 230, 90};
  BayesOutcome o{};
  bayes_infer(p, w.data(), 0, o);
  const double p0 = product_probability(w, 0, O, 256.0), p1 = product_probability(w, O, O, 256.0);
  EXPECT_NEAR(o.counts[0], T * p0, 4 * std::sqrt(T * p0 * (1 - p0)));
  EXPECT_NEAR(o.counts[1], T * p1, 4 * std::sqrt(T * p1 * (1 - p1)));
  const double ratio = static_cast<double>(o.counts[0]) / o.counts[1], exact = p0 / p1;
  EXPECT_NEAR(ratio, exact, 4 * exact * std::sqrt(1 / (T * p0) + 1 / (T * p1)));
}

TEST(BayesValidation, PerBlockLfsrsAverageToTheProductWithinFourSE) {
  // Independent uniform phases make the blocks' states independent and uniform on 1..255 at every cycle, so
  // the mean count over inferences is T·Π W/255. SE from the sample of counts.
  const int B = 8, O = 4, N = 4000;
  const std::uint64_t T = 255;
  const LfsrTables t = build_lfsr_tables(default_taps(B), B);
  const BayesMachineParams p = bayes_params(2, O, B, T, t);
  const std::vector<std::uint16_t> w = {230, 200, 180, 250, 150, 240, 200, 220};
  std::vector<BayesOutcome> o(N);
  bayes_machine_cpu(p, w.data(), 0, 0, N, o.data(), RunHooks{});
  for (int y = 0; y < 2; ++y) {
    double sum = 0, sq = 0;
    for (const auto& x : o) sum += x.counts[y], sq += double(x.counts[y]) * x.counts[y];
    const double mean = sum / N, se = std::sqrt((sq / N - mean * mean) / N);
    EXPECT_NEAR(mean, T * product_probability(w, y * O, O, 255.0), 4 * se) << "class " << y;
  }
}

TEST(BayesValidation, SharedLfsrShowsTheCorrelationBiasExactly) {
  // One LFSR per row: every block of the row compares the same state, so the AND is (s ≤ min W) and over one
  // full period (255 cycles visit every nonzero state once) the count is exactly min W — not 255·Π W/255.
  // This pins the sign and size of the bias: count/255 = min p ≥ Π p.
  const int B = 8, O = 4;
  const LfsrTables t = build_lfsr_tables(default_taps(B), B);
  const std::vector<std::uint16_t> w = {230, 200, 180, 250, 150, 240, 200, 220};
  for (LfsrSharing sh : {LfsrSharing::kPerRow, LfsrSharing::kGlobal}) {
    const BayesMachineParams p = bayes_params(2, O, B, 255, t, BayesGenerator::kLfsr, sh);
    for (std::uint64_t n = 0; n < 50; ++n) {
      BayesOutcome o{};
      bayes_infer(p, w.data(), n, o);
      ASSERT_EQ(o.counts[0], 180u);
      ASSERT_EQ(o.counts[1], 150u);
    }
  }
  const double biased = 180.0 / 255, unbiased = product_probability(w, 0, O, 255.0);
  EXPECT_NEAR(biased / unbiased, 1.44187, 1e-4);  // the product 0.4896 is counted as 0.7059: a 44 % overestimate
  // Sharing along a column keeps each row's blocks independent: the product is unbiased there.
  const BayesMachineParams col = bayes_params(2, O, B, 255, t, BayesGenerator::kLfsr, LfsrSharing::kPerColumn);
  std::vector<BayesOutcome> o(4000);
  bayes_machine_cpu(col, w.data(), 0, 0, 4000, o.data(), RunHooks{});
  double sum = 0, sq = 0;
  for (const auto& x : o) sum += x.counts[0], sq += double(x.counts[0]) * x.counts[0];
  const double mean = sum / 4000, se = std::sqrt((sq / 4000 - mean * mean) / 4000);
  EXPECT_NEAR(mean, 255 * unbiased, 4 * se);
}

TEST(BayesValidation, ShippedSyntheticScenarioReachesTheExactNaiveBayes) {
  const std::string out = run_cpu(shipped_synthetic(), "syn");
  const CsvFile curve = read_csv(out + "/accuracy_vs_cycles.csv");
  const std::size_t agree = curve.column("agreement_with_exact"), acc = curve.column("accuracy"), ex = curve.column("exact_accuracy");
  ASSERT_GE(curve.rows.size(), 3u);
  const double first = std::stod(curve.rows.front()[agree]), last = std::stod(curve.rows.back()[agree]);
  EXPECT_GE(last, 0.99) << "agreement with the exact naive Bayes at the longest T";
  EXPECT_LT(first, 0.8) << "one cycle cannot agree this often";
  // Accuracy approaches the exact naive-Bayes accuracy: within 2 binomial SE of the 2000 samples at the end.
  const double a = std::stod(curve.rows.back()[acc]), e = std::stod(curve.rows.back()[ex]);
  EXPECT_NEAR(a, e, 2 * std::sqrt(e * (1 - e) / 2000));
  std::filesystem::remove_all(out);
}

TEST(BayesValidation, LogMachineAgreesWithTheExactNaiveBayes) {
  // mode: log adds 8-bit log-likelihood words (Turck 2025): deterministic, limited only by quantization.
  Scenario s = shipped_synthetic();
  s.spec_as<mc::BayesMachineSpec>().log_mode = true;
  s.spec_as<mc::BayesMachineSpec>().bits = 8;
  s.resolved["bayes_machine.mode"] = "log";
  s.resolved["bayes_machine.bits"] = 8;
  const std::string out = run_cpu(s, "log");
  const CsvFile r = read_csv(out + "/results.csv");
  EXPECT_GE(std::stod(r.rows[0][r.column("agreement_with_exact")]), 0.99);
  EXPECT_EQ(r.rows[0][r.column("mode")], "log");
  std::filesystem::remove_all(out);
}

TEST(BayesValidation, ReadEnergyUsesTheMeanConductances) {
  // Only the stored words' reads cost energy here: blocks x B bits, each a 2T2R pair (one LRS, one HRS read).
  // Read energy V^2 G t is linear in G, so the mean is that of E[G]: LRS median e^{s_d2d^2/2}, HRS median
  // e^{(s_c2c^2 + s_d2d^2)/2}, written out from the defaults (0.05; 0.6 and 0.3), not from the code under test.
  Scenario s = shipped_synthetic();
  s.spec_as<mc::BayesMachineSpec>().cycles = 64;
  s.spec_as<mc::BayesMachineSpec>().checkpoints = {64};
  s.spec_as<mc::BayesMachineSpec>().energy_block_cycle = 0;
  s.spec_as<mc::BayesMachineSpec>().energy_counter_cycle = 0;
  const std::string out = run_cpu(s, "energy");
  const CsvFile r = read_csv(out + "/results.csv");
  const double g_lrs = 1.5 * s.spec_as<mc::BayesMachineSpec>().compliance * std::exp(0.5 * 0.05 * 0.05);
  const double g_hrs = 2.0 * std::exp(0.5 * (0.6 * 0.6 + 0.3 * 0.3));
  const double per_bit = 0.1 * 0.1 * 100e-9 * 1e6 * (g_lrs + g_hrs);  // V^2 t (G in uS) -> pJ
  const double want = 4 * 6 * 16 * per_bit;
  EXPECT_NEAR(std::stod(r.rows[0][r.column("energy_per_inference_pJ")]) / want, 1.0, 1e-5);
  std::filesystem::remove_all(out);
}

TEST(BayesValidation, CompareAgreesAcrossSeedsAndFlagsStoredBitErrors) {
  // memcarlo compare on bayes_machine folders: two seeds of one machine agree (the statistics are not all zero),
  // and a 20 % stored-bit error rate is flagged on accuracy.
  Scenario s = shipped_synthetic();
  s.spec_as<mc::BayesMachineSpec>().cycles = 1024;
  s.spec_as<mc::BayesMachineSpec>().checkpoints = {64, 256, 1024};
  const std::string a = run_cpu(s, "cmp_a");
  s.seed = 4242;
  const std::string b = run_cpu(s, "cmp_b");
  s.spec_as<mc::BayesMachineSpec>().errors = StorageErrors::kBer;
  s.spec_as<mc::BayesMachineSpec>().ber = 0.2;
  const std::string c = run_cpu(s, "cmp_c");
  const CompareReport same = compare_folders(a, b);
  EXPECT_TRUE(same.all_agree) << format_report(same);
  EXPECT_EQ(same.rows.size(), 3u * 3 + 4 + 1);
  bool any_nonzero = false;
  for (const CompareRow& r : same.rows) any_nonzero |= r.test_kind == "z proportion" && r.z_or_p != 0.0;
  EXPECT_TRUE(any_nonzero) << "different seeds must give different counts";
  const CompareReport worse = compare_folders(a, c);
  EXPECT_FALSE(worse.all_agree);
  bool accuracy_flagged = false;
  for (const CompareRow& r : worse.rows) accuracy_flagged |= r.metric == "accuracy" && r.where == "T = 1024" && !r.agree;
  EXPECT_TRUE(accuracy_flagged) << format_report(worse);
  for (const std::string& d : {a, b, c}) std::filesystem::remove_all(d);
}

}  // namespace
