// GPU detection for `--backend auto` and the manifest (DESIGN.md decision 5): any CUDA runtime error while
// looking means "no GPU", never an exception or an abort.
#include <cuda_runtime.h>

#include "common/gpu_info.hpp"

namespace mc {

std::vector<GpuInfo> cuda_devices() {
  std::vector<GpuInfo> found;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count <= 0) {
    cudaGetLastError();  // clear the error so later runtime calls do not report it
    return found;
  }
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess) {
    cudaGetLastError();
    return found;
  }
  bool ok = true;
  for (int i = 0; i < count && ok; ++i) {
    cudaDeviceProp prop{};
    std::size_t free_bytes = 0, total_bytes = 0;
    // cudaMemGetInfo reports on the current device, and starts its context: a device that cannot start a
    // context (exclusive mode taken, fallen off the bus, driver mismatch) fails here and counts as absent.
    ok = cudaGetDeviceProperties(&prop, i) == cudaSuccess && cudaSetDevice(i) == cudaSuccess &&
         cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess;
    if (ok) found.push_back(GpuInfo{i, prop.name, total_bytes, free_bytes, prop.multiProcessorCount, prop.major, prop.minor});
  }
  cudaSetDevice(previous);
  if (!ok) found.clear();
  cudaGetLastError();
  return found;
}

}  // namespace mc
