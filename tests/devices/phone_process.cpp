#include "phone_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace yard::device::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::atomic<int> next_run{0};

}  // namespace

PhoneProcess::PhoneProcess(std::string dir, std::vector<std::string> args) {
  const int n = ++next_run;
  out_path_ = dir + "/phone-" + std::to_string(n) + ".out";
  err_path_ = dir + "/phone-" + std::to_string(n) + ".err";
  const std::string binary = YARD_PHONE_BIN;
  std::vector<char*> argv{const_cast<char*>(binary.c_str())};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0) ::_exit(127);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
}

PhoneProcess::~PhoneProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void PhoneProcess::kill9() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

int PhoneProcess::wait() {
  int status = 0;
  if (pid_ <= 0 || ::waitpid(pid_, &status, 0) != pid_) return -1;
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::string PhoneProcess::out() const { return slurp(out_path_); }
std::string PhoneProcess::err() const { return slurp(err_path_); }

PhoneRun runPhone(const std::string& dir, const std::vector<std::string>& args) {
  PhoneProcess p(dir, args);
  PhoneRun r;
  r.exit_code = p.wait();
  r.out = p.out();
  r.err = p.err();
  return r;
}

}  // namespace yard::device::test
