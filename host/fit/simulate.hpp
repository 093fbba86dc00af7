// A lab's measurement campaign simulated with memcarlo's own device model, in the format `memcarlo fit` reads:
// the test data of the fit (known parameters in, recovered parameters out), the example in data/, and a way to
// ask how many devices and cycles a calibration needs (`memcarlo fit --simulate`).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "device/rram.hpp"

namespace mc {

struct MeasurementPlan {
  std::uint64_t devices = 1000;          ///< formed devices measured (devices that fail to form are not measured)
  std::uint64_t cycles = 100;            ///< SET/RESET cycles read per device, from the first
  std::vector<double> compliances = {20, 50, 100, 200};  ///< µA
  bool rotate = false;                   ///< false: device d is cycled at compliances[d % n]; true: cycle c at compliances[c % n]
  int repeats = 3;                       ///< reads of each programmed state in the first `repeat_cycles` cycles (1: single reads)
  std::uint64_t repeat_cycles = 10;
  double lifetime_test = 0;              ///< cycles the lifetime test runs; 0: no lifetime columns
  std::uint32_t seed = 1;
};

/// The CSV (device,cycle,compliance_uA,state,read,conductance_uS[,cycles_to_failure,censored]). Reads are
/// kernels/device/rram.hpp's: device d's d2d draw and cycle c's SET, RESET and first reads are the endurance
/// workload's (streams kDeviceToDevice and kCycle); repeats draw on stream kFitRepeatRead. A device's lifetime
/// (first cycle it no longer switches, or the test length with censored = true) is on its first row.
std::string simulate_measurements(const DeviceModel& m, const MeasurementPlan& plan);

}  // namespace mc
