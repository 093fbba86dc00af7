// Data sets (host/data/dataset.hpp): the shipped CSVs in data/, the exact text of every rejected-input message,
// the seeded stratified split and z-score standardization.
#include "data/dataset.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario/error.hpp"
#include "build_info.h"

namespace mc {
namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(MC_SOURCE_DIR) + "/data/";

std::vector<int> class_counts(const Dataset& d) {
  std::vector<int> n(static_cast<std::size_t>(d.classes), 0);
  for (int k : d.y) ++n[static_cast<std::size_t>(k)];
  return n;
}

/// A scratch folder for one test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("mc_dataset_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

/// The message for loading `text` from t.csv, with the folder stripped ("t.csv:3:2: error: ..."), or "no error".
std::string error_of(const std::string& text, std::size_t max_features = 0) {
  TempDir dir;
  const std::string path = dir.write("t.csv", text);
  try {
    load_csv_dataset(path, max_features);
  } catch (const InputError& e) {
    const std::string msg = e.what();
    return msg.rfind(dir.str() + "/", 0) == 0 ? msg.substr(dir.str().size() + 1) : "unexpected path: " + msg;
  }
  return "no error";
}

// ---- the shipped data sets ----

TEST(DatasetShipped, BreastCancer) {
  const Dataset d = load_csv_dataset(kData + "breast_cancer.csv");
  EXPECT_EQ(d.rows, 569u);
  ASSERT_EQ(d.features.size(), 30u);
  EXPECT_EQ(d.x.size(), 569u * 30u);
  EXPECT_EQ(d.classes, 2);
  EXPECT_EQ(class_counts(d), (std::vector<int>{212, 357}));  // 0 = malignant, 1 = benign
  EXPECT_EQ(d.features.front(), "mean_radius");
  EXPECT_EQ(d.features.back(), "worst_fractal_dimension");
  EXPECT_FLOAT_EQ(d.x[0], 17.99f);  // first row of the UCI file, malignant
  EXPECT_FLOAT_EQ(d.x[29], 0.1189f);
  EXPECT_EQ(d.y[0], 0);
  EXPECT_NO_THROW(load_csv_dataset(kData + "breast_cancer.csv", 30));
}

TEST(DatasetShipped, Iris) {
  const Dataset d = load_csv_dataset(kData + "iris.csv");
  EXPECT_EQ(d.rows, 150u);
  EXPECT_EQ(d.features, (std::vector<std::string>{"sepal_length_cm", "sepal_width_cm", "petal_length_cm",
                                                  "petal_width_cm"}));
  EXPECT_EQ(d.classes, 3);
  EXPECT_EQ(class_counts(d), (std::vector<int>{50, 50, 50}));
  EXPECT_FLOAT_EQ(d.x[0], 5.1f);
  EXPECT_FLOAT_EQ(d.x[149 * 4 + 3], 1.8f);
}

TEST(DatasetShipped, Wine) {
  const Dataset d = load_csv_dataset(kData + "wine.csv");
  EXPECT_EQ(d.rows, 178u);
  ASSERT_EQ(d.features.size(), 13u);
  EXPECT_EQ(d.features[11], "od280_od315_of_diluted_wines");
  EXPECT_EQ(d.classes, 3);
  EXPECT_EQ(class_counts(d), (std::vector<int>{59, 71, 48}));
  EXPECT_FLOAT_EQ(d.x[12], 1065.0f);
}

TEST(DatasetShipped, Digits) {
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset d = load_csv_dataset(kData + "digits.csv");
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("load_ms", std::to_string(ms));
  std::printf("digits.csv loaded in %.2f ms\n", ms);
  EXPECT_LT(ms, 100.0);
  EXPECT_EQ(d.rows, 1797u);
  ASSERT_EQ(d.features.size(), 64u);
  EXPECT_EQ(d.features.front(), "pixel_0_0");
  EXPECT_EQ(d.features.back(), "pixel_7_7");
  EXPECT_EQ(d.classes, 10);
  EXPECT_EQ(class_counts(d), (std::vector<int>{178, 182, 177, 183, 181, 182, 181, 179, 174, 180}));
  for (float v : d.x) ASSERT_TRUE(v >= 0.0f && v <= 16.0f && v == std::floor(v)) << v;
}

TEST(DatasetLoad, AcceptsPaddingSignsExponentsCrlfBomAndTrailingBlankLines) {
  TempDir dir;
  const std::string path = dir.write("ok.csv",
                                     "\xEF\xBB\xBF a , b ,label\r\n"
                                     " +1.5 ,\t-2e-3,0\r\n"
                                     ".25,1E2, 01 \r\n"
                                     "3,1e-50,1\r\n"
                                     "\r\n\n  \n");
  const Dataset d = load_csv_dataset(path);
  EXPECT_EQ(d.file, path);
  EXPECT_EQ(d.features, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.rows, 3u);
  EXPECT_EQ(d.x, (std::vector<float>{1.5f, -2e-3f, 0.25f, 100.0f, 3.0f, 0.0f}));
  EXPECT_EQ(d.y, (std::vector<int>{0, 1, 1}));
  EXPECT_EQ(d.classes, 2);
}

// ---- rejected input: the exact message for each defect ----

TEST(DatasetErrors, MissingFile) {
  try {
    load_csv_dataset("/nonexistent/data.csv");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/data.csv: error: data set file not found (no such file)");
  }
  TempDir dir;  // a folder is not a data set file either
  EXPECT_THROW(load_csv_dataset(dir.str()), InputError);
}

TEST(DatasetErrors, FileLargerThan64MiB) {
  TempDir dir;
  const std::string path = dir.write("big.csv", "a,label\n");
  fs::resize_file(path, kMaxDatasetBytes + 1);  // sparse: nothing is written
  try {
    load_csv_dataset(path);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": error: data set file is larger than 64 MiB");
  }
}

TEST(DatasetErrors, EmptyOrHeaderOnly) {
  EXPECT_EQ(error_of(""), "t.csv: error: data set file is empty (expected a header row and data rows)");
  EXPECT_EQ(error_of("\n \r\n"), "t.csv: error: data set file is empty (expected a header row and data rows)");
  EXPECT_EQ(error_of("a,b,label\n"), "t.csv: error: data set has a header but no data rows");
}

TEST(DatasetErrors, Header) {
  EXPECT_EQ(error_of("label\n0\n1\n"),
            "t.csv:1:1: error: header needs at least one feature column and the label column");
  EXPECT_EQ(error_of("a,,label\n1,2,0\n"), "t.csv:1:2: error: empty column name in the header");
  EXPECT_EQ(error_of("a,b,a,label\n1,2,3,0\n"), "t.csv:1:3: error: a: duplicate column name (also column 1)");
  EXPECT_EQ(error_of(std::string(kMaxDatasetColumns, ',') + "\n"),
            "t.csv:1:1: error: header has 65537 columns, more than the limit of 65536");
}

TEST(DatasetErrors, RowWidth) {
  EXPECT_EQ(error_of("a,b,label\n1,2,0\n1,2\n"), "t.csv:3:1: error: row has 2 cells, the header has 3");
  EXPECT_EQ(error_of("a,b,label\n1,2,0,\n"), "t.csv:2:1: error: row has 4 cells, the header has 3");
  EXPECT_EQ(error_of("a,b,label\n1,2,0\n\n1,2,1\n"), "t.csv:3:1: error: empty line; the header has 3 columns");
}

TEST(DatasetErrors, MissingValues) {
  const std::string head = "a,b,label\n1,2,0\n";
  EXPECT_EQ(error_of(head + "1,,1\n"), "t.csv:3:2: error: b: missing value (empty cell)");
  EXPECT_EQ(error_of(head + "1, ,1\n"), "t.csv:3:2: error: b: missing value (empty cell)");
  EXPECT_EQ(error_of(head + "NA,2,1\n"), "t.csv:3:1: error: a: missing value \"NA\"");
  EXPECT_EQ(error_of(head + "1,NaN,1\n"), "t.csv:3:2: error: b: missing value \"NaN\"");
  EXPECT_EQ(error_of(head + "1,nan,1\n"), "t.csv:3:2: error: b: missing value \"nan\"");
  EXPECT_EQ(error_of(head + "1,-nan,1\n"), "t.csv:3:2: error: b: missing value \"-nan\"");
  EXPECT_EQ(error_of(head + "?,2,1\n"), "t.csv:3:1: error: a: missing value \"?\"");
  EXPECT_EQ(error_of(head + "1,2,\n"), "t.csv:3:3: error: label: missing value (empty cell)");
  EXPECT_EQ(error_of(head + "1,2,NA\n"), "t.csv:3:3: error: label: missing value \"NA\"");
}

TEST(DatasetErrors, NonNumeric) {
  const std::string head = "a,b,label\n1,2,0\n";
  EXPECT_EQ(error_of(head + "1,abc,1\n"), "t.csv:3:2: error: b: not a number: \"abc\"");
  EXPECT_EQ(error_of(head + "1,2x,1\n"), "t.csv:3:2: error: b: not a number: \"2x\"");
  EXPECT_EQ(error_of(head + "\"1\",2,1\n"), "t.csv:3:1: error: a: not a number: \"\"1\"\"");
  EXPECT_EQ(error_of(head + "0x10,2,1\n"), "t.csv:3:1: error: a: not a number: \"0x10\"");
  EXPECT_EQ(error_of(head + "1,2\t3,1\n"), "t.csv:3:2: error: b: not a number: \"2\\x093\"");
  EXPECT_EQ(error_of(head + std::string(50, '7') + "z,2,1\n"),
            "t.csv:3:1: error: a: not a number: \"" + std::string(40, '7') + "...\"");
}

TEST(DatasetErrors, NonFinite) {
  const std::string head = "a,b,label\n1,2,0\n";
  EXPECT_EQ(error_of(head + "inf,2,1\n"), "t.csv:3:1: error: a: not a finite number: \"inf\"");
  EXPECT_EQ(error_of(head + "1,-Infinity,1\n"), "t.csv:3:2: error: b: not a finite number: \"-Infinity\"");
  EXPECT_EQ(error_of(head + "1e999,2,1\n"), "t.csv:3:1: error: a: not a finite number: \"1e999\"");
  EXPECT_EQ(error_of(head + "1,-1e39,1\n"), "t.csv:3:2: error: b: not a finite number: \"-1e39\" (out of float range)");
}

TEST(DatasetErrors, BadLabels) {
  const std::string head = "a,b,label\n1,2,0\n";
  EXPECT_EQ(error_of(head + "1,2,1.5\n"), "t.csv:3:3: error: label: not a non-negative integer class id: \"1.5\"");
  EXPECT_EQ(error_of(head + "1,2,-1\n"), "t.csv:3:3: error: label: not a non-negative integer class id: \"-1\"");
  EXPECT_EQ(error_of(head + "1,2,+1\n"), "t.csv:3:3: error: label: not a non-negative integer class id: \"+1\"");
  EXPECT_EQ(error_of(head + "1,2,1.0\n"), "t.csv:3:3: error: label: not a non-negative integer class id: \"1.0\"");
  EXPECT_EQ(error_of(head + "1,2,cat\n"), "t.csv:3:3: error: label: not a non-negative integer class id: \"cat\"");
  EXPECT_EQ(error_of(head + "1,2,99999999999\n"), "t.csv:3:3: error: label: class id out of range: \"99999999999\"");
  EXPECT_EQ(error_of("a,diagnosis\n1,0\n2,x\n"),
            "t.csv:3:2: error: diagnosis: not a non-negative integer class id: \"x\"");
}

TEST(DatasetErrors, Classes) {
  EXPECT_EQ(error_of("a,label\n1,0\n2,0\n"), "t.csv: error: label: needs at least 2 classes, found only class 0");
  EXPECT_EQ(error_of("a,label\n1,3\n"), "t.csv: error: label: needs at least 2 classes, found only class 3");
  EXPECT_EQ(error_of("a,label\n1,0\n2,2\n"),
            "t.csv: error: label: class 1 has no rows (class ids must be 0..2, each with at least one row)");
  EXPECT_EQ(error_of("a,label\n1,1\n2,2\n"),
            "t.csv: error: label: class 0 has no rows (class ids must be 0..2, each with at least one row)");
  EXPECT_EQ(error_of("a,label\n1,0\n2,2000000000\n"),
            "t.csv: error: label: class 1 has no rows (class ids must be 0..2000000000, each with at least one row)");
}

TEST(DatasetErrors, MoreFeaturesThanTheModelDeclares) {
  std::string header, row;
  for (int j = 0; j < 31; ++j) header += "f" + std::to_string(j) + ",", row += "1,";
  const std::string text = header + "label\n" + row + "0\n" + row + "1\n";
  EXPECT_EQ(error_of(text, 30), "t.csv:1:1: error: has 31 features, the model declares at most 30");
  EXPECT_EQ(error_of(text, 31), "no error");
  EXPECT_EQ(error_of(text, 0), "no error");
}

TEST(DatasetErrors, MutatedFilesOnlyEverRaiseInputError) {
  std::ifstream in(kData + "iris.csv", std::ios::binary);
  const std::string base((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string alphabet = ",,,\n\r .-+eE0123456789naNA?x\t\"";
  std::mt19937 gen(7);
  TempDir dir;
  int rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string t = base.substr(0, 200 + gen() % 600);
    const int edits = 1 + static_cast<int>(gen() % 4);
    for (int e = 0; e < edits && !t.empty(); ++e) {
      const std::size_t at = gen() % t.size();
      switch (gen() % 3) {
        case 0:
          t[at] = alphabet[gen() % alphabet.size()];
          break;
        case 1:
          t.erase(at, 1 + gen() % 8);
          break;
        default:
          t.insert(at, 1, alphabet[gen() % alphabet.size()]);
          break;
      }
    }
    const std::string path = dir.write("f.csv", t);
    try {
      const Dataset d = load_csv_dataset(path);
      ASSERT_EQ(d.x.size(), d.rows * d.features.size());
      ASSERT_EQ(d.y.size(), d.rows);
      for (int k : d.y) ASSERT_TRUE(k >= 0 && k < d.classes);
      for (float v : d.x) ASSERT_TRUE(std::isfinite(v));
    } catch (const InputError& e) {
      ++rejected;
      ASSERT_EQ(std::string(e.what()).rfind(path, 0), 0u) << e.what();
    } catch (const std::exception& e) {
      FAIL() << "trial " << trial << " threw a non-input error: " << e.what() << "\n--- input ---\n" << t;
    }
  }
  EXPECT_GT(rejected, 100);
}

// ---- stratified split ----

TEST(DatasetSplit, StratifiedProportionsDisjointAndCovering) {
  for (const char* name : {"breast_cancer.csv", "iris.csv", "wine.csv", "digits.csv"}) {
    const Dataset d = load_csv_dataset(kData + name);
    const std::vector<int> n = class_counts(d);
    for (double f : {0.1, 0.2, 0.25, 1.0 / 3.0, 0.5}) {
      const Split s = stratified_split(d, f, 42);
      ASSERT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
      ASSERT_TRUE(std::is_sorted(s.test.begin(), s.test.end()));
      std::vector<std::size_t> all(s.train);
      all.insert(all.end(), s.test.begin(), s.test.end());
      std::sort(all.begin(), all.end());
      std::vector<std::size_t> expected(d.rows);
      std::iota(expected.begin(), expected.end(), std::size_t{0});
      ASSERT_EQ(all, expected) << name << " f=" << f;  // disjoint, covering every row once
      std::vector<int> in_test(n.size(), 0);
      for (std::size_t r : s.test) ++in_test[static_cast<std::size_t>(d.y[r])];
      for (std::size_t k = 0; k < n.size(); ++k) {
        EXPECT_LE(std::abs(in_test[k] - std::round(f * n[k])), 1.0) << name << " f=" << f << " class " << k;
      }
    }
  }
}

TEST(DatasetSplit, SameSeedSameSplitOtherSeedOtherSplit) {
  const Dataset d = load_csv_dataset(kData + "wine.csv");
  const Split a = stratified_split(d, 0.3, 1234), b = stratified_split(d, 0.3, 1234);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.test, b.test);
  const Split c = stratified_split(d, 0.3, 1235);
  EXPECT_EQ(c.test.size(), a.test.size());
  EXPECT_NE(c.test, a.test);
  // Depends on the labels, fraction and seed only: features do not matter.
  Dataset e = d;
  for (float& v : e.x) v = -v;
  e.file = "elsewhere.csv";
  EXPECT_EQ(stratified_split(e, 0.3, 1234).test, a.test);
}

TEST(DatasetSplit, EdgeFractionsAndSmallClasses) {
  Dataset d;
  d.features = {"a"};
  d.y = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2};  // class 2 has a single row
  d.rows = d.y.size();
  d.x.assign(d.rows, 0.0f);
  d.classes = 3;
  const Split none = stratified_split(d, 0.0, 5);
  EXPECT_TRUE(none.test.empty());
  EXPECT_EQ(none.train.size(), d.rows);
  const Split all = stratified_split(d, 1.0, 5);
  EXPECT_TRUE(all.train.empty());
  EXPECT_EQ(all.test.size(), d.rows);
  // 1 % of 2 rounds to 0: still one test row, and a lone row stays in train. 95 % of 2 (or of 10) rounds to all
  // of them: still one train row. A lone row follows round(f * 1).
  const Split low = stratified_split(d, 0.01, 5);
  std::vector<int> in_test(3, 0);
  for (std::size_t r : low.test) ++in_test[static_cast<std::size_t>(d.y[r])];
  EXPECT_EQ(in_test, (std::vector<int>{1, 1, 0}));
  const Split high = stratified_split(d, 0.95, 5);
  in_test.assign(3, 0);
  for (std::size_t r : high.test) ++in_test[static_cast<std::size_t>(d.y[r])];
  EXPECT_EQ(in_test, (std::vector<int>{1, 9, 1}));
  EXPECT_THROW(stratified_split(d, -0.1, 5), std::invalid_argument);
  EXPECT_THROW(stratified_split(d, 1.5, 5), std::invalid_argument);
  EXPECT_THROW(stratified_split(d, std::nan(""), 5), std::invalid_argument);
}

// ---- z-score ----

TEST(DatasetZscore, TrainStatisticsAppliedToEveryRow) {
  const Dataset raw = load_csv_dataset(kData + "breast_cancer.csv");
  Dataset d = raw;
  const Split s = stratified_split(d, 0.25, 9);
  zscore(d, s.train);
  const std::size_t p = d.features.size();
  for (std::size_t j = 0; j < p; ++j) {
    double sum = 0, sum2 = 0, raw_sum = 0, raw_sum2 = 0;
    for (std::size_t r : s.train) {
      sum += d.x[r * p + j], sum2 += double(d.x[r * p + j]) * d.x[r * p + j];
      raw_sum += raw.x[r * p + j], raw_sum2 += double(raw.x[r * p + j]) * raw.x[r * p + j];
    }
    const double n = static_cast<double>(s.train.size());
    const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
    EXPECT_NEAR(mean, 0.0, 1e-5) << d.features[j];
    EXPECT_NEAR(sd, 1.0, 1e-5) << d.features[j];
    // Test rows use the train mean and std, not their own.
    const double raw_mean = raw_sum / n, raw_sd = std::sqrt(raw_sum2 / n - raw_mean * raw_mean);
    for (std::size_t r : s.test) {
      const double want = (raw.x[r * p + j] - raw_mean) / raw_sd;
      ASSERT_NEAR(d.x[r * p + j], want, 1e-4 * std::max(1.0, std::fabs(want))) << d.features[j] << " row " << r;
    }
  }
}

TEST(DatasetZscore, ConstantFeatureIsCentredNotScaled) {
  Dataset d;
  d.features = {"c", "v"};
  d.rows = 4;
  d.x = {5, 1, 5, 3, 5, 5, 7, 100};  // c is constant (5) on rows 0..2
  d.y = {0, 1, 0, 1};
  d.classes = 2;
  zscore(d, {0, 1, 2});
  EXPECT_EQ(d.x[0], 0.0f);
  EXPECT_EQ(d.x[2], 0.0f);
  EXPECT_EQ(d.x[4], 0.0f);
  EXPECT_EQ(d.x[6], 2.0f);                 // 7 - 5, unscaled
  const double sd = std::sqrt(8.0 / 3.0);  // v on fit rows: 1, 3, 5 → mean 3
  EXPECT_FLOAT_EQ(d.x[1], static_cast<float>(-2 / sd));
  EXPECT_FLOAT_EQ(d.x[3], 0.0f);
  EXPECT_FLOAT_EQ(d.x[7], static_cast<float>(97 / sd));
  EXPECT_THROW(zscore(d, {}), std::invalid_argument);
  EXPECT_THROW(zscore(d, {4}), std::out_of_range);
}

}  // namespace
}  // namespace mc
