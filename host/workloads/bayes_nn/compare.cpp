// Compare rules of the bayes_nn workload (tests and thresholds: host/compare/compare.hpp). The data, the measured
// programming conditions and the trained network depend on bayes_nn.train_seed only; the point's seed draws the
// programmed copies, the read noise and the software samples. So two seeds share the test rows and the network, and
// differ by the sampling alone.
#include <algorithm>
#include <cmath>
#include <map>

#include "compare/rules.hpp"
#include "workloads/bayes_nn/bayes_nn.hpp"

namespace mc {

namespace {

struct Row {
  double seen = 0, correct = 0, unseen = 0, auroc_a = NAN, auroc_e = NAN;
};

// The largest-M row of every mode.
std::map<std::string, Row> read_metrics(const std::string& dir) {
  const CsvFile c = read_csv(dir + "/metrics.csv");
  const std::size_t cm = c.require_column("mode"), cM = c.require_column("M"), cs = c.require_column("seen"),
                    cc = c.require_column("correct"), cu = c.require_column("unseen"), ca = c.require_column("auroc_aleatoric"),
                    ce = c.require_column("auroc_epistemic");
  std::map<std::string, std::pair<double, Row>> best;
  for (std::size_t r = 0; r < c.rows.size(); ++r) {
    const double M = c.number(r, cM);
    auto& b = best[c.rows[r][cm]];
    if (M < b.first) continue;
    b.first = M;
    b.second = Row{c.number(r, cs), c.number(r, cc), c.number(r, cu), c.number(r, ca), c.number(r, ce)};
  }
  std::map<std::string, Row> out;
  for (const auto& [k, v] : best) out[k] = v.second;
  return out;
}

}  // namespace

void compare_bayes_nn(const Manifest& ma, const Manifest& mb, std::vector<CompareRow>& rows) {
  const CsvFile ra = read_csv(ma.dir + "/results.csv"), rb = read_csv(mb.dir + "/results.csv");
  if (ra.rows.size() != 1 || rb.rows.size() != 1) compare_fail("compare the folders of one bayes_nn point (results.csv with one row)");
  if (ra.rows[0][ra.require_column("layers")] != rb.rows[0][rb.require_column("layers")])
    compare_fail("the runs are not comparable: " + ma.dir + " and " + mb.dir + " simulate different networks");
  require_equal(ma, mb, "bayes_nn.train_seed", "train_seed");
  // Measured programming conditions: each mean is over `characterize` devices, SE σ/√n per run, so the two-mean z is
  // exact for independent devices. Runs of one train_seed and device model measure the very same devices (z = 0); a
  // changed device model moves them by many standard errors.
  const CsvFile ca = read_csv(ma.dir + "/conditions.csv"), cb = read_csv(mb.dir + "/conditions.csv");
  const double na = scenario_number(ma, "bayes_nn.characterize", "characterize"), nb = scenario_number(mb, "bayes_nn.characterize", "characterize");
  const std::size_t am = ca.require_column("mu_uS"), as = ca.require_column("sigma_uS"), bm = cb.require_column("mu_uS"),
                    bs = cb.require_column("sigma_uS");
  for (std::size_t r = 0; r < std::min(ca.rows.size(), cb.rows.size()); ++r) {
    const double ma_ = ca.number(r, am), mb_ = cb.number(r, bm), sa = ca.number(r, as), sb = cb.number(r, bs);
    rows.push_back(z_row("condition_mu_uS", "condition " + std::to_string(r), ma_, mb_, two_mean_z(ma_, sa, na, mb_, sb, nb), "z mean/device"));
    // The spread: a sample standard deviation over n devices has SE ≈ σ/√(2(n − 1)) (normal devices; the log-normal
    // RESET state has heavier tails, so this is the large-sample approximation, exact for z = 0 at equal runs).
    const double se = std::sqrt(sa * sa / (2 * (na - 1)) + sb * sb / (2 * (nb - 1)));
    rows.push_back(z_row("condition_sigma_uS", "condition " + std::to_string(r), sa, sb, se > 0 ? (sb - sa) / se : (sa == sb ? 0.0 : INFINITY),
                         "z sd/device"));
  }
  const std::map<std::string, Row> a = read_metrics(ma.dir), b = read_metrics(mb.dir);
  for (const auto& [mode, x] : a) {
    const auto it = b.find(mode);
    if (it == b.end()) continue;
    const Row& y = it->second;
    // Accuracy: a proportion over the seen test rows; the two runs score the same rows, which correlates them
    // positively, so the unpaired two-proportion z is conservative.
    rows.push_back(z_row("accuracy", mode, x.correct / x.seen, y.correct / y.seen,
                         two_proportion_z(x.correct / x.seen, x.seen, y.correct / y.seen, y.seen), "z proportion"));
    // AUROC of U_e for the unseen class: Hanley-McNeil SE of each run (unpaired, conservative as above).
    if (!std::isnan(x.auroc_e) && !std::isnan(y.auroc_e)) {
      const double sa = std::max(auroc_se(x.auroc_e, x.unseen, x.seen), 1e-6), sb = std::max(auroc_se(y.auroc_e, y.unseen, y.seen), 1e-6);
      rows.push_back(z_row("auroc_epistemic", mode, x.auroc_e, y.auroc_e, (y.auroc_e - x.auroc_e) / std::sqrt(sa * sa + sb * sb), "z AUROC"));
    }
  }
}

}  // namespace mc
