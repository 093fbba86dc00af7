#include "scheduler/cluster.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/command.hpp"
#include "io/csv.hpp"
#include "io/manifest.hpp"
#include "io/output.hpp"
#include "scenario/error.hpp"
#include "scenario/sweep.hpp"
#include "scheduler/scheduler.hpp"

namespace mc {

namespace fs = std::filesystem;

namespace {

/// The manifest of a folder that must be a memcarlo output folder.
nlohmann::json require_manifest(const std::string& dir) {
  const Manifest m = read_manifest(dir);
  if (m.state == Manifest::State::kAbsent) throw InputError(dir + ": error: no manifest.json here: not a memcarlo output folder");
  if (!m.ok()) throw InputError(m.path + ": error: not a readable memcarlo manifest");
  return m.json;
}

/// Text for a message or a script comment: control characters (a newline would end the comment) as '?'.
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// A file in folder `dir` for an #SBATCH line: double-quoted (sbatch splits directives on blanks), with % in
/// the folder doubled (a Slurm filename pattern character) and `pattern` (which may use %a) appended as is.
std::string sbatch_path(const std::string& dir, const std::string& pattern) {
  std::string q = "\"";
  for (char c : dir) q += c == '%' ? std::string("%%") : c == '"' ? std::string("\\\"") : std::string(1, c);
  return q + "/" + pattern + "\"";
}

std::string first_line(std::string s) {
  s = s.substr(0, s.find('\n'));
  return s.substr(0, s.find(';'));  // --parsable prints "id" or "id;cluster"
}

}  // namespace

std::string snapshot_scenario(const std::string& scenario, const SweepPlan& plan, const std::string& dir) {
  const fs::path sfile = fs::absolute(scenario).lexically_normal();
  const fs::path sdir = sfile.parent_path();
  struct Copy {
    fs::path from, to_beside;  // to_beside: where it lands beside the scenario (lexically), before re-rooting
  };
  std::vector<Copy> copies;
  std::set<std::string> seen;
  for (const SweepPoint& p : plan.points)
    for (const auto& [given, found] : p.scenario.inputs) {
      if (!seen.insert(given + "\n" + found).second) continue;
      const bool preset_name = given == p.scenario.preset && !(given.size() > 5 && given.compare(given.size() - 5, 5, ".yaml") == 0);
      if (preset_name) {
        copies.push_back({found, sdir / "devices" / (given + ".yaml")});  // found first from the scenario's folder
      } else if (!fs::path(given).is_absolute()) {
        copies.push_back({found, (sdir / given).lexically_normal()});
      }  // an absolute path is read from where it is when the job runs
    }
  // Re-root under `dir` at the deepest folder that holds the scenario and every copy, so that relative paths such
  // as ../../data/x.csv resolve inside the snapshot exactly as they did beside the original.
  fs::path common = sdir;
  const auto under = [](const fs::path& base, const fs::path& p) {
    const fs::path rel = p.lexically_relative(base);
    return !rel.empty() && *rel.begin() != "..";
  };
  for (const Copy& c : copies)
    while (!under(common, c.to_beside) && common.has_relative_path()) common = common.parent_path();
  const fs::path root = fs::path(dir);
  std::error_code ec;
  fs::remove_all(root, ec);
  const fs::path snap = root / sfile.lexically_relative(common);
  fs::create_directories(snap.parent_path(), ec);
  if (ec) throw InputError("cannot create " + snap.parent_path().string() + ": " + ec.message());
  fs::copy_file(sfile, snap, fs::copy_options::overwrite_existing, ec);
  if (ec) throw InputError("cannot copy " + sfile.string() + " to " + snap.string() + ": " + ec.message());
  for (const Copy& c : copies) {
    const fs::path to = root / c.to_beside.lexically_relative(common);
    fs::create_directories(to.parent_path(), ec);
    if (fs::is_directory(c.from))  // a data folder (Fashion-MNIST's IDX files): copied whole
      fs::copy(c.from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    else
      fs::copy_file(c.from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) throw InputError("cannot copy " + c.from.string() + " to " + to.string() + ": " + ec.message());
  }
  // The snapshot must resolve to the very same sweep, or the queued jobs would run something else.
  const SweepPlan again = load_sweep(snap.string());
  if (again.fingerprint != plan.fingerprint)
    throw InputError(snap.string() + ": error: the snapshot of " + scenario +
                     " does not resolve to the same sweep (a preset or data file is found elsewhere: MC_PRESET_PATH or MC_DATA_PATH?)");
  return snap.string();
}

void check_submit_options(const SubmitOptions& opt) {
  if (opt.tasks == 0 || opt.tasks < -1) throw InputError("--tasks: expected a count of 1 or more, got " + std::to_string(opt.tasks));
  if (opt.gpus_per_task < 0) throw InputError("--gpus-per-task: expected 0 or more, got " + std::to_string(opt.gpus_per_task));
  if (!opt.partition.empty() && !std::regex_match(opt.partition, std::regex("[A-Za-z0-9_.,-]{1,128}")))
    throw InputError("--partition: expected a Slurm partition name (letters, digits, '_', '.', '-', ',' for a list), got '" +
                     printable(opt.partition) + "'");
  const std::regex name("[A-Za-z0-9_.,-]{1,128}");
  if (opt.cpus_per_task < 0 || opt.cpus_per_task > 4096)
    throw InputError("--cpus-per-task: expected 1 .. 4096, got " + std::to_string(opt.cpus_per_task));
  if (!opt.mem.empty() && !std::regex_match(opt.mem, std::regex("[0-9]{1,9}[KMGT]?")))
    throw InputError("--mem: expected a Slurm memory size like 16G or 4000M, got '" + printable(opt.mem) + "'");
  for (const auto& [option, value] : {std::pair{"--account", &opt.account}, std::pair{"--qos", &opt.qos}})
    if (!value->empty() && !std::regex_match(*value, name))
      throw InputError(std::string(option) + ": expected a Slurm name (letters, digits, '_', '.', '-'), got '" + printable(*value) + "'");
  for (const std::string& a : opt.sbatch_args)
    if (!std::regex_match(a, std::regex("--[a-z][a-z0-9-]*(=[A-Za-z0-9_.,:=@/%+-]*)?")))
      throw InputError("--sbatch: expected one sbatch option as --name or --name=value (no blanks, quotes or control characters), got '" +
                       printable(a) + "'");
  static const std::regex time_limit(R"(\d{1,6}(:\d{1,2}){0,2}|\d{1,4}-\d{1,2}(:\d{1,2}){0,2}|UNLIMITED|INFINITE)");
  if (!opt.time_limit.empty() && !std::regex_match(opt.time_limit, time_limit))
    throw InputError("--time: expected a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got '" +
                     printable(opt.time_limit) + "'");
}

int submit_slurm(const SubmitOptions& opt) {
  check_submit_options(opt);
  const SweepPlan plan = load_sweep(opt.scenario);  // validates: a bad scenario never reaches the queue
  const int points = static_cast<int>(plan.points.size());
  const fs::path out = fs::absolute(opt.out_dir);
  const fs::path slurm_dir = out / "slurm";
  if (fs::exists(out / "manifest.json")) {
    require_manifest(out.string());
    const Manifest m = read_manifest(out.string());
    if (m.fingerprint() != plan.fingerprint) match_grown_sweep(m, plan);  // a grown sweep is accepted, anything else refused
  }
  // A resubmission (the same sweep, or a grown one) keeps the shard count of the folders already there.
  int tasks = opt.tasks > 0 ? opt.tasks : std::min(points, 10);
  if (opt.tasks < 0) {
    const Manifest shard0 = read_manifest((out / "shards" / "0").string());
    if (shard0.ok() && shard0.json.contains("shard") && shard0.json["shard"].is_object())
      tasks = shard0.json["shard"].value("count", tasks);
  }
  tasks = std::min(tasks, points);
  // The jobs run from a snapshot of the scenario and of every file it reads (presets, data), taken now: editing
  // them afterwards does not change queued jobs. One folder per sweep fingerprint.
  const std::string scenario = snapshot_scenario(opt.scenario, plan, (slurm_dir / ("scenario-" + plan.fingerprint)).string());
  std::error_code ec;
  fs::create_directories(slurm_dir, ec);
  if (ec) throw InputError("cannot create " + slurm_dir.string() + ": " + ec.message());
  const std::string exe = fs::read_symlink("/proc/self/exe").string();
  std::string name;  // job names: no blanks or quotes
  for (char c : fs::path(opt.scenario).stem().string()) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';

  std::ostringstream common;
  if (!opt.partition.empty()) common << "#SBATCH --partition=" << opt.partition << "\n";
  if (!opt.time_limit.empty()) common << "#SBATCH --time=" << opt.time_limit << "\n";
  if (opt.cpus_per_task > 0) common << "#SBATCH --cpus-per-task=" << opt.cpus_per_task << "\n";
  if (!opt.mem.empty()) common << "#SBATCH --mem=" << opt.mem << "\n";
  if (!opt.account.empty()) common << "#SBATCH --account=" << opt.account << "\n";
  if (!opt.qos.empty()) common << "#SBATCH --qos=" << opt.qos << "\n";
  for (const std::string& a : opt.sbatch_args) common << "#SBATCH " << a << "\n";

  std::ostringstream array;
  array << "#!/bin/bash\n"
        << "# memcarlo shard array for " << printable(scenario) << " (" << points << " points, " << tasks << " tasks)\n"
        << "#SBATCH --job-name=mc-" << name << "\n"
        << "#SBATCH --array=0-" << tasks - 1 << "\n"
        << "#SBATCH --ntasks=1\n"
        << "#SBATCH --output=" << sbatch_path(slurm_dir.string(), "shard-%a.log") << "\n"
        << common.str();
  if (opt.gpus_per_task > 0) array << "#SBATCH --gpus-per-task=" << opt.gpus_per_task << "\n";
  array << "set -euo pipefail\n"
        << "exec " << shell_quote(exe) << " run " << shell_quote(scenario) << " --shard \"${SLURM_ARRAY_TASK_ID}/" << tasks
        << "\" --out " << shell_quote((out / "shards").string()) << "/\"${SLURM_ARRAY_TASK_ID}\" --backend "
        << (opt.gpus_per_task > 0 ? "cuda" : "auto")
        << (opt.cpus_per_task > 0 ? " --threads " + std::to_string(opt.cpus_per_task) : std::string())
        << (opt.no_point_files ? " --no-point-files" : "") << " --quiet\n";
  std::ostringstream merge;
  merge << "#!/bin/bash\n"
        << "# memcarlo merge of the shards of " << printable(scenario) << "\n"
        << "#SBATCH --job-name=mc-" << name << "-merge\n"
        << "#SBATCH --ntasks=1\n"
        << "#SBATCH --output=" << sbatch_path(slurm_dir.string(), "merge.log") << "\n"
        << common.str() << "set -euo pipefail\n"
        << "exec " << shell_quote(exe) << " merge " << shell_quote((out / "shards").string()) << "/* --out "
        << shell_quote(out.string()) << "\n";
  atomic_write((slurm_dir / "array.sbatch").string(), array.str());
  atomic_write((slurm_dir / "merge.sbatch").string(), merge.str());

  const std::string submit_array = "sbatch --parsable " + shell_quote((slurm_dir / "array.sbatch").string());
  std::printf("wrote %s and %s (%d points in %d shards)\n", (slurm_dir / "array.sbatch").c_str(),
              (slurm_dir / "merge.sbatch").c_str(), points, tasks);
  std::printf("the jobs run from the snapshot %s (and the presets and data beside it)\n", scenario.c_str());
  if (opt.dry_run) {
    std::printf("dry run; to submit:\n  ID=$(%s)\n  sbatch --parsable --dependency=afterok:$ID --kill-on-invalid-dep=yes %s\n",
                submit_array.c_str(), shell_quote((slurm_dir / "merge.sbatch").string()).c_str());
    return 0;
  }
  int rc = 0;
  const std::string id_text = capture(submit_array, &rc);
  if (rc != 0) {
    std::fprintf(stderr, "memcarlo: error: sbatch failed (%s): %s", submit_array.c_str(), id_text.c_str());
    if (rc == 127) std::fprintf(stderr, "is this a Slurm login node? `memcarlo submit --dry-run` writes the scripts only\n");
    return 1;
  }
  const std::string array_id = first_line(id_text);
  std::printf("array job %s\n", array_id.c_str());
  const std::string submit_merge = "sbatch --parsable --dependency=afterok:" + array_id + " --kill-on-invalid-dep=yes " +
                                   shell_quote((slurm_dir / "merge.sbatch").string());
  const std::string merge_text = capture(submit_merge, &rc);
  if (rc != 0) {
    std::fprintf(stderr, "memcarlo: error: sbatch of the merge job failed (%s): %s", submit_merge.c_str(), merge_text.c_str());
    return 1;
  }
  std::printf("merge job %s\n", first_line(merge_text).c_str());
  std::printf("follow with: memcarlo status %s\n", out.c_str());
  return 0;
}

int merge_folders(const std::vector<std::string>& dirs_in, const std::string& out_dir) {
  if (dirs_in.empty()) throw InputError("merge: give at least one folder");
  // The out folder's own rows (an earlier merge, or a run) count as one more source, never copied onto itself.
  std::vector<std::string> dirs;
  bool out_is_source = false;
  for (const auto& d : dirs_in)
    if (fs::absolute(d) != fs::absolute(out_dir)) dirs.push_back(d);
  if (fs::exists(fs::path(out_dir) / "manifest.json")) out_is_source = true;
  if (dirs.empty()) throw InputError("merge: give at least one shard folder besides --out");
  std::string fingerprint;
  nlohmann::json first;
  for (const auto& d : dirs) {
    const auto m = require_manifest(d);
    if (fingerprint.empty()) {
      fingerprint = m.value("fingerprint", "");
      first = m;
    } else if (m.value("fingerprint", "") != fingerprint) {
      throw InputError("merge: " + d + " holds results of a different scenario than " + dirs.front() + " (fingerprints " +
                       m.value("fingerprint", "?") + " and " + fingerprint + "); nothing was written");
    }
  }
  // The out folder may hold a smaller sweep that the shards' grew (a resubmission with added points): its rows and
  // point folders are renumbered to the grown sweep's indices (from the snapshot the shards ran).
  std::vector<std::size_t> grown;
  bool grew = false;
  if (out_is_source && read_manifest(out_dir).fingerprint() != fingerprint) {
    const Manifest om = read_manifest(out_dir);
    const std::string file = first.value("scenario_file", "");
    SweepPlan plan;
    try {
      plan = load_sweep(file);
    } catch (const InputError&) {
      throw InputError("merge: " + out_dir + " holds results of a different scenario; nothing was written");
    }
    if (plan.fingerprint != fingerprint) throw InputError("merge: " + out_dir + " holds results of a different scenario; nothing was written");
    grown = match_grown_sweep(om, plan);  // throws, naming what changed, unless the shards' sweep grew the folder's
    grew = true;
  }
  if (!first.contains("points_total")) {
    // Shards of a scenario without a sweep: one of them holds the single point.
    for (const auto& d : dirs) {
      if (!read_manifest(d).complete()) continue;
      OutputFolder out(out_dir, fingerprint);
      for (const auto& e : fs::directory_iterator(d))
        if (e.is_regular_file() && !is_scratch_file(e.path().filename().string())) fs::copy_file(e.path(), fs::path(out_dir) / e.path().filename(), fs::copy_options::overwrite_existing);
      std::printf("merged 1/1 points into %s\n", out_dir.c_str());
      return 0;
    }
    std::fprintf(stderr, "memcarlo: error: no finished run among the folders given\n");
    return 1;
  }
  // Rows by point index (an ok row wins over a failed one), and where each ok point's folder is.
  std::map<long, std::map<std::string, std::string>> rows;
  std::map<long, std::string> source;
  std::vector<std::string> columns;
  std::vector<std::string> sources = dirs;
  if (out_is_source) sources.insert(sources.begin(), out_dir);
  for (const auto& d : sources) {
    const std::string file = d + "/results.csv";
    const CsvFile t = read_csv(file);
    for (const auto& c : t.header)
      if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.push_back(c);
    for (std::size_t k = 0; k < t.rows.size(); ++k) {
      const auto& r = t.rows[k];
      std::map<std::string, std::string> row;
      for (std::size_t i = 0; i < t.header.size() && i < r.size(); ++i) row[t.header[i]] = r[i];
      long idx = -1;
      try {
        std::size_t used = 0;
        idx = std::stol(row["point"], &used);
        if (used != row["point"].size() || idx < 0) idx = -1;
      } catch (const std::exception&) {
      }
      if (idx < 0) throw InputError(file + ":" + std::to_string(k + 2) + ": error: point: expected a point index, got '" + row["point"] + "'");
      if (grew && d == out_dir) {
        if (static_cast<std::size_t>(idx) >= grown.size()) continue;
        idx = static_cast<long>(grown[static_cast<std::size_t>(idx)]);
        row["point"] = std::to_string(idx);
      }
      if (rows.count(idx) && rows[idx]["status"] == "ok") continue;
      rows[idx] = row;
      if (row["status"] == "ok") source[idx] = d;
    }
  }
  OutputFolder out(out_dir, fingerprint, [&](const Manifest&) {});  // only now: a refused merge leaves nothing behind
  if (grew) renumber_point_folders(out_dir, grown);
  for (const auto& [idx, d] : source) {
    if (fs::absolute(d) == fs::absolute(out_dir)) continue;
    const fs::path src = point_dir(d, idx), dst = point_dir(out_dir, idx);
    if (!fs::exists(src)) continue;  // a sweep without point files keeps its rows only
    if (!fs::exists(dst / "manifest.json") || read_manifest(dst.string()).fingerprint() != read_manifest(src.string()).fingerprint()) {
      fs::remove_all(dst);
      fs::create_directories(dst);
      for (const auto& e : fs::directory_iterator(src))
        if (e.is_regular_file() && !is_scratch_file(e.path().filename().string()))
          fs::copy_file(e.path(), dst / e.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
  // error last, as in run's results.csv
  columns.erase(std::remove(columns.begin(), columns.end(), "error"), columns.end());
  columns.push_back("error");
  CsvTable table(columns);
  std::size_t done = 0, failed = 0;
  for (auto& [idx, row] : rows) {
    std::vector<std::string> cells;
    for (const auto& c : columns) cells.push_back(csv_escape(row[c]));
    table.add_row(cells);
    (row["status"] == "ok" ? done : failed) += 1;
  }
  const std::size_t total = first.value("points_total", 0);
  out.write("results.csv", table.str());
  nlohmann::ordered_json m = provenance();
  for (const char* k : {"scenario_name", "scenario_file", "fingerprint", "workload", "sweep_columns", "sweep", "points_total"})
    if (first.contains(k)) m[k] = first[k];
  if (grew) m["grown_from_points"] = grown.size();
  m["shard"] = {{"index", 0}, {"count", 1}};
  m["points_in_shard"] = total;
  m["points_done"] = done;
  m["points_failed"] = failed;
  m["merged_from"] = dirs;
  const bool point_files = !first.contains("sweep") || first["sweep"].value("point_files", true);
  m["files"] = point_files ? nlohmann::ordered_json{"results.csv", "points/NNNNNN/"} : nlohmann::ordered_json{"results.csv"};
  if (first.contains("scenario")) m["scenario"] = first["scenario"];
  m["complete"] = done == total;
  out.write("manifest.json", m.dump(2) + "\n");
  std::printf("merged %zu/%zu points into %s (%zu failed)\n", done, total, out_dir.c_str(), failed);
  return done == total ? 0 : 1;
}

int print_status(const std::string& dir) {
  std::vector<std::string> folders;
  bool merged = fs::exists(fs::path(dir) / "manifest.json");
  if (merged) {
    folders.push_back(dir);
  } else if (fs::is_directory(fs::path(dir) / "shards")) {
    for (const auto& e : fs::directory_iterator(fs::path(dir) / "shards"))
      if (fs::exists(e.path() / "manifest.json")) folders.push_back(e.path().string());
    std::sort(folders.begin(), folders.end());
    if (folders.empty()) {
      std::printf("%s: submitted; no shard has started yet\n", dir.c_str());
      return 3;
    }
  } else {
    require_manifest(dir);  // throws the "not a memcarlo output folder" error
  }
  std::size_t total = 0, done = 0, failed = 0;
  bool complete = true;
  for (const auto& f : folders) {
    const auto m = require_manifest(f);
    if (!m.contains("points_total")) {  // a run without a sweep
      total = std::max<std::size_t>(total, 1);
      if (m.value("complete", false)) done = 1;
      continue;
    }
    total = merged ? m.value("points_in_shard", 0) : m.value("points_total", 0);
    const CsvFile t = read_csv(f + "/results.csv");
    const std::size_t col = t.column("status");
    for (const auto& r : t.rows)
      if (col < t.header.size()) (r[col] == "ok" ? done : failed) += 1;
    complete = complete && m.value("complete", false);
  }
  std::printf("%s: %zu/%zu points done, %zu failed%s\n", dir.c_str(), done, total, failed,
              merged ? (complete && done == total ? " (complete)" : " (not finished; rerun the same command to resume)")
                     : " (shards not merged yet)");
  if (failed) return 1;
  return done == total && merged ? 0 : 3;
}

}  // namespace mc
