#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace yard::bench {

// Figures of a running process, read from /proc (Linux).

// The pid of the process whose command line contains needle (e.g. a daemon's private config
// path), or -1.
pid_t findProcess(const std::string& needle);
// VmRSS from /proc/<pid>/status, in KiB; -1 when the process is gone.
int64_t vmRssKib(pid_t pid);
// VmHWM (the peak resident set since the process started), in KiB; -1 when it is gone.
int64_t vmHwmKib(pid_t pid);
// User + system CPU time the process has used, in seconds; -1 when it is gone.
double cpuSeconds(pid_t pid);
// User + system CPU time of pid's thread named thread_name (its comm), in seconds; -1 when
// there is none.
double threadCpuSeconds(pid_t pid, const std::string& thread_name);
// User + system CPU time of this process (all its threads), in seconds.
double ownCpuSeconds();

}  // namespace yard::bench
