// `memcarlo fit`: the command (host/cli/main.cpp parses its options into FitArgs).
#pragma once
#include <cstdint>
#include <string>

namespace mc {

struct FitArgs {
  std::string measurements;     ///< the CSV to fit ("" with --simulate)
  std::string out;              ///< the preset to write (fit) or the CSV to write (--simulate)
  std::string report;           ///< data vs model CSV; default <out stem>_fit_report.csv beside the preset
  std::string median_law = "auto", sigma_law = "auto";
  // --simulate PRESET: write a simulated measurement campaign instead of fitting.
  std::string simulate;
  std::uint64_t devices = 1000, cycles = 100, repeat_cycles = 10;
  int repeats = 3;
  std::string compliance = "20 uA,50 uA,100 uA,200 uA";
  double lifetime_test = -1;    ///< cycles; < 0: the preset's Weibull scale; 0: no lifetime columns
  std::uint32_t seed = 1;
  bool quiet = false;
};

/// Fit and write the preset and report (exit status 0), or simulate measurements. InputError for bad input.
int cmd_fit(const FitArgs& args);

/// The report file written beside a preset: "dir/name.yaml" -> "dir/name_fit_report.csv".
std::string default_report_path(const std::string& preset_path);

}  // namespace mc
