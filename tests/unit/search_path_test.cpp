// One search order for presets and data files (host/scenario/search_path.hpp, docs/installing.md): the scenario's
// folder, then MC_PRESET_PATH / MC_DATA_PATH (colon-separated), then memcarlo's shipped files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "scenario/scenario.hpp"
#include "scenario/search_path.hpp"
#include "build_info.h"

namespace mc {
namespace {

namespace fs = std::filesystem;

class SearchPath : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mc_search_" + std::to_string(::getpid()));
    for (const char* d : {"scen", "p1", "p2", "d1", "d2", "scen/devices"}) fs::create_directories(dir_ / d);
    ::unsetenv("MC_PRESET_PATH");
    ::unsetenv("MC_DATA_PATH");
  }
  void TearDown() override {
    ::unsetenv("MC_PRESET_PATH");
    ::unsetenv("MC_DATA_PATH");
    fs::remove_all(dir_);
  }
  void preset(const fs::path& p, double k) { std::ofstream(p) << "lrs:\n  median_k: " << k << "\n"; }
  Scenario load(const std::string& text) { return parse_scenario(text, (dir_ / "scen" / "s.yaml").string()); }
  fs::path dir_;
};

TEST_F(SearchPath, TheBuildTreeUsesTheSourceTree) {
  // Test binaries run inside the build tree: their shipped files are the source tree's.
  EXPECT_EQ(shipped_root(), fs::path(MC_SOURCE_DIR));
  EXPECT_NE(shipped_root_description().find("source tree"), std::string::npos);
  EXPECT_EQ(without_leading_parents("../../data/iris.csv"), fs::path("data/iris.csv"));
  EXPECT_EQ(without_leading_parents("./x/../y.csv"), fs::path("x/../y.csv"));
}

TEST_F(SearchPath, PresetsScenarioFolderThenPresetPathThenShipped) {
  const std::string text = "workload: endurance\ndevice: {preset: mine}\n";
  EXPECT_THROW(load(text), InputError);
  // MC_PRESET_PATH: colon-separated, earlier folders first, empty entries skipped.
  preset(dir_ / "p2" / "mine.yaml", 2.0);
  ::setenv("MC_PRESET_PATH", ((dir_ / "p1").string() + "::" + (dir_ / "p2").string()).c_str(), 1);
  EXPECT_FLOAT_EQ(load(text).device.median_k, 2.0f);
  preset(dir_ / "p1" / "mine.yaml", 1.0);
  EXPECT_FLOAT_EQ(load(text).device.median_k, 1.0f);
  EXPECT_EQ(load(text).preset_file, (dir_ / "p1" / "mine.yaml").string());
  // The scenario's folder (its devices/) comes first.
  preset(dir_ / "scen" / "devices" / "mine.yaml", 3.0);
  EXPECT_FLOAT_EQ(load(text).device.median_k, 3.0f);
  // MC_PRESET_PATH comes before the shipped presets: a folder can shadow hfo2_1t1r.
  EXPECT_FLOAT_EQ(load("workload: endurance\ndevice: {preset: hfo2_1t1r}\n").device.median_k, 1.5f);
  preset(dir_ / "p2" / "hfo2_1t1r.yaml", 4.0);
  EXPECT_FLOAT_EQ(load("workload: endurance\ndevice: {preset: hfo2_1t1r}\n").device.median_k, 4.0f);
  // A .yaml path is relative to the scenario file.
  preset(dir_ / "scen" / "fitted.yaml", 5.0);
  EXPECT_FLOAT_EQ(load("workload: endurance\ndevice: {preset: fitted.yaml}\n").device.median_k, 5.0f);
  // The error lists presets from every folder searched.
  try {
    load("workload: endurance\ndevice: {preset: mien}\n");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("(did you mean 'mine'?)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(" tio2_passive"), std::string::npos) << e.what();
  }
}

TEST_F(SearchPath, DataFilesScenarioFolderThenDataPathThenShipped) {
  const auto data_of = [&](const std::string& file) {
    return load("workload: bayes_machine\nbayes_machine: {task: table, table: " + file + "}\n");
  };
  const std::string table = "class,observation,level,probability\n0,0,0,0.5\n0,0,1,0.5\n1,0,0,0.2\n1,0,1,0.8\n";
  // Under MC_DATA_PATH by the path without leading ../, or by its file name.
  std::ofstream(dir_ / "d2" / "t.csv") << table;
  ::setenv("MC_DATA_PATH", ((dir_ / "d1").string() + ":" + (dir_ / "d2").string()).c_str(), 1);
  EXPECT_NO_THROW(data_of("t.csv"));
  EXPECT_NO_THROW(data_of("../../tables/t.csv"));
  ::unsetenv("MC_DATA_PATH");
  try {
    data_of("t.csv");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), (dir_ / "scen" / "s.yaml").string() + ":2:37: error: bayes_machine.table: no such data file '" +
                                         (dir_ / "scen" / "t.csv").string() + "' (nor under MC_DATA_PATH or " + MC_SOURCE_DIR + ")");
  }
  // Shipped data: data/iris.csv and ../../data/iris.csv both reach the shipped data/, and so does the bare name.
  for (const std::string f : {"data/iris.csv", "../../data/iris.csv", "iris.csv"})
    EXPECT_NO_THROW(load("workload: bayes_machine\nbayes_machine: {task: csv, data: " + f + "}\n")) << f;
}

}  // namespace
}  // namespace mc
