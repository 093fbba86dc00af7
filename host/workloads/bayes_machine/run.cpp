// Workload `bayes_machine`, the run: the stochastic-bitstream Bayesian machine (docs/physics.md §3; Harabi et al. 2023)
// against the exact float64 naive Bayes and a conventional fixed-point naive Bayes under the same upsets.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "workloads/bayes_machine/bayes_machine.hpp"
#include "io/output.hpp"
#include "io/progress.hpp"
#include "workloads/bayes_machine/task.hpp"
#include "workloads/run.hpp"

namespace mc {

BayesMachineParams bayes_machine_params(const BayesMachineSpec& b, int classes, int observations, std::uint32_t seed,
                                        const LfsrTables* tables) {
  BayesMachineParams p{};
  p.classes = classes;
  p.observations = observations;
  p.bits = b.bits;
  p.generator = b.generator;
  p.sharing = b.sharing;
  p.seeding = b.seeding;
  p.taps = b.lfsr_taps;
  p.lfsr_seed = b.lfsr_seed;
  p.lfsr_spacing = b.lfsr_spacing;
  p.cycles = b.cycles;
  p.early_stop = b.early_stop;
  int cb = 1;
  while (cb < 32 && (std::uint64_t{1} << cb) <= b.cycles) ++cb;
  p.counter_bits = cb;
  p.checkpoints = static_cast<int>(b.checkpoints.size());
  for (int k = 0; k < p.checkpoints; ++k) p.checkpoint[k] = b.checkpoints[k];
  p.seu_rate = b.seu_rate;
  p.seu_targets = b.seu_targets;
  p.seed = seed;
  p.next64 = tables ? tables->next64.data() : nullptr;
  p.jump64 = tables ? tables->jump64.data() : nullptr;
  return p;
}

BayesMachineEngine::BayesMachineEngine(const Backend& backend, const BayesMachineParams& p, std::uint64_t cell_count) : backend_(backend) {
#if defined(MC_HAVE_CUDA)
  if (backend.kind == Backend::kCuda) gpu_ = std::make_unique<BayesMachineGpu>(backend.gpu, p, cell_count);
#else
  (void)p, (void)cell_count;
#endif
}

BayesMachineEngine::~BayesMachineEngine() = default;

void BayesMachineEngine::infer(const BayesMachineParams& p, const std::uint16_t* words, std::uint64_t stride, std::uint64_t first,
                               std::uint64_t n, BayesOutcome* out, const RunHooks& hooks) {
#if defined(MC_HAVE_CUDA)
  if (gpu_) return gpu_->infer(p, words, stride, first, n, out, hooks);
#endif
  bayes_machine_cpu(p, words, stride, first, n, out, hooks);
}

std::uint64_t BayesMachineEngine::batch(std::uint64_t host_bytes_each) const {
  std::uint64_t b = std::uint64_t{1} << 15;
#if defined(MC_HAVE_CUDA)
  if (gpu_) b = std::max(b, std::min(gpu_->preferred_batch(), (std::uint64_t{1} << 30) / std::max<std::uint64_t>(host_bytes_each, 1)));
#endif
  (void)host_bytes_each;
  return b;
}

RunSummary run_bayes_machine(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out) {
  const BayesMachineSpec& b = s.spec_as<BayesMachineSpec>();
  const double t0 = now_seconds();
  const BayesTask task = build_bayes_task(b, b.task_seed);
  const int C = task.classes, O = task.observations, V = task.levels, B = b.bits;
  const std::size_t blocks = static_cast<std::size_t>(C) * O;
  const std::uint64_t inferences = task.samples * b.repeats;
  const LfsrTables tables = build_lfsr_tables(b.lfsr_taps, B);
  BayesMachineParams p = bayes_machine_params(b, C, O, s.seed, &tables);

  // Storage: every chip programs every word of the table once (d2d) and reads it once here; rereads per inference
  // or per cycle happen in the kernel (per cycle from the programmed cells). The logarithmic machine, run here,
  // reads its words here.
  const StorageParams st{s.device, b.cell, b.errors, b.compliance, b.read_threshold, b.aging_cycles, b.ber, s.seed};
  const std::vector<std::uint16_t>& ideal = b.log_mode ? task.logwords : task.words;
  const std::size_t table_words = ideal.size();
  const bool rereads = b.reread != StorageReread::kChip && b.errors != StorageErrors::kNone;
  const bool kernel_reads = rereads && !b.log_mode, per_cycle = kernel_reads && b.reread == StorageReread::kCycle;
  if (kernel_reads && b.chips * table_words >= (std::uint64_t{1} << 32))
    throw InputError(SourceMark{s.file}, "bayes_machine.chips", "storage.reread indexes stored words in 32 bits; " + std::to_string(b.chips) +
                     " chips x " + std::to_string(table_words) + " words is too many");
  std::vector<std::uint16_t> chip_words(b.chips * table_words);
  std::vector<StoredCell> cells(kernel_reads && b.errors == StorageErrors::kDevice ? b.chips * table_words * B : 0);
  for (std::size_t bit = 0; bit < cells.size(); ++bit) cells[bit] = stored_bit_program(st, bit, (ideal[(bit / B) % table_words] >> (bit % B)) & 1u);
  std::uint64_t bit_errors = 0, bits_read = 0;
  for (std::uint64_t c = 0; c < b.chips; ++c)
    for (std::size_t w = 0; w < table_words; ++w) {
      const std::uint32_t got = stored_word_read(st, (c * table_words + w) * B, ideal[w], B, 0);
      chip_words[c * table_words + w] = static_cast<std::uint16_t>(got);
      bit_errors += static_cast<std::uint64_t>(__builtin_popcount(got ^ ideal[w]));
      bits_read += B;
    }
  p.reread = kernel_reads ? b.reread : StorageReread::kChip;
  p.storage = st;
  p.cells = cells.empty() ? nullptr : cells.data();

  Progress progress("bayes_machine", point_work(s), work_unit(s), opt.quiet || opt.progress);
  const RunHooks hooks = point_hooks(backend, opt, progress);

  const int K = p.checkpoints;
  std::vector<std::uint64_t> correct(K, 0), agree(K, 0), ties(K, 0);
  std::vector<std::uint64_t> confusion(static_cast<std::size_t>(C) * C, 0);
  std::uint64_t early_correct = 0, early_agree = 0, early_ties = 0, cycles_sum = 0, upsets = 0, slow = 0;
  std::uint64_t fx_correct = 0, fx_agree = 0, fx_upsets = 0, exact_correct = 0;
  BayesMachineEngine engine(backend, p, cells.size());
  const std::uint64_t kBatch = engine.batch(sizeof(BayesOutcome) + blocks * (sizeof(std::uint16_t) + (kernel_reads ? sizeof(std::uint32_t) : 0)));
  std::vector<std::uint16_t> words;
  std::vector<std::uint32_t> word_ids;
  std::vector<BayesOutcome> outcomes;
  std::vector<std::uint16_t> logw(blocks);
  for (std::uint64_t n0 = 0; n0 < inferences; n0 += kBatch) {
    const std::uint64_t m = std::min(kBatch, inferences - n0);
    words.assign(m * blocks, 0);
    word_ids.assign(kernel_reads ? m * blocks : 0, 0);
    for (std::uint64_t k = 0; k < m; ++k) {
      const std::uint64_t n = n0 + k, sample = n % task.samples, chip = (n / task.samples) % b.chips;
      for (int y = 0; y < C; ++y)
        for (int i = 0; i < O; ++i) {
          const std::size_t w = task.index(y, i, task.x[sample * O + i]);
          std::uint16_t word = chip_words[chip * table_words + w];
          if (kernel_reads) {  // the kernel reads the written word (once per inference, or every cycle)
            word = ideal[w];
            word_ids[k * blocks + y * O + i] = static_cast<std::uint32_t>(chip * table_words + w);
          } else if (rereads) {  // the logarithmic machine adds each word once: one read per inference
            word = static_cast<std::uint16_t>(stored_word_read(st, (chip * table_words + w) * B, ideal[w], B, 1 + n));
            bit_errors += static_cast<std::uint64_t>(__builtin_popcount(word ^ ideal[w]));
            bits_read += B;
          }
          words[k * blocks + y * O + i] = word;
        }
    }
    outcomes.resize(m);
    p.word_ids = kernel_reads ? word_ids.data() : nullptr;
    if (!b.log_mode) engine.infer(p, words.data(), blocks, n0, m, outcomes.data(), hooks);
    else hooks.progress->fetch_add(m, std::memory_order_relaxed);  // the logarithmic machine runs below
    if (cancel_flag().load()) throw Interrupted();
    for (std::uint64_t k = 0; k < m; ++k) {
      const std::uint64_t n = n0 + k, sample = n % task.samples;
      const int truth = task.label[sample], exact = task.exact[sample];
      exact_correct += exact == truth;
      // The conventional fixed-point naive Bayes on ideal log words, under the same upset rate.
      for (int y = 0; y < C; ++y)
        for (int i = 0; i < O; ++i) logw[y * O + i] = task.logwords[task.index(y, i, task.x[sample * O + i])];
      bool fx_tied = false;
      std::uint32_t fx_up = 0;
      const int fx = fixed_point_nb(logw.data(), C, O, B, task.acc_bits, b.seu_rate, b.seu_targets, s.seed, stream::kBayesFixedPointSeu, n,
                                    &fx_tied, &fx_up);
      fx_correct += fx == truth, fx_agree += fx == exact, fx_upsets += fx_up;
      BayesOutcome& o = outcomes[k];
      if (b.log_mode) {  // the logarithmic machine: its stored (possibly erroneous) log words, added
        bool tied = false;
        std::uint32_t up = 0;
        const int d = fixed_point_nb(words.data() + k * blocks, C, O, B, task.acc_bits, b.seu_rate, b.seu_targets, s.seed, stream::kBayesLogSeu, n,
                                     &tied, &up);
        for (int c = 0; c < K; ++c) o.decision[c] = static_cast<std::int16_t>(d), o.tied[c] = tied;
        o.early_decision = static_cast<std::int16_t>(d), o.early_tied = tied, o.cycles_to_decision = static_cast<std::uint64_t>(C) * O;
        o.upsets = up, o.slow_path = up > 0;
      }
      for (int c = 0; c < K; ++c) {
        correct[c] += o.decision[c] == truth;
        agree[c] += o.decision[c] == exact;
        ties[c] += o.tied[c];
      }
      ++confusion[static_cast<std::size_t>(truth) * C + o.decision[K - 1]];
      early_correct += o.early_decision == truth, early_agree += o.early_decision == exact, early_ties += o.early_tied;
      cycles_sum += o.cycles_to_decision;
      upsets += o.upsets, slow += o.slow_path;
      if (kernel_reads) bit_errors += o.read_errors, bits_read += (per_cycle ? p.cycles : 1) * blocks * B;
    }
  }
  progress.finish();
  const double wall = now_seconds() - t0;
  const double N = static_cast<double>(inferences);

  // Energy: each inference reads its blocks' words (every bit: two devices in 2T2R, one in 1T1R; once, or every
  // cycle with storage.reread: cycle) and runs its cycles (blocks and counters). Read energy is linear in G, so
  // the mean energy is that of the mean conductances (not the medians: the HRS mean is ~25 % above its median).
  const float g_lrs = lrs_mean(s.device, b.compliance), g_hrs = hrs_mean(s.device);
  const double bit_read_pj = b.cell == StorageCell::k2T2R ? read_energy(s.device, g_lrs) + read_energy(s.device, g_hrs)
                                                          : 0.5 * (read_energy(s.device, g_lrs) + read_energy(s.device, g_hrs));
  const double mean_cycles = cycles_sum / N;
  const double reads_per_inference = b.reread == StorageReread::kCycle ? static_cast<double>(b.cycles) : 1.0;
  const double energy = reads_per_inference * blocks * B * bit_read_pj + mean_cycles * (blocks * b.energy_block_cycle + C * b.energy_counter_cycle);
  const char* sharing[] = {"per_block", "per_row", "per_column", "global"};
  const std::string mode = b.log_mode ? "log" : "stochastic";
  const std::string generator = b.generator == BayesGenerator::kLfsr ? "lfsr" : "philox";
  const char* errors[] = {"none", "device", "ber"};
  const char* reread_names[] = {"chip", "inference", "cycle"};

  // Standard errors: inferences are the independent units, or chips when a chip's stored errors shape its
  // inferences (device errors, or a BER drawn once per chip): then sqrt(p(1-p)/chips) bounds them from above.
  const bool chip_errors = b.errors == StorageErrors::kDevice || (b.errors == StorageErrors::kBer && b.reread == StorageReread::kChip);
  const double units = chip_errors ? std::min(N, static_cast<double>(b.chips)) : N;
  CsvTable curve({"cycles", "accuracy", "agreement_with_exact", "ties", "exact_accuracy", "accuracy_se", "agreement_with_exact_se"});
  for (int c = 0; c < K; ++c)
    curve.add_row({std::to_string(p.checkpoint[c]), cell(correct[c] / N), cell(agree[c] / N), cell(ties[c] / N), cell(exact_correct / N),
                   cell(binomial_se(correct[c] / N, units)), cell(binomial_se(agree[c] / N, units))});
  CsvTable conf({"true_class", "decided_class", "count"});
  for (int a = 0; a < C; ++a)
    for (int d = 0; d < C; ++d) conf.add_row({std::to_string(a), std::to_string(d), std::to_string(confusion[static_cast<std::size_t>(a) * C + d])});
  const double bit_ops = b.log_mode ? 0.0 : N * static_cast<double>(blocks) * b.cycles;
  const auto rate = [&](const char* name, double p) {
    return std::vector<std::pair<std::string, std::string>>{{name, cell(p)}, {std::string(name) + "_se", cell(binomial_se(p, units))}};
  };
  ResultRow row = {{"workload", "bayes_machine"}, {"task", b.task}, {"mode", mode}, {"generator", generator},
                   {"lfsr_sharing", sharing[static_cast<int>(b.sharing)]}, {"classes", std::to_string(C)},
                   {"observations", std::to_string(O)}, {"levels", std::to_string(V)}, {"bits", std::to_string(B)},
                   {"cycles", std::to_string(b.cycles)}, {"early_stop", std::to_string(b.early_stop)},
                   {"samples", std::to_string(task.samples)}, {"inferences", std::to_string(inferences)},
                   {"chips", std::to_string(b.chips)}, {"error_units", std::to_string(static_cast<std::uint64_t>(units))}};
  for (const auto& [name, p] : {std::pair{"accuracy", correct[K - 1] / N}, std::pair{"exact_accuracy", exact_correct / N},
                                std::pair{"agreement_with_exact", agree[K - 1] / N}, std::pair{"ties", ties[K - 1] / N},
                                std::pair{"early_accuracy", early_correct / N}, std::pair{"early_agreement_with_exact", early_agree / N}})
    for (auto& c : rate(name, p)) row.push_back(c);
  row.push_back({"mean_cycles_to_decision", cell(mean_cycles)});
  for (const auto& [name, p] : {std::pair{"fixed_point_accuracy", fx_correct / N}, std::pair{"fixed_point_agreement_with_exact", fx_agree / N}})
    for (auto& c : rate(name, p)) row.push_back(c);
  row.insert(row.end(), {{"seu_rate", cell(b.seu_rate)}, {"upsets_per_inference", cell(upsets / N)},
                         {"fixed_point_upsets_per_inference", cell(fx_upsets / N)}, {"storage_errors", errors[static_cast<int>(b.errors)]},
                         {"reread", reread_names[static_cast<int>(b.reread)]}, {"ber", cell(b.ber)}, {"aging_cycles", std::to_string(static_cast<std::uint64_t>(b.aging_cycles))},
                         {"stored_bit_error_rate", cell(bits_read ? static_cast<double>(bit_errors) / bits_read : 0.0)},
                         {"stored_bit_errors", std::to_string(bit_errors)}, {"stored_bits_read", std::to_string(bits_read)},
                         {"energy_per_inference_pJ", cell(energy)}, {"bit_ops", cell(bit_ops)}, {"wall_s", cell(wall)}});
  out.write("accuracy_vs_cycles.csv", curve.str());
  out.write("confusion.csv", conf.str());
  write_results(out, s, opt, row);
  const std::uint64_t programmed = b.errors == StorageErrors::kDevice ? b.chips * table_words * B : 0;
  const std::uint64_t device_reads = static_cast<std::uint64_t>(N * reads_per_inference) * blocks * B * (b.cell == StorageCell::k2T2R ? 2 : 1);
  nlohmann::ordered_json manifest = run_manifest(s, backend, wall, programmed, programmed * (b.cell == StorageCell::k2T2R ? 1 : 0),
                                                 device_reads, {"results.csv", "accuracy_vs_cycles.csv", "confusion.csv"});
  manifest["bit_ops"] = static_cast<std::uint64_t>(bit_ops);
  manifest["task"] = task.description;
  out.write("manifest.json", manifest.dump(2) + "\n");

  RunSummary summary;
  summary.out_dir = opt.out_dir;
  summary.wall_seconds = wall;
  summary.rows = {
      {"task", task.description},
      {"machine", fmt::format("{} ({}), {} classes x {} observations, B = {}, T = {}", mode, generator, C, O, B, b.cycles)},
      {"backend", backend.name + " (" + backend.device + ")"},
      {"inferences", fmt::format("{} ({} upset, {} slow-path)", inferences, upsets, slow)},
      {"accuracy at T", fmt::format("{:.4f} (exact naive Bayes {:.4f}, agreement {:.4f}, ties {:.4f})", correct[K - 1] / N,
                                    exact_correct / N, agree[K - 1] / N, ties[K - 1] / N)},
      {"early stop", b.early_stop ? fmt::format("K = {}: accuracy {:.4f}, mean cycles {:.1f}", b.early_stop, early_correct / N, mean_cycles)
                                  : std::string("off")},
      {"fixed-point NB", fmt::format("accuracy {:.4f} (agreement {:.4f})", fx_correct / N, fx_agree / N)},
      {"stored bit error rate", fmt::format("{:.3g}", bits_read ? static_cast<double>(bit_errors) / bits_read : 0.0)},
      {"energy per inference", fmt::format("{:.4g} pJ", energy)},
      {"wall time", fmt::format("{:.2f} s", wall)},
  };
  return summary;
}

}  // namespace mc
