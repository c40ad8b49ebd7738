// Parsing files nothing has verified in a child process (child_process.hpp): libhdf5 trusts the
// lengths and offsets it reads, and a corrupt file can crash it, make it loop or allocate without
// end. The child parses and validates; what it accepted comes back as an HDF5 image written by
// bnconf's own writer (fixture_bytes, results_bytes), which this process then reads, and what
// it refused comes back as the error lines.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "bnconf/formats/child_process.hpp"
#include "bnconf/formats/file_bytes.hpp"
#include "bnconf/formats/fixture_file.hpp"
#include "bnconf/formats/results_file.hpp"

namespace bnconf::formats {
namespace {

// Byte strings with a length prefix, then the rest: the child's answer.
class Writer {
 public:
  Writer& byte(char b) {
    bytes_ += b;
    return *this;
  }
  Writer& text(const std::string& s) {
    const std::uint64_t size = s.size();
    bytes_.append(reinterpret_cast<const char*>(&size), sizeof size);
    bytes_ += s;
    return *this;
  }
  std::string done(const std::string& tail = "") { return bytes_ + tail; }

 private:
  std::string bytes_;
};

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  char byte() {
    if (pos_ >= bytes_.size()) throw std::runtime_error("truncated");
    return bytes_[pos_++];
  }
  std::string text() {
    std::uint64_t size = 0;
    if (bytes_.size() - pos_ < sizeof size) throw std::runtime_error("truncated");
    std::memcpy(&size, bytes_.data() + pos_, sizeof size);
    pos_ += sizeof size;
    if (bytes_.size() - pos_ < size) throw std::runtime_error("truncated");
    std::string s = bytes_.substr(pos_, size);
    pos_ += size;
    return s;
  }
  std::string rest() {
    std::string s = bytes_.substr(pos_);
    pos_ = bytes_.size();
    return s;
  }

 private:
  const std::string& bytes_;
  std::size_t pos_ = 0;
};

void put_error(Writer& out, const LoadError& e) {
  out.text(e.file).text(e.case_id).text(e.field).text(e.message);
}

LoadError take_error(Reader& in) {
  LoadError e;
  e.file = in.text();
  e.case_id = in.text();
  e.field = in.text();
  e.message = in.text();
  return e;
}

// Time enough to parse `bytes`: 20 s, plus 2 s per MiB (the committed core.h5, 4 MiB, parses
// in a fraction of a second; under AddressSanitizer in a few).
ChildLimits parse_limits(const std::string& bytes) {
  ChildLimits limits;
  limits.timeout_seconds = 20 + 2 * static_cast<double>(bytes.size() >> 20);
  limits.cpu_seconds = static_cast<std::uint64_t>(limits.timeout_seconds) + 1;
  // What a valid file can expand to (deflate's ratio is at most about 1032:1) and 2 GiB for the
  // library: a corrupt length makes libhdf5 allocate gigabytes (found by fuzzing).
  const std::uint64_t bound = (std::uint64_t{2} << 30) + 1100 * std::uint64_t{bytes.size()};
  const std::uint64_t half = half_of_physical_memory();
  limits.memory_bytes = half ? std::min(half, bound) : bound;
  limits.result_bytes = std::uint64_t{8} << 30;
  return limits;
}

std::string parser_failure(const ChildRun& run) {
  return "the HDF5 parser " +
         std::string(run.end == ChildEnd::timed_out ? "did not finish: " : "failed: ") +
         run.detail + " (the file is corrupt)";
}

// In the child: 'F' and the file's error, or 'C', one 'c' (a case, read from the image) or 'e'
// (an error) per entry of the file in order, then the image of the cases.
std::string parse_fixture_answer(const std::string& bytes, const std::string& path) {
  FixtureFile parsed = parse_fixture_bytes(bytes, path);
  Writer out;
  if (parsed.file_error || !parsed.info) {
    out.byte('F');
    put_error(out, parsed.file_error.value_or(LoadError{path, "", "", "unreadable"}));
    return out.done();
  }
  out.byte('C');
  std::vector<cases::Case> good;
  for (auto& entry : parsed.cases) {
    if (auto* error = std::get_if<LoadError>(&entry)) {
      out.byte('e');
      put_error(out, *error);
    } else {
      out.byte('c');
      good.push_back(std::move(std::get<cases::Case>(entry)));
    }
  }
  out.byte('.');
  return out.done(fixture_bytes(*parsed.info, good));
}

FixtureFile rebuild_fixture(const std::string& answer, const std::string& path) {
  Reader in(answer);
  FixtureFile result;
  result.path = path;
  if (in.byte() == 'F') {
    result.file_error = take_error(in);
    return result;
  }
  std::vector<std::variant<cases::Case, LoadError>> entries;
  std::size_t wanted = 0;
  for (char kind = in.byte(); kind != '.'; kind = in.byte()) {
    if (kind == 'e') {
      entries.emplace_back(take_error(in));
    } else if (kind == 'c') {
      entries.emplace_back(cases::Case{});
      ++wanted;
    } else {
      throw std::runtime_error("unknown entry");
    }
  }
  FixtureFile image = parse_fixture_bytes(in.rest(), path);
  std::vector<cases::Case> read;
  for (auto& entry : image.cases) {
    if (!std::holds_alternative<cases::Case>(entry)) throw std::runtime_error("image unreadable");
    read.push_back(std::move(std::get<cases::Case>(entry)));
  }
  if (image.file_error || read.size() != wanted) throw std::runtime_error("image unreadable");
  result.info = image.info;
  std::size_t next = 0;
  for (auto& entry : entries) {
    if (std::holds_alternative<cases::Case>(entry)) entry = std::move(read[next++]);
    result.cases.push_back(std::move(entry));
  }
  return result;
}

}  // namespace

FixtureFile parse_fixture_bytes_isolated(const std::string& bytes, const std::string& path) {
  const ChildRun run =
      run_in_child([&] { return parse_fixture_answer(bytes, path); }, parse_limits(bytes));
  FixtureFile result;
  result.path = path;
  if (run.end != ChildEnd::completed) {
    result.file_error = LoadError{path, "", "", parser_failure(run)};
    return result;
  }
  try {
    return rebuild_fixture(run.result, path);
  } catch (const std::exception& e) {
    result.file_error = LoadError{
        path, "", "", std::string("bnconf internal error: the parser's answer: ") + e.what()};
    return result;
  }
}

FixtureFile read_fixture_file(const std::string& path) {
  std::string bytes;
  try {
    bytes = read_regular_file(path, kMaxDataFileBytes);
  } catch (const std::exception& e) {
    FixtureFile result;
    result.path = path;
    result.file_error = LoadError{path, "", "", e.what()};
    return result;
  }
  return parse_fixture_bytes_isolated(bytes, path);
}

ResultsFile read_results_file(const std::string& path) {
  const std::string bytes = read_regular_file(path, kMaxDataFileBytes);
  // In the child: 'F' and the error, or 'R', the malformed entries, then the image.
  const ChildRun run = run_in_child(
      [&] {
        Writer out;
        try {
          ResultsFile parsed = parse_results_bytes(bytes, path);
          out.byte('R').text(std::to_string(parsed.errors.size()));
          for (const auto& e : parsed.errors) out.text(e);
          parsed.errors.clear();
          return out.done(results_bytes(parsed));
        } catch (const std::exception& e) {
          return out.byte('F').text(e.what()).done();
        }
      },
      parse_limits(bytes));
  if (run.end != ChildEnd::completed) throw std::runtime_error(path + ": " + parser_failure(run));
  Reader in(run.result);
  if (in.byte() == 'F') throw std::runtime_error(in.text());
  std::vector<std::string> errors(std::stoull(in.text()));
  for (auto& e : errors) e = in.text();
  ResultsFile results = parse_results_bytes(in.rest(), path);
  results.errors = std::move(errors);
  return results;
}

}  // namespace bnconf::formats
