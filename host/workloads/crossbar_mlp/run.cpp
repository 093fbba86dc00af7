// Workload `crossbar_mlp`, the run: software network, chips × modes, and the tables the plot and compare read.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "io/output.hpp"
#include "io/progress.hpp"
#include "workloads/crossbar_mlp/crossbar_mlp.hpp"
#include "workloads/run.hpp"

namespace mc {

namespace {

struct MeanSd {
  double mean = 0, sd = 0;
};

MeanSd mean_sd(const std::vector<double>& v) {
  MeanSd r;
  if (v.empty()) return r;
  for (double x : v) r.mean += x;
  r.mean /= static_cast<double>(v.size());
  for (double x : v) r.sd += (x - r.mean) * (x - r.mean);
  r.sd = v.size() > 1 ? std::sqrt(r.sd / static_cast<double>(v.size() - 1)) : 0.0;
  return r;
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

RunSummary run_crossbar_mlp(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out) {
  const CrossbarMlpSpec& w = s.spec_as<CrossbarMlpSpec>();
  RunSummary summary;
  summary.out_dir = opt.out_dir;
  const double t0 = now_seconds();
  Progress progress("crossbar_mlp", point_work(s), work_unit(s), opt.quiet || opt.progress);
  const MlpData d = load_mlp_data(w, s.seed);
  const MlpOutcome o = simulate_crossbar_mlp(w, s.device, s.seed, d, backend.threads, opt.progress ? opt.progress : &progress.counter(),
                                             &cancel_flag());
  if (cancel_flag().load()) throw Interrupted();
  progress.finish();
  const double wall = now_seconds() - t0;
  const double ntr = d.n_train(), nte = d.n_test();

  // One row per chip and hardware mode.
  CsvTable chips({"mode", "chip", "train_correct", "test_correct", "train_accuracy", "test_accuracy", "stuck_devices",
                  "set_pulses", "reset_pulses", "disturbs", "energy_pJ"});
  // One row per mode; software first.
  CsvTable modes({"mode", "chips", "train_correct_median", "train_accuracy_mean", "test_accuracy_mean", "test_accuracy_sd",
                  "test_accuracy_median", "test_loss_median_points", "all_train_correct_fraction", "stuck_devices_mean",
                  "set_pulses_mean", "reset_pulses_mean", "energy_pJ_mean"});
  const double sw_test = o.software_test / nte;
  modes.add_row({"software", "1", std::to_string(o.software_train), cell(o.software_train / ntr), cell(sw_test), "0", cell(sw_test), "0",
                 o.software_train == d.n_train() ? "1" : "0", "0", "0", "0", "0"});
  // results.csv: one row, the point's settings and every mode's accuracies over chips, so a sweep's results.csv
  // (one row per point) plots alone. Means carry their standard error over chips (sd/√chips: chips are
  // independent trials); medians are given as they are.
  std::string layers;
  for (int n : w.layers) layers += (layers.empty() ? "" : "-") + std::to_string(n);
  size_t tiles = 0;
  for (const std::vector<Tile>& t : layer_tiles(w)) tiles += t.size();
  std::vector<std::string> rcols = {"point", "workload", "layers", "arrays", "chips", "seed", "train_patterns", "test_patterns",
                                    "tolerance", "r_contact_ohm", "r_wire_ohm", "reads", "software_epochs", "software_train_correct",
                                    "software_train_accuracy", "software_test_accuracy"};
  std::vector<std::string> rrow = {"0", "crossbar_mlp", layers, std::to_string(tiles), std::to_string(w.chips), std::to_string(s.seed),
                                   std::to_string(d.n_train()), std::to_string(d.n_test()), cell(w.array.tolerance), cell(w.r_contact),
                                   cell(w.r_wire), w.reads == MlpReads::kFresh ? "fresh" : "fixed", std::to_string(o.software_epochs),
                                   std::to_string(o.software_train),
                                   cell(o.software_train / ntr), cell(sw_test)};
  std::uint64_t sets = 0, resets = 0;
  std::vector<std::pair<std::string, std::string>> rows;
  for (size_t m = 0; m < o.chip_modes.size(); ++m) {
    const char* name = mlp_mode_name(o.chip_modes[m]);
    std::vector<double> tr, te, trc;
    double stuck = 0, sp = 0, rp = 0, en = 0, all = 0;
    for (std::uint64_t c = 0; c < w.chips; ++c) {
      const ChipResult& r = o.chips[m][c];
      chips.add_row({name, std::to_string(c), std::to_string(r.train_correct), std::to_string(r.test_correct), cell(r.train_correct / ntr),
                     cell(r.test_correct / nte), std::to_string(r.stuck), std::to_string(r.set_pulses), std::to_string(r.reset_pulses),
                     std::to_string(r.disturbs), cell(r.energy_pj)});
      tr.push_back(r.train_correct / ntr);
      trc.push_back(r.train_correct);
      te.push_back(r.test_correct / nte);
      stuck += r.stuck, sp += r.set_pulses, rp += r.reset_pulses, en += r.energy_pj;
      all += r.train_correct == d.n_train();
      sets += r.set_pulses, resets += r.reset_pulses;
    }
    const double n = static_cast<double>(w.chips);
    const MeanSd tr_s = mean_sd(tr), te_s = mean_sd(te);
    const double med = median(te);
    modes.add_row({name, std::to_string(w.chips), cell(median(trc)), cell(tr_s.mean),
                   cell(te_s.mean), cell(te_s.sd), cell(med), cell(100 * (sw_test - med)), cell(all / n), cell(stuck / n), cell(sp / n),
                   cell(rp / n), cell(en / n)});
    const std::string p = name;
    const std::vector<std::string> mc = {p + "_chips", p + "_train_accuracy", p + "_train_accuracy_se", p + "_train_accuracy_median",
                                         p + "_test_accuracy", p + "_test_accuracy_se", p + "_test_accuracy_median",
                                         p + "_test_loss_median_points", p + "_all_train_correct_chips", p + "_stuck_devices_mean"};
    const std::vector<std::string> mv = {std::to_string(w.chips), cell(tr_s.mean), cell(tr_s.sd / std::sqrt(n)), cell(median(tr)),
                                         cell(te_s.mean), cell(te_s.sd / std::sqrt(n)), cell(med), cell(100 * (sw_test - med)),
                                         std::to_string(static_cast<std::uint64_t>(all)), cell(stuck / n)};
    rcols.insert(rcols.end(), mc.begin(), mc.end());
    rrow.insert(rrow.end(), mv.begin(), mv.end());
    rows.push_back({fmt::format("{} test accuracy median", name), fmt::format("{:.2f} % (software {:.2f} %)", 100 * med, 100 * sw_test)});
    rows.push_back({fmt::format("{} chips with all training patterns", name), fmt::format("{:.1f} %", 100 * all / n)});
  }
  rcols.push_back("wall_s");
  rrow.push_back(cell(wall));
  // Conductance maps of chip 0 in the first hardware mode: every tile at its place in its layer's layout.
  CsvTable maps({"layer", "tile", "row", "col", "target_uS", "programmed_uS", "stuck"});
  for (const ArrayMap& a : o.maps)
    for (int i = 0; i < a.rows; ++i)
      for (int j = 0; j < a.cols; ++j) {
        const size_t k = static_cast<size_t>(i) * a.cols + j;
        maps.add_row({std::to_string(a.layer), std::to_string(a.tile), std::to_string(a.row0 + i), std::to_string(a.col0 + j),
                      cell(a.target[k]), cell(a.programmed[k]), std::to_string(a.stuck[k])});
      }
  // Through write_results (point, status and seed first, error last); the software accuracies with their
  // binomial SE over the patterns.
  ResultRow row;
  for (size_t k = 0; k < rcols.size(); ++k) {
    if (rcols[k] == "point" || rcols[k] == "seed") continue;
    row.emplace_back(rcols[k], rrow[k]);
    if (rcols[k] == "software_train_accuracy") row.emplace_back("software_train_accuracy_se", cell(binomial_se(o.software_train / ntr, ntr)));
    if (rcols[k] == "software_test_accuracy") row.emplace_back("software_test_accuracy_se", cell(binomial_se(sw_test, nte)));
  }
  std::vector<std::string> files = {"results.csv", "modes.csv"};
  out.write("modes.csv", modes.str());
  if (!o.chip_modes.empty()) {
    out.write("chips.csv", chips.str());
    out.write("conductance_map.csv", maps.str());
    files.push_back("chips.csv");
    files.push_back("conductance_map.csv");
  }
  write_results(out, s, opt, row);
  const nlohmann::ordered_json manifest = run_manifest(s, backend, wall, sets, resets, 0, files);
  out.write("manifest.json", manifest.dump(2) + "\n");

  summary.wall_seconds = wall;
  summary.rows = {{"network", layers},
                  {"software train / test", fmt::format("{}/{} / {:.2f} % ({} epochs)", o.software_train, d.n_train(), 100 * sw_test,
                                                        o.software_epochs)}};
  summary.rows.insert(summary.rows.end(), rows.begin(), rows.end());
  summary.rows.push_back({"wall time", fmt::format("{:.2f} s", wall)});
  return summary;
}

}  // namespace mc
