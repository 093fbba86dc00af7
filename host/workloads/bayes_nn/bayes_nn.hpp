// Workload `bayes_nn`: Bayesian neural networks whose weight samples are memristor conductances (SCIENCE.md,
// notes/neural-workloads.md part C; Bonnet et al., Nat. Commun. 14, 7530 (2023); Lin et al., Nat. Mach. Intell.
// 2023). A network of Gaussian weights is trained by Bayes-by-backprop with the technological loss that keeps
// every weight's (µ, σ) near a pair the devices can be programmed to; M copies are then programmed from the
// device model (`program`) or one copy is read with fresh read noise on every MVM (`read`), and the network
// reports predictive, aleatoric and epistemic uncertainty, which detect errors and an unseen class.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "bayes_nn/bayes_nn.hpp"
#include "bayes_nn/driver.hpp"
#include "scenario/scenario.hpp"

namespace mc {

enum class BnnMode : int {
  kSoftware = 0,      ///< ideal Gaussian samples of the trained (µ, σ): the software Bayesian network
  kProgram = 1,       ///< M programmed copies, each a fixed sample [Bonnet 2023]
  kRead = 2,          ///< one programmed copy, fresh read noise on every MVM [Lin 2023]
  kConventional = 3,  ///< a deterministic network trained on the same data (one sample; U_e = 0)
  kReadAware = 4,     ///< a network trained under the devices' read noise, programmed once, sampled by reads [Lin 2023]
};
const char* bnn_mode_name(BnnMode m);

enum class BnnProgramming : int { kOneShot = 0, kWriteVerify = 1, kBoth = 2 };

struct BayesNnSpec {
  // Data.
  std::string data = "synthetic";  ///< "synthetic", "fashion_mnist" or the path of a labelled CSV
  std::string data_key_file;       ///< the scenario file, for messages
  std::string fashion_dir;         ///< Fashion-MNIST IDX folder
  int fashion_train = 0, fashion_test = 0;  ///< images used (0: all)
  int features = 32;               ///< synthetic dimensions; Fashion-MNIST principal components
  int classes = 10;                ///< synthetic classes, the unseen one included
  int train_per_class = 400, test_per_class = 100;
  int latent = 8;                  ///< synthetic: coordinates the seen class centres differ in
  double separation = 1.0;         ///< synthetic: sd of the class-centre latent coordinates, in units of the noise sd
  double unseen_shift = 3.0;       ///< synthetic: sd of the unseen centre's other coordinates, in units of the noise sd
  int unseen_class = -1;           ///< -1: the last class
  double test_fraction = 0.25;     ///< CSV without test_data
  std::string test_data;
  double test_rows = 0;            ///< CSV: about how many test rows (progress only)
  std::vector<int> layers;         ///< inputs first, the seen classes last
  // Training.
  int epochs = 120, warmup_epochs = 40, batch = 64;
  float learning_rate = 0.01f, prior_sigma = 1.0f, kl_weight = 1.0f, init_sigma = 0.05f;
  bool tech_loss = true;
  float tech_weight = 1.0f, delta = 0.1f, beta = 10.0f;
  std::uint32_t train_seed = 1;
  float clip = 0.0f;               ///< hidden ReLU clip (0: none)
  int input_bits = 0;              ///< 0: real inputs; else inputs quantised to 2^bits levels over ±input_range
  float input_range = 2.0f;
  int activation_bits = 0;         ///< hidden activations quantised to 2^bits levels over [0, clip] (0: real)
  bool bit_serial = false;         ///< read mode: quantised inputs and activations applied one bit-plane per read
  float read_weight_range = 1.5f;  ///< read_aware: |µ| mapped onto [g_lo, g_hi] (w_max)
  // Devices.
  BnnProgramming programming = BnnProgramming::kOneShot;
  int levels = 8;                  ///< programming targets between g_lo and g_hi
  float g_lo = 10.0f, g_hi = 100.0f;
  float tolerance = 0.1f;
  std::uint32_t max_pulses = 20;
  int characterize = 2048;         ///< devices programmed per condition to measure its (µ, σ)
  Table pairs{};                   ///< a user's measured device (µ, σ) table (n = 0: derive from the device model)
  bool reset_condition = true;     ///< the RESET (HRS) state is one condition
  // Sampling and evaluation.
  std::vector<BnnMode> modes;
  int samples = 50;                ///< M
  std::vector<int> samples_eval;   ///< the M values metrics are reported at (each ≤ samples)
  // Energy.
  double op_energy = 0.6;          ///< pJ per operation of an in-memory MAC
  double mcu_energy = 170e6;       ///< pJ per inference of the microcontroller reference
  int mcu_samples = 10;            ///< the M that reference was measured at
};

/// The data as the network sees it: standardised features, seen classes renumbered 0..K-1, unseen test rows
/// labelled -1.
struct BnnData {
  int features = 0, classes = 0;
  std::vector<float> x_train, x_test;
  std::vector<int> y_train, y_test, test_original;
  std::vector<std::string> class_names;  ///< original class names (or ids) of the seen classes, then the unseen one
  double bayes_accuracy = -1, bayes_auroc_a = -1;  ///< synthetic: the Bayes-optimal classifier (−1 otherwise)
  std::string description;
  int n_train() const { return static_cast<int>(y_train.size()); }
  int n_test() const { return static_cast<int>(y_test.size()); }
};
BnnData load_bnn_data(const BayesNnSpec& w, std::uint32_t seed);
/// The synthetic 9 + 1-class Gaussian generator (also used by tests): isotropic unit noise around class centres.
BnnData synthetic_bnn_data(const BayesNnSpec& w, std::uint32_t seed);

/// A weight's programmable (µ, σ) in weight units, and the two device conditions that give it.
struct BnnPair {
  double mu, sigma;
  int plus, minus;
};

/// The devices' programming conditions with their measured (µ, σ) in µS.
struct BnnConditions {
  std::vector<BnnConditionSpec> spec;
  std::vector<double> mu, sigma;  ///< µS
  std::vector<std::string> name;
};
BnnConditions characterize_conditions(const BayesNnSpec& w, const DeviceModel& m, std::uint32_t seed);
/// Every pair (plus, minus) of conditions at scale gamma (µS per weight unit).
std::vector<BnnPair> weight_pairs(const BnnConditions& c, double gamma);

/// A Gaussian network: µ and σ per weight, layer l (n_l + 1) × n_{l+1} row-major, bias row last.
struct GaussNet {
  std::vector<int> sizes;
  std::vector<std::vector<float>> mu, sigma;
  float clip = 0.0f;
  int act_bits = 0;  ///< hidden activations quantised (bnn_activation); trained with a straight-through gradient
  long weights() const;
};

struct TrainReport {
  double gamma = 0;                 ///< µS per weight unit
  double final_loss = 0, tech_loss = 0;
  std::vector<int> pair_of;         ///< per weight (all layers in order): the nearest pair by KL
  std::vector<double> loss_curve;
};

/// Bayes-by-backprop (reparameterisation, one weight sample per minibatch, Adam) of a network of Gaussian weights;
/// with w.tech_loss, the technological loss toward the nearest pair after the warm-up epochs. deterministic:
/// a conventional network (σ = 0, no KL). read_aware (with deterministic): the means trained under the device
/// model's read noise — every minibatch's weights are reads of the pairs the means map to (bnn_read_aware_weight),
/// the gradient passed straight to the means, which stay within ±w_max [Lin 2023].
GaussNet train_bnn(const BayesNnSpec& w, const BnnData& d, const BnnConditions& c, bool deterministic, TrainReport* report,
                   const DeviceModel* read_aware = nullptr);
/// The mapping of a read-aware network onto device pairs (g_lo, g_hi and read_weight_range of the spec).
BnnReadAwareMap read_aware_map(const BayesNnSpec& w);

/// Technological loss −log tanh(β·f) of one weight and its gradient, f = exp(−|θ − θ_k|²/(2δ²)) around the nearest
/// pair θ_k (Euclidean in (µ, σ)); returns the loss, adds d/dµ and d/dσ.
double tech_loss_term(double mu, double sigma, const std::vector<BnnPair>& pairs, double delta, double beta, double* dmu,
                      double* dsigma, int* nearest);
/// KL(N(µ1, σ1) || N(µ2, σ2)).
double gauss_kl(double mu1, double s1, double mu2, double s2);

/// Per (mode, M) metrics and the per-sample outcome at the largest M.
struct BnnMetrics {
  BnnMode mode;
  int M;
  double accuracy, ece, auroc_a, auroc_e, auroc_p;
  double ua_seen, ue_seen, ua_unseen, ue_unseen;
  int seen, correct, unseen, errors;
};
struct BnnSampleRow {
  int index, label, predicted;
  double up, ua, ue, confidence;
};

struct BnnOutcome {
  BnnConditions conditions;
  std::vector<BnnPair> pairs;
  GaussNet net, conventional;
  TrainReport report;
  std::vector<int> pair_of;
  std::vector<BnnMetrics> metrics;
  std::vector<std::vector<BnnSampleRow>> rows;  ///< per mode, at the largest M
  std::vector<BnnMode> modes;
  BnnProgramCounts program{};                   ///< all M copies
  BnnProgramCounts read_aware_program{};        ///< the read-aware network's one copy (write-and-verify)
  double read_energy_pj = 0;                    ///< device read energy of one sampled inference (copy 0's conductances)
  double device_reads = 0;                      ///< device reads of one sampled inference (bit-serial: every read)
  std::vector<float> gp, gm;                    ///< copy 0's conductances, all layers in order
};

/// Everything a run computes. progress counts sampled inferences.
BnnOutcome simulate_bayes_nn(const BayesNnSpec& w, const DeviceModel& m, std::uint32_t seed, const BnnData& d, int threads,
                             std::atomic<std::uint64_t>* progress, const std::atomic<bool>* cancel);

/// Mann–Whitney AUROC of scores (positives should score higher); ties count half.
double auroc(const std::vector<double>& score, const std::vector<int>& positive);
/// Hanley & McNeil (1982) standard error of an AUROC `a` from n_pos positives and n_neg negatives (the
/// exponential approximation of the score distributions); NaN when a class is empty or a is NaN.
double auroc_se(double a, double n_pos, double n_neg);
/// ROC points (fpr, tpr), at most `points` of them.
std::vector<std::pair<double, double>> roc_curve(const std::vector<double>& score, const std::vector<int>& positive, int points);
/// Expected calibration error over `bins` equal-width confidence bins.
double expected_calibration_error(const std::vector<double>& confidence, const std::vector<int>& correct, int bins);

struct RunSummary;
struct RunOptions;
struct Manifest;
struct CompareRow;
struct BenchArgs;
class OutputFolder;
struct Backend;
RunSummary run_bayes_nn(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
int bench_bayes_nn(const BenchArgs& args);
void compare_bayes_nn(const Manifest& ref, const Manifest& test, std::vector<CompareRow>& rows);


}  // namespace mc
