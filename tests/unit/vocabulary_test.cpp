// One vocabulary (docs/results.md): booleans true/false, one name per quantity (old spellings name the new
// one), integers as integers, units in column names, a standard error beside every rate, the shared results
// columns, per-command examples in --help, and citations of files that ship.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "io/csv.hpp"
#include "scenario/scenario.hpp"
#include "scenario/sweep.hpp"

namespace mc {
namespace {

namespace fs = std::filesystem;
const fs::path kRoot = fs::path(MC_TEST_DATA).parent_path();

std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, (kRoot / "configs/v.yaml").string());
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Vocabulary, BooleansAreTrueOrFalse) {
  EXPECT_NE(error_of("workload: bayes_machine\nbayes_machine:\n  lfsr: {maximal: no}\n").find("expected true or false, got 'no' (did you mean 'false'?"),
            std::string::npos);
  EXPECT_NE(error_of("workload: mcmc\nmcmc: {task: linear_regression, model: linear, bias: yes}\n").find("did you mean 'true'?"), std::string::npos);
  EXPECT_EQ(error_of("workload: bayes_machine\nbayes_machine:\n  lfsr: {maximal: false}\n"), "no error");
}

TEST(Vocabulary, OldSpellingsNameTheNewOne) {
  const std::string e = error_of("workload: mcmc\nmcmc: {age_cycles: 1e7}\n");
  EXPECT_NE(e.find("mcmc.age_cycles: 'age_cycles' was renamed: did you mean 'aging_cycles'?"), std::string::npos) << e;
  EXPECT_EQ(error_of("workload: mcmc\nmcmc: {task: linear_regression, model: linear, aging_cycles: 1e7}\n"), "no error");
}

TEST(Vocabulary, IntegersStayIntegersAndSweptColumnsCarryUnits) {
  const Scenario s = parse_scenario("endurance: {devices: 4e3, cycles: 60, compliance: 0.05 mA}\n", (kRoot / "configs/v.yaml").string());
  EXPECT_EQ(s.resolved["endurance.devices"].dump(), "4000");
  EXPECT_EQ(s.resolved["seed"].dump(), "1");
  EXPECT_EQ(column_header("endurance.compliance"), "endurance.compliance_uA");
  EXPECT_EQ(column_header("device.hrs.sigma_ln"), "device.hrs.sigma_ln");
  const SweepPlan p = parse_sweep("sweep:\n  points:\n    - {endurance.compliance: 20 uA}\n    - {endurance.compliance: 0.05 mA}\n"
                                  "    - {endurance.compliance: 70}\n",
                                  (kRoot / "configs/v.yaml").string());
  EXPECT_EQ(p.headers, std::vector<std::string>{"endurance.compliance_uA"});
  EXPECT_EQ(p.points[0].cells[0], "20");
  EXPECT_EQ(p.points[1].cells[0], "50");
  EXPECT_EQ(p.points[2].cells[0], "70");
}

TEST(Vocabulary, ResultsFollowTheSharedSchema) {
  // Every workload's golden results.csv: the shared columns, energies in pJ, booleans true/false, and a standard
  // error (or an error estimate) beside every rate.
  const std::regex rate("(^|_)(ber|fraction|accuracy|acceptance_rate|agreement_with_exact|ties)(_last_interval)?$");
  int checked = 0;
  for (const auto& e : fs::directory_iterator(kRoot / "tests/golden")) {
    const CsvFile t = read_csv((e.path() / "results.csv").string());
    ASSERT_GE(t.header.size(), 4u);
    EXPECT_EQ((std::vector<std::string>(t.header.begin(), t.header.begin() + 3)), (std::vector<std::string>{"point", "status", "seed"}))
        << t.path;
    EXPECT_EQ(t.header.back(), "error") << t.path;
    for (std::size_t c = 0; c < t.header.size(); ++c) {
      const std::string& h = t.header[c];
      if (h.find("energy") != std::string::npos) EXPECT_EQ(h.substr(h.size() - 3), "_pJ") << t.path << " " << h;
      for (const auto& row : t.rows) EXPECT_TRUE(row[c] != "yes" && row[c] != "no") << t.path << " " << h;
      if (std::regex_search(h, rate) && h != "ber") {  // bayes_machine's `ber` is an input, not an estimate
        const bool beside = t.column(h + "_se") < t.header.size() || t.column(h + "_err") < t.header.size();
        EXPECT_TRUE(beside) << t.path << ": rate " << h << " has no " << h << "_se";
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 10);
}

TEST(Vocabulary, EveryCommandHasExamples) {
  for (const char* cmd : {"run", "submit", "merge", "status", "validate", "compare", "devices", "bench", "schema"}) {
    const std::string line = std::string(MC_BINARY) + " " + cmd + " --help 2>&1";
    FILE* f = ::popen(line.c_str(), "r");
    ASSERT_NE(f, nullptr);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    ::pclose(f);
    EXPECT_NE(out.find("memcarlo " + std::string(cmd)), std::string::npos) << cmd << " --help has no example:\n" << out;
  }
}

TEST(Vocabulary, PresetsAndScenariosCiteOnlyWhatShips) {
  const std::regex cite("(docs/[A-Za-z0-9_-]+\\.md|[A-Z]+\\.md)");
  for (const char* dir : {"configs/devices", "configs/scenarios"})
    for (const auto& e : fs::directory_iterator(kRoot / dir)) {
      std::ifstream in(e.path());
      std::stringstream s;
      s << in.rdbuf();
      const std::string text = s.str();
      for (auto it = std::sregex_iterator(text.begin(), text.end(), cite); it != std::sregex_iterator(); ++it)
        EXPECT_TRUE(fs::exists(kRoot / it->str())) << e.path() << " cites " << it->str() << ", which is not in the project";
    }
}

}  // namespace
}  // namespace mc
