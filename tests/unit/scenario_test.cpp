// Scenario parsing: units, defaults, presets, and the exact text of every rejected-input message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"
#include "scenario/sweep.hpp"
#include "scenario/units.hpp"
#include "workloads/endurance/endurance.hpp"
#include "build_info.h"

namespace mc {
namespace {

const std::string kFile = std::string(MC_SOURCE_DIR) + "/configs/test.yaml";  // presets resolve from configs/

std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, kFile);
  } catch (const InputError& e) {
    std::string msg = e.what();
    return msg.substr(msg.find("test.yaml"));
  }
  return "no error";
}

TEST(Units, ParsesEveryDimension) {
  std::string why;
  EXPECT_DOUBLE_EQ(*parse_quantity("50 uS", Dimension::kConductance, &why), 50.0);
  EXPECT_DOUBLE_EQ(*parse_quantity("50uS", Dimension::kConductance, &why), 50.0);
  EXPECT_DOUBLE_EQ(*parse_quantity("1 mS", Dimension::kConductance, &why), 1000.0);
  EXPECT_DOUBLE_EQ(*parse_quantity("10 kOhm", Dimension::kConductance, &why), 100.0);
  EXPECT_DOUBLE_EQ(*parse_quantity("100uA", Dimension::kCurrent, &why), 100.0);
  EXPECT_DOUBLE_EQ(*parse_quantity("0.2 mA", Dimension::kCurrent, &why), 200.0);
  EXPECT_DOUBLE_EQ(*parse_quantity("1.2 V", Dimension::kVoltage, &why), 1.2);
  EXPECT_DOUBLE_EQ(*parse_quantity("25 pJ", Dimension::kEnergy, &why), 25.0);
  EXPECT_DOUBLE_EQ(*parse_quantity("1 nJ", Dimension::kEnergy, &why), 1000.0);
  EXPECT_DOUBLE_EQ(*parse_quantity("100 ns", Dimension::kTime, &why), 1e-7);
  EXPECT_DOUBLE_EQ(*parse_quantity("1e7", Dimension::kNone, &why), 1e7);
  EXPECT_DOUBLE_EQ(*parse_quantity("  3 ", Dimension::kNone, &why), 3.0);
}

TEST(Units, RejectsMismatchesWithReasons) {
  std::string why;
  EXPECT_FALSE(parse_quantity("5 V", Dimension::kConductance, &why));
  EXPECT_EQ(why, "'5 V' is a voltage, expected a conductance (S, mS, uS, nS, or a resistance in Ohm, kOhm, MOhm)");
  EXPECT_FALSE(parse_quantity("5 furlongs", Dimension::kCurrent, &why));
  EXPECT_EQ(why, "unknown unit 'furlongs' in '5 furlongs' (a current takes A, mA, uA, nA)");
  EXPECT_FALSE(parse_quantity("abc", Dimension::kCurrent, &why));
  EXPECT_EQ(why, "'abc' is not a number");
  EXPECT_FALSE(parse_quantity("5 uS", Dimension::kNone, &why));
  EXPECT_FALSE(parse_quantity("0 Ohm", Dimension::kConductance, &why));
  EXPECT_FALSE(parse_quantity("nan", Dimension::kNone, &why));
}

TEST(Scenario, DefaultsPresetAndOverrides) {
  const Scenario s = parse_scenario(
      "workload: endurance\nseed: 9\ndevice:\n  preset: hfo2_1t1r\n  hrs:\n    median: 3 uS\n"
      "endurance:\n  devices: 1000\n  cycles: 1e4\n  compliance: 0.1 mA\n",
      kFile);
  EXPECT_EQ(s.seed, 9u);
  EXPECT_EQ(s.preset, "hfo2_1t1r");
  EXPECT_FLOAT_EQ(s.device.hrs_median, 3.0f);      // override
  EXPECT_FLOAT_EQ(s.device.hrs_sigma_ln, 0.6f);    // from the preset
  EXPECT_FLOAT_EQ(s.device.median_k, 1.5f);
  EXPECT_FLOAT_EQ(s.spec_as<mc::EnduranceSpec>().compliance, 100.0f);
  EXPECT_EQ(s.spec_as<mc::EnduranceSpec>().cycles, 10000u);
  EXPECT_EQ(s.spec_as<mc::EnduranceSpec>().checkpoints, (std::vector<std::uint64_t>{1, 2, 3, 6, 10, 18, 32, 56, 100, 178, 316, 562, 1000, 1778,
                                                                  3162, 5623, 10000}));
  EXPECT_EQ(s.resolved["device.hrs.median"], 3.0);
  EXPECT_EQ(s.name, "test");
}

TEST(Scenario, FingerprintIgnoresNameButNotValues) {
  const std::string base = "workload: endurance\nendurance:\n  devices: 100\n  cycles: 10\n";
  const Scenario a = parse_scenario("name: a\n" + base, kFile);
  const Scenario b = parse_scenario("name: b\n" + base, kFile);
  const Scenario c = parse_scenario("name: a\nseed: 2\n" + base, kFile);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
}

TEST(ScenarioErrors, ExactMessages) {
  const std::string w = "workload: endurance\n";
  EXPECT_EQ(error_of(w + "endurance:\n  cycles: -5\n"),
            "test.yaml:3:11: error: endurance.cycles: expected an integer in 1 .. 1e+14, got '-5'");
  EXPECT_EQ(error_of(w + "endurance:\n  compliance: \"5 V\"\n"),
            "test.yaml:3:15: error: endurance.compliance: '5 V' is a voltage, expected a current (A, mA, uA, nA)");
  EXPECT_EQ(error_of(w + "endurance:\n  devices: 10\n  devices: 20\n"),
            "test.yaml:4:3: error: endurance.devices: duplicate key (given twice in the same mapping)");
  EXPECT_EQ(error_of(w + "device:\n  preset: hfo2_1t1\n"),
            "test.yaml:3:11: error: device.preset: no device preset 'hfo2_1t1' (did you mean 'hfo2_1t1r'?); presets: "
            "hfo2_1t1r hfo2_2t2r_endurance hfo2_2t2r_energy hfo2_2t2r_typical tio2_passive");
  EXPECT_EQ(error_of(w + "endurance:\n\tdevices: 10\n"),
            "test.yaml:3:1: error: tab character in indentation (YAML indents with spaces)");
  EXPECT_EQ(error_of("workload: endurence\n"),
            "test.yaml:1:11: error: workload: expected one of endurance, write_verify, mcmc, bayes_machine, crossbar_mlp, bayes_nn, bnn, got 'endurence' (did you mean 'endurance'?)");
  EXPECT_EQ(error_of(w + "endurance:\n  devices: 11\n"),
            "test.yaml:3:12: error: endurance.devices: must be even: devices are simulated as 2T2R pairs, got 11");
  EXPECT_EQ(error_of(w + "seed: 1.5\n"), "test.yaml:2:7: error: seed: expected an integer, got '1.5'");
  EXPECT_EQ(error_of(w + "write_verify:\n  target: 50 uS\n"),
            "test.yaml:3:11: error: write_verify.target: this key belongs to workload 'write_verify' but the scenario's "
            "workload is 'endurance'");
  EXPECT_EQ(error_of(w + "device:\n  lrs:\n    median_kk: 1.5\n"),
            "test.yaml:4:5: error: device.lrs.median_kk: unknown key 'median_kk' (did you mean 'median_k'? allowed here: "
            "median_law, median_k, median_p, median_table, sigma_law, sigma_a, sigma_p, sigma_table, d2d_sigma_ln)");
  EXPECT_EQ(error_of(w + "endurance:\n  devices: [1, 2]\n"),
            "test.yaml:3:12: error: endurance.devices: expected an integer, got a list");
  EXPECT_EQ(error_of(w + "endurance:\n  cycles: 100\n  checkpoints: [10, 5]\n"),
            "test.yaml:4:16: error: endurance.checkpoints[1]: checkpoints must increase");
  EXPECT_EQ(error_of(w + "endurance:\n  cycles: 100\n  checkpoints: [10, 500]\n"),
            "test.yaml:4:16: error: endurance.checkpoints[1]: checkpoint 500 is beyond endurance.cycles = 100");
  EXPECT_EQ(error_of(w + "endurance:\n  compliance: 1000 uA\n"),
            "test.yaml:3:15: error: endurance.compliance: its median LRS conductance 1500 uS is above device.g_max");
  EXPECT_EQ(error_of(w + "device:\n  read:\n    noise: loud\n"),
            "test.yaml:4:12: error: device.read.noise: expected one of none, gaussian, laplace, got 'loud'");
  EXPECT_EQ(error_of(w + "device:\n  lrs:\n    median_law: table\n"),
            "test.yaml:4:17: error: device.lrs.median_table: median_law: table needs device.lrs.median_table");
  EXPECT_EQ(error_of(w + "device:\n  lrs:\n    median_law: table\n    median_table: [[10 uA, 20 uS], [5 uA, 30 uS]]\n"),
            "test.yaml:5:36: error: device.lrs.median_table[1]: x values must increase");
  EXPECT_EQ(error_of(w + "device:\n  hrs: 5\n"), "test.yaml:3:8: error: device.hrs: expected a mapping of keys, got '5'");
  EXPECT_EQ(error_of("- 1\n- 2\n"),
            "test.yaml:1:1: error: a scenario is a mapping of keys (workload:, device:, ...), got a list");
  EXPECT_EQ(error_of(w + "endurance: [1, 2\n"), "test.yaml:3:1: error: YAML syntax: end of sequence flow not found");
  EXPECT_EQ(error_of(w + "device:\n  g_min: 10 uS\n  g_max: 5 uS\n"), "test.yaml:4:10: error: device.g_max: must be above device.g_min");
}

TEST(ScenarioErrors, MissingFileAndHostileInput) {
  try {
    load_scenario("/nonexistent/scenario.yaml");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/scenario.yaml: error: scenario file not found (no such file)");
  }
  // Deep nesting, huge keys, anchors and binary junk give an InputError, never a crash.
  for (const std::string& junk : {std::string(5000, '['), std::string("a: &x [*x]\n"), std::string("\x01\x02\xff\xfe: 1\n"),
                                  std::string("workload: endurance\n") + std::string(100000, 'k') + ": 1\n", std::string("? [a]\n: 1\n")}) {
    EXPECT_THROW(parse_scenario(junk, kFile), InputError) << junk.substr(0, 40);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SchemaDocs, ShippedReferenceAndJsonSchemaAreCurrent) {
  EXPECT_EQ(read_file(std::string(MC_SOURCE_DIR) + "/docs/scenario-reference.md"), schema_markdown())
      << "regenerate: memcarlo schema --format markdown > docs/scenario-reference.md";
  EXPECT_EQ(read_file(std::string(MC_SOURCE_DIR) + "/configs/memcarlo.schema.json"), schema_json())
      << "regenerate: memcarlo schema --format json > configs/memcarlo.schema.json";
}

TEST(SchemaDocs, EveryShippedScenarioAndPresetLoads) {
  namespace fs = std::filesystem;
  int n = 0;
  for (const auto& dir : {"configs", "configs/scenarios"}) {
    for (const auto& e : fs::directory_iterator(fs::path(MC_SOURCE_DIR) / dir)) {
      if (e.path().extension() != ".yaml") continue;
      EXPECT_NO_THROW(load_sweep(e.path().string())) << e.path();
      ++n;
    }
  }
  for (const auto& e : fs::directory_iterator(fs::path(MC_SOURCE_DIR) / "configs/devices")) {
    const std::string text = "workload: endurance\ndevice:\n  preset: " + e.path().stem().string() + "\n";
    EXPECT_NO_THROW(parse_scenario(text, kFile)) << e.path();
  }
  EXPECT_GE(n, 4);
}

}  // namespace
}  // namespace mc

namespace mc {
namespace {
TEST(SchemaDocs, ShippedFilesValidateAgainstJsonSchema) {
  // The editor schema must accept everything memcarlo ships (tools/check_schema.py, python3-jsonschema).
  const std::string cmd = std::string("/usr/bin/python3 ") + MC_SOURCE_DIR + "/tools/check_schema.py";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}
}  // namespace
}  // namespace mc
