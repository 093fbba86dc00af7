// Binarized multilayer perceptrons (notes/neural-workloads.md fact 8, after the Querlioz group's public BNN code,
// Laborieux et al. 2021, itself after BinaryNet): hidden real weights whose sign is the ±1 weight, no bias,
// batch norm without learned scale or shift after every layer (batch statistics in training, running averages
// with momentum 0.1 at inference), sign activations with the straight-through estimator clipped at |x| > 1,
// real-valued first-layer input (or inputs binarized at 0.5), softmax cross-entropy on the last batch norm's
// output, Adam (lr 0.005, batch 100; optionally decayed exponentially per epoch to lr_final, as BinaryNet's
// schedule from 5e-3 to 1e-5), hidden weights clamped to [−1, 1] after every step (BinaryNet). Error-aware training
// (Hirtzlin et al.; fact 13): every forward pass flips each binary weight's sign with probability p_train, and
// the gradient follows the flipped sign. Products on BLAS (cblas_sgemm); float32; deterministic for the seed
// and the thread count.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace mc::train {

struct BinaryNet {
  std::vector<int> sizes;                 ///< n_0 (inputs) … n_L (classes)
  bool binary_input = false;              ///< first-layer inputs binarized at 0.5 (else real, in [0, 1])
  std::vector<std::vector<float>> W;      ///< hidden weights, layer l: n_l × n_{l+1} row-major
  std::vector<std::vector<float>> mean, var;  ///< batch-norm running statistics of every layer's pre-activation
  float eps = 1e-5f;                      ///< batch-norm epsilon: σ = √(var + eps)
};

struct BinaryTrainConfig {
  int epochs = 10;
  int batch = 100;
  float learning_rate = 0.005f;
  /// Learning rate of the last epoch: the rate decays exponentially per epoch, epoch e (0-based) of E at
  /// learning_rate·(lr_final/learning_rate)^(e/(E−1)) (BinaryNet's Adam schedule). 0: no decay.
  float lr_final = 0.0f;
  float p_train = 0.0f;     ///< error-aware training: sign-flip probability per weight and forward pass
  /// Error-aware training: batch norm normalizes the flipped products with the statistics of the clean ones
  /// (and keeps those as running statistics), as a chip's folded thresholds are fixed when it is programmed and
  /// do not follow its errors. False: the statistics of the flipped products, as a framework's batch norm
  /// computes them; a mask shared by the batch then shifts a neuron's batch mean and is subtracted with it, so
  /// training never sees the per-neuron offset a chip's fixed errors give (docs/bnn.md). The backward pass is
  /// batch norm's usual one in either case.
  bool clean_statistics = false;  // the bnn workload's default is true (bnn.flip_statistics: clean)
  float init_scale = 0.1f;  ///< hidden weights start uniform in ±init_scale
  float momentum = 0.1f;    ///< running-statistics update weight
  std::uint32_t seed = 1;   ///< initial weights (kTrainInit), batch order (kBnnShuffle), training flips (kBnnTrainFlip)
  int threads = 0;          ///< OpenMP threads of the element-wise parts (0: all)
};

/// A network of these sizes with Philox-initialized hidden weights (kTrainInit, counter {layer, weight/4, 0}),
/// running means 0 and variances 1.
BinaryNet make_binary_net(const std::vector<int>& sizes, bool binary_input, const BinaryTrainConfig& cfg);

/// The learning rate of 0-based epoch `epoch` under cfg's schedule.
float epoch_learning_rate(const BinaryTrainConfig& cfg, int epoch);

/// What train_binary reports after each epoch.
struct EpochReport {
  int epoch = 0;
  double loss = 0, train_accuracy = 0, seconds = 0;
  double learning_rate = 0;
};

/// Trains on N rows of X (N × n_0, values in [0, 1]) with labels. `on_epoch` (may be empty) is called after
/// every epoch; `cancel` (may be null) is polled every batch: when it is set, training stops and returns false
/// with the network half-trained (the caller must not save it).
bool train_binary(BinaryNet& net, const float* X, const int* labels, int N, const BinaryTrainConfig& cfg,
                  const std::function<void(const EpochReport&)>& on_epoch, const std::atomic<bool>* cancel);

/// The ±1 input of the first layer when binary_input (x ≥ 0.5 → +1), else x itself.
float first_layer_input(const BinaryNet& net, float x);

/// Float reference inference with unfolded batch norm: the last layer's normalized outputs (N × classes).
/// flips (may be null): per layer, a flag per weight (n_l × n_{l+1} row-major) that negates its sign.
std::vector<float> binary_scores(const BinaryNet& net, const float* X, int N,
                                 const std::vector<std::vector<std::uint8_t>>* flips = nullptr);

}  // namespace mc::train
