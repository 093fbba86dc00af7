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
  std::uint64_t sets = 0, resets = 0;
  std::vector<std::pair<std::string, std::string>> rows;
  for (size_t m = 0; m < o.chip_modes.size(); ++m) {
    const char* name = mlp_mode_name(o.chip_modes[m]);
    std::vector<double> tr, te, trc;
    double stuck = 0, sp = 0, rp = 0, en = 0, all = 0, s1 = 0, s2 = 0, tr_sum = 0;
    for (std::uint64_t c = 0; c < w.chips; ++c) {
      const ChipResult& r = o.chips[m][c];
      chips.add_row({name, std::to_string(c), std::to_string(r.train_correct), std::to_string(r.test_correct), cell(r.train_correct / ntr),
                     cell(r.test_correct / nte), std::to_string(r.stuck), std::to_string(r.set_pulses), std::to_string(r.reset_pulses),
                     std::to_string(r.disturbs), cell(r.energy_pj)});
      tr.push_back(r.train_correct / ntr);
      tr_sum += r.train_correct / ntr;
      trc.push_back(r.train_correct);
      te.push_back(r.test_correct / nte);
      s1 += r.test_correct / nte, s2 += (r.test_correct / nte) * (r.test_correct / nte);
      stuck += r.stuck, sp += r.set_pulses, rp += r.reset_pulses, en += r.energy_pj;
      all += r.train_correct == d.n_train();
      sets += r.set_pulses, resets += r.reset_pulses;
    }
    const double n = static_cast<double>(w.chips);
    const double mean = s1 / n, sd = n > 1 ? std::sqrt(std::max(0.0, (s2 - n * mean * mean) / (n - 1))) : 0.0;
    const double med = median(te);
    modes.add_row({name, std::to_string(w.chips), cell(median(trc)), cell(tr_sum / n),
                   cell(mean), cell(sd), cell(med), cell(100 * (sw_test - med)), cell(all / n), cell(stuck / n), cell(sp / n),
                   cell(rp / n), cell(en / n)});
    rows.push_back({fmt::format("{} test accuracy median", name), fmt::format("{:.2f} % (software {:.2f} %)", 100 * med, 100 * sw_test)});
    rows.push_back({fmt::format("{} chips with all training patterns", name), fmt::format("{:.1f} %", 100 * all / n)});
  }
  // Conductance maps of chip 0 in the first hardware mode.
  CsvTable maps({"layer", "row", "col", "target_uS", "programmed_uS", "stuck"});
  for (const ArrayMap& a : o.maps)
    for (int i = 0; i < a.rows; ++i)
      for (int j = 0; j < a.cols; ++j) {
        const size_t k = static_cast<size_t>(i) * a.cols + j;
        maps.add_row({std::to_string(a.layer), std::to_string(i), std::to_string(j), cell(a.target[k]), cell(a.programmed[k]),
                      std::to_string(a.stuck[k])});
      }
  std::string layers;
  for (int n : w.layers) layers += (layers.empty() ? "" : "-") + std::to_string(n);
  const ResultRow row = {{"workload", "crossbar_mlp"}, {"layers", layers}, {"chips", std::to_string(w.chips)},
                         {"train_patterns", std::to_string(d.n_train())}, {"test_patterns", std::to_string(d.n_test())},
                         {"software_train_correct", std::to_string(o.software_train)}, {"software_test_accuracy", cell(sw_test)},
                         {"software_test_accuracy_se", cell(binomial_se(sw_test, static_cast<double>(d.n_test())))},
                         {"tolerance", cell(w.array.tolerance)}, {"r_contact_ohm", cell(w.r_contact)}, {"r_wire_ohm", cell(w.r_wire)},
                         {"wall_s", cell(wall)}};
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
                  {"software train / test", fmt::format("{}/{} / {:.2f} %", o.software_train, d.n_train(), 100 * sw_test)}};
  summary.rows.insert(summary.rows.end(), rows.begin(), rows.end());
  summary.rows.push_back({"wall time", fmt::format("{:.2f} s", wall)});
  return summary;
}

}  // namespace mc
