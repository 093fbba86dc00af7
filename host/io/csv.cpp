#include "io/csv.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "scenario/error.hpp"

namespace mc {

std::size_t CsvFile::column(const std::string& name) const {
  return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
}

std::size_t CsvFile::require_column(const std::string& name) const {
  const std::size_t c = column(name);
  if (c == header.size()) throw InputError(path + ": no column '" + name + "'");
  return c;
}

double CsvFile::number(std::size_t row, std::size_t col) const {
  const std::string& s = rows[row][col];
  const char* begin = s.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (s.empty() || end != begin + s.size())
    throw InputError(path + ":" + std::to_string(lines[row]) + ": column '" + header[col] + "': '" + s + "' is not a number");
  return v;
}

CsvFile read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": error: cannot open (is this a memcarlo output folder of a finished run?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();

  CsvFile f;
  f.path = path;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  int line = 1, row_line = 1;
  auto end_row = [&] {
    if (any || !cell.empty() || !row.empty()) {
      row.push_back(cell);
      if (f.header.empty()) {
        f.header = row;
      } else {
        if (row.size() != f.header.size())
          throw InputError(path + ":" + std::to_string(row_line) + ": error: " + std::to_string(row.size()) +
                           " cells where the header has " + std::to_string(f.header.size()));
        f.rows.push_back(row);
        f.lines.push_back(row_line);
      }
    }
    row.clear();
    cell.clear();
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        if (ch == '\n') ++line;
        cell += ch;
      }
      continue;
    }
    if (ch == '"') {
      quoted = any = true;
    } else if (ch == ',') {
      row.push_back(cell);
      cell.clear();
      any = true;
    } else if (ch == '\n') {
      end_row();
      row_line = ++line;
    } else if (ch != '\r') {
      cell += ch;
    }
  }
  if (quoted) throw InputError(path + ": error: unterminated quoted cell");
  end_row();
  if (f.header.empty()) throw InputError(path + ": error: empty file (no header row)");
  return f;
}

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += "\"\"";
    else if (c == '\n' || c == '\r') q += ' ';
    else q += c;
  }
  return q + "\"";
}

}  // namespace mc
