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

std::vector<std::vector<Tile>> layer_tiles(const CrossbarMlpSpec& w) {
  std::vector<std::vector<Tile>> out;
  const bool pair = w.array.mapping == ArrayMapping::kPair;
  // Outputs one array holds: a pair of columns each, or one column each beside the tile's own reference column.
  const int max_outs = pair ? w.max_array / 2 : w.max_array - 1;
  for (size_t l = 0; l + 1 < w.layers.size(); ++l) {
    const int R = w.layers[l] + 1, K = w.layers[l + 1];
    // Blocks as even as they can be (sizes differ by one at most): the largest tile is as small as the count allows.
    const int nr = w.tiling ? (R + w.max_array - 1) / w.max_array : 1;
    const int nc = w.tiling ? (K + max_outs - 1) / max_outs : 1;
    std::vector<Tile> tiles;
    long start = 0;
    for (int rb = 0; rb < nr; ++rb) {
      int col0 = 0;
      for (int cb = 0; cb < nc; ++cb) {
        Tile t;
        t.r0 = static_cast<int>(static_cast<long>(rb) * R / nr);
        t.rows = static_cast<int>(static_cast<long>(rb + 1) * R / nr) - t.r0;
        t.k0 = static_cast<int>(static_cast<long>(cb) * K / nc);
        t.outs = static_cast<int>(static_cast<long>(cb + 1) * K / nc) - t.k0;
        t.cols = mapped_columns(w.array.mapping, t.outs);
        t.col0 = col0;
        t.start = start;
        col0 += t.cols;
        start += static_cast<long>(t.rows) * t.cols;
        tiles.push_back(t);
      }
    }
    out.push_back(std::move(tiles));
  }
  return out;
}

long layer_devices(const std::vector<Tile>& tiles) {
  long n = 0;
  for (const Tile& t : tiles) n += static_cast<long>(t.rows) * t.cols;
  return n;
}

CrossbarSolver& TileSolvers::get(int rows, int cols) {
  std::unique_ptr<CrossbarSolver>& s = solvers_[{rows, cols}];
  if (!s) s = std::make_unique<CrossbarSolver>(CrossbarGeometry{rows, cols, r_wire_, r_wire_, r_contact_, r_contact_, true});
  return *s;
}

namespace {

// The devices (within the layer) of the weight in tile row i, tile output k: G+ and G− of its pair, or its device
// and the row's reference device.
void weight_devices(const ArrayParams& p, const Tile& t, int i, int k, long* a, long* b) {
  const long row = t.start + static_cast<long>(i) * t.cols;
  *a = row + (p.mapping == ArrayMapping::kPair ? 2 * k : k);
  *b = row + (p.mapping == ArrayMapping::kPair ? 2 * k + 1 : t.outs);
}

size_t weight_index(const train::Layer& L, const Tile& t, int i, int k) {
  return static_cast<size_t>(t.r0 + i) * L.n_out + t.k0 + k;
}

}  // namespace

std::vector<float> tiled_targets(const ArrayParams& p, const std::vector<Tile>& tiles, const train::Layer& L) {
  std::vector<float> target(static_cast<size_t>(layer_devices(tiles)));
  std::vector<float> sub;
  for (const Tile& t : tiles) {
    sub.resize(static_cast<size_t>(t.rows) * t.outs);
    for (int i = 0; i < t.rows; ++i)
      for (int k = 0; k < t.outs; ++k) sub[static_cast<size_t>(i) * t.outs + k] = L.W[weight_index(L, t, i, k)];
    map_weights(p, sub.data(), t.rows, t.outs, 1.0f, target.data() + t.start);
  }
  return target;
}

void realised_weights(const ArrayParams& p, const std::vector<Tile>& tiles, const float* g, TileSolvers& solvers,
                      train::Layer& L) {
  std::fill(L.W.begin(), L.W.end(), 0.0f);
  std::vector<double> T;
  for (const Tile& t : tiles) {
    const float* gt = g + t.start;
    // The transfer matrix (cols × rows, µS): the conductances themselves without line resistance, else the
    // nodal solve of this tile's own lines.
    if (solvers.ideal()) {
      T.resize(static_cast<size_t>(t.cols) * t.rows);
      for (int i = 0; i < t.rows; ++i)
        for (int j = 0; j < t.cols; ++j) T[static_cast<size_t>(j) * t.rows + i] = gt[static_cast<size_t>(i) * t.cols + j];
    } else {
      T = crossbar_transfer(solvers.get(t.rows, t.cols), gt);
    }
    for (int i = 0; i < t.rows; ++i)
      for (int k = 0; k < t.outs; ++k) {
        long a, b;
        weight_devices(p, t, i, k, &a, &b);
        a -= t.start + static_cast<long>(i) * t.cols;
        b -= t.start + static_cast<long>(i) * t.cols;
        // Row tiles' partial currents add at the neuron: a weight lives in one row tile, so += only collects it.
        L.W[weight_index(L, t, i, k)] += static_cast<float>(T[static_cast<size_t>(a) * t.rows + i] - T[static_cast<size_t>(b) * t.rows + i]);
      }
  }
}

namespace {

float weight_range(const CrossbarMlpSpec& w) { return w.array.g_hi - w.array.g_lo; }

train::NetworkShape network_shape(const CrossbarMlpSpec& w) {
  train::NetworkShape s;
  s.sizes = w.layers;
  s.amplitude = w.v_in;  // hidden outputs scaled back to ±v_in by the third op-amp stage [paper]
  // One neuron in training and on the chip. memcarlo's default slope (0.1 /µA, gentler than the paper's op-amp
  // at 1 /µA) spreads the weights over the conductance range instead of leaving them a few µS from zero, where
  // a 30 % tuning error of a 10 µS device is already their size. Training at one slope and running the chip at
  // another would let line resistance (which scales the currents down) act as a gain correction and raise the
  // accuracy.
  s.slope = w.slope;
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
  c.optimizer = w.adam ? train::Optimizer::kAdam : train::Optimizer::kSgd;
  c.learning_rate = w.learning_rate;
  c.epochs = epochs;
  return c;
}

// Where a chip's devices are: layers' tiles, and the global device ids (chips take consecutive ranges of the
// network's devices, layers and tiles consecutive ranges of a chip's).
struct Layout {
  std::vector<std::vector<Tile>> tiles;
  std::vector<std::uint64_t> offset;  // a layer's first device within a chip
  std::uint64_t per_chip = 0;
  explicit Layout(const CrossbarMlpSpec& w) : tiles(layer_tiles(w)) {
    for (const std::vector<Tile>& t : tiles) {
      offset.push_back(per_chip);
      per_chip += static_cast<std::uint64_t>(layer_devices(t));
    }
  }
  std::uint64_t first_device(std::uint64_t chip, int layer) const { return chip * per_chip + offset[layer]; }
  long devices(int layer) const { return layer_devices(tiles[layer]); }
};

// Read indices of fresh reads: pattern j of the training set, then of the test set, above every in-situ epoch's.
constexpr std::uint64_t kFreshRead = 1ULL << 40;

// Effective weights (µS) of a programmed chip: one read of every array (read index `read`), then the circuits.
void effective_weights(const ArrayParams& p, const Layout& lay, TileSolvers& solvers, std::uint64_t chip,
                       const std::vector<std::vector<float>>& g, train::Network& net, std::uint64_t read) {
  std::vector<float> gr;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    gr.resize(g[l].size());
    read_array(p, g[l].data(), static_cast<long>(gr.size()), lay.first_device(chip, static_cast<int>(l)), read, gr.data());
    realised_weights(p, lay.tiles[l], gr.data(), solvers, net.layers[l]);
  }
}

// The class of one input pattern x (V) on a chip read afresh for it: every array read with index `read`, every
// tile's circuit solved for this pattern's voltages, the neurons of the network's layers.
int classify_fresh(const ArrayParams& p, const Layout& lay, TileSolvers& solvers, std::uint64_t chip,
                   const std::vector<std::vector<float>>& g, const train::Network& net, const float* x, std::uint64_t read) {
  std::vector<double> a(x, x + net.layers.front().n_in), v, dI, out, vin;
  std::vector<float> gr;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const train::Layer& L = net.layers[l];
    v.assign(a.begin(), a.end());
    v.push_back(net.bias_input);
    dI.assign(L.n_out, 0.0);
    gr.resize(g[l].size());
    read_array(p, g[l].data(), static_cast<long>(gr.size()), lay.first_device(chip, static_cast<int>(l)), read, gr.data());
    for (const Tile& t : lay.tiles[l]) {
      const float* gt = gr.data() + t.start;
      vin.assign(v.begin() + t.r0, v.begin() + t.r0 + t.rows);
      if (solvers.ideal()) {
        out.resize(t.cols);
        crossbar_ideal(CrossbarGeometry{t.rows, t.cols, 0, 0, 0, 0, true}, gt, vin.data(), out.data());
      } else {
        CrossbarSolver& s = solvers.get(t.rows, t.cols);
        s.factor(gt);
        out = s.outputs(vin.data());
      }
      for (int k = 0; k < t.outs; ++k) {
        long ia, ib;
        weight_devices(p, t, 0, k, &ia, &ib);
        dI[t.k0 + k] += out[ia - t.start] - out[ib - t.start];
      }
    }
    a.resize(L.n_out);
    for (int k = 0; k < L.n_out; ++k)
      a[k] = L.act == train::Activation::kTanh ? L.amplitude * std::tanh(L.slope * dI[k]) : dI[k];
  }
  return static_cast<int>(std::max_element(a.begin(), a.end()) - a.begin());  // first of equal maxima
}

// Train and test patterns classified correctly by a programmed chip: with the read noise of read `fixed_read`
// frozen into the weights, or (reads: fresh) a fresh read per pattern.
void score(const CrossbarMlpSpec& w, const ArrayParams& p, const Layout& lay, TileSolvers& solvers, std::uint64_t chip,
           const std::vector<std::vector<float>>& g, train::Network& net, std::uint64_t fixed_read, const MlpData& d,
           ChipResult& r) {
  if (w.reads == MlpReads::kFixed) {
    effective_weights(p, lay, solvers, chip, g, net, fixed_read);
    r.train_correct = train::correct(net, d.x_train.data(), d.y_train.data(), d.n_train());
    r.test_correct = train::correct(net, d.x_test.data(), d.y_test.data(), d.n_test());
    return;
  }
  r.train_correct = r.test_correct = 0;
  for (int j = 0; j < d.n_train(); ++j)
    r.train_correct += classify_fresh(p, lay, solvers, chip, g, net, &d.x_train[static_cast<size_t>(j) * d.features],
                                      kFreshRead + static_cast<std::uint64_t>(j)) == d.y_train[j];
  for (int j = 0; j < d.n_test(); ++j)
    r.test_correct += classify_fresh(p, lay, solvers, chip, g, net, &d.x_test[static_cast<size_t>(j) * d.features],
                                     kFreshRead + static_cast<std::uint64_t>(d.n_train() + j)) == d.y_test[j];
}

// Targets of one layer given weights, with the devices known to be stuck held at their values: the free device
// of a pair carries the weight against the stuck one [hardware-aware import, Merrikh-Bayat 2018].
void layer_targets(const ArrayParams& p, const std::vector<Tile>& tiles, const train::Layer& L,
                   const std::vector<float>& stuck_g, const std::vector<std::uint8_t>& stuck, std::vector<float>& target) {
  target = tiled_targets(p, tiles, L);
  for (const Tile& t : tiles)
    for (int i = 0; i < t.rows; ++i)
      for (int k = 0; k < t.outs; ++k) {
        const float wk = L.W[weight_index(L, t, i, k)];
        long a, b;
        weight_devices(p, t, i, k, &a, &b);
        if (stuck[a] && !stuck[b]) target[b] = clampf(stuck_g[a] - wk, p.g_lo, p.g_hi);
        if (stuck[b] && !stuck[a]) target[a] = clampf(stuck_g[b] + wk, p.g_lo, p.g_hi);
      }
}

// Weight bounds that the stuck devices of one layer leave (equal bounds: both devices stuck, weight frozen).
void layer_bounds(const ArrayParams& p, const std::vector<Tile>& tiles, train::Layer& L, const std::vector<float>& stuck_g,
                  const std::vector<std::uint8_t>& stuck) {
  for (const Tile& t : tiles)
    for (int i = 0; i < t.rows; ++i)
      for (int k = 0; k < t.outs; ++k) {
        long a, b;
        weight_devices(p, t, i, k, &a, &b);
        const size_t q = weight_index(L, t, i, k);
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

// Program every tile of layer l of a chip to target (laid out as tiles), each tile its own array.
void program_layer(const ArrayParams& p, const Layout& lay, std::uint64_t chip, int l, const std::vector<float>& target,
                   std::vector<float>& g, std::vector<std::uint8_t>& st, ChipResult& r) {
  g.resize(target.size());
  st.resize(target.size());
  for (const Tile& t : lay.tiles[l]) {
    ArrayCounts c{};
    program_array(p, target.data() + t.start, t.rows, t.cols, lay.first_device(chip, l) + t.start, g.data() + t.start,
                  st.data() + t.start, &c);
    add_counts(r, c);
  }
  for (std::uint8_t s : st) r.stuck += s;
}

// Ex-situ (aware = false) or hardware-aware import of one chip.
ChipResult import_chip(const CrossbarMlpSpec& w, const ArrayParams& p, const Layout& lay, const train::Network& sw,
                       const MlpData& d, TileSolvers& solvers, std::uint64_t chip, bool aware, ArrayMap* maps) {
  const int nl = static_cast<int>(sw.layers.size());
  train::Network net = sw;
  std::vector<std::vector<float>> stuck_g(nl);
  std::vector<std::vector<std::uint8_t>> stuck(nl);
  ChipResult r;
  for (int l = 0; l < nl; ++l) {
    stuck_g[l].assign(static_cast<size_t>(lay.devices(l)), 0.0f);
    stuck[l].assign(stuck_g[l].size(), 0);
    for (size_t k = 0; k < stuck_g[l].size(); ++k)
      stuck[l][k] = !device_formed(p, lay.first_device(chip, l) + k, &stuck_g[l][k]);
  }
  if (aware) {
    // The stuck devices are found at forming; retrain from the software weights with them frozen.
    for (int l = 0; l < nl; ++l) layer_bounds(p, lay.tiles[l], net.layers[l], stuck_g[l], stuck[l]);
    for (train::Layer& L : net.layers) std::fill(L.m.begin(), L.m.end(), 0.0f), std::fill(L.v.begin(), L.v.end(), 0.0f);
    train::train(net, d.x_train.data(), d.y_train.data(), d.n_train(), train_config(w, w.retrain_epochs));
  } else {
    for (int l = 0; l < nl; ++l) std::fill(stuck[l].begin(), stuck[l].end(), 0);  // oblivious: no stuck-aware map
  }
  std::vector<std::vector<float>> g(nl);
  for (int l = 0; l < nl; ++l) {
    std::vector<float> target;
    layer_targets(p, lay.tiles[l], net.layers[l], stuck_g[l], stuck[l], target);
    std::vector<std::uint8_t> st;
    program_layer(p, lay, chip, l, target, g[l], st, r);
    if (maps)
      for (const Tile& t : lay.tiles[l]) {
        const size_t a = static_cast<size_t>(t.start), n = static_cast<size_t>(t.rows) * t.cols;
        maps->layer = l;
        maps->tile = static_cast<int>(&t - lay.tiles[l].data());
        maps->row0 = t.r0;
        maps->col0 = t.col0;
        maps->rows = t.rows;
        maps->cols = t.cols;
        maps->target.assign(target.begin() + a, target.begin() + a + n);
        maps->programmed.assign(g[l].begin() + a, g[l].begin() + a + n);
        maps->stuck.assign(st.begin() + a, st.begin() + a + n);
        ++maps;
      }
  }
  score(w, p, lay, solvers, chip, g, net, 0, d, r);
  return r;
}

// In-situ training by fixed-amplitude pulses (the Manhattan rule, batch variant [Zamanidoost et al. 2015]):
// each epoch reads the chip through the circuit, backpropagates in the periphery, and sends one pulse pair per
// weight against the sign of its gradient (SET one device of the pair, RESET the other). A pulse moves a device
// by its own state-dependent, asymmetric step (kernels/array/array.hpp nonlinear_pulse), or by the fixed step
// of insitu_pulse: fixed. Every epoch's pulses
// half-select every device of the array once per polarity under the V/2 scheme.
ChipResult insitu_chip(const CrossbarMlpSpec& w, const ArrayParams& p, const Layout& lay, const MlpData& d,
                       TileSolvers& solvers, std::uint64_t chip) {
  train::Network net = train::make_network(network_shape(w));
  const int nl = static_cast<int>(net.layers.size());
  ChipResult r;
  std::vector<std::vector<float>> g(nl);
  std::vector<std::vector<std::uint8_t>> stuck(nl);
  ArrayParams once = p;
  once.mode = ProgramMode::kOneShot;
  for (int l = 0; l < nl; ++l)  // a first one-shot programming of the random initial weights
    program_layer(once, lay, chip, l, tiled_targets(p, lay.tiles[l], net.layers[l]), g[l], stuck[l], r);
  ArrayParams pulse = p;
  pulse.v_set = w.insitu_v_set;
  pulse.v_reset = w.insitu_v_reset;
  const RngKey key{p.seed, stream::kArrayPulse};
  std::vector<std::vector<float>> grads;
  for (int e = 0; e < w.insitu_epochs; ++e) {
    effective_weights(p, lay, solvers, chip, g, net, 1 + e);  // fresh read noise per epoch
    train::gradients(net, d.x_train.data(), d.y_train.data(), d.n_train(), train::Loss::kMse, grads);
    for (int l = 0; l < nl; ++l) {
      const train::Layer& L = net.layers[l];
      const std::uint64_t base = lay.first_device(chip, l);
      for (const Tile& t : lay.tiles[l])
        for (int i = 0; i < t.rows; ++i)
          for (int k = 0; k < t.outs; ++k) {
            const float gk = grads[l][weight_index(L, t, i, k)];
            if (gk == 0.0f) continue;
            const bool up = gk < 0.0f;  // raise the weight: SET G+ and RESET G− (or G against the reference)
            long a, b;
            weight_devices(p, t, i, k, &a, &b);
            for (int side = 0; side < 2; ++side) {
              if (side == 1 && p.mapping != ArrayMapping::kPair) continue;  // the reference column is not tuned
              const size_t q = static_cast<size_t>(side == 0 ? a : b);
              const bool set = side == 0 ? up : !up;
              (set ? r.set_pulses : r.reset_pulses) += 1;
              const float v = set ? w.insitu_v_set : w.insitu_v_reset;
              r.energy_pj += static_cast<double>(v) * v * g[l][q] * p.model.pulse_width * 1e6;
              if (stuck[l][q]) continue;
              const F32x4 z = normals(philox(key, base + q, static_cast<std::uint64_t>(e), 0));
              const DeviceThresholds th = draw_thresholds(p, base + q);
              g[l][q] = w.insitu_device_pulse
                            ? nonlinear_pulse(p, th, draw_pulse_step_factors(p, base + q), g[l][q], set, v, z.v[0])
                            : manhattan_pulse(p, th, g[l][q], set, v, w.insitu_step, w.insitu_c2c, z.v[0]);
            }
          }
      for (size_t q = 0; q < g[l].size(); ++q)
        if (!stuck[l][q]) g[l][q] = half_select_disturb(pulse, draw_thresholds(p, base + q), g[l][q], 1, 1, &r.disturbs);
    }
  }
  score(w, p, lay, solvers, chip, g, net, 1 + static_cast<std::uint64_t>(w.insitu_epochs), d, r);
  return r;
}

}  // namespace

train::Network train_software(const CrossbarMlpSpec& w, const MlpData& d, int* epochs) {
  train::Network net = train::make_network(network_shape(w));
  if (epochs) *epochs = 0;
  if (!w.loaded_weights.empty()) {
    // A user's network: taken as it is (the import clips it to the conductance range like any other).
    for (size_t l = 0; l < net.layers.size(); ++l) net.layers[l].W = w.loaded_weights[l];
    return net;
  }
  train::TrainConfig c = train_config(w, w.epochs);
  // The paper's protocol: batch backpropagation until the training set is classified, so the margins are the
  // smallest that classify it (and a chip's tuning errors can cost a training pattern).
  c.stop_all_correct = w.stop == MlpStop::kAllTrainCorrect;
  c.min_epochs = w.min_epochs;
  const std::vector<float> history = train::train(net, d.x_train.data(), d.y_train.data(), d.n_train(), c);
  if (epochs) *epochs = static_cast<int>(history.size());
  return net;
}

MlpOutcome simulate_crossbar_mlp(const CrossbarMlpSpec& w, const DeviceModel& model, std::uint32_t seed,
                                 const MlpData& d, int threads, std::atomic<std::uint64_t>* progress,
                                 const std::atomic<bool>* cancel) {
  MlpOutcome out;
  out.software = train_software(w, d, &out.software_epochs);
  out.software_train = train::correct(out.software, d.x_train.data(), d.y_train.data(), d.n_train());
  out.software_test = train::correct(out.software, d.x_test.data(), d.y_test.data(), d.n_test());
  for (MlpMode m : w.modes)
    if (m != MlpMode::kSoftware) out.chip_modes.push_back(m);
  out.chips.assign(out.chip_modes.size(), std::vector<ChipResult>(w.chips));
  ArrayParams p = w.array;
  p.model = model;
  p.seed = seed;
  const Layout lay(w);
  size_t n_tiles = 0;
  for (const std::vector<Tile>& t : lay.tiles) n_tiles += t.size();
  out.maps.resize(out.chip_modes.empty() ? 0 : n_tiles);
  const int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nt)
  {
    TileSolvers solvers(w.r_contact, w.r_wire);
#pragma omp for schedule(dynamic)
    for (std::int64_t c = 0; c < static_cast<std::int64_t>(w.chips); ++c) {
      if (cancel && cancel->load()) continue;
      const std::uint64_t chip = static_cast<std::uint64_t>(c);
      for (size_t m = 0; m < out.chip_modes.size(); ++m) {
        ArrayMap* map = chip == 0 && m == 0 ? out.maps.data() : nullptr;
        switch (out.chip_modes[m]) {
          case MlpMode::kExSitu: out.chips[m][chip] = import_chip(w, p, lay, out.software, d, solvers, chip, false, map); break;
          case MlpMode::kHardwareAware: out.chips[m][chip] = import_chip(w, p, lay, out.software, d, solvers, chip, true, map); break;
          case MlpMode::kInSitu: out.chips[m][chip] = insitu_chip(w, p, lay, d, solvers, chip); break;
          case MlpMode::kSoftware: break;
        }
      }
      if (progress) progress->fetch_add(1);
    }
  }
  return out;
}

}  // namespace mc
