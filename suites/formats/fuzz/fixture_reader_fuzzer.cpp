// libFuzzer harness: the fixture reader on arbitrary bytes, in process (parse_fixture_bytes, what
// the child process of read_fixture_file runs on a file nothing has verified), then what the
// loader does next with every case it accepted: its manifest digests. The reader must return an
// error naming the problem, never crash, hang or allocate without bound, for any input; crashes
// inside libhdf5 itself are what the child process contains (docs/fixture-format.md).
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "bnconf/formats/fixture_file.hpp"
#include "bnconf/formats/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const bnconf::formats::FixtureFile file = bnconf::formats::parse_fixture_bytes(bytes, "fuzz.h5");
  for (const auto& entry : file.cases) {
    if (const auto* c = std::get_if<bnconf::cases::Case>(&entry)) {
      (void)bnconf::formats::manifest_entry(*c);
    }
  }
  return 0;
}
