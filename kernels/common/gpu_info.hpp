// What the CUDA runtime says about the GPUs of this machine. Plain C++ (no CUDA headers), so host code can
// include it whether or not it is compiled by nvcc; implemented in kernels/cuda/devices.cu.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace mc {

#if defined(MC_HAVE_CUDA)
/// One CUDA device as the runtime reports it at detection time.
struct GpuInfo {
  int index;                ///< CUDA device ordinal (after CUDA_VISIBLE_DEVICES)
  std::string name;         ///< e.g. "NVIDIA H100 80GB HBM3"
  std::size_t total_bytes;  ///< global memory, bytes
  std::size_t free_bytes;   ///< free global memory at detection, bytes
  int sm_count;             ///< streaming multiprocessors
  int cc_major;             ///< compute capability, major
  int cc_minor;             ///< compute capability, minor
};

/// The GPUs that answer, in ordinal order. Never throws for a missing GPU: any CUDA runtime error during
/// detection (no driver, no device, driver too old, a device that fails to start) means "no GPU" and gives
/// an empty vector (DESIGN.md decision 5). Leaves the calling thread's current device as it found it.
std::vector<GpuInfo> cuda_devices();
#endif

}  // namespace mc
