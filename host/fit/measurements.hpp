// Measured device data for `memcarlo fit`: a long-format CSV, one row per conductance read, as device labs
// record it. Read and checked here (every mistake one InputError naming file:line:column and the column);
// fitted in host/fit/fit.hpp. The format is documented in docs/fitting.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mc {

/// One conductance read, in internal units (µS, µA).
struct MeasuredRead {
  int device;             ///< index into Measurements::devices
  std::int64_t cycle;     ///< the cycle (SET + RESET) the read belongs to
  bool lrs;               ///< LRS (after a SET) or HRS (after a RESET)
  double compliance;      ///< µA; the SET's compliance (LRS reads); NaN where not given (HRS reads may omit it)
  int repeat;             ///< repeat index of this read of one programmed state (1 when there is no `read` column)
  double g;               ///< µS, > 0
  int line;               ///< 1-based line in the file
};

/// A device's lifetime test: cycles to failure, or cycles survived when the test stopped first (censored).
struct MeasuredLifetime {
  double cycles;
  bool censored;
  int line;
};

struct Measurements {
  std::string file;
  std::string sha256;        ///< of the file's bytes
  std::uint64_t bytes = 0;
  std::vector<std::string> devices;                       ///< device ids in order of first appearance
  std::vector<MeasuredRead> reads;
  std::vector<std::optional<MeasuredLifetime>> lifetimes;  ///< per device; empty when not given
  bool has_repeat_column = false;
  bool has_lifetime_columns = false;
  std::vector<std::string> ignored_columns;              ///< columns memcarlo does not use
  std::string compliance_header, conductance_header;    ///< as written in the file (units in them)
  int device_column = 1, state_column = 1, cycle_column = 1;  ///< 1-based header columns, for dataset-level errors
};

/// Read and check a measurements CSV (see docs/fitting.md): InputError at file:line:column naming the column for
/// a missing column or unit, a cell that is not a number, a negative or zero conductance, a state other than LRS
/// or HRS, a duplicated read, a lifetime that differs between rows of one device; and for data that cannot be
/// fitted (no LRS reads, fewer than 2 devices, no device with 2 cycles at one compliance).
Measurements read_measurements(const std::string& path);

/// SHA-256 of a byte string, as 64 lowercase hex digits.
std::string sha256_hex(const std::string& bytes);

}  // namespace mc
