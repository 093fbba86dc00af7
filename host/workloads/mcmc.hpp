// Workload `mcmc`: the problem a scenario describes (data, split, model, device mapping) and the pieces the
// workload, the benchmark and the tests share.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "mcmc/driver.hpp"
#include "scenario/scenario.hpp"
#include "workloads/backend.hpp"

namespace mc {

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

/// Weights (P) of chain c.
void chain_weights(const McmcProblem& pb, const McmcState& s, int c, float* w);

/// Mean return over the held-out episodes of the policy w (cart-pole).
double policy_test_return(const McmcProblem& pb, const float* w, int episodes);

}  // namespace mc
