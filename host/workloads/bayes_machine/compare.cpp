// Compare rules of the bayes_machine workload: accuracy, agreement with exact naive Bayes and ties at every
// checkpoint, early-stop and fixed-point accuracy, upsets and the confusion matrix (tests and thresholds:
// host/compare/compare.hpp).
#include <cmath>
#include <fmt/format.h>
#include <algorithm>
#include <limits>

#include "compare/rules.hpp"
#include "workloads/bayes_machine/bayes_machine.hpp"

namespace mc {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void compare_bayes_machine(const Manifest& ma, const Manifest& mb, std::vector<CompareRow>& rows) {
  require_equal(ma, mb, "bayes_machine.cycles", "cycles");
  const std::string ta = ma.text("task"), tb = mb.text("task");
  if (ta != tb) compare_fail("the runs are not comparable: the task of " + ma.dir + " is '" + ta + "' but that of " + mb.dir + " is '" + tb + "'");
  const CsvFile ra = read_csv(ma.dir + "/results.csv"), rb = read_csv(mb.dir + "/results.csv");
  if (ra.rows.size() != 1 || rb.rows.size() != 1) compare_fail("compare the folders of one bayes_machine point (results.csv with one row)");
  double na = ra.number(0, "inferences"), nb = rb.number(0, "inferences");
  // Both runs classify the same test samples (the task is equal); given the samples and the chips, each
  // inference's outcome is an independent Bernoulli trial with its own p_i, so the variance of a fraction is
  // mean p_i(1 − p_i)/N ≤ p(1 − p)/N: the pooled two-proportion z over inferences is conservative, also with
  // repeats of a sample. That holds for two runs of one seed (backends, thread counts: the same chips). Runs of
  // different seeds also differ by their chips when the chip shapes the errors: device errors (each chip's cells
  // are programmed once; rereads only add read noise) or a BER drawn once per chip. Then the independent units
  // are chips, and the same bound with N = chips stays conservative.
  std::string kind = "z proportion";
  const std::string errors = scenario_text(ma, "bayes_machine.storage.errors");
  const bool chip_errors = errors == "device" || (errors == "ber" && scenario_text(ma, "bayes_machine.storage.reread") == "chip");
  if (chip_errors && scenario_number(ma, "seed", "seed") != scenario_number(mb, "seed", "seed")) {
    na = std::min(na, scenario_number(ma, "bayes_machine.chips", "chips"));
    nb = std::min(nb, scenario_number(mb, "bayes_machine.chips", "chips"));
    kind = "z proportion/chip";
  }
  const CsvFile ca = read_csv(ma.dir + "/accuracy_vs_cycles.csv"), cb = read_csv(mb.dir + "/accuracy_vs_cycles.csv");
  bool same = ca.rows.size() == cb.rows.size();
  for (std::size_t r = 0; same && r < ca.rows.size(); ++r) same = ca.number(r, "cycles") == cb.number(r, "cycles");
  if (!same) compare_fail("the runs are not comparable: " + ca.path + " and " + cb.path + " have different checkpoint cycles");
  for (std::size_t r = 0; r < ca.rows.size(); ++r) {
    const std::string where = fmt::format("T = {}", num_text(ca.number(r, "cycles")));
    for (const char* f : {"accuracy", "agreement_with_exact", "ties"}) {
      const double p1 = ca.number(r, f), p2 = cb.number(r, f);
      rows.push_back(z_row(f, where, p1, p2, two_proportion_z(p1, na, p2, nb), kind));
    }
  }
  for (const char* f : {"early_accuracy", "fixed_point_accuracy"}) {
    const double p1 = ra.number(0, f), p2 = rb.number(0, f);
    rows.push_back(z_row(f, "all inferences", p1, p2, two_proportion_z(p1, na, p2, nb), kind));
  }
  // Upsets per inference: a sum of independent Bernoulli trials with tiny p, Poisson: Var(mean) = mean/N.
  for (const char* f : {"upsets_per_inference", "fixed_point_upsets_per_inference"}) {
    const double m1 = ra.number(0, f), m2 = rb.number(0, f);
    const double se = std::sqrt(m1 / na + m2 / nb);
    rows.push_back(z_row(f, "all inferences", m1, m2, se > 0 ? (m1 - m2) / se : (m1 == m2 ? 0.0 : kNaN), "z Poisson mean"));
  }
  // Decided classes per true class: the confusion matrix as one contingency table.
  const CsvFile fa = read_csv(ma.dir + "/confusion.csv"), fb = read_csv(mb.dir + "/confusion.csv");
  Hist<std::pair<long long, long long>> ha, hb;
  for (std::size_t r = 0; r < fa.rows.size(); ++r)
    ha[{static_cast<long long>(fa.number(r, "true_class")), static_cast<long long>(fa.number(r, "decided_class"))}] += fa.number(r, "count");
  for (std::size_t r = 0; r < fb.rows.size(); ++r)
    hb[{static_cast<long long>(fb.number(r, "true_class")), static_cast<long long>(fb.number(r, "decided_class"))}] += fb.number(r, "count");
  std::vector<double> va, vb;
  hist_vectors(ha, hb, va, vb);
  rows.push_back(chi_row("confusion matrix", "at T", va, vb));
}

}  // namespace mc
