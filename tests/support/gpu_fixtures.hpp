// GPU-test plumbing shared by tests/gpu: skip when no CUDA device answers, fail instead when MC_REQUIRE_GPU=1
// (set it on a GPU machine so a missing or broken GPU cannot pass as a skip).
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#if defined(MC_HAVE_CUDA)
#include "common/gpu_info.hpp"
#endif

namespace mc::test {

inline bool gpu_required() {
  const char* e = std::getenv("MC_REQUIRE_GPU");
  return e != nullptr && std::string(e) == "1";
}

}  // namespace mc::test

#if defined(MC_HAVE_CUDA)
/// Declares `int gpu`, the first GPU; or GTEST_SKIP (a failure when MC_REQUIRE_GPU=1) when none answers.
#define MC_GPU_OR_SKIP(gpu)                                                                   \
  int gpu = -1;                                                                               \
  {                                                                                           \
    const std::vector<mc::GpuInfo> gpus = mc::cuda_devices();                                 \
    if (gpus.empty()) {                                                                       \
      if (mc::test::gpu_required()) FAIL() << "MC_REQUIRE_GPU=1 but no CUDA device answers";   \
      GTEST_SKIP() << "no CUDA device answers (set MC_REQUIRE_GPU=1 to make this a failure)"; \
    }                                                                                         \
    gpu = gpus.front().index;                                                                 \
  }
#endif
