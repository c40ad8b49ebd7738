#include "bnconf/formats/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <thread>

namespace bnconf::formats {
namespace {

using Clock = std::chrono::steady_clock;

// AddressSanitizer maps terabytes of shadow memory as private writable mappings, which
// RLIMIT_DATA counts: under it a memory limit would kill every child at its first allocation.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMemoryLimitUsable = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMemoryLimitUsable = false;
#else
constexpr bool kMemoryLimitUsable = true;
#endif
#else
constexpr bool kMemoryLimitUsable = true;
#endif

// The page the child writes notes into and the parent reads after the child ended: shared
// (MAP_SHARED | MAP_ANONYMOUS, mapped before fork), so that notes written just before a crash,
// from a signal handler, survive the child.
struct NotesPage {
  std::uint32_t used;
  char text[16384 - sizeof(std::uint32_t)];
};

NotesPage* g_notes = nullptr;  // set in the child only
bool g_in_child = false;

// Children that did not die within the grace period after SIGKILL (a process stuck in the
// kernel): reaped by a later call, so that they do not stay zombies.
std::vector<pid_t>& unreaped() {
  static std::vector<pid_t> pids;
  return pids;
}

void reap_leftovers() {
  auto& pids = unreaped();
  std::erase_if(pids, [](pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) != 0; });
}

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::string bytes_text(std::uint64_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

bool write_all(int fd, const char* data, std::size_t size) {
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::write(fd, data + sent, size - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

void set_limit(int resource, std::uint64_t soft, std::uint64_t hard) {
  const rlimit limit{static_cast<rlim_t>(soft), static_cast<rlim_t>(hard)};
  ::setrlimit(resource, &limit);  // lowering a limit cannot fail for lack of privilege
}

// operator new's handler in the child: an allocation failed (under RLIMIT_DATA, the memory
// limit); noted for the parent, then std::bad_alloc as without a handler.
void on_allocation_failure() {
  child_note(kMemoryLimitNote);
  std::set_new_handler(nullptr);
  throw std::bad_alloc();
}

// The child's side: its own process group (so that the parent can kill everything it forks with
// one kill(2) of the group), SIGKILL when the parent dies (prctl(2) PR_SET_PDEATHSIG: a killed
// runner leaves no case running), default signal handling, the limits, then the work.
void become_child(pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died between fork and prctl, before the signal was armed.
  if (::getppid() != parent) ::_exit(5);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int signal : {SIGXCPU, SIGXFSZ, SIGPIPE, SIGSEGV, SIGBUS}) ::signal(signal, SIG_DFL);
  if (const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC); null >= 0) {
    ::dup2(null, STDIN_FILENO);
    ::close(null);
  }
}

[[noreturn]] void run_child(int write_fd, pid_t parent, const std::function<std::string()>& work,
                            const ChildLimits& limits) {
  become_child(parent);
  if (limits.memory_bytes && kMemoryLimitUsable) {
    set_limit(RLIMIT_DATA, limits.memory_bytes, limits.memory_bytes);
  }
  if (limits.cpu_seconds) {
    // SIGXCPU at the soft limit, SIGKILL one second later at the hard one (setrlimit(2)).
    set_limit(RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1);
  }
  if (limits.file_bytes) set_limit(RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes);
  std::set_new_handler(on_allocation_failure);
  g_in_child = true;
  std::string result;
  try {
    result = work();
  } catch (const std::exception& e) {
    child_note(("exception: " + std::string(e.what())).c_str());
    ::_exit(4);
  } catch (...) {
    child_note("exception: not a std::exception");
    ::_exit(4);
  }
  // Framed by its length, so that a child that stops halfway cannot pass for a complete one.
  const std::uint64_t size = result.size();
  const bool sent = write_all(write_fd, reinterpret_cast<const char*>(&size), sizeof size) &&
                    write_all(write_fd, result.data(), result.size());
  ::_exit(sent ? 0 : 3);
}

std::vector<std::string> read_notes(const NotesPage* page) {
  std::vector<std::string> notes;
  const std::size_t used = std::min<std::size_t>(page->used, sizeof page->text);
  std::string line;
  for (std::size_t i = 0; i < used; ++i) {
    const char c = page->text[i];
    if (c == '\n') {
      notes.push_back(std::move(line));
      line.clear();
    } else {
      // The child's memory is untrusted: printable ASCII only.
      line += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
  }
  if (!line.empty()) notes.push_back(std::move(line));
  return notes;
}

// Reads what the pipe holds now (it is non-blocking). Returns false at end of file.
bool drain(int fd, std::string& bytes, std::uint64_t cap, bool& too_big) {
  char chunk[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return true;  // EAGAIN: nothing more now
    if (n == 0) return false;
    bytes.append(chunk, static_cast<std::size_t>(n));
    if (bytes.size() > cap) {
      too_big = true;
      return true;
    }
  }
}

// pidfd_open(2) (Linux 5.3): a descriptor that poll(2) reports readable when the child exits, so
// that one poll waits on the pipe and on the exit together. -1 where unavailable; then the exit
// is polled with waitid(2) WNOWAIT.
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#endif
  return -1;
}

bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// What the parent saw of the child.
struct Observed {
  std::string bytes;
  bool too_big = false;
  bool timed_out = false;
  bool reaped = false;
  int status = 0;
  rusage usage{};
};

// Reads the result pipe until the child exits or the deadline passes. A grandchild that keeps
// the pipe open cannot hold the parent: the child's exit ends the wait, not end-of-file.
void watch(pid_t child, int read_fd, const ChildLimits& limits, Observed& seen) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(limits.timeout_seconds));
  const int pidfd = open_pidfd(child);
  const std::uint64_t cap = limits.result_bytes + sizeof(std::uint64_t);
  bool open = true;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      seen.timed_out = true;
      break;
    }
    pollfd fds[2];
    nfds_t count = 0;
    if (open) fds[count++] = {read_fd, POLLIN, 0};
    if (pidfd >= 0) fds[count++] = {pidfd, POLLIN, 0};
    const long long wait_ms = std::min<long long>(left, pidfd >= 0 ? 1000 : 10);
    if (count > 0) {
      ::poll(fds, count, static_cast<int>(wait_ms));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    }
    if (open) open = drain(read_fd, seen.bytes, cap, seen.too_big);
    if (seen.too_big) break;
    if (has_exited(child)) {
      // Whatever the child wrote before exiting is in the pipe now.
      drain(read_fd, seen.bytes, cap, seen.too_big);
      break;
    }
  }
  if (pidfd >= 0) ::close(pidfd);
}

// Kills the child's process group (and the child, should it not have made its group yet), then
// reaps the child within a grace period. The group is killed before the child is reaped, while
// its id cannot have been reused.
void end_child(pid_t child, Observed& seen) {
  ::kill(-child, SIGKILL);
  ::kill(child, SIGKILL);
  const auto grace = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    const pid_t done = ::wait4(child, &seen.status, WNOHANG, &seen.usage);
    if (done == child) {
      seen.reaped = true;
      return;
    }
    if (done < 0 && errno != EINTR) return;
    if (Clock::now() > grace) {
      unreaped().push_back(child);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

double cpu_seconds(const rusage& usage) {
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

std::string signal_text(int signal) {
  const char* name = ::strsignal(signal);
  return "killed by signal " + std::to_string(signal) + " (" + (name ? name : "?") + ")";
}

void exceeded(ChildRun& run, const char* limit, const std::string& detail) {
  run.end = ChildEnd::limit_exceeded;
  run.limit = limit;
  run.detail = detail;
}

// The verdict on how the child ended, from what the parent saw and the child's notes.
void classify(const Observed& seen, const ChildLimits& limits, ChildRun& run) {
  const bool memory_note =
      std::find(run.notes.begin(), run.notes.end(), kMemoryLimitNote) != run.notes.end();
  const std::string memory_detail =
      "reached the memory limit of " + bytes_text(limits.memory_bytes) + " (RLIMIT_DATA)";
  if (seen.too_big) {
    return exceeded(run, "result size",
                    "returned more than " + bytes_text(limits.result_bytes) +
                        " of results, the most this case can have (killed)");
  }
  if (seen.timed_out) {
    run.end = ChildEnd::timed_out;
    run.detail = "no result after " + number_text(limits.timeout_seconds) + " s (killed)";
    return;
  }
  if (!seen.reaped) {
    run.end = ChildEnd::crashed;
    run.detail = "did not end within 10 s of SIGKILL (stuck in the kernel?)";
    return;
  }
  if (WIFSIGNALED(seen.status)) {
    const int signal = WTERMSIG(seen.status);
    const bool cpu_hard = signal == SIGKILL && limits.cpu_seconds &&
                          cpu_seconds(seen.usage) >= static_cast<double>(limits.cpu_seconds);
    if (signal == SIGXCPU || cpu_hard) {
      return exceeded(run, "cpu",
                      "exceeded the CPU time limit of " + std::to_string(limits.cpu_seconds) +
                          " s (RLIMIT_CPU; " + number_text(cpu_seconds(seen.usage)) + " s used)");
    }
    if (signal == SIGXFSZ) {
      return exceeded(run, "file size",
                      "exceeded the file size limit of " + bytes_text(limits.file_bytes) +
                          " (RLIMIT_FSIZE: output written to a file or redirected stream)");
    }
    if (memory_note)
      return exceeded(run, "memory", memory_detail + ", then " + signal_text(signal));
    run.end = ChildEnd::crashed;
    run.detail = signal_text(signal);
    return;
  }
  const int code = WIFEXITED(seen.status) ? WEXITSTATUS(seen.status) : -1;
  std::uint64_t size = 0;
  const bool framed = seen.bytes.size() >= sizeof size &&
                      (std::memcpy(&size, seen.bytes.data(), sizeof size), true) &&
                      size == seen.bytes.size() - sizeof size;
  if (code == 0 && framed) {
    run.result = seen.bytes.substr(sizeof size);
    if (memory_note) exceeded(run, "memory", memory_detail);
    return;
  }
  if (memory_note) return exceeded(run, "memory", memory_detail);
  run.end = ChildEnd::crashed;
  run.detail = "exited with status " + std::to_string(code) + " before returning a result";
  for (const auto& note : run.notes) {
    if (note.rfind("exception: ", 0) == 0) run.detail += " (" + note + ")";
  }
}

}  // namespace

void child_note(const char* text) noexcept {
  NotesPage* page = g_notes;
  if (!page || !text) return;
  std::size_t length = 0;
  while (text[length] != '\0' && length < 1024) ++length;
  // Reserved atomically: several threads of a child may note at once.
  const std::uint32_t start =
      __atomic_fetch_add(&page->used, static_cast<std::uint32_t>(length + 1), __ATOMIC_RELAXED);
  if (start >= sizeof page->text || length + 1 > sizeof page->text - start) return;
  std::memcpy(page->text + start, text, length);
  page->text[start + length] = '\n';
}

bool in_isolated_child() noexcept { return g_in_child; }

std::uint64_t half_of_physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) / 2;
}

ChildRun run_in_child(const std::function<std::string()>& work, const ChildLimits& limits) {
  ChildRun run;
  reap_leftovers();
  void* shared =
      ::mmap(nullptr, sizeof(NotesPage), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    run.end = ChildEnd::crashed;
    run.detail = "cannot map the notes page: " + std::string(std::strerror(errno));
    return run;
  }
  auto* notes = static_cast<NotesPage*>(shared);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    run.end = ChildEnd::crashed;
    run.detail = "cannot create a pipe: " + std::string(std::strerror(errno));
    ::munmap(shared, sizeof(NotesPage));
    return run;
  }
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    g_notes = notes;
    run_child(fds[1], parent, work, limits);
  }
  ::close(fds[1]);
  if (child < 0) {
    ::close(fds[0]);
    ::munmap(shared, sizeof(NotesPage));
    run.end = ChildEnd::crashed;
    run.detail = "cannot fork: " + std::string(std::strerror(errno));
    return run;
  }
  // Also here: either call may come first; both make the same group (setpgid(2)).
  ::setpgid(child, child);
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  Observed seen;
  watch(child, fds[0], limits, seen);
  end_child(child, seen);
  ::close(fds[0]);
  run.notes = read_notes(notes);
  ::munmap(shared, sizeof(NotesPage));
  classify(seen, limits, run);
  return run;
}

// ChildServer. Messages on the socket are framed by their length (8 bytes, then the bytes).

namespace {

bool send_all(int fd, const char* data, std::size_t size) {
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool send_framed(int fd, const std::string& bytes) {
  const std::uint64_t size = bytes.size();
  return send_all(fd, reinterpret_cast<const char*>(&size), sizeof size) &&
         send_all(fd, bytes.data(), bytes.size());
}

// In the server child: blocking reads of one framed request; false at end of file.
bool receive_framed(int fd, std::string& bytes) {
  std::uint64_t size = 0;
  auto read_exactly = [fd](char* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd, out + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      got += static_cast<std::size_t>(r);
    }
    return true;
  };
  if (!read_exactly(reinterpret_cast<char*>(&size), sizeof size)) return false;
  bytes.assign(static_cast<std::size_t>(size), '\0');
  return read_exactly(bytes.data(), bytes.size());
}

[[noreturn]] void serve_forever(int fd, pid_t parent,
                                const std::function<std::string(const std::string&)>& serve) {
  become_child(parent);
  g_in_child = true;
  std::string request;
  while (receive_framed(fd, request)) {
    std::string reply;
    try {
      reply = serve(request);
    } catch (...) {
      ::_exit(4);
    }
    if (!send_framed(fd, reply)) ::_exit(3);
  }
  ::_exit(0);
}

}  // namespace

ChildServer::ChildServer(std::function<std::string(const std::string&)> serve) {
  reap_leftovers();
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return;
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    serve_forever(fds[1], parent, serve);
  }
  ::close(fds[1]);
  if (child < 0) {
    ::close(fds[0]);
    return;
  }
  ::setpgid(child, child);
  pid_ = child;
  socket_ = fds[0];
  pidfd_ = open_pidfd(child);
}

ChildServer::~ChildServer() {
  ChildRun ignored;
  stop(ignored);
}

void ChildServer::stop(ChildRun& run) {
  if (pid_ <= 0) return;
  Observed seen;
  end_child(pid_, seen);
  if (seen.reaped && run.detail.empty()) {
    run.detail = WIFSIGNALED(seen.status)
                     ? signal_text(WTERMSIG(seen.status))
                     : "exited with status " + std::to_string(WEXITSTATUS(seen.status));
  }
  if (socket_ >= 0) ::close(socket_);
  if (pidfd_ >= 0) ::close(pidfd_);
  pid_ = -1;
  socket_ = pidfd_ = -1;
}

ChildRun ChildServer::exchange(const std::string& request, double timeout_seconds,
                               std::uint64_t max_reply_bytes) {
  ChildRun run;
  run.end = ChildEnd::crashed;
  if (pid_ <= 0) {
    run.detail = "is not running";
    return run;
  }
  if (!send_framed(socket_, request)) {
    stop(run);
    run.detail = "stopped taking requests (" + run.detail + ")";
    return run;
  }
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  std::string bytes;
  std::uint64_t size = 0;
  char chunk[1 << 16];
  for (;;) {
    if (bytes.size() >= sizeof size) {
      std::memcpy(&size, bytes.data(), sizeof size);
      if (size > max_reply_bytes) {
        stop(run);
        exceeded(run, "result size",
                 "replied with more than " + bytes_text(max_reply_bytes) + " (killed)");
        return run;
      }
      if (bytes.size() - sizeof size == size) {
        run.end = ChildEnd::completed;
        run.result = bytes.substr(sizeof size);
        return run;
      }
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      stop(run);
      run.end = ChildEnd::timed_out;
      run.detail = "no reply after " + number_text(timeout_seconds) + " s (killed)";
      return run;
    }
    pollfd fds[2] = {{socket_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    ::poll(fds, pidfd_ >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left, 100)));
    const std::size_t want =
        bytes.size() < sizeof size
            ? sizeof size - bytes.size()
            : std::min<std::size_t>(sizeof chunk, sizeof size + size - bytes.size());
    const ssize_t n = ::recv(socket_, chunk, want, MSG_DONTWAIT);
    if (n > 0) {
      bytes.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
        (n < 0 && has_exited(pid_))) {
      stop(run);
      run.detail = "ended before replying: " + run.detail;
      return run;
    }
  }
}

}  // namespace bnconf::formats
