#include "bnconf/conformance/isolation.hpp"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <string_view>

#include "bnconf/formats/child_process.hpp"
#include "text.hpp"

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
    std::size_t elements = 0;
    // The values must fill the shape exactly: the judge indexes one by the other.
    if (!in.u64(n) || n > bytes.size() / sizeof(double) ||
        !cases::checked_element_count(array.shape, n, elements) || elements != n) {
      return false;
    }
    array.values.resize(n);
    if (!in.take(array.values.data(), n * sizeof(double))) return false;
    e.outputs[name] = std::move(array);
  }
  if (!in.done()) return false;
  // Text from the case's process is the backend's: one printable line of valid UTF-8 each.
  e.message = printable(e.message);
  for (auto& v : e.violations) v = printable(v);
  for (auto& name : e.unchecked) name = printable(name, 256);
  e.unchecked_reason = printable(e.unchecked_reason);
  e.internal_error = printable(e.internal_error);
  return true;
}

CaseLimits default_case_limits(double timeout_seconds) {
  CaseLimits limits;
  limits.timeout_seconds = timeout_seconds;
  limits.memory_bytes = formats::half_of_physical_memory();
  // Several busy threads for the whole timeout; a case of this suite needs a fraction of a second.
  limits.cpu_seconds = static_cast<std::uint64_t>(std::ceil(4 * timeout_seconds)) + 1;
  limits.file_bytes = std::uint64_t{1} << 30;
  return limits;
}

void note_violation(const char* text) noexcept {
  char line[512] = "violation:";
  std::size_t length = std::strlen(line);
  for (std::size_t i = 0; text[i] != '\0' && length + 1 < sizeof line; ++i)
    line[length++] = text[i];
  line[length] = '\0';
  formats::child_note(line);
}

IsolatedRun run_isolated(const std::function<Execution()>& work, const CaseLimits& limits) {
  formats::ChildLimits child_limits;
  child_limits.timeout_seconds = limits.timeout_seconds;
  child_limits.memory_bytes = limits.memory_bytes;
  child_limits.cpu_seconds = limits.cpu_seconds;
  child_limits.file_bytes = limits.file_bytes;
  child_limits.result_bytes = limits.result_bytes;
  const formats::ChildRun child =
      formats::run_in_child([&] { return serialise(work()); }, child_limits);
  IsolatedRun run;
  run.detail = child.detail;
  constexpr std::string_view kViolation = "violation:";
  for (const auto& note : child.notes) {
    if (note.rfind(kViolation, 0) == 0) run.violations.push_back(note.substr(kViolation.size()));
  }
  switch (child.end) {
    case formats::ChildEnd::completed:
      if (!deserialise(child.result, run.execution)) {
        run.outcome = Outcome::crashed;
        run.detail = "returned a malformed result (" + std::to_string(child.result.size()) +
                     " bytes that do not decode)";
      }
      break;
    case formats::ChildEnd::crashed:
      run.outcome = Outcome::crashed;
      break;
    case formats::ChildEnd::timed_out:
      run.outcome = Outcome::timed_out;
      break;
    case formats::ChildEnd::limit_exceeded:
      run.outcome = Outcome::resource_limit;
      break;
  }
  return run;
}

IsolatedRun run_isolated(const std::function<Execution()>& work, double timeout_seconds) {
  return run_isolated(work, default_case_limits(timeout_seconds));
}

}  // namespace bnconf::conformance
