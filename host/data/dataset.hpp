// Labelled data sets for the learning workloads (data/README.md): a validating CSV loader, a seeded stratified
// train/test split and z-score standardization.
//
// File format: a header row of feature names followed by the label column's name; then one row per sample
// with numeric feature cells and an integer class id 0..K-1 in the last cell. Cells are separated by commas
// and may be padded with spaces or tabs; CRLF line ends, a UTF-8 byte-order mark and blank lines at the end of
// the file are accepted. Quoting is not supported. The file is untrusted input (DESIGN.md, Security): every
// defect is one mc::InputError naming `file:line:column: error: <column name>: <what>`, where line is the
// 1-based line of the file and column the 1-based column number (cell index) in the row.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mc {

constexpr std::size_t kMaxDatasetBytes = std::size_t{64} << 20;  ///< larger files are refused unread
constexpr std::size_t kMaxDatasetColumns = 65536;                ///< header columns, label included

struct Dataset {
  std::string file;                   ///< the path it was loaded from
  std::vector<std::string> features;  ///< feature column names, in file order (label excluded)
  std::size_t rows = 0;
  std::vector<float> x;  ///< row-major rows x features
  std::vector<int> y;    ///< class ids, 0 .. classes-1 (all 0 with a real-valued target)
  int classes = 0;       ///< max label + 1; every class has at least one row, and classes >= 2 (1 with a real-valued target)
  std::vector<float> target;  ///< the last column as real numbers, when loaded with real_target (regression)
};

/// Reads and validates a data set CSV (format above). max_features > 0 refuses files with more feature
/// columns than that ("has 31 features, the model declares at most 30"); 0 means no limit.
/// Numbers are parsed as double and rounded to float. Throws InputError on any defect.
/// real_target: the last column is a real-valued target (regression) parsed like a feature into `target`;
/// every row is then class 0 of a single class.
Dataset load_csv_dataset(const std::string& path, std::size_t max_features = 0, bool real_target = false);

struct Split {
  std::vector<std::size_t> train, test;  ///< row indices, each sorted ascending; disjoint, covering all rows
};

/// Stratified split: within each class, rows are ordered by a key drawn from
/// philox(RngKey{seed, stream::kDataSplit}, row, 0, 0) and the first round(test_fraction * n_class) go to test
/// (at least 1 when test_fraction > 0 and the class has >= 2 rows; at most n_class - 1 when
/// test_fraction < 1). Depends only on the labels, test_fraction and seed. test_fraction must be in [0, 1]
/// (std::invalid_argument otherwise).
Split stratified_split(const Dataset& d, double test_fraction, std::uint32_t seed);

/// Standardizes every feature of every row in place to (x - mean) / std, with the mean and population
/// standard deviation (divisor n) computed on fit_rows only, so train statistics can be applied to test rows.
/// A feature that is constant on fit_rows is centred and left unscaled. fit_rows must be non-empty and in
/// range (std::invalid_argument, std::out_of_range otherwise).
void zscore(Dataset& d, const std::vector<std::size_t>& fit_rows);

}  // namespace mc
