// Validation of the mcmc workload against known answers (fixed seeds; tolerances in Monte Carlo standard
// errors from the chains' effective sample size):
//  - an ideal device (constant sigma, no read noise, no bounds in reach) samples the exact Gaussian posterior of
//    a Bayesian linear regression: means, standard deviations and correlations, R-hat < 1.01;
//  - device proposals whose sigma grows with G: with the Hastings correction the chain still samples the
//    target; with the plain ratio it samples a different distribution, whose mean we compute independently
//    as the stationary vector of the discretized plain kernel, and the test pins the bias's sign (down, about
//    a quarter of a posterior sd here) and size;
//  - the shipped breast-cancer (>= 95 % held-out accuracy with the default HfO2 preset) and cart-pole
//    (>= 195 of 200 steps) scenarios.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <map>

#include "io/csv.hpp"
#include "scenario/scenario.hpp"
#include "workloads/mcmc/mcmc.hpp"
#include "workloads/mcmc/diagnostics.hpp"
#include "workloads/run.hpp"
#include "endurance/ber.hpp"  // Gauss-Hermite nodes
#include "build_info.h"

namespace mc {
namespace {

namespace fs = std::filesystem;

/// Kept samples (every `thin` steps after `burn` steps) of every parameter, chains x draws.
std::vector<ChainDraws> sample(const McmcProblem& pb, int chains, std::uint64_t burn, std::uint64_t kept, std::uint64_t thin) {
  RunHooks hooks;
  auto ch = make_mcmc_chains(Backend{}, pb, chains, false, hooks);
  ch->init();
  ch->steps(0, burn);
  std::vector<ChainDraws> d(pb.params.params);
  for (auto& x : d) x.chains = chains, x.draws = kept, x.x.resize(static_cast<std::size_t>(chains) * kept);
  std::vector<float> w(pb.params.params);
  for (std::uint64_t k = 0; k < kept; ++k) {
    ch->steps(burn + k * thin, burn + (k + 1) * thin);
    for (int c = 0; c < chains; ++c) {
      chain_weights(pb, ch->state(), c, w.data());
      for (int p = 0; p < pb.params.params; ++p) d[p].x[static_cast<std::size_t>(c) * kept + k] = w[p];
    }
  }
  return d;
}

const char* kIdealRegression = R"(workload: mcmc
seed: 7
device:
  preset: hfo2_1t1r
  lrs: {sigma_law: power, sigma_a: 4, sigma_p: 0, d2d_sigma_ln: 0}
  read: {noise: none}
  g_max: 10000000 uS
  wear: {weibull_scale: 1e15}
mcmc:
  task: linear_regression
  model: linear
  samples: 50
  features: 2
  noise_sigma: 0.5
  weights: reference
  weight_scale: 0.05
  g_init: 5000 uS
  g_ref: 5000 uS
  chains: 128
  iterations: 100
  thin: 10
)";

TEST(McmcValidation, IdealDeviceSamplesTheAnalyticPosterior) {
  const Scenario s = parse_scenario(kIdealRegression, "ideal.yaml");
  const McmcProblem pb = make_mcmc_problem(s);
  const int P = pb.params.params;
  ASSERT_EQ(P, 3);
  const std::vector<ChainDraws> d = sample(pb, 128, 2000, 400, 10);
  std::vector<Convergence> cv;
  for (const ChainDraws& x : d) cv.push_back(convergence(x));
  for (int p = 0; p < P; ++p) {
    const double mu = pb.analytic_mean[p], sd = std::sqrt(pb.analytic_cov[p * P + p]);
    EXPECT_LT(cv[p].rhat, 1.01) << p;
    EXPECT_NEAR(cv[p].mean, mu, 4 * cv[p].mcse_mean) << p;
    // The sd of an estimate of sd from ESS effective draws is about sd / sqrt(2 ESS).
    EXPECT_NEAR(cv[p].sd, sd, 4 * sd / std::sqrt(2 * cv[p].ess_bulk)) << p;
  }
  // Correlations: SE of a sample correlation ~ (1 - r^2) / sqrt(ESS).
  for (int a = 0; a < P; ++a)
    for (int b = a + 1; b < P; ++b) {
      double sab = 0;
      const std::size_t n = d[a].x.size();
      for (std::size_t i = 0; i < n; ++i) sab += (d[a].x[i] - cv[a].mean) * (d[b].x[i] - cv[b].mean);
      const double r = sab / (n - 1) / (cv[a].sd * cv[b].sd);
      const double r_true = pb.analytic_cov[a * P + b] / std::sqrt(pb.analytic_cov[a * P + a] * pb.analytic_cov[b * P + b]);
      const double ess = std::min(cv[a].ess_bulk, cv[b].ess_bulk);
      EXPECT_NEAR(r, r_true, 4 * (1 - r_true * r_true) / std::sqrt(ess) + 1e-3) << a << "," << b;
    }
}

/// One weight w = (G - g_ref)·scale; sigma = sqrt(G·1uS): steps grow with G, the plain ratio is biased.
std::string one_weight(const char* acceptance) {
  return std::string(R"(workload: mcmc
seed: 11
device:
  preset: hfo2_1t1r
  lrs: {sigma_law: sqrt, sigma_a: 1, d2d_sigma_ln: 0}
  read: {noise: none}
  wear: {weibull_scale: 1e15}
mcmc:
  task: linear_regression
  model: linear
  bias: false
  samples: 10
  features: 1
  noise_sigma: 0.5
  weights: reference
  weight_scale: 0.02
  g_init: 40 uS
  g_ref: 40 uS
  chains: 256
  iterations: 100
  thin: 10
  acceptance: )") + acceptance + "\n";
}

/// Mean weight under the stationary distribution of the plain kernel, computed on a grid of G: transition
/// density N(G'; G, G) times min(1, pi(G')/pi(G)), the rest of the mass staying put; the stationary vector
/// solves (T^T - I) rho = 0 with sum rho = 1 (Gaussian elimination).
double plain_stationary_mean(double mu, double sd, double g_ref, double scale) {
  const int m = 700;
  const double lo = 0.5, hi = 140.0, h = (hi - lo) / (m - 1);
  std::vector<double> g(m), logpi(m);
  for (int i = 0; i < m; ++i) {
    g[i] = lo + i * h;
    const double w = (g[i] - g_ref) * scale;
    logpi[i] = -0.5 * (w - mu) * (w - mu) / (sd * sd);
  }
  std::vector<double> a(static_cast<std::size_t>(m) * m, 0.0);  // a = T^T - I
  for (int i = 0; i < m; ++i) {
    const double s = std::sqrt(g[i]);
    double out = 0;
    for (int k = 0; k < m; ++k) {
      if (k == i) continue;
      const double z = (g[k] - g[i]) / s;
      const double t = std::exp(-0.5 * z * z) / (s * std::sqrt(2 * M_PI)) * h * std::min(1.0, std::exp(logpi[k] - logpi[i]));
      a[static_cast<std::size_t>(k) * m + i] += t;
      out += t;
    }
    a[static_cast<std::size_t>(i) * m + i] -= out;
  }
  std::vector<double> b(m, 0.0);
  for (int i = 0; i < m; ++i) a[static_cast<std::size_t>(m - 1) * m + i] = 1.0;
  b[m - 1] = 1.0;
  for (int c = 0; c < m; ++c) {
    int piv = c;
    for (int r = c + 1; r < m; ++r)
      if (std::fabs(a[static_cast<std::size_t>(r) * m + c]) > std::fabs(a[static_cast<std::size_t>(piv) * m + c])) piv = r;
    for (int k = 0; k < m; ++k) std::swap(a[static_cast<std::size_t>(c) * m + k], a[static_cast<std::size_t>(piv) * m + k]);
    std::swap(b[c], b[piv]);
    for (int r = c + 1; r < m; ++r) {
      const double f = a[static_cast<std::size_t>(r) * m + c] / a[static_cast<std::size_t>(c) * m + c];
      if (f == 0) continue;
      for (int k = c; k < m; ++k) a[static_cast<std::size_t>(r) * m + k] -= f * a[static_cast<std::size_t>(c) * m + k];
      b[r] -= f * b[c];
    }
  }
  std::vector<double> rho(m);
  for (int r = m - 1; r >= 0; --r) {
    double v = b[r];
    for (int k = r + 1; k < m; ++k) v -= a[static_cast<std::size_t>(r) * m + k] * rho[k];
    rho[r] = v / a[static_cast<std::size_t>(r) * m + r];
  }
  double mean = 0, total = 0;
  for (int i = 0; i < m; ++i) mean += rho[i] * (g[i] - g_ref) * scale, total += rho[i];
  return mean / total;
}

TEST(McmcValidation, HastingsIsExactAndPlainIsBiasedAsPredicted) {
  const McmcProblem hp = make_mcmc_problem(parse_scenario(one_weight("hastings"), "one.yaml"));
  const McmcProblem pp = make_mcmc_problem(parse_scenario(one_weight("plain"), "one.yaml"));
  ASSERT_EQ(hp.params.params, 1);
  const double mu = hp.analytic_mean[0], sd = std::sqrt(hp.analytic_cov[0]);
  // The posterior sits well inside the conductance range: G = 40 uS + w / 0.02 with sd ~ 10 uS.
  ASSERT_GT(sd / 0.02, 5.0);
  const Convergence h = convergence(sample(hp, 256, 2000, 400, 10)[0]);
  const Convergence p = convergence(sample(pp, 256, 2000, 400, 10)[0]);
  EXPECT_LT(h.rhat, 1.01);
  EXPECT_NEAR(h.mean, mu, 4 * h.mcse_mean);
  EXPECT_NEAR(h.sd, sd, 4 * sd / std::sqrt(2 * h.ess_bulk));
  const double predicted = plain_stationary_mean(mu, sd, 40.0, 0.02);
  // The plain chain lingers where its steps are small (small G: a proposal from there lands nearby, one from
  // large G scatters and is often refused), so the weight's mean moves down; the grid predicts by how much
  // (its discretization error is well below 1 % of sd).
  EXPECT_LT(predicted - mu, -6 * p.mcse_mean) << "the predicted bias is too small for this test to see";
  EXPECT_LT(p.mean - mu, -6 * p.mcse_mean);
  EXPECT_NEAR(p.mean, predicted, 4 * p.mcse_mean + 0.005 * sd);
}

/// Four weights of a linear regression, device proposals (sigma = sqrt(G·1uS)), conductances in 0.01-200 uS,
/// d2d 0, no read noise. Differential pairs (0.01 weight/uS): the pair difference reaches ~140 uS of the
/// 200 uS span. Reference weights (0.02 weight/uS around 100 uS): the posterior lies inside the range (its
/// truncation would bias the test) and proposals from its edge reach the bound.
std::string bounded_four_weights(const std::string& weights, const char* acceptance) {
  const char* scale = weights == "differential" ? "0.01" : "0.02";
  return std::string(R"(workload: mcmc
seed: 5
device:
  preset: hfo2_1t1r
  lrs: {sigma_law: sqrt, sigma_a: 1, d2d_sigma_ln: 0}
  hrs: {d2d_sigma_ln: 0}
  read: {noise: none}
  g_max: 200 uS
  wear: {weibull_scale: 1e15}
mcmc:
  task: linear_regression
  model: linear
  samples: 20
  test_fraction: 0.2
  features: 3
  noise_sigma: 0.5
  g_init: 100 uS
  g_ref: 100 uS
  chains: 128
  iterations: 100
  thin: 10
  weight_scale: )") + scale + "\n  weights: " + weights + "\n  acceptance: " + acceptance + "\n";
}

class HastingsLayout : public ::testing::TestWithParam<const char*> {};

// Differential pairs: the box [g_min, g_max]^2 holds each w on a segment of length (g_max - g_min) - |w|/s,
// which the corrected sampler divides out; reference weights need no such term. Both must sample the analytic
// posterior: mean and sd of each weight within 4 MCSE (sd's SE ~ sd / sqrt(2 ESS)).
TEST_P(HastingsLayout, SamplesTheAnalyticPosteriorWithBoundsInReach) {
  const McmcProblem pb = make_mcmc_problem(parse_scenario(bounded_four_weights(GetParam(), "hastings"), "four.yaml"));
  const int P = pb.params.params;
  ASSERT_EQ(P, 4);
  const std::vector<ChainDraws> d = sample(pb, 128, 20000, 1000, 40);
  for (int p = 0; p < P; ++p) {
    const Convergence cv = convergence(d[p]);
    const double mu = pb.analytic_mean[p], sd = std::sqrt(pb.analytic_cov[p * P + p]);
    EXPECT_LT(cv.rhat, 1.01) << p;
    EXPECT_NEAR(cv.mean, mu, 4 * cv.mcse_mean) << p;
    EXPECT_NEAR(cv.sd, sd, 4 * sd / std::sqrt(2 * cv.ess_bulk)) << p;
  }
}

INSTANTIATE_TEST_SUITE_P(Weights, HastingsLayout, ::testing::Values("differential", "reference"));

TEST(McmcValidation, LinearModelOnAUsersCsvSamplesItsAnalyticPosterior) {
  // A user's regression data: task csv with model linear, the last column a real-valued target. The weights
  // are those of the standardized features; the exact posterior (known noise sigma) is computed from the loaded
  // data, and the ideal device samples it: means and sds within 4 MCSE (sd's SE ~ sd / sqrt(2 ESS)).
  const fs::path dir = fs::temp_directory_path() / ("mc_csv_linear_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "reg.csv");
    f << "x1,x2,y\n";
    for (std::uint64_t i = 0; i < 60; ++i) {
      const F32x4 z = normals(philox(RngKey{3u, stream::kTest}, i, 0, 0));
      f << z.v[0] << "," << 2 * z.v[1] << "," << 1.5 * z.v[0] - 0.35 * z.v[1] + 0.3 + 0.5 * z.v[2] << "\n";
    }
  }
  std::string yaml = kIdealRegression;
  yaml.replace(yaml.find("  task: linear_regression"), std::string("  task: linear_regression").size(),
               "  task: csv\n  data: " + (dir / "reg.csv").string());
  const McmcProblem pb = make_mcmc_problem(parse_scenario(yaml, (dir / "csv.yaml").string()));
  fs::remove_all(dir);
  ASSERT_EQ(pb.params.model, McmcModel::kLinear);
  ASSERT_EQ(pb.classes, 0);
  ASSERT_EQ(pb.params.params, 3);
  ASSERT_EQ(pb.analytic_mean.size(), 3u);
  EXPECT_NE(pb.train_y[0], std::round(pb.train_y[0])) << "targets are real numbers, not class ids";
  const std::vector<ChainDraws> d = sample(pb, 128, 2000, 400, 10);
  for (int p = 0; p < 3; ++p) {
    const Convergence cv = convergence(d[p]);
    const double mu = pb.analytic_mean[p], sd = std::sqrt(pb.analytic_cov[p * 3 + p]);
    EXPECT_LT(cv.rhat, 1.01) << p;
    EXPECT_NEAR(cv.mean, mu, 4 * cv.mcse_mean) << p;
    EXPECT_NEAR(cv.sd, sd, 4 * sd / std::sqrt(2 * cv.ess_bulk)) << p;
  }
  EXPECT_GT(pb.analytic_mean[0], 1.0) << "the standardized x1 carries most of the signal";
}

/// Runs a shipped scenario into a temporary folder; returns its results row as column -> text.
std::map<std::string, std::string> run_shipped(const std::string& name) {
  const Scenario s = load_scenario(std::string(MC_SOURCE_DIR) + "/configs/scenarios/" + name);
  const fs::path out = fs::temp_directory_path() / ("mc_mcmc_" + name + std::to_string(::getpid()));
  fs::remove_all(out);
  RunOptions opt;
  opt.out_dir = out.string();
  opt.quiet = true;
  Backend cpu;
  cpu.name = "cpu";
  run_scenario(s, cpu, opt);
  const CsvFile t = read_csv(opt.out_dir + "/results.csv");
  std::map<std::string, std::string> row;
  for (std::size_t i = 0; i < t.header.size(); ++i) row[t.header[i]] = t.rows.at(0).at(i);
  fs::remove_all(out);
  return row;
}

/// Runs scenario text on the CPU into a temporary folder: its summary rows and results row.
std::pair<RunSummary, std::map<std::string, std::string>> run_text(const std::string& yaml, const std::string& tag) {
  const Scenario s = parse_scenario(yaml, tag + ".yaml");
  const fs::path out = fs::temp_directory_path() / ("mc_mcmc_" + tag + std::to_string(::getpid()));
  fs::remove_all(out);
  RunOptions opt;
  opt.out_dir = out.string();
  opt.quiet = true;
  Backend cpu;
  cpu.name = "cpu";
  const RunSummary sum = run_scenario(s, cpu, opt);
  const CsvFile t = read_csv(opt.out_dir + "/results.csv");
  std::map<std::string, std::string> row;
  for (std::size_t i = 0; i < t.header.size(); ++i) row[t.header[i]] = t.rows.at(0).at(i);
  fs::remove_all(out);
  return {sum, row};
}

TEST(McmcValidation, SummaryWarnsWhenChainsHaveNotConverged) {
  // The shipped breast-cancer scenario stops long before its chains mix (R-hat ~3): the summary must say so
  // first, and results.csv must carry the predictive R-hats and converged = no. A short run of the ideal
  // regression (R-hat < 1.01) must not warn.
  std::ifstream f(std::string(MC_SOURCE_DIR) + "/configs/scenarios/mcmc_breast_cancer.yaml");
  std::stringstream text;
  text << f.rdbuf();
  const auto [bad, bad_row] = run_text(text.str(), "bc");
  ASSERT_GT(std::stod(bad_row.at("max_rhat")), 1.01);
  EXPECT_EQ(bad_row.at("converged"), "false");
  EXPECT_FALSE(std::isnan(std::stod(bad_row.at("rhat_test_log_likelihood"))));
  ASSERT_FALSE(bad.rows.empty());
  EXPECT_NE(bad.rows.front().first.find("NOT CONVERGED"), std::string::npos) << bad.rows.front().first;
  std::string ideal = kIdealRegression;
  ideal.replace(ideal.find("iterations: 100"), 15, "iterations: 6000");
  const auto [good, good_row] = run_text(ideal, "ideal");
  EXPECT_EQ(good_row.at("converged"), "true") << good_row.at("max_rhat") << " " << good_row.at("rhat_test_log_likelihood");
  for (const auto& r : good.rows) EXPECT_EQ(r.first.find("NOT CONVERGED"), std::string::npos);
}

TEST(McmcValidation, ReadNoiseMakesHastingsSampleTheSmoothedPosterior) {
  // One weight w = (G - g_ref)·s read with 10 % Gaussian noise: each proposal is scored on a noisy read of its
  // devices and the accepted noisy score is kept (pseudo-marginal, as a chip does). The chain's stationary
  // density over G is then E_z[post((G(1 + 0.1 z) - g_ref)·s)] (post: the exact Gaussian posterior; z by
  // Gauss-Hermite, G on a grid), wider than the exact posterior. Checks: the chain's mean and sd match the
  // smoothed target within 4 SE (mean: MCSE; sd: sd / sqrt(2 ESS)), and diagnostics.csv's z_sd against the
  // exact posterior shows the widening (> 4).
  std::string yaml = one_weight("hastings");
  yaml.replace(yaml.find("  read: {noise: none}"), 21, "  read: {noise: gaussian, sigma_rel: 0.1}");
  yaml.replace(yaml.find("iterations: 100"), 15, "iterations: 4000");
  yaml += "  diagnostic_chains: 256\n  trace_chains: 0\n  stored_samples: 0\n  burn_in: 0.2\n";
  const Scenario s = parse_scenario(yaml, "noisy.yaml");
  const McmcProblem pb = make_mcmc_problem(s);
  const double mu = pb.analytic_mean[0], sd = std::sqrt(pb.analytic_cov[0]), scale = 0.02, g_ref = 40.0;
  double m0 = 0, m1 = 0, m2 = 0;
  for (double g = 0.5; g < 140.0; g += 0.01) {
    double f = 0;
    for (int i = 0; i < 8; ++i) {
      const double w = (g * (1 + 0.1 * kGh8X[i]) - g_ref) * scale;
      f += kGh8W[i] * std::exp(-0.5 * (w - mu) * (w - mu) / (sd * sd));
    }
    const double w = (g - g_ref) * scale;
    m0 += f, m1 += f * w, m2 += f * w * w;
  }
  const double s_mean = m1 / m0, s_sd = std::sqrt(m2 / m0 - s_mean * s_mean);
  const fs::path out = fs::temp_directory_path() / ("mc_mcmc_noisy" + std::to_string(::getpid()));
  fs::remove_all(out);
  RunOptions opt;
  opt.out_dir = out.string();
  opt.quiet = true;
  Backend cpu;
  cpu.name = "cpu";
  run_scenario(s, cpu, opt);
  const CsvFile d = read_csv(opt.out_dir + "/diagnostics.csv");
  fs::remove_all(out);
  const auto col = [&](const char* name) { return std::stod(d.rows.at(0).at(d.column(name))); };
  const double se_sd = s_sd / std::sqrt(2 * col("ess_bulk"));
  EXPECT_NEAR(col("mean"), s_mean, 4 * col("mcse_mean"));
  EXPECT_NEAR(col("sd"), s_sd, 4 * se_sd) << "exact sd " << sd;
  EXPECT_GT(s_sd - sd, 6 * se_sd) << "the smoothing is too small for this test to see";
  EXPECT_GT(col("z_sd"), 4.0);
  std::printf("noisy reads: sd %.5f, smoothed target %.5f, exact %.5f (z_sd %.1f)\n", col("sd"), s_sd, sd, col("z_sd"));
}

TEST(McmcValidation, BreastCancerReachesTheChipsAccuracy) {
  const auto r = run_shipped("mcmc_breast_cancer.yaml");
  EXPECT_GE(std::stod(r.at("test_accuracy")), 0.95);
  EXPECT_GT(std::stod(r.at("acceptance_rate")), 0.05);
}

TEST(McmcValidation, CartpolePolicyBalances) {
  const auto r = run_shipped("mcmc_cartpole.yaml");
  EXPECT_GE(std::stod(r.at("test_mean_return")), 195.0);
}

}  // namespace
}  // namespace mc
