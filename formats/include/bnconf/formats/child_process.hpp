// Running untrusted work in a child process: a parser of a file nothing has verified yet, the
// code of a plug-in. Whatever the work does (crash, hang, allocate without end, fork, write
// gigabytes), the parent gets back either the bytes the work returned or a one-line account of
// how it ended, within a deadline, and no process of the child's outlives the call.
//
// The child runs in its own process group with a parent-death signal; the parent waits on the
// result pipe and on the child's exit with one deadline, then kills the whole group. Limits are
// set with setrlimit(2) in the child and the size of the result is capped by the parent.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bnconf::formats {

struct ChildLimits {
  double timeout_seconds = 60;     // wall clock; then the process group is killed
  std::uint64_t memory_bytes = 0;  // RLIMIT_DATA (heap and private writable mappings); 0: none
  std::uint64_t cpu_seconds = 0;   // RLIMIT_CPU; 0: none
  std::uint64_t file_bytes = 0;  // RLIMIT_FSIZE (files the child writes, stdout included); 0: none
  std::uint64_t result_bytes = std::uint64_t{1} << 30;  // the most the parent reads back
};

enum class ChildEnd {
  completed,       // the work returned; `result` holds its bytes
  crashed,         // died by a signal or exited before returning
  timed_out,       // still running at the deadline; killed
  limit_exceeded,  // hit one of ChildLimits (`limit` names it)
};

struct ChildRun {
  ChildEnd end = ChildEnd::completed;
  // How it ended, one line: "killed by signal 11 (Segmentation fault)", "no result after 10 s
  // (killed)", "exceeded the CPU time limit of 60 s (RLIMIT_CPU)".
  std::string detail;
  std::string limit;   // which limit, when end is limit_exceeded: "memory", "cpu", "file size",
                       // "result size"
  std::string result;  // completed: the bytes `work` returned
  // What the child recorded with child_note (printable ASCII, one entry per note). A crashed
  // child's notes say what it saw before it died (a guard page hit, a failed allocation).
  std::vector<std::string> notes;
};

// Forks; the child runs `work` and its return value comes back as `result`. An exception that
// leaves `work` ends the child (exit status 4, its what() as a note). The child's standard input
// is /dev/null; its standard output and error are the parent's. Never throws for anything the
// child does.
ChildRun run_in_child(const std::function<std::string()>& work, const ChildLimits& limits);

// A long-lived child that answers requests: `serve` runs in it, once per request, and its
// return value is the reply. The child is set up as run_in_child's (its own process group,
// SIGKILL when the parent dies, standard input /dev/null) without limits: the work it does for
// a request may fork a run_in_child of its own. Requests and replies go through a socket pair
// (send(2) with MSG_NOSIGNAL, so that a dead child cannot kill the parent with SIGPIPE).
class ChildServer {
 public:
  explicit ChildServer(std::function<std::string(const std::string&)> serve);
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;
  ~ChildServer();  // kills the child's process group and reaps it

  // Sends `request` and waits for the reply at most timeout_seconds. `result` holds the reply
  // when `end` is completed; otherwise the child is killed (crashed: it died or broke the
  // protocol; timed_out; limit_exceeded: a reply longer than max_reply_bytes) and this server
  // is dead.
  ChildRun exchange(const std::string& request, double timeout_seconds,
                    std::uint64_t max_reply_bytes);
  bool alive() const { return pid_ > 0; }

 private:
  void stop(ChildRun& run);
  int pid_ = -1;
  int socket_ = -1;
  int pidfd_ = -1;
};

// In the child of run_in_child: records one line for the parent. Async-signal-safe (a fixed
// shared page, no allocation), so signal handlers may call it; does nothing outside a child.
void child_note(const char* text) noexcept;

// Whether this process is a child of run_in_child (set after the fork, in the child only).
bool in_isolated_child() noexcept;

// Half the machine's physical memory: the default memory limit of children.
std::uint64_t half_of_physical_memory();

// The note a child writes when an allocation fails under ChildLimits::memory_bytes.
inline constexpr const char* kMemoryLimitNote = "limit:memory";

}  // namespace bnconf::formats
