// Golden-file regression: every small scenario tests/regression/<name>.yaml runs through the memcarlo binary;
// every output table is compared with tests/golden/<name>/ cell by cell (text exactly, numbers within 1e-4
// relative: the tolerant variant, since -march=native builds may contract multiply-adds differently on another
// CPU). Wall times and rates are skipped. Regenerate only with tools/update_golden.sh.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "io/csv.hpp"

namespace {

namespace fs = std::filesystem;

bool close_enough(const std::string& a, const std::string& b) {
  if (a == b) return true;
  char* ea = nullptr;
  char* eb = nullptr;
  const double x = std::strtod(a.c_str(), &ea), y = std::strtod(b.c_str(), &eb);
  if (*ea || *eb || ea == a.c_str() || eb == b.c_str()) return false;
  if (std::isnan(x) && std::isnan(y)) return true;
  return std::fabs(x - y) <= 1e-4 * std::max(std::fabs(x), std::fabs(y)) + 1e-12;
}

/// Columns that measure the machine, not the simulation.
bool timing_column(const std::string& h) {
  const auto ends = [&](const std::string& s) { return h.size() >= s.size() && h.compare(h.size() - s.size(), s.size(), s) == 0; };
  return h == "wall_s" || ends("_per_s") || ends("_per_second");
}

std::vector<std::string> regression_scenarios() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(fs::path(MC_TEST_DATA) / "regression"))
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, OutputsMatch) {
  const std::string name = GetParam();
  const fs::path golden = fs::path(MC_TEST_DATA) / "golden" / name;
  ASSERT_TRUE(fs::is_directory(golden)) << "no golden files for tests/regression/" << name << ".yaml: run tools/update_golden.sh";
  const fs::path out = fs::temp_directory_path() / ("memcarlo_regression_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(out);
  const std::string cmd = std::string(MC_BINARY) + " run " + (fs::path(MC_TEST_DATA) / "regression" / (name + ".yaml")).string() +
                          " --backend cpu --quiet --out " + out.string() + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  int files = 0;
  for (const auto& e : fs::directory_iterator(golden)) {
    if (e.path().extension() != ".csv") continue;
    ++files;
    const mc::CsvFile want = mc::read_csv(e.path().string());
    const mc::CsvFile got = mc::read_csv((out / e.path().filename()).string());
    ASSERT_EQ(got.header, want.header) << e.path().filename();
    ASSERT_EQ(got.rows.size(), want.rows.size()) << e.path().filename();
    for (std::size_t r = 0; r < want.rows.size(); ++r)
      for (std::size_t c = 0; c < want.header.size(); ++c) {
        if (timing_column(want.header[c])) continue;
        EXPECT_TRUE(close_enough(got.rows[r][c], want.rows[r][c]))
            << e.path().filename() << " row " << r + 1 << " column " << want.header[c] << ": got " << got.rows[r][c] << ", golden "
            << want.rows[r][c];
      }
  }
  EXPECT_GE(files, 2);
  EXPECT_TRUE(fs::exists(out / "manifest.json"));
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Regression, Golden, ::testing::ValuesIn(regression_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(Golden, EveryGoldenFolderHasItsScenario) {
  for (const auto& e : fs::directory_iterator(fs::path(MC_TEST_DATA) / "golden"))
    EXPECT_TRUE(fs::exists(fs::path(MC_TEST_DATA) / "regression" / (e.path().filename().string() + ".yaml")))
        << e.path() << " has no tests/regression scenario";
}

}  // namespace
