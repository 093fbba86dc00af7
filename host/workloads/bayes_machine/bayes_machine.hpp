// Workload `bayes_machine`: the stochastic-bitstream Bayesian machine (docs/physics.md §3; Harabi et al. 2023).
#pragma once
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "bayes/driver.hpp"
#include "bayes/storage.hpp"
#include "scenario/scenario.hpp"
#include "workloads/backend.hpp"
#include "workloads/workload.hpp"

namespace mc {

struct BayesMachineSpec {
  std::string task;          ///< "synthetic" | "table" | "csv"
  std::string data_file;     ///< csv: data set path resolved against the scenario file
  std::string table_file;    ///< table: likelihood table path resolved against the scenario file
  std::uint32_t task_seed = 1;
  double test_fraction = 0.3;
  int levels = 8;            ///< V: discretization levels of a continuous feature
  bool quantile_bins = true;
  double smoothing = 1.0;    ///< Laplace alpha
  bool prior = false;        ///< a prior column (one more observation)
  int syn_classes = 4, syn_observations = 8, syn_levels = 8;
  std::uint64_t syn_samples = 2000;
  std::uint64_t samples = 0;  ///< test samples per repeat (csv: the stratified test split; else syn_samples)
  double syn_sharpness = 1.0;
  bool log_mode = false;     ///< mode: log (Turck 2025) instead of stochastic
  int bits = 8;
  BayesGenerator generator = BayesGenerator::kLfsr;
  std::uint64_t cycles = 255;
  std::vector<std::uint64_t> checkpoints;  ///< increasing, the last equal to cycles
  std::uint32_t early_stop = 0;
  std::uint64_t repeats = 1;
  std::uint64_t chips = 1;
  std::uint32_t lfsr_taps = 0;  ///< resolved (never 0)
  LfsrSharing sharing = LfsrSharing::kPerBlock;
  LfsrSeeding seeding = LfsrSeeding::kRandom;
  std::uint32_t lfsr_seed = 1, lfsr_spacing = 0;
  StorageCell cell = StorageCell::k2T2R;
  StorageErrors errors = StorageErrors::kNone;
  double ber = 0, aging_cycles = 0;
  float compliance = 0, read_threshold = 0;
  StorageReread reread = StorageReread::kChip;
  double seu_rate = 0;
  std::uint32_t seu_targets = 0;
  float energy_block_cycle = 0, energy_counter_cycle = 0;  ///< pJ
};

/// The bayes_machine kernel parameters of a spec (tables may be null for philox).
BayesMachineParams bayes_machine_params(const BayesMachineSpec& b, int classes, int observations, std::uint32_t seed,
                                        const LfsrTables* tables);
/// The bayes_machine on the chosen backend for one run (shared by the workload and the bench): on a GPU, one
/// BayesMachineGpu whose tables and cells are uploaded once. cell_count: entries of p.cells (storage.reread: cycle
/// with device errors), 0 otherwise.
class BayesMachineEngine {
 public:
  BayesMachineEngine(const Backend& backend, const BayesMachineParams& p, std::uint64_t cell_count);
  ~BayesMachineEngine();
  /// Inferences [first, first + n) (bayes_machine_cpu's contract; p as given to the constructor but for word_ids).
  void infer(const BayesMachineParams& p, const std::uint16_t* words, std::uint64_t stride, std::uint64_t first, std::uint64_t n,
             BayesOutcome* out, const RunHooks& hooks);
  /// Inferences per infer() call the caller should prepare at most: 32,768 on the CPU; on a GPU several waves
  /// (bounded by `host_bytes_each`, the caller's host memory per inference, against 1 GiB).
  std::uint64_t batch(std::uint64_t host_bytes_each) const;

 private:
  Backend backend_;
#if defined(MC_HAVE_CUDA)
  std::unique_ptr<BayesMachineGpu> gpu_;
#endif
};

// The workload's parts: run.cpp, task.cpp, compare.cpp and bench.cpp (workload.cpp ties them together).
RunSummary run_bayes_machine(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
void compare_bayes_machine(const Manifest& ref, const Manifest& test, std::vector<CompareRow>& rows);
int bench_bayes_machine(const BenchArgs& args);

}  // namespace mc
