// The workload registry: every workload memcarlo knows, in documentation order. Adding a workload is a folder
// host/workloads/<name>/ whose workload.cpp defines `const Workload& <name>_workload()`, and one entry here
// (docs/adding-a-workload.md).
#include <stdexcept>

#include "scenario/scenario.hpp"
#include "workloads/workload.hpp"

#define MC_WORKLOADS(X) X(endurance) X(write_verify) X(mcmc) X(bayes_machine) X(crossbar_mlp) X(bayes_nn) X(bnn)

namespace mc {

#define MC_DECLARE_WORKLOAD(n) const Workload& n##_workload();
MC_WORKLOADS(MC_DECLARE_WORKLOAD)
#undef MC_DECLARE_WORKLOAD

const std::vector<const Workload*>& workloads() {
#define MC_LIST_WORKLOAD(n) &n##_workload(),
  static const std::vector<const Workload*> all = {MC_WORKLOADS(MC_LIST_WORKLOAD)};
#undef MC_LIST_WORKLOAD
  return all;
}

const Workload* find_workload(const std::string& name) {
  for (const Workload* w : workloads())
    if (name == w->name()) return w;
  return nullptr;
}

std::vector<std::string> workload_names() {
  std::vector<std::string> names;
  for (const Workload* w : workloads()) names.push_back(w->name());
  return names;
}

const Workload& workload_of(const Scenario& s) {
  if (const Workload* w = find_workload(s.workload)) return *w;
  throw std::logic_error("scenario '" + s.name + "' names unregistered workload '" + s.workload + "'");
}

}  // namespace mc
