#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace yard::device::test {

// The yard-phone binary of the build tree as a child process (stdout and stderr to files, no
// TTY), for tests that kill it with SIGKILL at a chosen moment.
class PhoneProcess {
 public:
  PhoneProcess(std::string dir, std::vector<std::string> args);
  ~PhoneProcess();  // kills it if still running
  PhoneProcess(const PhoneProcess&) = delete;
  PhoneProcess& operator=(const PhoneProcess&) = delete;

  void kill9();
  // Waits for the exit; returns the exit code (128 + signal when killed).
  int wait();
  std::string out() const;
  std::string err() const;

 private:
  std::string out_path_, err_path_;
  pid_t pid_ = -1;
};

struct PhoneRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs yard-phone with args to the end.
PhoneRun runPhone(const std::string& dir, const std::vector<std::string>& args);

}  // namespace yard::device::test
