// `memcarlo compare` statistics (host/compare/compare.hpp): the regularized gamma function, the z and χ² tests,
// and compare_folders on small synthetic output folders written by hand with the columns of real ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include "compare/compare.hpp"

namespace mc {
namespace {

namespace fs = std::filesystem;

// ---- regularized gamma Q and χ² p-values ----

TEST(CompareGamma, ChiSquareCriticalValues) {
  // Upper 5 % points of χ² (standard tables).
  EXPECT_NEAR(chi_square_p(3.841459, 1), 0.05, 1e-6);
  EXPECT_NEAR(chi_square_p(5.991465, 2), 0.05, 1e-6);
  EXPECT_NEAR(chi_square_p(18.307038, 10), 0.05, 1e-6);
  EXPECT_NEAR(chi_square_p(124.342113, 100), 0.05, 1e-6);
  EXPECT_NEAR(chi_square_p(1074.679449, 1000), 0.05, 1e-5);
  // 1 % and 0.01 % points.
  EXPECT_NEAR(chi_square_p(6.634897, 1), 0.01, 1e-7);
  EXPECT_NEAR(chi_square_p(15.136705, 1), 1e-4, 1e-9);
  EXPECT_NEAR(chi_square_p(23.209251, 10), 0.01, 1e-7);
}

TEST(CompareGamma, ClosedForms) {
  // Q(1, x) = e^-x; Q(1/2, x) = erfc(sqrt(x)); Q(2, x) = (1 + x) e^-x.
  for (double x : {0.001, 0.1, 0.5, 1.0, 1.9, 2.1, 5.0, 30.0, 200.0}) {
    EXPECT_NEAR(regularized_gamma_q(1.0, x) / std::exp(-x), 1.0, 1e-12) << x;
    EXPECT_NEAR(regularized_gamma_q(0.5, x) / std::erfc(std::sqrt(x)), 1.0, 1e-10) << x;
    EXPECT_NEAR(regularized_gamma_q(2.0, x) / ((1 + x) * std::exp(-x)), 1.0, 1e-12) << x;
  }
  EXPECT_EQ(regularized_gamma_q(3.0, 0.0), 1.0);
  EXPECT_EQ(regularized_gamma_q(3.0, INFINITY), 0.0);
  EXPECT_TRUE(std::isnan(regularized_gamma_q(0.0, 1.0)));
  EXPECT_TRUE(std::isnan(regularized_gamma_q(1.0, -1.0)));
  EXPECT_EQ(chi_square_p(0.0, 5), 1.0);
  EXPECT_EQ(chi_square_p(7.0, 0), 1.0);  // no degrees of freedom: nothing to test
}

TEST(CompareGamma, LargeDegreesOfFreedomMatchNormalApproximation) {
  // Wilson–Hilferty: (x/df)^(1/3) ≈ N(1 − 2/(9 df), 2/(9 df)); good to ~1e-4 in p at df = 5000.
  const int df = 5000;
  for (double zq : {-2.0, 0.0, 1.0, 3.0}) {
    const double v = 2.0 / (9.0 * df);
    const double x = df * std::pow(1 - v + zq * std::sqrt(v), 3);
    EXPECT_NEAR(chi_square_p(x, df), 0.5 * std::erfc(zq / std::sqrt(2.0)), 2e-4) << zq;
  }
  // Continuity across the series / continued-fraction switch at x = a + 1.
  const double a = 40.0;
  EXPECT_NEAR(regularized_gamma_q(a, a + 1 - 1e-9), regularized_gamma_q(a, a + 1 + 1e-9), 1e-9);
}

// ---- the z and χ² tests ----

TEST(CompareStats, ZConventions) {
  EXPECT_EQ(two_mean_z(5, 1, 100, 5, 1, 100), 0.0);
  EXPECT_EQ(two_mean_z(5, 0, 100, 5, 0, 100), 0.0);            // zero variance, equal: agree
  EXPECT_TRUE(std::isinf(two_mean_z(5, 0, 100, 6, 0, 100)));   // zero variance, unequal: disagree
  EXPECT_FALSE(z_agrees(two_mean_z(5, 0, 100, 6, 0, 100)));
  EXPECT_NEAR(two_mean_z(0, 3, 9, 1, 4, 16), 1.0 / std::sqrt(2.0), 1e-12);
  EXPECT_EQ(two_mean_z(NAN, 1, 10, NAN, 1, 10), 0.0);
  EXPECT_FALSE(z_agrees(two_mean_z(NAN, 1, 10, 1, 1, 10)));

  EXPECT_EQ(two_proportion_z(0, 1000, 0, 1000), 0.0);
  EXPECT_EQ(two_proportion_z(1, 1000, 1, 1000), 0.0);
  // 0.5 vs 0.6, n = 100 each: pooled 0.55, SE = sqrt(0.2475 · 0.02).
  EXPECT_NEAR(two_proportion_z(0.5, 100, 0.6, 100), 0.1 / std::sqrt(0.2475 * 0.02), 1e-12);
  EXPECT_TRUE(z_agrees(4.0));
  EXPECT_FALSE(z_agrees(-4.01));
  EXPECT_TRUE(p_agrees(1e-4));
  EXPECT_FALSE(p_agrees(0.9e-4));
  EXPECT_FALSE(p_agrees(NAN));
}

TEST(CompareStats, ChiSquareIdenticalAndProportionalHistograms) {
  const std::vector<double> a = {0, 3, 40, 200, 500, 300, 90, 10, 1, 0};
  const ChiSquare same = two_sample_chi_square(a, a);
  EXPECT_EQ(same.statistic, 0.0);
  EXPECT_EQ(same.p, 1.0);
  EXPECT_GE(same.df, 4);
  std::vector<double> b;
  for (double v : a) b.push_back(4 * v);  // four times the sample, same shape
  const ChiSquare prop = two_sample_chi_square(a, b);
  EXPECT_NEAR(prop.statistic, 0.0, 1e-9);
  EXPECT_NEAR(prop.p, 1.0, 1e-9);
}

TEST(CompareStats, ChiSquareMergesSparseBins) {
  // 1000 bins of one device each per sample: merged so each sample expects ≥ 5 per bin -> 200 merged bins of
  // 5 + 5 devices.
  std::vector<double> a(1000, 1.0), b(1000, 1.0);
  const ChiSquare c = two_sample_chi_square(a, b);
  EXPECT_EQ(c.df, 199);
  // Unequal samples: the smaller one sets the merge (b expects (a+b)/5 per bin: 25 bins of 20 + 5).
  const ChiSquare u = two_sample_chi_square(std::vector<double>(100, 4.0), std::vector<double>(100, 1.0));
  EXPECT_EQ(u.df, 19);
  EXPECT_NEAR(u.statistic, 0.0, 1e-12);
  EXPECT_EQ(c.statistic, 0.0);
  // A short tail joins the last merged bin instead of forming its own.
  const ChiSquare t = two_sample_chi_square({10, 10, 1}, {10, 10, 0});
  EXPECT_EQ(t.df, 1);
  // Empty against non-empty disagrees; empty against empty agrees.
  EXPECT_FALSE(p_agrees(two_sample_chi_square({}, {5, 5}).p));
  EXPECT_TRUE(p_agrees(two_sample_chi_square({}, {}).p));
}

TEST(CompareStats, ChiSquareHandComputed) {
  // Two bins, a = (30, 70), b = (50, 50), n1 = n2 = 100: Σ (a − b)² / (a + b) = 400/80 + 400/120.
  const ChiSquare c = two_sample_chi_square({30, 70}, {50, 50});
  EXPECT_NEAR(c.statistic, 400.0 / 80 + 400.0 / 120, 1e-12);
  EXPECT_EQ(c.df, 1);
  EXPECT_NEAR(c.p, std::erfc(std::sqrt(c.statistic / 2)), 1e-12);
}

// ---- synthetic output folders ----

class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            fmt::format("mc_compare_{}_{}_{}_{}", ::getpid(), info->test_suite_name(), info->name(), name);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  ASSERT_TRUE(out) << path;
  out << text;
}

std::string g9(double v) { return fmt::format("{:.9g}", v); }

std::string manifest(const std::string& workload, const std::string& fingerprint, const std::string& scenario_json) {
  return fmt::format(R"({{
  "memcarlo_version": "0.1.0",
  "scenario_name": "synthetic",
  "fingerprint": "{}",
  "workload": "{}",
  "backend": "cpu",
  "seeds": [1],
  "events": {{"set": 1, "reset": 1, "read": 2}},
  "scenario": {{"workload": "{}", "seed": 1.0, {}}},
  "complete": true
}}
)",
                     fingerprint, workload, workload, scenario_json);
}

/// One state's synthetic reads at a checkpoint: counts per conductance bin index (0.1 ln-wide bins from 1 µS).
struct StateSample {
  std::map<int, double> bins;
  double mean_shift = 0;  // added to the written mean, to fake a shifted mean with the histogram unchanged
};

double bin_lo(int b) { return std::exp(0.1 * b); }
double bin_mid(int b) { return std::exp(0.1 * (b + 0.5)); }

void moments(const StateSample& s, double& n, double& mean, double& sd) {
  n = 0;
  double sum = 0, sq = 0;
  for (const auto& [b, c] : s.bins) n += c, sum += c * bin_mid(b);
  mean = sum / n;
  for (const auto& [b, c] : s.bins) sq += c * (bin_mid(b) - mean) * (bin_mid(b) - mean);
  sd = std::sqrt(sq / (n - 1));
}

struct Checkpoint {
  long long cycle;
  StateSample lrs, hrs;
  double failed, stuck_lrs, stuck_hrs, unformed, ber1, ber2;
};

struct EnduranceRun {
  std::string fingerprint = "00000000000000aa";
  long long devices = 0;
  long long cycles = 0;
  std::vector<Checkpoint> checkpoints;
};

void write_endurance(const std::string& dir, const EnduranceRun& run) {
  write_file(dir + "/manifest.json",
             manifest("endurance", run.fingerprint,
                      fmt::format(R"("endurance.devices": {}.0, "endurance.cycles": {}.0, "endurance.checkpoints_per_decade": 4.0)",
                                  run.devices, run.cycles)));
  std::string cp =
      "cycle,lrs_mean_uS,lrs_std_uS,lrs_p0.1_uS,lrs_p1_uS,lrs_p50_uS,lrs_p99_uS,lrs_p99.9_uS,hrs_mean_uS,hrs_std_uS,"
      "hrs_p0.1_uS,hrs_p1_uS,hrs_p50_uS,hrs_p99_uS,hrs_p99.9_uS,window_ratio,window_margin_uS,failed_fraction,"
      "stuck_lrs_fraction,stuck_hrs_fraction,unformed_fraction,weibull_cdf,ber_1t1r,ber_2t2r,energy_per_device_pJ\n";
  std::string hist = "cycle,state,bin_lo_uS,bin_hi_uS,devices\n";
  for (const Checkpoint& c : run.checkpoints) {
    cp += std::to_string(c.cycle);
    for (const StateSample* s : {&c.lrs, &c.hrs}) {
      double n, mean, sd;
      moments(*s, n, mean, sd);
      cp += "," + g9(mean + s->mean_shift) + "," + g9(sd);
      for (int q = 0; q < 5; ++q) cp += "," + g9(mean);  // quantiles: not compared
    }
    for (double v : {10.0, 20.0, c.failed, c.stuck_lrs, c.stuck_hrs, c.unformed, 0.0, c.ber1, c.ber2, 400.0 * c.cycle})
      cp += "," + g9(v);
    cp += "\n";
    for (const auto& [state, s] : {std::pair{"LRS", &c.lrs}, std::pair{"HRS", &c.hrs}})
      for (const auto& [b, n] : s->bins)
        if (n > 0) hist += fmt::format("{},{},{},{},{}\n", c.cycle, state, g9(bin_lo(b)), g9(bin_lo(b + 1)), n);
  }
  write_file(dir + "/checkpoints.csv", cp);
  write_file(dir + "/histograms.csv", hist);
  const Checkpoint& last = run.checkpoints.back();
  write_file(dir + "/results.csv",
             "point,workload,devices,cycles,compliance_uA,read_threshold_uS,seed,lrs_p50_uS,hrs_p50_uS,failed_fraction,"
             "ber_1t1r,ber_2t2r,energy_per_device_pJ,wall_s\n" +
                 fmt::format("0,endurance,{},{},66.7,20,1,90,3,{},{},{},8000,1.5\n", run.devices, run.cycles,
                             g9(last.failed), g9(last.ber1), g9(last.ber2)));
}

/// Log-normal reads binned on 0.1-ln bins, drawn from `rng`.
StateSample draw_state(std::mt19937& rng, long long n, double median, double sigma_ln) {
  std::normal_distribution<double> z(0.0, 1.0);
  StateSample s;
  for (long long i = 0; i < n; ++i) s.bins[static_cast<int>(std::floor((std::log(median) + sigma_ln * z(rng)) / 0.1))] += 1;
  return s;
}

double draw_fraction(std::mt19937& rng, long long n, double p) {
  return static_cast<double>(std::binomial_distribution<long long>(n, p)(rng)) / n;
}

/// An endurance run of `devices` devices with checkpoints 1, 10, 100, 1000, every quantity drawn from `rng`.
EnduranceRun draw_endurance(std::mt19937& rng, long long devices) {
  EnduranceRun run;
  run.devices = devices;
  run.cycles = 1000;
  long long prev = 0;
  for (long long c : {1LL, 10LL, 100LL, 1000LL}) {
    Checkpoint k;
    k.cycle = c;
    const double wear = std::log10(static_cast<double>(c));
    k.lrs = draw_state(rng, devices, 90.0 - 5 * wear, 0.15);
    k.hrs = draw_state(rng, devices, 2.0 + 0.3 * wear, 0.6);
    k.stuck_lrs = draw_fraction(rng, devices, 0.002 * wear);
    k.stuck_hrs = draw_fraction(rng, devices, 0.001 * wear);
    k.unformed = draw_fraction(rng, devices, 0.01);
    k.failed = k.stuck_lrs + k.stuck_hrs + k.unformed;
    // BER: a per-device error propensity (correlated errors within a device), errors drawn per bit.
    const long long interval = c - prev;
    prev = c;
    std::gamma_distribution<double> propensity(0.5, 0.01 / 0.5);  // mean 1 %, heavy spread across devices
    double e1 = 0, e2 = 0;
    for (long long d = 0; d < devices; ++d) {
      const double p = std::min(1.0, propensity(rng));
      e1 += static_cast<double>(std::binomial_distribution<long long>(2 * interval, p)(rng));
      if (d % 2 == 0) e2 += static_cast<double>(std::binomial_distribution<long long>(2 * interval, p / 4)(rng));
    }
    k.ber1 = e1 / (2.0 * devices * interval);
    k.ber2 = e2 / (2.0 * (devices / 2) * interval);
    run.checkpoints.push_back(k);
  }
  return run;
}

const CompareRow* find_row(const CompareReport& r, const std::string& metric, const std::string& where) {
  for (const CompareRow& row : r.rows)
    if (row.metric == metric && row.where == where) return &row;
  return nullptr;
}

std::string disagreements(const CompareReport& r) {
  std::string s;
  for (const CompareRow& row : r.rows)
    if (!row.agree) s += fmt::format("  {} @ {}: {} vs {} ({} {})\n", row.metric, row.where, row.ref, row.test, row.test_kind, row.z_or_p);
  return s;
}

TEST(CompareFolders, IdenticalEnduranceFoldersAgree) {
  std::mt19937 rng(11);
  const EnduranceRun run = draw_endurance(rng, 2000);
  TempDir a("a"), b("b");
  write_endurance(a.str(), run);
  write_endurance(b.str(), run);
  const CompareReport r = compare_folders(a.str(), b.str());
  ASSERT_EQ(r.rows.size(), 4u * 10u);  // per checkpoint: 2 means, 4 fractions, 2 BERs, 2 histograms
  EXPECT_TRUE(r.all_agree) << disagreements(r);
  for (const CompareRow& row : r.rows) {
    EXPECT_EQ(row.ref, row.test) << row.metric << " " << row.where;
    if (row.test_kind.rfind("chi2", 0) == 0) {
      EXPECT_EQ(row.z_or_p, 1.0) << row.metric;
    } else {
      EXPECT_EQ(row.z_or_p, 0.0) << row.metric;
    }
  }
  const CompareRow* lrs = find_row(r, "lrs_mean_uS", "cycle 100");
  ASSERT_NE(lrs, nullptr);
  EXPECT_EQ(lrs->test_kind, "z mean");
  const CompareRow* hist = find_row(r, "HRS histogram", "cycle 1000");
  ASSERT_NE(hist, nullptr);
  EXPECT_EQ(hist->ref, 2000.0);  // χ² rows report the devices in each histogram
  EXPECT_GT(hist->test_kind.size(), 5u);
  const std::string text = format_report(r);
  EXPECT_NE(text.find("all 40 checks agree"), std::string::npos) << text;
}

TEST(CompareFolders, LrsMeanShiftedByTenStandardErrorsDisagrees) {
  std::mt19937 rng(12);
  const EnduranceRun run = draw_endurance(rng, 2000);
  EnduranceRun shifted = run;
  double n, mean, sd;
  moments(shifted.checkpoints[2].lrs, n, mean, sd);
  shifted.checkpoints[2].lrs.mean_shift = 10.0 * std::sqrt(2.0 * sd * sd / n);  // 10 SE of the difference
  TempDir a("a"), b("b");
  write_endurance(a.str(), run);
  write_endurance(b.str(), shifted);
  const CompareReport r = compare_folders(a.str(), b.str());
  EXPECT_FALSE(r.all_agree);
  const CompareRow* row = find_row(r, "lrs_mean_uS", "cycle 100");
  ASSERT_NE(row, nullptr);
  EXPECT_FALSE(row->agree);
  EXPECT_NEAR(row->z_or_p, 10.0, 1e-3);
  for (const CompareRow& other : r.rows)
    if (&other != row) {
      EXPECT_TRUE(other.agree) << other.metric << " " << other.where;
    }
  const std::string text = format_report(r);
  EXPECT_NE(text.find("1 of 40 checks disagree"), std::string::npos) << text;
  EXPECT_NE(text.find("DISAGREE"), std::string::npos);
}

TEST(CompareFolders, ShiftedHistogramDisagreesByChiSquare) {
  std::mt19937 rng(13);
  const EnduranceRun run = draw_endurance(rng, 4000);
  EnduranceRun shifted = run;
  // Move the HRS distribution at cycle 10 up by 0.2 in ln G (two bins), keeping the written mean and sd.
  StateSample& hrs = shifted.checkpoints[1].hrs;
  double n0, mean0, sd0;
  moments(hrs, n0, mean0, sd0);
  std::map<int, double> moved;
  for (const auto& [b, c] : hrs.bins) moved[b + 2] = c;
  hrs.bins = moved;
  double n1, mean1, sd1;
  moments(hrs, n1, mean1, sd1);
  hrs.mean_shift = mean0 - mean1;  // the mean test alone would not see it
  TempDir a("a"), b("b");
  write_endurance(a.str(), run);
  write_endurance(b.str(), shifted);
  const CompareReport r = compare_folders(a.str(), b.str());
  const CompareRow* row = find_row(r, "HRS histogram", "cycle 10");
  ASSERT_NE(row, nullptr);
  EXPECT_FALSE(row->agree);
  EXPECT_LT(row->z_or_p, 1e-10);
  EXPECT_TRUE(find_row(r, "LRS histogram", "cycle 10")->agree);
  EXPECT_TRUE(find_row(r, "HRS histogram", "cycle 100")->agree);
}

TEST(CompareFolders, IndependentSamplesOfOneModelAgree) {
  // Two seeds of one model, including BER with strongly correlated errors within a device (a binomial SE over
  // all bits would flag these), must agree.
  std::mt19937 rng_a(101), rng_b(202);
  EnduranceRun ra = draw_endurance(rng_a, 5000), rb = draw_endurance(rng_b, 5000);
  rb.fingerprint = "00000000000000bb";  // different seeds: different fingerprints, still compared
  TempDir a("a"), b("b");
  write_endurance(a.str(), ra);
  write_endurance(b.str(), rb);
  const CompareReport r = compare_folders(a.str(), b.str());
  ASSERT_EQ(r.rows.size(), 40u);
  EXPECT_TRUE(r.all_agree) << disagreements(r);
  // The samples do differ: the statistics are not trivially zero.
  EXPECT_NE(find_row(r, "lrs_mean_uS", "cycle 1")->z_or_p, 0.0);
  EXPECT_LT(find_row(r, "LRS histogram", "cycle 1")->z_or_p, 1.0);
}

TEST(CompareFolders, BerUsesPerDeviceStandardError) {
  // 1000 devices, interval 999 cycles: BER 1.0 % vs 1.3 % is z ≈ 39 over 2·10⁶ bits but z ≈ 0.6 over 1000
  // devices. The comparison uses devices.
  std::mt19937 rng(14);
  EnduranceRun ra = draw_endurance(rng, 1000);
  EnduranceRun rb = ra;
  ra.checkpoints[3].ber1 = 0.010;
  rb.checkpoints[3].ber1 = 0.013;
  TempDir a("a"), b("b");
  write_endurance(a.str(), ra);
  write_endurance(b.str(), rb);
  const CompareReport r = compare_folders(a.str(), b.str());
  const CompareRow* row = find_row(r, "ber_1t1r", "cycle 1000");
  ASSERT_NE(row, nullptr);
  EXPECT_NEAR(row->z_or_p, two_proportion_z(0.010, 1000, 0.013, 1000), 1e-12);
  EXPECT_EQ(row->test_kind, "z BER/device");
  EXPECT_TRUE(row->agree);
  EXPECT_EQ(find_row(r, "ber_2t2r", "cycle 1000")->test_kind, "z BER/pair");
}

TEST(CompareFolders, FailedFractionDifferenceDisagrees) {
  std::mt19937 rng(15);
  EnduranceRun ra = draw_endurance(rng, 10000);
  EnduranceRun rb = ra;
  rb.checkpoints[3].failed = ra.checkpoints[3].failed + 0.02;  // ~0.03 -> 0.05, z ≈ 7
  TempDir a("a"), b("b");
  write_endurance(a.str(), ra);
  write_endurance(b.str(), rb);
  const CompareReport r = compare_folders(a.str(), b.str());
  const CompareRow* row = find_row(r, "failed_fraction", "cycle 1000");
  ASSERT_NE(row, nullptr);
  EXPECT_FALSE(row->agree);
  EXPECT_GT(row->z_or_p, 4.0);
  EXPECT_EQ(row->test_kind, "z proportion");
}

// ---- write_verify ----

struct WriteVerifyRun {
  std::string fingerprint = "00000000000000cc";
  long long devices = 0;
  std::map<int, std::pair<double, double>> pulses;  // set_pulses -> (converged, unconverged)
};

void write_write_verify(const std::string& dir, const WriteVerifyRun& run) {
  write_file(dir + "/manifest.json",
             manifest("write_verify", run.fingerprint,
                      fmt::format(R"("write_verify.devices": {}.0, "write_verify.max_pulses": 200.0)", run.devices)));
  std::string ph = "set_pulses,converged_devices,unconverged_devices\n";
  double conv = 0, set = 0;
  for (const auto& [k, c] : run.pulses) {
    ph += fmt::format("{},{},{}\n", k, c.first, c.second);
    conv += c.first;
    set += k * (c.first + c.second);
  }
  write_file(dir + "/pulses_histogram.csv", ph);
  write_file(dir + "/final_error.csv", "relative_error_lo,relative_error_hi,devices\n-0.01,0,5\n0,0.01,7\n");
  write_file(dir + "/results.csv",
             "point,workload,devices,target_uS,tolerance,law,max_pulses,seed,converged_fraction,mean_set_pulses,"
             "mean_reset_pulses,mean_reads,mean_relative_error,rms_relative_error,energy_per_device_pJ,wall_s\n" +
                 fmt::format("0,write_verify,{},50,0.05,incremental,200,1,{},{},1.1,{},-0.01,0.08,1800,0.2\n",
                             run.devices, g9(conv / run.devices), g9(set / run.devices), g9(set / run.devices)));
}

WriteVerifyRun draw_write_verify(std::mt19937& rng, long long devices, double p_converge) {
  WriteVerifyRun run;
  run.devices = devices;
  std::bernoulli_distribution ok(p_converge);
  std::negative_binomial_distribution<int> pulses(8, 0.35);
  for (long long d = 0; d < devices; ++d) {
    if (ok(rng)) run.pulses[std::min(199, 1 + pulses(rng))].first += 1;
    else run.pulses[200].second += 1;
  }
  return run;
}

TEST(CompareFolders, WriteVerifySameModelAgreesAndDifferentModelDoesNot) {
  std::mt19937 rng_a(1), rng_b(2);
  const WriteVerifyRun ra = draw_write_verify(rng_a, 20000, 0.98);
  WriteVerifyRun rb = draw_write_verify(rng_b, 20000, 0.98);
  rb.fingerprint = "00000000000000dd";
  TempDir a("a"), b("b"), c("c"), d("d");
  write_write_verify(a.str(), ra);
  write_write_verify(b.str(), rb);
  const CompareReport same = compare_folders(a.str(), a.str());
  ASSERT_EQ(same.rows.size(), 3u);
  EXPECT_TRUE(same.all_agree);
  for (const CompareRow& row : same.rows) EXPECT_EQ(row.ref, row.test);

  const CompareReport indep = compare_folders(a.str(), b.str());
  EXPECT_TRUE(indep.all_agree) << disagreements(indep);
  const CompareRow* conv = find_row(indep, "converged_fraction", "all devices");
  ASSERT_NE(conv, nullptr);
  EXPECT_NEAR(conv->ref, 0.98, 0.005);
  EXPECT_NE(find_row(indep, "mean_set_pulses", "all devices"), nullptr);
  EXPECT_NE(find_row(indep, "SET pulses histogram", "converged devices"), nullptr);

  // Converging 95 % instead of 98 %: the converged fraction disagrees (z ≈ 17).
  std::mt19937 rng_c(3);
  write_write_verify(c.str(), draw_write_verify(rng_c, 20000, 0.95));
  const CompareReport worse = compare_folders(a.str(), c.str());
  EXPECT_FALSE(find_row(worse, "converged_fraction", "all devices")->agree);

  // Two more pulses for every converged device: the mean (z ≈ 7; the 2 % stuck at 200 pulses dominate its SE)
  // and the histogram disagree.
  WriteVerifyRun slow = ra;
  slow.pulses.clear();
  for (const auto& [k, v] : ra.pulses) {
    slow.pulses[std::min(200, k + 2)].first += v.first;
    slow.pulses[k].second += v.second;
  }
  write_write_verify(d.str(), slow);
  const CompareReport late = compare_folders(a.str(), d.str());
  EXPECT_FALSE(find_row(late, "mean_set_pulses", "all devices")->agree);
  EXPECT_FALSE(find_row(late, "SET pulses histogram", "converged devices")->agree);
  EXPECT_TRUE(find_row(late, "converged_fraction", "all devices")->agree);
}

// ---- refusals ----

TEST(CompareFolders, RefusesIncomparableRuns) {
  std::mt19937 rng(16);
  const EnduranceRun run = draw_endurance(rng, 500);
  TempDir a("a"), b("b"), c("c"), d("d"), e("e");
  write_endurance(a.str(), run);
  std::mt19937 rng2(17);
  write_write_verify(b.str(), draw_write_verify(rng2, 500, 0.9));
  EnduranceRun more = run;
  more.devices = 1000;
  write_endurance(c.str(), more);
  EnduranceRun fewer_checkpoints = run;
  fewer_checkpoints.checkpoints.pop_back();
  write_endurance(d.str(), fewer_checkpoints);

  auto message = [](const std::string& x, const std::string& y) -> std::string {
    try {
      compare_folders(x, y);
    } catch (const std::runtime_error& err) {
      return err.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(message(a.str(), b.str()), "compare: the runs are not comparable: " + a.str() + " is a endurance run but " +
                                           b.str() + " is a write_verify run");
  EXPECT_EQ(message(a.str(), c.str()), "compare: the runs are not comparable: endurance.devices is 500 in " + a.str() +
                                           " but 1000 in " + c.str());
  EXPECT_NE(message(a.str(), d.str()).find("different checkpoint cycles"), std::string::npos);
  // A folder without a manifest, and one whose run did not finish.
  EXPECT_NE(message(a.str(), e.str()).find(e.str() + "/manifest.json: cannot open"), std::string::npos);
  write_file(e.str() + "/manifest.json", R"({"workload": "endurance", "complete": false})");
  EXPECT_NE(message(a.str(), e.str()).find("did not finish"), std::string::npos);
  // A malformed CSV cell names the file, line and column.
  write_endurance(e.str(), run);
  std::string text;
  {
    std::ifstream in(e.str() + "/checkpoints.csv");
    std::string line;
    for (int i = 0; std::getline(in, line); ++i) {
      if (i == 1) {  // first data row: its lrs_mean_uS cell becomes text
        const std::size_t c1 = line.find(','), c2 = line.find(',', c1 + 1);
        line = line.substr(0, c1 + 1) + "abc" + line.substr(c2);
      }
      text += line + "\n";
    }
  }
  write_file(e.str() + "/checkpoints.csv", text);
  EXPECT_NE(message(a.str(), e.str()).find("checkpoints.csv:2: column 'lrs_mean_uS': 'abc' is not a number"),
            std::string::npos)
      << message(a.str(), e.str());
}

TEST(CompareReportText, AlignedTableAndSummaryLine) {
  CompareReport r;
  r.rows.push_back({"lrs_mean_uS", "cycle 1", 99.73, 99.71, -0.5, "z mean", true});
  r.rows.push_back({"LRS histogram", "cycle 1000", 100000, 100000, 1e-9, "chi2 df=37", false});
  r.all_agree = false;
  const std::string text = format_report(r);
  EXPECT_NE(text.find("metric"), std::string::npos);
  EXPECT_NE(text.find("verdict"), std::string::npos);
  EXPECT_NE(text.find("z = -0.50"), std::string::npos) << text;
  EXPECT_NE(text.find("p = 1e-09 (chi2 df=37)"), std::string::npos) << text;
  EXPECT_NE(text.find("DISAGREE"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - std::string("1 of 2 checks disagree\n").size()), "1 of 2 checks disagree\n");
  // Columns line up: "where" starts at the same offset on every table line.
  std::vector<std::string> lines;
  for (std::size_t p = 0, q; (q = text.find('\n', p)) != std::string::npos; p = q + 1) lines.push_back(text.substr(p, q - p));
  ASSERT_EQ(lines.size(), 4u);
  const std::size_t col = lines[0].find("where");
  EXPECT_EQ(lines[1].find("cycle 1"), col);
  EXPECT_EQ(lines[2].find("cycle 1000"), col);
}

}  // namespace
}  // namespace mc
