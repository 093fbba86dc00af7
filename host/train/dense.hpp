// The training layer the neural workloads share (DESIGN.md "Arrays, circuits and training"): dense layers
// forward and backward on BLAS (cblas_sgemm; no hand-written GEMM), the op-amp neuron of Merrikh-Bayat 2018
// V = A·tanh(s·ΔI) (A = 0.2 V, s = 1e6 /A = 1 /µA), MSE and cross-entropy, SGD, Adam and the Manhattan rule
// (a fixed step against the sign of the gradient [Zamanidoost et al. 2015]), and the device-aware parts as
// per-weight bounds: conductance clipping during training, and frozen weights (lo == hi) for stuck devices in
// hardware-aware training [Merrikh-Bayat 2018]. float32, deterministic for a seed on a fixed thread count.
#pragma once
#include <cstdint>
#include <vector>

namespace mc::train {

enum class Activation : int { kTanh = 0, kIdentity = 1 };
enum class Loss : int { kMse = 0, kCrossEntropy = 1 };
enum class Optimizer : int { kSgd = 0, kAdam = 1, kManhattan = 2 };

/// One dense layer y = act(x·W + b·W_bias): W is row-major (n_in + 1) × n_out, its last row multiplies the
/// constant bias input (the paper's bias line at +0.2 V).
struct Layer {
  int n_in = 0, n_out = 0;
  Activation act = Activation::kTanh;
  float amplitude = 1.0f;  ///< A of A·tanh(s·a)
  float slope = 1.0f;      ///< s of A·tanh(s·a)
  std::vector<float> W;
  std::vector<float> lo, hi;  ///< per-weight bounds, applied after every update; lo == hi freezes the weight
  std::vector<float> m, v;    ///< Adam moments
};

struct Network {
  std::vector<Layer> layers;
  float bias_input = 1.0f;  ///< the bias line's input value
};

struct NetworkShape {
  std::vector<int> sizes;              ///< n_0, n_1, …, n_L (inputs first)
  Activation hidden = Activation::kTanh;
  Activation output = Activation::kTanh;
  float amplitude = 1.0f, slope = 1.0f, bias_input = 1.0f;
  float init_scale = 1.0f;             ///< initial weights uniform in ±init_scale/√(n_in + 1)
  float w_lo = -1e30f, w_hi = 1e30f;   ///< clipping range of every weight
  std::uint32_t seed = 1;
};

/// A network with Philox-initialised weights (stream kTrainInit, counter {layer, weight/4, 0}).
Network make_network(const NetworkShape& shape);

struct TrainConfig {
  Loss loss = Loss::kMse;
  Optimizer optimizer = Optimizer::kAdam;
  float learning_rate = 1e-2f;  ///< SGD/Adam step; the Manhattan rule's fixed step (weight units)
  int epochs = 100;
  int batch = 0;                ///< 0: full batch (the paper's batch-mode backpropagation)
  /// Stop at the end of the first epoch (from min_epochs on) after which every training row is classified
  /// correctly, epochs being then the most that are run [Merrikh-Bayat 2018: trained until the training set is
  /// classified]; false: run all epochs.
  bool stop_all_correct = false;
  int min_epochs = 0;
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
};

/// Activations of every layer for a batch of B rows: out[0] = X, out[l+1] = layer l's output (B × n_{l+1}).
std::vector<std::vector<float>> forward(const Network& net, const float* X, int B);
/// The last layer's output (B × n_L).
std::vector<float> predict(const Network& net, const float* X, int B);

/// Loss of outputs Y (B × n) against labels: MSE against ±amplitude one-hot targets (the paper's), or softmax
/// cross-entropy of Y as logits. Mean over the batch.
float loss_value(const Network& net, const std::vector<float>& Y, const int* labels, int B, Loss loss);

/// Gradients dL/dW of every layer (same layout as W) for one batch; returns the loss.
float gradients(const Network& net, const float* X, const int* labels, int B, Loss loss,
                std::vector<std::vector<float>>& grads);

/// Apply one update of the optimizer (step t ≥ 1 for Adam's bias correction), then the per-weight bounds.
void apply_update(Network& net, const std::vector<std::vector<float>>& grads, const TrainConfig& cfg, int t);

/// Train for cfg.epochs over X (B × n_0) with labels (fewer with cfg.stop_all_correct); returns the loss of each
/// epoch run (its size is the number of epochs run).
std::vector<float> train(Network& net, const float* X, const int* labels, int B, const TrainConfig& cfg);

/// Winner-take-all class of every row of Y (B × n): the index of the largest output (first on ties).
std::vector<int> classify(const std::vector<float>& Y, int B, int n);
/// How many rows are classified as their label.
int correct(const Network& net, const float* X, const int* labels, int B);

/// Clamp every weight of every layer into its bounds.
void clip_weights(Network& net);

}  // namespace mc::train
