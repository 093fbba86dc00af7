// bayes_machine bad input (issue 4): wrong table or data set shape, probabilities outside [0, 1], B outside
// 1..16, degenerate LFSRs. Each is one InputError naming file:line:column; the CLI exits 2 and writes nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "scenario/error.hpp"
#include "scenario/scenario.hpp"
#include "scenario/search_path.hpp"
#include "workloads/bayes_machine/bayes_machine.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mc;

class BayesInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mc_bayes_input_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  std::string error_of(const std::string& yaml) {
    try {
      parse_scenario(yaml, (dir_ / "s.yaml").string());
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  }
  fs::path dir_;
};

const char* kGoodTable =
    "class,observation,level,probability\n"
    "0,0,0,0.25\n0,0,1,0.75\n1,0,0,0.5\n1,0,1,0.5\n";

TEST_F(BayesInput, GoodTableLoads) {
  write("t.csv", kGoodTable);
  const Scenario s = parse_scenario("workload: bayes_machine\nbayes_machine: {task: table, table: t.csv}\n", (dir_ / "s.yaml").string());
  EXPECT_EQ(s.spec_as<mc::BayesMachineSpec>().table_file, (dir_ / "t.csv").string());
  EXPECT_EQ(s.spec_as<mc::BayesMachineSpec>().samples, 2000u);
}

TEST_F(BayesInput, TableProbabilityOutsideUnitInterval) {
  write("t.csv", "class,observation,level,probability\n0,0,0,1.5\n0,0,1,-0.5\n1,0,0,0.5\n1,0,1,0.5\n");
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine: {task: table, table: t.csv}\n"),
            (dir_ / "t.csv").string() + ":2:4: error: probability: expected a number in [0, 1], got \"1.5\"");
}

TEST_F(BayesInput, TableWrongShape) {
  write("t.csv", "class,observation,level,probability\n0,0,0,0.25\n0,0,1,0.75\n1,0,0,1\n");
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine: {task: table, table: t.csv}\n"),
            (dir_ / "t.csv").string() + ":4:1: error: wrong shape: 2 classes x 1 observations x 2 levels, but (class 1, observation 0, level 1) is missing");
  write("t.csv", "class,observation,level,probability\n0,0,0,0.25,9\n");
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine: {task: table, table: t.csv}\n"),
            (dir_ / "t.csv").string() + ":2:5: error: expected 4 cells (class,observation,level,probability), got 5");
  write("t.csv", "class,observation,level,probability\n0,0,0,0.25\n0,0,1,0.7\n1,0,0,0.5\n1,0,1,0.5\n");
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine: {task: table, table: t.csv}\n"),
            (dir_ / "t.csv").string() + ":2:4: error: probability: the levels of (class 0, observation 0) sum to 0.950000, expected 1");
}

TEST_F(BayesInput, DataSetWrongShape) {
  write("d.csv", "a,b,label\n1,2,0\n3,4,1\n5,0\n");
  const std::string e = error_of("workload: bayes_machine\nbayes_machine: {task: csv, data: d.csv}\n");
  EXPECT_EQ(e.rfind((dir_ / "d.csv").string() + ":4:", 0), 0u) << e;
}

TEST_F(BayesInput, MissingFileNamesIt) {
  const std::string e = error_of("workload: bayes_machine\nbayes_machine: {task: csv, data: nothere.csv}\n");
  EXPECT_NE(e.find("nothere.csv"), std::string::npos) << e;
}

TEST_F(BayesInput, BitsOutsideOneToSixteen) {
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine:\n  bits: 17\n"),
            (dir_ / "s.yaml").string() + ":3:9: error: bayes_machine.bits: expected an integer in 1 .. 16, got '17'");
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine:\n  bits: 0\n"),
            (dir_ / "s.yaml").string() + ":3:9: error: bayes_machine.bits: expected an integer in 1 .. 16, got '0'");
}

TEST_F(BayesInput, RereadNamesItsChoices) {
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine:\n  storage: {errors: ber, reread: yes}\n"),
            (dir_ / "s.yaml").string() + ":3:34: error: bayes_machine.storage.reread: expected one of chip, inference, cycle, got 'yes'");
  const Scenario s = parse_scenario("workload: bayes_machine\nbayes_machine:\n  storage: {errors: ber, reread: cycle}\n", (dir_ / "s.yaml").string());
  EXPECT_EQ(s.spec_as<mc::BayesMachineSpec>().reread, StorageReread::kCycle);
}

TEST_F(BayesInput, DegenerateLfsr) {
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine:\n  lfsr: {seeding: fixed, seed: 0}\n"),
            (dir_ / "s.yaml").string() + ":3:32: error: bayes_machine.lfsr.seed: degenerate LFSR: an all-zero seed never leaves state 0");
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine:\n  lfsr: {taps: 1}\n"),
            (dir_ / "s.yaml").string() + ":3:16: error: bayes_machine.lfsr.taps: degenerate LFSR: taps 1 are not maximal-length for B = 8 "
                                         "(period 8, expected 255); use 0 for the default taps 29 or set lfsr.maximal: false");
  EXPECT_NO_THROW(parse_scenario("workload: bayes_machine\nbayes_machine:\n  lfsr: {taps: 1, maximal: false}\n", (dir_ / "s.yaml").string()));
}

TEST_F(BayesInput, KeysOfAnotherWorkloadAreRefused) {
  const std::string e = error_of("workload: endurance\nbayes_machine: {bits: 8}\n");
  EXPECT_NE(e.find("belongs to workload 'bayes_machine'"), std::string::npos) << e;
}

TEST_F(BayesInput, CliExitsTwoAndWritesNothing) {
  write("t.csv", "class,observation,level,probability\n0,0,0,2\n");
  const std::string scen = write("s.yaml", "workload: bayes_machine\nbayes_machine: {task: table, table: t.csv}\n");
  const std::string out = (dir_ / "out").string();
  const std::string cmd = std::string(MC_BINARY) + " run " + scen + " --out " + out + " --quiet > " + (dir_ / "log").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  EXPECT_FALSE(fs::exists(out));
  std::ifstream in(dir_ / "log");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, (dir_ / "t.csv").string() + ":2:4: error: probability: expected a number in [0, 1], got \"2\"\n");
}

}  // namespace

namespace {

// One data-file resolver for every workload: a missing file is an error at the key, with its line and column, and
// says where else it looked (docs/installing.md).
TEST_F(BayesInput, MissingDataFileNamesTheKey) {
  const std::string kShipped = shipped_root().string();
  const std::string s = (dir_ / "s.yaml").string();
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine:\n  task: csv\n  data: nowhere.csv\n"),
            s + ":4:9: error: bayes_machine.data: no such data file '" + (dir_ / "nowhere.csv").string() + "' (nor under MC_DATA_PATH or " + kShipped + ")");
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine: {task: table, table: gone.csv}\n"),
            s + ":2:37: error: bayes_machine.table: no such data file '" + (dir_ / "gone.csv").string() + "' (nor under MC_DATA_PATH or " + kShipped + ")");
  EXPECT_EQ(error_of("workload: mcmc\nmcmc:\n  data: nowhere.csv\n"),
            s + ":3:9: error: mcmc.data: no such data file '" + (dir_ / "nowhere.csv").string() + "' (nor under MC_DATA_PATH or " + kShipped + ")");
}

}  // namespace
