// User-facing scenario errors: one message naming file:line:column, the key path and what was expected.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace mc {

/// Where a value came from; line and column are 1-based (0 = unknown).
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
};

/// A mistake in user input. The CLI prints what() alone (no stack trace) and exits with status 2.
class InputError : public std::runtime_error {
 public:
  InputError(const SourceMark& where, const std::string& key, const std::string& what);
  explicit InputError(const std::string& message) : std::runtime_error(message), detail_(message) {}
  const std::string& key() const { return key_; }        ///< the key path, "" when none
  const std::string& detail() const { return detail_; }  ///< the message without location and key

 private:
  std::string key_, detail_;
};

/// The closest candidate to `word` by edit distance, or "" when none is close enough to suggest.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace mc
