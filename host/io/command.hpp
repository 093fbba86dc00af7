// Running an external command and reading what it prints (sbatch/squeue/sacct, the NumPy baselines).
#pragma once
#include <string>

namespace mc {

/// Runs `cmd` through the shell and returns its stdout (stderr goes to ours, so a warning never becomes part of
/// the answer); *rc: its exit status, or -1 when it could not be started or did not exit normally.
std::string capture(const std::string& cmd, int* rc);

}  // namespace mc
