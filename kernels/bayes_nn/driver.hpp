// Driver functions of the bayes_nn kernels (kernels/bayes_nn/bayes_nn.hpp): read-mode sampled inferences of many
// inputs, M samples each. Plain arguments, one function per backend: kernels/cpu/bayes_nn.cpp and
// kernels/cuda/bayes_nn.cu run the same MC_HD code.
#pragma once
#include <cstdint>

#include "bayes_nn/bayes_nn.hpp"

namespace mc {

/// Logits (n·M × sizes[L], input-major) of inputs X (n × sizes[0]); sample m of input i is inference
/// first_inference + i·M + m (its read-noise counter). threads: 0 = all cores.
void bnn_read_inferences_cpu(const BnnDeviceNet& net, const float* X, int n, int M, std::uint64_t first_inference, float clip,
                             float* logits, int threads);

#if defined(MC_HAVE_CUDA)
/// The same on GPU `gpu` (net's conductance pointers are host pointers; copied in and out), one thread per inference.
void bnn_read_inferences_cuda(int gpu, const BnnDeviceNet& net, const float* X, int n, int M, std::uint64_t first_inference,
                              float clip, float* logits);
#endif

}  // namespace mc
