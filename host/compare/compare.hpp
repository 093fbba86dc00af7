// `memcarlo compare`: do two output folders of one point of the same scenario (CPU reference against a GPU run,
// or two CPU thread counts, or two seeds) agree within Monte Carlo error? Reads the files a run writes
// (manifest.json, checkpoints.csv, histograms.csv / pulses_histogram.csv) and tests every checkpoint statistic.
//
// Tests and thresholds (DESIGN.md, Tests: "mean within 4 SE; χ² p > 1e-4"):
//   - means: two-sample z, SE² = s1²/n1 + s2²/n2, n = devices read at that checkpoint;
//   - per-device fractions (failed, stuck, unformed, converged): two-proportion z with the pooled proportion;
//   - bit error rates: two-proportion z with a per-device (1T1R) or per-pair (2T2R) effective sample size, because
//     the errors of one device across cycles are correlated (see ber_z in compare.cpp);
//   - distributions: two-sample χ² on the histograms, bins merged until each sample expects ≥ 5 counts.
// A row agrees when |z| ≤ 4, or p ≥ 1e-4 for χ². With ~10 tests per checkpoint and ~20 checkpoints, the chance
// that two runs of one model raise a false alarm somewhere stays near 1 %.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mc {

struct CompareRow {
  std::string metric;     // e.g. "lrs_mean_uS", "LRS histogram", "converged_fraction"
  std::string where;      // e.g. "cycle 1000", "all devices"
  double ref;             // value in the reference folder (for χ² rows: devices in the reference histogram)
  double test;            // value in the test folder (for χ² rows: devices in the test histogram)
  double z_or_p;          // z for the z tests, the p-value for χ² rows
  std::string test_kind;  // "z mean", "z proportion", "z BER/device", "z BER/pair", "chi2 df=K"
  bool agree;
};

struct CompareReport {
  std::vector<CompareRow> rows;
  bool all_agree;
};

/// Compare two output folders of one point of one scenario. Throws std::runtime_error when a folder lacks a file
/// the workload writes, is not a finished run, or when the two runs are not comparable (different workloads,
/// device counts, cycle counts or checkpoints). Different fingerprints (e.g. different --seed) are allowed.
CompareReport compare_folders(const std::string& ref_dir, const std::string& test_dir);

/// An aligned plain-text table (metric, where, reference, test, statistic, verdict) and a last line
/// `all N checks agree` or `K of N checks disagree`.
std::string format_report(const CompareReport& report);

// ---- The statistics, exposed for tests. ----

/// |z| ≤ 4 for z tests.
constexpr double kCompareMaxZ = 4.0;
/// p ≥ 1e-4 for χ² tests.
constexpr double kCompareMinP = 1e-4;

/// Regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), a > 0, x ≥ 0 (series for x < a + 1,
/// Lentz continued fraction otherwise).
double regularized_gamma_q(double a, double x);

/// Upper-tail p-value of a χ² statistic x with df degrees of freedom: Q(df/2, x/2).
double chi_square_p(double x, int df);

/// Two-sample z of means: (m2 − m1) / sqrt(s1²/n1 + s2²/n2). Identical means give 0 (also when both are NaN);
/// zero SE with different means gives ±inf; one NaN gives NaN.
double two_mean_z(double m1, double s1, double n1, double m2, double s2, double n2);

/// Two-proportion z with the pooled proportion: (p2 − p1) / sqrt(p̄(1 − p̄)(1/n1 + 1/n2)), same conventions.
double two_proportion_z(double p1, double n1, double p2, double n2);

struct ChiSquare {
  double statistic = 0;
  int df = 0;
  double p = 1;
};

/// Two-sample χ² test of homogeneity of two histograms over the same bins (counts a[i], b[i]). Bins are merged
/// left to right until each sample's expected count (a+b)·n_k/(n1+n2) is ≥ 5 (for equal sample sizes: a merged
/// bin holds ≥ 10 devices of the two runs together); a short tail joins the last merged bin. Statistic
/// Σ (√(n2/n1)·a − √(n1/n2)·b)² / (a + b), df = merged bins − 1. Fewer than two merged bins: statistic 0, df 0,
/// p 1. One sample empty and the other not: p 0.
ChiSquare two_sample_chi_square(const std::vector<double>& a, const std::vector<double>& b);

/// True when the row's statistic passes: |z| ≤ 4 (z rows) or p ≥ 1e-4 (χ² rows); NaN fails.
bool z_agrees(double z);
bool p_agrees(double p);

}  // namespace mc
