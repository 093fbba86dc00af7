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
#include "fit/command.hpp"
#include "io/command.hpp"
#include "io/progress.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"
#include "scenario/search_path.hpp"
#include "scenario/sweep.hpp"
#include "scheduler/cluster.hpp"
#include "scheduler/scheduler.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"
#include "build_info.h"

namespace {

using namespace mc;

volatile std::sig_atomic_t g_signal = 0;  // the signal that stopped the run: exit 128 + it (130 Ctrl-C, 143 TERM)

void on_signal(int sig) {
  g_signal = sig;
  cancel_flag().store(true);
}

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
                                                           {"seed", !plan.has_sweep ? std::to_string(s.seed)
                                                                    : plan.shared_seeds ? std::to_string(s.seed) + ", shared by every point (sweep.seeds: shared)"
                                                                                        : "derived per point (sweep.seeds: per_point)"},
                                                           {"device preset", s.preset.empty() ? "(none)" : s.preset + " (" + s.preset_file + ")"},
                                                           {"shipped files", shipped_root_description()}};
  if (plan.has_sweep) {
    std::string cols;
    for (const auto& c : plan.columns) cols += (cols.empty() ? "" : ", ") + c;
    rows.push_back({"sweep points", std::to_string(plan.points.size())});
    rows.push_back({"swept keys", cols});
  }
  double work = 0;
  for (const auto& p : plan.points) work += static_cast<double>(point_work(p.scenario));
  workload_of(s).describe(s, work, plan.has_sweep, rows);
  const MemoryNeed mem = workload_of(s).memory(s);
  if (mem.bytes > 0) {
    const double avail = available_memory_bytes();
    rows.push_back({"memory", fmt::format("~{}{}{}", bytes_text(mem.bytes), plan.has_sweep ? " (point 0)" : "",
                                          avail > 0 && mem.bytes > 0.9 * avail ? ", more than this machine has: run refuses it" : "")});
  }
  print_table(rows);
  return 0;
}

/// --threads N: 0 (all cores) or 1 .. this machine's hardware threads.
void check_threads(const char* option, int threads) {
  const int hw = std::max(1, omp_get_num_procs());
  if (threads < 0 || threads > hw)
    throw InputError(fmt::format("{}: expected 1 .. {} (this machine's hardware threads; 0 = all), got {}", option, hw, threads));
}

struct RunArgs {
  std::string file, backend = "auto", out, shard, gpus;
  long long seed = std::numeric_limits<long long>::min();  // min: not given
  int threads = 0, workers = -1;  // workers -1: not given
  bool quiet = false, no_point_files = false;
};

int cmd_run(const RunArgs& a) {
  check_threads("--threads", a.threads);
  if (a.workers == 0 || a.workers < -1 || a.workers > 1024)
    throw InputError("--workers: expected 1 .. 1024 points at a time, got " + std::to_string(a.workers));
  SweepPlan plan = load_sweep(a.file);
  if (!plan.has_sweep && (a.workers > 1 || !a.gpus.empty()))
    throw InputError(std::string(a.workers > 1 ? "--workers" : "--gpus") + ": applies to sweeps; this scenario has no sweep: block");
  if (!plan.has_sweep && a.no_point_files)
    throw InputError("--no-point-files: applies to sweeps (a single run's files are its results); this scenario has no sweep: block");
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
  {
    const double avail = available_memory_bytes();  // refuse up front what would not fit, before any folder exists
    for (const SweepPoint& p : plan.points) check_memory(p.scenario, avail);
  }
  if (!plan.has_sweep && shards == 1) {
    const Scenario& s = plan.points[0].scenario;
    Backend backend = choose_backend(a.backend, a.threads);
    if (!a.quiet)
      std::fprintf(stderr, "memcarlo %s: %s (%s) on %s -> %s\n", MC_VERSION, s.name.c_str(), s.workload.c_str(), backend.name.c_str(), out.c_str());
    RunSummary r;
    try {
      r = run_scenario(s, backend, RunOptions{out, a.quiet});
    } catch (const Interrupted&) {
      throw Interrupted("nothing of this run was kept (" + out + " holds only its unfinished manifest, no result file); rerun the same command to run it again");
    }
    if (a.quiet) return 0;
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
  opt.workers = std::max(1, a.workers);
  opt.shard = shard;
  opt.shards = shards;
  opt.quiet = a.quiet;
  opt.no_point_files = a.no_point_files;
  if (!a.gpus.empty()) {
    std::stringstream ss(a.gpus);
    std::string g;
    while (std::getline(ss, g, ',')) {
      if (g.empty() || g.size() > 4 || g.find_first_not_of("0123456789") != std::string::npos)
        throw InputError("--gpus: expected a list of GPU indices like 0,2, got '" + a.gpus + "'");
      opt.gpus.push_back(std::stoi(g));
    }
  }
  if (!a.quiet)
    std::fprintf(stderr, "memcarlo %s: %s, %zu points%s -> %s\n", MC_VERSION, plan.name.c_str(), plan.points.size(),
                 shards > 1 ? fmt::format(" (shard {}/{})", shard, shards).c_str() : "", out.c_str());
  ScheduleResult r;
  try {
    r = run_plan(plan, opt);
  } catch (const Interrupted&) {
    throw Interrupted("the points that finished are saved (" + out + "/results.csv lists them, nothing is half-written); rerun the same command to run the others");
  }
  if (a.quiet) {
    if (r.failed) std::fprintf(stderr, "memcarlo: %zu point(s) failed; their errors are in %s/results.csv\n", r.failed, out.c_str());
    return r.failed ? 1 : 0;
  }
  std::fflush(stderr);
  const double overhead = r.wall_seconds > 0 ? 1.0 - r.point_seconds / (r.workers * r.wall_seconds) : 0.0;
  std::printf("%s finished\n", plan.name.c_str());
  if (r.grown_from)
    std::printf("the sweep grew: %zu points were in %s, %zu now; only the new ones ran\n", r.grown_from, out.c_str(), plan.points.size());
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
  check_threads("--threads", threads);
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

/// `memcarlo bench <workload>`: the workload's own benchmark.
int cmd_bench(const std::string& what, const BenchArgs& args) {
  const Workload* w = find_workload(what);
  if (!w || w->bench_options().empty()) {
    std::vector<std::string> names;
    for (const Workload* x : workloads())
      if (!x->bench_options().empty()) names.push_back(std::string("'") + x->name() + "'");
    std::string list;
    for (std::size_t i = 0; i < names.size(); ++i) list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    throw InputError("bench: expected " + list + ", got '" + what + "'");
  }
  for (const auto& [name, value] : args.values) {
    bool known = false;
    for (const BenchOption& o : w->bench_options()) known = known || o.name == name;
    if (!known) throw InputError("bench " + what + ": --" + name + " belongs to another workload's benchmark");
  }
  return w->bench(args);
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
      "  memcarlo fit measurements.csv --out mydevice.yaml\n"
      "Every command has its own examples: memcarlo COMMAND --help.\n"
      "Scenario keys: docs/scenario-reference.md (or `memcarlo schema --markdown`); results: docs/results.md.");

  std::string file, what = "endurance", format = "markdown";

  RunArgs ra;
  auto* run = app.add_subcommand("run", "Run a scenario (or its sweep) and write its output folder");
  run->add_option("scenario", ra.file, "Scenario YAML file")->required();
  run->add_option("--backend", ra.backend, "auto | cpu | cuda (auto: GPUs when one answers)")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  run->add_option("--out", ra.out, "Output folder (default runs/<scenario name>)");
  run->add_option("--seed", ra.seed, "Override the scenario's seed (0 .. 4294967295; not for sweeps)");
  run->add_option("--threads", ra.threads, "CPU threads (default: all cores)");
  run->add_option("--workers", ra.workers, "Sweeps on the CPU: points run concurrently, sharing the threads (default 1)");
  run->add_option("--gpus", ra.gpus, "Sweeps: GPU indices to use, e.g. 0,2 (default: all)");
  run->add_option("--shard", ra.shard, "Run only points with index % N == i, given as i/N (cluster job arrays)");
  run->add_flag("--quiet", ra.quiet, "No progress output");
  run->footer("Examples:\n"
              "  memcarlo run configs/quickstart.yaml --out runs/quickstart\n"
              "  memcarlo run configs/scenarios/endurance_2t2r_typical.yaml --backend cpu --threads 2 --seed 7\n"
              "  memcarlo run configs/scenarios/sweep_compliance.yaml --workers 2        # a sweep, 2 points at a time\n"
              "  memcarlo run configs/scenarios/sweep_1000_small.yaml --no-point-files  # rows and manifest only\n"
              "  memcarlo run configs/scenarios/sweep_compliance.yaml --shard 0/4 --out runs/s/shards/0\n"
              "Rerunning into the same --out resumes; a sweep with added values runs only the new points.");
  run->add_flag("--no-point-files", ra.no_point_files, "Sweeps: keep only results.csv rows and the manifest (no points/NNNNNN/ folders)");

  SubmitOptions so;
  bool slurm = false;
  auto* submit = app.add_subcommand("submit", "Submit a sweep to Slurm: a job array of shards and a merge job");
  submit->add_option("scenario", so.scenario, "Scenario YAML file")->required();
  submit->add_flag("--slurm", slurm, "Use Slurm (the only scheduler supported)")->required();
  submit->add_option("--tasks", so.tasks, "Array tasks, one shard each (default: min(points, 10))");
  submit->add_option("--gpus-per-task", so.gpus_per_task, "GPUs per task (--gpus-per-task; the task then runs --backend cuda)");
  submit->add_option("--partition", so.partition, "Slurm partition");
  submit->add_option("--time", so.time_limit, "Time limit per task, e.g. 01:00:00");
  submit->add_option("--cpus-per-task", so.cpus_per_task, "CPUs per task (--cpus-per-task; the task then runs with --threads N)");
  submit->add_option("--mem", so.mem, "Memory per task, e.g. 16G");
  submit->add_option("--account", so.account, "Slurm account to charge");
  submit->add_option("--qos", so.qos, "Slurm quality of service");
  submit->add_option("--sbatch", so.sbatch_args, "Any other sbatch option, e.g. --sbatch=--constraint=a100 (repeatable)");
  submit->add_option("--out", so.out_dir, "Output folder (default runs/<scenario name>)");
  submit->add_flag("--dry-run", so.dry_run, "Write the sbatch scripts and print the commands; submit nothing");
  submit->footer("Examples:\n"
                 "  memcarlo submit configs/scenarios/sweep_compliance.yaml --slurm --tasks 8 --time 01:00:00\n"
                 "  memcarlo submit S.yaml --slurm --gpus-per-task 1 --cpus-per-task 8 --mem 32G --account A --qos normal\n"
                 "  memcarlo submit S.yaml --slurm --sbatch=--constraint=a100 --dry-run\n"
                 "The jobs run from a snapshot of the scenario, its preset and data in OUT/slurm/: later edits do not change them.");
  submit->add_flag("--no-point-files", so.no_point_files, "Keep only results.csv rows and the manifest (no points/NNNNNN/ folders)");

  std::vector<std::string> merge_dirs;
  std::string merge_out;
  auto* merge = app.add_subcommand("merge", "Combine shard folders of one sweep into one results folder");
  merge->add_option("folders", merge_dirs, "Shard output folders")->required();
  merge->add_option("--out", merge_out, "Merged output folder")->required();
  merge->footer("Example:\n  memcarlo merge runs/s/shards/* --out runs/s");

  std::string compare_file, compare_out;
  int compare_threads = 0;
  bool compare_verbose = false;
  auto* compare = app.add_subcommand("compare", "Run a scenario on the CPU reference and on a GPU (or 1 CPU thread) and test agreement");
  compare->add_option("scenario", compare_file, "Scenario YAML file")->required();
  compare->add_option("--out", compare_out, "Folder for both runs (default runs/<name>-compare)");
  compare->add_option("--threads", compare_threads, "Threads of the CPU reference (default: all cores)");
  compare->add_flag("--verbose", compare_verbose, "Print every check");
  compare->footer("Example:\n  memcarlo compare configs/quickstart.yaml --verbose   # exit 0 when CPU and GPU agree");

  std::string status_dir;
  auto* status = app.add_subcommand("status", "Tell what is done in an output (or submit) folder");
  status->add_option("folder", status_dir, "Output folder")->required();
  status->footer("Example:\n  memcarlo status runs/sweep_compliance   # exit 0 done, 1 some failed, 3 not finished");

  auto* validate = app.add_subcommand("validate", "Parse and check a scenario; print what would run and its size");
  validate->add_option("scenario", file, "Scenario YAML file")->required();
  validate->footer("Example:\n  memcarlo validate configs/scenarios/sweep_compliance.yaml   # points, work, seeding, memory");

  auto* devices_cmd = app.add_subcommand("devices", "List compiled backends, GPUs and CPU threads");
  devices_cmd->footer("Example:\n  memcarlo devices   # why a GPU is or is not used");

  auto* bench = app.add_subcommand("bench", "Measure throughput against the NumPy baseline");
  BenchArgs bench_args;
  bool no_baseline = false;
  std::map<std::string, std::uint64_t> bench_values;  // every workload's bench options, filled by CLI11
  {
    std::string names;
    for (const Workload* w : workloads())
      if (!w->bench_options().empty()) names += (names.empty() ? "" : " | ") + std::string(w->name());
    bench->add_option("workload", what, names);
    // An option several workloads share (--chips) says what it means to each.
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> helps;
    std::vector<std::string> order;
    for (const Workload* w : workloads())
      for (const BenchOption& o : w->bench_options()) {
        if (!helps.count(o.name)) order.push_back(o.name);
        helps[o.name].emplace_back(w->name(), o.help);
      }
    for (const std::string& name : order) {
      const auto& h = helps[name];
      std::string help = h.front().second;
      if (h.size() > 1) {
        help.clear();
        for (const auto& [workload, text] : h) help += (help.empty() ? "" : "; ") + workload + ": " + text;
      }
      bench->add_option("--" + name, bench_values[name], help);
    }
  }
  bench->add_option("--backend", bench_args.backend, "auto | cpu | cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  bench->add_option("--threads", bench_args.threads, "CPU threads (default: all cores)");
  bench->add_flag("--no-baseline", no_baseline, "Skip the NumPy baseline");
  bench->footer("Examples:\n"
                "  memcarlo bench endurance --devices 1000000 --cycles 1000\n"
                "  memcarlo bench mcmc --chains 4096 --steps 200\n"
                "  memcarlo bench bayes_machine --inferences 1000000 --no-baseline");

  auto* schema = app.add_subcommand("schema", "Print the scenario reference (Markdown) or JSON Schema");
  schema->add_option("--format", format, "markdown | json")->check(CLI::IsMember({"markdown", "json"}));
  bool schema_markdown_flag = false, schema_json_flag = false;
  schema->add_flag("--markdown", schema_markdown_flag, "The reference in Markdown (the default; as --format markdown)");
  schema->add_flag("--json", schema_json_flag, "The JSON Schema (as --format json)");
  schema->footer("Examples:\n  memcarlo schema > docs/scenario-reference.md\n  memcarlo schema --json > configs/memcarlo.schema.json");

  FitArgs fa;
  auto* fit = app.add_subcommand("fit", "Fit the device model to measured reads and write a preset (or --simulate measurements)");
  fit->add_option("measurements", fa.measurements, "Measurements CSV: device,cycle,state,compliance_uA,conductance_uS[,read,cycles_to_failure,censored]");
  fit->add_option("--out", fa.out, "Preset YAML to write (with --simulate: the CSV to write)")->required();
  fit->add_option("--report", fa.report, "Data-vs-model CSV for tools/plot_fit.py (default <out>_fit_report.csv)");
  fit->add_option("--median-law", fa.median_law, "auto | linear | power | table (auto: lowest AIC)")->check(CLI::IsMember({"auto", "linear", "power", "table"}));
  fit->add_option("--sigma-law", fa.sigma_law, "auto | sqrt | relative | power | table (auto: lowest AIC)")->check(CLI::IsMember({"auto", "sqrt", "relative", "power", "table"}));
  fit->add_option("--simulate", fa.simulate, "Write measurements simulated from this preset (name or .yaml) instead of fitting");
  fit->add_option("--devices", fa.devices, "--simulate: devices (default 1000)");
  fit->add_option("--cycles", fa.cycles, "--simulate: cycles read per device (default 100)");
  fit->add_option("--compliance", fa.compliance, "--simulate: compliances, devices split over them (default \"20 uA,50 uA,100 uA,200 uA\")");
  fit->add_option("--repeats", fa.repeats, "--simulate: reads of each state in the first --repeat-cycles cycles (default 3)");
  fit->add_option("--repeat-cycles", fa.repeat_cycles, "--simulate: cycles read repeatedly (default 10)");
  fit->add_option("--lifetime-test", fa.lifetime_test, "--simulate: cycles of the lifetime test (default: the preset's Weibull scale; 0: none)");
  fit->add_option("--seed", fa.seed, "--simulate: seed (default 1)");
  fit->add_flag("--quiet", fa.quiet, "Print nothing but errors");
  fit->footer("Examples:\n  memcarlo fit data/example_measurements.csv --out mydevice.yaml\n"
              "  memcarlo fit --simulate hfo2_1t1r --devices 200 --cycles 50 --out sim.csv\n"
              "Format and method: docs/fitting.md.");

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
    if (*fit) return cmd_fit(fa);
    if (*devices_cmd) {
      for (const auto& line : describe_devices()) std::printf("%s\n", line.c_str());
      return 0;
    }
    if (*bench) {
      check_threads("--threads", bench_args.threads);
      bench_args.baseline = !no_baseline;
      for (const auto& [name, value] : bench_values)
        if (bench->count("--" + name) > 0) bench_args.values[name] = value;
      return cmd_bench(what, bench_args);
    }
    if (*schema) {
      if (schema_markdown_flag && schema_json_flag) throw InputError("schema: give --markdown or --json, not both");
      if (schema_json_flag) format = "json";
      if (schema_markdown_flag) format = "markdown";
      std::fputs((format == "json" ? schema_json() : schema_markdown()).c_str(), stdout);
      return 0;
    }
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const Interrupted& e) {
    std::fprintf(stderr, "\ninterrupted by %s: %s\n", g_signal == SIGTERM ? "SIGTERM" : "Ctrl-C", e.what());
    return 128 + (g_signal ? static_cast<int>(g_signal) : SIGINT);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "memcarlo: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
