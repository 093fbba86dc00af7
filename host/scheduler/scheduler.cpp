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

/// The one data row of a point's results.csv as column → cell (its own point and seed columns dropped).
std::vector<std::pair<std::string, std::string>> read_point_row(const std::string& dir) {
  const CsvFile t = read_csv(dir + "/results.csv");
  std::vector<std::pair<std::string, std::string>> out;
  if (t.rows.empty()) return out;
  for (std::size_t i = 0; i < t.header.size(); ++i)
    if (t.header[i] != "point" && t.header[i] != "seed") out.emplace_back(t.header[i], t.rows[0][i]);
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
  OutputFolder top(opt.out_dir, plan.fingerprint);
  {
    // One folder, one shard: two shards writing one results.csv would overwrite each other's rows.
    const Manifest mf = read_manifest(top.dir());
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
  ScheduleResult res;
  const auto in_shard = [&](std::size_t index) { return static_cast<int>(index % opt.shards) == opt.shard; };
  std::vector<std::size_t> mine;
  for (const SweepPoint& p : plan.points)
    if (in_shard(p.index)) mine.push_back(p.index);
  res.total = mine.size();
  res.workers = static_cast<int>(workers.size());
  res.backend = workers.front().name;
  const double t0 = now_seconds();

  std::map<std::size_t, PointRecord> records;
  std::vector<std::size_t> todo;
  for (const SweepPoint& p : plan.points) {  // every finished point on disk stays in results.csv
    const std::string dir = point_dir(opt.out_dir, p.index);
    const bool done = point_complete(dir, p.scenario.fingerprint());
    const bool is_mine = in_shard(p.index);
    if (done) {
      records[p.index] = PointRecord{true, "", read_point_row(dir), 0};
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
    cols.insert(cols.end(), plan.columns.begin(), plan.columns.end());
    // The point's seed, unless the sweep is over `seed` itself (then the swept column already is the seed).
    const bool seed_swept = std::find(plan.columns.begin(), plan.columns.end(), "seed") != plan.columns.end();
    if (!seed_swept) cols.push_back("seed");
    cols.insert(cols.end(), result_cols.begin(), result_cols.end());
    cols.push_back("error");
    CsvTable t(cols);
    for (const auto& [idx, rec] : records) {
      std::vector<std::string> row = {std::to_string(idx), rec.ok ? "ok" : "failed"};
      for (const auto& v : plan.points[idx].values) row.push_back(csv_escape(v));
      if (!seed_swept) row.push_back(std::to_string(plan.points[idx].scenario.seed));
      for (const auto& c : result_cols) {
        auto it = std::find_if(rec.cells.begin(), rec.cells.end(), [&](const auto& kv) { return kv.first == c; });
        row.push_back(it == rec.cells.end() ? "" : it->second);
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
    m["files"] = {"results.csv", "points/NNNNNN/"};
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
          run_scenario(plan.points[idx].scenario, workers[w], RunOptions{dir, true, &progress.counter()});
          rec.ok = true;
          rec.cells = read_point_row(dir);
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
  if (interrupted || cancel_flag().load()) throw Interrupted();
  return res;
}

}  // namespace mc
