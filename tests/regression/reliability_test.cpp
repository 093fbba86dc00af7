// Reliability at scale and under hostile use, through the memcarlo binary as a user runs it: huge runs stop on a
// signal within seconds and say what they kept, sizes are honest, nothing produces NaN with exit 0, every option
// that reaches a run or a batch script is checked, and the small rough edges stay fixed.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string out;  ///< stdout and stderr together
};

/// Runs `memcarlo ARGS` through the shell (stdout and stderr captured together).
Result memcarlo(const std::string& args) {
  Result r;
  FILE* p = ::popen((std::string(MC_BINARY) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class Reliability : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("memcarlo_reliability_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  /// Starts `memcarlo run SCENARIO --out OUT`, sends `sig` after `after_s`, and returns the exit status, the output
  /// and the seconds from the signal to the exit.
  Result run_and_signal(const std::string& scenario, const std::string& out, int sig, double after_s, double* stop_s) {
    const std::string log = path("signal.log");
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execl(MC_BINARY, MC_BINARY, "run", scenario.c_str(), "--out", out.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(after_s));
    ::kill(pid, sig);
    const auto t0 = std::chrono::steady_clock::now();
    int st = 0;
    Result r;
    for (int i = 0; i < 200; ++i) {  // at most 20 s, then kill it
      if (::waitpid(pid, &st, WNOHANG) == pid) {
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (r.status == -1) ::kill(pid, SIGKILL), ::waitpid(pid, &st, 0);
    *stop_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::ifstream in(log);
    std::stringstream s;
    s << in.rdbuf();
    r.out = s.str();
    return r;
  }

  fs::path dir_;
};

// 1. A huge run (its lifetime pass alone is 1e10 devices) stops on SIGTERM (143) and Ctrl-C (130) in seconds.
TEST_F(Reliability, HugeRunsStopOnSignals) {
  const std::string s = file("huge.yaml", "workload: endurance\nendurance: {devices: 1e10, cycles: 1, checkpoints: [1]}\n");
  double stop = 0;
  Result r = run_and_signal(s, path("term"), SIGTERM, 1.5, &stop);
  EXPECT_EQ(r.status, 143) << r.out;
  EXPECT_LT(stop, 3.0);
  EXPECT_NE(r.out.find("interrupted by SIGTERM: nothing of this run was kept"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("term") + "/results.csv"));
  r = run_and_signal(s, path("int"), SIGINT, 1.5, &stop);
  EXPECT_EQ(r.status, 130) << r.out;
  EXPECT_LT(stop, 3.0);
}

// 2. Sizes are computed without overflow, and what would not fit in memory is refused before anything is written.
TEST_F(Reliability, HonestSizes) {
  Result r = memcarlo("validate " + file("big.yaml", "workload: endurance\nendurance: {devices: 1e12, cycles: 1e14}\n"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("device-cycles     1e+26"), std::string::npos) << r.out;
  const std::string mcmc = file("chains.yaml",
                                "workload: mcmc\nmcmc: {task: linear_regression, model: linear, chains: 1e7, iterations: 1e10, thin: 1,"
                                " stored_samples: 1e6}\n");
  r = memcarlo("validate " + mcmc);
  EXPECT_NE(r.out.find("more than this machine has: run refuses it"), std::string::npos) << r.out;
  r = memcarlo("run " + mcmc + " --out " + path("chains_out"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("mcmc.chains: this point needs about"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("chains_out")));
}

// 3. Inputs that would turn into NaN are refused with the key, not run with exit 0.
TEST_F(Reliability, NoNaNWithExitZero) {
  Result r = memcarlo("run " +
                      file("t.yaml", "workload: endurance\ndevice:\n  lrs: {median_law: table, median_table: [[1, 1e39], [2, 2e39]]}\n"
                                     "endurance: {devices: 100, cycles: 10}\n") +
                      " --out " + path("t_out"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("device.lrs.median_table[0]: expected x and y within"), std::string::npos) << r.out;
  r = memcarlo("run " + file("split.yaml", "workload: mcmc\nmcmc: {task: linear_regression, model: linear, test_fraction: 0}\n") +
               " --out " + path("split_out"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("mcmc.test_fraction: the test split of the data is empty"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("split_out")));
}

// 4. Options are checked everywhere, before anything is written; nothing reaches a batch script unchecked.
TEST_F(Reliability, OptionsAreChecked) {
  const std::string sweep = file("sweep.yaml",
                                 "workload: endurance\nendurance: {devices: 100, cycles: 10}\n"
                                 "sweep:\n  grid:\n    endurance.compliance: [20 uA, 40 uA]\n");
  const std::string single = file("one.yaml", "workload: endurance\nendurance: {devices: 100, cycles: 10}\n");
  const struct {
    std::string args, message;
  } cases[] = {
      {"run " + sweep + " --backend bogus --out " + path("o1"), "--backend: bogus not in {auto,cpu,cuda}"},
      {"run " + sweep + " --gpus 0 --out " + path("o2"), "--gpus:"},
      {"run " + sweep + " --workers 0 --out " + path("o3"), "--workers: expected 1 .. 1024"},
      {"run " + single + " --threads 100000 --out " + path("o4"), "--threads: expected 1 .. "},
      {"run " + single + " --threads -1 --out " + path("o5"), "--threads: expected 1 .. "},
      {"submit " + sweep + " --slurm --tasks 0 --dry-run --out " + path("o6"), "--tasks: expected a count of 1 or more"},
      {"submit " + sweep + " --slurm --partition \"$(printf 'gpu\\ntouch " + path("INJECTED") + "')\" --dry-run --out " + path("o7"),
       "--partition: expected a Slurm partition name"},
      {"submit " + sweep + " --slurm --time '01:00:00;touch " + path("INJECTED") + "' --dry-run --out " + path("o8"),
       "--time: expected a Slurm time limit"},
      {"submit " + sweep + " --slurm --mem '4G;touch " + path("INJECTED") + "' --dry-run --out " + path("o9"), "--mem: expected a Slurm memory size"},
      {"submit " + sweep + " --slurm --account 'a b' --dry-run --out " + path("o10"), "--account: expected a Slurm name"},
      {"submit " + sweep + " --slurm --sbatch '--comment=x\\\"; touch " + path("INJECTED") + "' --dry-run --out " + path("o11"),
       "--sbatch: expected one sbatch option"},
      {"submit " + sweep + " --slurm --cpus-per-task -2 --dry-run --out " + path("o12"), "--cpus-per-task: expected 1 .. 4096"},
  };
  for (const auto& c : cases) {
    const Result r = memcarlo(c.args);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
  }
  for (const char* o : {"o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11", "o12", "INJECTED"})
    EXPECT_FALSE(fs::exists(path(o))) << o;
  // Good values still work, and a scenario path with a newline cannot break out of the script's comment line.
  const std::string odd = file("odd\nname.yaml", "workload: endurance\nendurance: {devices: 100, cycles: 10}\n"
                                                 "sweep:\n  grid:\n    endurance.compliance: [20 uA, 40 uA]\n");
  const Result ok = memcarlo("submit '" + odd + "' --slurm --time 1-12:00 --partition gpu,debug --tasks 2 --cpus-per-task 4 --mem 16G"
                             " --account lab_1 --qos high --sbatch=--constraint=a100 --dry-run --out " + path("ok"));
  EXPECT_EQ(ok.status, 0) << ok.out;
  std::ifstream script(path("ok") + "/slurm/array.sbatch");
  std::stringstream text;
  text << script.rdbuf();
  for (const char* line : {"#SBATCH --cpus-per-task=4\n", "#SBATCH --mem=16G\n", "#SBATCH --account=lab_1\n", "#SBATCH --qos=high\n",
                           "#SBATCH --constraint=a100\n", " --threads 4 --quiet\n"})
    EXPECT_NE(text.str().find(line), std::string::npos) << line << " missing from\n" << text.str();
  std::ifstream in(path("ok") + "/slurm/array.sbatch");
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    EXPECT_TRUE(line.empty() || line[0] == '#' || line.rfind("set -euo", 0) == 0 || line.rfind("exec ", 0) == 0 ||
                line.find("name.yaml'") != std::string::npos)
        << "array.sbatch:" << line_no << ": " << line;
  }
}

// 7. The small ones.
TEST_F(Reliability, SmallOnes) {
  // A seed sweep writes one seed column.
  Result r = memcarlo("run " + file("seeds.yaml", "workload: endurance\nendurance: {devices: 100, cycles: 10}\nsweep:\n  grid:\n    seed: [1, 2]\n") +
                      " --quiet --out " + path("seeds"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(r.out.empty()) << "--quiet printed: " << r.out;
  std::ifstream res(path("seeds") + "/results.csv");
  std::string header;
  std::getline(res, header);
  EXPECT_EQ(header.find(",seed,"), header.rfind(",seed,")) << header;
  // Names must be non-empty strings.
  for (const char* name : {"[a]", "{a: 1}", "null", "''"}) {
    r = memcarlo("validate " + file("name.yaml", std::string("name: ") + name + "\nworkload: endurance\n"));
    EXPECT_EQ(r.status, 2) << name << ": " << r.out;
    EXPECT_NE(r.out.find("name: expected a non-empty string"), std::string::npos) << r.out;
  }
  // The Greek mu spells micro as well as the micro sign.
  r = memcarlo("validate " + file("mu.yaml", "workload: endurance\nendurance: {devices: 100, cycles: 10, compliance: \"50 \xce\xbc" "A\"}\n"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("50 uA"), std::string::npos) << r.out;
  // bayes_machine progress ends at 100 % (1000 inferences: not a multiple of the 256 counted at a time).
  r = memcarlo("run " + file("bm.yaml", "workload: bayes_machine\nbayes_machine: {synthetic: {samples: 1000}}\n") + " --out " + path("bm"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("bayes_machine: 100.0%"), std::string::npos) << r.out;
  // The advertised schema flag works.
  r = memcarlo("schema --markdown");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("# Scenario reference", 0), 0u);
  EXPECT_EQ(memcarlo("schema --json").out.rfind("{", 0), 0u);
  // A linspace count beyond the limit says so.
  r = memcarlo("validate " + file("lin.yaml", "workload: endurance\nsweep:\n  grid:\n    endurance.compliance: {linspace: [10, 20, 1e6]}\n"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("(a sweep expands to at most 100000 points)"), std::string::npos) << r.out;
  // A folder or a FIFO is not a regular file.
  r = memcarlo("validate " + dir_.string());
  EXPECT_NE(r.out.find("scenario file is not a regular file (a folder)"), std::string::npos) << r.out;
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0644), 0);
  r = memcarlo("validate " + path("fifo"));
  EXPECT_NE(r.out.find("scenario file is not a regular file (a pipe, socket or device)"), std::string::npos) << r.out;
  // YAML merge keys, in a block and in sweep points.
  r = memcarlo("validate " + file("merge.yaml",
                                  "workload: endurance\nendurance:\n  <<: &base {devices: 100, cycles: 10}\n  cycles: 20\n"
                                  "sweep:\n  points:\n    - &p {endurance.compliance: 20 uA, seed: 5}\n    - {<<: *p, seed: 6}\n"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("100 x 20"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sweep points      2"), std::string::npos) << r.out;
}

}  // namespace
