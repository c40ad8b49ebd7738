// The corpus of malformed fixture and results files (suites/formats/corpus/, written by
// make_corpus.py): every entry is loaded by bnconf's readers, which must neither crash nor hang
// nor accept it, and must say what is wrong in the one line expected.txt holds for it (a line
// ending in '*' is a prefix: how a crashing parser dies differs under AddressSanitizer).
//
// Before issue 13, entry 05 killed the loading process (libhdf5 crashes on the flipped byte),
// entries 15, 16, 24, 30, 31, 41, 42, 47, 48, 62, 63, 64, 65, 67, 78-80 loaded without an
// error (41 and 78 after trying to allocate 16 GiB), and the results entries were read in the
// loading process.
//
// BNCONF_CORPUS_PRINT=1 prints each entry's actual line, for refreshing expected.txt.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bnconf/formats/fixture_set.hpp"
#include "bnconf/formats/results_file.hpp"

namespace {

namespace fmt = bnconf::formats;

struct Entry {
  std::string path;      // relative to the corpus: fixtures/x.h5, sets/x, results/x.h5
  std::string expected;  // the first error, the corpus path written <corpus>; "OK" for none
};

std::vector<Entry> entries() {
  std::vector<Entry> list;
  std::ifstream in(BNCONF_CORPUS_DIR "/expected.txt");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    list.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return list;
}

std::string first_error(const std::string& relative) {
  const std::string path = std::string(BNCONF_CORPUS_DIR) + "/" + relative;
  if (relative.rfind("fixtures/", 0) == 0) {
    const fmt::FixtureFile file = fmt::read_fixture_file(path);
    if (file.file_error) return file.file_error->to_string();
    for (const auto& entry : file.cases) {
      if (const auto* error = std::get_if<fmt::LoadError>(&entry)) return error->to_string();
    }
    return "OK";
  }
  if (relative.rfind("sets/", 0) == 0) {
    const fmt::FixtureSet set = fmt::load_fixture_set({path});
    return set.errors.empty() ? "OK" : set.errors.front().to_string();
  }
  try {
    const fmt::ResultsFile results = fmt::read_results_file(path);
    return results.errors.empty() ? "OK" : results.errors.front();
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::string with_placeholder(std::string line) {
  const std::string root = BNCONF_CORPUS_DIR;
  for (auto at = line.find(root); at != std::string::npos; at = line.find(root)) {
    line.replace(at, root.size(), "<corpus>");
  }
  return line;
}

class Corpus : public testing::TestWithParam<Entry> {};

TEST_P(Corpus, FirstErrorIsTheExpectedLine) {
  const Entry& entry = GetParam();
  const std::string actual = with_placeholder(first_error(entry.path));
  if (std::getenv("BNCONF_CORPUS_PRINT"))
    std::printf("%s\t%s\n", entry.path.c_str(), actual.c_str());
  if (!entry.expected.empty() && entry.expected.back() == '*') {
    const std::string prefix = entry.expected.substr(0, entry.expected.size() - 1);
    EXPECT_EQ(actual.substr(0, prefix.size()), prefix) << actual;
  } else {
    EXPECT_EQ(actual, entry.expected);
  }
}

std::string test_name(const testing::TestParamInfo<Entry>& info) {
  std::string name;
  for (char c : info.param.path) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Entries, Corpus, testing::ValuesIn(entries()), test_name);

TEST(CorpusSize, HoldsAtLeastFiftyMalformedEntries) {
  std::size_t malformed = 0;
  for (const auto& e : entries()) malformed += e.expected != "OK";
  EXPECT_GE(malformed, 50u);
}

}  // namespace
