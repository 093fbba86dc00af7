// memcarlo: the command line. Input errors print one message and exit 2; Ctrl-C exits 130 with nothing
// half-written; other failures exit 1.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <limits>
#include <map>
#include <omp.h>
#include <sstream>
#include <nlohmann/json.hpp>

#include "compare/compare.hpp"
#include "common/gpu_info.hpp"
#include "bayes/driver.hpp"
#include "endurance/driver.hpp"
#include "io/command.hpp"
#include "io/progress.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"
#include "scenario/sweep.hpp"
#include "workloads/mcmc.hpp"
#include "scheduler/cluster.hpp"
#include "scheduler/scheduler.hpp"
#include "workloads/run.hpp"

namespace {

using namespace mc;

void on_signal(int) { cancel_flag().store(true); }

void print_table(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t w = 0;
  for (const auto& r : rows) w = std::max(w, r.first.size());
  for (const auto& r : rows) std::printf("  %-*s  %s\n", static_cast<int>(w), r.first.c_str(), r.second.c_str());
}

/// The default output folder runs/<name>: the free-text name made safe as one path component.
std::string default_out_dir(const SweepPlan& plan, const std::string& suffix = "") {
  std::string safe;
  for (char c : plan.name) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  if (safe.empty() || safe.find_first_not_of('.') == std::string::npos) safe = "scenario";
  return "runs/" + safe + suffix;
}

int cmd_validate(const std::string& file) {
  const SweepPlan plan = load_sweep(file);
  const Scenario& s = plan.points.front().scenario;
  std::printf("%s: ok\n", file.c_str());
  std::vector<std::pair<std::string, std::string>> rows = {{"name", plan.name}, {"workload", s.workload},
                                                           {"seed", plan.has_sweep ? "derived per point" : std::to_string(s.seed)},
                                                           {"device preset", s.preset.empty() ? "(none)" : s.preset}};
  if (plan.has_sweep) {
    std::string cols;
    for (const auto& c : plan.columns) cols += (cols.empty() ? "" : ", ") + c;
    rows.push_back({"sweep points", std::to_string(plan.points.size())});
    rows.push_back({"swept keys", cols});
  }
  double work = 0;
  for (const auto& p : plan.points) work += static_cast<double>(point_work(p.scenario));
  if (s.workload == "endurance") {
    const auto& e = s.endurance;
    const double events = 2.0 * work;  // a SET and a RESET per device-cycle
    rows.push_back({"devices x cycles", fmt::format("{} x {}{}", e.devices, e.cycles, plan.has_sweep ? " (point 0)" : "")});
    rows.push_back({"write events", fmt::format("{:.3g}{}", events, plan.has_sweep ? " (all points)" : "")});
    rows.push_back({"checkpoints", fmt::format("{} (first {}, last {})", e.checkpoints.size(), e.checkpoints.front(), e.checkpoints.back())});
    rows.push_back({"compliance", fmt::format("{:.4g} uA (median LRS {:.4g} uS)", e.compliance, lrs_median(s.device, e.compliance))});
    rows.push_back({"estimated time", fmt::format("~{:.2g} s on 2 CPU cores at 6e8 write events/s", events / 6e8)});
  } else if (s.workload == "bayes_machine") {
    const auto& b = s.bayes_machine;
    rows.push_back({"task", b.task + (b.task == "csv" ? " (" + b.data_file + ")" : b.task == "table" ? " (" + b.table_file + ")" : "")});
    rows.push_back({"machine", fmt::format("{}, B = {}, T = {}, {}", b.log_mode ? "log" : "stochastic", b.bits, b.cycles,
                                           b.generator == BayesGenerator::kLfsr ? "lfsr" : "philox")});
    rows.push_back({"inferences", fmt::format("{} samples x {} repeats{}", b.samples, b.repeats, plan.has_sweep ? " (point 0)" : "")});
  } else if (s.workload == "mcmc") {
    const auto& c = s.mcmc;
    const char* tasks[] = {"csv", "illustrative_2d", "linear_regression", "cartpole"};
    rows.push_back({"task", std::string(tasks[static_cast<int>(c.task)]) + (c.task == McmcTask::kCsv ? " (" + c.data + ")" : "")});
    rows.push_back({"model", c.model + (c.model == "mlp" ? fmt::format(", {} hidden", c.hidden) : std::string()) +
                                 (c.differential ? ", differential pairs" : ", one device vs a reference")});
    const bool noisy = s.device.read_noise != ReadNoise::kNone && c.proposal == McmcProposal::kDevice;
    rows.push_back({"acceptance", c.acceptance == McmcAcceptance::kPlain
                                      ? std::string("plain (the chip's ratio: biased where write sigma depends on G)")
                                      : noisy ? std::string("hastings, on noisy reads: pseudo-marginal, samples the posterior smoothed by the "
                                                            "read noise (device.read.noise: none for the exact one)")
                                              : std::string("hastings (exact: no read noise)")});
    rows.push_back({"chains x iterations", fmt::format("{} x {}{}", c.chains, c.iterations, plan.has_sweep ? " (point 0)" : "")});
    rows.push_back({"chain-steps", fmt::format("{:.3g}{}", work, plan.has_sweep ? " (all points)" : "")});
  } else {
    const auto& w = s.write_verify;
    rows.push_back({"devices", std::to_string(w.devices)});
    rows.push_back({"target / tolerance", fmt::format("{:.4g} uS / {:.3g}", w.target, w.tolerance)});
    rows.push_back({"law / max pulses", fmt::format("{} / {}", w.law == PulseLaw::kRetry ? "retry" : "incremental", w.max_pulses)});
  }
  print_table(rows);
  return 0;
}

struct RunArgs {
  std::string file, backend = "auto", out, shard, gpus;
  long long seed = std::numeric_limits<long long>::min();  // min: not given
  int threads = 0, workers = 0;
  bool quiet = false;
};

int cmd_run(const RunArgs& a) {
  if (a.threads < 0) throw InputError("--threads: expected 1 or more (0 = all cores), got " + std::to_string(a.threads));
  if (a.workers < 0) throw InputError("--workers: expected 1 or more, got " + std::to_string(a.workers));
  SweepPlan plan = load_sweep(a.file);
  if (!plan.has_sweep && (a.workers > 1 || !a.gpus.empty()))
    throw InputError(std::string(a.workers > 1 ? "--workers" : "--gpus") + ": applies to sweeps; this scenario has no sweep: block");
  int shard = 0, shards = 1;
  if (!a.shard.empty()) parse_shard(a.shard, &shard, &shards);
  if (a.seed != std::numeric_limits<long long>::min()) {
    if (a.seed < 0 || a.seed > 4294967295LL) throw InputError("--seed: expected 0 .. 4294967295, got " + std::to_string(a.seed));
    if (plan.has_sweep) throw InputError("--seed: a sweep derives each point's seed from the scenario's seed; change seed: in the scenario");
    plan.points[0].scenario.seed = static_cast<std::uint32_t>(a.seed);
    plan.points[0].scenario.resolved["seed"] = plan.points[0].scenario.seed;
    plan.fingerprint = plan.points[0].scenario.fingerprint();
  }
  const std::string out = a.out.empty() ? default_out_dir(plan) : a.out;
  if (!plan.has_sweep && shards == 1) {
    const Scenario& s = plan.points[0].scenario;
    Backend backend = choose_backend(a.backend, a.threads);
    std::fprintf(stderr, "memcarlo %s: %s (%s) on %s -> %s\n", MC_VERSION, s.name.c_str(), s.workload.c_str(), backend.name.c_str(), out.c_str());
    const RunSummary r = run_scenario(s, backend, RunOptions{out, a.quiet});
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
  ScheduleOptions opt;
  opt.out_dir = out;
  opt.backend = a.backend;
  opt.threads = a.threads;
  opt.workers = a.workers;
  opt.shard = shard;
  opt.shards = shards;
  opt.quiet = a.quiet;
  if (!a.gpus.empty()) {
    std::stringstream ss(a.gpus);
    std::string g;
    while (std::getline(ss, g, ',')) {
      if (g.empty() || g.size() > 4 || g.find_first_not_of("0123456789") != std::string::npos)
        throw InputError("--gpus: expected a list of GPU indices like 0,2, got '" + a.gpus + "'");
      opt.gpus.push_back(std::stoi(g));
    }
  }
  std::fprintf(stderr, "memcarlo %s: %s, %zu points%s -> %s\n", MC_VERSION, plan.name.c_str(), plan.points.size(),
               shards > 1 ? fmt::format(" (shard {}/{})", shard, shards).c_str() : "", out.c_str());
  const ScheduleResult r = run_plan(plan, opt);
  std::fflush(stderr);
  const double overhead = r.wall_seconds > 0 ? 1.0 - r.point_seconds / (r.workers * r.wall_seconds) : 0.0;
  std::printf("%s finished\n", plan.name.c_str());
  print_table({{"points", fmt::format("{} of {} done ({} resumed from disk), {} failed", r.done, r.total, r.resumed, r.failed)},
               {"workers", fmt::format("{} x {}", r.workers, r.backend)},
               {"wall time", fmt::format("{:.2f} s", r.wall_seconds)},
               {"scheduling overhead", r.done > r.resumed || r.failed
                                           ? fmt::format("{:.2f} % of worker time outside points", 100 * std::max(0.0, overhead))
                                           : std::string("n/a (no point ran)")},
               {"output", out + "/results.csv"}});
  if (r.failed) std::fprintf(stderr, "memcarlo: %zu point(s) failed; their errors are in %s/results.csv\n", r.failed, out.c_str());
  return r.failed ? 1 : 0;
}

/// Run a plan quietly into dir on one backend configuration (a single point, or a sweep).
void run_into(const SweepPlan& plan, const std::string& dir, const std::string& backend, int threads) {
  if (!plan.has_sweep) {
    run_scenario(plan.points[0].scenario, choose_backend(backend, threads), RunOptions{dir, true});
    return;
  }
  ScheduleOptions opt;
  opt.out_dir = dir;
  opt.backend = backend;
  opt.threads = threads;
  opt.quiet = true;
  opt.workers_per_gpu = 1;
  run_plan(plan, opt);
}

int cmd_compare(const std::string& file, std::string out, int threads, bool verbose) {
  const SweepPlan plan = load_sweep(file);
  if (out.empty()) out = default_out_dir(plan, "-compare");
  // Always simulate afresh: results left by an earlier build or thread count must not pass for new ones.
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && !std::filesystem::is_empty(out, ec))
    throw InputError("compare: " + out + " already holds an earlier comparison; remove it or give another --out");
  bool gpu = false;
#if defined(MC_HAVE_CUDA)
  gpu = !cuda_devices().empty();
#endif
  const int ref_threads = threads > 0 ? threads : omp_get_max_threads();
  const std::string ref_dir = out + "/reference-cpu", test_dir = out + (gpu ? "/cuda" : "/cpu-1-thread");
  std::printf("reference: cpu, %d threads -> %s\n", ref_threads, ref_dir.c_str());
  if (gpu) {
    std::printf("test:      cuda -> %s\n", test_dir.c_str());
  } else {
    std::printf("test:      cpu, 1 thread -> %s\n", test_dir.c_str());
    std::printf("(no GPU answers: comparing two CPU thread counts, which the reproducibility contract makes identical)\n");
  }
  std::fflush(stdout);
  run_into(plan, ref_dir, "cpu", ref_threads);
  run_into(plan, test_dir, gpu ? "cuda" : "cpu", gpu ? 0 : 1);

  // Per point, then grouped by metric: checks, the worst statistic, the verdict; disagreements in full.
  struct Group {
    int checks = 0, failed = 0;
    double worst_z = 0, worst_p = 1;
    bool chi2 = false;
  };
  std::vector<std::string> order;
  std::map<std::string, Group> groups;
  std::vector<std::string> disagreements;
  int total = 0, failed = 0;
  for (const SweepPoint& p : plan.points) {
    const std::string a = plan.has_sweep ? point_dir(ref_dir, p.index) : ref_dir;
    const std::string b = plan.has_sweep ? point_dir(test_dir, p.index) : test_dir;
    const CompareReport r = compare_folders(a, b);
    if (verbose) std::printf("%s", format_report(r).c_str());
    for (const CompareRow& row : r.rows) {
      if (!groups.count(row.metric)) order.push_back(row.metric);
      Group& g = groups[row.metric];
      ++g.checks, ++total;
      g.chi2 = row.test_kind.rfind("chi2", 0) == 0;
      if (g.chi2) g.worst_p = std::min(g.worst_p, row.z_or_p);
      else g.worst_z = std::max(g.worst_z, std::fabs(row.z_or_p));
      if (!row.agree) {
        ++g.failed, ++failed;
        disagreements.push_back(fmt::format("  point {} {} {}: reference {:.6g}, test {:.6g}, {} = {:.3g}", p.index, row.metric,
                                            row.where, row.ref, row.test, g.chi2 ? "p" : "z", row.z_or_p));
      }
    }
  }
  int width = 24;
  for (const auto& m : order) width = std::max(width, static_cast<int>(m.size()));
  std::printf("\n%-*s %7s  %-22s %s\n", width, "metric", "checks", "worst", "verdict");
  for (const auto& m : order) {
    const Group& g = groups[m];
    const std::string worst = g.chi2 ? fmt::format("p = {:.3g} (chi2)", g.worst_p) : fmt::format("|z| = {:.2f} SE", g.worst_z);
    std::printf("%-*s %7d  %-22s %s\n", width, m.c_str(), g.checks, worst.c_str(), g.failed ? fmt::format("{} DISAGREE", g.failed).c_str() : "agree");
  }
  for (const auto& d : disagreements) std::printf("%s\n", d.c_str());
  std::printf("%s: %d checks over %zu point(s); agreement means |z| <= %.0f SE and chi2 p >= %.0e\n",
              failed ? fmt::format("{} of them DISAGREE", failed).c_str() : "all agree", total, plan.points.size(), kCompareMaxZ,
              kCompareMinP);
  return failed ? 1 : 0;
}

long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

/// Runs a NumPy baseline (tools/baselines/<script> <args> --json, which prints one JSON object with "rate" and
/// "peak_mb") and prints its rate, `detail` and its ratio to ours; returns its rate, or 0 when it could not be run
/// (reported, not fatal).
double print_baseline(const std::string& script, const std::string& args, const char* unit, const std::string& detail, double rate) {
  const std::string cmd = fmt::format("/usr/bin/python3 '{}/tools/baselines/{}' {} --json", MC_SOURCE_DIR, script, args);
  try {
    int rc = 0;
    const std::string output = capture(cmd, &rc);
    if (rc != 0) throw std::runtime_error("exit status " + std::to_string(rc));
    const nlohmann::json j = nlohmann::json::parse(output);
    const double brate = j.at("rate").get<double>();
    std::printf("numpy baseline: %.3g %s (%s, peak %.0f MB)\n", brate, unit, detail.c_str(), j.at("peak_mb").get<double>());
    std::printf("ratio memcarlo/numpy: %.1fx\n", rate / brate);
    return brate;
  } catch (const std::exception& e) {
    std::printf("numpy baseline: not measured (%s: %s)\n", cmd.c_str(), e.what());
    return 0;
  }
}

/// `memcarlo bench mcmc`: Bayesian logistic regression of the breast cancer data, device proposals with the
/// Hastings correction, `chains` chains; the cached-logit path (read noise off, one device per step) against
/// the NumPy baseline of the same sampler, and the full re-evaluation for reference.
int cmd_bench_mcmc(std::uint64_t chains, std::uint64_t steps, const std::string& backend_name, int threads, bool baseline) {
  if (chains < 1 || chains > 10000000) throw InputError("--chains: expected 1 .. 10000000");
  if (steps < 1) throw InputError("--steps: expected >= 1");
  const std::string text = fmt::format(
      "workload: mcmc\ndevice: {{preset: hfo2_1t1r, read: {{noise: none}}}}\n"
      "mcmc: {{task: csv, data: data/breast_cancer.csv, chains: {}, iterations: 1000, thin: 10}}\n", chains);
  const Scenario s = parse_scenario(text, std::string(MC_SOURCE_DIR) + "/configs/bench.yaml");
  const Backend backend = choose_backend(backend_name, threads);
  const McmcProblem pb = make_mcmc_problem(s);
  RunHooks hooks;
  hooks.threads = threads;
  hooks.cancel = &cancel_flag();
  std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
  std::printf("problem: breast cancer logistic regression, %d training rows, %d weights, %d devices per chain\n", pb.n_train,
              pb.params.params, pb.params.devices);
  double rates[2] = {0, 0};
  for (int full = 1; full >= 0; --full) {
    const std::uint64_t n = full ? std::max<std::uint64_t>(1, steps / 10) : steps;
    std::unique_ptr<McmcChains> ch = make_mcmc_chains(backend, pb, static_cast<int>(chains), full, hooks);
    ch->init();
    ch->steps(0, 2);  // warm-up
    const double t0 = now_seconds();
    ch->steps(2, 2 + n);
    ch->state();
    const double dt = now_seconds() - t0;
    if (cancel_flag().load()) throw Interrupted();
    rates[full] = static_cast<double>(chains) * n / dt;
    std::printf("memcarlo %s (%s): %.3g chain-steps/s (%llu steps in %.3g s)\n", backend.name.c_str(),
                full ? "full re-evaluation" : "cached logits", rates[full], static_cast<unsigned long long>(n), dt);
  }
  if (baseline) {
    const std::uint64_t bsteps = std::min<std::uint64_t>(steps, 200);
    print_baseline("mcmc_numpy.py", fmt::format("--chains {} --steps {} --seed 1", chains, bsteps), "chain-steps/s",
                   fmt::format("{} chains, {} steps, cached logits", chains, bsteps), rates[0]);
  }
  std::printf("mcmc: %.3g chain-steps/s (%s, %llu chains, logistic regression breast_cancer, cached logits, peak %ld MB)\n", rates[0],
              backend.name.c_str(), static_cast<unsigned long long>(chains), peak_rss_mb());
  return 0;
}

/// bayes_machine: a 10-class x 16-observation x 255-cycle machine (B = 8, per-block LFSRs with random phases),
/// random likelihood words per inference, many inferences in parallel. One bit-op = one observation's bit for
/// one class for one cycle, random-number generation included; every counted bit is computed.
int cmd_bench_bayes(std::uint64_t inferences, const std::string& backend_name, int threads, bool baseline, std::uint64_t baseline_inferences) {
  if (inferences < 1) throw InputError("--inferences: expected >= 1");
  const int C = 10, O = 16, B = 8;
  const std::uint64_t T = 255;
  const std::string text = "workload: bayes_machine\nbayes_machine: {bits: 8, cycles: 255, generator: lfsr}\n";
  const Scenario s = parse_scenario(text, std::string(MC_SOURCE_DIR) + "/configs/bench.yaml");
  const Backend backend = choose_backend(backend_name, threads);
  const LfsrTables tables = build_lfsr_tables(s.bayes_machine.lfsr_taps, B);
  BayesMachineParams p = bayes_machine_params(s.bayes_machine, C, O, 1, &tables);
  p.checkpoints = 1;  // the machine's decision after T cycles (no accuracy-vs-cycles curve)
  p.checkpoint[0] = T;
  RunHooks hooks;
  hooks.threads = threads;
  hooks.cancel = &cancel_flag();
  const std::uint64_t batch = std::min<std::uint64_t>(inferences, 1 << 16);
  std::vector<std::uint16_t> words(batch * C * O);
  for (std::size_t k = 0; k < words.size(); ++k) {
    const U32x4 r = philox(RngKey{1, stream::kTest}, k, 0, 0);
    words[k] = static_cast<std::uint16_t>(1 + (r.v[0] % 255));
  }
  std::vector<BayesOutcome> out(batch);
  bayes_machine_infer(backend, p, words.data(), C * O, 0, std::min<std::uint64_t>(batch, 4096), out.data(), hooks);  // warm-up
  std::uint64_t checksum = 0;
  const double t0 = now_seconds();
  for (std::uint64_t n0 = 0; n0 < inferences; n0 += batch) {
    const std::uint64_t m = std::min(batch, inferences - n0);
    bayes_machine_infer(backend, p, words.data(), C * O, n0, m, out.data(), hooks);
    for (std::uint64_t k = 0; k < m; ++k) checksum += out[k].counts[0] + static_cast<std::uint64_t>(out[k].decision[p.checkpoints - 1]);
  }
  const double dt = now_seconds() - t0;
  if (cancel_flag().load()) throw Interrupted();
  const double bit_ops = static_cast<double>(inferences) * C * O * T;
  const double rate = bit_ops / dt;
  std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
  std::printf("memcarlo %s: %.3g s for %.3g bit-ops (%llu inferences, checksum %llu)\n", backend.name.c_str(), dt, bit_ops,
              static_cast<unsigned long long>(inferences), static_cast<unsigned long long>(checksum));
  std::printf("inferences/s: %.4g (%d classes x %d observations x %llu cycles)\n", inferences / dt, C, O, static_cast<unsigned long long>(T));
  if (baseline) {
    const std::uint64_t bn = baseline_inferences > 0 ? std::min(inferences, baseline_inferences) : std::min<std::uint64_t>(inferences, 20000);
    const double brate = print_baseline("bayes_machine_numpy.py",
                                        fmt::format("--classes {} --observations {} --cycles {} --bits {} --inferences {} --seed 1", C, O, T, B, bn),
                                        "bit-ops/s", fmt::format("{} inferences", bn), rate);
    if (brate > 0) std::printf("numpy baseline inferences/s: %.4g\n", brate / (static_cast<double>(C) * O * T));
  }
  std::printf("bayes_machine: %.3g bit-ops/s (%s, %d classes, %d observations, %llu cycles, %llu inferences, peak %ld MB)\n", rate,
              backend.name.c_str(), C, O, static_cast<unsigned long long>(T), static_cast<unsigned long long>(inferences), peak_rss_mb());
  return 0;
}

int cmd_bench(const std::string& what, std::uint64_t devices, std::uint64_t cycles, const std::string& backend_name, int threads,
              bool baseline, std::uint64_t baseline_cycles) {
  if (what != "endurance") throw InputError("bench: expected 'endurance', 'mcmc' or 'bayes_machine', got '" + what + "'");
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
    const std::uint64_t bc = baseline_cycles > 0 ? std::min(cycles, baseline_cycles) : cycles;
    print_baseline("endurance_numpy.py", fmt::format("--devices {} --cycles {} --seed 1", devices, bc), "write-events/s",
                   fmt::format("{} devices, {} cycles", devices, bc), rate);
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
      "  memcarlo bench mcmc --chains 4096\n"
      "  memcarlo run configs/scenarios/mcmc_breast_cancer.yaml\n"
      "  memcarlo bench bayes_machine --inferences 1000000\n"
      "  memcarlo run configs/scenarios/sweep_compliance.yaml --workers 2\n"
      "  memcarlo submit configs/scenarios/sweep_compliance.yaml --slurm --tasks 8 --time 01:00:00\n"
      "  memcarlo devices\n"
      "Scenario keys: docs/scenario-reference.md (or `memcarlo schema --markdown`).");

  std::string file, backend = "auto", what = "endurance", format = "markdown";
  int threads = 0;
  bool no_baseline = false;
  std::uint64_t devices = 1000000, cycles = 1000, baseline_cycles = 0, inferences = 1000000, baseline_inferences = 0;

  RunArgs ra;
  auto* run = app.add_subcommand("run", "Run a scenario (or its sweep) and write its output folder");
  run->add_option("scenario", ra.file, "Scenario YAML file")->required();
  run->add_option("--backend", ra.backend, "auto | cpu | cuda (auto: GPUs when one answers)");
  run->add_option("--out", ra.out, "Output folder (default runs/<scenario name>)");
  run->add_option("--seed", ra.seed, "Override the scenario's seed (0 .. 4294967295; not for sweeps)");
  run->add_option("--threads", ra.threads, "CPU threads (default: all cores)");
  run->add_option("--workers", ra.workers, "Sweeps on the CPU: points run concurrently, sharing the threads (default 1)");
  run->add_option("--gpus", ra.gpus, "Sweeps: GPU indices to use, e.g. 0,2 (default: all)");
  run->add_option("--shard", ra.shard, "Run only points with index % N == i, given as i/N (cluster job arrays)");
  run->add_flag("--quiet", ra.quiet, "No progress output");

  SubmitOptions so;
  bool slurm = false;
  auto* submit = app.add_subcommand("submit", "Submit a sweep to Slurm: a job array of shards and a merge job");
  submit->add_option("scenario", so.scenario, "Scenario YAML file")->required();
  submit->add_flag("--slurm", slurm, "Use Slurm (the only scheduler supported)")->required();
  submit->add_option("--tasks", so.tasks, "Array tasks, one shard each (default: min(points, 10))");
  submit->add_option("--gpus-per-task", so.gpus_per_task, "GPUs per task (--gpus-per-task; the task then runs --backend cuda)");
  submit->add_option("--partition", so.partition, "Slurm partition");
  submit->add_option("--time", so.time_limit, "Time limit per task, e.g. 01:00:00");
  submit->add_option("--out", so.out_dir, "Output folder (default runs/<scenario name>)");
  submit->add_flag("--dry-run", so.dry_run, "Write the sbatch scripts and print the commands; submit nothing");

  std::vector<std::string> merge_dirs;
  std::string merge_out;
  auto* merge = app.add_subcommand("merge", "Combine shard folders of one sweep into one results folder");
  merge->add_option("folders", merge_dirs, "Shard output folders")->required();
  merge->add_option("--out", merge_out, "Merged output folder")->required();

  std::string compare_file, compare_out;
  int compare_threads = 0;
  bool compare_verbose = false;
  auto* compare = app.add_subcommand("compare", "Run a scenario on the CPU reference and on a GPU (or 1 CPU thread) and test agreement");
  compare->add_option("scenario", compare_file, "Scenario YAML file")->required();
  compare->add_option("--out", compare_out, "Folder for both runs (default runs/<name>-compare)");
  compare->add_option("--threads", compare_threads, "Threads of the CPU reference (default: all cores)");
  compare->add_flag("--verbose", compare_verbose, "Print every check");

  std::string status_dir;
  auto* status = app.add_subcommand("status", "Tell what is done in an output (or submit) folder");
  status->add_option("folder", status_dir, "Output folder")->required();

  auto* validate = app.add_subcommand("validate", "Parse and check a scenario; print what would run and its size");
  validate->add_option("scenario", file, "Scenario YAML file")->required();

  auto* devices_cmd = app.add_subcommand("devices", "List compiled backends, GPUs and CPU threads");

  auto* bench = app.add_subcommand("bench", "Measure throughput against the NumPy baseline");
  std::uint64_t chains = 4096, steps = 200;
  bench->add_option("workload", what, "endurance | mcmc | bayes_machine");
  bench->add_option("--chains", chains, "mcmc: chains (default 4096)");
  bench->add_option("--steps", steps, "mcmc: timed steps per chain (default 200; a tenth of them for the full re-evaluation)");
  bench->add_option("--inferences", inferences, "bayes_machine: inferences (default 1000000)");
  bench->add_option("--baseline-inferences", baseline_inferences, "bayes_machine: inferences for the NumPy baseline (default 20000)");
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
    if (*run) return cmd_run(ra);
    if (*submit) {
      if (so.out_dir.empty()) so.out_dir = default_out_dir(load_sweep(so.scenario));
      return submit_slurm(so);
    }
    if (*merge) return merge_folders(merge_dirs, merge_out);
    if (*status) return print_status(status_dir);
    if (*compare) return cmd_compare(compare_file, compare_out, compare_threads, compare_verbose);
    if (*validate) return cmd_validate(file);
    if (*devices_cmd) {
      for (const auto& line : describe_devices()) std::printf("%s\n", line.c_str());
      return 0;
    }
    if (*bench && what == "mcmc") return cmd_bench_mcmc(chains, steps, backend, threads, !no_baseline);
    if (*bench && what == "bayes_machine") return cmd_bench_bayes(inferences, backend, threads, !no_baseline, baseline_inferences);
    if (*bench) return cmd_bench(what, devices, cycles, backend, threads, !no_baseline, baseline_cycles);
    if (*schema) {
      std::fputs((format == "json" ? schema_json() : schema_markdown()).c_str(), stdout);
      return 0;
    }
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const Interrupted&) {
    std::fprintf(stderr, "\ninterrupted: finished results are saved and nothing is half-written; rerun the same command to resume\n");
    return 130;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "memcarlo: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
