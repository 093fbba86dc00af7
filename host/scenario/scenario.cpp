#include "scenario/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <cstdio>
#include <sstream>

#include "data/dataset.hpp"
#include "data/likelihood_table.hpp"
#include "scenario/schema.hpp"
#include "scenario/yaml_internal.hpp"

namespace mc {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;  // scenarios are small; refuse anything larger

struct Entry {
  YAML::Node node;
  SourceMark mark;
};
using Entries = std::map<std::string, Entry>;

SourceMark mark_of(const YAML::Node& n, const std::string& file) {
  const YAML::Mark m = n.Mark();
  return SourceMark{file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
}

std::string read_text(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(SourceMark{path}, "", what + " not found (no such file)");
  if (fs::file_size(path, ec) > kMaxFileBytes) throw InputError(SourceMark{path}, "", what + " is larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  // YAML forbids tabs in indentation; say so plainly instead of yaml-cpp's generic message.
  int line = 1;
  bool at_start = true;
  int column = 1;
  for (char c : text) {
    if (c == '\n') {
      ++line, at_start = true, column = 1;
      continue;
    }
    if (at_start && c == '\t') throw InputError(SourceMark{file, line, column}, "", "tab character in indentation (YAML indents with spaces)");
    if (c != ' ') at_start = false;
    ++column;
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(SourceMark{file, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax: " + e.msg);
  }
}

std::string type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing";
    default: return "'" + n.Scalar() + "'";
  }
}

/// Walk a mapping against the schema, collecting leaf entries by full path.
void walk(const YAML::Node& map, const std::string& section, const std::string& file, Entries& out) {
  if (!map.IsMap()) {
    throw InputError(mark_of(map, file), section.empty() ? "" : section,
                     "expected a mapping of keys, got " + type_name(map));
  }
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string key = it->first.Scalar();
    const std::string path = section.empty() ? key : section + "." + key;
    const SourceMark where = mark_of(it->first, file);
    if (!seen.insert(key).second) throw InputError(where, path, "duplicate key (given twice in the same mapping)");
    if (find_key(path)) {
      out[path] = Entry{it->second, mark_of(it->second, file)};
    } else if (is_section(path)) {
      walk(it->second, path, file, out);
    } else {
      std::string msg = "unknown key '" + key + "'";
      auto children = section_children(section);
      if (section.empty()) children.push_back("sweep");
      const std::string guess = did_you_mean(key, children);
      msg += guess.empty() ? " (allowed here: " : " (did you mean '" + guess + "'? allowed here: ";
      for (std::size_t i = 0; i < children.size(); ++i) msg += (i ? ", " : "") + children[i];
      throw InputError(where, path, msg + ")");
    }
  }
}

std::string fmt_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string with_unit(Dimension d) { return *internal_unit(d) ? std::string(" ") + internal_unit(d) : std::string(); }

class Resolver {
 public:
  Resolver(Entries entries, std::string file) : e_(std::move(entries)), file_(std::move(file)) {}

  bool has(const std::string& path) const { return e_.count(path) != 0; }

  SourceMark mark(const std::string& path) const {
    auto it = e_.find(path);
    return it == e_.end() ? SourceMark{file_} : it->second.mark;
  }

  double number(const std::string& path) {
    const KeySpec& k = *find_key(path);
    double v;
    std::string text;
    SourceMark where{file_};
    if (auto it = e_.find(path); it != e_.end()) {
      where = it->second.mark;
      if (!it->second.node.IsScalar()) throw InputError(where, path, "expected " + expectation(k) + ", got " + type_name(it->second.node));
      text = it->second.node.Scalar();
    } else {
      text = k.default_text;
    }
    v = scalar_value(k, text, where);
    if (!(v >= k.min && v <= k.max))
      throw InputError(where, path, "expected " + expectation(k) + " in " + fmt_num(k.min) + " .. " + fmt_num(k.max) +
                                        with_unit(k.dim) + ", got '" + text + "'");
    resolved_[path] = v;
    return v;
  }

  std::string choice(const std::string& path) {
    const KeySpec& k = *find_key(path);
    std::string v = k.default_text;
    if (auto it = e_.find(path); it != e_.end()) {
      if (!it->second.node.IsScalar()) throw InputError(it->second.mark, path, "expected " + expectation(k) + ", got " + type_name(it->second.node));
      v = it->second.node.Scalar();
      if (k.kind == KeyKind::kEnum && std::find(k.choices.begin(), k.choices.end(), v) == k.choices.end()) {
        const std::string guess = did_you_mean(v, k.choices);
        throw InputError(it->second.mark, path, "expected " + expectation(k) + ", got '" + v + "'" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
      }
    }
    resolved_[path] = v;
    return v;
  }

  Table table(const std::string& path) {
    const KeySpec& k = *find_key(path);
    Table t{};
    auto it = e_.find(path);
    if (it == e_.end()) return t;
    const YAML::Node& n = it->second.node;
    if (!n.IsSequence() || n.size() < 2 || n.size() > static_cast<std::size_t>(kMaxTable))
      throw InputError(it->second.mark, path, "expected a list of 2 to 16 [x, y] pairs, got " + type_name(n));
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node& row = n[i];
      const SourceMark where = mark_of(row, file_);
      if (!row.IsSequence() || row.size() != 2 || !row[0].IsScalar() || !row[1].IsScalar())
        throw InputError(where, path + "[" + std::to_string(i) + "]", "expected a pair [x, y], got " + type_name(row));
      const double x = quantity(k.dim_x, row[0].Scalar(), where, path + "[" + std::to_string(i) + "][0]");
      const double y = quantity(k.dim, row[1].Scalar(), where, path + "[" + std::to_string(i) + "][1]");
      if (i > 0 && !(x > t.x[i - 1])) throw InputError(where, path + "[" + std::to_string(i) + "]", "x values must increase");
      if (y < 0) throw InputError(where, path + "[" + std::to_string(i) + "]", "y must not be negative");
      t.x[i] = static_cast<float>(x), t.y[i] = static_cast<float>(y);
      rows.push_back({x, y});
    }
    t.n = static_cast<int>(n.size());
    for (int i = t.n; i < kMaxTable; ++i) t.x[i] = t.x[t.n - 1] + static_cast<float>(i), t.y[i] = t.y[t.n - 1];
    resolved_[path] = rows;
    return t;
  }

  std::vector<std::uint64_t> int_list(const std::string& path) {
    const KeySpec& k = *find_key(path);
    std::vector<std::uint64_t> out;
    auto it = e_.find(path);
    if (it == e_.end()) return out;
    const YAML::Node& n = it->second.node;
    if (!n.IsSequence() || n.size() == 0 || n.size() > 10000)
      throw InputError(it->second.mark, path, "expected a list of 1 to 10000 integers, got " + type_name(n));
    for (std::size_t i = 0; i < n.size(); ++i) {
      const SourceMark where = mark_of(n[i], file_);
      const std::string item = path + "[" + std::to_string(i) + "]";
      if (!n[i].IsScalar()) throw InputError(where, item, "expected an integer, got " + type_name(n[i]));
      const double v = scalar_value(k, n[i].Scalar(), where, item);
      if (!(v >= k.min && v <= k.max)) throw InputError(where, item, "expected an integer in " + fmt_num(k.min) + " .. " + fmt_num(k.max) + ", got '" + n[i].Scalar() + "'");
      out.push_back(static_cast<std::uint64_t>(v));
    }
    resolved_[path] = out;
    return out;
  }

  nlohmann::ordered_json take_resolved() { return std::move(resolved_); }

 private:
  static std::string expectation(const KeySpec& k) {
    switch (k.kind) {
      case KeyKind::kInteger: return "an integer";
      case KeyKind::kNumber: return k.dim == Dimension::kNone ? std::string("a number") : std::string(dimension_name(k.dim)) + " (" + accepted_units(k.dim) + ")";
      case KeyKind::kEnum: {
        std::string s = "one of";
        for (std::size_t i = 0; i < k.choices.size(); ++i) s += (i ? ", " : " ") + k.choices[i];
        return s;
      }
      case KeyKind::kString: return "a string";
      default: return "a list";
    }
  }

  double quantity(Dimension d, const std::string& text, const SourceMark& where, const std::string& key) const {
    std::string why;
    const auto v = parse_quantity(text, d, &why);
    if (!v) throw InputError(where, key, why);
    return *v;
  }

  double scalar_value(const KeySpec& k, const std::string& text, const SourceMark& where, const std::string& key_override = "") const {
    const std::string key = key_override.empty() ? k.path : key_override;
    const double v = quantity(k.dim, text, where, key);
    if ((k.kind == KeyKind::kInteger || k.kind == KeyKind::kIntList) && v != std::floor(v))
      throw InputError(where, key, "expected an integer, got '" + text + "'");
    return v;
  }

  Entries e_;
  std::string file_;
  nlohmann::ordered_json resolved_;
};

fs::path find_preset(const std::string& name, const std::string& scenario_file) {
  fs::path base = fs::path(scenario_file).parent_path();
  if (base.empty()) base = ".";  // a bare file name lives in the current folder
  std::vector<fs::path> candidates;
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0) {
    candidates.push_back(base / name);
  } else {
    if (const char* env = std::getenv("MC_PRESET_PATH")) candidates.push_back(fs::path(env) / (name + ".yaml"));
    for (fs::path dir = fs::absolute(base); !dir.empty(); dir = dir.parent_path()) {
      candidates.push_back(dir / "configs" / "devices" / (name + ".yaml"));
      candidates.push_back(dir / "devices" / (name + ".yaml"));
      if (dir == dir.parent_path()) break;
    }
    candidates.push_back(fs::path(MC_SOURCE_DIR) / "configs" / "devices" / (name + ".yaml"));
  }
  for (const fs::path& c : candidates)
    if (fs::is_regular_file(c)) return c;
  return {};
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(MC_SOURCE_DIR) / "configs" / "devices", ec))
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// A given <block>.checkpoints list: increasing, none beyond <block>.cycles; the cycle count is appended when
/// the list does not end there.
void check_checkpoints(Resolver& r, const std::string& block, std::uint64_t cycles, std::vector<std::uint64_t>& checkpoints) {
  const std::string list = block + ".checkpoints";
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    const std::string key = list + "[" + std::to_string(i) + "]";
    if (checkpoints[i] > cycles)
      throw InputError(r.mark(list), key, "checkpoint " + std::to_string(checkpoints[i]) + " is beyond " + block + ".cycles = " + std::to_string(cycles));
    if (i > 0 && checkpoints[i] <= checkpoints[i - 1]) throw InputError(r.mark(list), key, "checkpoints must increase");
  }
  if (checkpoints.back() != cycles) checkpoints.push_back(cycles);
}

/// The mcmc block: keys, cross-key rules, and the data file resolved next to the scenario.
void resolve_mcmc(Resolver& r, Scenario& s) {
  McmcSpec& c = s.mcmc;
  const std::string task = r.choice("mcmc.task");
  c.task = task == "csv" ? McmcTask::kCsv : task == "illustrative_2d" ? McmcTask::kIllustrative2d
         : task == "linear_regression" ? McmcTask::kLinearRegression : McmcTask::kCartpole;
  const std::string data = r.choice("mcmc.data");
  if (c.task == McmcTask::kCsv) {
    if (data.empty()) throw InputError(r.mark("mcmc.task"), "mcmc.data", "task csv needs mcmc.data, the path of a data set CSV");
    fs::path p(data);
    if (p.is_relative()) {
      const fs::path beside = fs::path(s.file).parent_path() / p;
      // Shipped scenarios name data/... from the project root; accept that too when nothing lies beside the file.
      p = fs::exists(beside) || !fs::exists(fs::path(MC_SOURCE_DIR) / p) ? beside : fs::path(MC_SOURCE_DIR) / p;
    }
    if (!fs::is_regular_file(p)) throw InputError(r.mark("mcmc.data"), "mcmc.data", "no such data file '" + p.string() + "'");
    c.data = p.string();
  } else if (!data.empty()) {
    throw InputError(r.mark("mcmc.data"), "mcmc.data", "only task csv reads a data file; this task is '" + task + "'");
  }
  c.data_seed = static_cast<std::uint32_t>(r.number("mcmc.data_seed"));
  c.test_fraction = r.number("mcmc.test_fraction");
  c.samples = static_cast<std::uint64_t>(r.number("mcmc.samples"));
  c.features = static_cast<std::uint64_t>(r.number("mcmc.features"));
  c.noise_sigma = r.number("mcmc.noise_sigma");
  c.bias = r.choice("mcmc.bias") == "true";
  c.model = r.choice("mcmc.model");
  if ((c.task == McmcTask::kLinearRegression) != (c.model == "linear") && c.task != McmcTask::kCartpole &&
      !(c.task == McmcTask::kCsv && c.model == "linear"))  // csv + linear: the last column is a real-valued target
    throw InputError(r.mark("mcmc.model"), "mcmc.model", c.task == McmcTask::kLinearRegression
                         ? "task linear_regression needs model linear, got '" + c.model + "'"
                         : "model linear is for task linear_regression, csv (a real-valued last column) or cartpole; use logistic or mlp for task '" + task + "'");
  if (c.task == McmcTask::kCartpole && c.model == "logistic")
    throw InputError(r.mark("mcmc.model"), "mcmc.model", "task cartpole takes a linear or mlp policy, got 'logistic'");
  c.hidden = static_cast<int>(r.number("mcmc.hidden"));
  c.differential = r.choice("mcmc.weights") == "differential";
  c.weight_scale = r.number("mcmc.weight_scale");
  c.g_init = r.number("mcmc.g_init");
  c.g_ref = r.number("mcmc.g_ref");
  const DeviceModel& m = s.device;
  if (c.g_init <= m.g_min || c.g_init >= m.g_max)
    throw InputError(r.mark("mcmc.g_init"), "mcmc.g_init", "must lie between device.g_min and device.g_max");
  c.prior_sigma = r.number("mcmc.prior_sigma");
  const std::string proposal = r.choice("mcmc.proposal");
  c.proposal = proposal == "device" ? McmcProposal::kDevice : McmcProposal::kGaussian;
  c.proposal_sigma = r.number("mcmc.proposal_sigma");
  c.acceptance = r.choice("mcmc.acceptance") == "plain" ? McmcAcceptance::kPlain : McmcAcceptance::kHastings;
  c.restore = r.choice("mcmc.restore") == "reprogram" ? McmcRestore::kReprogram : McmcRestore::kIdeal;
  c.age_cycles = static_cast<std::uint64_t>(r.number("mcmc.age_cycles"));
  c.chains = static_cast<std::uint64_t>(r.number("mcmc.chains"));
  c.iterations = static_cast<std::uint64_t>(r.number("mcmc.iterations"));
  c.burn_in = r.number("mcmc.burn_in");
  c.thin = static_cast<std::uint64_t>(r.number("mcmc.thin"));
  if (c.iterations - static_cast<std::uint64_t>(c.burn_in * c.iterations) < c.thin * 4)
    throw InputError(r.mark("mcmc.thin"), "mcmc.thin", "keeps fewer than 4 samples per chain after burn-in; lower thin or burn_in, or raise iterations");
  c.checkpoints_per_decade = static_cast<int>(r.number("mcmc.checkpoints_per_decade"));
  c.diagnostic_chains = static_cast<std::uint64_t>(r.number("mcmc.diagnostic_chains"));
  c.trace_chains = static_cast<std::uint64_t>(r.number("mcmc.trace_chains"));
  c.stored_samples = static_cast<std::uint64_t>(r.number("mcmc.stored_samples"));
  c.temperature = r.number("mcmc.temperature");
  c.episodes = static_cast<int>(r.number("mcmc.episodes"));
  c.test_episodes = static_cast<int>(r.number("mcmc.test_episodes"));
  c.episode_steps = static_cast<int>(r.number("mcmc.episode_steps"));
}

/// The bayes_machine block: keys, files (resolved against the scenario file and loaded once to check them),
/// LFSR taps and seeds. Every mistake is one InputError; nothing runs.
void resolve_bayes_machine(Resolver& r, const std::string& file, BayesMachineSpec& b) {
  const auto relative = [&](const std::string& key) {
    const std::string given = r.choice(key);
    if (given.empty()) throw InputError(r.mark("bayes_machine.task"), key, "bayes_machine.task needs " + key + " (a file path)");
    fs::path base = fs::path(file).parent_path();
    return (base.empty() ? fs::path(given) : base / given).string();
  };
  b.task = r.choice("bayes_machine.task");
  b.task_seed = static_cast<std::uint32_t>(r.number("bayes_machine.task_seed"));
  b.test_fraction = r.number("bayes_machine.test_fraction");
  b.levels = static_cast<int>(r.number("bayes_machine.levels"));
  b.quantile_bins = r.choice("bayes_machine.binning") == "quantile";
  b.smoothing = r.number("bayes_machine.smoothing");
  b.prior = r.choice("bayes_machine.prior") == "yes";
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
    b.samples = stratified_split(d, b.test_fraction, 0).test.size();  // the count depends on the labels only
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
  const bool need_maximal = r.choice("bayes_machine.lfsr.maximal") == "yes";
  if (b.generator == BayesGenerator::kLfsr && need_maximal) {
    const std::uint32_t period = lfsr_period(b.lfsr_taps, b.bits);
    if (period != states - 1)
      throw InputError(r.mark("bayes_machine.lfsr.taps"), "bayes_machine.lfsr.taps", "degenerate LFSR: taps " + std::to_string(b.lfsr_taps) +
                       " are not maximal-length for B = " + std::to_string(b.bits) + " (period " + (period ? std::to_string(period) : std::string("not through state 1")) +
                       ", expected " + std::to_string(states - 1) + "); use 0 for the default taps " + std::to_string(default_taps(b.bits)) + " or set lfsr.maximal: no");
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
}

}  // namespace

std::vector<std::uint64_t> log_checkpoints(std::uint64_t cycles, int per_decade) {
  std::vector<std::uint64_t> out;
  const double top = std::log10(static_cast<double>(cycles));
  for (int i = 0;; ++i) {
    const double e = static_cast<double>(i) / per_decade;
    if (e > top + 1e-12) break;
    const auto c = static_cast<std::uint64_t>(std::llround(std::pow(10.0, e)));
    if (c <= cycles && (out.empty() || c > out.back())) out.push_back(c);
  }
  if (out.empty() || out.back() != cycles) out.push_back(cycles);
  return out;
}

WriteVerifyParams Scenario::write_verify_params() const {
  return WriteVerifyParams{device, write_verify.target, write_verify.tolerance, write_verify.max_pulses, write_verify.law,
                           write_verify.start_fraction, write_verify.step, seed};
}

std::string Scenario::fingerprint() const {
  nlohmann::ordered_json r = resolved;
  r.erase("name");
  const std::string s = r.dump();
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Scenario load_scenario(const std::string& path) { return parse_scenario(read_text(path, "scenario file"), path); }

Scenario parse_scenario(const std::string& text, const std::string& file) {
  const YAML::Node root = parse_yaml(text, file);
  if (root.IsMap() && root["sweep"]) {
    throw InputError(mark_of(root["sweep"], file), "sweep", "this scenario is a sweep; load it with load_sweep (memcarlo run handles both)");
  }
  return resolve_scenario_node(root, file);
}

namespace yaml_detail {
YAML::Node parse_text(const std::string& text, const std::string& file) { return parse_yaml(text, file); }
std::string read_file(const std::string& path, const std::string& what) { return read_text(path, what); }
SourceMark mark(const YAML::Node& n, const std::string& file) { return mark_of(n, file); }
std::string describe(const YAML::Node& n) { return type_name(n); }
}  // namespace yaml_detail

Scenario resolve_scenario_node(const YAML::Node& root, const std::string& file) {
  if (!root.IsMap()) throw InputError(SourceMark{file, 1, 1}, "", "a scenario is a mapping of keys (workload:, device:, ...), got " + type_name(root));
  Entries given;
  walk(root, "", file, given);

  Entries merged;
  Scenario s;
  s.file = file;
  if (auto it = given.find("device.preset"); it != given.end()) {
    s.preset = it->second.node.Scalar();
    const fs::path preset_file = find_preset(s.preset, file);
    if (preset_file.empty()) {
      std::string msg = "no device preset '" + s.preset + "'";
      const auto names = preset_names();
      const std::string guess = did_you_mean(s.preset, names);
      if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
      msg += "; presets:";
      for (const auto& n : names) msg += " " + n;
      throw InputError(it->second.mark, "device.preset", msg);
    }
    const std::string ptext = read_text(preset_file.string(), "device preset");
    const YAML::Node proot = parse_yaml(ptext, preset_file.string());
    Entries from_preset;
    walk(proot, "device", preset_file.string(), from_preset);
    if (from_preset.count("device.preset")) throw InputError(from_preset["device.preset"].mark, "device.preset", "a preset cannot name another preset");
    merged = from_preset;
  }
  for (auto& [k, v] : given) merged[k] = v;  // the scenario overrides its preset

  Resolver r(merged, file);
  nlohmann::ordered_json name;
  s.name = r.has("name") ? merged["name"].node.Scalar() : fs::path(file).stem().string();
  s.workload = r.choice("workload");
  s.seed = static_cast<std::uint32_t>(r.number("seed"));

  DeviceModel& m = s.device;
  const std::string median_law = r.choice("device.lrs.median_law");
  m.median_law = median_law == "linear" ? MedianLaw::kLinear : median_law == "power" ? MedianLaw::kPower : MedianLaw::kTable;
  m.median_k = static_cast<float>(r.number("device.lrs.median_k"));
  m.median_p = static_cast<float>(r.number("device.lrs.median_p"));
  m.median_table = r.table("device.lrs.median_table");
  if (m.median_law == MedianLaw::kTable && m.median_table.n == 0)
    throw InputError(r.mark("device.lrs.median_law"), "device.lrs.median_table", "median_law: table needs device.lrs.median_table");
  const std::string sigma_law = r.choice("device.lrs.sigma_law");
  m.sigma_law = sigma_law == "sqrt" ? SigmaLaw::kSqrt : sigma_law == "power" ? SigmaLaw::kPower : sigma_law == "relative" ? SigmaLaw::kRelative : SigmaLaw::kTable;
  m.sigma_a = static_cast<float>(r.number("device.lrs.sigma_a"));
  m.sigma_p = static_cast<float>(r.number("device.lrs.sigma_p"));
  m.sigma_table = r.table("device.lrs.sigma_table");
  if (m.sigma_law == SigmaLaw::kTable && m.sigma_table.n == 0)
    throw InputError(r.mark("device.lrs.sigma_law"), "device.lrs.sigma_table", "sigma_law: table needs device.lrs.sigma_table");
  m.lrs_d2d_sigma_ln = static_cast<float>(r.number("device.lrs.d2d_sigma_ln"));
  m.g_min = static_cast<float>(r.number("device.g_min"));
  m.g_max = static_cast<float>(r.number("device.g_max"));
  if (!(m.g_min < m.g_max)) throw InputError(r.mark("device.g_max"), "device.g_max", "must be above device.g_min");
  m.hrs_median = static_cast<float>(r.number("device.hrs.median"));
  m.hrs_sigma_ln = static_cast<float>(r.number("device.hrs.sigma_ln"));
  m.hrs_d2d_sigma_ln = static_cast<float>(r.number("device.hrs.d2d_sigma_ln"));
  const std::string noise = r.choice("device.read.noise");
  m.read_noise = noise == "none" ? ReadNoise::kNone : noise == "gaussian" ? ReadNoise::kGaussian : ReadNoise::kLaplace;
  m.read_sigma_rel = static_cast<float>(r.number("device.read.sigma_rel"));
  m.read_voltage = static_cast<float>(r.number("device.read.voltage"));
  m.read_width = static_cast<float>(r.number("device.read.width"));
  m.laplace_c[0] = static_cast<float>(r.number("device.read.laplace_c0"));
  m.laplace_c[1] = static_cast<float>(r.number("device.read.laplace_c1"));
  m.laplace_c[2] = static_cast<float>(r.number("device.read.laplace_c2"));
  m.laplace_i_min = static_cast<float>(r.number("device.read.laplace_i_min"));
  m.laplace_i_max = static_cast<float>(r.number("device.read.laplace_i_max"));
  if (!(m.laplace_i_min <= m.laplace_i_max)) throw InputError(r.mark("device.read.laplace_i_max"), "device.read.laplace_i_max", "must not be below laplace_i_min");
  m.weibull_shape = static_cast<float>(r.number("device.wear.weibull_shape"));
  m.weibull_scale = static_cast<float>(r.number("device.wear.weibull_scale"));
  m.closure_onset = static_cast<float>(r.number("device.wear.closure_onset"));
  m.closure_lrs_drop = static_cast<float>(r.number("device.wear.closure_lrs_drop"));
  m.closure_hrs_rise = static_cast<float>(r.number("device.wear.closure_hrs_rise"));
  m.closure_spread_growth = static_cast<float>(r.number("device.wear.closure_spread_growth"));
  m.stuck_lrs_probability = static_cast<float>(r.number("device.wear.stuck_lrs_probability"));
  m.forming_failure_fraction = static_cast<float>(r.number("device.forming.failure_fraction"));
  m.forming_stuck_min = static_cast<float>(r.number("device.forming.stuck_min"));
  m.forming_stuck_max = static_cast<float>(r.number("device.forming.stuck_max"));
  if (!(m.forming_stuck_min <= m.forming_stuck_max)) throw InputError(r.mark("device.forming.stuck_max"), "device.forming.stuck_max", "must not be below stuck_min");
  m.set_voltage = static_cast<float>(r.number("device.pulse.set_voltage"));
  m.reset_voltage = static_cast<float>(r.number("device.pulse.reset_voltage"));
  m.reset_current = static_cast<float>(r.number("device.pulse.reset_current"));
  m.pulse_width = static_cast<float>(r.number("device.pulse.width"));

  // Workload blocks: only the selected one is resolved; giving the other is almost surely a mistake.
  for (const char* other : {"endurance", "write_verify", "mcmc", "bayes_machine"}) {
    if (s.workload == other) continue;
    for (const auto& [k, v] : given)
      if (k.rfind(std::string(other) + ".", 0) == 0)
        throw InputError(v.mark, k, "this key belongs to workload '" + std::string(other) + "' but the scenario's workload is '" + s.workload + "'");
  }
  if (s.workload == "endurance") {
    EnduranceSpec& e = s.endurance;
    e.devices = static_cast<std::uint64_t>(r.number("endurance.devices"));
    if (e.devices % 2) throw InputError(r.mark("endurance.devices"), "endurance.devices", "must be even: devices are simulated as 2T2R pairs, got " + std::to_string(e.devices));
    e.cycles = static_cast<std::uint64_t>(r.number("endurance.cycles"));
    e.checkpoints = r.int_list("endurance.checkpoints");
    e.ber_estimate_cycles = r.int_list("endurance.ber_estimate_cycles");
    if (e.ber_estimate_cycles.size() > 100)
      throw InputError(r.mark("endurance.ber_estimate_cycles"), "endurance.ber_estimate_cycles", "at most 100 cycle counts (each takes about a second), got " + std::to_string(e.ber_estimate_cycles.size()));
    if (!e.ber_estimate_cycles.empty() && s.device.read_noise == ReadNoise::kLaplace)
      throw InputError(r.mark("endurance.ber_estimate_cycles"), "endurance.ber_estimate_cycles", "the quadrature integrates gaussian or no read noise, not device.read.noise: laplace");
    const int per_decade = static_cast<int>(r.number("endurance.checkpoints_per_decade"));
    if (e.checkpoints.empty()) {
      e.checkpoints = log_checkpoints(e.cycles, per_decade);
    } else {
      check_checkpoints(r, "endurance", e.cycles, e.checkpoints);
    }
    e.compliance = static_cast<float>(r.number("endurance.compliance"));
    e.read_threshold = static_cast<float>(r.number("endurance.read_threshold"));
    if (lrs_median(m, e.compliance) > m.g_max)
      throw InputError(r.mark("endurance.compliance"), "endurance.compliance", "its median LRS conductance " + fmt_num(lrs_median(m, e.compliance)) + " uS is above device.g_max");
  } else if (s.workload == "mcmc") {
    resolve_mcmc(r, s);
  } else if (s.workload == "write_verify") {
    WriteVerifySpec& w = s.write_verify;
    w.devices = static_cast<std::uint64_t>(r.number("write_verify.devices"));
    w.target = static_cast<float>(r.number("write_verify.target"));
    w.tolerance = static_cast<float>(r.number("write_verify.tolerance"));
    w.max_pulses = static_cast<std::uint32_t>(r.number("write_verify.max_pulses"));
    const std::string law = r.choice("write_verify.law");
    w.law = law == "retry" ? PulseLaw::kRetry : PulseLaw::kIncremental;
    w.start_fraction = static_cast<float>(r.number("write_verify.start_fraction"));
    w.step = static_cast<float>(r.number("write_verify.step"));
    if (w.target <= m.g_min || w.target >= m.g_max)
      throw InputError(r.mark("write_verify.target"), "write_verify.target", "must lie between device.g_min and device.g_max");
  } else if (s.workload == "bayes_machine") {
    resolve_bayes_machine(r, file, s.bayes_machine);
  }
  s.resolved = r.take_resolved();
  s.resolved["name"] = s.name;
  if (!s.preset.empty()) s.resolved["device.preset"] = s.preset;
  return s;
}

}  // namespace mc
