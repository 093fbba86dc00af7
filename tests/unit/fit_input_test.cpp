// memcarlo fit's measurements reader (host/fit/measurements.hpp): the format's variants, and the exact text of
// every rejected input, each one InputError naming file:line:column and the column.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iterator>
#include <sstream>

#include "fit/measurements.hpp"
#include "scenario/error.hpp"

namespace mc {
namespace {

namespace fs = std::filesystem;

class FitInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mc_fit_input_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& text) {
    const fs::path p = dir_ / "m.csv";
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  /// The error message from the file name on ("m.csv:...").
  std::string error_of(const std::string& text) {
    try {
      read_measurements(write(text));
    } catch (const InputError& e) {
      const std::string msg = e.what();
      return msg.substr(msg.find("m.csv"));
    }
    return "no error";
  }
  fs::path dir_;
};

const std::string kHead = "device,cycle,state,compliance_uA,conductance_uS\n";
const std::string kGood = "D1,1,LRS,20,30\nD1,2,LRS,20,31\nD2,1,LRS,20,29\nD2,2,LRS,20,33\n";

TEST_F(FitInput, ReadsUnitsResistancesQuotesAndLifetimes) {
  const Measurements m = read_measurements(write(
      "\xEF\xBB\xBF# a comment line\r\n"
      "wafer,device,cycle,state,compliance [mA],resistance_kOhm,read,cycles_to_failure,censored\r\n"
      "w1,\"D 1\",1,LRS,0.02,50,1,1e6,false\r\n"
      "w1,\"D 1\",1,LRS,0.02,40,2,,\r\n"
      "w1,\"D 1\",1,HRS,,500,1,,\r\n"
      "\r\n"
      "w1,D2,1,LRS,0.02,25,1,2e6,true\r\n"
      "w1,D2,2,LRS,0.02,20,1,2e6,true\r\n"
      "w1,D3,,,,,,5e5,0\r\n"));
  ASSERT_EQ(m.devices.size(), 3u);
  EXPECT_EQ(m.devices[0], "D 1");
  ASSERT_EQ(m.reads.size(), 5u);
  EXPECT_DOUBLE_EQ(m.reads[0].compliance, 20.0);  // 0.02 mA
  EXPECT_DOUBLE_EQ(m.reads[0].g, 20.0);           // 50 kOhm = 20 uS
  EXPECT_EQ(m.reads[1].repeat, 2);
  EXPECT_FALSE(m.reads[2].lrs);
  EXPECT_TRUE(std::isnan(m.reads[2].compliance));
  EXPECT_EQ(m.reads[0].line, 3);
  ASSERT_TRUE(m.lifetimes[1] && m.lifetimes[2]);
  EXPECT_TRUE(m.lifetimes[1]->censored);
  EXPECT_DOUBLE_EQ(m.lifetimes[2]->cycles, 5e5);
  EXPECT_EQ(m.ignored_columns, std::vector<std::string>{"wafer"});
  EXPECT_EQ(m.sha256.size(), 64u);
}

TEST_F(FitInput, Sha256) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string(1000, 'a')), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST_F(FitInput, EveryMistakeNamesFileLineColumnAndColumnName) {
  EXPECT_EQ(error_of(""), "m.csv:1:1: error: empty file: expected a header row (device,cycle,state,compliance_uA,conductance_uS,...)");
  EXPECT_EQ(error_of("device,cycle,state,conductance_uS\n" + std::string("D1,1,LRS,30\n")),
            "m.csv:1:1: error: compliance: missing column 'compliance' (the SET compliance current with its unit, e.g. "
            "compliance_uA); the header has: device cycle state conductance_uS");
  EXPECT_EQ(error_of("device,cycle,stat,compliance_uA,conductance_uS\n"),
            "m.csv:1:1: error: state: missing column 'state' (LRS or HRS); did you mean 'stat'?; the header has: device cycle stat "
            "compliance_uA conductance_uS");
  EXPECT_EQ(error_of("device,cycle,state,compliance,conductance_uS\n"),
            "m.csv:1:20: error: compliance: give the compliance's unit in the header, e.g. compliance_uA (units: A, mA, uA, nA)");
  EXPECT_EQ(error_of("device,cycle,state,compliance_uA,conductance_V\n"),
            "m.csv:1:34: error: conductance_V: give the conductance's unit in the header, e.g. conductance_uS (units: S, mS, uS, "
            "nS; or a resistance_kOhm column)");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,20,abc\n"), "m.csv:2:13: error: conductance_uS: expected a number, got 'abc'");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,20,30\nD1,2,LRS,20,-3\n"), "m.csv:3:13: error: conductance_uS: conductance must be positive, got '-3'");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,20,0\n"), "m.csv:2:13: error: conductance_uS: conductance must be positive, got '0'");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,20,nan\n"), "m.csv:2:13: error: conductance_uS: expected a number, got 'nan'");
  EXPECT_EQ(error_of(kHead + "D1,1,SET,20,30\n"), "m.csv:2:6: error: state: expected LRS or HRS, got 'SET'");
  EXPECT_EQ(error_of(kHead + "D1,1.5,LRS,20,30\n"), "m.csv:2:4: error: cycle: expected a cycle number (an integer >= 0), got '1.5'");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,,30\n"), "m.csv:2:10: error: compliance_uA: an LRS read needs its SET's compliance");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,-20,30\n"), "m.csv:2:10: error: compliance_uA: compliance must be positive, got '-20'");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,20\n"), "m.csv:2:12: error: conductance_uS: row has 4 cells, the header 5 (this column is missing)");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,20,30,7\n"), "m.csv:2:16: error: row has 6 cells, the header 5");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,20,30\nD1,1,LRS,20,31\n"),
            "m.csv:3:4: error: cycle: a second LRS read of device 'D1' at cycle 1 (first on line 2; give repeated reads of one state a "
            "'read' column: 1, 2, ...)");
  EXPECT_EQ(error_of(kHead + "\"D1,1,LRS,20,30\n"), "m.csv:2:1: error: unterminated quote (a cell opens with \" and never closes)");
  // Data that cannot be fitted.
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,20,30\nD1,2,LRS,20,31\n"),
            "m.csv:1:1: error: device: LRS reads of one device only ('D1'): splitting cycle-to-cycle from device-to-device "
            "variation needs at least 2 devices");
  EXPECT_EQ(error_of(kHead + "D1,1,HRS,,3\nD2,1,HRS,,2\n"),
            "m.csv:1:14: error: state: no LRS reads: the fit needs conductances read after SETs (state LRS) of at least 2 devices");
  EXPECT_EQ(error_of(kHead + "D1,1,LRS,20,30\nD2,1,LRS,20,31\n"),
            "m.csv:1:8: error: cycle: no device has LRS reads of 2 cycles at one compliance: the cycle-to-cycle spread needs repeated SETs");
  // Lifetimes.
  const std::string lh = "device,cycle,state,compliance_uA,conductance_uS,cycles_to_failure,censored\n";
  EXPECT_EQ(error_of(lh + "D1,1,LRS,20,30,1e6,false\nD1,2,LRS,20,31,2e6,false\n"),
            "m.csv:3:16: error: cycles_to_failure: device 'D1' already has a different lifetime on line 2 (one per device)");
  EXPECT_EQ(error_of(lh + "D1,1,LRS,20,30,1e6,maybe\n"), "m.csv:2:20: error: censored: expected true or false (or 1 or 0), got 'maybe'");
  EXPECT_EQ(error_of(lh + "D1,1,LRS,20,30,,true\n"), "m.csv:2:17: error: censored: 'censored' without cycles_to_failure on this row");
  EXPECT_EQ(error_of(lh + "D1,1,LRS,20,30,-5,false\n"), "m.csv:2:16: error: cycles_to_failure: cycles to failure must be positive, got '-5'");
  EXPECT_EQ(error_of("device,cycle,state,compliance_uA,conductance_uS,censored\n"),
            "m.csv:1:1: error: cycles_to_failure: missing column 'cycles_to_failure' (a 'censored' column qualifies cycles_to_failure); "
            "the header has: device cycle state compliance_uA conductance_uS censored");
  EXPECT_EQ(error_of("device,cycle,state,compliance_uA,conductance_uS,device\n"),
            "m.csv:1:49: error: device: column given twice (also column 1)");
  EXPECT_EQ(error_of(kGood), "m.csv:1:1: error: device: missing column 'device' (a device id per read); the header has: D1 1 LRS 20 30");
  EXPECT_EQ(error_of(kHead + kGood), "no error");
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The command: a bad file is one line on stderr and exit status 2, nothing written; a good one writes the preset
// (which loads) and the report; --simulate is deterministic for a seed.
TEST_F(FitInput, CommandLine) {
  const std::string bad = write(kHead + "D1,1,LRS,20,abc\n");
  const auto run = [&](const std::string& args) {
    const std::string cmd = std::string(MC_BINARY) + " fit " + args + " > " + (dir_ / "log").string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run(bad + " --out " + (dir_ / "p.yaml").string()), 2);
  EXPECT_EQ(slurp(dir_ / "log"), bad + ":2:13: error: conductance_uS: expected a number, got 'abc'\n");
  EXPECT_FALSE(fs::exists(dir_ / "p.yaml"));
  EXPECT_EQ(run(bad), 2);  // --out is required

  const std::string sim = (dir_ / "sim.csv").string(), sim2 = (dir_ / "sim2.csv").string();
  ASSERT_EQ(run("--simulate hfo2_1t1r --devices 40 --cycles 12 --compliance '50 uA,0.1 mA' --seed 9 --out " + sim), 0) << slurp(dir_ / "log");
  ASSERT_EQ(run("--simulate hfo2_1t1r --devices 40 --cycles 12 --compliance '50 uA,0.1 mA' --seed 9 --out " + sim2 + " --quiet"), 0);
  EXPECT_EQ(slurp(sim), slurp(sim2));
  EXPECT_EQ(slurp(sim).rfind("device,cycle,compliance_uA,state,read,conductance_uS,cycles_to_failure,censored\nD00001,1,50,LRS,1,", 0), 0u);
  ASSERT_EQ(run(sim + " --out " + (dir_ / "p.yaml").string()), 0) << slurp(dir_ / "log");
  const std::string log = slurp(dir_ / "log");
  EXPECT_NE(log.find("LRS median vs compliance"), std::string::npos) << log;
  EXPECT_NE(log.find("  why: "), std::string::npos) << log;
  EXPECT_NE(log.find("wear.weibull_scale"), std::string::npos) << log;
  EXPECT_NE(slurp(dir_ / "p.yaml").find("#   sha256:  " + sha256_hex(slurp(sim))), std::string::npos);
  EXPECT_EQ(slurp(dir_ / "p_fit_report.csv").rfind("section,series,chosen,compliance_uA,x,y,y_se\nmedian,data,", 0), 0u);
  // A preset by path, beside the scenario.
  std::ofstream(dir_ / "s.yaml") << "workload: endurance\ndevice: {preset: p.yaml}\nendurance: {devices: 10, cycles: 10}\n";
  const std::string cmd = std::string(MC_BINARY) + " validate " + (dir_ / "s.yaml").string() + " > " + (dir_ / "log").string() + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(dir_ / "log");
  // Forcing a law the data cannot identify is an input error.
  const std::string one = write(kHead + kGood);
  EXPECT_EQ(run(one + " --median-law power --out " + (dir_ / "q.yaml").string()), 2);
  EXPECT_EQ(slurp(dir_ / "log"), "fit: --median-law power: one compliance: the exponent needs 2\n");
}

}  // namespace
}  // namespace mc
