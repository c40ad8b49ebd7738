#include "bnconf/conformance/isolation.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace bnconf::conformance {
namespace {

void put_u64(std::string& out, std::uint64_t v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_string(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  bool u64(std::uint64_t& v) { return take(&v, sizeof v); }
  bool string(std::string& s) {
    std::uint64_t n = 0;
    if (!u64(n) || n > bytes_.size() - pos_) return false;
    s.assign(bytes_, pos_, n);
    pos_ += n;
    return true;
  }
  bool take(void* out, std::size_t n) {
    if (n == 0) return true;  // out may be null for an empty array
    if (n > bytes_.size() - pos_) return false;
    std::memcpy(out, bytes_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  std::size_t pos_ = 0;
};

bool write_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + sent, bytes.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string serialise(const Execution& e) {
  std::string out;
  put_u64(out, static_cast<std::uint64_t>(e.status));
  put_string(out, e.message);
  put_u64(out, e.violations.size());
  for (const auto& v : e.violations) put_string(out, v);
  put_u64(out, e.unchecked.size());
  for (const auto& name : e.unchecked) put_string(out, name);
  put_string(out, e.unchecked_reason);
  put_string(out, e.internal_error);
  put_u64(out, e.outputs.size());
  for (const auto& [name, array] : e.outputs) {
    put_string(out, name);
    put_u64(out, array.shape.size());
    for (auto d : array.shape) put_u64(out, d);
    put_u64(out, array.values.size());
    out.append(reinterpret_cast<const char*>(array.values.data()),
               array.values.size() * sizeof(double));
  }
  return out;
}

bool deserialise(const std::string& bytes, Execution& e) {
  Reader in(bytes);
  std::uint64_t status = 0, count = 0;
  if (!in.u64(status) || status > 3 || !in.string(e.message) || !in.u64(count)) return false;
  e.status = static_cast<CallStatus>(status);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string v;
    if (!in.string(v)) return false;
    e.violations.push_back(v);
  }
  if (!in.u64(count)) return false;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string name;
    if (!in.string(name)) return false;
    e.unchecked.push_back(name);
  }
  if (!in.string(e.unchecked_reason) || !in.string(e.internal_error) || !in.u64(count)) {
    return false;
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string name;
    std::uint64_t rank = 0, n = 0;
    if (!in.string(name) || !in.u64(rank) || rank > 16) return false;
    cases::Array array;
    for (std::uint64_t d = 0; d < rank; ++d) {
      std::uint64_t dim = 0;
      if (!in.u64(dim)) return false;
      array.shape.push_back(dim);
    }
    if (!in.u64(n) || n > bytes.size() / sizeof(double)) return false;
    array.values.resize(n);
    if (!in.take(array.values.data(), n * sizeof(double))) return false;
    e.outputs[name] = std::move(array);
  }
  return in.done();
}

IsolatedRun run_isolated(const std::function<Execution()>& work, double timeout_seconds) {
  IsolatedRun run;
  int fds[2];
  if (::pipe(fds) != 0) {
    run.outcome = Outcome::crashed;
    run.detail = "cannot create a pipe: " + std::string(std::strerror(errno));
    return run;
  }
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    run.outcome = Outcome::crashed;
    run.detail = "cannot fork: " + std::string(std::strerror(errno));
    return run;
  }
  if (child == 0) {
    ::close(fds[0]);
    const bool sent = write_all(fds[1], serialise(work()));
    ::close(fds[1]);
    std::fflush(nullptr);
    ::_exit(sent ? 0 : 3);
  }
  ::close(fds[1]);
  std::string bytes;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  bool timed_out = false;
  char chunk[1 << 16];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is done (or dead)
    bytes.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(child, SIGKILL);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    run.outcome = Outcome::timed_out;
    run.detail =
        "no result after " + std::to_string(static_cast<int>(timeout_seconds)) + " s (killed)";
  } else if (WIFSIGNALED(status)) {
    run.outcome = Outcome::crashed;
    run.detail = "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                 strsignal(WTERMSIG(status)) + ")";
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !deserialise(bytes, run.execution)) {
    run.outcome = Outcome::crashed;
    run.detail = "exited with status " +
                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                 " before returning a result";
  }
  return run;
}

}  // namespace bnconf::conformance
