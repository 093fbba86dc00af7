// The scheduler (DESIGN.md shape): a sweep's points go to workers (one or more per GPU, or CPU workers),
// results.csv grows as points finish, a rerun resumes, a failing point is recorded and the rest go on, and
// --shard i/N runs every N-th point for a cluster job array.
#pragma once
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
};

/// Run a sweep plan into opt.out_dir (layout: manifest.json, results.csv, points/NNNNNN/). Throws InputError
/// for a folder of another scenario, Interrupted on Ctrl-C (after saving what finished).
ScheduleResult run_plan(const SweepPlan& plan, const ScheduleOptions& opt);

/// Parse "--shard i/N"; throws InputError unless 0 <= i < N.
void parse_shard(const std::string& text, int* index, int* count);

/// Folder of point `index` inside a sweep output folder.
std::string point_dir(const std::string& out_dir, std::size_t index);

}  // namespace mc
