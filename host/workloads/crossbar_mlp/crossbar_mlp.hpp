// Workload `crossbar_mlp`: a perceptron on passive memristor crossbars (docs/physics.md §5, Merrikh-Bayat et al.,
// Nat. Commun. 2018). Weights are conductance differences in µS, inputs ±v_in volts, and a neuron is the op-amp
// V = v_in·tanh(slope·ΔI) with ΔI in µA (the paper's 0.2·tanh(1e6·ΔI/A) has slope 1 /µA). The network is trained
// with the neuron the chip runs: one slope for both. A chip is one Monte Carlo trial.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "array/array.hpp"
#include "crossbar/circuit.hpp"
#include "scenario/scenario.hpp"
#include "train/dense.hpp"
#include "workloads/backend.hpp"

namespace mc {

enum class MlpMode : int { kSoftware = 0, kExSitu = 1, kHardwareAware = 2, kInSitu = 3 };
/// How a programmed chip is read when it classifies: one read per chip (read noise frozen into the weights), or a
/// fresh read of every array for every input pattern.
enum class MlpReads : int { kFixed = 0, kFresh = 1 };
/// When software training stops: after a fixed number of epochs, or at the first epoch (from min_epochs on) with
/// every training pattern classified [Merrikh-Bayat 2018: trained until the 40 patterns are right].
enum class MlpStop : int { kEpochs = 0, kAllTrainCorrect = 1 };
const char* mlp_mode_name(MlpMode m);

struct CrossbarMlpSpec {
  std::string data, test_data;
  double test_fraction = 0.25;
  bool binary_inputs = true;      ///< pixels 0/1 → ±v_in; else z-scored features → v_in·clamp(z/2, ±1)
  std::vector<int> layers;        ///< sizes, inputs first, classes last
  std::vector<MlpMode> modes;
  std::uint64_t chips = 0;
  int max_array = 64;             ///< largest rows or columns of one array
  bool tiling = true;             ///< split a layer larger than max_array into tiles (false: refuse it)
  float v_in = 0.2f, slope = 0.1f;  ///< neuron gain per µA, in training and on the chip
  MlpReads reads = MlpReads::kFixed;
  ArrayParams array{};            ///< model, mapping, range, programming, thresholds, disturb (seed set at run)
  double r_contact = 0, r_wire = 0;  ///< Ω
  int epochs = 0, retrain_epochs = 0, insitu_epochs = 0;
  MlpStop stop = MlpStop::kEpochs;
  bool adam = true;               ///< software training by Adam; false: plain batch gradient descent
  int min_epochs = 0;             ///< stop: all_train_correct: epochs run before the stop rule may fire
  float learning_rate = 0, init_scale = 0;
  float insitu_step = 0, insitu_c2c = 0, insitu_v_set = 0, insitu_v_reset = 0;
  /// in_situ: the device's nonlinear, asymmetric pulse step (device.pulse.step_*), or the fixed step insitu_step
  /// with spread insitu_c2c kept inside [g_lo, g_hi] (the earlier model).
  bool insitu_device_pulse = true;
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

/// The conductances of one array (a tile of a layer): what was asked and what a read returns.
struct ArrayMap {
  int layer = 0, tile = 0, row0 = 0, col0 = 0, rows = 0, cols = 0;  ///< row0, col0: place in the layer's layout
  std::vector<float> target, programmed;
  std::vector<std::uint8_t> stuck;
};

/// Everything a run computes: the software network, then chips × modes.
struct MlpOutcome {
  train::Network software;
  int software_train = 0, software_test = 0;
  int software_epochs = 0;                         ///< epochs the software training ran (0: weights loaded)
  std::vector<MlpMode> chip_modes;                 ///< the hardware modes run, in order
  std::vector<std::vector<ChipResult>> chips;      ///< [mode][chip]
  std::vector<ArrayMap> maps;                      ///< chip 0, first hardware mode, every tile
};

/// Train in software, then run every chip in every hardware mode (OpenMP over chips; results do not depend on
/// the thread count). `progress` counts finished chips.
MlpOutcome simulate_crossbar_mlp(const CrossbarMlpSpec& w, const DeviceModel& model, std::uint32_t seed,
                                 const MlpData& data, int threads, std::atomic<std::uint64_t>* progress,
                                 const std::atomic<bool>* cancel);

/// The network of the spec with software-trained weights (deterministic for the seed); *epochs (if given): the
/// epochs run.
train::Network train_software(const CrossbarMlpSpec& w, const MlpData& data, int* epochs = nullptr);

/// One array (tile) of a layer. A layer's weights (n_in + 1 rows, the bias row last, by n_out) larger than
/// max_array are split into row blocks, whose partial currents add at the neuron, and output blocks; each block
/// is its own array with its own lines. Tiles are ordered row block by row block, output blocks within.
struct Tile {
  int r0 = 0, rows = 0;   ///< weight rows [r0, r0 + rows) (inputs, the bias row last)
  int k0 = 0, outs = 0;   ///< outputs [k0, k0 + outs)
  int cols = 0;           ///< device columns: mapped_columns(mapping, outs)
  int col0 = 0;           ///< first column in the layer's tiled layout (output blocks side by side)
  long start = 0;         ///< first device within the layer (devices tile by tile, row-major in each)
};
/// The tiles of every layer ([layer][tile]): one per layer when it fits max_array (or when tiling is off).
std::vector<std::vector<Tile>> layer_tiles(const CrossbarMlpSpec& w);
/// Devices of one layer (every tile).
long layer_devices(const std::vector<Tile>& tiles);

/// The nodal solvers of one chip's tiles, one per tile shape (contact and wire resistance of the spec).
class TileSolvers {
 public:
  TileSolvers(double r_contact, double r_wire) : r_contact_(r_contact), r_wire_(r_wire) {}
  CrossbarSolver& get(int rows, int cols);
  bool ideal() const { return r_contact_ == 0.0 && r_wire_ == 0.0; }

 private:
  double r_contact_, r_wire_;
  std::map<std::pair<int, int>, std::unique_ptr<CrossbarSolver>> solvers_;
};

/// Target conductances (µS, laid out as tiles) of layer weights W ((n_in + 1) × n_out, µS).
std::vector<float> tiled_targets(const ArrayParams& p, const std::vector<Tile>& tiles, const train::Layer& L);
/// Weights (µS) a layer realises from device conductances g (laid out as tiles): each tile's circuit solved, the
/// pairs (or the reference column) differenced, the row tiles' partial currents summed at the neuron.
void realised_weights(const ArrayParams& p, const std::vector<Tile>& tiles, const float* g, TileSolvers& solvers,
                      train::Layer& L);

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
