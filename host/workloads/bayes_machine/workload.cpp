// Workload `bayes_machine`: its keys, their resolution (files resolved against the scenario file and loaded
// once to check them, LFSR taps and seeds) and what `validate` prints; the task, run, compare and bench live
// beside this file.
#include <fmt/format.h>

#include "data/dataset.hpp"
#include "data/likelihood_table.hpp"
#include "scenario/resolver.hpp"
#include "workloads/bayes_machine/bayes_machine.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"

namespace mc {

namespace {

class BayesMachineWorkload final : public Workload {
 public:
  const char* name() const override { return "bayes_machine"; }
  const char* description() const override { return "the stochastic Bayesian machine"; }

  std::vector<KeySpec> keys() const override {
    return {
      choice_key("bayes_machine.task", {"synthetic", "table", "csv"}, "synthetic",
             "synthetic: random known likelihood table; table: a likelihood table file; csv: learn from a data set."),
      text_key("bayes_machine.data", "", "csv: data set file (data/README.md format), relative to the scenario file."),
      text_key("bayes_machine.table", "", "table: likelihood table CSV (class,observation,level,probability), relative to the scenario file."),
      integer_key("bayes_machine.task_seed", "1", 0, 4294967295.0, "Seed of the task (synthetic table, samples, train/test split), apart from the point's seed so sweep points share one task."),
      num_key("bayes_machine.test_fraction", Dimension::kNone, "0.3", 0.01, 0.99, "csv: fraction of each class held out for inference (stratified)."),
      integer_key("bayes_machine.levels", "8", 2, 64, "csv: levels V each continuous feature is discretized into."),
      choice_key("bayes_machine.binning", {"quantile", "uniform"}, "quantile", "csv: bin edges from training quantiles, or uniform over the training range."),
      num_key("bayes_machine.smoothing", Dimension::kNone, "1", 0, 1e6, "csv: Laplace smoothing alpha of the likelihood counts."),
      choice_key("bayes_machine.prior", {"false", "true"}, "false", "csv: add the class prior as one more observation column."),
      integer_key("bayes_machine.synthetic.classes", "4", 2, 32, "synthetic: classes."),
      integer_key("bayes_machine.synthetic.observations", "8", 1, 128, "synthetic: observations (features)."),
      integer_key("bayes_machine.synthetic.levels", "8", 2, 64, "synthetic: levels of each observation."),
      integer_key("bayes_machine.synthetic.samples", "2000", 1, 1e7, "synthetic and table: samples drawn from the table for inference."),
      num_key("bayes_machine.synthetic.sharpness", Dimension::kNone, "1", 0, 20, "synthetic: likelihoods are exp(sharpness*z) normalized (z normal): larger is more informative."),
      choice_key("bayes_machine.mode", {"stochastic", "log"}, "stochastic",
             "stochastic: bitstreams ANDed and counted; log: B-bit log-likelihoods added (Turck 2025)."),
      integer_key("bayes_machine.bits", "8", 1, 16, "B: bits of each likelihood word and random number."),
      choice_key("bayes_machine.generator", {"lfsr", "philox"}, "lfsr", "Random numbers: per-block LFSRs as in the hardware, or ideal Philox."),
      integer_key("bayes_machine.cycles", "255", 1, static_cast<double>(kBayesMaxCycles), "T: clock cycles per inference."),
      int_list_key("bayes_machine.checkpoints", 1, static_cast<double>(kBayesMaxCycles), "Cycle counts of the accuracy-vs-cycles curve (default: powers of 2 up to cycles)."),
      integer_key("bayes_machine.early_stop", "0", 0, 4294967295.0, "K: the first class whose count reaches K decides (0: off; decide after cycles)."),
      integer_key("bayes_machine.repeats", "1", 1, 1e6, "Inferences per test sample (each with fresh random numbers)."),
      integer_key("bayes_machine.chips", "1", 1, 1e6, "Simulated chips (d2d): repeat r runs on chip r mod chips."),
      integer_key("bayes_machine.lfsr.taps", "0", 0, 65535, "LFSR feedback mask, bit k = state bit k (0: a maximal-length default for B)."),
      choice_key("bayes_machine.lfsr.maximal", {"true", "false"}, "true", "true: refuse taps whose period is not 2^B - 1."),
      choice_key("bayes_machine.lfsr.sharing", {"per_block", "per_row", "per_column", "global"}, "per_block",
             "Blocks sharing one LFSR: each its own, one per class row, one per observation column, one for all."),
      choice_key("bayes_machine.lfsr.seeding", {"random", "fixed"}, "random",
             "random: a random phase per LFSR and inference; fixed: LFSR k starts k*spacing steps after seed."),
      integer_key("bayes_machine.lfsr.seed", "1", 0, 65535, "fixed seeding: start state of LFSR 0 (nonzero, below 2^B)."),
      integer_key("bayes_machine.lfsr.spacing", "37", 0, 4294967295.0, "fixed seeding: steps between the start states of consecutive LFSRs."),
      choice_key("bayes_machine.storage.cell", {"2t2r", "1t1r"}, "2t2r", "Bit cell: complementary pair read by a sense amplifier, or one device vs a threshold."),
      choice_key("bayes_machine.storage.errors", {"none", "device", "ber"}, "none",
             "Stored-bit errors: none, from the device model (programming after aging, read noise), or an explicit BER."),
      num_key("bayes_machine.storage.ber", Dimension::kNone, "0", 0, 0.5, "errors: ber: probability that a stored bit reads flipped."),
      integer_key("bayes_machine.storage.aging_cycles", "0", 0, 1e15, "errors: device: SET/RESET cycles the devices went through before programming."),
      num_key("bayes_machine.storage.compliance", Dimension::kCurrent, "100 uA", 1e-3, 1e6, "errors: device: SET compliance of programming."),
      num_key("bayes_machine.storage.read_threshold", Dimension::kConductance, "20 uS", 0, 1e7, "1t1r: a read at or above it is a 1."),
      choice_key("bayes_machine.storage.reread", {"chip", "inference", "cycle"}, "chip",
             "When stored words are read (each read with fresh read noise or BER draw): once per simulated chip after programming, again for every inference, or every clock cycle (cycle-by-cycle path, slower)."),
      num_key("bayes_machine.seu.rate", Dimension::kNone, "0", 0, 0.5, "Single-event upsets per bit per cycle (also applied to the conventional fixed-point NB)."),
      choice_key("bayes_machine.seu.targets", {"all", "lfsr", "counters", "words", "registers"}, "all",
             "Registers hit: LFSR states, counters (accumulators of the fixed-point NB), latched words; registers = lfsr + counters."),
      num_key("bayes_machine.energy.block_cycle", Dimension::kEnergy, "0.01 pJ", 0, 1e6, "Energy of one block for one cycle (random number, compare, AND) [default]."),
      num_key("bayes_machine.energy.counter_cycle", Dimension::kEnergy, "0.005 pJ", 0, 1e6, "Energy of one class counter for one cycle [default].")
    };
  }

  void resolve(Resolver& r, Scenario& s) const override {
    BayesMachineSpec b;
    const auto relative = [&](const std::string& key) {
      const std::string path = r.data_file(key);
      if (path.empty()) throw InputError(r.mark("bayes_machine.task"), key, "bayes_machine.task needs " + key + " (a file path)");
      return path;
    };
    b.task = r.choice("bayes_machine.task");
    b.task_seed = static_cast<std::uint32_t>(r.number("bayes_machine.task_seed"));
    b.test_fraction = r.number("bayes_machine.test_fraction");
    b.levels = static_cast<int>(r.number("bayes_machine.levels"));
    b.quantile_bins = r.choice("bayes_machine.binning") == "quantile";
    b.smoothing = r.number("bayes_machine.smoothing");
    b.prior = r.choice("bayes_machine.prior") == "true";
    b.syn_classes = static_cast<int>(r.number("bayes_machine.synthetic.classes"));
    b.syn_observations = static_cast<int>(r.number("bayes_machine.synthetic.observations"));
    b.syn_levels = static_cast<int>(r.number("bayes_machine.synthetic.levels"));
    b.syn_samples = static_cast<std::uint64_t>(r.number("bayes_machine.synthetic.samples"));
    b.syn_sharpness = r.number("bayes_machine.synthetic.sharpness");
    int classes = b.syn_classes, observations = b.syn_observations;
    b.samples = b.syn_samples;
    if (b.task == "csv") {
      b.data_file = relative("bayes_machine.data");
      const Dataset d = load_csv_dataset(b.data_file, kBayesMaxObservations - (b.prior ? 1 : 0));
      if (d.classes > kBayesMaxClasses)
        throw InputError(SourceMark{b.data_file}, "", "has " + std::to_string(d.classes) + " classes; the machine holds at most " + std::to_string(kBayesMaxClasses));
      classes = d.classes;
      observations = static_cast<int>(d.features.size()) + (b.prior ? 1 : 0);
      const Split split = stratified_split(d, b.test_fraction, 0);  // the counts depend on the labels only
      b.samples = split.test.size();
      if (split.test.empty() || split.train.empty())
        throw InputError(r.mark("bayes_machine.test_fraction"), "bayes_machine.test_fraction",
                         "the " + std::string(split.test.empty() ? "test" : "training") + " split of " + b.data_file + " is empty (" +
                             std::to_string(split.train.size()) + " training and " + std::to_string(split.test.size()) +
                             " test rows); expected both splits to hold data");
    } else if (b.task == "table") {
      b.table_file = relative("bayes_machine.table");
      const LikelihoodTable t = load_likelihood_table(b.table_file, kBayesMaxClasses, kBayesMaxObservations, 64);
      classes = t.classes;
      observations = t.observations;
    }
    if (classes * observations > kBayesMaxBlocks)
      throw InputError(r.mark("bayes_machine.task"), "bayes_machine.task", "the machine would have " + std::to_string(classes) + " x " +
                       std::to_string(observations) + " blocks; at most " + std::to_string(kBayesMaxBlocks) + " are supported");
    b.log_mode = r.choice("bayes_machine.mode") == "log";
    b.bits = static_cast<int>(r.number("bayes_machine.bits"));
    b.generator = r.choice("bayes_machine.generator") == "lfsr" ? BayesGenerator::kLfsr : BayesGenerator::kPhilox;
    b.cycles = static_cast<std::uint64_t>(r.number("bayes_machine.cycles"));
    b.checkpoints = r.int_list("bayes_machine.checkpoints");
    if (b.checkpoints.empty()) {
      for (std::uint64_t c = 1; c < b.cycles; c *= 2) b.checkpoints.push_back(c);
      b.checkpoints.push_back(b.cycles);
      while (b.checkpoints.size() > static_cast<std::size_t>(kBayesMaxCheckpoints)) b.checkpoints.erase(b.checkpoints.begin());
    } else {
      check_checkpoints(r, "bayes_machine", b.cycles, b.checkpoints);
      if (b.checkpoints.size() > static_cast<std::size_t>(kBayesMaxCheckpoints))
        throw InputError(r.mark("bayes_machine.checkpoints"), "bayes_machine.checkpoints", "at most " + std::to_string(kBayesMaxCheckpoints) + " checkpoints (cycles included)");
    }
    b.early_stop = static_cast<std::uint32_t>(r.number("bayes_machine.early_stop"));
    b.repeats = static_cast<std::uint64_t>(r.number("bayes_machine.repeats"));
    b.chips = static_cast<std::uint64_t>(r.number("bayes_machine.chips"));
    // LFSR: taps within B bits, maximal when asked, a nonzero seed below 2^B.
    const std::uint32_t states = 1u << b.bits;
    b.lfsr_taps = static_cast<std::uint32_t>(r.number("bayes_machine.lfsr.taps"));
    const bool given_taps = b.lfsr_taps != 0;
    if (!given_taps) b.lfsr_taps = default_taps(b.bits);
    if (b.lfsr_taps >= states)
      throw InputError(r.mark("bayes_machine.lfsr.taps"), "bayes_machine.lfsr.taps", "taps " + std::to_string(b.lfsr_taps) + " use bits beyond B = " + std::to_string(b.bits) + " (expected below " + std::to_string(states) + ")");
    const bool need_maximal = r.choice("bayes_machine.lfsr.maximal") == "true";
    if (b.generator == BayesGenerator::kLfsr && need_maximal) {
      const std::uint32_t period = lfsr_period(b.lfsr_taps, b.bits);
      if (period != states - 1)
        throw InputError(r.mark("bayes_machine.lfsr.taps"), "bayes_machine.lfsr.taps", "degenerate LFSR: taps " + std::to_string(b.lfsr_taps) +
                         " are not maximal-length for B = " + std::to_string(b.bits) + " (period " + (period ? std::to_string(period) : std::string("not through state 1")) +
                         ", expected " + std::to_string(states - 1) + "); use 0 for the default taps " + std::to_string(default_taps(b.bits)) + " or set lfsr.maximal: false");
    }
    const std::string sharing = r.choice("bayes_machine.lfsr.sharing");
    b.sharing = sharing == "per_block" ? LfsrSharing::kPerBlock : sharing == "per_row" ? LfsrSharing::kPerRow : sharing == "per_column" ? LfsrSharing::kPerColumn : LfsrSharing::kGlobal;
    b.seeding = r.choice("bayes_machine.lfsr.seeding") == "random" ? LfsrSeeding::kRandom : LfsrSeeding::kFixed;
    b.lfsr_seed = static_cast<std::uint32_t>(r.number("bayes_machine.lfsr.seed"));
    if (b.generator == BayesGenerator::kLfsr && b.seeding == LfsrSeeding::kFixed) {
      if (b.lfsr_seed == 0)
        throw InputError(r.mark("bayes_machine.lfsr.seed"), "bayes_machine.lfsr.seed", "degenerate LFSR: an all-zero seed never leaves state 0");
      if (b.lfsr_seed >= states)
        throw InputError(r.mark("bayes_machine.lfsr.seed"), "bayes_machine.lfsr.seed", "expected a nonzero seed below 2^B = " + std::to_string(states) + ", got " + std::to_string(b.lfsr_seed));
    }
    b.lfsr_spacing = static_cast<std::uint32_t>(r.number("bayes_machine.lfsr.spacing"));
    b.cell = r.choice("bayes_machine.storage.cell") == "2t2r" ? StorageCell::k2T2R : StorageCell::k1T1R;
    const std::string errors = r.choice("bayes_machine.storage.errors");
    b.errors = errors == "none" ? StorageErrors::kNone : errors == "device" ? StorageErrors::kDevice : StorageErrors::kBer;
    b.ber = r.number("bayes_machine.storage.ber");
    b.aging_cycles = r.number("bayes_machine.storage.aging_cycles");
    b.compliance = static_cast<float>(r.number("bayes_machine.storage.compliance"));
    b.read_threshold = static_cast<float>(r.number("bayes_machine.storage.read_threshold"));
    const std::string reread = r.choice("bayes_machine.storage.reread");
    b.reread = reread == "chip" ? StorageReread::kChip : reread == "inference" ? StorageReread::kInference : StorageReread::kCycle;
    b.seu_rate = r.number("bayes_machine.seu.rate");
    const std::string targets = r.choice("bayes_machine.seu.targets");
    b.seu_targets = targets == "all" ? (kSeuLfsr | kSeuCounters | kSeuWords) : targets == "lfsr" ? kSeuLfsr : targets == "counters" ? kSeuCounters
                    : targets == "words" ? kSeuWords : (kSeuLfsr | kSeuCounters);
    b.energy_block_cycle = static_cast<float>(r.number("bayes_machine.energy.block_cycle"));
    b.energy_counter_cycle = static_cast<float>(r.number("bayes_machine.energy.counter_cycle"));
    s.spec = std::move(b);
  }

  const char* work_unit() const override { return "inferences"; }
  double work(const Scenario& s) const override {
    const BayesMachineSpec& b = s.spec_as<BayesMachineSpec>();
    return static_cast<double>(b.repeats) * static_cast<double>(b.samples);
  }

  void describe(const Scenario& s, double, bool sweep, TableRows& rows) const override {
    const BayesMachineSpec& b = s.spec_as<BayesMachineSpec>();
    rows.push_back({"task", b.task + (b.task == "csv" ? " (" + b.data_file + ")" : b.task == "table" ? " (" + b.table_file + ")" : "")});
    rows.push_back({"machine", fmt::format("{}, B = {}, T = {}, {}", b.log_mode ? "log" : "stochastic", b.bits, b.cycles,
                                           b.generator == BayesGenerator::kLfsr ? "lfsr" : "philox")});
    rows.push_back({"inferences", fmt::format("{} samples x {} repeats{}", b.samples, b.repeats, sweep ? " (point 0)" : "")});
  }

  RunSummary run(const Scenario& s, const Backend& b, const RunOptions& opt, const OutputFolder& out) const override {
    return run_bayes_machine(s, b, opt, out);
  }
  void compare(const Manifest& a, const Manifest& b, std::vector<CompareRow>& rows) const override { compare_bayes_machine(a, b, rows); }

  std::vector<BenchOption> bench_options() const override {
    return {{"inferences", 1000000, "bayes_machine: inferences (default 1000000)"},
            {"baseline-inferences", 0, "bayes_machine: inferences for the NumPy baseline (default 20000)"}};
  }
  int bench(const BenchArgs& args) const override { return bench_bayes_machine(args); }

  const char* plot_script() const override { return "tools/plot_bayes_machine.py"; }
};

}  // namespace

const Workload& bayes_machine_workload() {
  static const BayesMachineWorkload w;
  return w;
}

}  // namespace mc
