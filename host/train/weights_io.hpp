// Weight matrices written by a NumPy or PyTorch user: one file per layer, .npy (2-D, little-endian float32 or
// float64, C order) or CSV (one row per line, numbers separated by commas, an optional header line). The file is
// untrusted input: every defect is one InputError naming file:line:column and the scenario key.
#pragma once
#include <string>
#include <vector>

namespace mc {

/// Reads a rows × cols matrix (row-major) from `path` (.npy or .csv by extension); `key` names the scenario key
/// in messages. Throws InputError on a wrong shape, a bad number or an unsupported .npy header.
std::vector<float> load_weight_matrix(const std::string& path, int rows, int cols, const std::string& key);

/// The file of layer l (1-based) for a first-layer file whose stem ends in "1" ("w1.npy" → "w2.npy"); throws
/// InputError at `key` when the first file's stem does not end in 1.
std::string layer_weight_file(const std::string& first, int layer, const std::string& key);

}  // namespace mc
