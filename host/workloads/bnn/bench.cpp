// `memcarlo bench bnn`: binary multiply-accumulates per second of the packed XNOR-popcount inference with weight
// errors (784-H-H-10, real byte inputs on bit-planes, a flip mask per chip), against the NumPy implementation of
// the same inference as ±1 float matrix products with the same flip masks (tools/baselines/bnn_numpy.py); and
// the time of one training epoch of the network on Fashion-MNIST (or synthetic images when it is absent).
// Weights, images and masks come from a splitmix64 hash both sides compute, so both print the same checksum.
#include <omp.h>

#include <cstdio>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bnn/driver.hpp"
#include "data/idx.hpp"
#include "endurance/driver.hpp"
#include "io/command.hpp"
#include "io/progress.hpp"
#include "scenario/error.hpp"
#include "workloads/bench.hpp"
#include "workloads/bnn/bnn.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"
#include "scenario/search_path.hpp"
#include "build_info.h"

namespace mc {

namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

// The flags of one packed word: bit b set iff mix(salt ^ (k0 + b)) >> 11 < threshold, for b < m (the chip's hash
// mask, as tools/baselines/bnn_numpy.py draws it); eight hashes a register on a CPU with AVX-512 DQ (this file
// is not built for the machine, so that path is compiled for its target and chosen at run time).
std::uint64_t flag_word_scalar(std::uint64_t salt, std::uint64_t k0, int m, std::uint64_t threshold) {
  std::uint64_t flags = 0;
  for (int b = 0; b < m; ++b) flags |= static_cast<std::uint64_t>((mix(salt ^ (k0 + b)) >> 11) < threshold) << b;
  return flags;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f,avx512dq"))) std::uint64_t flag_word_avx512(std::uint64_t salt, std::uint64_t k0, int m, std::uint64_t threshold) {
  const __m512i lane = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7), c1 = _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ull)),
                c2 = _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBull)), thr = _mm512_set1_epi64(static_cast<long long>(threshold)),
                s = _mm512_set1_epi64(static_cast<long long>(salt));
  std::uint64_t flags = 0;
  for (int g = 0; g < m; g += 8) {
    __m512i x = _mm512_xor_si512(s, _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(k0 + g)), lane));
    x = _mm512_xor_si512(x, _mm512_srli_epi64(x, 30));
    x = _mm512_mullo_epi64(x, c1);
    x = _mm512_xor_si512(x, _mm512_srli_epi64(x, 27));
    x = _mm512_mullo_epi64(x, c2);
    x = _mm512_xor_si512(x, _mm512_srli_epi64(x, 31));
    flags |= static_cast<std::uint64_t>(_mm512_cmplt_epu64_mask(_mm512_srli_epi64(x, 11), thr)) << g;
  }
  return m < 64 ? flags & ((std::uint64_t{1} << m) - 1) : flags;
}
#endif

using FlagWord = std::uint64_t (*)(std::uint64_t, std::uint64_t, int, std::uint64_t);
FlagWord flag_word_function() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return flag_word_avx512;
#endif
  return flag_word_scalar;
}

train::BinaryNet bench_net(int hidden, bool binary_input) {
  train::BinaryNet net;
  net.sizes = {784, hidden, hidden, 10};
  net.binary_input = binary_input;
  for (int l = 0; l < 3; ++l) {
    const int ni = net.sizes[l], no = net.sizes[l + 1];
    std::vector<float> W(static_cast<std::size_t>(ni) * no);
    for (int i = 0; i < ni; ++i)
      for (int j = 0; j < no; ++j)
        W[static_cast<std::size_t>(i) * no + j] =
            mix((static_cast<std::uint64_t>(l) << 40) ^ (static_cast<std::uint64_t>(i) << 20) ^ static_cast<std::uint64_t>(j) ^ 0x1234u) & 1 ? 0.5f : -0.5f;
    net.W.push_back(std::move(W));
    net.mean.emplace_back(no, 0.0f);
    net.var.emplace_back(no, 1.0f - net.eps);
  }
  return net;
}

}  // namespace

int bench_bnn(const BenchArgs& args) {
  const std::int64_t images = static_cast<std::int64_t>(args.get("images", 10000));
  const std::uint64_t chips = args.get("chips", 16), baseline_chips = args.get("baseline-chips", 1);
  const int hidden = static_cast<int>(args.get("hidden", 1024));
  const std::uint64_t ber_ppm = args.get("ber-ppm", 1000), train_images = args.get("train-images", 6000);
  const bool binary_inputs = args.get("binary-inputs", 0) != 0;
  if (images < 1 || chips < 1) throw InputError("--images, --chips: expected >= 1");
  if (hidden < 1 || hidden > 65536) throw InputError("--hidden: expected 1 to 65536");
  if (ber_ppm > 500000) throw InputError("--ber-ppm: expected 0 to 500000");
  const Backend backend = choose_backend(args.backend, args.threads);
  const int threads = args.threads > 0 ? args.threads : omp_get_max_threads();
  const train::BinaryNet net = bench_net(hidden, binary_inputs);
  const BnnFolded f = fold_network(net);
  std::vector<float> X(static_cast<std::size_t>(images) * 784);
  for (std::int64_t n = 0; n < images; ++n)
    for (int i = 0; i < 784; ++i)
      X[static_cast<std::size_t>(n) * 784 + i] = static_cast<float>(mix(((static_cast<std::uint64_t>(n) << 20) ^ static_cast<std::uint64_t>(i)) + 0x5555u) % 256) / 255.0f;
  const BnnInputs in = pack_inputs(f, X.data(), images);
  const BnnDot dot = bnn_dot_of(backend);
  const std::uint64_t threshold = static_cast<std::uint64_t>(static_cast<double>(ber_ppm) * 9007199254740992.0 / 1e6);
  // The chip's hash mask over weight k = j·n_in + i, on the run's threads (one neuron's column of words each).
  const FlagWord flag_word = flag_word_function();
  auto weights_of = [&](std::uint64_t chip) {
    std::vector<std::vector<std::uint64_t>> w = f.packed;
    for (int l = 0; l + 1 < static_cast<int>(f.sizes.size()); ++l) {
      const int ni = f.sizes[l], no = f.sizes[l + 1], cols = bnn_columns(no);
      std::uint64_t* p = w[l].data();
      const std::uint64_t salt = ((chip + 1) << 44) ^ (static_cast<std::uint64_t>(l) << 40) ^ 0x777u;
#pragma omp parallel for num_threads(threads) schedule(static)
      for (int j = 0; j < no; ++j)
        for (int word = 0; word < bnn_words(ni); ++word)  // one word's 64 flags at once, then one XOR
          p[static_cast<std::size_t>(word) * cols + j] ^= flag_word(salt, static_cast<std::uint64_t>(j) * ni + 64 * word, std::min(64, ni - 64 * word), threshold);
    }
    return w;
  };
  // Chips' decisions summed: the checksum the baseline prints too.
  auto infer = [&](std::uint64_t n_chips, double* seconds) {
    std::uint64_t checksum = 0;
    double t = 0;
    for (std::uint64_t c = 0; c < n_chips; ++c) {
      const double t0 = now_seconds();  // the chip's mask is timed too, as in the baseline
      const auto cw = weights_of(c);
      std::vector<const std::uint64_t*> ptr;
      for (const auto& v : cw) ptr.push_back(v.data());
      std::vector<int> dec(images);
      if (backend.kind == Backend::kCpu) {
        constexpr std::int64_t kBlock = 96;  // a multiple of the CPU kernel's 6-image tiles
#pragma omp parallel for num_threads(threads) schedule(dynamic)
        for (std::int64_t b = 0; b < (images + kBlock - 1) / kBlock; ++b)
          bnn_infer(f, ptr, in, b * kBlock, std::min<std::int64_t>(kBlock, images - b * kBlock), dot, nullptr, dec.data() + b * kBlock);
      } else {
        bnn_infer(f, ptr, in, 0, images, dot, nullptr, dec.data());
      }
      t += now_seconds() - t0;
      for (int v : dec) checksum += static_cast<std::uint64_t>(v);
      if (cancel_flag().load()) throw Interrupted();
    }
    *seconds = t;
    return checksum;
  };
  double warm = 0;
  infer(1, &warm);
  double dt = 0;
  const std::uint64_t checksum = infer(chips, &dt);
  const double macs = static_cast<double>(f.bits()) * images * chips;
  const double rate = macs / dt;
  std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
  std::printf("memcarlo %s (%s, %d threads): %.3g s for %llu chips x %lld images of 784-%d-%d-10 (%s), "
              "BER %.3g, checksum %llu\n",
              backend.name.c_str(), backend.kind == Backend::kCpu ? bnn_cpu_isa() : "cuda", threads, dt, static_cast<unsigned long long>(chips),
              static_cast<long long>(images), hidden, hidden, binary_inputs ? "inputs binarized at 0.5: XNOR in every layer" : "real byte inputs on 8 bit-planes", ber_ppm * 1e-6, static_cast<unsigned long long>(checksum));
  if (args.baseline) {
    const std::uint64_t bc = std::min(chips, baseline_chips);
    const std::string bin = binary_inputs ? " --binary-inputs" : "";
    const std::string bargs = fmt::format("--images {} --chips {} --hidden {} --ber-ppm {}{}", images, bc, hidden, ber_ppm, bin);
    print_baseline("bnn_numpy.py", bargs, "binary MACs/s", fmt::format("float32 +-1 matmul, {} chips", bc), rate);
    int rc = 1;
    std::string out, script;
    try {
      script = shipped_file("tools/baselines/bnn_numpy.py");
    } catch (const std::runtime_error&) {
    }
    if (!script.empty())
      out = capture(fmt::format("/usr/bin/python3 '{}' --images {} --chips 1 --hidden {} --ber-ppm {}{} --json", script,
                                std::min<std::int64_t>(images, 2000), hidden, ber_ppm, bin),
                    &rc);
    if (rc == 0) {
      const std::uint64_t theirs = nlohmann::json::parse(out).at("checksum").get<std::uint64_t>();
      // Ours on the same first images of chip 0.
      const auto cw = weights_of(0);
      std::vector<const std::uint64_t*> ptr;
      for (const auto& v : cw) ptr.push_back(v.data());
      const std::int64_t m = std::min<std::int64_t>(images, 2000);
      std::vector<int> dec(m);
      bnn_infer(f, ptr, in, 0, m, dot, nullptr, dec.data());
      std::uint64_t ours = 0;
      for (int v : dec) ours += static_cast<std::uint64_t>(v);
      std::printf("checksum of chip 0, first %lld images: memcarlo %llu, numpy %llu (%s)\n", static_cast<long long>(m),
                  static_cast<unsigned long long>(ours), static_cast<unsigned long long>(theirs), ours == theirs ? "equal" : "DIFFERENT");
    }
  }
  // One training epoch of the same shape (Fashion-MNIST when installed, else the synthetic images).
  if (train_images > 0) {
    std::vector<float> tx;
    std::vector<int> ty;
    std::string what = "Fashion-MNIST";
    try {
      const Dataset d = load_fashion_mnist("train", "bench");
      const std::size_t n = std::min<std::size_t>(train_images, d.rows);
      tx.assign(d.x.begin(), d.x.begin() + n * 784);
      ty.assign(d.y.begin(), d.y.begin() + n);
    } catch (const InputError&) {
      what = "synthetic images (Fashion-MNIST not installed)";
      const std::size_t n = std::min<std::size_t>(train_images, static_cast<std::size_t>(images));
      tx.assign(X.begin(), X.begin() + n * 784);
      for (std::size_t k = 0; k < n; ++k) ty.push_back(static_cast<int>(mix(k ^ 0x99u) % 10));
    }
    train::BinaryTrainConfig cfg;
    cfg.epochs = 1;
    cfg.threads = threads;
    train::BinaryNet tn = train::make_binary_net({784, hidden, hidden, 10}, false, cfg);
    const double t0 = now_seconds();
    train::train_binary(tn, tx.data(), ty.data(), static_cast<int>(ty.size()), cfg, {}, &cancel_flag());
    const double te = now_seconds() - t0;
    if (cancel_flag().load()) throw Interrupted();
    std::printf("training: %.3g s for one epoch of %zu %s (batch 100, Adam) -> %.3g s per 60,000-image epoch\n", te, ty.size(), what.c_str(),
                te * 60000.0 / ty.size());
  }
  std::printf("bnn: %.4g binary MACs/s (%s, %llu chips x %lld images x %llu weights, BER %.3g, peak %ld MB)\n", rate, backend.name.c_str(),
              static_cast<unsigned long long>(chips), static_cast<long long>(images), static_cast<unsigned long long>(f.bits()), ber_ppm * 1e-6,
              peak_rss_mb());
  return 0;
}

}  // namespace mc
