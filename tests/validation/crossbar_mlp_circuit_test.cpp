// crossbar_mlp on its circuits: arrays tiled beyond max_array (row blocks whose currents add at the neuron,
// output blocks), line resistance against accuracy, and fresh read noise per pattern against noise fixed per
// chip. Fixed seeds; statistical checks in standard errors over chips.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "scenario/error.hpp"
#include "scenario/scenario.hpp"
#include "train/dense.hpp"
#include "workloads/crossbar_mlp/crossbar_mlp.hpp"

namespace {

using namespace mc;

const std::string kData = std::string(MC_TEST_DATA) + "/../data/";

Scenario letters(const std::string& body) {
  const std::string yaml = "workload: crossbar_mlp\nseed: 2018\ndevice: {preset: tio2_passive}\ncrossbar_mlp:\n  data: " + kData +
                           "letters.csv\n  test_data: " + kData + "letters_test.csv\n" + body;
  return parse_scenario(yaml, "letters.yaml");
}

// Layer 1 of a 16-40-4 network with weights spread over ±90 µS (deterministic).
train::Layer wide_layer() {
  train::NetworkShape sh;
  sh.sizes = {16, 40, 4};
  sh.init_scale = 400.0f;
  sh.w_lo = -90.0f;
  sh.w_hi = 90.0f;
  return train::make_network(sh).layers[0];
}

ArrayParams params(const Scenario& s) {
  ArrayParams p = s.spec_as<CrossbarMlpSpec>().array;
  p.model = s.device;
  p.seed = s.seed;
  return p;
}

// The weights layer L realises with every device at its target (no stuck devices, no tuning error).
std::vector<float> realised(const Scenario& s, const train::Layer& L) {
  const CrossbarMlpSpec& w = s.spec_as<CrossbarMlpSpec>();
  const ArrayParams p = params(s);
  const std::vector<Tile> tiles = layer_tiles(w)[0];
  const std::vector<float> g = tiled_targets(p, tiles, L);
  TileSolvers solvers(w.r_contact, w.r_wire);
  train::Layer out = L;
  realised_weights(p, tiles, g.data(), solvers, out);
  return out.W;
}

TEST(CrossbarMlpTiles, TilesCoverEveryWeightOnceWithinTheMaximum) {
  for (const char* mapping : {"pair", "reference"})
    for (int max_array : {4, 7, 8, 64}) {
      const Scenario s = letters("  layers: [16, 40, 4]\n  mapping: " + std::string(mapping) + "\n  max_array: " + std::to_string(max_array) + "\n");
      const CrossbarMlpSpec& w = s.spec_as<CrossbarMlpSpec>();
      const std::vector<std::vector<Tile>> tiles = layer_tiles(w);
      ASSERT_EQ(tiles.size(), 2u);
      for (size_t l = 0; l < 2; ++l) {
        const int R = w.layers[l] + 1, K = w.layers[l + 1];
        std::vector<int> seen(static_cast<size_t>(R) * K, 0);
        long start = 0;
        for (const Tile& t : tiles[l]) {
          EXPECT_LE(t.rows, max_array);
          EXPECT_LE(t.cols, max_array);
          EXPECT_EQ(t.cols, mapped_columns(w.array.mapping, t.outs));
          EXPECT_EQ(t.start, start);
          start += static_cast<long>(t.rows) * t.cols;
          for (int i = 0; i < t.rows; ++i)
            for (int k = 0; k < t.outs; ++k) ++seen[static_cast<size_t>(t.r0 + i) * K + t.k0 + k];
        }
        EXPECT_EQ(start, layer_devices(tiles[l]));
        for (int c : seen) EXPECT_EQ(c, 1);
      }
    }
  // A layer that fits is one array, laid out as before tiling existed.
  const Scenario s = letters("");
  for (const std::vector<Tile>& t : layer_tiles(s.spec_as<CrossbarMlpSpec>())) EXPECT_EQ(t.size(), 1u);
}

TEST(CrossbarMlpTiles, TiledIdealMvmEqualsTheUntiledOne) {
  const train::Layer L = wide_layer();
  for (const char* mapping : {"pair", "reference"}) {
    const std::string base = "  layers: [16, 40, 4]\n  r_contact: 0\n  r_wire: 0\n  mapping: " + std::string(mapping) + "\n";
    const Scenario whole = letters(base + "  max_array: 4096\n");
    const Scenario tiled = letters(base + "  max_array: 8\n");
    ASSERT_EQ(layer_tiles(whole.spec_as<CrossbarMlpSpec>())[0].size(), 1u);
    ASSERT_GE(layer_tiles(tiled.spec_as<CrossbarMlpSpec>())[0].size(), 18u);  // 3 row blocks by 10 (pairs) or 6 output blocks
    const std::vector<float> a = realised(whole, L), b = realised(tiled, L);
    ASSERT_EQ(a.size(), b.size());
    for (size_t q = 0; q < a.size(); ++q) EXPECT_EQ(a[q], b[q]) << mapping << " weight " << q;
    // And both are the weights clipped to what the mapping can hold.
    const float lim = std::string(mapping) == "pair" ? 90.0f : 45.0f;
    for (size_t q = 0; q < a.size(); ++q) EXPECT_NEAR(a[q], std::clamp(L.W[q], -lim, lim), 1e-4f * lim) << mapping;
  }
}

TEST(CrossbarMlpTiles, SmallerTilesLoseLessToLineResistance) {
  const train::Layer L = wide_layer();
  const std::string base = "  layers: [16, 40, 4]\n  r_contact: 400\n  r_wire: 2\n";
  const std::vector<float> ideal = realised(letters("  layers: [16, 40, 4]\n  r_contact: 0\n  r_wire: 0\n  max_array: 4096\n"), L);
  double previous = 1e30;
  for (int max_array : {4096, 16, 6}) {
    const std::vector<float> got = realised(letters(base + "  max_array: " + std::to_string(max_array) + "\n"), L);
    double err = 0, norm = 0;
    for (size_t q = 0; q < got.size(); ++q) err += std::fabs(got[q] - ideal[q]), norm += std::fabs(ideal[q]);
    const double rel = err / norm;
    EXPECT_GT(rel, 0.0) << max_array;
    EXPECT_LT(rel, 0.8 * previous) << "max_array " << max_array << ": relative weight error " << rel;
    previous = rel;
  }
}

TEST(CrossbarMlpTiles, ATiledNetworkRunsAndKeepsItsSoftwareAccuracyWithoutNonIdealities) {
  // Every device ideal (exact SETs, all formed, no read noise, no line resistance, no disturb): a tiled chip is
  // the software network, pattern for pattern, whatever the tiling.
  const std::string ideal =
      "  layers: [16, 24, 4]\n  modes: ex_situ\n  chips: 2\n  epochs: 300\n  r_contact: 0\n  r_wire: 0\n  disturb: 0\n";
  for (int max_array : {64, 6}) {
    std::string yaml = "workload: crossbar_mlp\nseed: 3\ndevice:\n  preset: tio2_passive\n  lrs: {sigma_a: 0, d2d_sigma_ln: 0}\n"
                       "  read: {sigma_rel: 0}\n  forming: {failure_fraction: 0}\ncrossbar_mlp:\n  data: " + kData +
                       "letters.csv\n  test_data: " + kData + "letters_test.csv\n" + ideal + "  max_array: " + std::to_string(max_array) + "\n";
    const Scenario s = parse_scenario(yaml, "ideal.yaml");
    const CrossbarMlpSpec& w = s.spec_as<CrossbarMlpSpec>();
    const MlpData d = load_mlp_data(w, s.seed);
    const MlpOutcome o = simulate_crossbar_mlp(w, s.device, s.seed, d, 0, nullptr, nullptr);
    for (const ChipResult& r : o.chips[0]) {
      EXPECT_NEAR(r.train_correct, o.software_train, 1) << "max_array " << max_array;
      EXPECT_NEAR(r.test_correct, o.software_test, 6) << "max_array " << max_array;  // a few ties near the boundary
      EXPECT_EQ(r.stuck, 0u);
    }
  }
}

// Per chip, ex-situ test accuracy at zero line resistance minus at large contact and wire resistance: the same
// chips (one seed, the same devices), so the paired difference's standard error is small.
TEST(CrossbarMlpLineResistance, LargeContactAndWireResistanceLowerTheAccuracy) {
  const std::string body = "  modes: software, ex_situ\n  chips: 60\n  epochs: 1000\n";
  const Scenario zero = letters(body + "  r_contact: 0\n  r_wire: 0\n");
  const Scenario large = letters(body + "  r_contact: 3000\n  r_wire: 5\n");
  const CrossbarMlpSpec& w0 = zero.spec_as<CrossbarMlpSpec>();
  const MlpData d = load_mlp_data(w0, zero.seed);
  const MlpOutcome a = simulate_crossbar_mlp(w0, zero.device, zero.seed, d, 0, nullptr, nullptr);
  const MlpOutcome b = simulate_crossbar_mlp(large.spec_as<CrossbarMlpSpec>(), large.device, large.seed, d, 0, nullptr, nullptr);
  EXPECT_EQ(a.software_test, b.software_test);  // the software network does not see the circuit
  std::vector<double> diff;
  for (size_t c = 0; c < a.chips[0].size(); ++c)
    diff.push_back(static_cast<double>(a.chips[0][c].test_correct - b.chips[0][c].test_correct) / d.n_test());
  double mean = 0, var = 0;
  for (double x : diff) mean += x;
  mean /= diff.size();
  for (double x : diff) var += (x - mean) * (x - mean);
  const double se = std::sqrt(var / (diff.size() - 1) / diff.size());
  EXPECT_GT(mean, 4 * se) << "accuracy loss " << 100 * mean << " points, SE " << 100 * se;
  EXPECT_GT(mean, 0.01);  // more than a point
}

// Reads: with no read noise a fresh read per pattern is the fixed read (the same chip, the same decisions);
// with read noise the fresh reads differ chip by chip but agree on average with the fixed ones (read noise is
// zero-mean: the mean accuracy over chips moves by less than 4 SE of the paired difference).
TEST(CrossbarMlpReads, FreshReadsPerPatternAgainstReadsFixedPerChip) {
  const std::string body = "  modes: ex_situ\n  chips: 10\n  epochs: 500\n  r_contact: 400\n  r_wire: 0\n";
  auto run = [&](const std::string& reads, const std::string& sigma) {
    const std::string yaml = "workload: crossbar_mlp\nseed: 7\ndevice:\n  preset: tio2_passive\n  read: {sigma_rel: " + sigma +
                             "}\ncrossbar_mlp:\n  data: " + kData + "letters.csv\n  test_data: " + kData + "letters_test.csv\n" + body +
                             "  reads: " + reads + "\n";
    const Scenario s = parse_scenario(yaml, "reads.yaml");
    const CrossbarMlpSpec& w = s.spec_as<CrossbarMlpSpec>();
    return simulate_crossbar_mlp(w, s.device, s.seed, load_mlp_data(w, s.seed), 0, nullptr, nullptr);
  };
  const MlpOutcome fixed0 = run("fixed", "0"), fresh0 = run("fresh", "0");
  for (size_t c = 0; c < fixed0.chips[0].size(); ++c) {
    EXPECT_NEAR(fresh0.chips[0][c].train_correct, fixed0.chips[0][c].train_correct, 1) << "chip " << c;
    EXPECT_NEAR(fresh0.chips[0][c].test_correct, fixed0.chips[0][c].test_correct, 2) << "chip " << c;  // float vs double ties
  }
  const MlpOutcome fixed = run("fixed", "0.1"), fresh = run("fresh", "0.1");
  int differ = 0;
  std::vector<double> diff;
  for (size_t c = 0; c < fixed.chips[0].size(); ++c) {
    differ += fixed.chips[0][c].test_correct != fresh.chips[0][c].test_correct;
    diff.push_back(fresh.chips[0][c].test_correct - fixed.chips[0][c].test_correct);
  }
  EXPECT_GT(differ, 5);
  double mean = 0, var = 0;
  for (double x : diff) mean += x;
  mean /= diff.size();
  for (double x : diff) var += (x - mean) * (x - mean);
  const double se = std::sqrt(var / (diff.size() - 1) / diff.size());
  EXPECT_LT(std::fabs(mean), 4 * se + 1.0) << "mean change " << mean << " test patterns, SE " << se;
}

TEST(CrossbarMlpReads, FreshReadsDoNotDependOnTheThreadCount) {
  const Scenario s = letters("  modes: ex_situ, in_situ\n  chips: 3\n  epochs: 200\n  insitu_epochs: 3\n  reads: fresh\n  max_array: 12\n  r_wire: 0\n");
  const CrossbarMlpSpec& w = s.spec_as<CrossbarMlpSpec>();
  const MlpData d = load_mlp_data(w, s.seed);
  const MlpOutcome a = simulate_crossbar_mlp(w, s.device, s.seed, d, 1, nullptr, nullptr);
  const MlpOutcome b = simulate_crossbar_mlp(w, s.device, s.seed, d, 2, nullptr, nullptr);
  for (size_t m = 0; m < a.chips.size(); ++m)
    for (size_t c = 0; c < a.chips[m].size(); ++c) {
      EXPECT_EQ(a.chips[m][c].train_correct, b.chips[m][c].train_correct);
      EXPECT_EQ(a.chips[m][c].test_correct, b.chips[m][c].test_correct);
      EXPECT_EQ(a.chips[m][c].set_pulses, b.chips[m][c].set_pulses);
    }
}

std::string error_of(const std::string& body) {
  try {
    letters(body);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CrossbarMlpTiles, ALayerLargerThanTheMaximumWithoutTilingIsOneError) {
  EXPECT_EQ(error_of("  layers: [16, 40, 4]\n  tiling: false\n"),
            "letters.yaml:8:11: error: crossbar_mlp.tiling: is false, but layer 1 needs a 17x80 array, larger than "
            "crossbar_mlp.max_array = 64; allow tiling (true) or raise max_array");
  EXPECT_EQ(error_of("  max_array: 16\n  tiling: false\n"),
            "letters.yaml:8:11: error: crossbar_mlp.tiling: is false, but layer 1 needs a 17x20 array, larger than "
            "crossbar_mlp.max_array = 16; allow tiling (true) or raise max_array");
  EXPECT_EQ(error_of("  layers: [16, 40, 4]\n  tiling: true\n"), "(no error)");
  EXPECT_NE(error_of("  tiling: maybe\n").find("letters.yaml:7:11: error: crossbar_mlp.tiling"), std::string::npos);
  EXPECT_NE(error_of("  reads: sometimes\n").find("letters.yaml:7:10: error: crossbar_mlp.reads"), std::string::npos);
  EXPECT_NE(error_of("  max_array: 1\n").find("letters.yaml:7:14: error: crossbar_mlp.max_array"), std::string::npos);
}

}  // namespace
