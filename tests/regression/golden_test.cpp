// Golden-file regression: small scenarios run through the memcarlo binary; every output table is compared
// with tests/golden/<scenario>/ cell by cell (text exactly, numbers within 1e-4 relative: the tolerant
// variant, since -march=native builds may contract multiply-adds differently on another CPU). Wall times
// are skipped. Regenerate only with tools/update_golden.sh.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cells.push_back(c);
    rows.push_back(cells);
  }
  return rows;
}

bool close_enough(const std::string& a, const std::string& b) {
  if (a == b) return true;
  char* ea = nullptr;
  char* eb = nullptr;
  const double x = std::strtod(a.c_str(), &ea), y = std::strtod(b.c_str(), &eb);
  if (*ea || *eb || ea == a.c_str() || eb == b.c_str()) return false;
  if (std::isnan(x) && std::isnan(y)) return true;
  return std::fabs(x - y) <= 1e-4 * std::max(std::fabs(x), std::fabs(y)) + 1e-12;
}

void compare_folder(const std::string& name) {
  const fs::path golden = fs::path(MC_TEST_DATA) / "golden" / name;
  const fs::path out = fs::temp_directory_path() / ("memcarlo_regression_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(out);
  const std::string cmd = std::string(MC_BINARY) + " run " + (fs::path(MC_TEST_DATA) / "regression" / (name + ".yaml")).string() +
                          " --backend cpu --quiet --out " + out.string() + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  int files = 0;
  for (const auto& e : fs::directory_iterator(golden)) {
    if (e.path().extension() != ".csv") continue;
    ++files;
    const auto want = read_csv(e.path());
    const auto got = read_csv(out / e.path().filename());
    ASSERT_EQ(got.size(), want.size()) << e.path().filename();
    ASSERT_FALSE(want.empty());
    const auto& header = want[0];
    for (std::size_t r = 0; r < want.size(); ++r) {
      ASSERT_EQ(got[r].size(), want[r].size()) << e.path().filename() << " row " << r;
      for (std::size_t c = 0; c < want[r].size(); ++c) {
        if (r > 0 && header[c] == "wall_s") continue;
        EXPECT_TRUE(close_enough(got[r][c], want[r][c]))
            << e.path().filename() << " row " << r << " column " << header[c] << ": got " << got[r][c] << ", golden " << want[r][c];
      }
    }
  }
  EXPECT_GE(files, 2);
  EXPECT_TRUE(fs::exists(out / "manifest.json"));
  fs::remove_all(out);
}

TEST(Golden, EnduranceSmall) { compare_folder("endurance_small"); }
TEST(Golden, WriteVerifySmall) { compare_folder("write_verify_small"); }

}  // namespace
