// GPU detection for `--backend auto`, `memcarlo devices` and the manifest (DESIGN.md decision 5): any CUDA runtime
// error while looking means "no GPU" (or "not this GPU"), never an exception or an abort.
#include <cuda_runtime.h>

#include "common/gpu_info.hpp"

namespace mc {

namespace {
std::string error_text(cudaError_t e) { return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e); }
}  // namespace

std::vector<GpuInfo> cuda_device_report() {
  std::vector<GpuInfo> found;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count <= 0) {
    cudaGetLastError();  // clear the error so later runtime calls do not report it
    return found;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    const cudaError_t e = cudaGetDeviceProperties(&prop, i);  // no context
    GpuInfo g{i, e == cudaSuccess ? prop.name : "unknown", e == cudaSuccess ? prop.totalGlobalMem : 0, 0,
              e == cudaSuccess ? prop.multiProcessorCount : 0, prop.major, prop.minor};
    if (e != cudaSuccess) {
      g.usable = false;
      g.reason = "properties unreadable (" + error_text(e) + ")";
      cudaGetLastError();
    } else {
      g.usable = cuda_image_fits(MC_CUDA_ARCHS, prop.major, prop.minor, &g.reason);
    }
    found.push_back(g);
  }
  return found;
}

std::vector<GpuInfo> cuda_devices(std::size_t max_count) {
  std::vector<GpuInfo> usable;
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess) {
    cudaGetLastError();
    return usable;
  }
  for (GpuInfo g : cuda_device_report()) {
    if (!g.usable) continue;
    if (usable.size() >= max_count) break;
    std::size_t free_bytes = 0, total_bytes = 0;
    // Starts this GPU's context: one that cannot start one counts as absent, alone.
    if (cudaSetDevice(g.index) == cudaSuccess && cudaFree(nullptr) == cudaSuccess && cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
      g.free_bytes = free_bytes;
      usable.push_back(g);
    }
    cudaGetLastError();
  }
  cudaSetDevice(previous);
  cudaGetLastError();
  return usable;
}

std::string cuda_versions() {
  int driver = 0, runtime = 0;
  const bool d = cudaDriverGetVersion(&driver) == cudaSuccess, r = cudaRuntimeGetVersion(&runtime) == cudaSuccess;
  cudaGetLastError();
  const auto text = [](int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); };
  return std::string("driver ") + (d && driver > 0 ? text(driver) : std::string("none")) + ", runtime " + (r ? text(runtime) : std::string("unknown"));
}

bool cuda_device_healthy(int index) {
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess) return cudaGetLastError(), false;
  const bool ok = cudaSetDevice(index) == cudaSuccess && cudaDeviceSynchronize() == cudaSuccess;
  // A sticky error stays whatever we do; a non-sticky one is cleared so the next point starts clean.
  cudaGetLastError();
  cudaSetDevice(previous);
  return ok;
}

}  // namespace mc
