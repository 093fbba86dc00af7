// Workload `bayes_nn`: its keys, their resolution (the data are read here, so an unseen class that is not in them or
// widths that do not match their features are input errors before anything runs) and what `validate` prints.
#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "data/dataset.hpp"
#include "scenario/resolver.hpp"
#include "workloads/bayes_nn/bayes_nn.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"

namespace mc {

namespace {

class BayesNnWorkload final : public Workload {
 public:
  const char* name() const override { return "bayes_nn"; }
  const char* description() const override { return "Bayesian neural networks sampling with memristor noise"; }

  std::vector<KeySpec> keys() const override {
    return {
      text_key("bayes_nn.data", "synthetic", "synthetic (9 + 1 Gaussian classes, Bayes-optimal answer known), fashion_mnist (principal components, one class held out) or the path of a labelled CSV (header row; last column the class id)."),
      text_key("bayes_nn.test_data", "", "CSV data: a test CSV; empty: a stratified split of data by test_fraction."),
      num_key("bayes_nn.test_fraction", Dimension::kNone, "0.25", 0.01, 0.9, "CSV data without test_data: the test share of each class."),
      integer_key("bayes_nn.unseen_class", "-1", -1, 1e6, "The class held out of training and shown at test (original class id); -1: the last class."),
      text_key("bayes_nn.fashion_dir", "", "fashion_mnist: the folder of the IDX files (relative to the scenario file, then under MC_DATA_PATH and memcarlo's data, like data files); empty: $MC_FASHION_MNIST, else /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist)."),
      integer_key("bayes_nn.fashion_train", "0", 0, 1e6, "fashion_mnist: training images used (the first ones); 0: all."),
      integer_key("bayes_nn.fashion_test", "0", 0, 1e6, "fashion_mnist: test images used (the first ones); 0: all."),
      integer_key("bayes_nn.features", "32", 1, 256, "synthetic: dimensions; fashion_mnist: principal components kept (PCA on the seen training images)."),
      integer_key("bayes_nn.classes", "10", 3, 256, "synthetic: classes, the unseen one included."),
      integer_key("bayes_nn.train_per_class", "400", 1, 1e6, "synthetic: training rows per seen class."),
      integer_key("bayes_nn.test_per_class", "100", 1, 1e6, "synthetic: test rows per class (the unseen class included)."),
      integer_key("bayes_nn.latent", "8", 1, 256, "synthetic: the coordinates the seen class centres differ in (the others are noise for the seen classes)."),
      num_key("bayes_nn.separation", Dimension::kNone, "1.0", 0, 100, "synthetic: standard deviation of the class centres' latent coordinates, in units of the noise standard deviation."),
      num_key("bayes_nn.unseen_shift", Dimension::kNone, "3.0", 0, 100, "synthetic: standard deviation of the unseen centre's other coordinates (it leaves the seen classes' subspace), noise units."),
      int_list_key("bayes_nn.layers", 1, kBnnMaxWidth, "Layer widths, features first and seen classes last (default: features, 16, seen classes; Bonnet: 32-16-9)."),
      integer_key("bayes_nn.epochs", "120", 1, 1e6, "Training epochs (Bayes-by-backprop, Adam, minibatches)."),
      integer_key("bayes_nn.warmup_epochs", "40", 0, 1e6, "Epochs before the technological loss starts (gamma is chosen then)."),
      integer_key("bayes_nn.batch", "64", 1, 1e6, "Minibatch rows."),
      num_key("bayes_nn.learning_rate", Dimension::kNone, "0.01", 1e-7, 10, "Adam step."),
      num_key("bayes_nn.prior_sigma", Dimension::kNone, "1.0", 1e-4, 100, "Standard deviation of the zero-mean Gaussian prior of every weight."),
      num_key("bayes_nn.kl_weight", Dimension::kNone, "1.0", 0, 1e6, "Weight of the KL term (1: the evidence lower bound)."),
      num_key("bayes_nn.init_sigma", Dimension::kNone, "0.05", 1e-6, 10, "Initial sigma of every weight."),
      choice_key("bayes_nn.tech_loss", {"true", "false"}, "true", "Train with the technological loss -log tanh(beta*f(mu, sigma)) toward the nearest programmable pair [Bonnet 2023]; false: without it (for comparison)."),
      num_key("bayes_nn.tech_weight", Dimension::kNone, "1.0", 0, 1e9, "Weight of the technological loss (summed over weights, divided by the training rows like the KL term)."),
      num_key("bayes_nn.delta", Dimension::kNone, "0.1", 1e-6, 100, "Width of the Gaussian kernel f around the nearest pair, weight units (Bonnet: 0.1)."),
      num_key("bayes_nn.beta", Dimension::kNone, "10", 1e-6, 1e6, "beta of -log tanh(beta*f) (Bonnet: 10)."),
      integer_key("bayes_nn.train_seed", "1", 0, 4294967295.0, "Seed of the initial weights, the shuffles and the training weight noise."),
      num_key("bayes_nn.clip", Dimension::kNone, "0", 0, 1e6, "Hidden ReLU clip (a clipped ReLU, as Bonnet's 3-bit activations); 0: none."),
      integer_key("bayes_nn.input_bits", "0", 0, 8, "Inputs quantised to 2^bits levels over +-input_range standard deviations (Bonnet: 3); 0: real inputs."),
      num_key("bayes_nn.input_range", Dimension::kNone, "2", 0.01, 100, "Range of the quantised inputs, standard deviations."),
      integer_key("bayes_nn.activation_bits", "0", 0, 8, "Hidden activations quantised to 2^bits levels over [0, clip] (Bonnet: 3; needs clip > 0; trained with a straight-through gradient); 0: real-valued."),
      choice_key("bayes_nn.bit_serial", {"true", "false"}, "false", "read mode: apply the quantised inputs (input_bits) and activations (activation_bits) one bit-plane per array read, each read with fresh read noise, plus an offset read (Bonnet's circuit); false: one analog read per layer."),
      choice_key("bayes_nn.program", {"one_shot", "write_verify", "both"}, "one_shot", "Programming conditions of the devices: one SET at a compliance, write-and-verify, or both families (Bonnet Fig. 3b)."),
      integer_key("bayes_nn.levels", "8", 1, 16, "Programming targets per family, evenly between g_lo and g_hi (Bonnet: 8 currents)."),
      num_key("bayes_nn.g_lo", Dimension::kConductance, "10 uS", 1e-6, 1e7, "Lowest programming target."),
      num_key("bayes_nn.g_hi", Dimension::kConductance, "100 uS", 1e-6, 1e7, "Highest programming target."),
      choice_key("bayes_nn.reset_condition", {"true", "false"}, "true", "Whether the RESET (HRS) state is one programming condition."),
      num_key("bayes_nn.tolerance", Dimension::kNone, "0.1", 1e-6, 10, "write_verify: relative tolerance band."),
      integer_key("bayes_nn.max_pulses", "20", 1, 1e6, "write_verify: pulses before giving up."),
      integer_key("bayes_nn.characterize", "2048", 2, 1e7, "Devices programmed per condition to measure its (mu, sigma) (Bonnet: 2,048)."),
      table_key("bayes_nn.pairs", Dimension::kConductance, Dimension::kConductance, "A measured table of device [mu, sigma] per programming condition, mu increasing (replaces the device model's conditions; devices are then drawn from N(mu, sigma))."),
      text_key("bayes_nn.modes", "software,program,read,conventional", "Comma list of software (ideal Gaussian samples), program (M programmed copies), read (one copy, fresh read noise per MVM), conventional (a deterministic network), read_aware (a network trained under the devices' read noise, written and verified once, sampled by fresh reads; Lin 2023)."),
      num_key("bayes_nn.read_weight_range", Dimension::kNone, "1.5", 0.01, 100, "read_aware: the weight magnitude mapped onto [g_lo, g_hi] (G+ = g_lo + gamma*max(w, 0), G- likewise for -w); the means are kept within it."),
      integer_key("bayes_nn.samples", "50", 1, 10000, "M: weight samples per input (program: copies; Bonnet: 50)."),
      int_list_key("bayes_nn.samples_eval", 1, 10000, "The M values metrics are reported at (default: 1, 2, 5, 10, 20, 50, 100 up to samples, and samples)."),
      num_key("bayes_nn.op_energy", Dimension::kEnergy, "0.6 pJ", 0, 1e9, "Energy of one in-memory operation (industrial in-memory computing: 0.27-0.95 pJ, Bonnet's 0.7-2.5 nJ per inference)."),
      num_key("bayes_nn.mcu_energy", Dimension::kEnergy, "170 uJ", 0, 1e18, "Energy of one inference on the reference microcontroller (Bonnet: STM32F746, 170 uJ at M = 10)."),
      integer_key("bayes_nn.mcu_samples", "10", 1, 10000, "The number of samples M the microcontroller's energy was measured at (the in-memory energy is compared at the same M)."),
    };
  }

  void resolve(Resolver& r, Scenario& s) const override {
    BayesNnSpec w;
    w.data = r.choice("bayes_nn.data");
    if (w.data != "synthetic" && w.data != "fashion_mnist") w.data = r.data_file("bayes_nn.data");
    w.test_data = r.data_file("bayes_nn.test_data");
    w.test_fraction = r.number("bayes_nn.test_fraction");
    w.unseen_class = static_cast<int>(r.number("bayes_nn.unseen_class"));
    // A folder, found like a data file (scenario/search_path.hpp): relative to the scenario file, then under each
    // folder of $MC_DATA_PATH, then among memcarlo's shipped files; `memcarlo submit` snapshots it.
    w.fashion_dir = r.data_folder("bayes_nn.fashion_dir");
    w.fashion_train = static_cast<int>(r.number("bayes_nn.fashion_train"));
    w.fashion_test = static_cast<int>(r.number("bayes_nn.fashion_test"));
    w.features = static_cast<int>(r.number("bayes_nn.features"));
    w.classes = static_cast<int>(r.number("bayes_nn.classes"));
    w.train_per_class = static_cast<int>(r.number("bayes_nn.train_per_class"));
    w.test_per_class = static_cast<int>(r.number("bayes_nn.test_per_class"));
    w.latent = static_cast<int>(r.number("bayes_nn.latent"));
    w.separation = r.number("bayes_nn.separation");
    w.unseen_shift = r.number("bayes_nn.unseen_shift");
    w.epochs = static_cast<int>(r.number("bayes_nn.epochs"));
    w.warmup_epochs = static_cast<int>(r.number("bayes_nn.warmup_epochs"));
    w.batch = static_cast<int>(r.number("bayes_nn.batch"));
    w.learning_rate = static_cast<float>(r.number("bayes_nn.learning_rate"));
    w.prior_sigma = static_cast<float>(r.number("bayes_nn.prior_sigma"));
    w.kl_weight = static_cast<float>(r.number("bayes_nn.kl_weight"));
    w.init_sigma = static_cast<float>(r.number("bayes_nn.init_sigma"));
    w.tech_loss = r.choice("bayes_nn.tech_loss") == "true";
    w.tech_weight = static_cast<float>(r.number("bayes_nn.tech_weight"));
    w.delta = static_cast<float>(r.number("bayes_nn.delta"));
    w.beta = static_cast<float>(r.number("bayes_nn.beta"));
    w.train_seed = static_cast<std::uint32_t>(r.number("bayes_nn.train_seed"));
    w.clip = static_cast<float>(r.number("bayes_nn.clip"));
    w.input_bits = static_cast<int>(r.number("bayes_nn.input_bits"));
    w.input_range = static_cast<float>(r.number("bayes_nn.input_range"));
    w.activation_bits = static_cast<int>(r.number("bayes_nn.activation_bits"));
    if (w.activation_bits > 0 && w.clip <= 0.0f)
      throw InputError(r.mark("bayes_nn.activation_bits"), "bayes_nn.activation_bits",
                       "quantised activations need a range: set bayes_nn.clip > 0 (their levels lie on [0, clip])");
    w.bit_serial = r.choice("bayes_nn.bit_serial") == "true";
    if (w.bit_serial && w.input_bits == 0)
      throw InputError(r.mark("bayes_nn.bit_serial"), "bayes_nn.bit_serial", "bit-serial reads need quantised inputs: set bayes_nn.input_bits (Bonnet: 3)");
    const std::string prog = r.choice("bayes_nn.program");
    w.programming = prog == "one_shot" ? BnnProgramming::kOneShot : prog == "write_verify" ? BnnProgramming::kWriteVerify : BnnProgramming::kBoth;
    w.levels = static_cast<int>(r.number("bayes_nn.levels"));
    w.g_lo = static_cast<float>(r.number("bayes_nn.g_lo"));
    w.g_hi = static_cast<float>(r.number("bayes_nn.g_hi"));
    if (w.g_hi <= w.g_lo) throw InputError(r.mark("bayes_nn.g_hi"), "bayes_nn.g_hi", "must exceed bayes_nn.g_lo");
    if (w.g_lo <= s.device.g_min || w.g_hi >= s.device.g_max)
      throw InputError(r.mark("bayes_nn.g_hi"), "bayes_nn.g_hi", "the targets [g_lo, g_hi] must lie inside (device.g_min, device.g_max)");
    w.reset_condition = r.choice("bayes_nn.reset_condition") == "true";
    w.tolerance = static_cast<float>(r.number("bayes_nn.tolerance"));
    w.max_pulses = static_cast<std::uint32_t>(r.number("bayes_nn.max_pulses"));
    w.characterize = static_cast<int>(r.number("bayes_nn.characterize"));
    w.pairs = r.table("bayes_nn.pairs");  // empty or non-increasing tables are refused there, at the offending row
    if (r.has("bayes_nn.pairs") && w.pairs.n < 2)
      throw InputError(r.mark("bayes_nn.pairs"), "bayes_nn.pairs", "needs at least two [mu, sigma] rows");
    std::stringstream modes(r.choice("bayes_nn.modes"));
    for (std::string m; std::getline(modes, m, ',');) {
      m.erase(0, m.find_first_not_of(" \t"));
      m.erase(m.find_last_not_of(" \t") + 1);
      if (m == "software") w.modes.push_back(BnnMode::kSoftware);
      else if (m == "program") w.modes.push_back(BnnMode::kProgram);
      else if (m == "read") w.modes.push_back(BnnMode::kRead);
      else if (m == "conventional") w.modes.push_back(BnnMode::kConventional);
      else if (m == "read_aware") w.modes.push_back(BnnMode::kReadAware);
      else throw InputError(r.mark("bayes_nn.modes"), "bayes_nn.modes",
                            "unknown mode '" + m + "'; expected software, program, read, conventional or read_aware");
    }
    if (w.modes.empty()) throw InputError(r.mark("bayes_nn.modes"), "bayes_nn.modes", "names no mode");
    if (w.bit_serial && std::find(w.modes.begin(), w.modes.end(), BnnMode::kRead) == w.modes.end() &&
        std::find(w.modes.begin(), w.modes.end(), BnnMode::kReadAware) == w.modes.end())
      throw InputError(r.mark("bayes_nn.bit_serial"), "bayes_nn.bit_serial",
                       "bit-serial reads apply to the read modes (read, read_aware), which bayes_nn.modes does not name (the other modes are "
                       "linear in the input)");
    w.read_weight_range = static_cast<float>(r.number("bayes_nn.read_weight_range"));
    w.samples = static_cast<int>(r.number("bayes_nn.samples"));
    for (std::uint64_t v : r.int_list("bayes_nn.samples_eval")) {
      if (static_cast<int>(v) > w.samples)
        throw InputError(r.mark("bayes_nn.samples_eval"), "bayes_nn.samples_eval", fmt::format("{} exceeds bayes_nn.samples = {}", v, w.samples));
      w.samples_eval.push_back(static_cast<int>(v));
    }
    if (w.samples_eval.empty()) {
      for (int v : {1, 2, 5, 10, 20, 50, 100})
        if (v < w.samples) w.samples_eval.push_back(v);
      w.samples_eval.push_back(w.samples);
    }
    w.op_energy = r.number("bayes_nn.op_energy");
    w.mcu_energy = r.number("bayes_nn.mcu_energy");
    w.mcu_samples = static_cast<int>(r.number("bayes_nn.mcu_samples"));
    // The data, now: features and classes fix the widths, and the unseen class must be one of the data's.
    int features = w.features, classes = w.classes;
    if (w.data == "fashion_mnist") {
      classes = 10;
    } else if (w.data != "synthetic") {
      const Dataset ds = load_csv_dataset(w.data);
      features = static_cast<int>(ds.features.size());
      classes = ds.classes;
      w.test_rows = static_cast<double>(ds.rows) * w.test_fraction;
      if (!w.test_data.empty()) {
        const Dataset te = load_csv_dataset(w.test_data);
        if (te.features.size() != ds.features.size())
          throw InputError(r.mark("bayes_nn.test_data"), "bayes_nn.test_data",
                           fmt::format("has {} features, bayes_nn.data has {}", te.features.size(), ds.features.size()));
        classes = std::max(classes, te.classes);
        w.test_rows = static_cast<double>(te.rows);
      }
      if (features > kBnnMaxWidth)
        throw InputError(r.mark("bayes_nn.data"), "bayes_nn.data", fmt::format("has {} features; at most {} are supported", features, kBnnMaxWidth));
    }
    if (w.data == "fashion_mnist" && w.features > 784)
      throw InputError(r.mark("bayes_nn.features"), "bayes_nn.features", "Fashion-MNIST has 784 pixels");
    if (w.unseen_class >= classes)
      throw InputError(r.mark("bayes_nn.unseen_class"), "bayes_nn.unseen_class",
                       fmt::format("class {} is not in the data, whose classes are 0..{}", w.unseen_class, classes - 1));
    if (w.data == "synthetic" && r.has("bayes_nn.unseen_class") && w.unseen_class < 0)
      throw InputError(r.mark("bayes_nn.unseen_class"), "bayes_nn.unseen_class", "must name a class (or be left out)");
    const int seen = classes - 1;
    for (std::uint64_t v : r.int_list("bayes_nn.layers")) w.layers.push_back(static_cast<int>(v));
    if (w.layers.empty()) w.layers = {features, 16, seen};
    if (w.layers.size() < 2 || w.layers.front() != features || w.layers.back() != seen)
      throw InputError(r.mark("bayes_nn.layers"), "bayes_nn.layers",
                       fmt::format("must start with the data's {} features and end with its {} seen classes", features, seen));
    if (static_cast<int>(w.layers.size()) - 1 > kBnnMaxLayers)
      throw InputError(r.mark("bayes_nn.layers"), "bayes_nn.layers", fmt::format("at most {} weight layers", kBnnMaxLayers));
    if (w.warmup_epochs >= w.epochs && w.tech_loss)
      throw InputError(r.mark("bayes_nn.warmup_epochs"), "bayes_nn.warmup_epochs", "must be below bayes_nn.epochs for the technological loss to act");
    s.spec = std::move(w);
  }

  const char* work_unit() const override { return "sampled-inferences"; }
  double work(const Scenario& s) const override {
    const BayesNnSpec& w = s.spec_as<BayesNnSpec>();
    const double n_test = w.data == "synthetic" ? static_cast<double>(w.classes) * w.test_per_class
                                                : (w.data == "fashion_mnist" ? (w.fashion_test > 0 ? w.fashion_test : 10000) : w.test_rows);
    double total = 0;
    for (BnnMode m : w.modes) total += n_test * (m == BnnMode::kConventional ? 1 : w.samples);
    return total;
  }

  void describe(const Scenario& s, double, bool, TableRows& rows) const override {
    const BayesNnSpec& w = s.spec_as<BayesNnSpec>();
    std::string layers, modes;
    for (int n : w.layers) layers += (layers.empty() ? "" : "-") + std::to_string(n);
    for (BnnMode m : w.modes) modes += (modes.empty() ? "" : ", ") + std::string(bnn_mode_name(m));
    const std::vector<int> sizes = w.layers;
    rows.push_back({"data", w.data});
    rows.push_back({"network", fmt::format("{} ({} operations per sampled inference)", layers, bnn_operations(sizes.data(), static_cast<int>(sizes.size()) - 1))});
    rows.push_back({"modes", modes});
    rows.push_back({"samples M", std::to_string(w.samples)});
    rows.push_back({"technological loss", w.tech_loss ? fmt::format("on (delta {:.3g}, beta {:.3g})", w.delta, w.beta) : "off"});
  }

  RunSummary run(const Scenario& s, const Backend& b, const RunOptions& opt, const OutputFolder& out) const override {
    return run_bayes_nn(s, b, opt, out);
  }
  void compare(const Manifest& a, const Manifest& b, std::vector<CompareRow>& rows) const override { compare_bayes_nn(a, b, rows); }

  std::vector<BenchOption> bench_options() const override {
    return {{"inputs", 2000, "Test inputs"},
            {"samples", 50, "Read-noise samples per input (M)"},
            {"baseline-inputs", 200, "Inputs for the (slower) NumPy baseline"}};
  }
  int bench(const BenchArgs& args) const override { return bench_bayes_nn(args); }

  const char* plot_script() const override { return "tools/plot_bayes_nn.py"; }
};

}  // namespace

const Workload& bayes_nn_workload() {
  static const BayesNnWorkload w;
  return w;
}

}  // namespace mc
