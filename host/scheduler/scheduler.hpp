// The scheduler (DESIGN.md shape): a sweep's points go to workers (one or more per GPU, or CPU workers),
// results.csv grows as points finish, a rerun resumes, a failing point is recorded and the rest go on, and
// --shard i/N runs every N-th point for a cluster job array.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenario/sweep.hpp"

namespace mc {

struct ScheduleOptions {
  std::string out_dir;
  std::string backend = "auto";  ///< auto | cpu | cuda
  int threads = 0;               ///< CPU threads in all (0 = all cores)
  int workers = 0;               ///< CPU workers (0 = 1); each gets threads / workers
  std::vector<int> gpus;         ///< GPU indices to use (empty = all that answer)
  int workers_per_gpu = 2;       ///< small points share a GPU concurrently, one stream each
  int shard = 0, shards = 1;     ///< run points with index % shards == shard
  bool quiet = false;
  bool no_point_files = false;   ///< --no-point-files: as sweep.point_files: false (only results.csv rows and the manifest)
};

struct ScheduleResult {
  std::size_t total = 0;    ///< points of this shard
  std::size_t done = 0;     ///< finished now or before (resumed)
  std::size_t resumed = 0;  ///< found finished on disk
  std::size_t failed = 0;
  double wall_seconds = 0;
  double point_seconds = 0;  ///< time spent inside points, summed over workers
  int workers = 0;
  std::string backend;
  std::size_t grown_from = 0;  ///< points of the smaller sweep the folder held (0: it did not grow)
};

/// Run a sweep plan into opt.out_dir (layout: manifest.json, results.csv, points/NNNNNN/). Throws InputError
/// for a folder of another scenario, Interrupted on Ctrl-C (after saving what finished).
ScheduleResult run_plan(const SweepPlan& plan, const ScheduleOptions& opt);

/// What a sweep folder's manifest records of its plan ("sweep"): swept keys and their headers, seeding, the
/// scenario's seed, point files, and every point's fingerprint in point order.
nlohmann::ordered_json sweep_record(const SweepPlan& plan);

/// A folder's manifest `m` of another fingerprint than `plan`: when the folder holds a sweep of a subset of the
/// plan's points, everything else equal, returns the map folder point index -> plan index; else throws
/// InputError naming what changed (swept keys, seeding, seed, a key's value, or a point that is gone).
struct Manifest;
std::vector<std::size_t> match_grown_sweep(const Manifest& m, const SweepPlan& plan);

/// Rename a sweep folder's points/NNNNNN/ from index k to to_new[k] (after a sweep grew).
void renumber_point_folders(const std::string& out_dir, const std::vector<std::size_t>& to_new);

/// Parse "--shard i/N"; throws InputError unless 0 <= i < N.
void parse_shard(const std::string& text, int* index, int* count);

/// Folder of point `index` inside a sweep output folder.
std::string point_dir(const std::string& out_dir, std::size_t index);

}  // namespace mc
