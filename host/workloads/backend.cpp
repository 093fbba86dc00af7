#include "workloads/backend.hpp"

#include <omp.h>

#include <fstream>

#include "common/gpu_info.hpp"
#include "scenario/error.hpp"

namespace mc {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

#if defined(MC_HAVE_CUDA)
Backend gpu_backend(const GpuInfo& gpu) {
  Backend b;
  b.kind = Backend::kCuda;
  b.gpu = gpu.index;
  b.name = "cuda";
  b.device = gpu.name + " (gpu " + std::to_string(gpu.index) + ")";
  return b;
}
#endif

Backend choose_backend(const std::string& requested, int threads) {
  Backend b;
  b.threads = threads;
  if (requested != "auto" && requested != "cpu" && requested != "cuda")
    throw InputError("--backend: expected auto, cpu or cuda, got '" + requested + "'");
#if defined(MC_HAVE_CUDA)
  if (requested != "cpu") {
    const auto gpus = cuda_devices();
    if (!gpus.empty()) return gpu_backend(gpus[0]);
    if (requested == "cuda") throw InputError("--backend cuda: no CUDA device answers on this machine (try --backend cpu)");
  }
#else
  if (requested == "cuda") throw InputError("--backend cuda: this memcarlo was built without CUDA (MC_ENABLE_CUDA needs nvcc at build time)");
#endif
  b.kind = Backend::kCpu;
  b.name = "cpu";
  b.device = cpu_model() + " (" + std::to_string(threads > 0 ? threads : omp_get_max_threads()) + " threads)";
  return b;
}

std::vector<std::string> describe_devices() {
  std::vector<std::string> out;
#if defined(MC_HAVE_CUDA)
  out.push_back("backends: cpu, cuda");
  const auto gpus = cuda_devices();
  if (gpus.empty()) out.push_back("gpus: none answers (the cuda backend needs a GPU and driver at run time)");
  for (const auto& g : gpus) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "gpu %d: %s, %.1f GiB (%.1f GiB free), %d SMs, compute %d.%d", g.index, g.name.c_str(),
                  g.total_bytes / 1073741824.0, g.free_bytes / 1073741824.0, g.sm_count, g.cc_major, g.cc_minor);
    out.push_back(buf);
  }
#else
  out.push_back("backends: cpu (built without CUDA)");
#endif
  out.push_back("cpu: " + cpu_model() + ", " + std::to_string(omp_get_max_threads()) + " threads");
  return out;
}

}  // namespace mc
