// IDX files (host/data/idx.hpp): the committed Fashion-MNIST subset, the full Debian set when installed, and the
// message of every rejected file.
#include "data/idx.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scenario/error.hpp"
#include "build_info.h"

namespace mc {
namespace {

namespace fs = std::filesystem;

const std::string kSmall = std::string(MC_SOURCE_DIR) + "/data/fashion-mnist-small";

class IdxFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mc_idx_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  /// An uncompressed IDX file: magic bytes, big-endian dims, then `body`.
  std::string write(const std::string& name, std::vector<unsigned char> head, const std::vector<std::uint32_t>& dims,
                    std::size_t body, unsigned char fill = 1, const std::vector<unsigned char>& tail = {}) const {
    for (std::uint32_t d : dims)
      for (int s = 24; s >= 0; s -= 8) head.push_back(static_cast<unsigned char>(d >> s));
    head.insert(head.end(), body, fill);
    head.insert(head.end(), tail.begin(), tail.end());
    const std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(head.data()), static_cast<std::streamsize>(head.size()));
    return p;
  }
  std::string error_of(const std::string& images, const std::string& labels) const {
    try {
      load_idx_dataset(images, labels, "bnn.data");
    } catch (const InputError& e) {
      std::string m = e.what();
      const std::string prefix = dir_.string() + "/";
      for (std::size_t at; (at = m.find(prefix)) != std::string::npos;) m.erase(at, prefix.size());
      return m;
    }
    return "no error";
  }
  fs::path dir_;
};

TEST_F(IdxFiles, CommittedSubsetLoads) {
  const Dataset train = load_fashion_mnist("train", "k", kSmall);
  const Dataset test = load_fashion_mnist("test", "k", kSmall);
  EXPECT_EQ(train.rows, 2000u);
  EXPECT_EQ(test.rows, 500u);
  ASSERT_EQ(train.features.size(), 784u);
  EXPECT_EQ(train.features[29], "px_1_1");
  EXPECT_EQ(train.classes, 10);
  std::vector<int> n(10, 0);
  for (int y : train.y) ++n[static_cast<std::size_t>(y)];
  for (int k = 0; k < 10; ++k) EXPECT_EQ(n[static_cast<std::size_t>(k)], 200) << "class " << k;
  float lo = 1, hi = 0;
  for (float v : train.x) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
  EXPECT_EQ(fashion_mnist_classes().size(), 10u);
}

TEST_F(IdxFiles, FullDebianSetWhenInstalled) {
  if (!fs::exists(fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const Dataset test = load_fashion_mnist("test", "k");
  EXPECT_EQ(test.rows, 10000u);
  EXPECT_EQ(test.features.size(), 784u);
  EXPECT_EQ(test.classes, 10);
}

TEST_F(IdxFiles, AbsentSetNamesThePackage) {
  try {
    load_fashion_mnist("train", "bnn.data", dir_.string());
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("install the Debian package dataset-fashion-mnist"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bnn.data"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_fashion_mnist("validation", "k", kSmall), InputError);
}

TEST_F(IdxFiles, DefectsAreNamed) {
  const std::string labels = write("l", {0, 0, 8, 1}, {3}, 0, 0, {0, 1, 2});
  const std::string good = write("i", {0, 0, 8, 3}, {3, 2, 2}, 12);
  EXPECT_EQ(error_of(good, labels), "no error");
  EXPECT_EQ(error_of((dir_ / "none").string(), labels), "none: error: bnn.data: no such file");
  EXPECT_EQ(error_of(write("a", {1, 0, 8, 3}, {3, 2, 2}, 12), labels),
            "a: error: bnn.data: not an IDX file (the first two bytes are not zero)");
  EXPECT_EQ(error_of(write("b", {0, 0, 0x0d, 3}, {3, 2, 2}, 12), labels),
            "b: error: bnn.data: IDX type 0x0d is not supported (expected 0x08, unsigned bytes)");
  EXPECT_EQ(error_of(labels, labels), "l: error: bnn.data: IDX file of 1 dimensions, expected 3 (images)");
  EXPECT_EQ(error_of(write("c", {0, 0, 8, 3}, {3, 2, 2}, 11), labels),
            "c: error: bnn.data: truncated IDX file: 12 bytes expected at byte 16, 11 found");
  EXPECT_EQ(error_of(write("d", {0, 0, 8, 3}, {3, 2, 2}, 13), labels),
            "d: error: bnn.data: trailing bytes after the 28 bytes the header declares");
  EXPECT_EQ(error_of(write("e", {0, 0, 8, 3}, {4, 2, 2}, 16), labels), "l: error: bnn.data: 3 labels for the 4 images of e");
  EXPECT_EQ(error_of(good, write("f", {0, 0, 8, 1}, {3}, 3, 12)), "f: error: bnn.data: label 12 of item 0 is outside 0..9");
  EXPECT_EQ(error_of(good, write("g", {0, 0, 8, 1}, {3}, 3, 2)), "g: error: bnn.data: class 0 has no item (labels 0..2 are used)");
  EXPECT_EQ(error_of(write("h", {0, 0, 8, 3}, {0, 2, 2}, 0), labels), "h: error: bnn.data: dimension 1 is 0");
  fs::create_directories(dir_ / "sub");
  EXPECT_EQ(error_of(good, (dir_ / "sub").string() + "/"), "sub/: error: bnn.data: not a regular file");
}

}  // namespace
}  // namespace mc
