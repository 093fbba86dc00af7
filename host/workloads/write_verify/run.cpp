// Workload `write_verify`, the run: program devices to a target conductance by pulse-read-verify (docs/physics.md, write-and-verify).
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "io/output.hpp"
#include "io/progress.hpp"
#include "workloads/run.hpp"
#include "workloads/write_verify/write_verify.hpp"

namespace mc {

RunSummary run_write_verify(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out) {
  const WriteVerifySpec& w = s.spec_as<WriteVerifySpec>();
  const WriteVerifyParams p = write_verify_params(s);
  RunSummary summary;
  summary.out_dir = opt.out_dir;
  const double t0 = now_seconds();
  Progress progress("write_verify", point_work(s), work_unit(s), opt.quiet || opt.progress);
  const RunHooks hooks = point_hooks(backend, opt, progress);

  // Bounded memory: devices are programmed in batches and summarized as they come.
  constexpr std::uint64_t kBatch = 1 << 22;
  constexpr int kErrBins = 200;  // relative error histogram on [-1, 1]
  // SET pulses per device, split by outcome (index 0: converged, 1: gave up or never formed).
  std::vector<std::uint64_t> pulses_hist[2] = {std::vector<std::uint64_t>(w.max_pulses + 1, 0),
                                               std::vector<std::uint64_t>(w.max_pulses + 1, 0)};
  std::vector<std::uint64_t> err_hist(kErrBins, 0);
  std::uint64_t converged = 0, set_total = 0, reset_total = 0, reads_total = 0;
  double energy = 0, err_sum = 0, err_sq = 0;
  std::vector<WriteVerifyOutcome> batch;
  for (std::uint64_t b0 = 0; b0 < w.devices; b0 += kBatch) {
    const std::uint64_t b1 = std::min(w.devices, b0 + kBatch);
#if defined(MC_HAVE_CUDA)
    if (backend.kind == Backend::kCuda) write_verify_cuda(backend.gpu, p, b0, b1, batch, hooks);
    else
#endif
      write_verify_cpu(p, b0, b1, batch, hooks);
    if (cancel_flag().load()) throw Interrupted();
    for (const WriteVerifyOutcome& o : batch) {  // index order: the float sums are deterministic
      converged += o.converged;
      ++pulses_hist[o.converged ? 0 : 1][std::min<std::uint32_t>(o.set_pulses, w.max_pulses)];
      set_total += o.set_pulses, reset_total += o.reset_pulses, reads_total += o.reads;
      energy += o.energy;
      const double rel = (o.g_final - w.target) / w.target;
      err_sum += rel, err_sq += rel * rel;
      const int bin = static_cast<int>(std::floor((std::clamp(rel, -1.0, 0.999999) + 1.0) / 2.0 * kErrBins));
      ++err_hist[bin];
    }
  }
  progress.finish();
  const double n = static_cast<double>(w.devices);
  const double wall = now_seconds() - t0;

  CsvTable ph({"set_pulses", "converged_devices", "unconverged_devices"});
  for (std::size_t k = 0; k <= w.max_pulses; ++k)
    if (pulses_hist[0][k] || pulses_hist[1][k])
      ph.add_row({std::to_string(k), std::to_string(pulses_hist[0][k]), std::to_string(pulses_hist[1][k])});
  CsvTable eh({"relative_error_lo", "relative_error_hi", "devices"});
  for (int b = 0; b < kErrBins; ++b)
    if (err_hist[b]) eh.add_row({cell(-1.0 + 2.0 * b / kErrBins), cell(-1.0 + 2.0 * (b + 1) / kErrBins), std::to_string(err_hist[b])});
  const double mean_err = err_sum / n, rms_err = std::sqrt(err_sq / n);
  const double conv = converged / n;
  const ResultRow row = {{"workload", "write_verify"}, {"devices", std::to_string(w.devices)}, {"target_uS", cell(w.target)},
                         {"tolerance", cell(w.tolerance)}, {"law", w.law == PulseLaw::kRetry ? "retry" : "incremental"},
                         {"max_pulses", std::to_string(w.max_pulses)}, {"converged_fraction", cell(conv)},
                         {"converged_fraction_se", cell(binomial_se(conv, n))}, {"mean_set_pulses", cell(set_total / n)},
                         {"mean_reset_pulses", cell(reset_total / n)}, {"mean_reads", cell(reads_total / n)},
                         {"mean_relative_error", cell(mean_err)}, {"rms_relative_error", cell(rms_err)},
                         {"energy_per_device_pJ", cell(energy / n)}, {"wall_s", cell(wall)}};
  out.write("pulses_histogram.csv", ph.str());
  out.write("final_error.csv", eh.str());
  write_results(out, s, opt, row);
  const nlohmann::ordered_json manifest = run_manifest(s, backend, wall, set_total, reset_total, reads_total,
                                                      {"results.csv", "pulses_histogram.csv", "final_error.csv"});
  out.write("manifest.json", manifest.dump(2) + "\n");

  summary.wall_seconds = wall;
  summary.rows = {
      {"devices", std::to_string(w.devices)},
      {"backend", backend.name + " (" + backend.device + ")"},
      {"converged", fmt::format("{:.4g} %", 100 * converged / n)},
      {"mean SET / RESET pulses", fmt::format("{:.3f} / {:.3f}", set_total / n, reset_total / n)},
      {"final error mean / rms", fmt::format("{:.3g} / {:.3g}", mean_err, rms_err)},
      {"energy per device", fmt::format("{:.4g} pJ", energy / n)},
      {"wall time", fmt::format("{:.2f} s", wall)},
  };
  return summary;
}

}  // namespace mc
