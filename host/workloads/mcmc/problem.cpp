// The mcmc workload's problem: data (loaded or generated), model shape, device mapping, analytic posterior
// where one exists, and the chains behind one interface for both backends.
#include <cmath>
#include <fmt/format.h>
#include <stdexcept>

#include "data/dataset.hpp"
#include "scenario/error.hpp"
#include "workloads/mcmc/mcmc.hpp"

namespace mc {

namespace {

/// Rows `idx` of a row-major (rows x F) matrix into a feature-major (F+1) x n block with a last row of ones.
void to_feature_major(const std::vector<float>& x, std::size_t f, const std::vector<std::size_t>& idx, std::vector<float>& xt) {
  const std::size_t n = idx.size();
  xt.assign((f + 1) * n, 1.0f);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t j = 0; j < f; ++j) xt[j * n + k] = x[idx[k] * f + j];
}

/// Two Gaussian classes in the plane (unit variance, centres ±(1, 0.5)): the illustrative task.
Dataset illustrative_2d(std::uint64_t samples, std::uint32_t seed) {
  Dataset d;
  d.file = "(generated illustrative_2d)";
  d.features = {"x1", "x2"};
  d.rows = samples;
  d.classes = 2;
  for (std::uint64_t i = 0; i < samples; ++i) {
    const F32x4 z = normals(philox(RngKey{seed, stream::kMcmcData}, i, 0, 0));
    const int c = static_cast<int>(i % 2);
    const float sgn = c ? 1.0f : -1.0f;
    d.x.push_back(sgn * 1.0f + z.v[0]);
    d.x.push_back(sgn * 0.5f + z.v[1]);
    d.y.push_back(c);
  }
  return d;
}

/// Solve (A) X = B in place for symmetric positive definite A (n x n) by Gauss-Jordan with partial pivoting;
/// B becomes X (n x m).
void solve_spd(std::vector<double> a, std::vector<double>& b, std::size_t n, std::size_t m) {
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t piv = col;
    for (std::size_t r = col + 1; r < n; ++r)
      if (std::fabs(a[r * n + col]) > std::fabs(a[piv * n + col])) piv = r;
    for (std::size_t k = 0; k < n; ++k) std::swap(a[col * n + k], a[piv * n + k]);
    for (std::size_t k = 0; k < m; ++k) std::swap(b[col * m + k], b[piv * m + k]);
    const double d = a[col * n + col];
    for (std::size_t r = 0; r < n; ++r) {
      if (r == col) continue;
      const double f = a[r * n + col] / d;
      if (f == 0.0) continue;
      for (std::size_t k = 0; k < n; ++k) a[r * n + k] -= f * a[col * n + k];
      for (std::size_t k = 0; k < m; ++k) b[r * m + k] -= f * b[col * m + k];
    }
  }
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t k = 0; k < m; ++k) b[r * m + k] /= a[r * n + r];
}

void linear_posterior(const McmcSpec& c, McmcProblem& pb);

/// Generated linear regression y = x·w_true + noise (x standard normal, the last input 1) and its exact
/// Gaussian posterior: Σ = (XᵀX/σ² + I/s²)⁻¹, μ = Σ Xᵀy/σ² (Bishop 2006, eq. 3.53-3.54).
void linear_regression(const McmcSpec& c, std::uint32_t seed, McmcProblem& pb) {
  const std::size_t f = c.features ? c.features : 2, f1 = f + (c.bias ? 1 : 0);
  const std::size_t n_all = c.samples;
  const std::size_t n_test = static_cast<std::size_t>(std::llround(c.test_fraction * n_all));
  const std::size_t n = n_all - n_test;
  if (n < 2) throw InputError("mcmc.samples: too few training points after the test split");
  std::vector<double> w_true(f1);
  for (std::size_t j = 0; j < f1; ++j) w_true[j] = (j % 2 ? -1.0 : 1.0) * (0.8 / (1.0 + static_cast<double>(j)));
  std::vector<float> x(n_all * f);
  std::vector<float> y(n_all);
  for (std::size_t i = 0; i < n_all; ++i) {
    double mean = c.bias ? w_true[f] : 0.0;
    for (std::size_t j = 0; j < f; ++j) {
      const F32x4 z = normals(philox(RngKey{seed, stream::kMcmcData}, i, 0, static_cast<std::uint32_t>(1 + j / 4)));
      x[i * f + j] = z.v[j % 4];
      mean += w_true[j] * x[i * f + j];
    }
    const F32x4 e = normals(philox(RngKey{seed, stream::kMcmcData}, i, 0, 0));
    y[i] = static_cast<float>(mean + c.noise_sigma * e.v[0]);
  }
  std::vector<std::size_t> tr(n), te(n_test);
  for (std::size_t i = 0; i < n; ++i) tr[i] = i;
  for (std::size_t i = 0; i < n_test; ++i) te[i] = n + i;
  to_feature_major(x, f, tr, pb.train_xt);
  to_feature_major(x, f, te, pb.test_xt);
  pb.train_xt.resize(f1 * n), pb.test_xt.resize(f1 * n_test);  // without a bias, drop the row of ones
  pb.train_y.assign(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(n));
  pb.test_y.assign(y.begin() + static_cast<std::ptrdiff_t>(n), y.end());
  pb.n_train = static_cast<int>(n), pb.n_test = static_cast<int>(n_test);
  for (std::size_t j = 0; j < f; ++j) pb.param_names.push_back(fmt::format("w[x{}]", j + 1));
  if (c.bias) pb.param_names.push_back("b");
  linear_posterior(c, pb);
}

/// The exact Gaussian posterior of the linear model's weights given pb's training data (feature-major, n_train
/// points), the known noise sigma and the prior sigma.
void linear_posterior(const McmcSpec& c, McmcProblem& pb) {
  const std::size_t n = static_cast<std::size_t>(pb.n_train);
  if (n == 0) return;
  const std::size_t f1 = pb.train_xt.size() / n;
  // Posterior precision A = XᵀX/σ² + I/s²; mean μ = A⁻¹ Xᵀy/σ²; covariance A⁻¹.
  const double inv_n2 = 1.0 / (c.noise_sigma * c.noise_sigma), inv_p2 = 1.0 / (c.prior_sigma * c.prior_sigma);
  std::vector<double> a(f1 * f1, 0.0), rhs(f1 * (f1 + 1), 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < f1; ++j) {
      const double xj = pb.train_xt[j * n + i];
      rhs[j * (f1 + 1) + f1] += xj * pb.train_y[i] * inv_n2;
      for (std::size_t k = 0; k < f1; ++k) a[j * f1 + k] += xj * pb.train_xt[k * n + i] * inv_n2;
    }
  for (std::size_t j = 0; j < f1; ++j) {
    a[j * f1 + j] += inv_p2;
    rhs[j * (f1 + 1) + j] = 1.0;  // [I | Xᵀy/σ²]
  }
  solve_spd(a, rhs, f1, f1 + 1);
  pb.analytic_mean.resize(f1);
  pb.analytic_cov.resize(f1 * f1);
  for (std::size_t j = 0; j < f1; ++j) {
    pb.analytic_mean[j] = rhs[j * (f1 + 1) + f1];
    for (std::size_t k = 0; k < f1; ++k) pb.analytic_cov[j * f1 + k] = rhs[j * (f1 + 1) + k];
  }
}

}  // namespace

McmcProblem make_mcmc_problem(const Scenario& s) {
  const McmcSpec& c = s.spec_as<McmcSpec>();
  McmcProblem pb;
  McmcParams& q = pb.params;
  q.device = s.device;
  q.seed = s.seed;
  q.data_seed = c.data_seed;
  int inputs = 0;
  if (c.task == McmcTask::kLinearRegression) {
    linear_regression(c, c.data_seed, pb);
    inputs = static_cast<int>(c.features ? c.features : 2);
    q.model = McmcModel::kLinear;
    q.outputs = 1;
  } else if (c.task == McmcTask::kCartpole) {
    inputs = 4;
    q.model = McmcModel::kCartpole;
    q.outputs = 1;
  } else {
    const bool regression = c.model == "linear";  // task csv with a real-valued last column
    Dataset d = c.task == McmcTask::kCsv ? load_csv_dataset(c.data, c.features, regression) : illustrative_2d(c.samples, c.data_seed);
    if (d.classes > kMaxOutputs)
      throw InputError(SourceMark{c.data}, "label", fmt::format("{} classes; the mcmc models take at most {}", d.classes, kMaxOutputs));
    const Split sp = stratified_split(d, c.test_fraction, c.data_seed);
    zscore(d, sp.train);
    to_feature_major(d.x, d.features.size(), sp.train, pb.train_xt);
    to_feature_major(d.x, d.features.size(), sp.test, pb.test_xt);
    for (std::size_t i : sp.train) pb.train_y.push_back(regression ? d.target[i] : static_cast<float>(d.y[i]));
    for (std::size_t i : sp.test) pb.test_y.push_back(regression ? d.target[i] : static_cast<float>(d.y[i]));
    pb.n_train = static_cast<int>(sp.train.size()), pb.n_test = static_cast<int>(sp.test.size());
    pb.classes = regression ? 0 : d.classes;
    inputs = static_cast<int>(d.features.size());
    q.outputs = regression || d.classes == 2 ? 1 : d.classes;
    q.model = regression ? McmcModel::kLinear : c.model == "mlp" ? McmcModel::kMlp : d.classes == 2 ? McmcModel::kLogistic : McmcModel::kSoftmax;
    const std::vector<std::string> names = [&] {
      std::vector<std::string> v = d.features;
      if (c.bias) v.push_back("1");
      return v;
    }();
    const int h = q.model == McmcModel::kMlp ? c.hidden : 0;
    if (h == 0) {
      for (int a = 0; a < q.outputs; ++a)
        for (const std::string& f : names)
          pb.param_names.push_back(q.outputs == 1 ? (f == "1" ? "b" : "w[" + f + "]") : fmt::format("w[{},{}]", a, f));
    } else {
      for (int k = 0; k < h; ++k)
        for (const std::string& f : names) pb.param_names.push_back(fmt::format("W1[{},{}]", k, f));
    }
  }
  // An empty split would score the chains on nothing (accuracy NaN) or learn from nothing.
  if (c.task != McmcTask::kCartpole && (pb.n_test == 0 || pb.n_train == 0))
    throw InputError(SourceMark{s.file}, "mcmc.test_fraction",
                     fmt::format("the {} split of the data is empty ({} training and {} test rows at test_fraction {}); expected "
                                 "both splits to hold data",
                                 pb.n_test == 0 ? "test" : "training", pb.n_train, pb.n_test, c.test_fraction));
  q.features = inputs + (c.bias ? 1 : 0);
  if (!c.bias) {  // drop the constant row of ones
    pb.train_xt.resize(static_cast<std::size_t>(q.features) * pb.n_train);
    pb.test_xt.resize(static_cast<std::size_t>(q.features) * pb.n_test);
  }
  if (c.task == McmcTask::kCsv && c.model == "linear") linear_posterior(c, pb);
  q.hidden = c.model == "mlp" ? c.hidden : 0;
  if (q.hidden > kMaxHidden) throw InputError(fmt::format("mcmc.hidden: at most {}", kMaxHidden));
  q.rows = q.hidden ? q.hidden : q.outputs;
  q.params = q.hidden ? q.hidden * q.features + q.outputs * (q.hidden + 1) : q.outputs * q.features;
  if (c.task == McmcTask::kCartpole) {
    const char* in[] = {"x", "x_dot", "theta", "theta_dot", "1"};
    const int n_in = q.features;  // the bias input "1" only when the model has one
    if (q.hidden == 0)
      for (int f = 0; f < n_in; ++f) pb.param_names.push_back(f == 4 ? std::string("b") : std::string("w[") + in[f] + "]");
    else
      for (int k = 0; k < q.hidden; ++k)
        for (int f = 0; f < n_in; ++f) pb.param_names.push_back(fmt::format("W1[{},{}]", k, in[f]));
  }
  if (q.hidden)
    for (int a = 0; a < q.outputs; ++a)
      for (int k = 0; k <= q.hidden; ++k) pb.param_names.push_back(k == q.hidden ? fmt::format("b2[{}]", a) : fmt::format("W2[{},{}]", a, k));
  if (static_cast<int>(pb.param_names.size()) != q.params) throw std::logic_error("mcmc: parameter names out of step");
  q.differential = c.differential;
  q.devices = c.differential ? 2 * q.params : q.params;
  q.weight_scale = static_cast<float>(c.weight_scale);
  q.g_ref = static_cast<float>(c.g_ref);
  q.g_init = static_cast<float>(c.g_init);
  q.init_compliance = compliance_for(s.device, q.g_init);
  q.prior_inv_var = static_cast<float>(1.0 / (c.prior_sigma * c.prior_sigma));
  q.noise_inv_var = static_cast<float>(1.0 / (c.noise_sigma * c.noise_sigma));
  q.inv_temperature = static_cast<float>(1.0 / c.temperature);
  q.proposal = c.proposal;
  q.proposal_sigma_g = static_cast<float>(c.proposal_sigma / c.weight_scale);
  q.acceptance = c.acceptance;
  q.restore = c.restore;
  q.age_cycles = static_cast<double>(c.aging_cycles);
  q.episodes = c.episodes;
  q.episode_steps = c.episode_steps;
  return pb;
}

void chain_weights(const McmcProblem& pb, const McmcState& s, int c, float* w) {
  const float* g = s.g.data() + static_cast<std::size_t>(c) * pb.params.devices;
  for (int p = 0; p < pb.params.params; ++p) w[p] = weight_of(pb.params, g, p);
}

double policy_test_return(const McmcProblem& pb, const float* w, int episodes) {
  double total = 0;
  for (int e = 0; e < episodes; ++e) total += cartpole_return(pb.params, w, static_cast<std::uint64_t>(e), 1);
  return total / episodes;
}

namespace {

class CpuChains : public McmcChains {
 public:
  CpuChains(const McmcProblem& pb, int chains, bool force_full, const RunHooks& hooks)
      : pb_(pb), chains_(chains), force_full_(force_full), hooks_(hooks) {}
  void init() override { mcmc_init_cpu(pb_.params, pb_.train(), chains_, force_full_, s_, hooks_); }
  void steps(std::uint64_t t0, std::uint64_t t1) override { mcmc_steps_cpu(pb_.params, pb_.train(), force_full_, t0, t1, s_, hooks_); }
  const McmcState& state() override { return s_; }

 private:
  const McmcProblem& pb_;
  int chains_;
  bool force_full_;
  RunHooks hooks_;
  McmcState s_;
};

std::uint64_t mcmc_step_slice(int chains) {
  return std::max<std::uint64_t>(1, (std::uint64_t{1} << 28) / static_cast<std::uint64_t>(std::max(1, chains)));
}

#if defined(MC_HAVE_CUDA)
class CudaChains : public McmcChains {
 public:
  CudaChains(int gpu, const McmcProblem& pb, int chains, bool force_full, const RunHooks& hooks)
      : gpu_(gpu, pb.params, pb.train(), chains, force_full), chains_(chains), hooks_(hooks) {}
  void init() override { gpu_.init(), fresh_ = false; }
  /// In slices of about 2^28 chain-steps (a fraction of a second on a GPU): progress moves and Ctrl-C is seen
  /// inside a long call. The chains' steps do not depend on the slicing (the counter is the step index).
  void steps(std::uint64_t t0, std::uint64_t t1) override {
    const std::uint64_t slice = mcmc_step_slice(chains_);
    for (std::uint64_t a = t0; a < t1; a += slice) {
      if (hooks_.cancel && hooks_.cancel->load(std::memory_order_relaxed)) return;
      const std::uint64_t b = std::min(t1, a + slice);
      gpu_.steps(a, b);
      fresh_ = false;
      if (hooks_.progress) hooks_.progress->fetch_add((b - a) * static_cast<std::uint64_t>(chains_));
    }
  }
  const McmcState& state() override {
    if (!fresh_) gpu_.download(s_), fresh_ = true;
    return s_;
  }

 private:
  McmcCudaChains gpu_;
  int chains_;
  RunHooks hooks_;
  McmcState s_;
  bool fresh_ = false;
};
#endif

}  // namespace

std::unique_ptr<McmcChains> make_mcmc_chains(const Backend& b, const McmcProblem& pb, int chains, bool force_full,
                                             const RunHooks& hooks) {
#if defined(MC_HAVE_CUDA)
  if (b.kind == Backend::kCuda) return std::make_unique<CudaChains>(b.gpu, pb, chains, force_full, hooks);
#endif
  (void)b;
  return std::make_unique<CpuChains>(pb, chains, force_full, hooks);
}

}  // namespace mc
