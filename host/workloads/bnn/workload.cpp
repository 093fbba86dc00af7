// Workload `bnn`: its keys, their resolution (the data are opened here, so a missing data package or an input
// size that does not match the images is an input error before anything runs) and what `validate` prints.
#include <fmt/format.h>

#include <cmath>

#include "data/idx.hpp"
#include "scenario/resolver.hpp"
#include "train/weights_io.hpp"
#include "workloads/bnn/bnn.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"

namespace mc {

namespace {


std::string layers_text(const std::vector<int>& v) {
  std::string s;
  for (int n : v) s += (s.empty() ? "" : "-") + std::to_string(n);
  return s;
}

class BnnWorkload final : public Workload {
 public:
  const char* name() const override { return "bnn"; }
  const char* description() const override { return "binarized neural network on 2T2R arrays"; }

  std::vector<KeySpec> keys() const override {
    return {
      text_key("bnn.data", "fashion_mnist", "fashion_mnist: Fashion-MNIST from the Debian package dataset-fashion-mnist ($MC_FASHION_MNIST overrides the folder); else a folder of IDX files (train-/t10k-images-idx3-ubyte[.gz], labels), relative to the scenario file."),
      integer_key("bnn.train_rows", "0", 0, 1e7, "Training images used (the first ones; 0: all)."),
      integer_key("bnn.test_rows", "0", 0, 1e7, "Test images used (the first ones; 0: all)."),
      int_list_key("bnn.layers", 1, 65536, "Layer widths, inputs first and classes last (default: pixels, 1024, 1024, classes)."),
      choice_key("bnn.inputs", {"real", "binary"}, "real", "First-layer input: real pixels in [0, 1] (bit-serial bytes on the chip), or pixels binarized at 0.5."),
      integer_key("bnn.epochs", "20", 1, 1e5, "Training epochs (Adam, softmax cross-entropy)."),
      integer_key("bnn.batch", "100", 2, 1e6, "Training batch size (batch-norm statistics per batch)."),
      num_key("bnn.learning_rate", Dimension::kNone, "0.005", 1e-9, 10, "Adam learning rate of the hidden weights."),
      num_key("bnn.lr_final", Dimension::kNone, "0", 0, 10, "Learning rate of the last epoch: Adam's rate decays exponentially per epoch from learning_rate to it (BinaryNet: 5e-3 to 1e-5); at most learning_rate. 0: no decay."),
      num_key("bnn.p_train", Dimension::kNone, "0", 0, 0.5, "Error-aware training: probability that a binary weight's sign is flipped at every forward pass (Hirtzlin et al.: 4e-2)."),
      choice_key("bnn.flip_statistics", {"clean", "flipped"}, "clean", "Error-aware training (p_train > 0): batch norm normalizes with the statistics of the clean products, as a chip's thresholds are fixed at programming while its errors shift every neuron; flipped: of this pass's flipped products, as a framework's batch norm computes them, which subtracts the mask's offset with the batch mean so training never sees it (docs/bnn.md)."),
      num_key("bnn.init_scale", Dimension::kNone, "0.1", 1e-6, 1, "Hidden weights start uniform in +-init_scale."),
      integer_key("bnn.train_seed", "1", 0, 4294967295.0, "Seed of training (initial weights, batch order, training flips), apart from the point's seed so sweep points share one network."),
      text_key("bnn.weights", "", "Trained model, layer 1 (.npy or .csv, (inputs + 2) x outputs: hidden weights, then batch-norm mean and variance rows); layer k's file ends in k. Empty: train (or reuse a cached net)."),
      choice_key("bnn.cache", {"true", "false"}, "true", "true: keep trained nets in .bnn_models/ beside the output folder and reuse one trained with the same keys (sweeps train once)."),
      integer_key("bnn.chips", "20", 1, 1e7, "Monte Carlo chips, each programmed with its own weight errors."),
      choice_key("bnn.errors", {"none", "ber", "device", "lognormal"}, "ber", "Weight errors: none; an explicit bit error rate; the device model (cell, compliance, aging, read noise); two log-normal states (bnn.lognormal)."),
      choice_key("bnn.timing", {"chip", "read"}, "chip", "chip: errors fixed at programming (one flip mask per chip); read: drawn afresh for every test image (errors: ber; errors: device: states fixed at programming, read noise drawn per read, gaussian or none)."),
      num_key("bnn.ber", Dimension::kNone, "0", 0, 0.5, "errors: ber: probability that a stored weight reads flipped."),
      choice_key("bnn.cell", {"2t2r", "1t1r"}, "2t2r", "Bit cell: two devices LRS/HRS compared by the sense amplifier, or one device against a reference."),
      num_key("bnn.compliance", Dimension::kCurrent, "200 uA", 1e-3, 1e6, "errors: device: SET compliance of programming (the talk's conditions: 200 uA)."),
      num_key("bnn.aging_cycles", Dimension::kNone, "0", 0, 1e15, "errors: device: SET/RESET cycles the devices endured before programming.", "cycles"),
      num_key("bnn.read_threshold", Dimension::kConductance, "0 uS", 0, 1e7, "1t1r with errors: device: a read at or above it is a 1 (0: the geometric mean of the LRS and HRS medians)."),
      num_key("bnn.lognormal.mu_gap", Dimension::kNone, "2", 0, 100, "errors: lognormal: gap between the mean ln G of the LRS and HRS states."),
      num_key("bnn.lognormal.sigma_lrs", Dimension::kNone, "0.3", 1e-6, 100, "errors: lognormal: sigma of ln G of the LRS."),
      num_key("bnn.lognormal.sigma_hrs", Dimension::kNone, "0.6", 1e-6, 100, "errors: lognormal: sigma of ln G of the HRS (1t1r reads against the reference that minimizes the error rate)."),
      num_key("bnn.energy.xnor", Dimension::kEnergy, "0.001 pJ", 0, 1e6, "Energy of one binary multiply-accumulate (XNOR and popcount share) in the digital neuron [default]."),
    };
  }

  void resolve(Resolver& r, Scenario& s) const override {
    BnnSpec w;
    w.data = r.choice("bnn.data");
    if (w.data.empty()) throw InputError(r.mark("bnn.data"), "bnn.data", "is empty: expected fashion_mnist or a folder of IDX files");
    if (w.data != "fashion_mnist") {
      // Found like a data file (docs/installing.md): beside the scenario file, under each folder of MC_DATA_PATH,
      // then among memcarlo's shipped files; `memcarlo submit` snapshots it.
      w.data_dir = r.data_folder("bnn.data");
    }
    w.train_rows = static_cast<std::uint64_t>(r.number("bnn.train_rows"));
    w.test_rows = static_cast<std::uint64_t>(r.number("bnn.test_rows"));
    w.binary_input = r.choice("bnn.inputs") == "binary";
    w.train.epochs = static_cast<int>(r.number("bnn.epochs"));
    w.train.batch = static_cast<int>(r.number("bnn.batch"));
    w.train.learning_rate = static_cast<float>(r.number("bnn.learning_rate"));
    w.train.lr_final = static_cast<float>(r.number("bnn.lr_final"));
    if (w.train.lr_final > w.train.learning_rate)
      throw InputError(r.mark("bnn.lr_final"), "bnn.lr_final",
                       fmt::format("is {:.3g}, above bnn.learning_rate {:.3g}: expected a final rate > 0 and <= the learning rate (or 0: no decay)",
                                   w.train.lr_final, w.train.learning_rate));
    w.train.p_train = static_cast<float>(r.number("bnn.p_train"));
    w.train.clean_statistics = r.choice("bnn.flip_statistics") == "clean";
    w.train.init_scale = static_cast<float>(r.number("bnn.init_scale"));
    w.train.seed = static_cast<std::uint32_t>(r.number("bnn.train_seed"));
    w.cache = r.choice("bnn.cache") == "true";
    w.chips = static_cast<std::uint64_t>(r.number("bnn.chips"));
    const std::string errors = r.choice("bnn.errors");
    w.errors = errors == "none" ? BnnErrors::kNone : errors == "ber" ? BnnErrors::kBer : errors == "device" ? BnnErrors::kDevice : BnnErrors::kLognormal;
    w.timing = r.choice("bnn.timing") == "chip" ? BnnTiming::kChip : BnnTiming::kRead;
    if (w.timing == BnnTiming::kRead && w.errors == BnnErrors::kLognormal)
      throw InputError(r.mark("bnn.timing"), "bnn.timing",
                       "read (errors drawn per test image) needs bnn.errors: ber or device; lognormal states have no read noise and are fixed at programming (chip)");
    if (w.timing == BnnTiming::kRead && w.errors == BnnErrors::kDevice && s.device.read_noise == ReadNoise::kLaplace)
      throw InputError(r.mark("bnn.timing"), "bnn.timing",
                       "read with errors: device integrates gaussian or no read noise, not device.read.noise: laplace (use timing: chip)");
    w.ber = r.number("bnn.ber");
    w.cell = r.choice("bnn.cell") == "2t2r" ? StorageCell::k2T2R : StorageCell::k1T1R;
    w.compliance = static_cast<float>(r.number("bnn.compliance"));
    w.aging_cycles = r.number("bnn.aging_cycles");
    w.read_threshold = static_cast<float>(r.number("bnn.read_threshold"));
    if (w.read_threshold <= 0) w.read_threshold = std::sqrt(lrs_median(s.device, w.compliance) * s.device.hrs_median);
    w.lognormal.mu_gap = static_cast<float>(r.number("bnn.lognormal.mu_gap"));
    w.lognormal.sigma_lrs = static_cast<float>(r.number("bnn.lognormal.sigma_lrs"));
    w.lognormal.sigma_hrs = static_cast<float>(r.number("bnn.lognormal.sigma_hrs"));
    w.lognormal.two_devices = w.cell == StorageCell::k2T2R;
    w.lognormal.ln_ref = static_cast<float>(bnn_best_reference(w.lognormal.mu_gap, w.lognormal.sigma_lrs, w.lognormal.sigma_hrs));
    w.xnor_pj = r.number("bnn.energy.xnor");
    // The data (read now: a missing package or a defect in a file is an error before anything runs).
    const BnnDataShape d = bnn_data_shape(w, "bnn.data", r.mark("bnn.data"));
    for (std::uint64_t v : r.int_list("bnn.layers")) w.layers.push_back(static_cast<int>(v));
    if (w.layers.empty()) w.layers = {d.inputs, 1024, 1024, d.classes};
    if (w.layers.size() < 2 || w.layers.front() != d.inputs || w.layers.back() != d.classes)
      throw InputError(r.mark("bnn.layers"), "bnn.layers",
                       fmt::format("must start with the data's {} inputs and end with its {} classes (got {})", d.inputs, d.classes, layers_text(w.layers)));
    const std::string first = r.data_file("bnn.weights");
    if (!first.empty()) {
      w.weights = first;
      (void)load_bnn_model(first, w.layers, w.binary_input, "bnn.weights");  // shape checked now
    }
    s.spec = std::move(w);
  }

  const char* work_unit() const override { return "chips"; }
  double work(const Scenario& s) const override { return static_cast<double>(s.spec_as<BnnSpec>().chips); }

  void describe(const Scenario& s, double, bool, TableRows& rows) const override {
    const BnnSpec& w = s.spec_as<BnnSpec>();
    rows.push_back({"network", layers_text(w.layers) + (w.binary_input ? " (binary inputs)" : " (real inputs)")});
    rows.push_back({"training", w.weights.empty() ? fmt::format("{} epochs, batch {}, lr {:.3g}{}, p_train {:.3g}", w.train.epochs, w.train.batch,
                                                                w.train.learning_rate,
                                                                w.train.lr_final > 0 && w.train.lr_final < w.train.learning_rate
                                                                    ? fmt::format(" decaying to {:.3g}", w.train.lr_final)
                                                                    : std::string(),
                                                                w.train.p_train) +
                                                        (w.train.p_train > 0 && w.train.clean_statistics ? ", clean batch-norm statistics" : "")
                                                  : "loaded from " + w.weights});
    rows.push_back({"chips", std::to_string(w.chips)});
    std::string err = bnn_errors_name(w.errors);
    if (w.errors == BnnErrors::kBer) err += fmt::format(" {:.3g}", w.ber);
    if (w.errors == BnnErrors::kDevice) err += fmt::format(" ({}, {:.4g} uA, aged {:.3g} cycles)", w.cell == StorageCell::k2T2R ? "2T2R" : "1T1R", w.compliance, w.aging_cycles);
    rows.push_back({"weight errors", err + (w.timing == BnnTiming::kChip ? ", fixed per chip" : ", drawn per read")});
  }

  RunSummary run(const Scenario& s, const Backend& b, const RunOptions& opt, const OutputFolder& out) const override {
    return run_bnn(s, b, opt, out);
  }
  void compare(const Manifest& a, const Manifest& b, std::vector<CompareRow>& rows) const override { compare_bnn(a, b, rows); }

  std::vector<BenchOption> bench_options() const override {
    return {{"images", 10000, "Test images per chip (synthetic bytes)"},
            {"chips", 16, "Chips, each with its own flip mask"},
            {"hidden", 1024, "Width of the two hidden layers (784-H-H-10)"},
            {"ber-ppm", 1000, "Bit error rate of the flip masks, parts per million"},
            {"binary-inputs", 0, "1: first-layer inputs binarized at 0.5 (XNOR in every layer); 0: real bytes on bit-planes"},
            {"train-images", 6000, "Images of the timed training epoch (0: skip; the rate is scaled to 60,000)"},
            {"baseline-chips", 1, "Chips for the NumPy baseline"}};
  }
  int bench(const BenchArgs& args) const override { return bench_bnn(args); }

  const char* plot_script() const override { return "tools/plot_bnn.py"; }
};

}  // namespace

const Workload& bnn_workload() {
  static const BnnWorkload w;
  return w;
}

}  // namespace mc
