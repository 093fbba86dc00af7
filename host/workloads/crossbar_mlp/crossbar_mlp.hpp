// Workload `crossbar_mlp`: a perceptron on passive memristor crossbars (docs/physics.md §5, Merrikh-Bayat et al.,
// Nat. Commun. 2018). Weights are conductance differences in µS, inputs ±v_in volts, and a neuron is the op-amp
// V = v_in·tanh(slope·ΔI) with ΔI in µA (the paper's 0.2·tanh(1e6·ΔI/A)). A chip is one Monte Carlo trial.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "array/array.hpp"
#include "scenario/scenario.hpp"
#include "train/dense.hpp"
#include "workloads/backend.hpp"

namespace mc {

enum class MlpMode : int { kSoftware = 0, kExSitu = 1, kHardwareAware = 2, kInSitu = 3 };
const char* mlp_mode_name(MlpMode m);

struct CrossbarMlpSpec {
  std::string data, test_data;
  double test_fraction = 0.25;
  bool binary_inputs = true;      ///< pixels 0/1 → ±v_in; else z-scored features → v_in·clamp(z/2, ±1)
  std::vector<int> layers;        ///< sizes, inputs first, classes last
  std::vector<MlpMode> modes;
  std::uint64_t chips = 0;
  int max_array = 64;             ///< largest rows or columns of one array
  float v_in = 0.2f, slope = 1.0f, train_slope = 0.1f;  ///< neuron gain per µA on the chip, and in training
  ArrayParams array{};            ///< model, mapping, range, programming, thresholds, disturb (seed set at run)
  double r_contact = 0, r_wire = 0;  ///< Ω
  int epochs = 0, retrain_epochs = 0, insitu_epochs = 0;
  float learning_rate = 0, init_scale = 0;
  float insitu_step = 0, insitu_c2c = 0, insitu_v_set = 0, insitu_v_reset = 0;
  std::uint32_t train_seed = 1;
  /// Weights loaded from files (one (n_in + 1) × n_out matrix per layer, µS, bias row last); empty: train here.
  std::vector<std::vector<float>> loaded_weights;
};

/// The data, as the network sees it: inputs in volts, row-major.
struct MlpData {
  int features = 0, classes = 0;
  std::vector<float> x_train, x_test;
  std::vector<int> y_train, y_test;
  int n_train() const { return static_cast<int>(y_train.size()); }
  int n_test() const { return static_cast<int>(y_test.size()); }
};
MlpData load_mlp_data(const CrossbarMlpSpec& w, std::uint32_t seed);

/// One chip's outcome in one mode.
struct ChipResult {
  int train_correct = 0, test_correct = 0;
  std::uint64_t stuck = 0, set_pulses = 0, reset_pulses = 0, disturbs = 0;
  double energy_pj = 0;
};

/// The conductances of one layer's array: what was asked and what a read returns.
struct ArrayMap {
  int layer = 0, rows = 0, cols = 0;
  std::vector<float> target, programmed;
  std::vector<std::uint8_t> stuck;
};

/// Everything a run computes: the software network, then chips × modes.
struct MlpOutcome {
  train::Network software;
  int software_train = 0, software_test = 0;
  std::vector<MlpMode> chip_modes;                 ///< the hardware modes run, in order
  std::vector<std::vector<ChipResult>> chips;      ///< [mode][chip]
  std::vector<ArrayMap> maps;                      ///< chip 0, first hardware mode
};

/// Train in software, then run every chip in every hardware mode (OpenMP over chips; results do not depend on
/// the thread count). `progress` counts finished chips.
MlpOutcome simulate_crossbar_mlp(const CrossbarMlpSpec& w, const DeviceModel& model, std::uint32_t seed,
                                 const MlpData& data, int threads, std::atomic<std::uint64_t>* progress,
                                 const std::atomic<bool>* cancel);

/// The network as the chip runs it: every neuron at the op-amp's slope (w.slope).
train::Network at_hardware_slope(const CrossbarMlpSpec& w, train::Network net);
/// The network of the spec with software-trained weights (deterministic for the seed), at the training slope.
train::Network train_software(const CrossbarMlpSpec& w, const MlpData& data);

struct RunSummary;
struct RunOptions;
struct Manifest;
struct CompareRow;
class OutputFolder;
RunSummary run_crossbar_mlp(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
struct BenchArgs;
int bench_crossbar_mlp(const BenchArgs& args);
void compare_crossbar_mlp(const Manifest& ref, const Manifest& test, std::vector<CompareRow>& rows);

}  // namespace mc
