// Which GPUs a build can run on (kernels/common/gpu_info.hpp): plain C++, checked here without a GPU.
#include <gtest/gtest.h>

#include "common/gpu_info.hpp"

namespace {

TEST(CudaImageFits, DefaultBuildRunsAmpereHopperAndNewerButNotVoltaOrTuring) {
  std::string why;
  EXPECT_TRUE(mc::cuda_image_fits("80,90", 8, 0, &why));   // A100: SASS 80
  EXPECT_TRUE(mc::cuda_image_fits("80,90", 8, 6, &why));   // A40 / RTX 30: SASS 80 runs on 8.6
  EXPECT_TRUE(mc::cuda_image_fits("80,90", 9, 0, &why));   // H100/H200: SASS 90
  EXPECT_TRUE(mc::cuda_image_fits("80,90", 10, 0, &why));  // B200: JIT from PTX 90
  EXPECT_TRUE(mc::cuda_image_fits("80;90", 12, 0, &why));  // CMake's list separator too
  EXPECT_FALSE(mc::cuda_image_fits("80,90", 7, 5, &why));  // T4
  EXPECT_EQ(why, "no image for compute capability 7.5 in this build (80, 90); rebuild with CUDAARCHS=75 or -DCMAKE_CUDA_ARCHITECTURES=75");
  EXPECT_FALSE(mc::cuda_image_fits("80,90", 7, 0, &why));  // V100
}

TEST(CudaImageFits, RealAndVirtualSuffixes) {
  std::string why;
  EXPECT_TRUE(mc::cuda_image_fits("90-real", 9, 0, &why));
  EXPECT_FALSE(mc::cuda_image_fits("90-real", 10, 0, &why));  // SASS only: no PTX to JIT for a newer major
  EXPECT_FALSE(mc::cuda_image_fits("90-real", 8, 9, &why));
  EXPECT_TRUE(mc::cuda_image_fits("80-virtual", 9, 0, &why));
  EXPECT_FALSE(mc::cuda_image_fits("86-real", 8, 0, &why));  // SASS 8.6 does not run on 8.0
  EXPECT_FALSE(mc::cuda_image_fits("", 9, 0, &why));
}

}  // namespace
