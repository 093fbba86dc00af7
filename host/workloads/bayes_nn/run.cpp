// Workload `bayes_nn`, the run: train, program, sample in every mode, and write the tables the plot and compare
// read: results.csv (one row), metrics.csv (mode × M), samples.csv (per test input at the largest M), roc.csv (ROC
// points at the largest M), weights.csv (trained and assigned (µ, σ) per weight), pairs.csv (the programmable
// pairs), conditions.csv (the devices' measured conditions), energy.csv.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "io/output.hpp"
#include "io/progress.hpp"
#include "workloads/bayes_nn/bayes_nn.hpp"
#include "workloads/run.hpp"

namespace mc {

namespace {

const BnnMetrics* find_metric(const BnnOutcome& o, BnnMode mode, int M) {
  const BnnMetrics* best = nullptr;
  for (const BnnMetrics& m : o.metrics)
    if (m.mode == mode && (M < 0 ? (!best || m.M > best->M) : m.M == M)) best = &m;
  return best;
}

// The binomial standard error of an accuracy over the seen test points (docs/bayes_nn.md).
double accuracy_se(const BnnMetrics& m) { return m.seen > 0 ? binomial_se(m.accuracy, m.seen) : NAN; }

}  // namespace

RunSummary run_bayes_nn(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out) {
  const BayesNnSpec& w = s.spec_as<BayesNnSpec>();
  RunSummary summary;
  summary.out_dir = opt.out_dir;
  const double t0 = now_seconds();
  Progress progress("bayes_nn", point_work(s), work_unit(s), opt.quiet || opt.progress);
  const BnnData d = load_bnn_data(w, w.train_seed);
  const BnnOutcome o = simulate_bayes_nn(w, s.device, s.seed, d, backend.threads, opt.progress ? opt.progress : &progress.counter(),
                                         &cancel_flag());
  if (cancel_flag().load()) throw Interrupted();
  progress.finish();
  const double wall = now_seconds() - t0;

  // Standard errors (docs/results.md, docs/bayes_nn.md): accuracy binomial over the seen test points; AUROCs
  // Hanley-McNeil over their positives and negatives (errors vs correct seen points for U_a, unseen vs seen points
  // for U_e and U_p). The ECE has none: a binned, biased statistic without a closed-form error.
  CsvTable metrics({"mode", "M", "seen", "correct", "unseen", "accuracy", "accuracy_se", "ece", "auroc_aleatoric", "auroc_aleatoric_se",
                    "auroc_epistemic", "auroc_epistemic_se", "auroc_predictive", "auroc_predictive_se", "ua_seen_mean", "ue_seen_mean",
                    "ua_unseen_mean", "ue_unseen_mean"});
  for (const BnnMetrics& m : o.metrics)
    metrics.add_row({bnn_mode_name(m.mode), std::to_string(m.M), std::to_string(m.seen), std::to_string(m.correct), std::to_string(m.unseen),
                     cell(m.accuracy), cell(accuracy_se(m)), cell(m.ece), cell(m.auroc_a), cell(auroc_se(m.auroc_a, m.errors, m.correct)),
                     cell(m.auroc_e), cell(auroc_se(m.auroc_e, m.unseen, m.seen)), cell(m.auroc_p), cell(auroc_se(m.auroc_p, m.unseen, m.seen)),
                     cell(m.ua_seen), cell(m.ue_seen), cell(m.ua_unseen), cell(m.ue_unseen)});
  CsvTable samples({"mode", "index", "label", "unseen", "predicted", "correct", "u_predictive", "u_aleatoric", "u_epistemic", "confidence"});
  CsvTable roc({"mode", "kind", "fpr", "tpr"});
  for (size_t k = 0; k < o.modes.size() && k < o.rows.size(); ++k) {
    const char* name = bnn_mode_name(o.modes[k]);
    std::vector<double> ua, ue;
    std::vector<int> wrong, unseen;
    std::vector<double> ua_seen;
    for (const BnnSampleRow& r : o.rows[k]) {
      const bool is_unseen = d.y_test[r.index] < 0;
      const bool ok = !is_unseen && r.predicted == d.y_test[r.index];
      samples.add_row({name, std::to_string(r.index), std::to_string(r.label), bool_cell(is_unseen), std::to_string(r.predicted),
                       bool_cell(ok), cell(r.up), cell(r.ua), cell(r.ue), cell(r.confidence)});
      ue.push_back(r.ue);
      unseen.push_back(is_unseen);
      if (!is_unseen) ua_seen.push_back(r.ua), wrong.push_back(!ok);
    }
    for (const auto& [x, y] : roc_curve(ua_seen, wrong, 200)) roc.add_row({name, "aleatoric", cell(x), cell(y)});
    for (const auto& [x, y] : roc_curve(ue, unseen, 200)) roc.add_row({name, "epistemic", cell(x), cell(y)});
  }
  CsvTable weights({"layer", "index", "mu", "sigma", "pair_mu", "pair_sigma", "plus_condition", "minus_condition"});
  {
    long j = 0;
    for (size_t l = 0; l < o.net.mu.size(); ++l)
      for (size_t k = 0; k < o.net.mu[l].size(); ++k, ++j) {
        const BnnPair& p = o.pairs[o.pair_of[j]];
        weights.add_row({std::to_string(l + 1), std::to_string(k), cell(o.net.mu[l][k]), cell(o.net.sigma[l][k]), cell(p.mu), cell(p.sigma),
                         std::to_string(p.plus), std::to_string(p.minus)});
      }
  }
  CsvTable pairs({"mu", "sigma", "plus_condition", "minus_condition"});
  for (const BnnPair& p : o.pairs) pairs.add_row({cell(p.mu), cell(p.sigma), std::to_string(p.plus), std::to_string(p.minus)});
  CsvTable conditions({"condition", "kind", "target_uS", "mu_uS", "sigma_uS"});
  for (size_t c = 0; c < o.conditions.mu.size(); ++c)
    conditions.add_row({std::to_string(c), o.conditions.name[c], cell(o.conditions.spec[c].target), cell(o.conditions.mu[c]),
                        cell(o.conditions.sigma[c])});

  // Energy: operations and reads of one sampled inference, programming of the M copies.
  const int L = static_cast<int>(w.layers.size()) - 1;
  const long ops = bnn_operations(w.layers.data(), L);
  const double e_op = ops * w.op_energy;  // pJ per sampled inference
  const double e_read = o.read_energy_pj;  // every read of a bit-serial schedule included
  const int M = w.samples;
  bool programmed = false;
  for (BnnMode m : w.modes) programmed |= m == BnnMode::kProgram;
  const int copies = programmed ? M : 1;
  CsvTable energy({"quantity", "value", "unit"});
  energy.add_row({"operations_per_sampled_inference", std::to_string(ops), "ops"});
  energy.add_row({"device_reads_per_sampled_inference", cell(o.device_reads), "reads"});
  energy.add_row({"imc_energy_per_sampled_inference", cell(e_op), "pJ"});
  energy.add_row({"imc_energy_per_inference_M", cell(e_op * M), "pJ"});
  energy.add_row({"device_read_energy_per_sampled_inference", cell(e_read), "pJ"});
  energy.add_row({"device_read_energy_per_inference_M", cell(e_read * M), "pJ"});
  energy.add_row({"copies_programmed", std::to_string(copies), "copies"});
  energy.add_row({"devices_programmed", std::to_string(2 * o.net.weights() * copies), "devices"});
  energy.add_row({"set_pulses", std::to_string(o.program.set_pulses), "pulses"});
  energy.add_row({"reset_pulses", std::to_string(o.program.reset_pulses), "pulses"});
  energy.add_row({"programming_energy", cell(o.program.energy), "pJ"});
  if (std::find(w.modes.begin(), w.modes.end(), BnnMode::kReadAware) != w.modes.end()) {
    energy.add_row({"read_aware_set_pulses", std::to_string(o.read_aware_program.set_pulses), "pulses"});
    energy.add_row({"read_aware_reset_pulses", std::to_string(o.read_aware_program.reset_pulses), "pulses"});
    energy.add_row({"read_aware_programming_energy", cell(o.read_aware_program.energy), "pJ"});
  }
  energy.add_row({"mcu_energy_per_inference", cell(w.mcu_energy), "pJ"});
  energy.add_row({"mcu_samples", std::to_string(w.mcu_samples), "samples"});
  energy.add_row({"imc_energy_per_inference_at_mcu_samples", cell(e_op * w.mcu_samples), "pJ"});
  energy.add_row({"mcu_over_imc_at_mcu_samples", cell(w.mcu_energy / (e_op * w.mcu_samples)), "ratio"});

  std::string layers;
  for (int n : w.layers) layers += (layers.empty() ? "" : "-") + std::to_string(n);
  const long unseen_rows = std::count(d.y_test.begin(), d.y_test.end(), -1);
  const double seen_rows = static_cast<double>(d.n_test() - unseen_rows);
  const bool bayes_known = d.bayes_accuracy >= 0;  // synthetic data: the Bayes-optimal classifier
  const double bayes_acc = bayes_known ? d.bayes_accuracy : NAN, bayes_auroc = bayes_known ? d.bayes_auroc_a : NAN;
  ResultRow row = {{"workload", "bayes_nn"},
                   {"data", w.data == "synthetic" || w.data == "fashion_mnist" ? w.data : "csv"},
                   {"layers", layers},
                   {"samples", std::to_string(M)},
                   {"train_rows", std::to_string(d.n_train())},
                   {"test_rows", std::to_string(d.n_test())},
                   {"unseen_rows", std::to_string(unseen_rows)},
                   {"tech_loss", bool_cell(w.tech_loss)},
                   {"gamma_uS", cell(o.report.gamma)},
                   {"bayes_accuracy", cell(bayes_acc)},
                   {"bayes_accuracy_se", cell(bayes_known ? binomial_se(bayes_acc, seen_rows) : NAN)},
                   {"bayes_auroc_aleatoric", cell(bayes_auroc)},
                   {"bayes_auroc_aleatoric_se", cell(auroc_se(bayes_auroc, (1 - bayes_acc) * seen_rows, bayes_acc * seen_rows))}};
  for (BnnMode mode : w.modes) {
    const BnnMetrics* m = find_metric(o, mode, -1);
    const std::string n = bnn_mode_name(mode);
    row.insert(row.end(), {{n + "_accuracy", cell(m ? m->accuracy : NAN)},
                           {n + "_accuracy_se", cell(m ? accuracy_se(*m) : NAN)},
                           {n + "_auroc_aleatoric", cell(m ? m->auroc_a : NAN)},
                           {n + "_auroc_aleatoric_se", cell(m ? auroc_se(m->auroc_a, m->errors, m->correct) : NAN)},
                           {n + "_auroc_epistemic", cell(m ? m->auroc_e : NAN)},
                           {n + "_auroc_epistemic_se", cell(m ? auroc_se(m->auroc_e, m->unseen, m->seen) : NAN)},
                           {n + "_ece", cell(m ? m->ece : NAN)}});
  }
  row.insert(row.end(), {{"operations_per_inference", std::to_string(ops)},
                         {"imc_energy_per_inference_M_pJ", cell(e_op * M)},
                         {"programming_energy_pJ", cell(o.program.energy)},
                         {"wall_s", cell(wall)}});

  const std::vector<std::string> files = {"results.csv", "metrics.csv", "samples.csv", "roc.csv", "weights.csv", "pairs.csv", "conditions.csv", "energy.csv"};
  out.write("metrics.csv", metrics.str());
  out.write("samples.csv", samples.str());
  out.write("roc.csv", roc.str());
  out.write("weights.csv", weights.str());
  out.write("pairs.csv", pairs.str());
  out.write("conditions.csv", conditions.str());
  out.write("energy.csv", energy.str());
  write_results(out, s, opt, row);
  const nlohmann::ordered_json manifest = run_manifest(s, backend, wall, o.program.set_pulses, o.program.reset_pulses, 0, files);
  out.write("manifest.json", manifest.dump(2) + "\n");

  summary.wall_seconds = wall;
  summary.rows = {{"data", d.description}, {"network", layers}, {"gamma", fmt::format("{:.4g} uS per weight unit", o.report.gamma)}};
  if (d.bayes_accuracy >= 0)
    summary.rows.push_back({"Bayes-optimal", fmt::format("accuracy {:.2f} %, AUROC_a {:.3f}", 100 * d.bayes_accuracy, d.bayes_auroc_a)});
  for (BnnMode mode : w.modes) {
    const BnnMetrics* m = find_metric(o, mode, -1);
    if (!m) continue;
    summary.rows.push_back({fmt::format("{} (M = {})", bnn_mode_name(mode), m->M),
                            fmt::format("accuracy {:.2f} %, AUROC_a {:.3f}, AUROC_e {:.3f}, ECE {:.3f}", 100 * m->accuracy, m->auroc_a, m->auroc_e, m->ece)});
  }
  summary.rows.push_back({"energy per inference (M samples)",
                          fmt::format("{:.3g} nJ ({} ops x {:.3g} pJ x {}; {:.3g} nJ per sample); microcontroller {:.3g} uJ at M = {}, {:.3g}x the "
                                      "in-memory {:.3g} nJ there",
                                      e_op * M * 1e-3, ops, w.op_energy, M, e_op * 1e-3, w.mcu_energy * 1e-6, w.mcu_samples,
                                      w.mcu_energy / (e_op * w.mcu_samples), e_op * w.mcu_samples * 1e-3)});
  summary.rows.push_back({"programming (copies)", fmt::format("{} SET, {} RESET, {:.3g} nJ ({} copies)", o.program.set_pulses,
                                                              o.program.reset_pulses, o.program.energy * 1e-3, copies)});
  summary.rows.push_back({"wall time", fmt::format("{:.2f} s", wall)});
  return summary;
}

}  // namespace mc
