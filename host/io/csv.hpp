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
};

/// Parse a CSV file: quoted cells ("a,b", "" for a quote), CRLF line ends, empty lines skipped. Throws
/// InputError naming the file (and line) when it cannot be read, is empty, has an unterminated quote or a row
/// whose width differs from the header's.
CsvFile read_csv(const std::string& path);

/// Quote a CSV cell when it holds a comma, quote or newline.
std::string csv_escape(const std::string& s);

}  // namespace mc
