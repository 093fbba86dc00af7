// The mcmc workload's input checks: scenario keys that contradict each other and data sets with missing
// values, non-numeric cells, one class, or more features than the model declares are one InputError naming
// the file (and the row and column), before anything runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "scenario/error.hpp"
#include "scenario/scenario.hpp"
#include "workloads/mcmc/mcmc.hpp"

namespace mc {
namespace {

namespace fs = std::filesystem;

/// A scenario in a fresh folder beside a data file with the given text; returns the error message of
/// loading it and building its problem ("" when none).
std::string error_of(const std::string& csv, const std::string& extra = "") {
  const fs::path dir = fs::temp_directory_path() / ("mc_mcmc_unit_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "d.csv") << csv;
  std::ofstream(dir / "s.yaml") << "workload: mcmc\ndevice: {preset: hfo2_1t1r}\nmcmc:\n  data: d.csv\n  chains: 2\n  iterations: 100\n  thin: 5\n" + extra;
  std::string msg;
  try {
    make_mcmc_problem(load_scenario((dir / "s.yaml").string()));
  } catch (const InputError& e) {
    msg = e.what();
  }
  fs::remove_all(dir);
  return msg;
}

TEST(McmcScenario, GoodDataLoads) {
  EXPECT_EQ(error_of("a,b,label\n1,2,0\n2,3,1\n3,1,0\n4,4,1\n5,2,0\n6,1,1\n"), "");
}

TEST(McmcScenario, MissingValueNamesRowAndColumn) {
  const std::string m = error_of("a,b,label\n1,2,0\n2,,1\n3,1,0\n4,4,1\n");
  EXPECT_NE(m.find("d.csv:3:2"), std::string::npos) << m;
}

TEST(McmcScenario, NonNumericCellNamesRowAndColumn) {
  const std::string m = error_of("a,b,label\n1,2,0\n2,x7,1\n3,1,0\n");
  EXPECT_NE(m.find("d.csv:3:2"), std::string::npos) << m;
  EXPECT_NE(m.find("b"), std::string::npos) << m;
}

TEST(McmcScenario, SingleClassIsRefused) {
  const std::string m = error_of("a,b,label\n1,2,0\n2,3,0\n3,1,0\n");
  EXPECT_NE(m.find("d.csv"), std::string::npos) << m;
  EXPECT_NE(m.find("class"), std::string::npos) << m;
}

TEST(McmcScenario, MoreFeaturesThanDeclaredIsRefused) {
  const std::string m = error_of("a,b,c,label\n1,2,3,0\n2,3,4,1\n", "  features: 2\n");
  EXPECT_NE(m.find("d.csv"), std::string::npos) << m;
  EXPECT_NE(m.find("3 features"), std::string::npos) << m;
}

TEST(McmcScenario, ContradictionsAreOneError) {
  auto err = [](const std::string& text) {
    try {
      parse_scenario(text, "x.yaml");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(err("workload: mcmc\nmcmc: {task: csv}\n").find("mcmc.data"), std::string::npos);
  EXPECT_NE(err("workload: mcmc\nmcmc: {task: linear_regression, model: logistic}\n").find("mcmc.model"), std::string::npos);
  EXPECT_NE(err("workload: mcmc\nmcmc: {task: cartpole, data: x.csv}\n").find("mcmc.data"), std::string::npos);
  EXPECT_NE(err("workload: mcmc\nmcmc: {task: cartpole, model: linear, iterations: 10, thin: 5}\n").find("mcmc.thin"), std::string::npos);
  EXPECT_NE(err("workload: mcmc\nmcmc: {task: cartpole, model: linear, proposal: divice}\n").find("did you mean 'device'"), std::string::npos);
}

TEST(McmcScenario, ParameterLayout) {
  const Scenario s = parse_scenario("workload: mcmc\nmcmc: {task: illustrative_2d, model: mlp, hidden: 3}\n", "x.yaml");
  const McmcProblem pb = make_mcmc_problem(s);
  EXPECT_EQ(pb.params.features, 3);
  EXPECT_EQ(pb.params.params, 3 * 3 + 1 * 4);
  EXPECT_EQ(pb.params.devices, 2 * pb.params.params);
  EXPECT_EQ(pb.param_names.front(), "W1[0,x1]");
  EXPECT_EQ(pb.param_names.back(), "b2[0]");
}

}  // namespace
}  // namespace mc
