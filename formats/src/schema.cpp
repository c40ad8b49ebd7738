#include "bnconf/formats/schema.hpp"

namespace bnconf::formats {

std::string to_string(Section section) {
  return section == Section::inputs ? "inputs" : "expected";
}

const std::vector<DatasetRule>& dataset_rules() {
  static const std::vector<DatasetRule> rules = [] {
    std::vector<DatasetRule> all;
    auto add = [&](Section section, std::span<const cases::DatasetDefinition> definitions) {
      for (const auto& d : definitions) {
        all.push_back({section, std::string(d.name), d.element == cases::Element::integer});
      }
    };
    add(Section::inputs, cases::input_datasets());
    add(Section::expected, cases::output_datasets());
    return all;
  }();
  return rules;
}

const DatasetRule* find_dataset_rule(Section section, const std::string& name) {
  for (const auto& rule : dataset_rules()) {
    if (rule.section == section && rule.name == name) return &rule;
  }
  return nullptr;
}

const cases::DatasetUse* dataset_use(const cases::CaseSpec& spec, Section section,
                                     std::string_view name) {
  return section == Section::inputs ? cases::find_input(spec.operation, name)
                                    : cases::find_output(spec.operation, name);
}

std::vector<std::string> required_datasets(const cases::CaseSpec& spec, Section section) {
  return section == Section::inputs ? cases::required_inputs(spec) : cases::required_outputs(spec);
}

}  // namespace bnconf::formats
