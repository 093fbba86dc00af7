#include "scheduler/scheduler.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <set>
#include <thread>

#include "common/gpu_info.hpp"
#include "io/csv.hpp"
#include "io/manifest.hpp"
#include "io/output.hpp"
#include "io/progress.hpp"
#include "workloads/run.hpp"

namespace mc {

namespace fs = std::filesystem;

void parse_shard(const std::string& text, int* index, int* count) {
  int i = -1, n = -1;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%d/%d%c", &i, &n, &extra) != 2 || n < 1 || i < 0 || i >= n)
    throw InputError("--shard: expected i/N with 0 <= i < N (e.g. 0/4), got '" + text + "'");
  *index = i;
  *count = n;
}

std::string point_dir(const std::string& out_dir, std::size_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/points/%06zu", index);
  return out_dir + buf;
}

namespace {

bool shared_column(const std::string& c) { return c == "point" || c == "status" || c == "seed" || c == "error"; }

/// The one data row of a point's results.csv as column → cell (the shared point, status, seed, error dropped).
std::vector<std::pair<std::string, std::string>> read_point_row(const std::string& dir) {
  const CsvFile t = read_csv(dir + "/results.csv");
  std::vector<std::pair<std::string, std::string>> out;
  if (t.rows.empty()) return out;
  for (std::size_t i = 0; i < t.header.size(); ++i)
    if (!shared_column(t.header[i])) out.emplace_back(t.header[i], t.rows[0][i]);
  return out;
}

/// A point counts as done only when its manifest is complete, of this point, and every file it lists is there.
bool point_complete(const std::string& dir, const std::string& fingerprint) {
  const Manifest m = read_manifest(dir);
  return m.complete_with_files() && m.fingerprint() == fingerprint;
}

struct PointRecord {
  bool ok = false;
  std::string error;
  std::vector<std::pair<std::string, std::string>> cells;
  double seconds = 0;
};

/// "a, b, c" for messages.
std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "(none)" : out;
}

std::vector<std::string> string_list(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& x : j) out.push_back(x.is_string() ? x.get<std::string>() : x.dump());
  return out;
}

}  // namespace

void renumber_point_folders(const std::string& out_dir, const std::vector<std::size_t>& to_new) {
  std::error_code ec;
  std::vector<std::pair<fs::path, fs::path>> moves;
  for (std::size_t k = 0; k < to_new.size(); ++k) {  // through temporary names: the map may permute folders
    const fs::path from = point_dir(out_dir, k);
    if (!fs::exists(from, ec) || to_new[k] == k) continue;
    const fs::path tmp = fs::path(out_dir) / "points" / (".grow-" + from.filename().string());
    fs::remove_all(tmp, ec);
    fs::rename(from, tmp);
    moves.emplace_back(tmp, point_dir(out_dir, to_new[k]));
  }
  for (const auto& [tmp, to] : moves) {
    fs::remove_all(to, ec);
    fs::rename(tmp, to);
  }
}

nlohmann::ordered_json sweep_record(const SweepPlan& plan) {
  nlohmann::ordered_json fps = nlohmann::ordered_json::array();
  for (const SweepPoint& p : plan.points) fps.push_back(p.scenario.fingerprint());
  return {{"columns", plan.columns}, {"headers", plan.headers}, {"seeds", plan.shared_seeds ? "shared" : "per_point"},
          {"seed", plan.base_seed}, {"point_files", plan.point_files}, {"point_fingerprints", fps}};
}

std::vector<std::size_t> match_grown_sweep(const Manifest& m, const SweepPlan& plan) {
  const auto refuse = [&](const std::string& what) {
    throw InputError(m.path + ": error: this folder holds another sweep: " + what +
                     ". A sweep grows in place only by adding points with everything else unchanged; choose another --out");
  };
  const nlohmann::json& j = m.json;
  if (plan.has_sweep && j.contains("sweep_columns") && !j.contains("sweep"))
    throw InputError(m.path + ": error: this sweep folder was written by an earlier memcarlo, whose fingerprints differ from this "
                     "version's (integer keys are now recorded as integers); its rows stay readable, but run into another --out");
  if (!plan.has_sweep || !j.contains("sweep") || !j["sweep"].is_object() || !j["sweep"].contains("point_fingerprints"))
    throw InputError(m.path + ": error: this folder holds results of a different scenario (fingerprint " +
                     (m.fingerprint().empty() ? std::string("?") : m.fingerprint()) + ", this one " + plan.fingerprint + "); choose another --out folder");
  const nlohmann::json& sw = j["sweep"];
  const std::vector<std::string> cols = string_list(sw["columns"]);
  if (cols != plan.columns) refuse("the swept keys changed (the folder's: " + joined(cols) + "; this sweep's: " + joined(plan.columns) + ")");
  const std::string seeds = sw.value("seeds", "per_point");
  if (seeds != (plan.shared_seeds ? "shared" : "per_point"))
    refuse("sweep.seeds changed (the folder's: " + seeds + "; this sweep's: " + (plan.shared_seeds ? "shared" : "per_point") + ")");
  if (sw.contains("seed") && sw["seed"].is_number() && sw["seed"].get<double>() != plan.base_seed)
    refuse("seed changed (the folder's: " + sw["seed"].dump() + "; this sweep's: " + std::to_string(plan.base_seed) + ")");
  std::map<std::string, std::size_t> now;
  for (const SweepPoint& p : plan.points) now.emplace(p.scenario.fingerprint(), p.index);
  const std::vector<std::string> old = string_list(sw["point_fingerprints"]);
  std::vector<std::size_t> to_new;
  std::size_t missing = old.size();
  for (std::size_t k = 0; k < old.size(); ++k) {
    const auto it = now.find(old[k]);
    if (it == now.end()) {
      missing = std::min(missing, k);
      to_new.push_back(0);
    } else {
      to_new.push_back(it->second);
    }
  }
  if (missing == old.size()) return to_new;
  // Name what changed: the folder's point 0 (its resolved scenario is in the manifest) against this sweep's point
  // with the same swept values.
  if (j.contains("scenario") && j["scenario"].is_object()) {
    const nlohmann::json& ref = j["scenario"];
    std::vector<std::string> ref_cells;
    for (const auto& c : plan.columns) ref_cells.push_back(ref.contains(c) ? value_cell(nlohmann::ordered_json(ref[c])) : "");
    for (const SweepPoint& p : plan.points) {
      if (p.cells != ref_cells) continue;
      std::vector<std::string> changes;
      std::set<std::string> keys;
      for (auto it = ref.begin(); it != ref.end(); ++it) keys.insert(it.key());
      for (auto it = p.scenario.resolved.begin(); it != p.scenario.resolved.end(); ++it) keys.insert(it.key());
      for (const auto& k : keys) {
        if (k == "name") continue;
        const std::string a = ref.contains(k) ? value_cell(nlohmann::ordered_json(ref[k])) : "(not set)";
        const std::string b = p.scenario.resolved.contains(k) ? value_cell(p.scenario.resolved[k]) : "(not set)";
        if (a != b) changes.push_back(k + ": " + a + " -> " + b);
      }
      if (!changes.empty()) {
        if (changes.size() > 6) changes.resize(6), changes.push_back("...");
        refuse("changed " + joined(changes));
      }
      break;
    }
  }
  std::string where;
  const CsvFile t = [&] {
    try {
      return read_csv(m.dir + "/results.csv");
    } catch (const InputError&) {
      return CsvFile{};
    }
  }();
  for (const auto& row : t.rows) {
    if (t.column("point") < row.size() && row[t.column("point")] == std::to_string(missing)) {
      for (const auto& h : plan.headers)
        if (t.column(h) < row.size()) where += (where.empty() ? " (" : ", ") + h + "=" + row[t.column(h)];
      if (!where.empty()) where += ")";
    }
  }
  refuse("its point " + std::to_string(missing) + where + " is not in this sweep (a sweep may only grow: keep every value it had)");
  return to_new;
}

namespace {

std::vector<Backend> make_workers(const ScheduleOptions& opt) {
  std::vector<Backend> workers;
  check_backend_name(opt.backend);
  if (opt.backend == "cpu" && !opt.gpus.empty()) throw InputError("--gpus: names GPUs, but --backend cpu runs on the CPU");
#if defined(MC_HAVE_CUDA)
  if (opt.backend != "cpu") {
    for (const GpuInfo& g : cuda_devices()) {
      if (!opt.gpus.empty() && std::find(opt.gpus.begin(), opt.gpus.end(), g.index) == opt.gpus.end()) continue;
      for (int k = 0; k < std::max(1, opt.workers_per_gpu); ++k) workers.push_back(gpu_backend(g));
    }
    if (workers.empty() && opt.backend == "cuda")
      throw InputError("--backend cuda: no CUDA device answers" + std::string(opt.gpus.empty() ? "" : " among --gpus"));
    if (workers.empty() && !opt.gpus.empty())
      throw InputError("--gpus: no CUDA device answers among the GPUs asked for; leave --gpus out to run on the CPU");
    if (!workers.empty()) return workers;
  }
#else
  if (opt.backend == "cuda") throw InputError("--backend cuda: this memcarlo was built without CUDA");
  if (!opt.gpus.empty()) throw InputError("--gpus: this memcarlo was built without CUDA");
#endif
  const int n = std::max(1, opt.workers);
  const int all = opt.threads > 0 ? opt.threads : omp_get_max_threads();
  for (int k = 0; k < n; ++k) workers.push_back(choose_backend("cpu", std::max(1, all / n)));
  return workers;
}

}  // namespace

ScheduleResult run_plan(const SweepPlan& plan, const ScheduleOptions& opt) {
  const std::vector<Backend> workers = make_workers(opt);  // bad options are refused before any folder exists
  const bool point_files = plan.point_files && !opt.no_point_files;
  // A folder of a smaller sweep (the same but for added points) is accepted: its points keep their results.
  bool grew = false;
  std::vector<std::size_t> grown;  // the folder's point index -> this plan's
  Manifest before;
  OutputFolder top(opt.out_dir, plan.fingerprint, [&](const Manifest& m) {
    grown = match_grown_sweep(m, plan);
    grew = true;
  });
  before = read_manifest(top.dir());
  {
    // One folder, one shard: two shards writing one results.csv would overwrite each other's rows.
    const Manifest& mf = before;
    if (mf.ok() && mf.json.contains("shard") && mf.json["shard"].is_object()) {
      const auto& m = mf.json;
      if (m["shard"].value("index", 0) != opt.shard || m["shard"].value("count", 1) != opt.shards)
        throw InputError(mf.path + ": error: this folder holds " +
                         (m["shard"].value("count", 1) == 1 ? std::string("the whole sweep")
                                                            : "shard " + std::to_string(m["shard"].value("index", 0)) + "/" +
                                                                  std::to_string(m["shard"].value("count", 1)) + " of this sweep") +
                         "; give each shard its own --out (and combine them with memcarlo merge)");
    }
  }
  // The folder's own rows (by its point index) and fingerprints: the points that finished before, also without
  // point folders.
  std::map<std::size_t, std::vector<std::pair<std::string, std::string>>> old_rows;
  std::vector<std::string> old_fps;
  if (before.ok()) {
    if (before.json.contains("sweep") && before.json["sweep"].is_object())
      old_fps = string_list(before.json["sweep"].value("point_fingerprints", nlohmann::json::array()));
    std::error_code ec;
    if (fs::exists(top.path("results.csv"), ec)) {
      try {
        const CsvFile t = read_csv(top.path("results.csv"));
        const std::size_t cp = t.column("point"), cs = t.column("status");
        std::set<std::string> skip(plan.headers.begin(), plan.headers.end());
        for (const auto& row : t.rows) {
          if (cp >= row.size() || cs >= row.size() || row[cs] != "ok") continue;
          char* end = nullptr;
          const unsigned long idx = std::strtoul(row[cp].c_str(), &end, 10);
          if (row[cp].empty() || *end) continue;
          auto& cells = old_rows[idx];
          for (std::size_t i = 0; i < t.header.size(); ++i)
            if (!shared_column(t.header[i]) && !skip.count(t.header[i])) cells.emplace_back(t.header[i], row[i]);
        }
      } catch (const InputError&) {
        old_rows.clear();  // an unreadable table: its points run again
      }
    }
  }
  if (grew) {
    // Renumber what the folder holds to this plan's indices: point folders and rows. A crash in between only makes
    // points run again: a point counts as done only when its fingerprint matches this plan's point.
    renumber_point_folders(opt.out_dir, grown);
    std::map<std::size_t, std::vector<std::pair<std::string, std::string>>> moved;
    std::vector<std::string> fps(plan.points.size());
    for (auto& [k, cells] : old_rows)
      if (k < grown.size()) moved[grown[k]] = std::move(cells);
    for (std::size_t k = 0; k < grown.size() && k < old_fps.size(); ++k) fps[grown[k]] = old_fps[k];
    old_rows = std::move(moved);
    old_fps = std::move(fps);
  }
  ScheduleResult res;
  const auto in_shard = [&](std::size_t index) { return static_cast<int>(index % opt.shards) == opt.shard; };
  std::vector<std::size_t> mine;
  for (const SweepPoint& p : plan.points)
    if (in_shard(p.index)) mine.push_back(p.index);
  res.total = mine.size();
  res.workers = static_cast<int>(workers.size());
  res.backend = workers.front().name;
  res.grown_from = grew ? grown.size() : 0;
  const double t0 = now_seconds();

  std::map<std::size_t, PointRecord> records;
  std::vector<std::size_t> todo;
  for (const SweepPoint& p : plan.points) {  // every finished point on disk stays in results.csv
    const std::string dir = point_dir(opt.out_dir, p.index);
    const std::string fp = p.scenario.fingerprint();
    bool done = false;
    if (point_files) {
      // With point files a point is done when its folder is complete: its files are what was asked for.
      done = point_complete(dir, fp);
      if (done) records[p.index] = PointRecord{true, "", read_point_row(dir), 0};
    } else if (old_rows.count(p.index) && p.index < old_fps.size() && old_fps[p.index] == fp) {
      done = true;
      records[p.index] = PointRecord{true, "", old_rows[p.index], 0};
    } else if (point_complete(dir, fp)) {
      done = true;
      records[p.index] = PointRecord{true, "", read_point_row(dir), 0};
    }
    const bool is_mine = in_shard(p.index);
    if (done) {
      res.resumed += is_mine;
    } else if (is_mine) {
      todo.push_back(p.index);
    }
  }

  std::mutex mu;
  double last_write = 0;
  auto write_tables = [&](bool final_write) {  // caller holds mu
    std::vector<std::string> result_cols;
    for (const auto& [idx, rec] : records)
      for (const auto& [c, v] : rec.cells)
        if (std::find(result_cols.begin(), result_cols.end(), c) == result_cols.end()) result_cols.push_back(c);
    std::vector<std::string> cols = {"point", "status"};
    cols.insert(cols.end(), plan.headers.begin(), plan.headers.end());
    // The point's seed, unless the sweep is over `seed` itself (then the swept column already is the seed).
    const bool seed_swept = std::find(plan.columns.begin(), plan.columns.end(), "seed") != plan.columns.end();
    if (!seed_swept) cols.push_back("seed");
    cols.insert(cols.end(), result_cols.begin(), result_cols.end());
    cols.push_back("error");
    CsvTable t(cols);
    for (const auto& [idx, rec] : records) {
      std::vector<std::string> row = {std::to_string(idx), rec.ok ? "ok" : "failed"};
      for (const auto& v : plan.points[idx].cells) row.push_back(csv_escape(v));
      if (!seed_swept) row.push_back(std::to_string(plan.points[idx].scenario.seed));
      for (const auto& c : result_cols) {
        auto it = std::find_if(rec.cells.begin(), rec.cells.end(), [&](const auto& kv) { return kv.first == c; });
        row.push_back(it == rec.cells.end() ? "" : csv_escape(it->second));
      }
      row.push_back(csv_escape(rec.error));
      t.add_row(row);
    }
    top.write("results.csv", t.str());
    std::size_t failed = 0;
    for (const auto& [idx, rec] : records) failed += !rec.ok;
    nlohmann::ordered_json m = provenance();
    m["scenario_name"] = plan.name;
    m["scenario_file"] = plan.file;
    m["fingerprint"] = plan.fingerprint;
    m["workload"] = plan.points.front().scenario.workload;
    m["sweep_columns"] = plan.columns;
    m["sweep"] = sweep_record(plan);
    m["sweep"]["point_files"] = point_files;
    if (grew) m["grown_from_points"] = grown.size();
    m["points_total"] = plan.points.size();
    m["shard"] = {{"index", opt.shard}, {"count", opt.shards}};
    m["points_in_shard"] = mine.size();
    m["points_done"] = records.size() - failed;
    m["points_failed"] = failed;
    m["backend"] = workers.front().name;
    m["devices"] = [&] {
      std::vector<std::string> d;
      for (const auto& w : workers)
        if (std::find(d.begin(), d.end(), w.device) == d.end()) d.push_back(w.device);
      return d;
    }();
    m["workers"] = workers.size();
    m["wall_seconds"] = now_seconds() - t0;
    m["files"] = point_files ? nlohmann::ordered_json{"results.csv", "points/NNNNNN/"} : nlohmann::ordered_json{"results.csv"};
    m["scenario"] = plan.points.front().scenario.resolved;
    std::size_t mine_done = 0;
    for (std::size_t idx : mine) mine_done += records.count(idx) && records.at(idx).ok;
    m["complete"] = final_write && mine_done == mine.size();
    top.write("manifest.json", m.dump(2) + "\n");
    last_write = now_seconds();
  };
  {
    std::lock_guard<std::mutex> lock(mu);
    write_tables(false);  // an incomplete manifest first: `memcarlo status` can follow the run
  }

  // Progress in the points' own work units, so the ETA is right when points differ in size.
  double total_work = 0, resumed_work = 0;
  for (std::size_t idx : mine) total_work += point_work(plan.points[idx].scenario);
  for (const auto& [idx, rec] : records)
    if (in_shard(idx)) resumed_work += point_work(plan.points[idx].scenario);
  Progress progress("sweep", total_work, work_unit(plan.points.front().scenario), opt.quiet, mine.size(), "points");
  progress.counter().store(work_count(resumed_work));
  progress.items().store(res.resumed);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> interrupted{false};
  std::vector<std::thread> threads;
  std::vector<double> busy(workers.size(), 0.0);
  std::exception_ptr fatal;  // a failure of the scheduler itself (e.g. results.csv cannot be written)
  for (std::size_t w = 0; w < workers.size(); ++w) {
    threads.emplace_back([&, w] {
      while (!cancel_flag().load()) {
        const std::size_t k = next.fetch_add(1);
        if (k >= todo.size()) break;
        const std::size_t idx = todo[k];
        const std::string dir = point_dir(opt.out_dir, idx);
        PointRecord rec;
        const double p0 = now_seconds();
        try {
          // An unfinished point's folder is this sweep's own (points/<index>): whatever a killed or failed run left
          // there (a half manifest, a corrupt one, some tables) is cleared, and the point runs afresh.
          fs::remove_all(dir);
          fs::create_directories(dir);
          run_scenario(plan.points[idx].scenario, workers[w], RunOptions{dir, true, &progress.counter(), idx, !opt.quiet});
          rec.ok = true;
          rec.cells = read_point_row(dir);
          if (!point_files) fs::remove_all(dir);  // its row is all that is kept
        } catch (const Interrupted&) {
          interrupted = true;
          break;
        } catch (const std::exception& e) {
          rec.ok = false;
          rec.error = e.what();
        }
        // A GPU whose context failed (a sticky error) would fail every later point: it takes no more of them, and
        // its point is recorded with that reason; the other workers go on.
        const bool gpu_lost = !rec.ok && !backend_healthy(workers[w]);
        if (gpu_lost) rec.error += " (" + workers[w].device + " failed and takes no more points)";
        rec.seconds = now_seconds() - p0;
        busy[w] += rec.seconds;
        std::lock_guard<std::mutex> lock(mu);
        if (!opt.quiet && !rec.ok) std::fprintf(stderr, "point %zu failed: %s\n", idx, rec.error.c_str());
        records[idx] = std::move(rec);
        progress.items().fetch_add(1);
        if (gpu_lost) break;
        try {
          if (now_seconds() - last_write > 0.5) write_tables(false);
        } catch (...) {
          if (!fatal) fatal = std::current_exception();
          cancel_flag().store(true);  // stop the other workers too
          break;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  progress.finish();
  if (fatal) std::rethrow_exception(fatal);
  {
    std::lock_guard<std::mutex> lock(mu);
    write_tables(!cancel_flag().load());
  }
  for (double b : busy) res.point_seconds += b;
  res.wall_seconds = now_seconds() - t0;
  for (const auto& [idx, rec] : records) (rec.ok ? res.done : res.failed) += 1;
  if (!point_files) {
    std::error_code ec;
    fs::remove(fs::path(opt.out_dir) / "points", ec);  // only when empty
  }
  if (interrupted || cancel_flag().load()) throw Interrupted();
  return res;
}

}  // namespace mc
