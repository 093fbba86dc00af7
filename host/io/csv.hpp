// Reading the CSV tables memcarlo writes (results, checkpoints, histograms) back in: merge, status, resume
// and compare all go through this one reader.
#pragma once
#include <string>
#include <vector>

namespace mc {

struct CsvFile {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  ///< each as wide as the header
  std::vector<int> lines;                      ///< 1-based file line of each row

  /// Index of a column, or header.size() when there is none.
  std::size_t column(const std::string& name) const;
  /// Index of a column; InputError "<path>: no column '<name>'" when there is none.
  std::size_t require_column(const std::string& name) const;
  /// A cell as a number; InputError "<path>:<line>: column '<name>': '<text>' is not a number" otherwise.
  double number(std::size_t row, std::size_t col) const;
  double number(std::size_t row, const std::string& name) const { return number(row, require_column(name)); }
};

/// Parse a CSV file: quoted cells ("a,b", "" for a quote), CRLF line ends, empty lines skipped. Throws
/// InputError naming the file (and line) when it cannot be read, is empty, has an unterminated quote or a row
/// whose width differs from the header's.
CsvFile read_csv(const std::string& path);

/// Quote a CSV cell when it holds a comma, quote or newline.
std::string csv_escape(const std::string& s);

}  // namespace mc
