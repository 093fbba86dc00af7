#include "scenario/schema.hpp"

#include <cmath>
#include <limits>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <cstdio>
#include <sstream>

#include "bayes/bayes.hpp"  // kBayesMaxCycles

namespace mc {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
using D = Dimension;

KeySpec num(std::string path, D dim, std::string def, double lo, double hi, std::string doc, std::string note = "") {
  return KeySpec{std::move(path), KeyKind::kNumber, dim, D::kNone, std::move(def), lo, hi, {}, std::move(note), std::move(doc)};
}
KeySpec integer(std::string path, std::string def, double lo, double hi, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kInteger, D::kNone, D::kNone, std::move(def), lo, hi, {}, "", std::move(doc)};
}
KeySpec choice(std::string path, std::vector<std::string> choices, std::string def, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kEnum, D::kNone, D::kNone, std::move(def), 0, 0, std::move(choices), "", std::move(doc)};
}
KeySpec text(std::string path, std::string def, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kString, D::kNone, D::kNone, std::move(def), 0, 0, {}, "", std::move(doc)};
}
KeySpec table(std::string path, D dx, D dy, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kTable, dy, dx, "", 0, kInf, {}, "", std::move(doc)};
}
KeySpec int_list(std::string path, double lo, double hi, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kIntList, D::kNone, D::kNone, "", lo, hi, {}, "", std::move(doc)};
}

std::vector<KeySpec> build() {
  return {
      text("name", "", "Free-form name of the scenario, echoed into outputs."),
      choice("workload", {"endurance", "write_verify", "mcmc", "bayes_machine"}, "endurance",
             "What to simulate: SET/RESET cycling with checkpoints, write-and-verify programming, Metropolis-Hastings learning on device writes, or the stochastic Bayesian machine."),
      integer("seed", "1", 0, 4294967295.0, "Seed of the point: the first word of every Philox key (32 bits)."),
      text("device.preset", "", "Device preset from configs/devices/<name>.yaml (or a path to a .yaml file); keys below override it."),
      choice("device.lrs.median_law", {"linear", "power", "table"}, "linear",
             "LRS median vs SET compliance: linear k*I, power k*I^p, or a measured table."),
      num("device.lrs.median_k", D::kNone, "1.5", 1e-6, 1e6, "Coefficient k of the median law.", "uS/uA (power: uS/uA^p)"),
      num("device.lrs.median_p", D::kNone, "1", 0.05, 10, "Exponent p of the power median law."),
      table("device.lrs.median_table", D::kCurrent, D::kConductance,
            "Measured [compliance, median conductance] points for median_law: table; increasing."),
      choice("device.lrs.sigma_law", {"sqrt", "power", "relative", "table"}, "sqrt",
             "Cycle-to-cycle sigma vs median G: sqrt a*sqrt(G*1uS), power a*G^p, relative a*G, or a table [Dalgaty 2021]."),
      num("device.lrs.sigma_a", D::kNone, "1", 0, 1e6, "Coefficient a of the sigma law.", "sqrt: uS^0.5; relative: fraction"),
      num("device.lrs.sigma_p", D::kNone, "0.5", 0, 2, "Exponent p of the power sigma law."),
      table("device.lrs.sigma_table", D::kConductance, D::kConductance, "Measured [median G, sigma] points for sigma_law: table."),
      num("device.lrs.d2d_sigma_ln", D::kNone, "0.05", 0, 2, "Device-to-device log-normal sigma of the LRS median."),
      num("device.g_min", D::kConductance, "0.01 uS", 0, 1e7, "Lowest conductance a write can leave."),
      num("device.g_max", D::kConductance, "1000 uS", 1e-6, 1e7, "Highest conductance a write can leave."),
      num("device.hrs.median", D::kConductance, "2 uS", 1e-6, 1e7, "Median HRS conductance after RESET."),
      num("device.hrs.sigma_ln", D::kNone, "0.6", 0, 5, "Cycle-to-cycle sigma of ln G in HRS."),
      num("device.hrs.d2d_sigma_ln", D::kNone, "0.3", 0, 5, "Device-to-device sigma of ln of the HRS median."),
      choice("device.read.noise", {"none", "gaussian", "laplace"}, "gaussian",
             "Read noise: none, Gaussian relative, or Laplace with the measured b(I) profile [Lin et al. 2023]."),
      num("device.read.sigma_rel", D::kNone, "0.01", 0, 1, "Gaussian read noise sigma as a fraction of G."),
      num("device.read.voltage", D::kVoltage, "0.1 V", 1e-4, 10, "Read voltage (read current I = G*V)."),
      num("device.read.width", D::kTime, "100 ns", 0, 1, "Read pulse width (read energy V^2*G*t)."),
      num("device.read.laplace_c0", D::kNone, "0.0141", -1e3, 1e3, "Laplace scale b(I) = c0 + c1*I + c2*I^2, constant term.", "uA"),
      num("device.read.laplace_c1", D::kNone, "0.0324", -1e3, 1e3, "Laplace b(I) linear coefficient.", "uA/uA"),
      num("device.read.laplace_c2", D::kNone, "-0.0058", -1e3, 1e3, "Laplace b(I) quadratic coefficient.", "1/uA"),
      num("device.read.laplace_i_min", D::kCurrent, "0.4 uA", 0, 1e6, "Lower end of the measured b(I) range (I is clamped into it)."),
      num("device.read.laplace_i_max", D::kCurrent, "4 uA", 0, 1e6, "Upper end of the measured b(I) range."),
      num("device.wear.weibull_shape", D::kNone, "1.5", 0.05, 20, "Weibull shape k of the per-device lifetime."),
      num("device.wear.weibull_scale", D::kNone, "1e8", 1, 1e15, "Weibull scale (cycles) of the per-device lifetime.", "cycles"),
      num("device.wear.closure_onset", D::kNone, "0.5", 0, 0.999, "Fraction of its lifetime after which a device's window starts closing."),
      num("device.wear.closure_lrs_drop", D::kNone, "0.3", 0, 0.99, "Fractional drop of the LRS median at end of life."),
      num("device.wear.closure_hrs_rise", D::kNone, "1.0", 0, 100, "Fractional rise of the HRS median at end of life."),
      num("device.wear.closure_spread_growth", D::kNone, "1.0", 0, 100, "Fractional growth of every c2c sigma at end of life."),
      num("device.wear.stuck_lrs_probability", D::kNone, "0.5", 0, 1, "A worn-out device is stuck in LRS with this probability, else in HRS."),
      num("device.forming.failure_fraction", D::kNone, "0", 0, 1, "Fraction of devices that never form [Merrikh-Bayat 2018: 0.01-0.025]."),
      num("device.forming.stuck_min", D::kConductance, "10 uS", 0, 1e7, "Unformed devices are stuck uniformly in [stuck_min, stuck_max]."),
      num("device.forming.stuck_max", D::kConductance, "100 uS", 0, 1e7, "Upper end of the unformed devices' conductance."),
      num("device.pulse.set_voltage", D::kVoltage, "1.5 V", 0, 100, "SET pulse voltage (SET energy V*I_c*t)."),
      num("device.pulse.reset_voltage", D::kVoltage, "2.5 V", 0, 100, "RESET pulse voltage."),
      num("device.pulse.reset_current", D::kCurrent, "120 uA", 0, 1e6, "RESET current (RESET energy V*I*t)."),
      num("device.pulse.width", D::kTime, "1 us", 0, 1, "SET and RESET pulse width."),
      integer("endurance.devices", "100000", 2, 1e12, "Devices simulated, in 2T2R pairs (must be even)."),
      integer("endurance.cycles", "1000000", 1, 1e14, "SET/RESET cycles per device."),
      int_list("endurance.checkpoints", 1, 1e14, "Cycle counts where statistics are taken (default: log-spaced, see checkpoints_per_decade)."),
      int_list("endurance.ber_estimate_cycles", 1, 1e15,
               "Cycle counts where the 2T2R BER is also computed by quadrature over every device state (kernels/endurance/ber.hpp: reaches 1e-15, beyond plain Monte Carlo; any count, not only simulated ones) into ber_estimate.csv; results.csv then holds the estimate at the last cycle. Empty: off."),
      integer("endurance.checkpoints_per_decade", "4", 1, 100, "Log-spaced checkpoints per decade when checkpoints is not given."),
      num("endurance.compliance", D::kCurrent, "66.7 uA", 1e-3, 1e6, "SET compliance current of every cycle."),
      num("endurance.read_threshold", D::kConductance, "20 uS", 0, 1e7, "1T1R read threshold: reads at or above it are LRS."),
      integer("write_verify.devices", "100000", 1, 1e12, "Devices programmed."),
      num("write_verify.target", D::kConductance, "50 uS", 1e-6, 1e7, "Target conductance."),
      num("write_verify.tolerance", D::kNone, "0.05", 1e-6, 1, "Relative half-width of the acceptance band."),
      integer("write_verify.max_pulses", "100", 1, 1e6, "Pulses (SET and RESET) before giving up."),
      choice("write_verify.law", {"retry", "incremental"}, "retry",
             "retry: RESET+SET at the target's compliance; incremental: compliance stepped up, RESET and restart when above."),
      num("write_verify.start_fraction", D::kNone, "0.5", 0.01, 1, "incremental: first compliance as a fraction of the target's."),
      num("write_verify.step", D::kCurrent, "2 uA", 1e-6, 1e6, "incremental: compliance step per pulse."),
      choice("mcmc.task", {"csv", "illustrative_2d", "linear_regression", "cartpole"}, "csv",
             "Data: a labelled CSV (mcmc.data), the generated 2-D two-class set, a generated linear regression with known noise (analytic posterior), or cart-pole control."),
      text("mcmc.data", "", "task csv: the data set, relative to the scenario file (header row; last column the class id 0..K-1, or with model linear the real-valued target)."),
      integer("mcmc.data_seed", "1", 0, 4294967295.0, "Seed of the data: the train/test split and generated data sets (apart from the point's seed, so sweeps compare chains on the same data)."),
      num("mcmc.test_fraction", D::kNone, "0.2", 0, 0.9, "Held-out fraction of the data (stratified, seeded)."),
      integer("mcmc.samples", "400", 4, 1e6, "Generated tasks: data points."),
      integer("mcmc.features", "0", 0, 65535, "Input features of the model (the bias comes on top): csv, the most the model accepts (0: as many as the file has); linear_regression, how many to generate (0: 2)."),
      choice("mcmc.bias", {"true", "false"}, "true", "Whether the model's inputs carry a constant 1 (a bias weight per output or hidden unit)."),
      num("mcmc.noise_sigma", D::kNone, "0.5", 1e-3, 1e3, "model linear: the known observation noise sigma (in the units of the target)."),
      choice("mcmc.model", {"logistic", "mlp", "linear"}, "logistic",
             "logistic: Bayesian logistic regression (softmax for more than 2 classes); mlp: one tanh hidden layer; linear: Gaussian linear regression with known noise_sigma (task linear_regression, or csv with a real-valued last column; and the cart-pole's linear policy)."),
      integer("mcmc.hidden", "8", 1, 64, "mlp: hidden units."),
      choice("mcmc.weights", {"differential", "reference"}, "differential",
             "A weight is a differential pair (G+ - G-)*scale, or one device against a reference (G - g_ref)*scale."),
      num("mcmc.weight_scale", D::kNone, "0.05", 1e-9, 1e6, "Weight per microsiemens of conductance.", "1/uS"),
      num("mcmc.g_init", D::kConductance, "50 uS", 1e-6, 1e7, "Conductance every device is first programmed to (weights start near 0)."),
      num("mcmc.g_ref", D::kConductance, "50 uS", 0, 1e7, "reference weights: the reference conductance."),
      num("mcmc.prior_sigma", D::kNone, "1", 1e-6, 1e6, "Gaussian prior sigma of every weight."),
      choice("mcmc.proposal", {"device", "gaussian"}, "device",
             "device: RESET then SET one device at the compliance whose median is its conductance; gaussian: ideal symmetric random walk (software baseline)."),
      num("mcmc.proposal_sigma", D::kNone, "0.05", 1e-9, 1e6, "gaussian: step sigma of the random walk, in weight units."),
      choice("mcmc.acceptance", {"plain", "hastings"}, "hastings",
             "plain: min(1, posterior ratio) as the chip does; hastings: with q(x|x')/q(x'|x) (and, for differential pairs, the box segment length of each weight), exact for G-dependent, bounded writes when device.read.noise is none. With read noise both score proposals on noisy reads (pseudo-marginal, as a chip does) and sample the posterior smoothed by the read noise."),
      choice("mcmc.restore", {"reprogram", "ideal"}, "reprogram",
             "A rejected write is restored by a verified rewrite (one more RESET+SET, energy, wear) or for free."),
      integer("mcmc.age_cycles", "0", 0, 1e12, "SET/RESET cycles every device has seen before the run (wear, worn-out devices)."),
      integer("mcmc.chains", "1024", 1, 1e7, "Independent chains, each its own simulated array (its own d2d draw)."),
      integer("mcmc.iterations", "20000", 2, 1e10, "Steps per chain; a step is one proposal, its likelihood and its decision."),
      num("mcmc.burn_in", D::kNone, "0.5", 0, 0.99, "Fraction of the iterations discarded before samples are kept."),
      integer("mcmc.thin", "20", 1, 1e9, "Keep every thin-th step after burn-in (the ensemble, diagnostics and traces)."),
      integer("mcmc.checkpoints_per_decade", "8", 1, 100, "Log-spaced iterations where the ensemble is scored (accuracy vs iterations and device cycles)."),
      integer("mcmc.diagnostic_chains", "64", 2, 1e6, "Chains (the first ones) whose kept samples enter R-hat and ESS."),
      integer("mcmc.trace_chains", "4", 0, 1e4, "Chains whose kept samples are written to trace.csv."),
      integer("mcmc.stored_samples", "8", 0, 1e6, "Kept samples per chain written to samples.csv as device conductances (the last ones, as an array stores them)."),
      num("mcmc.temperature", D::kNone, "2", 1e-6, 1e6, "cartpole: log pseudo-likelihood = mean return / temperature."),
      integer("mcmc.episodes", "8", 1, 4096, "cartpole: training episodes per likelihood evaluation (fixed initial states)."),
      integer("mcmc.test_episodes", "100", 1, 100000, "cartpole: held-out episodes to score the sampled policies."),
      integer("mcmc.episode_steps", "200", 1, 100000, "cartpole: steps of an episode, the maximum return."),
      // bayes_machine (issue 4): the stochastic-bitstream Bayesian machine [Harabi 2023].
      choice("bayes_machine.task", {"synthetic", "table", "csv"}, "synthetic",
             "synthetic: random known likelihood table; table: a likelihood table file; csv: learn from a data set."),
      text("bayes_machine.data", "", "csv: data set file (data/README.md format), relative to the scenario file."),
      text("bayes_machine.table", "", "table: likelihood table CSV (class,observation,level,probability), relative to the scenario file."),
      integer("bayes_machine.task_seed", "1", 0, 4294967295.0, "Seed of the task (synthetic table, samples, train/test split), apart from the point's seed so sweep points share one task."),
      num("bayes_machine.test_fraction", D::kNone, "0.3", 0.01, 0.99, "csv: fraction of each class held out for inference (stratified)."),
      integer("bayes_machine.levels", "8", 2, 64, "csv: levels V each continuous feature is discretized into."),
      choice("bayes_machine.binning", {"quantile", "uniform"}, "quantile", "csv: bin edges from training quantiles, or uniform over the training range."),
      num("bayes_machine.smoothing", D::kNone, "1", 0, 1e6, "csv: Laplace smoothing alpha of the likelihood counts."),
      choice("bayes_machine.prior", {"no", "yes"}, "no", "csv: add the class prior as one more observation column."),
      integer("bayes_machine.synthetic.classes", "4", 2, 32, "synthetic: classes."),
      integer("bayes_machine.synthetic.observations", "8", 1, 128, "synthetic: observations (features)."),
      integer("bayes_machine.synthetic.levels", "8", 2, 64, "synthetic: levels of each observation."),
      integer("bayes_machine.synthetic.samples", "2000", 1, 1e7, "synthetic and table: samples drawn from the table for inference."),
      num("bayes_machine.synthetic.sharpness", D::kNone, "1", 0, 20, "synthetic: likelihoods are exp(sharpness*z) normalized (z normal): larger is more informative."),
      choice("bayes_machine.mode", {"stochastic", "log"}, "stochastic",
             "stochastic: bitstreams ANDed and counted; log: B-bit log-likelihoods added (Turck 2025)."),
      integer("bayes_machine.bits", "8", 1, 16, "B: bits of each likelihood word and random number."),
      choice("bayes_machine.generator", {"lfsr", "philox"}, "lfsr", "Random numbers: per-block LFSRs as in the hardware, or ideal Philox."),
      integer("bayes_machine.cycles", "255", 1, static_cast<double>(kBayesMaxCycles), "T: clock cycles per inference."),
      int_list("bayes_machine.checkpoints", 1, static_cast<double>(kBayesMaxCycles), "Cycle counts of the accuracy-vs-cycles curve (default: powers of 2 up to cycles)."),
      integer("bayes_machine.early_stop", "0", 0, 4294967295.0, "K: the first class whose count reaches K decides (0: off; decide after cycles)."),
      integer("bayes_machine.repeats", "1", 1, 1e6, "Inferences per test sample (each with fresh random numbers)."),
      integer("bayes_machine.chips", "1", 1, 1e6, "Simulated chips (d2d): repeat r runs on chip r mod chips."),
      integer("bayes_machine.lfsr.taps", "0", 0, 65535, "LFSR feedback mask, bit k = state bit k (0: a maximal-length default for B)."),
      choice("bayes_machine.lfsr.maximal", {"yes", "no"}, "yes", "yes: refuse taps whose period is not 2^B - 1."),
      choice("bayes_machine.lfsr.sharing", {"per_block", "per_row", "per_column", "global"}, "per_block",
             "Blocks sharing one LFSR: each its own, one per class row, one per observation column, one for all."),
      choice("bayes_machine.lfsr.seeding", {"random", "fixed"}, "random",
             "random: a random phase per LFSR and inference; fixed: LFSR k starts k*spacing steps after seed."),
      integer("bayes_machine.lfsr.seed", "1", 0, 65535, "fixed seeding: start state of LFSR 0 (nonzero, below 2^B)."),
      integer("bayes_machine.lfsr.spacing", "37", 0, 4294967295.0, "fixed seeding: steps between the start states of consecutive LFSRs."),
      choice("bayes_machine.storage.cell", {"2t2r", "1t1r"}, "2t2r", "Bit cell: complementary pair read by a sense amplifier, or one device vs a threshold."),
      choice("bayes_machine.storage.errors", {"none", "device", "ber"}, "none",
             "Stored-bit errors: none, from the device model (programming after aging, read noise), or an explicit BER."),
      num("bayes_machine.storage.ber", D::kNone, "0", 0, 0.5, "errors: ber: probability that a stored bit reads flipped."),
      num("bayes_machine.storage.aging_cycles", D::kNone, "0", 0, 1e15, "errors: device: SET/RESET cycles the devices went through before programming.", "cycles"),
      num("bayes_machine.storage.compliance", D::kCurrent, "100 uA", 1e-3, 1e6, "errors: device: SET compliance of programming."),
      num("bayes_machine.storage.read_threshold", D::kConductance, "20 uS", 0, 1e7, "1t1r: a read at or above it is a 1."),
      choice("bayes_machine.storage.reread", {"chip", "inference", "cycle"}, "chip",
             "When stored words are read (each read with fresh read noise or BER draw): once per simulated chip after programming, again for every inference, or every clock cycle (cycle-by-cycle path, slower)."),
      num("bayes_machine.seu.rate", D::kNone, "0", 0, 0.5, "Single-event upsets per bit per cycle (also applied to the conventional fixed-point NB)."),
      choice("bayes_machine.seu.targets", {"all", "lfsr", "counters", "words", "registers"}, "all",
             "Registers hit: LFSR states, counters (accumulators of the fixed-point NB), latched words; registers = lfsr + counters."),
      num("bayes_machine.energy.block_cycle", D::kEnergy, "0.01 pJ", 0, 1e6, "Energy of one block for one cycle (random number, compare, AND) [default]."),
      num("bayes_machine.energy.counter_cycle", D::kEnergy, "0.005 pJ", 0, 1e6, "Energy of one class counter for one cycle [default]."),
  };
}
}  // namespace

const std::vector<KeySpec>& scenario_schema() {
  static const std::vector<KeySpec> s = build();
  return s;
}

const KeySpec* find_key(const std::string& path) {
  for (const KeySpec& k : scenario_schema())
    if (k.path == path) return &k;
  return nullptr;
}

bool is_section(const std::string& path) {
  for (const KeySpec& k : scenario_schema())
    if (k.path.size() > path.size() && k.path.compare(0, path.size(), path) == 0 && k.path[path.size()] == '.') return true;
  return false;
}

std::vector<std::string> section_children(const std::string& section) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  const std::string prefix = section.empty() ? "" : section + ".";
  for (const KeySpec& k : scenario_schema()) {
    if (k.path.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = k.path.substr(prefix.size());
    const std::string child = rest.substr(0, rest.find('.'));
    if (seen.insert(child).second) out.push_back(child);
  }
  return out;
}

namespace {
std::string kind_text(const KeySpec& k) {
  switch (k.kind) {
    case KeyKind::kInteger: return "integer";
    case KeyKind::kNumber: return k.dim == D::kNone ? "number" : std::string("quantity (") + dimension_name(k.dim) + ")";
    case KeyKind::kEnum: {
      std::string s = "one of";
      for (const auto& c : k.choices) s += " `" + c + "`";
      return s;
    }
    case KeyKind::kString: return "string";
    case KeyKind::kTable: return std::string("table of [") + internal_unit(k.dim_x) + ", " + internal_unit(k.dim) + "] pairs";
    case KeyKind::kIntList: return "list of integers";
  }
  return "";
}

std::string range_text(const KeySpec& k) {
  if (k.kind != KeyKind::kNumber && k.kind != KeyKind::kInteger && k.kind != KeyKind::kIntList) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g .. %.10g", k.min, k.max);
  return buf;
}
}  // namespace

std::string schema_markdown() {
  std::ostringstream o;
  o << "# Scenario reference\n\n"
       "Generated by `memcarlo schema --markdown` from host/scenario/schema.cpp; a test keeps this file in step.\n"
       "Quantities take a unit (`\"50 uS\"`, `\"100uA\"`, `\"1.2 V\"`, `\"1 us\"`, `\"25 pJ\"`, `\"10 kOhm\"`); a bare number is in\n"
       "the internal unit shown. Ranges are inclusive, in internal units. Unknown or duplicate keys are errors.\n\n"
       "Any scenario may add a `sweep:` block over any key below, by its dotted path; `memcarlo run` expands it into\n"
       "points (the cartesian product of `points` x each `grid` axis x the `zip` group; the last axis varies fastest):\n\n"
       "```yaml\nsweep:\n  grid:\n    endurance.compliance: [\"30 uA\", \"60 uA\"]\n"
       "    device.hrs.median: {logspace: [\"1 uS\", \"10 uS\", 5]}   # or {linspace: [start, stop, count]}\n"
       "  zip:                                                   # equal-length lists, varied together\n"
       "    device.wear.weibull_scale: [1e6, 1e8]\n    device.wear.weibull_shape: [1.5, 2]\n"
       "  points:                                                # explicit points\n"
       "    - {endurance.read_threshold: 15 uS}\n```\n\n"
       "A point's seed derives from `seed` and the point's resolved parameters (so it is stable when the sweep grows);\n"
       "sweeping `seed` itself sets it. `device.preset` and `workload` cannot be swept.\n\n"
       "| key | type | unit | default | range | meaning |\n|---|---|---|---|---|---|\n";
  for (const KeySpec& k : scenario_schema()) {
    std::string unit = k.dim != D::kNone ? internal_unit(k.dim) : k.unit_note;
    o << "| `" << k.path << "` | " << kind_text(k) << " | " << unit << " | " << (k.default_text.empty() ? "" : "`" + k.default_text + "`")
      << " | " << range_text(k) << " | " << k.doc << " |\n";
  }
  return o.str();
}

namespace {
/// A JSON Schema pattern for a number written as a string, with an optional unit of dimension d.
std::string number_pattern(Dimension d) {
  const std::string num = R"(\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?)";
  std::string units;
  switch (d) {
    case D::kConductance: units = "S|mS|uS|µS|nS|Ohm|kOhm|MOhm"; break;
    case D::kCurrent: units = "A|mA|uA|µA|nA"; break;
    case D::kVoltage: units = "V|mV"; break;
    case D::kTime: units = "s|ms|us|µs|ns"; break;
    case D::kEnergy: units = "J|mJ|uJ|µJ|nJ|pJ|fJ"; break;
    default: break;
  }
  return "^" + num + (units.empty() ? "" : "\\s*(" + units + ")?") + "\\s*$";
}
}  // namespace

std::string schema_json() {
  using nlohmann::ordered_json;
  ordered_json root = {{"$schema", "http://json-schema.org/draft-07/schema#"},
                       {"title", "memcarlo scenario"},
                       {"description", "Generated by `memcarlo schema --json` from host/scenario/schema.cpp."},
                       {"type", "object"}};
  // Build nested objects section by section.
  std::map<std::string, ordered_json> sections;
  std::function<ordered_json(const std::string&)> build_section = [&](const std::string& section) {
    ordered_json obj = {{"type", "object"}, {"additionalProperties", false}, {"properties", ordered_json::object()}};
    for (const std::string& child : section_children(section)) {
      const std::string path = section.empty() ? child : section + "." + child;
      if (const KeySpec* k = find_key(path)) {
        ordered_json p = {{"description", k->doc}};
        switch (k->kind) {
          case KeyKind::kInteger:
          case KeyKind::kNumber:
            p["anyOf"] = {{{"type", "number"}}, {{"type", "string"}, {"pattern", number_pattern(k->dim)}}};
            break;
          case KeyKind::kEnum: p["enum"] = k->choices; break;
          case KeyKind::kString: p["type"] = "string"; break;
          case KeyKind::kTable:
            p["type"] = "array";
            p["maxItems"] = 16;
            p["items"] = {{"type", "array"}, {"minItems", 2}, {"maxItems", 2}, {"items", {{"type", {"number", "string"}}}}};
            break;
          case KeyKind::kIntList:
            p["type"] = "array";
            p["items"] = {{"anyOf", {{{"type", "number"}}, {{"type", "string"}, {"pattern", number_pattern(D::kNone)}}}}};
            break;
        }
        if (!k->default_text.empty()) p["default"] = k->default_text;
        obj["properties"][child] = p;
      } else {
        obj["properties"][child] = build_section(path);
      }
    }
    return obj;
  };
  ordered_json top = build_section("");
  root["additionalProperties"] = false;
  root["properties"] = top["properties"];
  // The sweep block (host/scenario/sweep.hpp): key paths map to value lists or ranges.
  const ordered_json scalar = {{"type", {"number", "string", "boolean"}}};
  const ordered_json range = {{"type", "object"}, {"minProperties", 1}, {"maxProperties", 1}, {"additionalProperties", false},
                              {"properties", {{"linspace", {{"type", "array"}, {"minItems", 3}, {"maxItems", 3}}},
                                              {"logspace", {{"type", "array"}, {"minItems", 3}, {"maxItems", 3}}}}}};
  const ordered_json axes = {{"type", "object"}, {"propertyNames", {{"pattern", "^[a-z_]+(\\.[a-z0-9_]+)*$"}}},
                             {"additionalProperties", {{"anyOf", {{{"type", "array"}, {"minItems", 1}, {"items", scalar}}, range}}}}};
  root["properties"]["sweep"] = {
      {"description", "Expand the scenario into points: grid (cartesian product), zip (parallel lists), points (explicit)."},
      {"type", "object"},
      {"additionalProperties", false},
      {"properties", {{"grid", axes}, {"zip", axes},
                      {"points", {{"type", "array"}, {"items", {{"type", "object"}, {"additionalProperties", scalar}}}}}}}};
  root["required"] = {"workload"};
  return root.dump(2) + "\n";
}

}  // namespace mc
