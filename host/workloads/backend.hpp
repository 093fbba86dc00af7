// Which backend runs a workload: the CPU reference or a CUDA device (DESIGN.md decision 5).
#pragma once
#include <string>
#include <vector>

namespace mc {

struct Backend {
  enum Kind { kCpu, kCuda } kind = kCpu;
  int gpu = -1;             ///< CUDA device index
  int threads = 0;          ///< CPU threads (0 = all)
  std::string name;         ///< "cpu" | "cuda"
  std::string device;       ///< CPU or GPU model, for manifests
};

#if defined(MC_HAVE_CUDA)
struct GpuInfo;
/// The backend that runs on one detected GPU.
Backend gpu_backend(const GpuInfo& gpu);
#endif

/// InputError unless `requested` is auto, cpu or cuda.
void check_backend_name(const std::string& requested);

/// Resolve --backend auto|cpu|cuda. auto takes the first usable GPU that starts; cuda without one is an InputError.
Backend choose_backend(const std::string& requested, int threads);

/// False when the backend can no longer run anything (a GPU whose context failed); the CPU always can.
bool backend_healthy(const Backend& b);

/// Lines describing compiled backends, GPUs and CPU threads (for `memcarlo devices`).
std::vector<std::string> describe_devices();

/// The CPU model name from /proc/cpuinfo.
std::string cpu_model();

}  // namespace mc
