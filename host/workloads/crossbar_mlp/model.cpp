// Workload `crossbar_mlp`, the simulation: software training, then per chip the four ways of putting the
// network on passive crossbars of Merrikh-Bayat et al. 2018 — ex-situ import by write-and-verify,
// hardware-aware retraining around the stuck devices, and in-situ Manhattan-rule training by pulses.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>

#include "crossbar/circuit.hpp"
#include "data/dataset.hpp"
#include "workloads/crossbar_mlp/crossbar_mlp.hpp"

namespace mc {

const char* mlp_mode_name(MlpMode m) {
  switch (m) {
    case MlpMode::kSoftware: return "software";
    case MlpMode::kExSitu: return "ex_situ";
    case MlpMode::kHardwareAware: return "hardware_aware";
    case MlpMode::kInSitu: return "in_situ";
  }
  return "?";
}

MlpData load_mlp_data(const CrossbarMlpSpec& w, std::uint32_t seed) {
  Dataset train = load_csv_dataset(w.data);
  MlpData d;
  d.features = static_cast<int>(train.features.size());
  std::vector<std::size_t> train_rows, test_rows;
  Dataset test;
  if (!w.test_data.empty()) {
    test = load_csv_dataset(w.test_data);
    for (std::size_t r = 0; r < train.rows; ++r) train_rows.push_back(r);
    for (std::size_t r = 0; r < test.rows; ++r) test_rows.push_back(r);
  } else {
    const Split sp = stratified_split(train, w.test_fraction, seed);
    train_rows = sp.train;
    test_rows = sp.test;
  }
  d.classes = std::max(train.classes, test.classes);
  const Dataset& test_src = w.test_data.empty() ? train : test;
  // Inputs in volts. Binary pixels map to ±v_in (the paper's ±0.2 V); other features are z-scored on the
  // training rows and squashed into ±v_in.
  std::vector<double> mean(d.features, 0.0), sd(d.features, 1.0);
  if (!w.binary_inputs) {
    for (int f = 0; f < d.features; ++f) {
      double s = 0, s2 = 0;
      for (std::size_t r : train_rows) s += train.x[r * d.features + f], s2 += train.x[r * d.features + f] * train.x[r * d.features + f];
      mean[f] = s / train_rows.size();
      const double var = s2 / train_rows.size() - mean[f] * mean[f];
      sd[f] = var > 0 ? std::sqrt(var) : 1.0;
    }
  }
  auto volts = [&](const Dataset& src, std::size_t r, int f) {
    const double x = src.x[r * d.features + f];
    if (w.binary_inputs) return x > 0.5 ? w.v_in : -w.v_in;
    return static_cast<float>(w.v_in * std::clamp((x - mean[f]) / sd[f] / 2.0, -1.0, 1.0));
  };
  for (std::size_t r : train_rows) {
    for (int f = 0; f < d.features; ++f) d.x_train.push_back(volts(train, r, f));
    d.y_train.push_back(train.y[r]);
  }
  for (std::size_t r : test_rows) {
    for (int f = 0; f < d.features; ++f) d.x_test.push_back(volts(test_src, r, f));
    d.y_test.push_back(test_src.y[r]);
  }
  return d;
}

namespace {

float weight_range(const CrossbarMlpSpec& w) { return w.array.g_hi - w.array.g_lo; }

train::NetworkShape network_shape(const CrossbarMlpSpec& w) {
  train::NetworkShape s;
  s.sizes = w.layers;
  s.amplitude = w.v_in;  // hidden outputs scaled back to ±v_in by the third op-amp stage [paper]
  // Trained at a gentler slope than the op-amp's: the weights then spread over the conductance range instead of
  // sitting a few µS from zero, where a 30 % tuning error of a 10 µS device is already their size; the chip then
  // runs at the hardware slope, where the neurons are close to sign functions.
  s.slope = w.train_slope;
  s.bias_input = w.v_in;
  s.init_scale = w.init_scale;
  // Clipped to the conductance range during training [Merrikh-Bayat 2018: 10–100 µS].
  const float range = w.array.mapping == ArrayMapping::kPair ? weight_range(w) : 0.5f * weight_range(w);
  s.w_lo = -range;
  s.w_hi = range;
  s.seed = w.train_seed;
  return s;
}

train::TrainConfig train_config(const CrossbarMlpSpec& w, int epochs) {
  train::TrainConfig c;
  c.loss = train::Loss::kMse;  // the paper's batch-mode backpropagation with MSE
  c.optimizer = train::Optimizer::kAdam;
  c.learning_rate = w.learning_rate;
  c.epochs = epochs;
  return c;
}

// The global id of device 0 of layer l's array on a chip: chips take consecutive ranges of the network's devices.
std::uint64_t first_device(const CrossbarMlpSpec& w, std::uint64_t chip, int layer) {
  std::uint64_t per_chip = 0, offset = 0;
  for (size_t l = 0; l + 1 < w.layers.size(); ++l) {
    const std::uint64_t n = static_cast<std::uint64_t>(w.layers[l] + 1) * mapped_columns(w.array.mapping, w.layers[l + 1]);
    if (static_cast<int>(l) < layer) offset += n;
    per_chip += n;
  }
  return chip * per_chip + offset;
}

// Per thread: one solver per layer geometry.
struct Workspace {
  std::vector<std::unique_ptr<CrossbarSolver>> solvers;
};

int array_cols(const CrossbarMlpSpec& w, const train::Layer& L) { return mapped_columns(w.array.mapping, L.n_out); }

// Effective weights (µS) of a programmed chip: read once (noise fixed per chip), then the circuit's transfer
// matrix, differenced per pair or against the reference column.
void effective_weights(const CrossbarMlpSpec& w, const ArrayParams& p, Workspace& ws, std::uint64_t chip,
                       const std::vector<std::vector<float>>& g, train::Network& net, std::uint64_t read) {
  const int nl = static_cast<int>(net.layers.size());
  for (int l = 0; l < nl; ++l) {
    train::Layer& L = net.layers[l];
    const int rows = L.n_in + 1, cols = array_cols(w, L);
    std::vector<float> gr(g[l].size());
    read_array(p, g[l].data(), static_cast<long>(gr.size()), first_device(w, chip, l), read, gr.data());
    const std::vector<double> T = crossbar_transfer(*ws.solvers[l], gr.data());  // cols × rows
    for (int i = 0; i < rows; ++i)
      for (int k = 0; k < L.n_out; ++k) {
        const int a = w.array.mapping == ArrayMapping::kPair ? 2 * k : k;
        const int b = w.array.mapping == ArrayMapping::kPair ? 2 * k + 1 : L.n_out;
        L.W[static_cast<size_t>(i) * L.n_out + k] = static_cast<float>(T[static_cast<size_t>(a) * rows + i] - T[static_cast<size_t>(b) * rows + i]);
      }
  }
}

}  // namespace

/// The network as the chip runs it: every neuron at the op-amp's slope.
train::Network at_hardware_slope(const CrossbarMlpSpec& w, train::Network net) {
  for (train::Layer& L : net.layers) L.slope = w.slope;
  return net;
}

namespace {

void score(const CrossbarMlpSpec& w, const train::Network& trained, const MlpData& d, ChipResult& r) {
  const train::Network net = at_hardware_slope(w, trained);
  r.train_correct = train::correct(net, d.x_train.data(), d.y_train.data(), d.n_train());
  r.test_correct = train::correct(net, d.x_test.data(), d.y_test.data(), d.n_test());
}

// Targets of one layer given weights, with the devices known to be stuck held at their values: the free device
// of a pair carries the weight against the stuck one [hardware-aware import, Merrikh-Bayat 2018].
void layer_targets(const ArrayParams& p, const train::Layer& L, const std::vector<float>& stuck_g,
                   const std::vector<std::uint8_t>& stuck, std::vector<float>& target) {
  const int rows = L.n_in + 1, cols = mapped_columns(p.mapping, L.n_out);
  target.assign(static_cast<size_t>(rows) * cols, 0.0f);
  map_weights(p, L.W.data(), rows, L.n_out, 1.0f, target.data());
  for (int i = 0; i < rows; ++i)
    for (int k = 0; k < L.n_out; ++k) {
      const float wk = L.W[static_cast<size_t>(i) * L.n_out + k];
      const size_t a = static_cast<size_t>(i) * cols + (p.mapping == ArrayMapping::kPair ? 2 * k : k);
      const size_t b = static_cast<size_t>(i) * cols + (p.mapping == ArrayMapping::kPair ? 2 * k + 1 : L.n_out);
      if (stuck[a] && !stuck[b]) target[b] = clampf(stuck_g[a] - wk, p.g_lo, p.g_hi);
      if (stuck[b] && !stuck[a]) target[a] = clampf(stuck_g[b] + wk, p.g_lo, p.g_hi);
    }
}

// Weight bounds that the stuck devices of one layer leave (equal bounds: both devices stuck, weight frozen).
void layer_bounds(const ArrayParams& p, train::Layer& L, const std::vector<float>& stuck_g, const std::vector<std::uint8_t>& stuck) {
  const int rows = L.n_in + 1, cols = mapped_columns(p.mapping, L.n_out);
  for (int i = 0; i < rows; ++i)
    for (int k = 0; k < L.n_out; ++k) {
      const size_t a = static_cast<size_t>(i) * cols + (p.mapping == ArrayMapping::kPair ? 2 * k : k);
      const size_t b = static_cast<size_t>(i) * cols + (p.mapping == ArrayMapping::kPair ? 2 * k + 1 : L.n_out);
      const size_t q = static_cast<size_t>(i) * L.n_out + k;
      const float ref = p.mapping == ArrayMapping::kPair ? p.g_lo : reference_conductance(p);
      float lo = p.mapping == ArrayMapping::kPair ? p.g_lo - p.g_hi : p.g_lo - ref;
      float hi = p.mapping == ArrayMapping::kPair ? p.g_hi - p.g_lo : p.g_hi - ref;
      if (stuck[a] && stuck[b]) lo = hi = stuck_g[a] - stuck_g[b];
      else if (stuck[a]) lo = stuck_g[a] - p.g_hi, hi = stuck_g[a] - p.g_lo;
      else if (stuck[b]) lo = p.g_lo - stuck_g[b], hi = p.g_hi - stuck_g[b];
      L.lo[q] = lo;
      L.hi[q] = hi;
      L.W[q] = std::min(std::max(L.W[q], lo), hi);
    }
}

void add_counts(ChipResult& r, const ArrayCounts& c) {
  r.set_pulses += c.set_pulses;
  r.reset_pulses += c.reset_pulses;
  r.disturbs += c.disturbs;
  r.energy_pj += c.energy;
}

// Ex-situ (hardware-aware = false) or hardware-aware import of one chip.
ChipResult import_chip(const CrossbarMlpSpec& w, const ArrayParams& p, const train::Network& sw, const MlpData& d,
                       Workspace& ws, std::uint64_t chip, bool aware, ArrayMap* map) {
  const int nl = static_cast<int>(sw.layers.size());
  train::Network net = sw;
  std::vector<std::vector<float>> stuck_g(nl);
  std::vector<std::vector<std::uint8_t>> stuck(nl);
  ChipResult r;
  for (int l = 0; l < nl; ++l) {
    const int rows = net.layers[l].n_in + 1, cols = array_cols(w, net.layers[l]);
    stuck_g[l].assign(static_cast<size_t>(rows) * cols, 0.0f);
    stuck[l].assign(stuck_g[l].size(), 0);
    for (size_t k = 0; k < stuck_g[l].size(); ++k)
      stuck[l][k] = !device_formed(p, first_device(w, chip, l) + k, &stuck_g[l][k]);
  }
  if (aware) {
    // The stuck devices are found at forming; retrain from the software weights with them frozen.
    for (int l = 0; l < nl; ++l) layer_bounds(p, net.layers[l], stuck_g[l], stuck[l]);
    for (train::Layer& L : net.layers) std::fill(L.m.begin(), L.m.end(), 0.0f), std::fill(L.v.begin(), L.v.end(), 0.0f);
    train::train(net, d.x_train.data(), d.y_train.data(), d.n_train(), train_config(w, w.retrain_epochs));
  } else {
    for (int l = 0; l < nl; ++l) std::fill(stuck[l].begin(), stuck[l].end(), 0);  // oblivious: no stuck-aware map
  }
  std::vector<std::vector<float>> g(nl);
  for (int l = 0; l < nl; ++l) {
    const int rows = net.layers[l].n_in + 1, cols = array_cols(w, net.layers[l]);
    std::vector<float> target;
    layer_targets(p, net.layers[l], stuck_g[l], stuck[l], target);
    g[l].resize(target.size());
    std::vector<std::uint8_t> st(target.size());
    ArrayCounts c{};
    program_array(p, target.data(), rows, cols, first_device(w, chip, l), g[l].data(), st.data(), &c);
    add_counts(r, c);
    for (std::uint8_t s : st) r.stuck += s;
    if (map) map[l] = ArrayMap{l, rows, cols, target, g[l], st};
  }
  effective_weights(w, p, ws, chip, g, net, 0);
  score(w, net, d, r);
  return r;
}

// In-situ training by fixed-amplitude pulses (the Manhattan rule, batch variant [Zamanidoost et al. 2015]):
// each epoch reads the chip through the circuit, backpropagates in the periphery, and sends one pulse pair per
// weight against the sign of its gradient (SET one device of the pair, RESET the other). Every epoch's pulses
// half-select every device of the array once per polarity under the V/2 scheme.
ChipResult insitu_chip(const CrossbarMlpSpec& w, const ArrayParams& p, const MlpData& d, Workspace& ws,
                       std::uint64_t chip) {
  train::Network net = train::make_network(network_shape(w));
  const int nl = static_cast<int>(net.layers.size());
  ChipResult r;
  std::vector<std::vector<float>> g(nl);
  std::vector<std::vector<std::uint8_t>> stuck(nl);
  for (int l = 0; l < nl; ++l) {  // a first one-shot programming of the random initial weights
    const int rows = net.layers[l].n_in + 1, cols = array_cols(w, net.layers[l]);
    std::vector<float> target(static_cast<size_t>(rows) * cols);
    map_weights(p, net.layers[l].W.data(), rows, net.layers[l].n_out, 1.0f, target.data());
    ArrayParams once = p;
    once.mode = ProgramMode::kOneShot;
    g[l].resize(target.size());
    stuck[l].resize(target.size());
    ArrayCounts c{};
    program_array(once, target.data(), rows, cols, first_device(w, chip, l), g[l].data(), stuck[l].data(), &c);
    add_counts(r, c);
    for (std::uint8_t s : stuck[l]) r.stuck += s;
  }
  ArrayParams pulse = p;
  pulse.v_set = w.insitu_v_set;
  pulse.v_reset = w.insitu_v_reset;
  const RngKey key{p.seed, stream::kArrayPulse};
  std::vector<std::vector<float>> grads;
  for (int e = 0; e < w.insitu_epochs; ++e) {
    effective_weights(w, p, ws, chip, g, net, 1 + e);  // fresh read noise per epoch
    train::gradients(net, d.x_train.data(), d.y_train.data(), d.n_train(), train::Loss::kMse, grads);
    for (int l = 0; l < nl; ++l) {
      const train::Layer& L = net.layers[l];
      const int rows = L.n_in + 1, cols = array_cols(w, L);
      const std::uint64_t base = first_device(w, chip, l);
      for (int i = 0; i < rows; ++i)
        for (int k = 0; k < L.n_out; ++k) {
          const float gk = grads[l][static_cast<size_t>(i) * L.n_out + k];
          if (gk == 0.0f) continue;
          const bool up = gk < 0.0f;  // raise the weight: SET G+ and RESET G− (or G against the reference)
          const int a = p.mapping == ArrayMapping::kPair ? 2 * k : k;
          const int b = p.mapping == ArrayMapping::kPair ? 2 * k + 1 : -1;
          for (int side = 0; side < 2; ++side) {
            const int col = side == 0 ? a : b;
            if (col < 0) continue;
            const size_t q = static_cast<size_t>(i) * cols + col;
            const bool set = side == 0 ? up : !up;
            (set ? r.set_pulses : r.reset_pulses) += 1;
            const float v = set ? w.insitu_v_set : w.insitu_v_reset;
            r.energy_pj += static_cast<double>(v) * v * g[l][q] * p.model.pulse_width * 1e6;
            if (stuck[l][q]) continue;
            const F32x4 z = normals(philox(key, base + q, static_cast<std::uint64_t>(e), 0));
            g[l][q] = manhattan_pulse(p, draw_thresholds(p, base + q), g[l][q], set, v, w.insitu_step, w.insitu_c2c, z.v[0]);
          }
        }
      for (size_t q = 0; q < g[l].size(); ++q)
        if (!stuck[l][q]) g[l][q] = half_select_disturb(pulse, draw_thresholds(p, base + q), g[l][q], 1, 1, &r.disturbs);
    }
  }
  effective_weights(w, p, ws, chip, g, net, 1 + static_cast<std::uint64_t>(w.insitu_epochs));
  score(w, net, d, r);
  return r;
}

}  // namespace

train::Network train_software(const CrossbarMlpSpec& w, const MlpData& d) {
  train::Network net = train::make_network(network_shape(w));
  if (!w.loaded_weights.empty()) {
    // A user's network: taken as it is (the import clips it to the conductance range like any other).
    for (size_t l = 0; l < net.layers.size(); ++l) net.layers[l].W = w.loaded_weights[l];
    return net;
  }
  train::train(net, d.x_train.data(), d.y_train.data(), d.n_train(), train_config(w, w.epochs));
  return net;
}

MlpOutcome simulate_crossbar_mlp(const CrossbarMlpSpec& w, const DeviceModel& model, std::uint32_t seed,
                                 const MlpData& d, int threads, std::atomic<std::uint64_t>* progress,
                                 const std::atomic<bool>* cancel) {
  MlpOutcome out;
  out.software = train_software(w, d);
  const train::Network ideal = at_hardware_slope(w, out.software);
  out.software_train = train::correct(ideal, d.x_train.data(), d.y_train.data(), d.n_train());
  out.software_test = train::correct(ideal, d.x_test.data(), d.y_test.data(), d.n_test());
  for (MlpMode m : w.modes)
    if (m != MlpMode::kSoftware) out.chip_modes.push_back(m);
  out.chips.assign(out.chip_modes.size(), std::vector<ChipResult>(w.chips));
  ArrayParams p = w.array;
  p.model = model;
  p.seed = seed;
  const int nl = static_cast<int>(out.software.layers.size());
  out.maps.resize(out.chip_modes.empty() ? 0 : nl);
  const int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nt)
  {
    Workspace ws;
    for (const train::Layer& L : out.software.layers)
      ws.solvers.push_back(std::make_unique<CrossbarSolver>(
          CrossbarGeometry{L.n_in + 1, array_cols(w, L), w.r_wire, w.r_wire, w.r_contact, w.r_contact, true}));
#pragma omp for schedule(dynamic)
    for (std::int64_t c = 0; c < static_cast<std::int64_t>(w.chips); ++c) {
      if (cancel && cancel->load()) continue;
      const std::uint64_t chip = static_cast<std::uint64_t>(c);
      for (size_t m = 0; m < out.chip_modes.size(); ++m) {
        ArrayMap* map = chip == 0 && m == 0 ? out.maps.data() : nullptr;
        switch (out.chip_modes[m]) {
          case MlpMode::kExSitu: out.chips[m][chip] = import_chip(w, p, out.software, d, ws, chip, false, map); break;
          case MlpMode::kHardwareAware: out.chips[m][chip] = import_chip(w, p, out.software, d, ws, chip, true, map); break;
          case MlpMode::kInSitu: out.chips[m][chip] = insitu_chip(w, p, d, ws, chip); break;
          case MlpMode::kSoftware: break;
        }
      }
      if (progress) progress->fetch_add(1);
    }
  }
  return out;
}

}  // namespace mc
