// A scenario file parsed, validated and resolved into the plain parameter structs the kernels take.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "endurance/endurance.hpp"
#include "endurance/write_verify.hpp"
#include "mcmc/mcmc.hpp"
#include "bayes/bayes.hpp"
#include "bayes/storage.hpp"
#include "scenario/error.hpp"

namespace mc {

struct EnduranceSpec {
  std::uint64_t devices = 0;
  std::uint64_t cycles = 0;
  std::vector<std::uint64_t> checkpoints;  ///< increasing, the last equal to cycles
  std::vector<std::uint64_t> ber_estimate_cycles;  ///< cycles of the quadrature BER estimate (empty: off)
  float compliance = 0;                    ///< µA
  float read_threshold = 0;                ///< µS
};

struct WriteVerifySpec {
  std::uint64_t devices = 0;
  float target = 0, tolerance = 0, start_fraction = 0, step = 0;
  std::uint32_t max_pulses = 0;
  PulseLaw law = PulseLaw::kRetry;
};

enum class McmcTask : int { kCsv = 0, kIllustrative2d = 1, kLinearRegression = 2, kCartpole = 3 };

struct McmcSpec {
  McmcTask task = McmcTask::kCsv;
  std::string data;            ///< resolved path of the CSV (task csv)
  double test_fraction = 0.2;
  std::uint32_t data_seed = 1;
  std::uint64_t samples = 0, features = 0;
  double noise_sigma = 0;
  bool bias = true;
  std::string model;           ///< "logistic" | "mlp" | "linear"
  int hidden = 0;
  bool differential = true;
  double weight_scale = 0, g_init = 0, g_ref = 0, prior_sigma = 1, proposal_sigma = 0;
  McmcProposal proposal = McmcProposal::kDevice;
  McmcAcceptance acceptance = McmcAcceptance::kHastings;
  McmcRestore restore = McmcRestore::kReprogram;
  std::uint64_t age_cycles = 0, chains = 0, iterations = 0, thin = 1;
  double burn_in = 0.5;
  int checkpoints_per_decade = 8;
  std::uint64_t diagnostic_chains = 0, trace_chains = 0, stored_samples = 0;
  double temperature = 1;
  int episodes = 0, test_episodes = 0, episode_steps = 0;
};

// bayes_machine workload (issue 4).
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

struct Scenario {
  std::string file;      ///< as given
  std::string name;
  std::string workload;  ///< "endurance" | "write_verify" | "mcmc" | "bayes_machine"
  std::uint32_t seed = 1;
  std::string preset;    ///< "" when none
  DeviceModel device{};
  EnduranceSpec endurance;
  WriteVerifySpec write_verify;
  McmcSpec mcmc;
  BayesMachineSpec bayes_machine;
  nlohmann::ordered_json resolved;  ///< every key → resolved value (internal units), for manifests

  EnduranceParams endurance_params() const { return EnduranceParams{device, endurance.compliance, endurance.read_threshold, seed}; }
  WriteVerifyParams write_verify_params() const;
  /// Stable fingerprint of the resolved scenario (without its name), to refuse mixing outputs in one folder.
  std::string fingerprint() const;
};

/// Parse and validate a scenario file; throws InputError naming file:line:column and key on any mistake.
Scenario load_scenario(const std::string& path);
/// Same, from text (for tests); `file` is used in messages and to resolve relative preset paths.
Scenario parse_scenario(const std::string& text, const std::string& file);

/// Log-spaced checkpoints from 1 to cycles with `per_decade` per decade (always including cycles).
std::vector<std::uint64_t> log_checkpoints(std::uint64_t cycles, int per_decade);

}  // namespace mc
