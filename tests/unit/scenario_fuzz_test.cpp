// Hostile input (DESIGN.md, security): seeded byte-level mutations of every shipped scenario must either
// parse or raise InputError: never crash, hang or throw anything else.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "scenario/sweep.hpp"
#include "build_info.h"

namespace mc {
namespace {

TEST(ScenarioFuzz, MutatedScenariosParseOrFailCleanly) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> seeds;
  for (const char* dir : {"configs", "configs/scenarios", "tests/regression"}) {
    for (const auto& e : fs::directory_iterator(fs::path(MC_SOURCE_DIR) / dir)) {
      if (e.path().extension() != ".yaml") continue;
      std::ifstream in(e.path());
      std::stringstream s;
      s << in.rdbuf();
      // Large sweeps are valid seeds but each parse expands every point: keep the test fast with small ones.
      if (parse_sweep(s.str(), e.path().string()).points.size() > 20) continue;
      seeds.emplace_back(e.path().string(), s.str());
    }
  }
  ASSERT_FALSE(seeds.empty());
  const std::string alphabet = "\t\n :-[]{},'\"&*!|>#%@`?0123456789eE.uSAVpJs\x01\xff";
  std::mt19937 rng(20261123);
  int parsed = 0, rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const auto& [file, text] = seeds[trial % seeds.size()];
    std::string t = text;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !t.empty(); ++k) {
      const std::size_t at = rng() % t.size();
      switch (rng() % 3) {
        case 0: t[at] = alphabet[rng() % alphabet.size()]; break;          // replace
        case 1: t.insert(at, 1, alphabet[rng() % alphabet.size()]); break;  // insert
        default: t.erase(at, 1 + rng() % 8); break;                        // delete a run
      }
    }
    try {
      parse_sweep(t, file);
      ++parsed;
    } catch (const InputError&) {
      ++rejected;
    } catch (const std::exception& e) {
      FAIL() << "trial " << trial << " on " << file << " threw a non-input error: " << e.what() << "\n--- input ---\n" << t;
    }
  }
  EXPECT_GT(rejected, 1000);  // the mutations do reach the validator
  EXPECT_GT(parsed, 100);     // and some survive it (comments, whitespace)
}

}  // namespace
}  // namespace mc
