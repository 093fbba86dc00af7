// CUDA error policy (DESIGN.md decision 8): every runtime call goes through MC_CUDA_CHECK, every launch is
// followed by MC_CUDA_CHECK_LAUNCH(); both throw std::runtime_error naming the expression, the CUDA error,
// file and line. Also the two RAII owners the drivers use, so buffers and streams are released on every path,
// exceptions included.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace mc {

/// Throws for a failed call. The runtime also records a failure as the thread's "last error"; it is cleared
/// here so that a caller who catches and goes on (a smaller batch, the CPU backend) does not see it again at
/// its next launch check. Sticky errors (a kernel fault) cannot be cleared and keep failing, as they should.
[[noreturn]] inline void cuda_fail(cudaError_t err, const char* expr, const char* file, int line) {
  cudaGetLastError();
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": CUDA call `" + expr +
                           "` failed: " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

}  // namespace mc

#define MC_CUDA_CHECK(expr)                                                               \
  do {                                                                                    \
    const cudaError_t mc_cuda_err_ = (expr);                                              \
    if (mc_cuda_err_ != cudaSuccess) ::mc::cuda_fail(mc_cuda_err_, #expr, __FILE__, __LINE__); \
  } while (0)

/// After a <<<...>>> launch: configuration errors surface here, errors inside the kernel at the next sync.
#define MC_CUDA_CHECK_LAUNCH()                                                                       \
  do {                                                                                               \
    const cudaError_t mc_cuda_err_ = cudaGetLastError();                                             \
    if (mc_cuda_err_ != cudaSuccess) ::mc::cuda_fail(mc_cuda_err_, "kernel launch", __FILE__, __LINE__); \
  } while (0)

namespace mc {

/// Owns `size` elements of T in global memory of the current device. Not copyable; frees in the destructor
/// (an error there is dropped and cleared: a destructor must not throw, and the error that matters, if any, is
/// already on its way).
template <typename T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t size) : size_(size) {
    if (size_ > 0) MC_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), size_ * sizeof(T)));
  }
  ~DeviceBuffer() {
    if (data_ && cudaFree(data_) != cudaSuccess) cudaGetLastError();
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t bytes() const { return size_ * sizeof(T); }

 private:
  T* data_ = nullptr;
  std::size_t size_;
};

/// Page-locked host memory (cudaMallocHost), released in the destructor.
template <typename T>
class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t size) : size_(size) {
    if (size_ > 0) MC_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&data_), size_ * sizeof(T)));
  }
  ~PinnedBuffer() {
    if (data_ && cudaFreeHost(data_) != cudaSuccess) cudaGetLastError();
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  T* data() const { return data_; }

 private:
  T* data_ = nullptr;
  std::size_t size_;
};

/// Owns a non-blocking stream on the current device, so two host threads sharing a GPU never serialize on
/// the legacy default stream.
class CudaStream {
 public:
  CudaStream() { MC_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  ~CudaStream() {
    if (stream_ && cudaStreamDestroy(stream_) != cudaSuccess) cudaGetLastError();
  }
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;

  cudaStream_t get() const { return stream_; }
  void synchronize() const { MC_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

 private:
  cudaStream_t stream_ = nullptr;
};

}  // namespace mc
