// Compare rules of the mcmc workload (tests and thresholds: host/compare/compare.hpp):
//   - posterior mean of every weight: z = Δmean / sqrt(MCSE₁² + MCSE₂²), each MCSE from that run's own
//     diagnostics (bulk ESS over its diagnostic chains);
//   - posterior sd of every weight: z with SE(sd) ≈ sd·sqrt(1/(2·ESS_bulk)) per run (the large-sample SE of a
//     standard deviation, ESS standing in for the sample size);
//   - acceptance rate: pooled two-proportion z with one unit per chain (a chain's acceptances are correlated,
//     its rate lies in [0, 1], so Var ≤ p(1 − p)/chains whatever the correlation: conservative);
//   - ensemble test accuracy: pooled two-proportion z over the test points of predictive.csv;
//   - mean test log predictive density: Welch z over the test points of predictive.csv.
// The test-set rows treat the test points as the sample, as a comparison of two models on held-out data
// would: conservative for two ensembles of one posterior (their difference is Monte Carlo error only).
#include <cmath>
#include <fmt/format.h>
#include <map>

#include "compare/rules.hpp"
#include "workloads/mcmc/mcmc.hpp"

namespace mc {

namespace {

struct WeightRow {
  double mean, sd, mcse, ess;
};

std::map<std::string, WeightRow> read_weights(const std::string& dir) {
  const CsvFile d = read_csv(dir + "/diagnostics.csv");
  const std::size_t cn = d.require_column("name"), cm = d.require_column("mean"), cs = d.require_column("sd"),
                    ce = d.require_column("mcse_mean"), cb = d.require_column("ess_bulk");
  std::map<std::string, WeightRow> out;
  for (std::size_t r = 0; r < d.rows.size(); ++r)
    out[d.rows[r][cn]] = WeightRow{d.number(r, cm), d.number(r, cs), d.number(r, ce), d.number(r, cb)};
  return out;
}

struct Predictive {
  double n = 0, correct = 0, ll_mean = 0, ll_sd = 0;
  bool classes = false;
};

Predictive read_predictive(const std::string& dir) {
  const CsvFile p = read_csv(dir + "/predictive.csv");
  Predictive out;
  const std::size_t cc = p.require_column("correct"), cl = p.require_column("log_predictive");
  double s = 0, ss = 0;
  for (std::size_t r = 0; r < p.rows.size(); ++r) {
    if (!p.rows[r][cc].empty()) out.classes = true, out.correct += p.number(r, cc);
    const double v = p.number(r, cl);
    s += v, ss += v * v;
  }
  out.n = static_cast<double>(p.rows.size());
  out.ll_mean = out.n > 0 ? s / out.n : std::nan("");
  out.ll_sd = out.n > 1 ? std::sqrt(std::max(0.0, (ss - out.n * out.ll_mean * out.ll_mean) / (out.n - 1))) : std::nan("");
  return out;
}

}  // namespace

void compare_mcmc(const Manifest& ma, const Manifest& mb, std::vector<CompareRow>& rows) {
  require_equal(ma, mb, "mcmc.chains", "chains");
  require_equal(ma, mb, "mcmc.iterations", "iterations");
  const std::map<std::string, WeightRow> wa = read_weights(ma.dir), wb = read_weights(mb.dir);
  if (wa.size() != wb.size()) compare_fail("the runs are not comparable: " + ma.dir + " and " + mb.dir + " have different weights");
  for (const auto& [name, a] : wa) {
    const auto it = wb.find(name);
    if (it == wb.end()) compare_fail("the runs are not comparable: weight " + name + " of " + ma.dir + " is not in " + mb.dir);
    const WeightRow& b = it->second;
    const double se_mean = std::sqrt(a.mcse * a.mcse + b.mcse * b.mcse);
    rows.push_back(z_row("posterior_mean", name, a.mean, b.mean, se_mean > 0 ? (b.mean - a.mean) / se_mean : (a.mean == b.mean ? 0.0 : NAN),
                         "z pooled MCSE"));
    const double se_sd = std::sqrt(a.sd * a.sd / (2 * a.ess) + b.sd * b.sd / (2 * b.ess));
    rows.push_back(z_row("posterior_sd", name, a.sd, b.sd, se_sd > 0 ? (b.sd - a.sd) / se_sd : (a.sd == b.sd ? 0.0 : NAN), "z sd/ESS"));
  }
  const CsvFile ra = read_csv(ma.dir + "/results.csv"), rb = read_csv(mb.dir + "/results.csv");
  if (ra.rows.size() != 1 || rb.rows.size() != 1) compare_fail("compare the folders of one mcmc point (results.csv with one row)");
  const double chains = ra.number(0, "chains");
  {
    const double p1 = ra.number(0, "acceptance_rate"), p2 = rb.number(0, "acceptance_rate");
    rows.push_back(z_row("acceptance_rate", "all chains", p1, p2, two_proportion_z(p1, chains, p2, chains), "z proportion/chain"));
  }
  if (ra.rows[0][ra.require_column("task")] == kMcmcTaskNames[static_cast<int>(McmcTask::kCartpole)]) return;  // no test set
  const Predictive pa = read_predictive(ma.dir), pb = read_predictive(mb.dir);
  if (pa.n != pb.n) compare_fail("the runs are not comparable: their test sets differ in size");
  if (pa.classes) {
    const double p1 = pa.correct / pa.n, p2 = pb.correct / pb.n;
    rows.push_back(z_row("test_accuracy", "test points", p1, p2, two_proportion_z(p1, pa.n, p2, pb.n), "z proportion"));
  }
  rows.push_back(z_row("test_log_likelihood", "test points", pa.ll_mean, pb.ll_mean,
                       two_mean_z(pa.ll_mean, pa.ll_sd, pa.n, pb.ll_mean, pb.ll_sd, pb.n), "z Welch"));
}

}  // namespace mc
