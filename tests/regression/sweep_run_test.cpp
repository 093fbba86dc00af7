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
  // Swept keys as numbers in the internal unit, the unit in the header; then the single-run schema.
  EXPECT_EQ(rows[0].substr(0, 62), "point,status,endurance.compliance_uA,device.hrs.sigma_ln,seed,");
  EXPECT_EQ(rows[3].substr(0, 12), "2,ok,40,0.5,");
  EXPECT_NE(rows[0].find(",failed_fraction,failed_fraction_se,"), std::string::npos) << rows[0];
  EXPECT_EQ(rows[0].substr(rows[0].size() - 6), ",error");
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

/// A table's column as text cells.
std::vector<std::string> column(const fs::path& file, const std::string& name) {
  const auto rows = lines(read(file));
  std::vector<std::string> out;
  std::size_t at = std::string::npos, i = 0;
  std::stringstream hs(rows.at(0));
  for (std::string c; std::getline(hs, c, ','); ++i)
    if (c == name) at = i;
  if (at == std::string::npos) return out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    std::stringstream rs(rows[r]);
    std::string c;
    for (std::size_t k = 0; k <= at; ++k) std::getline(rs, c, ',');
    out.push_back(c);
  }
  return out;
}

std::string grid(const std::string& compliances, const std::string& sigmas, const std::string& extra = "") {
  return "workload: endurance\nseed: 4\ndevice:\n  preset: hfo2_1t1r\n  wear:\n    weibull_scale: 300\n" + extra +
         "endurance:\n  devices: 400\n  cycles: 60\n  checkpoints: [10, 60]\n"
         "sweep:\n  grid:\n    endurance.compliance: [" + compliances + "]\n    device.hrs.sigma_ln: [" + sigmas + "]\n";
}

TEST_F(SweepRun, GrowsInPlaceRunningOnlyTheNewPoints) {
  // 2 x 2 points, then values added in the middle and at the end of both axes (spelled in other units too): the
  // four finished points keep their rows, files and seeds under their new indices; only the five new ones run.
  run_plan(parse_sweep(grid("\"20 uA\", \"60 uA\"", "0.5, 0.8"), (dir_ / "g.yaml").string()), opts("g"));
  const auto old_rows = lines(read(dir_ / "g/results.csv"));
  const std::string old_point3 = read(point_dir((dir_ / "g").string(), 3) + "/checkpoints.csv");  // 60 uA, 0.8
  const SweepPlan big = parse_sweep(grid("\"20 uA\", \"0.04 mA\", \"60 uA\"", "0.5, 0.8, 1.1"), (dir_ / "g.yaml").string());
  const ScheduleResult r = run_plan(big, opts("g"));
  EXPECT_EQ(r.grown_from, 4u);
  EXPECT_EQ(r.resumed, 4u);
  EXPECT_EQ(r.done, 9u);
  const auto rows = lines(read(dir_ / "g/results.csv"));
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(column(dir_ / "g/results.csv", "point"), (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8"}));
  EXPECT_EQ(column(dir_ / "g/results.csv", "endurance.compliance_uA"),
            (std::vector<std::string>{"20", "20", "20", "40", "40", "40", "60", "60", "60"}));
  // Old point k keeps its row (but for the index) under its new index: 0->0, 1->1, 2->6, 3->7.
  const std::size_t moved[] = {0, 1, 6, 7};
  for (std::size_t k = 0; k < 4; ++k) {
    const std::string before = old_rows[k + 1].substr(old_rows[k + 1].find(','));
    const std::string after = rows[moved[k] + 1].substr(rows[moved[k] + 1].find(','));
    EXPECT_EQ(after, before) << "old point " << k;
  }
  EXPECT_EQ(read(point_dir((dir_ / "g").string(), 7) + "/checkpoints.csv"), old_point3);
  // A fresh run of the grown sweep gives the same rows: seeds do not depend on the number of points.
  run_plan(big, opts("fresh"));
  EXPECT_EQ(without_wall(dir_ / "g/results.csv"), without_wall(dir_ / "fresh/results.csv"));
  // The manifest describes the grown sweep; rerunning it does nothing.
  EXPECT_NE(read(dir_ / "g/manifest.json").find("\"points_total\": 9"), std::string::npos);
  EXPECT_EQ(run_plan(big, opts("g")).resumed, 9u);
}

TEST_F(SweepRun, AnyOtherChangeIsRefusedNamingIt) {
  const std::string file = (dir_ / "g.yaml").string();
  run_plan(parse_sweep(grid("\"20 uA\", \"60 uA\"", "0.5, 0.8"), file), opts("g"));
  const std::string before = read(dir_ / "g/results.csv");
  const auto refused = [&](const std::string& text, const std::string& says) {
    try {
      run_plan(parse_sweep(text, file), opts("g"));
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
    EXPECT_EQ(read(dir_ / "g/results.csv"), before);
  };
  // A base key changed (and a point added): named with both values.
  refused(grid("\"20 uA\", \"40 uA\", \"60 uA\"", "0.5, 0.8", "  forming:\n    failure_fraction: 0.02\n"),
          "device.forming.failure_fraction: 0 -> 0.02");
  refused(grid("\"20 uA\"", "0.5, 0.8"), "point 2 (endurance.compliance_uA=60, device.hrs.sigma_ln=0.5) is not in this sweep");
  refused(grid("\"20 uA\", \"60 uA\"", "0.5, 0.8") + "  seeds: shared\n", "sweep.seeds changed");
  std::string other_seed = grid("\"20 uA\", \"60 uA\"", "0.5, 0.8");
  other_seed.replace(other_seed.find("seed: 4"), 7, "seed: 5");
  refused(other_seed, "seed changed (the folder's: 4; this sweep's: 5)");
  refused(grid("\"20 uA\", \"60 uA\"", "0.5, 0.8") + "    endurance.read_threshold: [\"10 uS\"]\n", "the swept keys changed");
}

TEST_F(SweepRun, WithoutPointFilesOnlyRowsAndManifestStay) {
  ScheduleOptions o = opts("lean");
  o.no_point_files = true;
  EXPECT_EQ(run_plan(plan_, o).done, 6u);
  EXPECT_FALSE(fs::exists(dir_ / "lean/points"));
  run_plan(plan_, opts("full"));
  EXPECT_EQ(without_wall(dir_ / "lean/results.csv"), without_wall(dir_ / "full/results.csv"));
  std::size_t lean = 0, full = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "lean"))
    if (e.is_regular_file()) lean += e.file_size();
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "full"))
    if (e.is_regular_file()) full += e.file_size();
  EXPECT_LT(lean * 10, full) << lean << " vs " << full << " bytes";
  // Resume and growth work from results.csv alone.
  EXPECT_EQ(run_plan(plan_, o).resumed, 6u);
  const SweepPlan big = parse_sweep(std::string(kSweep).replace(std::string(kSweep).find("0.5, 0.8"), 8, "0.5, 0.8, 1.1"),
                                    (dir_ / "s.yaml").string());
  const ScheduleResult r = run_plan(big, o);
  EXPECT_EQ(r.resumed, 6u);
  EXPECT_EQ(r.done, 9u);
  run_plan(big, opts("full"));
  EXPECT_EQ(without_wall(dir_ / "lean/results.csv"), without_wall(dir_ / "full/results.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "lean/points"));
}

TEST_F(SweepRun, ShardsOfAGrownSweepMergeIntoTheSmallerSweepsFolder) {
  // A resubmission of a grown sweep: the same shard folders rerun (only new points), and the merge renumbers the
  // folder's earlier rows and point folders into the grown sweep's order.
  const std::string file = (dir_ / "m.yaml").string();
  std::ofstream(file) << grid("\"20 uA\", \"60 uA\"", "0.5, 0.8");
  const auto shards_into = [&](const SweepPlan& plan) {
    std::vector<std::string> dirs;
    for (int i = 0; i < 2; ++i) {
      run_plan(plan, opts("sub/shards/" + std::to_string(i), i, 2));
      dirs.push_back((dir_ / "sub/shards" / std::to_string(i)).string());
    }
    return merge_folders(dirs, (dir_ / "sub").string());
  };
  EXPECT_EQ(shards_into(load_sweep(file)), 0);
  std::ofstream(file) << grid("\"20 uA\", \"40 uA\", \"60 uA\"", "0.5, 0.8");
  const SweepPlan big = load_sweep(file);
  EXPECT_EQ(shards_into(big), 0);
  run_plan(big, opts("single"));
  EXPECT_EQ(without_wall(dir_ / "sub/results.csv"), without_wall(dir_ / "single/results.csv"));
  for (int k = 0; k < 6; ++k)
    EXPECT_EQ(read(point_dir((dir_ / "sub").string(), k) + "/checkpoints.csv"), read(point_dir((dir_ / "single").string(), k) + "/checkpoints.csv")) << k;
  EXPECT_EQ(print_status((dir_ / "sub").string()), 0);
}

TEST_F(SweepRun, SubmitSnapshotKeepsQueuedJobsFromLaterEdits) {
  // A scenario with its own preset beside it and a data file one folder up: the snapshot holds all three at the
  // same relative places and resolves to the same sweep after the originals are edited or broken.
  fs::create_directories(dir_ / "proj/cfg/devices");
  fs::create_directories(dir_ / "proj/data");
  fs::copy_file(fs::path(MC_TEST_DATA) / "../data/iris.csv", dir_ / "proj/data/iris.csv");
  std::ofstream(dir_ / "proj/cfg/devices/mine.yaml") << "lrs:\n  median_k: 2\n";
  const std::string scenario = (dir_ / "proj/cfg/s.yaml").string();
  std::ofstream(scenario) << "workload: mcmc\ndevice:\n  preset: mine\n"
                             "mcmc: {task: csv, data: ../data/iris.csv, model: logistic, iterations: 400}\n"
                             "sweep:\n  grid:\n    mcmc.chains: [4, 8]\n";
  const SweepPlan plan = load_sweep(scenario);
  const std::string snap = snapshot_scenario(scenario, plan, (dir_ / "snap").string());
  EXPECT_EQ(snap, (dir_ / "snap/cfg/s.yaml").string());
  std::ofstream(dir_ / "proj/cfg/devices/mine.yaml") << "lrs:\n  median_k: 3\n";
  std::ofstream(dir_ / "proj/data/iris.csv") << "edited\n";
  EXPECT_NE(load_sweep(scenario).fingerprint, plan.fingerprint);  // the edit changes what the original resolves to
  std::ofstream(scenario) << "workload: nonsense\n";
  EXPECT_THROW(load_sweep(scenario), InputError);
  EXPECT_EQ(load_sweep(snap).fingerprint, plan.fingerprint);
  EXPECT_EQ(read(dir_ / "snap/data/iris.csv"), read(fs::path(MC_TEST_DATA) / "../data/iris.csv"));
  EXPECT_EQ(read(dir_ / "snap/cfg/devices/mine.yaml"), "lrs:\n  median_k: 2\n");
}

TEST_F(SweepRun, SubmitSnapshotCopiesDataFolders) {
  // bayes_nn.fashion_dir names a folder of IDX files one folder up: the snapshot copies it whole, so the queued
  // jobs still find it after the original is removed.
  fs::create_directories(dir_ / "fm/cfg");
  fs::copy(fs::path(MC_TEST_DATA) / "../data/fashion-mnist-small", dir_ / "fm/images", fs::copy_options::recursive);
  const std::string scenario = (dir_ / "fm/cfg/s.yaml").string();
  std::ofstream(scenario) << "workload: bayes_nn\nbayes_nn:\n  data: fashion_mnist\n  fashion_dir: ../images\n"
                             "sweep:\n  grid:\n    bayes_nn.samples: [5, 10]\n";
  const SweepPlan plan = load_sweep(scenario);
  const std::string snap = snapshot_scenario(scenario, plan, (dir_ / "fmsnap").string());
  EXPECT_EQ(snap, (dir_ / "fmsnap/cfg/s.yaml").string());
  fs::remove_all(dir_ / "fm/images");
  EXPECT_THROW(load_sweep(scenario), InputError);  // the original no longer finds its folder
  EXPECT_EQ(load_sweep(snap).fingerprint, plan.fingerprint);
  for (const auto& f : fs::directory_iterator(fs::path(MC_TEST_DATA) / "../data/fashion-mnist-small"))
    EXPECT_EQ(read(dir_ / "fmsnap/images" / f.path().filename()), read(f.path())) << f.path();
}

}  // namespace
}  // namespace mc
