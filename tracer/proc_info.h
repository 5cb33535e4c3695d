// What /proc says about a task. Every function tolerates a task that vanished
// (returns empty values): tracees die at any moment.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace syscribe::tracer {

struct TaskStatus {
  pid_t tgid = 0;
  pid_t ppid = 0;
  pid_t tracer = 0;
  bool ok = false;
};

TaskStatus read_task_status(pid_t tid);
std::string read_exe(pid_t pid);      // target of /proc/PID/exe, "" if unreadable
std::string read_comm(pid_t pid);     // without the newline
std::vector<std::string> read_cmdline(pid_t pid);
// Whether the process is in a group stop (SIGSTOP, SIGTSTP, ...) with no tracer holding it:
// state T in /proc/PID/stat. No allocation, so a signal handler may ask.
bool is_stopped(pid_t pid);
// Signals syscribe passes on to end the workload (INT, TERM, QUIT, HUP): a stopped
// workload would keep them pending until a SIGCONT, so syscribe sends one after them, as
// systemd does after its stop signal and a shell after SIGHUP to its stopped jobs.
bool continue_after(int sig);
// Thread ids in /proc/PID/task, sorted.
std::vector<pid_t> list_threads(pid_t pid);
// Every process below `pid` (children of any of its threads, recursively), from
// /proc/PID/task/TID/children; parents before their children.
std::vector<pid_t> list_descendants(pid_t pid);

}  // namespace syscribe::tracer
