// Sweeps (issue: sweeps and scale-out): a `sweep:` block in any scenario expands into points, each a fully
// resolved Scenario. Forms, combined as a cartesian product of (explicit points) × (grid axes) × (zip group):
//   sweep:
//     grid:                      # each key an axis; the cartesian product of all axes
//       endurance.compliance: ["30 uA", "60 uA"]
//       device.hrs.median: {logspace: ["1 uS", "10 uS", 5]}   # or {linspace: [start, stop, count]}
//     zip:                       # parallel lists of equal length: one axis
//       device.wear.weibull_scale: [1e6, 1e8]
//       device.wear.weibull_shape: [1.5, 2]
//     points:                    # explicit points, each a mapping of key paths to values
//       - {endurance.read_threshold: 15 uS}
//     seeds: shared              # every point on the scenario's seed (default per_point: a seed per point)
//     point_files: false         # keep only results.csv rows and the manifest (default true: points/NNNNNN/ too)
// A point's seed derives from the scenario seed and the point's resolved parameters (not its index), so it
// is stable when a sweep grows (adding values never changes the seeds of the points already there); a sweep over
// `seed` itself sets it directly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace mc {

struct SweepPoint {
  std::size_t index = 0;
  std::vector<std::string> values;  ///< one per SweepPlan::columns, as written in the scenario ("20 uA")
  std::vector<std::string> cells;   ///< one per SweepPlan::columns, resolved: a number in the key's internal unit ("20")
  Scenario scenario;                ///< resolved, with its derived seed
};

struct SweepPlan {
  std::string file;
  std::string name;  ///< the scenario's name (each point's is name/index)
  bool has_sweep = false;
  std::vector<std::string> columns;  ///< swept key paths, in order of appearance
  std::vector<std::string> headers;  ///< their results.csv headers: the path with its internal unit ("endurance.compliance_uA")
  std::vector<SweepPoint> points;    ///< one point (no columns) when there is no sweep
  std::string fingerprint;           ///< of the whole plan: every point's resolved scenario
  bool shared_seeds = false;         ///< sweep.seeds: shared (every point on the scenario's seed: one device population)
  std::uint32_t base_seed = 0;       ///< the scenario's own seed (each point's derives from it unless shared)
  bool point_files = true;           ///< sweep.point_files: false keeps only results.csv rows and the manifest
};

/// Parse, expand and resolve every point of a scenario file; throws InputError (file:line:column, key path).
SweepPlan load_sweep(const std::string& path);
SweepPlan parse_sweep(const std::string& text, const std::string& file);

/// The results.csv header of a swept key: its path, then its internal unit when it has one
/// ("endurance.compliance_uA", "device.hrs.sigma_ln").
std::string column_header(const std::string& key);
/// A resolved value as a results.csv cell: numbers in the internal unit (%.9g; integers as integers), text as is.
std::string value_cell(const nlohmann::ordered_json& v);

/// Most points a sweep may expand to: every point is resolved up front (about 5 KB and 50 us each), so this
/// bounds validation to seconds and memory to hundreds of MB whatever the input.
constexpr std::size_t kMaxSweepPoints = 100000;

}  // namespace mc
