// memcarlo: the command line. Input errors print one message and exit 2; Ctrl-C exits 130 with nothing
// half-written; other failures exit 1.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

#include "endurance/driver.hpp"
#include "io/progress.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"
#include "workloads/run.hpp"

namespace {

using namespace mc;

void on_signal(int) { cancel_flag().store(true); }

void print_table(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t w = 0;
  for (const auto& r : rows) w = std::max(w, r.first.size());
  for (const auto& r : rows) std::printf("  %-*s  %s\n", static_cast<int>(w), r.first.c_str(), r.second.c_str());
}

std::string default_out(const Scenario& s) { return "runs/" + s.name; }

int cmd_validate(const std::string& file) {
  const Scenario s = load_scenario(file);
  std::printf("%s: ok\n", file.c_str());
  std::vector<std::pair<std::string, std::string>> rows = {{"name", s.name}, {"workload", s.workload},
                                                           {"seed", std::to_string(s.seed)},
                                                           {"device preset", s.preset.empty() ? "(none)" : s.preset}};
  if (s.workload == "endurance") {
    const auto& e = s.endurance;
    rows.push_back({"devices x cycles", fmt::format("{} x {}", e.devices, e.cycles)});
    rows.push_back({"write events", fmt::format("{:.3g}", 2.0 * e.devices * e.cycles)});
    rows.push_back({"checkpoints", fmt::format("{} (first {}, last {})", e.checkpoints.size(), e.checkpoints.front(), e.checkpoints.back())});
    rows.push_back({"compliance", fmt::format("{:.4g} uA (median LRS {:.4g} uS)", e.compliance, lrs_median(s.device, e.compliance))});
    rows.push_back({"estimated time", fmt::format("~{:.2g} s on 2 CPU cores at 6e8 write events/s", 2.0 * e.devices * e.cycles / 6e8)});
  } else {
    const auto& w = s.write_verify;
    rows.push_back({"devices", std::to_string(w.devices)});
    rows.push_back({"target / tolerance", fmt::format("{:.4g} uS / {:.3g}", w.target, w.tolerance)});
    rows.push_back({"law / max pulses", fmt::format("{} / {}", w.law == PulseLaw::kRetry ? "retry" : "incremental", w.max_pulses)});
  }
  print_table(rows);
  return 0;
}

int cmd_run(const std::string& file, const std::string& backend_name, std::string out, long long seed, int threads, bool quiet) {
  Scenario s = load_scenario(file);
  if (seed >= 0) {
    if (seed > 4294967295LL) throw InputError("--seed: expected 0 .. 4294967295, got " + std::to_string(seed));
    s.seed = static_cast<std::uint32_t>(seed);
    s.resolved["seed"] = s.seed;
  }
  if (out.empty()) out = default_out(s);
  const Backend backend = choose_backend(backend_name, threads);
  std::fprintf(stderr, "memcarlo %s: %s (%s) on %s -> %s\n", MC_VERSION, s.name.c_str(), s.workload.c_str(), backend.name.c_str(), out.c_str());
  const RunSummary r = run_scenario(s, backend, RunOptions{out, quiet});
  if (r.skipped) {
    std::printf("%s already holds the finished results of this scenario; nothing to do (use another --out to rerun)\n", out.c_str());
    return 0;
  }
  std::fflush(stderr);
  std::printf("%s finished\n", s.name.c_str());
  auto rows = r.rows;
  rows.push_back({"output", r.out_dir});
  print_table(rows);
  return 0;
}

long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

int cmd_bench(const std::string& what, std::uint64_t devices, std::uint64_t cycles, const std::string& backend_name, int threads,
              bool baseline, std::uint64_t baseline_cycles) {
  if (what != "endurance") throw InputError("bench: expected 'endurance', got '" + what + "'");
  if (devices < 2 || devices % 2) throw InputError("--devices: expected an even number >= 2");
  if (cycles < 1) throw InputError("--cycles: expected >= 1");
  const std::string text = fmt::format("workload: endurance\ndevice: {{preset: hfo2_1t1r}}\nendurance: {{devices: {}, cycles: {}}}\n", devices, cycles);
  const Scenario s = parse_scenario(text, std::string(MC_SOURCE_DIR) + "/configs/bench.yaml");
  const Backend backend = choose_backend(backend_name, threads);
  const EnduranceParams p = s.endurance_params();
  RunHooks hooks;
  hooks.threads = threads;
  hooks.cancel = &cancel_flag();
  // Warm-up (page faults, GPU context), then the timed run.
  {
    IntervalTally warm;
    endurance_interval(backend, p, std::min<std::uint64_t>(devices / 2, 4096), 0, 8, warm, hooks);
  }
  IntervalTally t;
  const double t0 = now_seconds();
  endurance_interval(backend, p, devices / 2, 0, cycles, t, hooks);
  const double dt = now_seconds() - t0;
  if (cancel_flag().load()) throw Interrupted();
  const double rate = 2.0 * devices * cycles / dt;
  std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
  std::printf("memcarlo %s: %.3g s for %.3g write events\n", backend.name.c_str(), dt, 2.0 * devices * cycles);
  if (baseline) {
    const std::string script = std::string(MC_SOURCE_DIR) + "/tools/baselines/endurance_numpy.py";
    const std::uint64_t bc = baseline_cycles > 0 ? std::min(cycles, baseline_cycles) : cycles;
    const std::string cmd = fmt::format("/usr/bin/python3 '{}' --devices {} --cycles {} --seed 1 --json", script, devices, bc);
    std::string output;
    if (FILE* f = popen(cmd.c_str(), "r")) {
      char buf[4096];
      while (std::fgets(buf, sizeof buf, f)) output += buf;
      const int rc = pclose(f);
      try {
        if (rc != 0) throw std::runtime_error("exit status " + std::to_string(rc));
        const auto j = nlohmann::json::parse(output);
        const double brate = j.at("rate").get<double>();
        std::printf("numpy baseline: %.3g write-events/s (%llu devices, %llu cycles, peak %.0f MB)\n", brate,
                    static_cast<unsigned long long>(devices), static_cast<unsigned long long>(bc), j.at("peak_mb").get<double>());
        std::printf("ratio memcarlo/numpy: %.1fx\n", rate / brate);
      } catch (const std::exception& e) {
        std::printf("numpy baseline: not measured (%s: %s)\n", cmd.c_str(), e.what());
      }
    }
  }
  std::printf("endurance: %.3g write-events/s (%s, %llu devices, %llu cycles, peak %ld MB)\n", rate, backend.name.c_str(),
              static_cast<unsigned long long>(devices), static_cast<unsigned long long>(cycles), peak_rss_mb());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"memcarlo: Monte Carlo simulation of memristor (RRAM) devices on CPUs and GPUs", "memcarlo"};
  app.set_version_flag("--version", std::string("memcarlo ") + MC_VERSION + " (" + MC_GIT_REVISION + ", " + MC_BUILD_FLAGS + ")");
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  memcarlo validate configs/quickstart.yaml\n"
      "  memcarlo run configs/quickstart.yaml --out runs/quickstart\n"
      "  memcarlo run configs/scenarios/endurance_2t2r_typical.yaml --backend cuda --seed 7\n"
      "  memcarlo bench endurance --devices 1000000 --cycles 1000\n"
      "  memcarlo devices\n"
      "Scenario keys: docs/scenario-reference.md (or `memcarlo schema --markdown`).");

  std::string file, backend = "auto", out, what = "endurance", format = "markdown";
  long long seed = -1;
  int threads = 0;
  bool quiet = false, no_baseline = false;
  std::uint64_t devices = 1000000, cycles = 1000, baseline_cycles = 0;

  auto* run = app.add_subcommand("run", "Run a scenario and write its output folder");
  run->add_option("scenario", file, "Scenario YAML file")->required();
  run->add_option("--backend", backend, "auto | cpu | cuda (auto: a GPU when one answers)");
  run->add_option("--out", out, "Output folder (default runs/<scenario name>)");
  run->add_option("--seed", seed, "Override the scenario's seed (0 .. 4294967295)");
  run->add_option("--threads", threads, "CPU threads (default: all cores)");
  run->add_flag("--quiet", quiet, "No progress output");

  auto* validate = app.add_subcommand("validate", "Parse and check a scenario; print what would run and its size");
  validate->add_option("scenario", file, "Scenario YAML file")->required();

  auto* devices_cmd = app.add_subcommand("devices", "List compiled backends, GPUs and CPU threads");

  auto* bench = app.add_subcommand("bench", "Measure throughput against the NumPy baseline");
  bench->add_option("workload", what, "endurance");
  bench->add_option("--devices", devices, "Devices (even)");
  bench->add_option("--cycles", cycles, "Cycles");
  bench->add_option("--backend", backend, "auto | cpu | cuda");
  bench->add_option("--threads", threads, "CPU threads (default: all cores)");
  bench->add_flag("--no-baseline", no_baseline, "Skip the NumPy baseline");
  bench->add_option("--baseline-cycles", baseline_cycles, "Cycles for the (slower) NumPy baseline (default: the same as --cycles)");

  auto* schema = app.add_subcommand("schema", "Print the scenario reference (Markdown) or JSON Schema");
  schema->add_option("--format", format, "markdown | json")->check(CLI::IsMember({"markdown", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    if (*run) return cmd_run(file, backend, out, seed, threads, quiet);
    if (*validate) return cmd_validate(file);
    if (*devices_cmd) {
      for (const auto& line : describe_devices()) std::printf("%s\n", line.c_str());
      return 0;
    }
    if (*bench) return cmd_bench(what, devices, cycles, backend, threads, !no_baseline, baseline_cycles);
    if (*schema) {
      std::fputs((format == "json" ? schema_json() : schema_markdown()).c_str(), stdout);
      return 0;
    }
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const Interrupted&) {
    std::fprintf(stderr, "\ninterrupted: stopped before writing; files already on disk are untouched\n");
    return 130;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "memcarlo: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
