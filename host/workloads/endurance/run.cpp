// Workload `endurance`, the run: N devices × M SET/RESET cycles with statistics at checkpoints (docs/physics.md, endurance).
#include <cmath>
#include <fmt/format.h>

#include "endurance/ber.hpp"
#include "workloads/endurance/endurance.hpp"
#include "io/output.hpp"
#include "io/progress.hpp"
#include "workloads/run.hpp"
#include "workloads/stats.hpp"

namespace mc {

namespace {
const double kQuantiles[] = {0.001, 0.01, 0.5, 0.99, 0.999};
const char* kQuantileNames[] = {"p0.1", "p1", "p50", "p99", "p99.9"};

void add_state_columns(std::vector<std::string>& cols, const char* state) {
  cols.push_back(std::string(state) + "_mean_uS");
  cols.push_back(std::string(state) + "_std_uS");
  for (const char* q : kQuantileNames) cols.push_back(std::string(state) + "_" + q + "_uS");
}

void add_state_cells(std::vector<std::string>& row, const StateTally& t) {
  const double n = static_cast<double>(t.count);
  const double mean = t.sum / n;
  const double var = std::max(0.0, (t.sum_sq - n * mean * mean) / (n - 1));
  row.push_back(cell(mean));
  row.push_back(cell(std::sqrt(var)));
  for (double q : kQuantiles) row.push_back(cell(histogram_quantile(t.hist, q)));
}
}  // namespace

RunSummary run_endurance(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out) {
  const EnduranceSpec& e = s.spec_as<EnduranceSpec>();
  const EnduranceParams p = endurance_params(s);
  RunSummary summary;
  summary.out_dir = opt.out_dir;
  const std::uint64_t pairs = e.devices / 2;
  const double t0 = now_seconds();
  // Progress from the start: the lifetime pass over every device comes first and is long for many devices.
  Progress progress("endurance", point_work(s), work_unit(s), opt.quiet || opt.progress);
  const RunHooks hooks = point_hooks(backend, opt, progress);
  std::vector<std::uint64_t> life_hist(kLifeBins, 0);
#if defined(MC_HAVE_CUDA)
  if (backend.kind == Backend::kCuda) lifetime_histogram_cuda(backend.gpu, p, 0, e.devices, life_hist, hooks);
  else
#endif
    lifetime_histogram_cpu(p, 0, e.devices, life_hist, hooks);
  if (cancel_flag().load()) throw Interrupted();

  std::vector<std::string> cols = {"cycle"};
  add_state_columns(cols, "lrs");
  add_state_columns(cols, "hrs");
  for (const char* c : {"window_ratio", "window_margin_uS", "failed_fraction", "stuck_lrs_fraction", "stuck_hrs_fraction",
                        "unformed_fraction", "weibull_cdf", "ber_1t1r", "ber_2t2r", "energy_per_device_pJ", "failed_fraction_se",
                        "ber_1t1r_se", "ber_2t2r_se"})
    cols.push_back(c);
  CsvTable checkpoints(cols);
  CsvTable cdf({"cycle", "state", "sigma", "conductance_uS"});
  CsvTable hist({"cycle", "state", "bin_lo_uS", "bin_hi_uS", "devices"});

  const DeviceModel& m = s.device;
  const double set_e = set_energy(m, e.compliance), reset_e = reset_energy(m);
  double energy_total = 0;  // pJ, all devices
  std::uint64_t c_prev = 0;
  IntervalTally last;
  double last_ber1 = 0, last_ber2 = 0;
  for (std::uint64_t c : e.checkpoints) {
    IntervalTally t;
    endurance_interval(backend, p, pairs, c_prev, c, t, hooks);
    if (cancel_flag().load()) throw Interrupted();
    const double n = static_cast<double>(e.devices);
    const double cycles = static_cast<double>(c - c_prev);
    energy_total += n * cycles * (set_e + reset_e) + t.read_energy;
    const double lrs_p1 = histogram_quantile(t.lrs.hist, 0.01), hrs_p99 = histogram_quantile(t.hrs.hist, 0.99);
    const double lrs_p50 = histogram_quantile(t.lrs.hist, 0.5), hrs_p50 = histogram_quantile(t.hrs.hist, 0.5);
    const double failed = static_cast<double>(t.stuck_lrs + t.stuck_hrs + t.unformed) / n;
    const double weibull = lifetime_cdf(m, static_cast<double>(c));
    last_ber1 = t.errors_1t1r / (2.0 * n * cycles);
    last_ber2 = t.errors_2t2r / (2.0 * pairs * cycles);
    std::vector<std::string> row = {std::to_string(c)};
    add_state_cells(row, t.lrs);
    add_state_cells(row, t.hrs);
    for (double v : {lrs_p50 / hrs_p50, lrs_p1 - hrs_p99, failed, t.stuck_lrs / n, t.stuck_hrs / n, t.unformed / n, weibull,
                     last_ber1, last_ber2, energy_total / n, binomial_se(failed, n), binomial_se(last_ber1, n),
                     binomial_se(last_ber2, std::max(1.0, static_cast<double>(pairs)))})
      row.push_back(cell(v));  // standard errors with devices and pairs as units (see results.csv below)
    checkpoints.add_row(row);
    for (const auto& [state, tally] : {std::pair{"LRS", &t.lrs}, std::pair{"HRS", &t.hrs}}) {
      for (int b = 0; b < kHistBins; ++b)
        if (tally->hist[b])
          hist.add_row({std::to_string(c), state, cell(conductance_bin_edge(b)), cell(conductance_bin_edge(b + 1)),
                        std::to_string(tally->hist[b])});
      for (int k = -16; k <= 16; ++k) {
        const double sigma = k * 0.25;
        const double q = normal_cdf(sigma);
        if (q * tally->count < 1 || (1 - q) * tally->count < 1) continue;  // beyond what the sample resolves
        cdf.add_row({std::to_string(c), state, cell(sigma), cell(histogram_quantile(tally->hist, q))});
      }
    }
    c_prev = c;
    last = std::move(t);
  }
  progress.finish();

  CsvTable life({"lifetime_lo_cycles", "lifetime_hi_cycles", "devices"});
  for (int b = 0; b < kLifeBins; ++b)
    if (life_hist[b])
      life.add_row({cell(std::pow(10.0, b / kLifeBinsPerDecade)), cell(std::pow(10.0, (b + 1) / kLifeBinsPerDecade)), std::to_string(life_hist[b])});

  const double wall = now_seconds() - t0;
  const double n = static_cast<double>(e.devices);
  const double lrs_median_end = histogram_quantile(last.lrs.hist, 0.5), hrs_median_end = histogram_quantile(last.hrs.hist, 0.5);
  const double failed = static_cast<double>(last.stuck_lrs + last.stuck_hrs + last.unformed) / n;
  // Rare-event 2T2R BER (endurance.ber_estimate_cycles): quadrature over every device state, at the listed
  // cycles (ber_estimate.csv) and at the last simulated cycle (results.csv, beside the Monte Carlo rate).
  const bool estimate = !e.ber_estimate_cycles.empty();
  const char* method = estimate ? "quadrature" : "none";
  CsvTable ber_table({"cycle", "ber_2t2r", "ber_2t2r_err", "method", "weibull_cdf", "past_closure_onset_fraction"});
  BerQuadrature at_end{std::nan(""), std::nan("")};
  if (estimate) {
    for (std::uint64_t c : e.ber_estimate_cycles) {
      const BerQuadrature q = ber_2t2r_quadrature(m, e.compliance, static_cast<double>(c));
      ber_table.add_row({std::to_string(c), cell(q.ber), cell(q.err), method, cell(lifetime_cdf(m, static_cast<double>(c))),
                         cell(not_fresh_fraction(m, static_cast<double>(c)))});
    }
    at_end = ber_2t2r_quadrature(m, e.compliance, static_cast<double>(e.cycles));
  }
  // Standard errors with devices (1T1R) and pairs (2T2R) as the independent units: one device's errors across
  // cycles are correlated, so sqrt(p(1-p)/units) bounds the error of a rate from above (as `compare` does).
  const double pairs_n = std::max(1.0, static_cast<double>(pairs));
  write_results(out, s, opt,
                {{"workload", "endurance"}, {"devices", std::to_string(e.devices)}, {"cycles", std::to_string(e.cycles)},
                 {"compliance_uA", cell(e.compliance)}, {"read_threshold_uS", cell(e.read_threshold)},
                 {"lrs_p50_uS", cell(lrs_median_end)}, {"hrs_p50_uS", cell(hrs_median_end)},
                 {"failed_fraction", cell(failed)}, {"failed_fraction_se", cell(binomial_se(failed, n))},
                 {"ber_1t1r_last_interval", cell(last_ber1)}, {"ber_1t1r_last_interval_se", cell(binomial_se(last_ber1, n))},
                 {"ber_2t2r_last_interval", cell(last_ber2)}, {"ber_2t2r_last_interval_se", cell(binomial_se(last_ber2, pairs_n))},
                 {"ber_2t2r_estimate", cell(at_end.ber)}, {"ber_2t2r_estimate_err", cell(at_end.err)}, {"ber_2t2r_method", method},
                 {"energy_per_device_pJ", cell(energy_total / n)}, {"wall_s", cell(wall)}});
  if (estimate) out.write("ber_estimate.csv", ber_table.str());

  out.write("checkpoints.csv", checkpoints.str());
  out.write("cdf.csv", cdf.str());
  out.write("histograms.csv", hist.str());
  out.write("lifetime_histogram.csv", life.str());
  const nlohmann::ordered_json manifest =
      run_manifest(s, backend, wall, e.devices * e.cycles, e.devices * e.cycles, 2 * e.devices * e.cycles,
                   estimate ? std::vector<std::string>{"results.csv", "checkpoints.csv", "cdf.csv", "histograms.csv", "lifetime_histogram.csv", "ber_estimate.csv"}
                            : std::vector<std::string>{"results.csv", "checkpoints.csv", "cdf.csv", "histograms.csv", "lifetime_histogram.csv"});
  out.write("manifest.json", manifest.dump(2) + "\n");  // last: its presence with complete=true marks the run done

  summary.wall_seconds = wall;
  summary.rows = {
      {"devices x cycles", fmt::format("{} x {}", e.devices, e.cycles)},
      {"backend", backend.name + " (" + backend.device + ")"},
      {"device-cycles/s", fmt::format("{:.3g} (a SET and a RESET each)", n * e.cycles / wall)},
      {"LRS median at end", fmt::format("{:.4g} uS", lrs_median_end)},
      {"HRS median at end", fmt::format("{:.4g} uS", hrs_median_end)},
      {"failed fraction at end", fmt::format("{:.4g} (worn out {:.4g}, Weibull CDF {:.4g}; unformed {:.4g})", failed,
                                             (last.stuck_lrs + last.stuck_hrs) / n,
                                             lifetime_cdf(m, static_cast<double>(e.cycles)), last.unformed / n)},
      {"BER 1T1R / 2T2R (last interval)", fmt::format("{:.3g} / {:.3g}", last_ber1, last_ber2)},
      {"BER 2T2R at the last cycle", estimate ? fmt::format("{:.3g} (quadrature, error {:.2g}; ber_estimate.csv)", at_end.ber, at_end.err)
                                              : std::string("(endurance.ber_estimate_cycles: off)")},
      {"energy per device", fmt::format("{:.4g} pJ", energy_total / n)},
      {"wall time", fmt::format("{:.2f} s", wall)},
  };
  return summary;
}

}  // namespace mc
