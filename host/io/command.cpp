#include "io/command.hpp"

#include <sys/wait.h>

#include <cstdio>

namespace mc {

std::string capture(const std::string& cmd, int* rc) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) {
    *rc = -1;
    return out;
  }
  char buf[4096];
  while (std::fgets(buf, sizeof buf, f)) out += buf;
  const int status = pclose(f);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace mc
