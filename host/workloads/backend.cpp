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

void check_backend_name(const std::string& requested) {
  if (requested != "auto" && requested != "cpu" && requested != "cuda")
    throw InputError("--backend: expected auto, cpu or cuda, got '" + requested + "'");
}

Backend choose_backend(const std::string& requested, int threads) {
  Backend b;
  b.threads = threads;
  check_backend_name(requested);
#if defined(MC_HAVE_CUDA)
  if (requested != "cpu") {
    const auto gpus = cuda_devices(1);  // the first usable GPU that starts; no context on the others
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

bool backend_healthy(const Backend& b) {
#if defined(MC_HAVE_CUDA)
  if (b.kind == Backend::kCuda) return cuda_device_healthy(b.gpu);
#endif
  (void)b;
  return true;
}

std::vector<std::string> describe_devices() {
  std::vector<std::string> out;
#if defined(MC_HAVE_CUDA)
  out.push_back(std::string("backends: cpu, cuda (built for compute capabilities ") + MC_CUDA_ARCHS + "; " + cuda_versions() + ")");
  const auto gpus = cuda_device_report();  // properties only: no context is started on any GPU
  if (gpus.empty()) out.push_back("gpus: none answers (the cuda backend needs a GPU and driver at run time)");
  for (const auto& g : gpus) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "gpu %d: %s, %.1f GiB, %d SMs, compute %d.%d: %s", g.index, g.name.c_str(), g.total_bytes / 1073741824.0,
                  g.sm_count, g.cc_major, g.cc_minor, g.usable ? "usable" : ("not used: " + g.reason).c_str());
    out.push_back(buf);
  }
#else
  out.push_back("backends: cpu (built without CUDA)");
#endif
  out.push_back("cpu: " + cpu_model() + ", " + std::to_string(omp_get_max_threads()) + " threads");
  return out;
}

}  // namespace mc
