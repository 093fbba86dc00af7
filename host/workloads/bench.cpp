#include "workloads/bench.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "io/command.hpp"
#include "workloads/workload.hpp"
#include "scenario/search_path.hpp"

namespace mc {

int Workload::bench(const BenchArgs&) const {
  throw InputError(std::string("bench: workload '") + name() + "' has no benchmark");
}

Scenario bench_scenario(const std::string& yaml) {
  // As if the scenario were one of the shipped ones: its presets resolve like theirs.
  return parse_scenario(yaml, (shipped_root().empty() ? std::string("bench.yaml") : (shipped_root() / "configs" / "bench.yaml").string()));
}

long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

double print_baseline(const std::string& script, const std::string& args, const char* unit, const std::string& detail, double rate) {
  std::string cmd = "tools/baselines/" + script;
  try {
    cmd = fmt::format("/usr/bin/python3 '{}' {} --json", shipped_file("tools/baselines/" + script), args);
    int rc = 0;
    const std::string output = capture(cmd, &rc);
    if (rc != 0) throw std::runtime_error("exit status " + std::to_string(rc));
    const nlohmann::json j = nlohmann::json::parse(output);
    const double brate = j.at("rate").get<double>();
    std::printf("numpy baseline: %.3g %s (%s, peak %.0f MB)\n", brate, unit, detail.c_str(), j.at("peak_mb").get<double>());
    std::printf("ratio memcarlo/numpy: %.1fx\n", rate / brate);
    return brate;
  } catch (const std::exception& e) {
    std::printf("numpy baseline: not measured (%s: %s)\n", cmd.c_str(), e.what());
    return 0;
  }
}

}  // namespace mc
