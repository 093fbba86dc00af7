#include "fit/command.hpp"

#include <cstdio>
#include <ctime>
#include <tuple>
#include <vector>
#include <filesystem>
#include <fmt/format.h>

#include "fit/fit.hpp"
#include "fit/measurements.hpp"
#include "fit/simulate.hpp"
#include "io/output.hpp"
#include "scenario/error.hpp"
#include "scenario/scenario.hpp"
#include "scenario/units.hpp"

namespace mc {

namespace fs = std::filesystem;

namespace {

std::string yaml_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

/// A preset (name or .yaml path) resolved as a scenario in the current folder would resolve it.
Scenario load_preset(const std::string& preset, const std::string& where) {
  return parse_scenario("workload: endurance\ndevice:\n  preset: " + yaml_quote(preset) + "\n", where);
}

std::string now_utc() {
  const std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return when;
}

int simulate(const FitArgs& a) {
  if (a.out.empty()) throw InputError("fit --simulate: give --out FILE.csv");
  const Scenario s = load_preset(a.simulate, (fs::current_path() / "fit-simulate.yaml").string());
  MeasurementPlan plan;
  plan.devices = a.devices, plan.cycles = a.cycles, plan.repeats = a.repeats, plan.repeat_cycles = a.repeat_cycles, plan.seed = a.seed;
  if (plan.devices < 1 || plan.cycles < 1) throw InputError("fit --simulate: --devices and --cycles must be at least 1");
  if (plan.repeats < 1 || plan.repeats > 1000) throw InputError("fit --simulate: --repeats must be 1 .. 1000");
  if (plan.devices * plan.cycles > 100000000ull) throw InputError("fit --simulate: more than 1e8 device-cycles (a CSV of many GB)");
  plan.compliances.clear();
  std::string rest = a.compliance;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string item = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    std::string why;
    const auto v = parse_quantity(item, Dimension::kCurrent, &why);
    if (!v || !(*v > 0)) throw InputError("fit --simulate: --compliance: " + (v ? "'" + item + "' must be positive" : why));
    plan.compliances.push_back(*v);
  }
  if (plan.compliances.empty()) throw InputError("fit --simulate: --compliance needs at least one current");
  plan.lifetime_test = a.lifetime_test < 0 ? static_cast<double>(s.device.weibull_scale) : a.lifetime_test;
  atomic_write(a.out, simulate_measurements(s.device, plan));
  if (!a.quiet)
    std::printf("wrote %s: %llu devices x %llu cycles of preset %s (seed %u)\n", a.out.c_str(), static_cast<unsigned long long>(plan.devices),
                static_cast<unsigned long long>(plan.cycles), a.simulate.c_str(), plan.seed);
  return 0;
}

}  // namespace

std::string default_report_path(const std::string& preset_path) {
  fs::path p(preset_path);
  return (p.parent_path() / (p.stem().string() + "_fit_report.csv")).string();
}

int cmd_fit(const FitArgs& a) {
  for (const auto& [opt, value, allowed] :
       {std::tuple<std::string, std::string, std::vector<std::string>>{"--median-law", a.median_law, {"auto", "linear", "power", "table"}},
        {"--sigma-law", a.sigma_law, {"auto", "sqrt", "relative", "power", "table"}}}) {
    bool ok = false;
    std::string list;
    for (const auto& x : allowed) ok = ok || x == value, list += (list.empty() ? "" : ", ") + x;
    if (!ok) throw InputError("fit: " + opt + ": expected one of " + list + ", got '" + value + "'");
  }
  if (!a.simulate.empty()) {
    if (!a.measurements.empty()) throw InputError("fit: give MEASUREMENTS.csv or --simulate PRESET, not both");
    return simulate(a);
  }
  if (a.measurements.empty()) throw InputError("fit: give the measurements CSV (or --simulate PRESET)");
  if (a.out.empty()) throw InputError("fit: give --out PRESET.yaml");
  const Measurements data = read_measurements(a.measurements);
  FitOptions o;
  o.median_law = a.median_law, o.sigma_law = a.sigma_law;
  const FitResult fit = fit_device_model(data, o);
  const std::string yaml = fit_preset_yaml(fit, data, now_utc());

  // The preset must load as memcarlo loads presets: check it under a temporary name, then rename it into place.
  const fs::path out(a.out);
  const std::string check = (out.parent_path() / ("." + out.filename().string() + ".fit-check.yaml")).string();
  atomic_write(check, yaml);
  try {
    load_preset(fs::absolute(check).string(), (fs::current_path() / "fit-check.yaml").string());
  } catch (const InputError& e) {
    std::remove(check.c_str());
    throw InputError(std::string("fit: the fitted preset does not load (a value outside memcarlo's ranges?): ") + e.what());
  }
  std::error_code ec;
  fs::rename(check, out, ec);
  if (ec) {
    std::remove(check.c_str());
    throw std::runtime_error("cannot write " + a.out + ": " + ec.message());
  }
  const std::string report = a.report.empty() ? default_report_path(a.out) : a.report;
  atomic_write(report, fit_report_csv(fit));
  if (!a.quiet) {
    std::fputs(fit_summary(fit, data).c_str(), stdout);
    std::printf("\nwrote %s (the preset) and %s (data vs model: /usr/bin/python3 tools/plot_fit.py %s)\n", a.out.c_str(), report.c_str(), report.c_str());
  }
  return 0;
}

}  // namespace mc
