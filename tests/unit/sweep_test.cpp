// Sweep expansion: grid × zip × points, ranges with units, seeds stable when a sweep grows, exact errors.
#include <gtest/gtest.h>

#include "scenario/sweep.hpp"
#include "scheduler/scheduler.hpp"
#include "workloads/endurance/endurance.hpp"
#include "build_info.h"

namespace mc {
namespace {

const std::string kFile = std::string(MC_SOURCE_DIR) + "/configs/test.yaml";
const std::string kBase = "workload: endurance\nseed: 3\nendurance:\n  devices: 100\n  cycles: 10\n";

std::string error_of(const std::string& text) {
  try {
    parse_sweep(text, kFile);
  } catch (const InputError& e) {
    const std::string msg = e.what();
    return msg.substr(msg.find("test.yaml"));
  }
  return "no error";
}

TEST(Sweep, NoSweepIsOnePoint) {
  const SweepPlan p = parse_sweep(kBase, kFile);
  EXPECT_FALSE(p.has_sweep);
  ASSERT_EQ(p.points.size(), 1u);
  EXPECT_EQ(p.points[0].scenario.seed, 3u);
  EXPECT_EQ(p.fingerprint, p.points[0].scenario.fingerprint());
}

TEST(Sweep, GridTimesZipTimesPointsInOrder) {
  const SweepPlan p = parse_sweep(kBase +
                                      "sweep:\n  points:\n    - {endurance.read_threshold: 15 uS}\n    - {endurance.read_threshold: 25 uS}\n"
                                      "  grid:\n    endurance.compliance: [\"30 uA\", \"0.06 mA\"]\n"
                                      "  zip:\n    device.wear.weibull_scale: [1e6, 1e8, 1e10]\n    device.wear.weibull_shape: [1, 2, 3]\n",
                                  kFile);
  ASSERT_EQ(p.points.size(), 2u * 2u * 3u);
  EXPECT_EQ(p.columns, (std::vector<std::string>{"endurance.read_threshold", "endurance.compliance", "device.wear.weibull_scale",
                                                 "device.wear.weibull_shape"}));
  // The last axis runs fastest, explicit points slowest.
  EXPECT_EQ(p.points[0].values, (std::vector<std::string>{"15 uS", "30 uA", "1e6", "1"}));
  EXPECT_EQ(p.points[1].values, (std::vector<std::string>{"15 uS", "30 uA", "1e8", "2"}));
  EXPECT_EQ(p.points[3].values, (std::vector<std::string>{"15 uS", "0.06 mA", "1e6", "1"}));
  EXPECT_EQ(p.points[6].values, (std::vector<std::string>{"25 uS", "30 uA", "1e6", "1"}));
  EXPECT_FLOAT_EQ(p.points[3].scenario.spec_as<mc::EnduranceSpec>().compliance, 60.0f);
  EXPECT_FLOAT_EQ(p.points[7].scenario.device.weibull_shape, 2.0f);
  EXPECT_FLOAT_EQ(p.points[7].scenario.spec_as<mc::EnduranceSpec>().read_threshold, 25.0f);
  for (std::size_t i = 0; i < p.points.size(); ++i) EXPECT_EQ(p.points[i].index, i);
}

TEST(Sweep, RangesWithUnits) {
  const SweepPlan p = parse_sweep(kBase + "sweep:\n  grid:\n    endurance.compliance: {linspace: [\"10 uA\", \"0.05 mA\", 5]}\n"
                                          "    device.hrs.median: {logspace: [\"1 uS\", \"100 uS\", 3]}\n",
                                  kFile);
  ASSERT_EQ(p.points.size(), 15u);
  const float want_i[] = {10, 20, 30, 40, 50};
  const float want_g[] = {1, 10, 100};
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 3; ++j) {
      EXPECT_FLOAT_EQ(p.points[3 * i + j].scenario.spec_as<mc::EnduranceSpec>().compliance, want_i[i]);
      EXPECT_NEAR(p.points[3 * i + j].scenario.device.hrs_median, want_g[j], 1e-4 * want_g[j]);
    }
}

TEST(Sweep, SeedsDependOnParametersNotIndexSoGrowingKeepsThem) {
  const SweepPlan small = parse_sweep(kBase + "sweep:\n  grid:\n    endurance.compliance: [\"30 uA\", \"60 uA\"]\n", kFile);
  const SweepPlan grown = parse_sweep(kBase + "sweep:\n  grid:\n    endurance.compliance: [\"20 uA\", \"30 uA\", \"60 uA\"]\n", kFile);
  EXPECT_NE(small.points[0].scenario.seed, small.points[1].scenario.seed);
  EXPECT_EQ(small.points[0].scenario.seed, grown.points[1].scenario.seed);
  EXPECT_EQ(small.points[1].scenario.seed, grown.points[2].scenario.seed);
  EXPECT_EQ(small.points[1].scenario.fingerprint(), grown.points[2].scenario.fingerprint());
  // Same value in another unit, same seed.
  const SweepPlan units = parse_sweep(kBase + "sweep:\n  grid:\n    endurance.compliance: [\"0.03 mA\"]\n", kFile);
  EXPECT_EQ(units.points[0].scenario.seed, small.points[0].scenario.seed);
  // A swept seed is used as given.
  const SweepPlan seeds = parse_sweep(kBase + "sweep:\n  grid:\n    seed: [7, 8]\n", kFile);
  EXPECT_EQ(seeds.points[0].scenario.seed, 7u);
  EXPECT_EQ(seeds.points[1].scenario.seed, 8u);
  // A seed given in one explicit point does not switch derivation off for the others.
  const SweepPlan mixed = parse_sweep(kBase + "sweep:\n  points:\n    - {seed: 1}\n    - {endurance.read_threshold: 5 uS}\n"
                                              "  grid:\n    endurance.compliance: [\"30 uA\", \"60 uA\"]\n",
                                      kFile);
  EXPECT_EQ(mixed.points[0].scenario.seed, 1u);
  EXPECT_EQ(mixed.points[1].scenario.seed, 1u);
  EXPECT_NE(mixed.points[2].scenario.seed, mixed.points[3].scenario.seed);
  EXPECT_NE(mixed.points[2].scenario.seed, 3u);
}

TEST(Sweep, SharedSeedsGiveEveryPointTheSameDevices) {
  // Common random numbers: with seeds: shared every point runs on the scenario's seed, so a sweep over the read
  // threshold compares one device population; per_point (the default) derives a seed per point.
  const std::string grid = "  grid:\n    endurance.read_threshold: [5 uS, 10 uS, 20 uS]\n";
  const SweepPlan shared = parse_sweep(kBase + "sweep:\n  seeds: shared\n" + grid, kFile);
  const SweepPlan own = parse_sweep(kBase + "sweep:\n" + grid, kFile);
  ASSERT_EQ(shared.points.size(), 3u);
  EXPECT_TRUE(shared.shared_seeds);
  EXPECT_FALSE(own.shared_seeds);
  for (const auto& p : shared.points) EXPECT_EQ(p.scenario.seed, 3u);
  EXPECT_NE(own.points[0].scenario.seed, own.points[1].scenario.seed);
  EXPECT_NE(shared.fingerprint, own.fingerprint);
  EXPECT_EQ(error_of(kBase + "sweep:\n  seeds: common\n" + grid),
            "test.yaml:7:10: error: sweep.seeds: expected one of per_point, shared, got 'common'");
}

TEST(Sweep, IntegerRangesDoNotRepeatPoints) {
  const SweepPlan p = parse_sweep(kBase + "sweep:\n  grid:\n    endurance.cycles: {linspace: [1, 2, 5]}\n", kFile);
  ASSERT_EQ(p.points.size(), 2u);
  EXPECT_EQ(p.points[0].scenario.spec_as<mc::EnduranceSpec>().cycles, 1u);
  EXPECT_EQ(p.points[1].scenario.spec_as<mc::EnduranceSpec>().cycles, 2u);
}

TEST(SweepErrors, ExactMessages) {
  EXPECT_EQ(error_of(kBase + "sweep:\n  grid:\n    endurance.complience: [1, 2]\n"),
            "test.yaml:8:5: error: sweep.grid.endurance.complience: no scenario key 'endurance.complience' (did you mean "
            "'endurance.compliance'?); keys are dotted paths as in docs/scenario-reference.md");
  EXPECT_EQ(error_of(kBase + "sweep:\n  grid:\n    endurance.compliance: {linspace: [\"10 uA\", \"20 uA\", 0]}\n"),
            "test.yaml:8:57: error: sweep.grid.endurance.compliance.linspace[2]: expected a count of points from 1 to 100000, "
            "got '0' (a range with zero points is empty)");
  EXPECT_EQ(error_of(kBase + "sweep:\n  grid:\n    endurance.compliance: []\n"),
            "test.yaml:8:27: error: sweep.grid.endurance.compliance: a sweep axis needs at least one value, got an empty list");
  EXPECT_EQ(error_of(kBase + "sweep:\n  zip:\n    seed: [1, 2]\n    endurance.cycles: [1, 2, 3]\n"),
            "test.yaml:9:5: error: sweep.zip.endurance.cycles: zip lists must have equal lengths: 3 values here, 2 in 'seed'");
  EXPECT_EQ(error_of(kBase + "sweep:\n  gird:\n    seed: [1]\n"),
            "test.yaml:7:3: error: sweep.gird: unknown sweep form 'gird' (did you mean 'grid'?); expected grid, zip, points, seeds or point_files");
  EXPECT_EQ(error_of(kBase + "sweep:\n  grid:\n    endurance.compliance: [\"30 uA\", \"5 V\"]\n"),
            "test.yaml:8:5: error: endurance.compliance: '5 V' is a voltage, expected a current (A, mA, uA, nA) [sweep point 1 "
            "(endurance.compliance=5 V)]");
  EXPECT_EQ(error_of(kBase + "sweep:\n  grid:\n    device.preset: [a, b]\n"),
            "test.yaml:8:5: error: sweep.grid.device.preset: 'device.preset' cannot be swept (run one scenario per preset or "
            "workload)");
  EXPECT_EQ(error_of(kBase + "sweep:\n  grid:\n    seed: [1]\n    seed: [2]\n"),
            "test.yaml:9:5: error: sweep.grid.seed: 'seed' is swept twice");
  EXPECT_EQ(error_of(kBase + "sweep: 5\n"), "test.yaml:6:8: error: sweep: expected a mapping with grid:, zip: or points:, got '5'");
}

TEST(SweepErrors, ShardText) {
  int i = 0, n = 0;
  parse_shard("2/4", &i, &n);
  EXPECT_EQ(i, 2);
  EXPECT_EQ(n, 4);
  for (const char* bad : {"3/2", "4/4", "-1/3", "1/0", "a/b", "1/2x", "1"}) {
    try {
      parse_shard(bad, &i, &n);
      ADD_FAILURE() << bad;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), "--shard: expected i/N with 0 <= i < N (e.g. 0/4), got '" + std::string(bad) + "'");
    }
  }
}

}  // namespace
}  // namespace mc
