// Scale-out on Slurm (DESIGN.md decision 9): shards as a job array, a merge job after them, and the status of
// an output folder. No home-made cluster protocol: sbatch, squeue and files.
#pragma once
#include <string>
#include <vector>

namespace mc {

struct SubmitOptions {
  std::string scenario;       ///< path as given
  std::string out_dir;
  int tasks = -1;             ///< array tasks (-1: min(points, 10)); never more than points
  int gpus_per_task = 0;
  std::string partition, time_limit;  ///< checked: they are written into the scripts
  int cpus_per_task = 0;              ///< 0: Slurm's default; else --cpus-per-task and the run's --threads
  std::string mem, account, qos;      ///< --mem (e.g. 16G), --account, --qos; "" = not set
  std::vector<std::string> sbatch_args;  ///< any other sbatch option, "--name=value", one #SBATCH line each
  bool dry_run = false;
  bool no_point_files = false;           ///< the shards run with --no-point-files
};

/// Checks the options that reach a batch script (InputError naming the option): a partition name of letters,
/// digits and "_.-," only, a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS), counts >= 1, a
/// memory size (digits and one of K M G T), account and QOS names like partitions, and extra sbatch options of
/// the form --name[=value] without blanks, quotes or control characters.
void check_submit_options(const SubmitOptions& opt);

/// Write out_dir/slurm/{array,merge}.sbatch and submit them (the merge with --dependency=afterok and
/// --kill-on-invalid-dep=yes). Prints "array job ID" and "merge job ID". Returns the exit status.
int submit_slurm(const SubmitOptions& opt);

/// Copy `scenario` and every file its plan reads (its preset, data files) into the folder `dir` (replaced), at the
/// same relative places, so that the copy resolves to the same plan; returns the copy's path. Throws InputError
/// when the copy resolves to another plan. Absolute paths in the scenario are not copied.
struct SweepPlan;
std::string snapshot_scenario(const std::string& scenario, const SweepPlan& plan, const std::string& dir);

/// Combine shard folders of one sweep into out_dir (copies; the shards are left untouched). Exit status.
int merge_folders(const std::vector<std::string>& dirs, const std::string& out_dir);

/// Print what is done in an output folder (or a submit folder with shards/). Exit status: 0 all done,
/// 1 some points failed, 3 not finished yet.
int print_status(const std::string& dir);

}  // namespace mc
