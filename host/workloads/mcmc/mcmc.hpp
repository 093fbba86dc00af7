// Workload `mcmc`: the problem a scenario describes (data, split, model, device mapping) and the pieces the
// workload, the benchmark and the tests share.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "mcmc/driver.hpp"
#include "scenario/scenario.hpp"
#include "workloads/backend.hpp"
#include "workloads/workload.hpp"

namespace mc {

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
  std::uint64_t aging_cycles = 0, chains = 0, iterations = 0, thin = 1;
  double burn_in = 0.5;
  int checkpoints_per_decade = 8;
  std::uint64_t diagnostic_chains = 0, trace_chains = 0, stored_samples = 0;
  double temperature = 1;
  int episodes = 0, test_episodes = 0, episode_steps = 0;
};

/// The task names, indexed by McmcTask.
extern const char* const kMcmcTaskNames[4];

struct McmcProblem {
  McmcParams params{};
  int classes = 0;                     ///< 2+ for classification, 0 for regression and cart-pole
  int n_train = 0, n_test = 0;
  std::vector<float> train_xt, train_y;  ///< features x n_train (last feature 1), labels
  std::vector<float> test_xt, test_y;    ///< features x n_test
  std::vector<std::string> param_names;  ///< P names, e.g. "w[mean_radius]", "b", "W1[3,mean_radius]"
  std::vector<double> analytic_mean;     ///< linear regression: posterior mean (P), else empty
  std::vector<double> analytic_cov;      ///< linear regression: posterior covariance (P x P, row-major)

  McmcData train() const { return McmcData{train_xt.data(), train_y.data(), n_train}; }
};

/// Builds the problem of an mcmc scenario: loads and validates the CSV (InputError naming file, row and
/// column), splits it (stratified, seeded), z-scores it on the training rows, or generates the task's data.
McmcProblem make_mcmc_problem(const Scenario& s);

/// Chains on a backend: the CPU reference or one GPU, behind one interface.
class McmcChains {
 public:
  virtual ~McmcChains() = default;
  virtual void init() = 0;
  virtual void steps(std::uint64_t step_begin, std::uint64_t step_end) = 0;
  /// The chains' state on the host (synchronized from the GPU when needed; pre is not copied).
  virtual const McmcState& state() = 0;
};

/// force_full: re-evaluate the whole likelihood every step even where the cache could be used.
std::unique_ptr<McmcChains> make_mcmc_chains(const Backend& b, const McmcProblem& pb, int chains, bool force_full,
                                             const RunHooks& hooks);

/// Steps per GPU launch for `chains` chains (about 2^28 chain-steps; at least 1): launches are sliced so that
/// progress and Ctrl-C work inside a long call.
std::uint64_t mcmc_step_slice(int chains);

/// Weights (P) of chain c.
void chain_weights(const McmcProblem& pb, const McmcState& s, int c, float* w);

/// Mean return over the held-out episodes of the policy w (cart-pole).
double policy_test_return(const McmcProblem& pb, const float* w, int episodes);

// The workload's parts: run.cpp, compare.cpp and bench.cpp (workload.cpp ties them together).
RunSummary run_mcmc(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
void compare_mcmc(const Manifest& ref, const Manifest& test, std::vector<CompareRow>& rows);
int bench_mcmc(const BenchArgs& args);

}  // namespace mc
