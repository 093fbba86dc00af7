// What the CUDA runtime says about the GPUs of this machine. Plain C++ (no CUDA headers), so host code can
// include it whether or not it is compiled by nvcc; implemented in kernels/cuda/devices.cu.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <string>
#include <vector>

namespace mc {

/// Whether a build for `archs` (CMake's CUDA_ARCHITECTURES joined by ',' or ';': "80", "90-real",
/// "100-virtual"; no suffix means both) can run on a GPU of compute capability major.minor: a real (SASS) image
/// of the same major and a minor not above the GPU's, or a virtual (PTX) image the driver compiles for any GPU of
/// that capability or newer. Plain C++ so the CPU tests check it; `why` says what is missing.
inline bool cuda_image_fits(const std::string& archs, int major, int minor, std::string* why) {
  const int cc = major * 10 + minor;
  std::string list;
  std::size_t i = 0;
  while (i <= archs.size()) {
    const std::size_t j = archs.find_first_of(",;", i);
    const std::string a = archs.substr(i, j == std::string::npos ? std::string::npos : j - i);
    i = j == std::string::npos ? archs.size() + 1 : j + 1;
    if (a.empty()) continue;
    list += (list.empty() ? "" : ", ") + a;
    const int arch = std::atoi(a.c_str());
    const bool real = a.find("-virtual") == std::string::npos, virt = a.find("-real") == std::string::npos;
    if (real && arch / 10 == major && arch % 10 <= minor) return true;
    if (virt && arch <= cc) return true;
  }
  if (why) *why = "no image for compute capability " + std::to_string(major) + "." + std::to_string(minor) + " in this build (" + list +
                  "); rebuild with CUDAARCHS=" + std::to_string(cc) + " or -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(cc);
  return false;
}

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
  bool usable = true;       ///< this build has an image for it and its properties could be read
  std::string reason;       ///< why not, when not usable
};

/// Every visible GPU, usable or not (with the reason), in ordinal order, read from its properties only: listing
/// starts no context on any GPU (another job's GPU in exclusive mode stays untouched). free_bytes is 0 here.
/// Never throws: any CUDA runtime error means no GPU (DESIGN.md decision 5).
std::vector<GpuInfo> cuda_device_report();

/// The usable GPUs of cuda_device_report(), each checked by starting its context (a GPU that cannot start one,
/// e.g. taken in exclusive mode or fallen off the bus, is left out on its own, the others stay), with free
/// memory filled in; at most `max_count` (probing stops there: `auto` starts one context, not one per GPU).
/// Leaves the calling thread's current device as it found it.
std::vector<GpuInfo> cuda_devices(std::size_t max_count = static_cast<std::size_t>(-1));

/// Driver and runtime versions, e.g. "driver 13.0, runtime 13.0" (or why they are unknown).
std::string cuda_versions();

/// False when the GPU's context has failed (a sticky error: every later call on it would fail too).
bool cuda_device_healthy(int index);
#endif

}  // namespace mc
