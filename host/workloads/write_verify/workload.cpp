// Workload `write_verify`: its keys, their resolution and what `validate` prints; run and compare live beside
// this file.
#include <fmt/format.h>

#include "scenario/resolver.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"
#include "workloads/write_verify/write_verify.hpp"

namespace mc {

WriteVerifyParams write_verify_params(const Scenario& s) {
  const WriteVerifySpec& w = s.spec_as<WriteVerifySpec>();
  return WriteVerifyParams{s.device, w.target, w.tolerance, w.max_pulses, w.law, w.start_fraction, w.step, s.seed};
}

namespace {

class WriteVerifyWorkload final : public Workload {
 public:
  const char* name() const override { return "write_verify"; }
  const char* description() const override { return "write-and-verify programming"; }

  std::vector<KeySpec> keys() const override {
    return {
      integer_key("write_verify.devices", "100000", 1, 1e12, "Devices programmed."),
      num_key("write_verify.target", Dimension::kConductance, "50 uS", 1e-6, 1e7, "Target conductance."),
      num_key("write_verify.tolerance", Dimension::kNone, "0.05", 1e-6, 1, "Relative half-width of the acceptance band."),
      integer_key("write_verify.max_pulses", "100", 1, 1e6, "Pulses (SET and RESET) before giving up."),
      choice_key("write_verify.law", {"retry", "incremental"}, "retry",
             "retry: RESET+SET at the target's compliance; incremental: compliance stepped up, RESET and restart when above."),
      num_key("write_verify.start_fraction", Dimension::kNone, "0.5", 0.01, 1, "incremental: first compliance as a fraction of the target's."),
      num_key("write_verify.step", Dimension::kCurrent, "2 uA", 1e-6, 1e6, "incremental: compliance step per pulse.")
    };
  }

  void resolve(Resolver& r, Scenario& s) const override {
    const DeviceModel& m = s.device;
    WriteVerifySpec w;
    w.devices = static_cast<std::uint64_t>(r.number("write_verify.devices"));
    w.target = static_cast<float>(r.number("write_verify.target"));
    w.tolerance = static_cast<float>(r.number("write_verify.tolerance"));
    w.max_pulses = static_cast<std::uint32_t>(r.number("write_verify.max_pulses"));
    const std::string law = r.choice("write_verify.law");
    w.law = law == "retry" ? PulseLaw::kRetry : PulseLaw::kIncremental;
    w.start_fraction = static_cast<float>(r.number("write_verify.start_fraction"));
    w.step = static_cast<float>(r.number("write_verify.step"));
    if (w.target <= m.g_min || w.target >= m.g_max)
      throw InputError(r.mark("write_verify.target"), "write_verify.target", "must lie between device.g_min and device.g_max");
    s.spec = std::move(w);
  }

  const char* work_unit() const override { return "devices"; }
  double work(const Scenario& s) const override { return s.spec_as<WriteVerifySpec>().devices; }

  void describe(const Scenario& s, double, bool, TableRows& rows) const override {
    const WriteVerifySpec& w = s.spec_as<WriteVerifySpec>();
    rows.push_back({"devices", std::to_string(w.devices)});
    rows.push_back({"target / tolerance", fmt::format("{:.4g} uS / {:.3g}", w.target, w.tolerance)});
    rows.push_back({"law / max pulses", fmt::format("{} / {}", w.law == PulseLaw::kRetry ? "retry" : "incremental", w.max_pulses)});
  }

  RunSummary run(const Scenario& s, const Backend& b, const RunOptions& opt, const OutputFolder& out) const override {
    return run_write_verify(s, b, opt, out);
  }
  void compare(const Manifest& a, const Manifest& b, std::vector<CompareRow>& rows) const override { compare_write_verify(a, b, rows); }

  const char* plot_script() const override { return "tools/plot_write_verify.py"; }
};

}  // namespace

const Workload& write_verify_workload() {
  static const WriteVerifyWorkload w;
  return w;
}

}  // namespace mc
