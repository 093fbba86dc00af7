// The workload registry (host/workloads/registry.cpp): every registered workload must come with what a user and
// the rest of memcarlo rely on. For each one:
//   - schema: every key lies in its own section, is documented, and appears in docs/scenario-reference.md;
//   - a shipped scenario under configs/scenarios/ that names it and loads;
//   - a golden regression case tests/regression/<name>_small.yaml with tests/golden/<name>_small/;
//   - compare rules that agree on two seeds of that case and flag the shift in tests/regression/shifted/;
//   - a plot script that runs on its output and draws a PNG.
// And no code outside the registry branches on a workload's name.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "compare/compare.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"
#include "scenario/sweep.hpp"
#include "workloads/backend.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = fs::path(MC_TEST_DATA).parent_path();

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Registry : public ::testing::TestWithParam<const mc::Workload*> {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() / ("memcarlo_registry_" + std::string(GetParam()->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }

  /// Runs a scenario quietly on the CPU into tmp_/<dir>.
  std::string run(const mc::Scenario& s, const std::string& dir) {
    const std::string out = (tmp_ / dir).string();
    mc::run_scenario(s, mc::choose_backend("cpu", 0), mc::RunOptions{out, true});
    return out;
  }

  fs::path tmp_;
};

TEST_P(Registry, KeysAreItsOwnAndDocumented) {
  const mc::Workload& w = *GetParam();
  const std::string reference = read_file(kRoot / "docs" / "scenario-reference.md");
  const auto keys = w.keys();
  ASSERT_FALSE(keys.empty());
  for (const mc::KeySpec& k : keys) {
    EXPECT_EQ(k.path.rfind(std::string(w.name()) + ".", 0), 0u) << k.path << " is outside section " << w.name();
    EXPECT_GE(k.doc.size(), 10u) << k.path << " has no documentation";
    EXPECT_NE(mc::find_key(k.path), nullptr) << k.path << " is not in the scenario schema";
    EXPECT_NE(reference.find("`" + k.path + "`"), std::string::npos) << k.path << " is missing from docs/scenario-reference.md";
  }
  EXPECT_GT(std::string(w.description()).size(), 5u);
  EXPECT_GT(std::string(w.work_unit()).size(), 2u);
}

TEST_P(Registry, ShipsAScenarioThatLoads) {
  const mc::Workload& w = *GetParam();
  int found = 0;
  for (const auto& e : fs::directory_iterator(kRoot / "configs" / "scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    if (!std::regex_search(read_file(e.path()), std::regex("(^|\n)workload: *" + std::string(w.name()) + "\\b"))) continue;
    const mc::SweepPlan plan = mc::load_sweep(e.path().string());
    EXPECT_EQ(plan.points.front().scenario.workload, w.name()) << e.path();
    ++found;
  }
  EXPECT_GE(found, 1) << "no scenario of workload " << w.name() << " under configs/scenarios/";
}

TEST_P(Registry, HasAGoldenCaseAndComparesAndPlots) {
  const mc::Workload& w = *GetParam();
  const std::string name = std::string(w.name()) + "_small";
  const fs::path scenario = fs::path(MC_TEST_DATA) / "regression" / (name + ".yaml");
  ASSERT_TRUE(fs::exists(scenario)) << "no golden regression case " << scenario;
  ASSERT_TRUE(fs::is_directory(fs::path(MC_TEST_DATA) / "golden" / name)) << "no golden files for " << name;
  mc::Scenario a = mc::load_scenario(scenario.string());
  ASSERT_EQ(a.workload, w.name());

  // Two seeds of one scenario agree.
  mc::Scenario b = a;
  a.seed = 1001, a.resolved["seed"] = a.seed;
  b.seed = 2002, b.resolved["seed"] = b.seed;
  const std::string da = run(a, "seed1001"), db = run(b, "seed2002");
  const mc::CompareReport same = mc::compare_folders(da, db);
  EXPECT_GE(same.rows.size(), 3u);
  EXPECT_TRUE(same.all_agree) << mc::format_report(same);

  // The shifted scenario (the case plus the one change in shifted/<name>.yaml, as a sweep point) is flagged.
  const fs::path shift_file = fs::path(MC_TEST_DATA) / "regression" / "shifted" / (name + ".yaml");
  ASSERT_TRUE(fs::exists(shift_file)) << "no shifted variant " << shift_file;
  std::string point;
  std::istringstream lines(read_file(shift_file));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#') point += (point.empty() ? "" : ", ") + line;
  const fs::path shifted_yaml = tmp_ / (name + "_shifted.yaml");
  std::ofstream(shifted_yaml) << read_file(scenario) << "\nsweep:\n  points:\n    - {" << point << "}\n";
  mc::Scenario c = mc::load_sweep(shifted_yaml.string()).points.front().scenario;
  c.seed = 3003, c.resolved["seed"] = c.seed;
  const mc::CompareReport shifted = mc::compare_folders(da, run(c, "shifted"));
  EXPECT_FALSE(shifted.all_agree) << "the compare rules of " << w.name() << " did not flag " << point << "\n"
                                  << mc::format_report(shifted);

  // The plot script runs on the output and draws.
  const fs::path script = kRoot / w.plot_script();
  ASSERT_TRUE(fs::exists(script)) << script;
  const std::string cmd = "MPLBACKEND=Agg /usr/bin/python3 '" + script.string() + "' '" + da + "' > '" + (tmp_ / "plot.log").string() + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << read_file(tmp_ / "plot.log");
  int pngs = 0;
  for (const auto& e : fs::directory_iterator(da)) pngs += e.path().extension() == ".png";
  EXPECT_GE(pngs, 1) << w.plot_script() << " wrote no PNG into " << da;
}

INSTANTIATE_TEST_SUITE_P(Workloads, Registry, ::testing::ValuesIn(mc::workloads()),
                         [](const ::testing::TestParamInfo<const mc::Workload*>& i) { return std::string(i.param->name()); });

TEST(RegistrySource, NoWorkloadNameBranchesOutsideTheRegistry) {
  // `workload == "..."` (or !=) anywhere in the sources means a layer that must be edited for each new workload.
  const std::regex branch(R"(workload\s*(\(\))?\s*[!=]=\s*")");
  for (const char* dir : {"host", "kernels", "tools"})
    for (const auto& e : fs::recursive_directory_iterator(kRoot / dir)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".cpp" && ext != ".hpp" && ext != ".cu" && ext != ".py") continue;
      if (e.path().filename() == "registry.cpp") continue;
      std::istringstream text(read_file(e.path()));
      int n = 0;
      for (std::string line; std::getline(text, line);) {
        ++n;
        EXPECT_FALSE(std::regex_search(line, branch)) << e.path().lexically_relative(kRoot).string() << ":" << n << ": " << line;
      }
    }
}

TEST(RegistrySource, UnknownWorkloadSuggestsARegisteredName) {
  try {
    mc::parse_scenario("workload: mcmcc\n", "test.yaml");
    FAIL() << "accepted an unknown workload";
  } catch (const mc::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'mcmc'?"), std::string::npos) << e.what();
    for (const std::string& n : mc::workload_names()) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

}  // namespace
