// Workload `mcmc`: its keys, their resolution and what `validate` prints; the problem, run, diagnostics,
// compare and bench live beside this file.
#include <algorithm>
#include <fmt/format.h>

#include "scenario/resolver.hpp"
#include "workloads/mcmc/mcmc.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"

namespace mc {

const char* const kMcmcTaskNames[4] = {"csv", "illustrative_2d", "linear_regression", "cartpole"};

namespace {

class McmcWorkload final : public Workload {
 public:
  const char* name() const override { return "mcmc"; }
  const char* description() const override { return "Metropolis-Hastings learning on device writes"; }

  std::vector<KeySpec> keys() const override {
    return {
      choice_key("mcmc.task", {"csv", "illustrative_2d", "linear_regression", "cartpole"}, "csv",
             "Data: a labelled CSV (mcmc.data), the generated 2-D two-class set, a generated linear regression with known noise (analytic posterior), or cart-pole control."),
      text_key("mcmc.data", "", "task csv: the data set, relative to the scenario file (header row; last column the class id 0..K-1, or with model linear the real-valued target)."),
      integer_key("mcmc.data_seed", "1", 0, 4294967295.0, "Seed of the data: the train/test split and generated data sets (apart from the point's seed, so sweeps compare chains on the same data)."),
      num_key("mcmc.test_fraction", Dimension::kNone, "0.2", 0, 0.9, "Held-out fraction of the data (stratified, seeded)."),
      integer_key("mcmc.samples", "400", 4, 1e6, "Generated tasks: data points."),
      integer_key("mcmc.features", "0", 0, 65535, "Input features of the model (the bias comes on top): csv, the most the model accepts (0: as many as the file has); linear_regression, how many to generate (0: 2)."),
      choice_key("mcmc.bias", {"true", "false"}, "true", "Whether the model's inputs carry a constant 1 (a bias weight per output or hidden unit)."),
      num_key("mcmc.noise_sigma", Dimension::kNone, "0.5", 1e-3, 1e3, "model linear: the known observation noise sigma (in the units of the target)."),
      choice_key("mcmc.model", {"logistic", "mlp", "linear"}, "logistic",
             "logistic: Bayesian logistic regression (softmax for more than 2 classes); mlp: one tanh hidden layer; linear: Gaussian linear regression with known noise_sigma (task linear_regression, or csv with a real-valued last column; and the cart-pole's linear policy)."),
      integer_key("mcmc.hidden", "8", 1, 64, "mlp: hidden units."),
      choice_key("mcmc.weights", {"differential", "reference"}, "differential",
             "A weight is a differential pair (G+ - G-)*scale, or one device against a reference (G - g_ref)*scale."),
      num_key("mcmc.weight_scale", Dimension::kNone, "0.05", 1e-9, 1e6, "Weight per microsiemens of conductance.", "1/uS"),
      num_key("mcmc.g_init", Dimension::kConductance, "50 uS", 1e-6, 1e7, "Conductance every device is first programmed to (weights start near 0)."),
      num_key("mcmc.g_ref", Dimension::kConductance, "50 uS", 0, 1e7, "reference weights: the reference conductance."),
      num_key("mcmc.prior_sigma", Dimension::kNone, "1", 1e-6, 1e6, "Gaussian prior sigma of every weight."),
      choice_key("mcmc.proposal", {"device", "gaussian"}, "device",
             "device: RESET then SET one device at the compliance whose median is its conductance; gaussian: ideal symmetric random walk (software baseline)."),
      num_key("mcmc.proposal_sigma", Dimension::kNone, "0.05", 1e-9, 1e6, "gaussian: step sigma of the random walk, in weight units."),
      choice_key("mcmc.acceptance", {"plain", "hastings"}, "hastings",
             "plain: min(1, posterior ratio) as the chip does; hastings: with q(x|x')/q(x'|x) (and, for differential pairs, the box segment length of each weight), exact for G-dependent, bounded writes when device.read.noise is none. With read noise both score proposals on noisy reads (pseudo-marginal, as a chip does) and sample the posterior smoothed by the read noise."),
      choice_key("mcmc.restore", {"reprogram", "ideal"}, "reprogram",
             "A rejected write is restored by a verified rewrite (one more RESET+SET, energy, wear) or for free."),
      integer_key("mcmc.aging_cycles", "0", 0, 1e15, "SET/RESET cycles every device has seen before the run (wear, worn-out devices)."),
      integer_key("mcmc.chains", "1024", 1, 1e7, "Independent chains, each its own simulated array (its own d2d draw)."),
      integer_key("mcmc.iterations", "20000", 2, 1e10, "Steps per chain; a step is one proposal, its likelihood and its decision."),
      num_key("mcmc.burn_in", Dimension::kNone, "0.5", 0, 0.99, "Fraction of the iterations discarded before samples are kept."),
      integer_key("mcmc.thin", "20", 1, 1e9, "Keep every thin-th step after burn-in (the ensemble, diagnostics and traces)."),
      integer_key("mcmc.checkpoints_per_decade", "8", 1, 100, "Log-spaced iterations where the ensemble is scored (accuracy vs iterations and device cycles)."),
      integer_key("mcmc.diagnostic_chains", "64", 2, 1e6, "Chains (the first ones) whose kept samples enter R-hat and ESS."),
      integer_key("mcmc.trace_chains", "4", 0, 1e4, "Chains whose kept samples are written to trace.csv."),
      integer_key("mcmc.stored_samples", "8", 0, 1e6, "Kept samples per chain written to samples.csv as device conductances (the last ones, as an array stores them)."),
      num_key("mcmc.temperature", Dimension::kNone, "2", 1e-6, 1e6, "cartpole: log pseudo-likelihood = mean return / temperature."),
      integer_key("mcmc.episodes", "8", 1, 4096, "cartpole: training episodes per likelihood evaluation (fixed initial states)."),
      integer_key("mcmc.test_episodes", "100", 1, 100000, "cartpole: held-out episodes to score the sampled policies."),
      integer_key("mcmc.episode_steps", "200", 1, 100000, "cartpole: steps of an episode, the maximum return.")
    };
  }

  /// Keys, cross-key rules, and the data file resolved next to the scenario.
  void resolve(Resolver& r, Scenario& s) const override {
    McmcSpec c;
    const std::string task = r.choice("mcmc.task");
    c.task = task == "csv" ? McmcTask::kCsv : task == "illustrative_2d" ? McmcTask::kIllustrative2d
           : task == "linear_regression" ? McmcTask::kLinearRegression : McmcTask::kCartpole;
    if (c.task != McmcTask::kCsv && r.has("mcmc.data"))
      throw InputError(r.mark("mcmc.data"), "mcmc.data", "only task csv reads a data file; this task is '" + task + "'");
    const std::string data = r.data_file("mcmc.data");
    if (c.task == McmcTask::kCsv) {
      if (data.empty()) throw InputError(r.mark("mcmc.task"), "mcmc.data", "task csv needs mcmc.data, the path of a data set CSV");
      c.data = data;
    }
    c.data_seed = static_cast<std::uint32_t>(r.number("mcmc.data_seed"));
    c.test_fraction = r.number("mcmc.test_fraction");
    c.samples = static_cast<std::uint64_t>(r.number("mcmc.samples"));
    c.features = static_cast<std::uint64_t>(r.number("mcmc.features"));
    c.noise_sigma = r.number("mcmc.noise_sigma");
    c.bias = r.choice("mcmc.bias") == "true";
    c.model = r.choice("mcmc.model");
    if ((c.task == McmcTask::kLinearRegression) != (c.model == "linear") && c.task != McmcTask::kCartpole &&
        !(c.task == McmcTask::kCsv && c.model == "linear"))  // csv + linear: the last column is a real-valued target
      throw InputError(r.mark("mcmc.model"), "mcmc.model", c.task == McmcTask::kLinearRegression
                           ? "task linear_regression needs model linear, got '" + c.model + "'"
                           : "model linear is for task linear_regression, csv (a real-valued last column) or cartpole; use logistic or mlp for task '" + task + "'");
    if (c.task == McmcTask::kCartpole && c.model == "logistic")
      throw InputError(r.mark("mcmc.model"), "mcmc.model", "task cartpole takes a linear or mlp policy, got 'logistic'");
    c.hidden = static_cast<int>(r.number("mcmc.hidden"));
    c.differential = r.choice("mcmc.weights") == "differential";
    c.weight_scale = r.number("mcmc.weight_scale");
    c.g_init = r.number("mcmc.g_init");
    c.g_ref = r.number("mcmc.g_ref");
    const DeviceModel& m = s.device;
    if (c.g_init <= m.g_min || c.g_init >= m.g_max)
      throw InputError(r.mark("mcmc.g_init"), "mcmc.g_init", "must lie between device.g_min and device.g_max");
    c.prior_sigma = r.number("mcmc.prior_sigma");
    const std::string proposal = r.choice("mcmc.proposal");
    c.proposal = proposal == "device" ? McmcProposal::kDevice : McmcProposal::kGaussian;
    c.proposal_sigma = r.number("mcmc.proposal_sigma");
    c.acceptance = r.choice("mcmc.acceptance") == "plain" ? McmcAcceptance::kPlain : McmcAcceptance::kHastings;
    c.restore = r.choice("mcmc.restore") == "reprogram" ? McmcRestore::kReprogram : McmcRestore::kIdeal;
    c.aging_cycles = static_cast<std::uint64_t>(r.number("mcmc.aging_cycles"));
    c.chains = static_cast<std::uint64_t>(r.number("mcmc.chains"));
    c.iterations = static_cast<std::uint64_t>(r.number("mcmc.iterations"));
    c.burn_in = r.number("mcmc.burn_in");
    c.thin = static_cast<std::uint64_t>(r.number("mcmc.thin"));
    if (c.iterations - static_cast<std::uint64_t>(c.burn_in * c.iterations) < c.thin * 4)
      throw InputError(r.mark("mcmc.thin"), "mcmc.thin", "keeps fewer than 4 samples per chain after burn-in; lower thin or burn_in, or raise iterations");
    c.checkpoints_per_decade = static_cast<int>(r.number("mcmc.checkpoints_per_decade"));
    c.diagnostic_chains = static_cast<std::uint64_t>(r.number("mcmc.diagnostic_chains"));
    c.trace_chains = static_cast<std::uint64_t>(r.number("mcmc.trace_chains"));
    c.stored_samples = static_cast<std::uint64_t>(r.number("mcmc.stored_samples"));
    c.temperature = r.number("mcmc.temperature");
    c.episodes = static_cast<int>(r.number("mcmc.episodes"));
    c.test_episodes = static_cast<int>(r.number("mcmc.test_episodes"));
    c.episode_steps = static_cast<int>(r.number("mcmc.episode_steps"));
    s.spec = std::move(c);
  }

  const char* work_unit() const override { return "chain-steps"; }
  double work(const Scenario& s) const override {
    const McmcSpec& c = s.spec_as<McmcSpec>();
    return static_cast<double>(c.chains) * static_cast<double>(c.iterations);
  }

  /// Per chain: conductances and write counts (D each), cached pre-activations (rows x training points,
  /// incremental path), scores and counters, stored samples as floats and as samples.csv text (built in memory,
  /// then copied once to write it); plus the diagnostic draws and trace text.
  MemoryNeed memory(const Scenario& s) const override {
    const McmcSpec& c = s.spec_as<McmcSpec>();
    const McmcProblem pb = make_mcmc_problem(s);
    const McmcParams& q = pb.params;
    const double kept = static_cast<double>(c.iterations - static_cast<std::uint64_t>(c.burn_in * c.iterations)) / c.thin;
    const double stored = std::min<double>(c.stored_samples, kept);
    const double per_chain = 8.0 * q.devices + (mcmc_incremental(q) ? 4.0 * q.rows * pb.n_train : 0.0) + 8.0 +
                             sizeof(McmcChainStats) + stored * (4.0 * q.devices + 2.0 * (11.0 * q.devices + 16.0));
    const double diag = std::min<double>(c.diagnostic_chains, c.chains);
    const double trace = std::min<double>(c.trace_chains, c.chains);
    const double fixed = 8.0 * q.params * diag * kept + 14.0 * trace * kept * (q.params + 3);
    return MemoryNeed{per_chain * static_cast<double>(c.chains) + fixed, "mcmc.chains", per_chain};
  }

  void describe(const Scenario& s, double work, bool sweep, TableRows& rows) const override {
    const McmcSpec& c = s.spec_as<McmcSpec>();
    rows.push_back({"task", std::string(kMcmcTaskNames[static_cast<int>(c.task)]) + (c.task == McmcTask::kCsv ? " (" + c.data + ")" : "")});
    rows.push_back({"model", c.model + (c.model == "mlp" ? fmt::format(", {} hidden", c.hidden) : std::string()) +
                                 (c.differential ? ", differential pairs" : ", one device vs a reference")});
    const bool noisy = s.device.read_noise != ReadNoise::kNone && c.proposal == McmcProposal::kDevice;
    rows.push_back({"acceptance", c.acceptance == McmcAcceptance::kPlain
                                      ? std::string("plain (the chip's ratio: biased where write sigma depends on G)")
                                      : noisy ? std::string("hastings, on noisy reads: pseudo-marginal, samples the posterior smoothed by the "
                                                            "read noise (device.read.noise: none for the exact one)")
                                              : std::string("hastings (exact: no read noise)")});
    rows.push_back({"chains x iterations", fmt::format("{} x {}{}", c.chains, c.iterations, sweep ? " (point 0)" : "")});
    rows.push_back({"chain-steps", fmt::format("{:.3g}{}", work, sweep ? " (all points)" : "")});
  }

  RunSummary run(const Scenario& s, const Backend& b, const RunOptions& opt, const OutputFolder& out) const override {
    return run_mcmc(s, b, opt, out);
  }
  void compare(const Manifest& a, const Manifest& b, std::vector<CompareRow>& rows) const override { compare_mcmc(a, b, rows); }

  std::vector<BenchOption> bench_options() const override {
    return {{"chains", 4096, "mcmc: chains (default 4096)"},
            {"steps", 200, "mcmc: timed steps per chain (default 200; a tenth of them for the full re-evaluation)"}};
  }
  int bench(const BenchArgs& args) const override { return bench_mcmc(args); }

  const char* plot_script() const override { return "tools/plot_mcmc.py"; }
};

}  // namespace

const Workload& mcmc_workload() {
  static const McmcWorkload w;
  return w;
}

}  // namespace mc
