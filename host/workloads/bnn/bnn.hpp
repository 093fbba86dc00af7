// Workload `bnn`: binarized multilayer perceptrons whose ±1 weights sit in 2T2R (or 1T1R) memristor cells
// (docs/physics.md §4; Bocquet IEDM 2018; Hirtzlin et al., Front. Neurosci. 2020; notes/neural-workloads.md part A).
// A run trains the network (host/train/binary.hpp) or loads it, folds its batch norm into integer thresholds,
// programs `chips` Monte Carlo chips (each its own weight errors: an explicit bit error rate, the device model's
// 2T2R/1T1R read after aging, or two log-normal states), and runs the whole test set on every chip with the
// bit-packed XNOR-popcount kernel (kernels/bnn/).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bayes/storage.hpp"
#include "bnn/bnn.hpp"
#include "scenario/scenario.hpp"
#include "train/binary.hpp"
#include "workloads/backend.hpp"

namespace mc {

enum class BnnErrors : int { kNone = 0, kBer = 1, kDevice = 2, kLognormal = 3 };
enum class BnnTiming : int { kChip = 0, kRead = 1 };
const char* bnn_errors_name(BnnErrors e);

struct BnnSpec {
  std::string data;               ///< "fashion_mnist" (the Debian package) or a folder of IDX files
  std::string data_dir;           ///< resolved folder ("" = fashion_mnist_dir())
  std::uint64_t train_rows = 0, test_rows = 0;  ///< 0: all
  std::vector<int> layers;        ///< inputs first, classes last
  bool binary_input = false;
  train::BinaryTrainConfig train;
  std::string weights;            ///< layer-1 model file (.npy / .csv), "" = train (or the cache)
  bool cache = true;
  std::uint64_t chips = 20;
  BnnErrors errors = BnnErrors::kBer;
  BnnTiming timing = BnnTiming::kChip;
  double ber = 0;
  StorageCell cell = StorageCell::k2T2R;
  float compliance = 200, read_threshold = 0;  ///< µA, µS (0: geometric mean of the LRS and HRS medians)
  double aging_cycles = 0;
  BnnLognormalCell lognormal{2.0f, 0.3f, 0.6f, true, 0.0f};
  double xnor_pj = 0.001;         ///< energy of one binary multiply-accumulate in the digital neuron, pJ
};

/// The data the network sees: images in [0, 1] (row-major, inputs per row) and labels.
struct BinaryNetData {
  int inputs = 0, classes = 0;
  std::vector<float> x_train, x_test;
  std::vector<int> y_train, y_test;
  int n_train() const { return static_cast<int>(y_train.size()); }
  int n_test() const { return static_cast<int>(y_test.size()); }
};
/// Loads the spec's data (train_rows / test_rows first rows); InputError at `key` when absent.
BinaryNetData load_bnn_data(const BnnSpec& w, const std::string& key, const SourceMark& where);

/// Inputs per image and classes of the spec's data, from the image headers and the labels (fast enough to
/// check every sweep point); InputError at `key` when the data are absent or malformed.
struct BnnDataShape {
  int inputs = 0, classes = 0;
};
BnnDataShape bnn_data_shape(const BnnSpec& w, const std::string& key, const SourceMark& where);

/// The network folded for the chip: packed clean weights, integer thresholds of the hidden layers, and the last
/// layer's batch norm in pre-activation units.
struct BnnFolded {
  std::vector<int> sizes;
  bool byte_input = true;          ///< first layer on byte bit-planes (else binary inputs)
  std::vector<std::vector<std::uint64_t>> packed;  ///< per layer, words × bnn_columns(n_out)
  std::vector<std::vector<BnnThreshold>> thresholds;  ///< hidden layers
  /// The same thresholds without a branch: neuron j fires iff sign_j·x ≥ bound_j (sign = dir, bound = dir·t).
  std::vector<std::vector<std::int32_t>> fire_sign, fire_bound;
  std::vector<double> out_mean, out_sd;  ///< last layer, pre-activation units
  std::uint64_t bits() const;
};
BnnFolded fold_network(const train::BinaryNet& net);

/// Test images packed for the first layer: bit-planes of the bytes (real inputs) or sign bits.
struct BnnInputs {
  std::int64_t images = 0;
  int words = 0, planes = 0, n_in = 0;
  std::vector<std::uint64_t> act;
  std::vector<std::int32_t> sum;      ///< Σ bytes per image (planes)
  std::vector<std::uint8_t> bytes;    ///< images × n_in, the input bytes (planes) for per-read corrections
};
BnnInputs pack_inputs(const BnnFolded& f, const float* X, std::int64_t N);

/// One chip's packed weights: the clean ones with bit (j·n_in + i) of layer l flipped for every position
/// flips(l) visits.
std::vector<std::vector<std::uint64_t>> chip_weights(const BnnFolded& f,
                                                     const std::function<void(int, const std::function<void(std::uint64_t)>&)>& flips);

/// Per-read device errors of one chip (bnn.timing: read, errors: device): the cells of every layer whose read can
/// err, grouped by their read-error probability p (bnn_read_error_probability, from the states fixed at
/// programming) into bins of bound q ≥ p (bnn_read_bin). Each read of each cell errs independently with its p:
/// candidates are drawn at rate q over a bin's cells (geometric gaps, kBnnReadCandidate) and accepted with
/// probability p/q (kBnnReadAccept), exact for every p (thinning). Cells with p = 0 never err.
struct BnnReadBin {
  int bin = 0;
  double bound = 1;
  std::vector<std::uint32_t> cell;  ///< flat positions j·n_in + i in the layer
  std::vector<double> p;
};
struct BnnReadCells {
  std::vector<std::vector<BnnReadBin>> layers;  ///< the non-empty bins of every layer
};
/// Bins the read-error probabilities `p` of one layer's cells (flat positions).
std::vector<BnnReadBin> bin_read_cells(const std::vector<double>& p);

/// Per-read errors: image n's read of layer l flips each weight with probability `ber` (stream kBnnReadFlip,
/// counter {image, chip·layers + l, draw}), or, with `cells`, each cell with its own probability.
struct BnnReadErrors {
  double ber = 0;
  std::uint32_t seed = 0;
  std::uint64_t chip = 0;
  std::uint64_t* flips = nullptr;  ///< where the caller counts them (per thread)
  const BnnReadCells* cells = nullptr;
};

/// Classes decided for images [n0, n0 + count) on one chip (weights per layer), through `dot` (bnn_dot_cpu or
/// the CUDA driver); pre (may be null) receives every layer's pre-activations for tests: pre[l] count × n_out.
using BnnDot = std::function<void(const BnnDotArgs&)>;
void bnn_infer(const BnnFolded& f, const std::vector<const std::uint64_t*>& weights, const BnnInputs& in, std::int64_t n0,
               std::int64_t count, const BnnDot& dot, const BnnReadErrors* read, int* decisions,
               std::vector<std::vector<std::int32_t>>* pre = nullptr);

/// The dot-product driver of a backend.
BnnDot bnn_dot_of(const Backend& b);

/// Model files: layer l (1-based) in `<stem><l>.npy`, an (n_in + 2) × n_out float32 matrix: the hidden weights
/// (their signs are the binary weights), then the batch norm's running mean and variance. Written atomically.
void save_bnn_model(const train::BinaryNet& net, const std::string& dir, const std::string& stem = "model_w");
/// Loads them for the given sizes from the layer-1 file (InputError naming the file and `key` on a wrong shape).
train::BinaryNet load_bnn_model(const std::string& first, const std::vector<int>& sizes, bool binary_input, const std::string& key);

struct RunSummary;
struct RunOptions;
struct Manifest;
struct CompareRow;
struct BenchArgs;
class OutputFolder;
RunSummary run_bnn(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
void compare_bnn(const Manifest& ref, const Manifest& test, std::vector<CompareRow>& rows);
int bench_bnn(const BenchArgs& args);

}  // namespace mc
