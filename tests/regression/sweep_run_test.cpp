// The scheduler on real (small) sweeps: results.csv rows per point, resume, a failing point recorded while the
// others finish, shards that merge to the single-run results, and refusals that leave the disk untouched.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario/sweep.hpp"
#include "scheduler/cluster.hpp"
#include "scheduler/scheduler.hpp"
#include "io/output.hpp"
#include "scenario/error.hpp"

namespace mc {
namespace {

namespace fs = std::filesystem;

const char* kSweep =
    "workload: endurance\nseed: 4\ndevice:\n  preset: hfo2_1t1r\n  wear:\n    weibull_scale: 300\n"
    "endurance:\n  devices: 400\n  cycles: 60\n  checkpoints: [10, 60]\n"
    "sweep:\n  grid:\n    endurance.compliance: [\"20 uA\", \"40 uA\", \"60 uA\"]\n    device.hrs.sigma_ln: [0.5, 0.8]\n";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) out.push_back(l);
  return out;
}

/// results.csv without the wall_s column (the only one that differs between identical runs).
std::string without_wall(const fs::path& p) {
  auto ls = lines(read(p));
  std::string out;
  std::vector<std::string> header;
  std::stringstream hs(ls[0]);
  for (std::string c; std::getline(hs, c, ',');) header.push_back(c);
  for (const auto& l : ls) {
    std::stringstream rs(l);
    std::size_t i = 0;
    for (std::string c; std::getline(rs, c, ','); ++i)
      if (i >= header.size() || header[i] != "wall_s") out += c + ",";
    out += "\n";
  }
  return out;
}

class SweepRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("memcarlo_sweep_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    plan_ = parse_sweep(kSweep, (dir_ / "s.yaml").string());
  }
  void TearDown() override { fs::remove_all(dir_); }
  ScheduleOptions opts(const std::string& out, int shard = 0, int shards = 1) {
    ScheduleOptions o;
    o.out_dir = (dir_ / out).string();
    o.backend = "cpu";
    o.workers = 2;
    o.threads = 2;
    o.shard = shard;
    o.shards = shards;
    o.quiet = true;
    return o;
  }
  fs::path dir_;
  SweepPlan plan_;
};

TEST_F(SweepRun, RowsPerPointThenResume) {
  const ScheduleResult r = run_plan(plan_, opts("all"));
  EXPECT_EQ(r.total, 6u);
  EXPECT_EQ(r.done, 6u);
  EXPECT_EQ(r.failed, 0u);
  const auto rows = lines(read(dir_ / "all/results.csv"));
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0].substr(0, 59), "point,status,endurance.compliance,device.hrs.sigma_ln,seed,");
  EXPECT_EQ(rows[3].substr(0, 15), "2,ok,40 uA,0.5,");
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(fs::exists(point_dir((dir_ / "all").string(), i) + "/checkpoints.csv"));
  const ScheduleResult again = run_plan(plan_, opts("all"));  // the same command resumes
  EXPECT_EQ(again.resumed, 6u);
  EXPECT_EQ(again.done, 6u);
}

TEST_F(SweepRun, FailingPointIsRecordedOthersFinish) {
  // Point 1 holds out no test data: it fails when it runs (its split is empty); the other two complete.
  const SweepPlan plan = parse_sweep(
      "workload: mcmc\nmcmc: {task: linear_regression, model: linear, samples: 20, chains: 4, iterations: 200, thin: 10}\n"
      "sweep:\n  grid:\n    mcmc.test_fraction: [0.25, 0, 0.5]\n",
      (dir_ / "m.yaml").string());
  const ScheduleResult r = run_plan(plan, opts("f"));
  EXPECT_EQ(r.done, 2u);
  EXPECT_EQ(r.failed, 1u);
  const auto rows = lines(read(dir_ / "f/results.csv"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[2].substr(0, 9), "1,failed,");
  EXPECT_NE(rows[2].find("test split of the data is empty"), std::string::npos) << rows[2];
  EXPECT_EQ(print_status((dir_ / "f").string()), 1);
}

TEST_F(SweepRun, ResumeTrustsNothingOnDisk) {
  const std::string top = (dir_ / "v").string();
  run_plan(plan_, opts("v"));
  const std::string before = without_wall(dir_ / "v/results.csv");
  // A corrupt manifest, a finished point whose table was deleted, an unfinished point's leftovers, and
  // temporary files a kill -9 left behind.
  std::ofstream(point_dir(top, 1) + "/manifest.json") << "{\"complete\": tr";
  fs::remove(point_dir(top, 2) + "/checkpoints.csv");
  std::ofstream(top + "/results.csv.tmp.999999") << "half";
  std::ofstream(point_dir(top, 1) + "/checkpoints.csv.tmp.999998") << "half";
  const ScheduleResult r = run_plan(plan_, opts("v"));
  EXPECT_EQ(r.resumed, 4u);  // points 1 and 2 ran again
  EXPECT_EQ(r.done, 6u);
  EXPECT_EQ(r.failed, 0u);
  EXPECT_TRUE(fs::exists(point_dir(top, 2) + "/checkpoints.csv"));
  EXPECT_EQ(without_wall(dir_ / "v/results.csv"), before);
  for (const auto& e : fs::recursive_directory_iterator(top))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

TEST_F(SweepRun, SecondWriterIsRefusedWithTheHolder) {
  const OutputFolder holder((dir_ / "busy").string(), plan_.fingerprint);  // another run holds the folder
  try {
    run_plan(plan_, opts("busy"));
    FAIL() << "two runs wrote one folder";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("another memcarlo run (pid " + std::to_string(::getpid()) + " on "), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "busy/results.csv"));
}

TEST_F(SweepRun, SharedSeedsCompareOneDevicePopulation) {
  // A read-threshold sweep: the 2T2R bit error rate does not depend on the 1T1R threshold, so with seeds: shared
  // (one device population) it is identical at every point, while per-point seeds draw other devices.
  const std::string base =
      "workload: endurance\nseed: 8\ndevice:\n  preset: hfo2_1t1r\n  wear:\n    weibull_scale: 40\n"
      "endurance:\n  devices: 2000\n  cycles: 60\n  checkpoints: [60]\n"
      "sweep:\n  grid:\n    endurance.read_threshold: [\"5 uS\", \"10 uS\", \"20 uS\"]\n";
  const auto ber_2t2r = [&](const std::string& text, const std::string& out) {
    run_plan(parse_sweep(text, (dir_ / "crn.yaml").string()), opts(out));
    std::vector<std::string> col;
    const auto rows = lines(read(dir_ / out / "results.csv"));
    std::stringstream hs(rows[0]);
    std::size_t at = 0, i = 0;
    for (std::string c; std::getline(hs, c, ','); ++i)
      if (c == "ber_2t2r_last_interval") at = i;
    for (std::size_t r = 1; r < rows.size(); ++r) {
      std::stringstream rs(rows[r]);
      std::string c;
      for (std::size_t k = 0; k <= at; ++k) std::getline(rs, c, ',');
      col.push_back(c);
    }
    return col;
  };
  const auto shared = ber_2t2r(base + "  seeds: shared\n", "shared");
  ASSERT_EQ(shared.size(), 3u);
  EXPECT_NE(shared[0], "0");
  EXPECT_EQ(shared[0], shared[1]);
  EXPECT_EQ(shared[1], shared[2]);
  const auto own = ber_2t2r(base, "own");
  EXPECT_FALSE(own[0] == own[1] && own[1] == own[2]) << own[0];
}

TEST_F(SweepRun, ShardsMergeToTheSingleRun) {
  run_plan(plan_, opts("single"));
  for (int i = 0; i < 3; ++i) run_plan(plan_, opts("sub/shards/" + std::to_string(i), i, 3));
  EXPECT_EQ(print_status((dir_ / "sub").string()), 3);  // shards done, merge pending
  std::vector<std::string> shards;
  for (int i = 0; i < 3; ++i) shards.push_back((dir_ / "sub/shards" / std::to_string(i)).string());
  EXPECT_EQ(merge_folders(shards, (dir_ / "sub").string()), 0);
  EXPECT_EQ(print_status((dir_ / "sub").string()), 0);
  EXPECT_EQ(without_wall(dir_ / "sub/results.csv"), without_wall(dir_ / "single/results.csv"));
  EXPECT_EQ(read(point_dir((dir_ / "sub").string(), 4) + "/checkpoints.csv"),
            read(point_dir((dir_ / "single").string(), 4) + "/checkpoints.csv"));
}

TEST_F(SweepRun, RefusalsLeaveTheDiskAlone) {
  run_plan(plan_, opts("a"));
  const std::string before = read(dir_ / "a/results.csv");
  SweepPlan other = parse_sweep(std::string(kSweep).replace(std::string(kSweep).find("seed: 4"), 7, "seed: 5"), (dir_ / "s.yaml").string());
  EXPECT_THROW(run_plan(other, opts("a")), InputError);
  run_plan(other, opts("b"));
  EXPECT_THROW(merge_folders({(dir_ / "a").string(), (dir_ / "b").string()}, (dir_ / "m").string()), InputError);
  EXPECT_FALSE(fs::exists(dir_ / "m"));
  EXPECT_EQ(read(dir_ / "a/results.csv"), before);
}

TEST_F(SweepRun, ForeignFoldersAndShardMixingAreRefusedMergesKeepRows) {
  fs::create_directories(dir_ / "user");
  std::ofstream(dir_ / "user/results.csv") << "precious\n";
  EXPECT_THROW(run_plan(plan_, opts("user")), InputError);
  EXPECT_EQ(read(dir_ / "user/results.csv"), "precious\n");

  run_plan(plan_, opts("full"));
  EXPECT_THROW(run_plan(plan_, opts("full", 0, 2)), InputError);  // a shard into the whole run's folder
  for (int i = 0; i < 2; ++i) run_plan(plan_, opts("sh/" + std::to_string(i), i, 2));
  EXPECT_EQ(merge_folders({(dir_ / "sh/0").string()}, (dir_ / "m").string()), 1);  // half the points so far
  EXPECT_EQ(merge_folders({(dir_ / "sh/1").string()}, (dir_ / "m").string()), 0);  // the earlier rows are kept
  EXPECT_EQ(lines(read(dir_ / "m/results.csv")).size(), 7u);
  EXPECT_EQ(merge_folders({(dir_ / "sh/0").string()}, (dir_ / "full").string()), 0);  // never shrinks a full run
  EXPECT_EQ(lines(read(dir_ / "full/results.csv")).size(), 7u);
}

}  // namespace
}  // namespace mc
