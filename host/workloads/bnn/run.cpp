// Workload `bnn`, the run: the trained (or loaded, or cached) network, its folded form, `chips` programmed chips
// with their weight errors, the whole test set on each through the packed kernel, and the tables.
#include <fmt/format.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>

#include "bnn/driver.hpp"
#include "data/idx.hpp"
#include "endurance/ber.hpp"
#include "endurance/driver.hpp"
#include "io/output.hpp"
#include "io/progress.hpp"
#include "workloads/bnn/bnn.hpp"
#include "workloads/run.hpp"

namespace mc {

namespace {

namespace fs = std::filesystem;

std::string layers_text(const std::vector<int>& v) {
  std::string s;
  for (int n : v) s += (s.empty() ? "" : "-") + std::to_string(n);
  return s;
}

// What determines a trained net: the cache folder's name is a 64-bit FNV-1a hash of it.
std::string training_identity(const BnnSpec& w) {
  const train::BinaryTrainConfig& t = w.train;
  std::string id = fmt::format("bnn-v1|{}|{}|{}|{}|{}|{}|{:.9g}|{:.9g}|{:.9g}|{}", w.data_dir.empty() ? fashion_mnist_dir() : w.data_dir, w.train_rows,
                               layers_text(w.layers), w.binary_input ? "binary" : "real", t.epochs, t.batch, t.learning_rate, t.p_train, t.init_scale, t.seed);
  // A decaying rate is a different net (nets trained without decay keep their cache folders).
  if (t.lr_final > 0 && t.lr_final != t.learning_rate) id += fmt::format("|lr_final {:.9g}", t.lr_final);
  if (t.p_train > 0 && t.clean_statistics) id += "|clean statistics";
  return id;
}

std::string fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return fmt::format("{:016x}", h);
}

// One lock per cache folder: sweep points running in threads train a shared net once.
std::mutex& cache_lock(const std::string& dir) {
  static std::mutex guard;
  static std::map<std::string, std::mutex> locks;
  std::lock_guard<std::mutex> g(guard);
  return locks[dir];
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / v.size();
}

double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / (v.size() - 1));
}

}  // namespace

RunSummary run_bnn(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out) {
  const BnnSpec& w = s.spec_as<BnnSpec>();
  const double t0 = now_seconds();
  const BinaryNetData d = load_bnn_data(w, "bnn.data", SourceMark{s.file});
  const int threads = backend.threads > 0 ? backend.threads : omp_get_max_threads();

  // The network: loaded, cached or trained here.
  train::BinaryNet net;
  std::string origin;
  CsvTable training({"epoch", "learning_rate", "loss", "train_accuracy", "wall_s"});
  bool trained = false;
  double train_seconds = 0, epoch_seconds = 0;
  if (!w.weights.empty()) {
    net = load_bnn_model(w.weights, w.layers, w.binary_input, "bnn.weights");
    origin = "loaded from " + w.weights;
  } else {
    const std::string id = training_identity(w);
    // Beside the output folder (a sweep's points/NNNNNN: beside the sweep's folder), so every point finds it.
    fs::path parent = fs::absolute(fs::path(opt.out_dir)).lexically_normal().parent_path();
    if (parent.filename() == "points") parent = parent.parent_path();
    const std::string cache_dir = (parent / ".bnn_models" / fnv1a(id)).string();
    std::unique_lock<std::mutex> lock(cache_lock(cache_dir), std::defer_lock);
    if (w.cache) lock.lock();
    if (w.cache && fs::is_regular_file(cache_dir + "/model_w1.npy") && fs::is_regular_file(cache_dir + "/identity.txt")) {
      net = load_bnn_model(cache_dir + "/model_w1.npy", w.layers, w.binary_input, "bnn.weights");
      origin = "reused from " + cache_dir;
    } else {
      net = train::make_binary_net(w.layers, w.binary_input, w.train);
      train::BinaryTrainConfig cfg = w.train;
      cfg.threads = threads;
      const double ts = now_seconds();
      const bool done = train::train_binary(net, d.x_train.data(), d.y_train.data(), d.n_train(), cfg, [&](const train::EpochReport& e) {
        training.add_row({std::to_string(e.epoch), cell(e.learning_rate), cell(e.loss), cell(e.train_accuracy), cell(e.seconds)});
        // Also inside a sweep that is not quiet, whose progress line would otherwise stand still for the whole
        // training: a terminal's bar is cleared first and redrawn at its next tick.
        if (!opt.quiet || opt.stage_lines)
          std::fprintf(stderr, "%sbnn: epoch %d/%d: lr %.3g, loss %.4f, training accuracy %.4f, %.1f s\n", opt.progress && ::isatty(2) ? "\r\033[K" : "",
                       e.epoch, cfg.epochs, e.learning_rate, e.loss, e.train_accuracy, e.seconds);
      }, &cancel_flag());
      if (!done) throw Interrupted("training stopped; no model was written");
      train_seconds = now_seconds() - ts;
      epoch_seconds = train_seconds / std::max(1, cfg.epochs);
      trained = true;
      origin = fmt::format("trained here ({} epochs, {:.1f} s per epoch)", cfg.epochs, epoch_seconds);
      if (w.cache) {
        save_bnn_model(net, cache_dir);
        atomic_write(cache_dir + "/identity.txt", id + "\n");  // last: marks the cached net complete
      }
    }
  }
  std::vector<std::string> files = {"results.csv", "chips.csv"};
  save_bnn_model(net, out.dir());
  for (std::size_t l = 0; l < net.W.size(); ++l) files.push_back(fmt::format("model_w{}.npy", l + 1));
  if (trained) {
    out.write("training.csv", training.str());
    files.push_back("training.csv");
  }

  // Software accuracy (float, batch norm unfolded) and the folded chip without errors.
  const int N = d.n_test(), C = d.classes;
  const std::vector<float> scores = train::binary_scores(net, d.x_test.data(), N);
  std::int64_t sw_correct = 0;
  for (int n = 0; n < N; ++n)
    sw_correct += static_cast<int>(std::max_element(&scores[static_cast<std::size_t>(n) * C], &scores[static_cast<std::size_t>(n + 1) * C]) -
                                   &scores[static_cast<std::size_t>(n) * C]) == d.y_test[n];
  const BnnFolded f = fold_network(net);
  const BnnInputs in = pack_inputs(f, d.x_test.data(), N);
  const BnnDot dot = bnn_dot_of(backend);
  const int L = static_cast<int>(f.sizes.size()) - 1;
  const std::uint64_t bits = f.bits();
  std::vector<std::uint64_t> layer_offset(L, 0);
  for (int l = 1; l < L; ++l) layer_offset[l] = layer_offset[l - 1] + static_cast<std::uint64_t>(f.sizes[l - 1]) * f.sizes[l];

  double infer_seconds = 0;
  std::uint64_t read_flip_total = 0;
  // Correct decisions of one chip's weights over the test set (OpenMP over blocks of images on the CPU).
  auto run_chip = [&](const std::vector<std::vector<std::uint64_t>>& cw, const BnnReadErrors* read) {
    std::vector<const std::uint64_t*> ptr;
    for (const auto& v : cw) ptr.push_back(v.data());
    std::vector<int> dec(N);
    const double ts = now_seconds();
    if (backend.kind == Backend::kCpu) {
      constexpr std::int64_t kBlock = 96;  // a multiple of the CPU kernel's 6-image tiles
      const std::int64_t blocks = (N + kBlock - 1) / kBlock;
      std::uint64_t flips = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic) reduction(+ : flips)
      for (std::int64_t b = 0; b < blocks; ++b) {
        BnnReadErrors rd;
        if (read) rd = *read, rd.flips = &flips;
        const std::int64_t n0 = b * kBlock, cnt = std::min<std::int64_t>(kBlock, N - n0);
        bnn_infer(f, ptr, in, n0, cnt, dot, read ? &rd : nullptr, dec.data() + n0);
      }
      read_flip_total += flips;
    } else {
      std::uint64_t flips = 0;
      BnnReadErrors rd;
      if (read) rd = *read, rd.flips = &flips;
      bnn_infer(f, ptr, in, 0, N, dot, read ? &rd : nullptr, dec.data());
      read_flip_total += flips;
    }
    infer_seconds += now_seconds() - ts;
    std::int64_t c = 0;
    for (int n = 0; n < N; ++n) c += dec[n] == d.y_test[n];
    return c;
  };
  const std::int64_t clean_correct = run_chip(f.packed, nullptr);
  const double clean_acc = static_cast<double>(clean_correct) / N;

  // The device cell of every stored bit (errors: device).
  const StorageParams st{s.device, w.cell, StorageErrors::kDevice, w.compliance, w.read_threshold, w.aging_cycles, 0.0, s.seed};
  BnnLognormalCell ln = w.lognormal;
  // The binary weight (+1: bit 1) of flat position k = j·n_in + i of layer l.
  auto weight_bit = [&](int l, std::uint64_t k) {
    const std::uint64_t ni = static_cast<std::uint64_t>(f.sizes[l]), no = static_cast<std::uint64_t>(f.sizes[l + 1]);
    return net.W[l][(k % ni) * no + k / ni] >= 0.0f;
  };

  Progress progress("bnn", point_work(s), work_unit(s), opt.quiet || opt.progress);
  const RunHooks hooks = point_hooks(backend, opt, progress);
  CsvTable chips({"chip", "flips", "bits", "cell_ber", "cell_ber_se", "correct", "accuracy", "accuracy_se"});
  std::vector<double> acc;
  std::uint64_t flip_total = 0;
  for (std::uint64_t c = 0; c < w.chips; ++c) {
    if (cancel_flag().load()) throw Interrupted();
    std::uint64_t flips = 0;
    std::int64_t correct = 0;
    if (w.timing == BnnTiming::kRead) {
      const std::uint64_t before = read_flip_total;
      BnnReadErrors rd{w.errors == BnnErrors::kBer ? w.ber : 0.0, s.seed, c, nullptr};
      BnnReadCells cells;
      if (w.errors == BnnErrors::kDevice) {
        // The chip's cells programmed once; every read of a cell errs with its probability over fresh read noise.
        for (int l = 0; l < L; ++l) {
          const std::uint64_t n = static_cast<std::uint64_t>(f.sizes[l]) * f.sizes[l + 1];
          std::vector<double> p(n);
          const std::uint64_t base = c * bits + layer_offset[l];
#pragma omp parallel for num_threads(threads) schedule(static)
          for (std::int64_t k = 0; k < static_cast<std::int64_t>(n); ++k) {
            const bool v = weight_bit(l, static_cast<std::uint64_t>(k));
            p[k] = bnn_read_error_probability(st, stored_bit_program(st, base + k, v), v);
          }
          cells.layers.push_back(bin_read_cells(p));
        }
        rd.cells = &cells;
      }
      correct = run_chip(f.packed, &rd);
      flips = read_flip_total - before;
    } else {
      const auto cw = chip_weights(f, [&](int l, const std::function<void(std::uint64_t)>& flip) {
        const std::uint64_t n = static_cast<std::uint64_t>(f.sizes[l]) * f.sizes[l + 1];
        if (w.errors == BnnErrors::kBer) {
          bnn_flips(w.ber, n, RngKey{s.seed, stream::kBnnFlip}, c, static_cast<std::uint64_t>(l), [&](std::uint64_t k) { flip(k), ++flips; });
        } else if (w.errors == BnnErrors::kDevice || w.errors == BnnErrors::kLognormal) {
          std::vector<std::uint8_t> wrong(n, 0);
          const std::uint64_t base = c * bits + layer_offset[l];
#pragma omp parallel for num_threads(threads) schedule(static)
          for (std::int64_t k = 0; k < static_cast<std::int64_t>(n); ++k) {
            const bool v = weight_bit(l, static_cast<std::uint64_t>(k));
            wrong[k] = w.errors == BnnErrors::kDevice ? stored_bit_read(st, base + k, v, 0) != v
                                                      : bnn_lognormal_error(ln, s.seed, base + k, v, 0);
          }
          for (std::uint64_t k = 0; k < n; ++k)
            if (wrong[k]) flip(k), ++flips;
        }
      });
      correct = run_chip(cw, nullptr);
    }
    const double bits_read = w.timing == BnnTiming::kRead ? static_cast<double>(bits) * N : static_cast<double>(bits);
    flip_total += flips;
    acc.push_back(static_cast<double>(correct) / N);
    const double se_count = w.timing == BnnTiming::kRead && w.errors == BnnErrors::kDevice ? static_cast<double>(bits) : bits_read;
    chips.add_row({std::to_string(c), std::to_string(flips), cell(bits_read), cell(flips / bits_read), cell(binomial_se(flips / bits_read, se_count)),
                   std::to_string(correct), cell(acc.back()), cell(binomial_se(acc.back(), N))});
    hooks.progress->fetch_add(1, std::memory_order_relaxed);
  }
  progress.finish();

  // Cell bit error rates: measured over every stored (chip) or read (read) bit, and analytic (1T1R: weighted by
  // the fraction of stored 1s, the weights >= 0; a 2T2R pair errs alike for either value).
  double ones = 0;
  for (const auto& Wl : net.W)
    for (float x : Wl) ones += x >= 0.0f;
  ones /= static_cast<double>(bits);
  const double bits_all = static_cast<double>(bits) * w.chips * (w.timing == BnnTiming::kRead ? N : 1);
  const double ber_measured = flip_total / bits_all;
  // Per-read device errors: the reads of a cell share its programmed states, so they are not independent; the
  // variance of a cell's error fraction over its reads is at most p(1 − p) (p its mean), so the binomial error
  // over the cells stored is an upper bound (docs/bnn.md).
  const double ber_se_count = w.timing == BnnTiming::kRead && w.errors == BnnErrors::kDevice ? static_cast<double>(bits) * w.chips : bits_all;
  double ber_analytic = 0;
  if (w.errors == BnnErrors::kBer) ber_analytic = w.ber;
  else if (w.errors == BnnErrors::kLognormal)
    ber_analytic = ln.two_devices ? bnn_ber_2t2r(ln.mu_gap, ln.sigma_lrs, ln.sigma_hrs)
                                  : ones * bnn_phi((ln.ln_ref - ln.mu_gap) / ln.sigma_lrs) + (1 - ones) * bnn_phi(-ln.ln_ref / ln.sigma_hrs);
  else if (w.errors == BnnErrors::kDevice)
    ber_analytic = w.cell == StorageCell::k2T2R ? ber_2t2r_quadrature(s.device, w.compliance, std::max(1.0, w.aging_cycles)).ber
                                                : ber_1t1r_quadrature(s.device, w.compliance, std::max(1.0, w.aging_cycles), w.read_threshold, ones).ber;

  // Energy and memory: programming writes every bit once (2T2R: one SET and one RESET; 1T1R: one of the two),
  // an inference reads every bit once (2T2R: both devices) and does one binary MAC per weight.
  const DeviceModel& m = s.device;
  const double e_set = set_energy(m, w.compliance), e_reset = reset_energy(m);
  const bool two = w.cell == StorageCell::k2T2R;
  const double program_pj_bit = two ? e_set + e_reset : 0.5 * (e_set + e_reset);
  const double read_pj_bit = two ? read_energy(m, lrs_mean(m, w.compliance)) + read_energy(m, hrs_mean(m))
                                 : 0.5 * (read_energy(m, lrs_mean(m, w.compliance)) + read_energy(m, hrs_mean(m)));
  const double inference_pj = bits * (read_pj_bit + w.xnor_pj);
  const double wall = now_seconds() - t0;
  const double macs = static_cast<double>(bits) * N * (w.chips + 1);
  const double mean = mean_of(acc), sd = sd_of(acc);
  const char* timing = w.timing == BnnTiming::kChip ? "chip" : "read";

  // Standard errors (docs/bnn.md): accuracies of the one trained net over the test images (binomial); the mean
  // accuracy over chips and the loss by the spread of the chips, sd/sqrt(chips) (the chips share the test images,
  // so this is the Monte Carlo error of the chip average; with one chip, the binomial error over the test images);
  // the measured cell BER binomial over the bits stored (chip) or read (read).
  const double sw_acc = static_cast<double>(sw_correct) / N;
  const double mean_se = w.chips > 1 ? sd / std::sqrt(static_cast<double>(w.chips)) : binomial_se(mean, N);
  const ResultRow row = {{"workload", "bnn"}, {"layers", layers_text(w.layers)}, {"inputs", w.binary_input ? "binary" : "real"},
                         {"chips", std::to_string(w.chips)}, {"test_images", std::to_string(N)}, {"train_seed", std::to_string(w.train.seed)},
                         {"p_train", cell(w.train.p_train)},
                         {"flip_statistics", w.train.p_train > 0 && w.weights.empty() ? (w.train.clean_statistics ? "clean" : "flipped") : ""},
                         {"epochs", std::to_string(w.train.epochs)}, {"errors", bnn_errors_name(w.errors)},
                         {"timing", timing}, {"cell", two ? "2t2r" : "1t1r"}, {"ber", cell(w.ber)}, {"aging_cycles", cell(w.aging_cycles)},
                         {"compliance_uA", cell(w.compliance)}, {"cell_ber_measured", cell(ber_measured)},
                         {"cell_ber_measured_se", cell(binomial_se(ber_measured, ber_se_count))}, {"cell_ber_analytic", cell(ber_analytic)},
                         {"software_accuracy", cell(sw_acc)}, {"software_accuracy_se", cell(binomial_se(sw_acc, N))},
                         {"error_free_accuracy", cell(clean_acc)}, {"error_free_accuracy_se", cell(binomial_se(clean_acc, N))},
                         {"accuracy_mean", cell(mean)}, {"accuracy_mean_se", cell(mean_se)}, {"accuracy_sd", cell(sd)},
                         {"accuracy_loss_points", cell(100 * (clean_acc - mean))}, {"accuracy_loss_points_se", cell(100 * mean_se)},
                         {"bits", std::to_string(bits)}, {"program_energy_per_bit_pJ", cell(program_pj_bit)},
                         {"program_energy_pJ", cell(program_pj_bit * bits)}, {"read_energy_per_bit_pJ", cell(read_pj_bit)},
                         {"energy_per_inference_pJ", cell(inference_pj)}, {"train_epochs_per_s", cell(epoch_seconds > 0 ? 1.0 / epoch_seconds : 0.0)},
                         {"binary_macs", cell(macs)}, {"binary_macs_per_s", cell(infer_seconds > 0 ? macs / infer_seconds : 0.0)},
                         {"wall_s", cell(wall)}};
  out.write("chips.csv", chips.str());
  write_results(out, s, opt, row);
  const std::uint64_t programmed = w.errors == BnnErrors::kDevice ? bits * w.chips : 0;
  nlohmann::ordered_json manifest = run_manifest(s, backend, wall, programmed, programmed * (two ? 1 : 0),
                                                 static_cast<std::uint64_t>(bits) * N * (w.chips + 1) * (two ? 2 : 1), files);
  manifest["network"] = origin;
  manifest["train_seconds_per_epoch"] = epoch_seconds;
  out.write("manifest.json", manifest.dump(2) + "\n");

  RunSummary summary;
  summary.out_dir = opt.out_dir;
  summary.wall_seconds = wall;
  summary.rows = {
      {"network", layers_text(w.layers) + ", " + origin},
      {"software / error-free chip accuracy", fmt::format("{:.2f} % / {:.2f} %", 100.0 * sw_correct / N, 100 * clean_acc)},
      {"weight errors", fmt::format("{} ({}), cell BER measured {:.3g}, analytic {:.3g}", bnn_errors_name(w.errors), timing, ber_measured, ber_analytic)},
      {"accuracy over chips", fmt::format("{:.2f} % +- {:.2f} (sd, {} chips), loss {:.2f} points", 100 * mean, 100 * sd, w.chips, 100 * (clean_acc - mean))},
      {"energy", fmt::format("programming {:.4g} pJ/bit ({:.4g} uJ for {} bits), {:.4g} pJ per inference", program_pj_bit, program_pj_bit * bits * 1e-6,
                             bits, inference_pj)},
      {"inference", fmt::format("{:.3g} binary MACs/s ({})", infer_seconds > 0 ? macs / infer_seconds : 0.0,
                                backend.kind == Backend::kCpu ? std::string("cpu, ") + bnn_cpu_isa() : backend.name)},
      {"wall time", fmt::format("{:.2f} s", wall)},
  };
  return summary;
}

}  // namespace mc
