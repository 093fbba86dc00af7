// Workload `endurance`: its keys, their resolution and what `validate` prints; run, compare and bench live
// beside this file.
#include <fmt/format.h>

#include "scenario/resolver.hpp"
#include "workloads/endurance/endurance.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"

namespace mc {

EnduranceParams endurance_params(const Scenario& s) {
  const EnduranceSpec& e = s.spec_as<EnduranceSpec>();
  return EnduranceParams{s.device, e.compliance, e.read_threshold, s.seed};
}

void endurance_interval(const Backend& b, const EnduranceParams& p, std::uint64_t pairs, std::uint64_t c0, std::uint64_t c1,
                        IntervalTally& out, const RunHooks& hooks) {
#if defined(MC_HAVE_CUDA)
  if (b.kind == Backend::kCuda) return endurance_interval_cuda(b.gpu, p, 0, pairs, c0, c1, out, hooks);
#else
  (void)b;
#endif
  endurance_interval_cpu(p, 0, pairs, c0, c1, out, hooks);
}

namespace {

class EnduranceWorkload final : public Workload {
 public:
  const char* name() const override { return "endurance"; }
  const char* description() const override { return "SET/RESET cycling with checkpoints"; }

  std::vector<KeySpec> keys() const override {
    return {
      integer_key("endurance.devices", "100000", 2, 1e12, "Devices simulated, in 2T2R pairs (must be even)."),
      integer_key("endurance.cycles", "1000000", 1, 1e14, "SET/RESET cycles per device."),
      int_list_key("endurance.checkpoints", 1, 1e14, "Cycle counts where statistics are taken (default: log-spaced, see checkpoints_per_decade)."),
      int_list_key("endurance.ber_estimate_cycles", 1, 1e15,
                   "Cycle counts where the 2T2R BER is also computed by quadrature over every device state (kernels/endurance/ber.hpp: reaches 1e-15, beyond plain Monte Carlo; any count, not only simulated ones) into ber_estimate.csv; results.csv then holds the estimate at the last cycle. Empty: off."),
      integer_key("endurance.checkpoints_per_decade", "4", 1, 100, "Log-spaced checkpoints per decade when checkpoints is not given."),
      num_key("endurance.compliance", Dimension::kCurrent, "66.7 uA", 1e-3, 1e6, "SET compliance current of every cycle."),
      num_key("endurance.read_threshold", Dimension::kConductance, "20 uS", 0, 1e7, "1T1R read threshold: reads at or above it are LRS.")
    };
  }

  void resolve(Resolver& r, Scenario& s) const override {
    const DeviceModel& m = s.device;
    EnduranceSpec e;
    e.devices = static_cast<std::uint64_t>(r.number("endurance.devices"));
    if (e.devices % 2) throw InputError(r.mark("endurance.devices"), "endurance.devices", "must be even: devices are simulated as 2T2R pairs, got " + std::to_string(e.devices));
    e.cycles = static_cast<std::uint64_t>(r.number("endurance.cycles"));
    e.checkpoints = r.int_list("endurance.checkpoints");
    e.ber_estimate_cycles = r.int_list("endurance.ber_estimate_cycles");
    if (e.ber_estimate_cycles.size() > 100)
      throw InputError(r.mark("endurance.ber_estimate_cycles"), "endurance.ber_estimate_cycles", "at most 100 cycle counts (each takes about a second), got " + std::to_string(e.ber_estimate_cycles.size()));
    if (!e.ber_estimate_cycles.empty() && s.device.read_noise == ReadNoise::kLaplace)
      throw InputError(r.mark("endurance.ber_estimate_cycles"), "endurance.ber_estimate_cycles", "the quadrature integrates gaussian or no read noise, not device.read.noise: laplace");
    const int per_decade = static_cast<int>(r.number("endurance.checkpoints_per_decade"));
    if (e.checkpoints.empty()) {
      e.checkpoints = log_checkpoints(e.cycles, per_decade);
    } else {
      check_checkpoints(r, "endurance", e.cycles, e.checkpoints);
    }
    e.compliance = static_cast<float>(r.number("endurance.compliance"));
    e.read_threshold = static_cast<float>(r.number("endurance.read_threshold"));
    if (lrs_median(m, e.compliance) > m.g_max)
      throw InputError(r.mark("endurance.compliance"), "endurance.compliance", "its median LRS conductance " + fmt_num(lrs_median(m, e.compliance)) + " uS is above device.g_max");
    s.spec = std::move(e);
  }

  const char* work_unit() const override { return "device-cycles"; }
  /// The cycles of every device, plus one unit per device for the lifetime pass that comes first.
  double work(const Scenario& s) const override {
    const EnduranceSpec& e = s.spec_as<EnduranceSpec>();
    return static_cast<double>(e.devices) * (static_cast<double>(e.cycles) + 1.0);
  }

  void describe(const Scenario& s, double work, bool sweep, TableRows& rows) const override {
    const EnduranceSpec& e = s.spec_as<EnduranceSpec>();
    const double events = 2.0 * work * static_cast<double>(e.cycles) / (static_cast<double>(e.cycles) + 1.0);  // SET + RESET per cycle
    rows.push_back({"devices x cycles", fmt::format("{} x {}{}", e.devices, e.cycles, sweep ? " (point 0)" : "")});
    rows.push_back({"device-cycles", fmt::format("{:.3g}{}", events / 2, sweep ? " (all points)" : "")});
    rows.push_back({"checkpoints", fmt::format("{} (first {}, last {})", e.checkpoints.size(), e.checkpoints.front(), e.checkpoints.back())});
    rows.push_back({"compliance", fmt::format("{:.4g} uA (median LRS {:.4g} uS)", e.compliance, lrs_median(s.device, e.compliance))});
    // Measured on 2 cores (EPYC, Release): the lifetime pass and every checkpoint redraw each device
    // (~4e-8 s and ~8e-8 s per device), cycles run at ~6e8 write events/s.
    const double draws = static_cast<double>(e.devices) * (4e-8 + 8e-8 * static_cast<double>(e.checkpoints.size()));
    const double scale = work / (static_cast<double>(e.devices) * (static_cast<double>(e.cycles) + 1.0));  // points
    const double seconds = scale * draws + events / 6e8;
    rows.push_back({"estimated time", fmt::format("~{:.2g} s on 2 CPU cores ({:.2g} s drawing devices at checkpoints, {:.2g} s cycling){}",
                                                  seconds, scale * draws, events / 6e8, sweep ? " (all points like point 0)" : "")});
  }

  RunSummary run(const Scenario& s, const Backend& b, const RunOptions& opt, const OutputFolder& out) const override {
    return run_endurance(s, b, opt, out);
  }
  void compare(const Manifest& a, const Manifest& b, std::vector<CompareRow>& rows) const override { compare_endurance(a, b, rows); }

  std::vector<BenchOption> bench_options() const override {
    return {{"devices", 1000000, "Devices (even)"},
            {"cycles", 1000, "Cycles"},
            {"baseline-cycles", 0, "Cycles for the (slower) NumPy baseline (default: the same as --cycles)"}};
  }
  int bench(const BenchArgs& args) const override { return bench_endurance(args); }

  const char* plot_script() const override { return "tools/plot_endurance.py"; }
};

}  // namespace

const Workload& endurance_workload() {
  static const EnduranceWorkload w;
  return w;
}

}  // namespace mc
