// Schema v1's datasets: which names a case may hold, how each is stored, and which a case of an
// operation must hold in which shape — all read off the operation table (bnconf/cases/
// operations.hpp); this file only adds the sections of the file layout.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bnconf/cases/operations.hpp"

namespace bnconf::formats {

// The two groups of a case: inputs/ and expected/ (the operation table's inputs and outputs).
enum class Section { inputs, expected };
std::string to_string(Section section);

struct DatasetRule {
  Section section;
  std::string name;
  bool integer;  // stored as int64 (counters, labels), otherwise float64
};

// Every dataset name schema v1 knows, in the fixed order files are written in.
const std::vector<DatasetRule>& dataset_rules();
const DatasetRule* find_dataset_rule(Section section, const std::string& name);

// How the case's operation uses dataset `name` of `section`; nullptr when it has no such
// dataset.
const cases::DatasetUse* dataset_use(const cases::CaseSpec& spec, Section section,
                                     std::string_view name);

// The datasets a well-formed case of this spec must hold, per section.
std::vector<std::string> required_datasets(const cases::CaseSpec& spec, Section section);

}  // namespace bnconf::formats
