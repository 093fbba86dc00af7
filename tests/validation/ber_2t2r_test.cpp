// 2T2R bit error rates: the quadrature of kernels/endurance/ber.hpp against a closed form and against plain
// Monte Carlo of the same devices (device_cycle + errors_2t2r) where plain Monte Carlo reaches (1e-3 .. 1e-4);
// then each HfO2 2T2R preset against its row of the Querlioz table (docs/physics.md §1): SET/RESET energy, BER
// below the bound at the start and at the quoted endurance, failures within the preset's stated criterion.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "endurance/ber.hpp"
#include "endurance/endurance.hpp"
#include "io/csv.hpp"
#include "scenario/scenario.hpp"
#include "workloads/run.hpp"

#include <filesystem>
#include <ostream>
#include <unistd.h>

namespace mc {
namespace {

DeviceModel preset_model(const std::string& preset, const std::string& extra = "") {
  const std::string yaml = "workload: endurance\ndevice:\n  preset: " + preset + "\n" + extra + "endurance: {compliance: 200 uA}\n";
  return parse_scenario(yaml, "ber.yaml").device;
}

TEST(Ber2t2rQuadrature, ClosedFormWithAFixedLrsAndLogNormalHrs) {
  // No LRS spread, no LRS d2d, no read noise: P(μ ≤ B) = Q((ln μ − ln m_h) / sqrt(s² + s_d2d²)).
  const DeviceModel m = preset_model("hfo2_2t2r_endurance",
                                     "  lrs: {sigma_law: relative, sigma_a: 0, d2d_sigma_ln: 0}\n  read: {noise: none}\n");
  const double want = normal_sf(std::log(300.0 / 8.0) / std::sqrt(0.9 * 0.9 + 0.3 * 0.3));
  EXPECT_NEAR(ber_2t2r_fresh(m, 200.0f) / want, 1.0, 1e-6) << want;
}

/// Plain Monte Carlo of fresh pairs: per-pair error counts over `cycles` cycles (2 comparisons each); mean and
/// its SE from the spread of the per-pair rates (pairs are independent, cycles of one pair share its d2d).
struct Estimate {
  double mean, se;
};
Estimate plain_ber(const DeviceModel& m, std::uint64_t pairs, std::uint64_t cycles) {
  double s = 0, s2 = 0;
  for (std::uint64_t p = 0; p < pairs; ++p) {
    const CycleDevice a = cycle_device(m, draw_device(m, 2024u, 2 * p, 200.0f), 200.0f);
    const CycleDevice b = cycle_device(m, draw_device(m, 2024u, 2 * p + 1, 200.0f), 200.0f);
    double e = 0;
    for (std::uint64_t c = 0; c < cycles; ++c) {
      const CycleReads ra = device_cycle<SigmaLaw::kSqrt, ReadNoise::kGaussian>(m, a, 2024u, static_cast<std::uint32_t>(2 * p), 0, c);
      const CycleReads rb = device_cycle<SigmaLaw::kSqrt, ReadNoise::kGaussian>(m, b, 2024u, static_cast<std::uint32_t>(2 * p + 1), 0, c);
      e += errors_2t2r(ra, rb);
    }
    const double r = e / (2.0 * cycles);
    s += r, s2 += r * r;
  }
  const double n = static_cast<double>(pairs), mean = s / n;
  return {mean, std::sqrt((s2 / n - mean * mean) / (n - 1))};
}

TEST(Ber2t2rQuadrature, MatchesPlainMonteCarloOnFreshPairs) {
  // Two windows: the endurance preset (BER ~7e-5) and a wider HRS (~1e-3); wear off. Tolerance 4 SE.
  for (const char* hrs : {"", "  hrs: {sigma_ln: 1.2}\n"}) {
    const DeviceModel m = preset_model("hfo2_2t2r_endurance", std::string(hrs) + "  wear: {weibull_scale: 1e15}\n");
    ASSERT_EQ(m.sigma_law, SigmaLaw::kSqrt);
    ASSERT_EQ(m.read_noise, ReadNoise::kGaussian);
    const double q = ber_2t2r_fresh(m, 200.0f);
    const Estimate e = plain_ber(m, 1500000, 4);
    std::printf("fresh 2T2R BER: plain %.4g +- %.2g, quadrature %.4g\n", e.mean, e.se, q);
    EXPECT_NEAR(e.mean, q, 4 * e.se) << "plain " << e.mean << " +- " << e.se << ", quadrature " << q;
    EXPECT_LT(e.se, 0.1 * q) << "too few errors for this test to see a bias";
  }
}

/// Plain Monte Carlo of the 2T2R BER at one 1-based cycle t over `pairs` pairs (each its own d2d, lifetime
/// and failure draw): mean and SE from the per-pair error rates.
Estimate plain_ber_at(const DeviceModel& m, std::uint64_t pairs, std::uint64_t t) {
  double s = 0, s2 = 0;
  for (std::uint64_t p = 0; p < pairs; ++p) {
    CycleReads r[2];
    for (int d = 0; d < 2; ++d) {
      const std::uint64_t dev = 2 * p + d;
      const CycleDevice c = cycle_device(m, draw_device(m, 77u, dev, 200.0f), 200.0f);
      r[d] = device_cycle<SigmaLaw::kSqrt, ReadNoise::kGaussian>(m, c, 77u, static_cast<std::uint32_t>(dev),
                                                                 static_cast<std::uint32_t>(dev >> 32), t - 1);
    }
    const double e = errors_2t2r(r[0], r[1]) / 2.0;
    s += e, s2 += e * e;
  }
  const double n = static_cast<double>(pairs), mean = s / n;
  return {mean, std::sqrt((s2 / n - mean * mean) / (n - 1))};
}

TEST(Ber2t2rQuadrature, FullQuadratureMatchesTheFreshClosedFormAndPlainMonteCarloWithWear) {
  // Fresh population: the full quadrature (states, wear, stuck) reduces to ber_2t2r_fresh (1e-3 relative).
  const DeviceModel fresh = preset_model("hfo2_2t2r_endurance", "  wear: {weibull_scale: 1e15}\n");
  const BerQuadrature q0 = ber_2t2r_quadrature(fresh, 200.0f, 1.0);
  EXPECT_NEAR(q0.ber / ber_2t2r_fresh(fresh, 200.0f), 1.0, 1e-3);
  EXPECT_LT(q0.err, 1e-3 * q0.ber);
  // A short-lived typical device (scale 1e6 cycles): at 1e4 and 3e4 cycles the errors come from wearing and
  // stuck devices (fresh pairs err at 6e-14). Plain Monte Carlo over 2e6 pairs at that cycle; 4 SE plus the
  // quadrature's own error estimate. The SE bound below (10 % of the BER) needs the error counts to be large.
  const DeviceModel worn = preset_model("hfo2_2t2r_typical", "  wear: {weibull_scale: 1e6}\n");
  // At 2400 cycles the BER is ~1e-5: 8e6 pairs (1.6e7 comparisons) put ~160 errors behind it.
  for (std::uint64_t t : {2400ull, 10000ull, 30000ull}) {
    const BerQuadrature q = ber_2t2r_quadrature(worn, 200.0f, static_cast<double>(t));
    const Estimate e = plain_ber_at(worn, t == 2400 ? 8000000 : 2000000, t);
    std::printf("t = %llu: plain %.4g +- %.2g, quadrature %.4g (err %.2g)\n", static_cast<unsigned long long>(t), e.mean, e.se, q.ber, q.err);
    EXPECT_NEAR(e.mean, q.ber, 4 * e.se + q.err);
    EXPECT_LT(e.se, (t == 2400 ? 0.12 : 0.1) * q.ber);
  }
}

TEST(Ber2t2rQuadrature, EnduranceRunWritesTheEstimateBesideItsMonteCarloRate) {
  // endurance.ber_estimate_cycles: ber_estimate.csv holds the quadrature at each listed cycle, results.csv the
  // estimate at the last simulated cycle with its error and method. A short-lived typical device (scale 2e4)
  // makes the Monte Carlo rate of the last interval (cycles 1751-1760 of 1e5 pairs) comparable, within 4 SE with
  // SE <= sqrt(BER / pairs) (pairs are the independent units: a stuck device errs every cycle, and a pair's
  // error rate r in [0, 1] has variance <= E[r]); the quadrature is taken mid-interval (1755).
  const std::string yaml = R"(workload: endurance
seed: 9
device: {preset: hfo2_2t2r_typical, wear: {weibull_scale: 2e4}}
endurance: {devices: 200000, cycles: 1760, checkpoints: [1750, 1760], compliance: 200 uA, read_threshold: 40 uS,
            ber_estimate_cycles: [1, 1755, 1e9]}
)";
  const Scenario s = parse_scenario(yaml, "ber_run.yaml");
  const std::string out = (std::filesystem::temp_directory_path() / ("mc_ber_run_" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(out);
  RunOptions opt;
  opt.out_dir = out;
  opt.quiet = true;
  run_scenario(s, choose_backend("cpu", 0), opt);
  const CsvFile r = read_csv(out + "/results.csv"), t = read_csv(out + "/ber_estimate.csv");
  std::filesystem::remove_all(out);
  EXPECT_EQ(r.rows[0][r.column("ber_2t2r_method")], "quadrature");
  const double at_end = std::stod(r.rows[0][r.column("ber_2t2r_estimate")]);
  EXPECT_NEAR(at_end / ber_2t2r_quadrature(s.device, 200.0f, 1760.0).ber, 1.0, 1e-6);
  ASSERT_EQ(t.rows.size(), 3u);
  const double mid = std::stod(t.rows[1][t.column("ber_2t2r")]);
  const double mc = std::stod(r.rows[0][r.column("ber_2t2r_last_interval")]);
  EXPECT_NEAR(mc, mid, 4 * std::sqrt(mid / 1e5)) << "Monte Carlo " << mc << ", quadrature " << mid;
  std::printf("endurance run: Monte Carlo %.4g, quadrature %.4g\n", mc, mid);
  EXPECT_GT(std::stod(t.rows[2][t.column("ber_2t2r")]), 0.1) << "worn out at 1e9 cycles";
}

/// One row of the table: SET/RESET energy (pJ), BER bound, quoted endurance (cycles), and the preset's stated
/// criterion on the failed fraction at that endurance.
struct Row {
  const char* preset;
  double energy_pj, ber_bound, cycles, failed_max;
};

void PrintTo(const Row& r, std::ostream* os) { *os << r.preset; }  // test names without a byte dump

class PresetRow : public ::testing::TestWithParam<Row> {};

TEST_P(PresetRow, MeetsItsRowOfTheTable) {
  const Row r = GetParam();
  const DeviceModel m = preset_model(r.preset);
  // "~" in the table: within 10 %.
  EXPECT_NEAR(set_energy(m, 200.0f), r.energy_pj, 0.1 * r.energy_pj);
  EXPECT_NEAR(reset_energy(m), r.energy_pj, 0.1 * r.energy_pj);
  const double fresh = ber_2t2r_fresh(m, 200.0f);
  EXPECT_LT(fresh, r.ber_bound) << "BER at the start";
  // At the quoted endurance: a rigorous upper bound (ber.hpp, not_fresh_fraction).
  const double upper = fresh + 2 * not_fresh_fraction(m, r.cycles);
  EXPECT_LT(upper, r.ber_bound) << "BER bound at " << r.cycles << " cycles: fresh " << fresh << " + 2 x "
                                << not_fresh_fraction(m, r.cycles);
  EXPECT_LE(lifetime_cdf(m, r.cycles), r.failed_max) << "failed fraction at the quoted endurance";
  // And the quadrature over every device state (closer than the bound) at the quoted endurance.
  const BerQuadrature q = ber_2t2r_quadrature(m, 200.0f, r.cycles);
  EXPECT_LT(q.ber + q.err, r.ber_bound) << "quadrature BER at " << r.cycles << " cycles";
  EXPECT_LE(q.ber, upper);
  std::printf("%s: BER fresh %.3g, at %.0e cycles BER %.3g (quadrature) <= %.3g (bound), failed %.3g\n", r.preset, fresh,
              r.cycles, q.ber, upper, lifetime_cdf(m, r.cycles));
}

INSTANTIATE_TEST_SUITE_P(Hfo2, PresetRow,
                         ::testing::Values(Row{"hfo2_2t2r_typical", 300, 1e-7, 1e8, 1e-8},
                                           Row{"hfo2_2t2r_endurance", 300, 1e-4, 1e10, 5e-6},
                                           Row{"hfo2_2t2r_energy", 25, 1e-5, 1e8, 1e-6}),
                         [](const auto& info) { return std::string(info.param.preset).substr(10); });

}  // namespace
}  // namespace mc
