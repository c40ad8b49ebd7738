#include "case_host.hpp"

#include <signal.h>

#include <cstring>
#include <stdexcept>

#include "text.hpp"

namespace bnconf::conformance {
namespace {

// After this many hosts in a row fail to start, the remaining cases are crashes at once.
constexpr int kMaxFailedStarts = 3;
// Seconds a host may take to load the backend.
constexpr double kLoadSeconds = 120;
// Beyond the case's timeout, for the host to kill and reap the case's process and reply.
constexpr double kReplyGraceSeconds = 30;

template <class T>
void put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void put_text(std::string& out, const std::string& text) {
  put<std::uint64_t>(out, text.size());
  out += text;
}

class Cursor {
 public:
  explicit Cursor(const std::string& bytes) : bytes_(bytes) {}
  template <class T>
  T get() {
    T value{};
    if (bytes_.size() - pos_ < sizeof value) throw std::runtime_error("truncated");
    std::memcpy(&value, bytes_.data() + pos_, sizeof value);
    pos_ += sizeof value;
    return value;
  }
  std::string text() {
    const auto size = get<std::uint64_t>();
    if (bytes_.size() - pos_ < size) throw std::runtime_error("truncated");
    std::string s = bytes_.substr(pos_, size);
    pos_ += size;
    return s;
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  std::size_t pos_ = 0;
};

std::string encode(const IsolatedRun& run) {
  std::string out;
  put<std::uint8_t>(out, static_cast<std::uint8_t>(run.outcome));
  put_text(out, run.detail);
  put<std::uint64_t>(out, run.violations.size());
  for (const auto& v : run.violations) put_text(out, v);
  put_text(out, run.outcome == Outcome::completed ? serialise(run.execution) : "");
  return out;
}

// The host's reply, checked as untrusted: the plug-in's code ran in the host.
IsolatedRun decode(const std::string& bytes) {
  Cursor in(bytes);
  IsolatedRun run;
  const auto outcome = in.get<std::uint8_t>();
  if (outcome > static_cast<std::uint8_t>(Outcome::resource_limit)) {
    throw std::runtime_error("unknown outcome");
  }
  run.outcome = static_cast<Outcome>(outcome);
  run.detail = printable(in.text());
  const auto count = in.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < count; ++i) run.violations.push_back(printable(in.text()));
  const std::string execution = in.text();
  if (run.outcome == Outcome::completed && !deserialise(execution, run.execution)) {
    throw std::runtime_error("malformed execution");
  }
  if (!in.done()) throw std::runtime_error("trailing bytes");
  return run;
}

IsolatedRun host_failure(const std::string& detail) {
  IsolatedRun run;
  run.outcome = Outcome::crashed;
  run.detail = "the case host process " + detail;
  return run;
}

}  // namespace

CaseHost::CaseHost(const Backend& backend, std::vector<const cases::Case*> cases)
    : backend_(backend), cases_(std::move(cases)) {}

// In the host: "L" loads the backend (answering "O", or "E" and why); "R", an index and the
// limits run that case in a process of its own and answer its IsolatedRun.
std::string CaseHost::serve(const std::string& request) const {
  if (request == "L") {
    try {
      backend_.table();
      return "O";
    } catch (const std::exception& e) {
      return std::string("E") + e.what();
    }
  }
  Cursor in(request);
  if (in.get<char>() != 'R') throw std::runtime_error("unknown request");
  const auto index = in.get<std::uint64_t>();
  CaseLimits limits;
  limits.timeout_seconds = in.get<double>();
  limits.memory_bytes = in.get<std::uint64_t>();
  limits.cpu_seconds = in.get<std::uint64_t>();
  limits.file_bytes = in.get<std::uint64_t>();
  limits.result_bytes = in.get<std::uint64_t>();
  if (index >= cases_.size()) throw std::runtime_error("no such case");
  const cases::Case& c = *cases_[index];
  // The backend's code ran in this process (its constructors, at least): a SIGCHLD it set to
  // SIG_IGN would make the kernel reap the case's process before it can be waited for
  // (waitpid(2)), and every case would look hung.
  ::signal(SIGCHLD, SIG_DFL);
  return encode(run_isolated([&] { return execute_case(backend_, c); }, limits));
}

bool CaseHost::start(std::string& why) {
  server_ = std::make_unique<formats::ChildServer>(
      [this](const std::string& request) { return serve(request); });
  const formats::ChildRun loaded = server_->exchange("L", kLoadSeconds, 1 << 20);
  if (loaded.end != formats::ChildEnd::completed) {
    why = "could not load the backend: " + loaded.detail;
  } else if (loaded.result != "O") {
    why = "could not load the backend: " + printable(loaded.result.substr(1));
  } else {
    failed_starts_ = 0;
    return true;
  }
  server_.reset();
  ++failed_starts_;
  return false;
}

IsolatedRun CaseHost::run(std::size_t index, const CaseLimits& limits) {
  if (!server_ || !server_->alive()) {
    if (failed_starts_ >= kMaxFailedStarts) {
      return host_failure("failed to start " + std::to_string(kMaxFailedStarts) +
                          " times in a row; the case was not run");
    }
    std::string why;
    if (!start(why)) return host_failure(why);
  }
  std::string request = "R";
  put<std::uint64_t>(request, index);
  put<double>(request, limits.timeout_seconds);
  put<std::uint64_t>(request, limits.memory_bytes);
  put<std::uint64_t>(request, limits.cpu_seconds);
  put<std::uint64_t>(request, limits.file_bytes);
  put<std::uint64_t>(request, limits.result_bytes);
  const formats::ChildRun reply = server_->exchange(
      request, limits.timeout_seconds + kReplyGraceSeconds, limits.result_bytes + (1 << 20));
  if (reply.end != formats::ChildEnd::completed) {
    server_.reset();
    return host_failure(reply.detail);
  }
  try {
    return decode(reply.result);
  } catch (const std::exception& e) {
    server_.reset();
    return host_failure(std::string("answered a malformed reply (") + e.what() + ")");
  }
}

}  // namespace bnconf::conformance
