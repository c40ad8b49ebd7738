// libFuzzer harness: the results-file reader on arbitrary bytes, in process (parse_results_bytes,
// what the child process of read_results_file runs). A file unusable as a whole is a
// std::runtime_error naming the problem; anything else is a result or an error per case; never
// a crash, a hang or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "bnconf/formats/results_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    (void)bnconf::formats::parse_results_bytes(bytes, "fuzz.h5");
  } catch (const std::runtime_error&) {
    // The file as a whole is unusable: the error is the answer.
  }
  return 0;
}
