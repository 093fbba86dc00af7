// Workload `crossbar_mlp`: its keys, their resolution (the data are read here, so a layer size that does not
// match them is an input error before anything runs) and what `validate` prints.
#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "data/dataset.hpp"
#include "scenario/resolver.hpp"
#include "train/weights_io.hpp"
#include "workloads/crossbar_mlp/crossbar_mlp.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"

namespace mc {

namespace {

class CrossbarMlpWorkload final : public Workload {
 public:
  const char* name() const override { return "crossbar_mlp"; }
  const char* description() const override { return "perceptron on passive memristor crossbars"; }

  std::vector<KeySpec> keys() const override {
    return {
      text_key("crossbar_mlp.data", "", "Training data set CSV (header row; last column the class id 0..K-1), relative to the scenario file."),
      text_key("crossbar_mlp.test_data", "", "Test data set CSV; empty: a stratified split of data by test_fraction."),
      num_key("crossbar_mlp.test_fraction", Dimension::kNone, "0.25", 0, 0.9, "Test share of data when test_data is empty."),
      choice_key("crossbar_mlp.inputs", {"binary", "zscore"}, "binary", "binary: 0/1 pixels to -v_in/+v_in; zscore: standardized features to v_in*clamp(z/2, -1, 1)."),
      int_list_key("crossbar_mlp.layers", 1, 4096, "Layer sizes, inputs first and classes last (default: features, 10, classes)."),
      text_key("crossbar_mlp.modes", "software,ex_situ,hardware_aware", "Comma list of software, ex_situ, hardware_aware, in_situ."),
      integer_key("crossbar_mlp.chips", "100", 1, 1e9, "Monte Carlo chips, each programmed afresh."),
      integer_key("crossbar_mlp.max_array", "64", 2, 4096, "Largest rows or columns of one array (a layer's array is inputs+1 by 2 outputs)."),
      choice_key("crossbar_mlp.tiling", {"true", "false"}, "true", "Split a layer larger than max_array into tiles (row blocks whose currents add at the neuron, output blocks), each its own array with its own lines; false: refuse such a layer."),
      num_key("crossbar_mlp.v_in", Dimension::kVoltage, "0.2 V", 1e-3, 10, "Input and hidden-output amplitude (paper: 0.2 V)."),
      num_key("crossbar_mlp.slope", Dimension::kNone, "0.1", 1e-6, 1e6, "Neuron gain per uA of differential current, in training and on the chip (one neuron; the paper's op-amp: 1e6 /A = 1 /uA)."),
      choice_key("crossbar_mlp.reads", {"fixed", "fresh"}, "fixed", "How a programmed chip is read when it classifies: fixed: one read per chip (read noise frozen); fresh: every array read anew for every input pattern (its circuit solved per pattern)."),
      choice_key("crossbar_mlp.mapping", {"pair", "reference"}, "pair", "pair: G+ - G- with the smaller at g_lo; reference: G - G_ref against a reference column."),
      num_key("crossbar_mlp.g_lo", Dimension::kConductance, "10 uS", 1e-6, 1e7, "Lower end of the working range (paper: 10 uS)."),
      num_key("crossbar_mlp.g_hi", Dimension::kConductance, "100 uS", 1e-6, 1e7, "Upper end of the working range (paper: 100 uS)."),
      choice_key("crossbar_mlp.program", {"write_verify", "one_shot"}, "write_verify", "Import by write-and-verify, or by one SET per device."),
      num_key("crossbar_mlp.tolerance", Dimension::kNone, "0.3", 1e-6, 10, "Write-and-verify relative tolerance (paper: 30 % for the network)."),
      integer_key("crossbar_mlp.max_pulses", "100", 1, 1e6, "Write-and-verify pulses before giving up."),
      choice_key("crossbar_mlp.law", {"retry", "incremental"}, "retry", "Write-and-verify pulse law (as write_verify.law)."),
      num_key("crossbar_mlp.start_fraction", Dimension::kNone, "0.5", 0.01, 1, "incremental: first compliance as a fraction of the target's."),
      num_key("crossbar_mlp.step", Dimension::kCurrent, "2 uA", 1e-6, 1e6, "incremental: compliance step per pulse."),
      num_key("crossbar_mlp.set_threshold", Dimension::kVoltage, "1.0 V", 0, 100, "Mean SET switching threshold (paper: 1.0 V)."),
      num_key("crossbar_mlp.set_threshold_sigma", Dimension::kVoltage, "0.13 V", 0, 100, "Device-to-device sigma of the SET threshold (paper: 0.13 V)."),
      num_key("crossbar_mlp.reset_threshold", Dimension::kVoltage, "1.2 V", 0, 100, "Mean RESET threshold magnitude (paper: -1.2 V)."),
      num_key("crossbar_mlp.reset_threshold_sigma", Dimension::kVoltage, "0.15 V", 0, 100, "Sigma of the RESET threshold (paper: 0.15 V)."),
      num_key("crossbar_mlp.v_set", Dimension::kVoltage, "1.5 V", 0, 100, "Largest SET tuning pulse; half-selected devices see half (paper: [0.8, 1.5] V)."),
      num_key("crossbar_mlp.v_reset", Dimension::kVoltage, "1.8 V", 0, 100, "Largest RESET tuning pulse magnitude (paper: [-1.8, -0.8] V)."),
      num_key("crossbar_mlp.disturb", Dimension::kNone, "0.01", 0, 1, "Half-select disturb: fraction of the way to g_hi (SET) or g_lo (RESET) per pulse, for devices below half threshold; 0: off."),
      num_key("crossbar_mlp.r_contact", Dimension::kNone, "400", 0, 1e6, "Contact (terminal) resistance at each line end, ohm (paper: about 800 ohm pad to pad)."),
      num_key("crossbar_mlp.r_wire", Dimension::kNone, "0.5", 0, 1e6, "Wire resistance per cell segment, ohm."),
      integer_key("crossbar_mlp.epochs", "1000", 1, 1e7, "Software training epochs (full batch, Adam, MSE); with stop: all_train_correct, the most that are run."),
      choice_key("crossbar_mlp.stop", {"epochs", "all_train_correct"}, "epochs", "When software training stops: after crossbar_mlp.epochs, or (the paper's protocol) at the first epoch from min_epochs on that classifies every training pattern."),
      integer_key("crossbar_mlp.min_epochs", "0", 0, 1e7, "stop: all_train_correct: epochs run before the stop rule may fire."),
      choice_key("crossbar_mlp.optimizer", {"adam", "gd"}, "adam", "Software training (and hardware-aware retraining): Adam, or plain full-batch gradient descent (the paper's batch-mode backpropagation)."),
      num_key("crossbar_mlp.learning_rate", Dimension::kNone, "2", 1e-9, 1e9, "Adam step, uS of weight; gd: uS of weight per unit of MSE gradient (uS^2/V^2)."),
      num_key("crossbar_mlp.init_scale", Dimension::kNone, "80", 1e-6, 1e6, "Initial weights uniform in +-init_scale/sqrt(inputs+1), uS."),
      integer_key("crossbar_mlp.train_seed", "1", 0, 4294967295.0, "Seed of the software network's initial weights."),
      text_key("crossbar_mlp.weights", "", "Weights of layer 1 (.npy or .csv, (inputs + 1) x outputs in uS, bias row last); layer k's file ends in k instead of 1. Empty: train here."),
      integer_key("crossbar_mlp.retrain_epochs", "300", 0, 1e7, "hardware_aware: epochs of retraining with the stuck devices frozen."),
      integer_key("crossbar_mlp.insitu_epochs", "100", 1, 1e7, "in_situ: Manhattan-rule epochs (one pulse pair per weight each)."),
      choice_key("crossbar_mlp.insitu_pulse", {"device", "fixed"}, "device", "in_situ: a pulse moves a device by the device's state-dependent, asymmetric step (device.pulse.step_*), or by the fixed insitu_step with spread insitu_c2c, clipped to [g_lo, g_hi]."),
      num_key("crossbar_mlp.insitu_step", Dimension::kConductance, "2 uS", 1e-6, 1e6, "in_situ, insitu_pulse: fixed: conductance step of one fixed-amplitude pulse."),
      num_key("crossbar_mlp.insitu_c2c", Dimension::kNone, "0.3", 0, 10, "in_situ, insitu_pulse: fixed: relative cycle-to-cycle sigma of that step."),
      num_key("crossbar_mlp.insitu_v_set", Dimension::kVoltage, "1.2 V", 0, 100, "in_situ: SET pulse amplitude; devices with a higher threshold do not move."),
      num_key("crossbar_mlp.insitu_v_reset", Dimension::kVoltage, "1.4 V", 0, 100, "in_situ: RESET pulse amplitude magnitude."),
    };
  }

  void resolve(Resolver& r, Scenario& s) const override {
    CrossbarMlpSpec w;
    w.data = r.data_file("crossbar_mlp.data");
    if (w.data.empty()) throw InputError(r.mark("crossbar_mlp.data"), "crossbar_mlp.data", "is required: the path of a data set CSV");
    w.test_data = r.data_file("crossbar_mlp.test_data");
    w.test_fraction = r.number("crossbar_mlp.test_fraction");
    w.binary_inputs = r.choice("crossbar_mlp.inputs") == "binary";
    // Modes.
    std::stringstream modes(r.choice("crossbar_mlp.modes"));
    for (std::string m; std::getline(modes, m, ',');) {
      m.erase(0, m.find_first_not_of(" \t"));
      m.erase(m.find_last_not_of(" \t") + 1);
      if (m == "software") w.modes.push_back(MlpMode::kSoftware);
      else if (m == "ex_situ") w.modes.push_back(MlpMode::kExSitu);
      else if (m == "hardware_aware") w.modes.push_back(MlpMode::kHardwareAware);
      else if (m == "in_situ") w.modes.push_back(MlpMode::kInSitu);
      else throw InputError(r.mark("crossbar_mlp.modes"), "crossbar_mlp.modes", "unknown mode '" + m + "'; expected software, ex_situ, hardware_aware or in_situ");
    }
    if (w.modes.empty()) throw InputError(r.mark("crossbar_mlp.modes"), "crossbar_mlp.modes", "names no mode");
    w.chips = static_cast<std::uint64_t>(r.number("crossbar_mlp.chips"));
    w.max_array = static_cast<int>(r.number("crossbar_mlp.max_array"));
    w.tiling = r.choice("crossbar_mlp.tiling") == "true";
    w.v_in = static_cast<float>(r.number("crossbar_mlp.v_in"));
    w.slope = static_cast<float>(r.number("crossbar_mlp.slope"));
    w.reads = r.choice("crossbar_mlp.reads") == "fresh" ? MlpReads::kFresh : MlpReads::kFixed;
    ArrayParams& p = w.array;
    p.mapping = r.choice("crossbar_mlp.mapping") == "pair" ? ArrayMapping::kPair : ArrayMapping::kReference;
    p.g_lo = static_cast<float>(r.number("crossbar_mlp.g_lo"));
    p.g_hi = static_cast<float>(r.number("crossbar_mlp.g_hi"));
    if (p.g_hi <= p.g_lo) throw InputError(r.mark("crossbar_mlp.g_hi"), "crossbar_mlp.g_hi", "must exceed crossbar_mlp.g_lo");
    if (p.g_lo <= s.device.g_min || p.g_hi >= s.device.g_max)
      throw InputError(r.mark("crossbar_mlp.g_hi"), "crossbar_mlp.g_hi", "the working range [g_lo, g_hi] must lie inside (device.g_min, device.g_max)");
    p.mode = r.choice("crossbar_mlp.program") == "write_verify" ? ProgramMode::kWriteVerify : ProgramMode::kOneShot;
    p.tolerance = static_cast<float>(r.number("crossbar_mlp.tolerance"));
    p.max_pulses = static_cast<std::uint32_t>(r.number("crossbar_mlp.max_pulses"));
    p.law = r.choice("crossbar_mlp.law") == "retry" ? PulseLaw::kRetry : PulseLaw::kIncremental;
    p.start_fraction = static_cast<float>(r.number("crossbar_mlp.start_fraction"));
    p.step = static_cast<float>(r.number("crossbar_mlp.step"));
    p.set_threshold_mean = static_cast<float>(r.number("crossbar_mlp.set_threshold"));
    p.set_threshold_sigma = static_cast<float>(r.number("crossbar_mlp.set_threshold_sigma"));
    p.reset_threshold_mean = static_cast<float>(r.number("crossbar_mlp.reset_threshold"));
    p.reset_threshold_sigma = static_cast<float>(r.number("crossbar_mlp.reset_threshold_sigma"));
    p.v_set = static_cast<float>(r.number("crossbar_mlp.v_set"));
    p.v_reset = static_cast<float>(r.number("crossbar_mlp.v_reset"));
    p.disturb_fraction = static_cast<float>(r.number("crossbar_mlp.disturb"));
    w.r_contact = r.number("crossbar_mlp.r_contact");
    w.r_wire = r.number("crossbar_mlp.r_wire");
    w.epochs = static_cast<int>(r.number("crossbar_mlp.epochs"));
    w.stop = r.choice("crossbar_mlp.stop") == "all_train_correct" ? MlpStop::kAllTrainCorrect : MlpStop::kEpochs;
    w.min_epochs = static_cast<int>(r.number("crossbar_mlp.min_epochs"));
    w.adam = r.choice("crossbar_mlp.optimizer") == "adam";
    w.learning_rate = static_cast<float>(r.number("crossbar_mlp.learning_rate"));
    w.init_scale = static_cast<float>(r.number("crossbar_mlp.init_scale"));
    w.train_seed = static_cast<std::uint32_t>(r.number("crossbar_mlp.train_seed"));
    w.retrain_epochs = static_cast<int>(r.number("crossbar_mlp.retrain_epochs"));
    w.insitu_epochs = static_cast<int>(r.number("crossbar_mlp.insitu_epochs"));
    w.insitu_device_pulse = r.choice("crossbar_mlp.insitu_pulse") == "device";
    w.insitu_step = static_cast<float>(r.number("crossbar_mlp.insitu_step"));
    w.insitu_c2c = static_cast<float>(r.number("crossbar_mlp.insitu_c2c"));
    w.insitu_v_set = static_cast<float>(r.number("crossbar_mlp.insitu_v_set"));
    w.insitu_v_reset = static_cast<float>(r.number("crossbar_mlp.insitu_v_reset"));
    // Layer sizes against the data (read now: a defect in a data file is its own file:line:column error).
    const Dataset train = load_csv_dataset(w.data);
    int classes = train.classes;
    if (!w.test_data.empty()) {
      const Dataset test = load_csv_dataset(w.test_data);
      if (test.features.size() != train.features.size())
        throw InputError(r.mark("crossbar_mlp.test_data"), "crossbar_mlp.test_data",
                         fmt::format("has {} features, crossbar_mlp.data has {}", test.features.size(), train.features.size()));
      classes = std::max(classes, test.classes);
    }
    const int features = static_cast<int>(train.features.size());
    for (std::uint64_t v : r.int_list("crossbar_mlp.layers")) w.layers.push_back(static_cast<int>(v));
    if (w.layers.empty()) w.layers = {features, 10, classes};
    if (w.layers.size() < 2 || w.layers.front() != features || w.layers.back() != classes)
      throw InputError(r.mark("crossbar_mlp.layers"), "crossbar_mlp.layers",
                       fmt::format("must start with the data's {} features and end with its {} classes", features, classes));
    for (size_t l = 0; l + 1 < w.layers.size() && !w.tiling; ++l) {
      const int rows = w.layers[l] + 1, cols = mapped_columns(p.mapping, w.layers[l + 1]);
      if (rows > w.max_array || cols > w.max_array)
        throw InputError(r.mark("crossbar_mlp.tiling"), "crossbar_mlp.tiling",
                         fmt::format("is false, but layer {} needs a {}x{} array, larger than crossbar_mlp.max_array = {}; "
                                     "allow tiling (true) or raise max_array",
                                     l + 1, rows, cols, w.max_array));
    }
    // A user's weights, one file per layer.
    const std::string first = r.data_file("crossbar_mlp.weights");
    if (!first.empty()) {
      for (size_t l = 0; l + 1 < w.layers.size(); ++l) {
        const std::string file = layer_weight_file(first, static_cast<int>(l + 1), "crossbar_mlp.weights");
        if (!std::filesystem::is_regular_file(file))
          throw InputError(r.mark("crossbar_mlp.weights"), "crossbar_mlp.weights", fmt::format("no weight file '{}' for layer {}", file, l + 1));
        w.loaded_weights.push_back(load_weight_matrix(file, w.layers[l] + 1, w.layers[l + 1], "crossbar_mlp.weights"));
      }
    }
    s.spec = std::move(w);
  }

  const char* work_unit() const override { return "chips"; }
  double work(const Scenario& s) const override { return static_cast<double>(s.spec_as<CrossbarMlpSpec>().chips); }

  void describe(const Scenario& s, double, bool, TableRows& rows) const override {
    const CrossbarMlpSpec& w = s.spec_as<CrossbarMlpSpec>();
    std::string layers, modes;
    for (int n : w.layers) layers += (layers.empty() ? "" : "-") + std::to_string(n);
    for (MlpMode m : w.modes) modes += (modes.empty() ? "" : ", ") + std::string(mlp_mode_name(m));
    rows.push_back({"network", layers});
    rows.push_back({"modes", modes});
    rows.push_back({"chips", std::to_string(w.chips)});
    std::string arrays;
    const std::vector<std::vector<Tile>> tiles = layer_tiles(w);
    for (const std::vector<Tile>& t : tiles) {
      int rmax = 0, cmax = 0;
      for (const Tile& x : t) rmax = std::max(rmax, x.rows), cmax = std::max(cmax, x.cols);
      arrays += fmt::format("{}{} x {}x{}", arrays.empty() ? "" : ", ", t.size(), rmax, cmax);
    }
    rows.push_back({"arrays per layer (tiles, largest)", arrays});
    rows.push_back({"tolerance / contact / wire", fmt::format("{:.3g} / {:.4g} ohm / {:.4g} ohm", w.array.tolerance, w.r_contact, w.r_wire)});
  }

  RunSummary run(const Scenario& s, const Backend& b, const RunOptions& opt, const OutputFolder& out) const override {
    return run_crossbar_mlp(s, b, opt, out);
  }
  void compare(const Manifest& a, const Manifest& b, std::vector<CompareRow>& rows) const override { compare_crossbar_mlp(a, b, rows); }

  std::vector<BenchOption> bench_options() const override {
    return {{"chips", 2000, "Chips (conductances from a fixed formula) solved with line resistance"},
            {"rows", 20, "Array rows (inputs)"},
            {"cols", 20, "Array columns (outputs)"},
            {"inputs", 680, "Input patterns per chip (the letters: 40 + 640)"},
            {"contact-ohm", 400, "Contact resistance at each line end, ohm"},
            {"wire-mohm", 500, "Wire resistance per cell segment, milliohm"},
            {"baseline-chips", 100, "Chips for the (slower) SciPy baseline"}};
  }
  int bench(const BenchArgs& args) const override { return bench_crossbar_mlp(args); }

  const char* plot_script() const override { return "tools/plot_crossbar_mlp.py"; }
};

}  // namespace

const Workload& crossbar_mlp_workload() {
  static const CrossbarMlpWorkload w;
  return w;
}

}  // namespace mc
