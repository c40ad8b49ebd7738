#include "bnconf/formats/fixture_file.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "bnconf/cases/tiers.hpp"
#include "bnconf/formats/schema.hpp"
#include "case_names.hpp"
#include "hdf5_handle.hpp"
#include "spec_attributes.hpp"

namespace bnconf::formats {
namespace {

using hdf5::Handle;

// A dataset larger than this many elements is rejected as malformed before any allocation.
constexpr std::size_t kMaxElements = std::size_t{1} << 31;

// A problem with one field of one case, turned into a LoadError by the caller.
struct FieldError {
  std::string field;
  std::string message;
};

std::string shape_text(const std::vector<std::size_t>& shape) {
  return reference::format_shape(shape);
}

void write_dataset(hid_t group, const std::string& name, const Array& array, bool integer) {
  std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
  Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  Handle properties = hdf5::dataset_creation_properties(dims);
  Handle dataset(H5Dcreate2(group, name.c_str(), integer ? H5T_STD_I64LE : H5T_IEEE_F64LE,
                            space.get(), H5P_DEFAULT, properties.get(), H5P_DEFAULT),
                 H5Dclose);
  if (!dataset.valid()) throw hdf5::Error("HDF5 error while creating dataset " + name);
  herr_t status = 0;
  if (array.values.empty()) return;
  if (integer) {
    std::vector<std::int64_t> values(array.values.size());
    std::transform(array.values.begin(), array.values.end(), values.begin(),
                   [](double v) { return static_cast<std::int64_t>(v); });
    status =
        H5Dwrite(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  } else {
    status = H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                      array.values.data());
  }
  if (status < 0) throw hdf5::Error("HDF5 error while writing dataset " + name);
}

void write_section(hid_t case_group, Section section, const std::map<std::string, Array>& arrays) {
  Handle group = hdf5::create_group(case_group, to_string(section));
  for (const auto& rule : dataset_rules()) {
    if (rule.section != section) continue;
    const auto found = arrays.find(rule.name);
    if (found != arrays.end()) write_dataset(group.get(), rule.name, found->second, rule.integer);
  }
  for (const auto& [name, array] : arrays) {
    if (!find_dataset_rule(section, name)) {
      throw hdf5::Error("dataset " + to_string(section) + "/" + name + " is not in schema v" +
                        std::to_string(kSchemaVersion));
    }
  }
}

Array read_dataset(hid_t group, const std::string& name, const DatasetRule& rule,
                   const cases::DatasetUse& use, const CaseSpec& spec, const std::string& field) {
  Handle dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) throw FieldError{field, "is not a dataset"};
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if (rule.integer ? type_class != H5T_INTEGER
                   : (type_class != H5T_FLOAT || H5Tget_size(type.get()) != 8)) {
    throw FieldError{field, rule.integer ? "should hold 64-bit integers"
                                         : "should hold float64 values (dtype mismatch)"};
  }
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) throw FieldError{field, "has an unreadable or absurd rank"};
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Array array;
  array.shape.assign(dims.begin(), dims.end());
  std::size_t count = 0;
  if (!cases::checked_element_count(array.shape, kMaxElements, count)) {
    throw FieldError{field, "has absurd dimensions " + shape_text(array.shape)};
  }
  if (auto required = cases::required_shape(use, spec, array.shape);
      required && *required != array.shape) {
    throw FieldError{
        field, "should have shape " + shape_text(*required) + " not " + shape_text(array.shape)};
  }
  if (const std::string problem = hdf5::storage_problem(dataset.get(), count); !problem.empty()) {
    throw FieldError{field, problem};
  }
  array.values.resize(count);
  if (count == 0) return array;
  herr_t status = 0;
  if (rule.integer) {
    std::vector<std::int64_t> values(count);
    status = H5Dread(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    std::transform(values.begin(), values.end(), array.values.begin(),
                   [](std::int64_t v) { return static_cast<double>(v); });
  } else {
    status = H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                     array.values.data());
  }
  if (status < 0) throw FieldError{field, "cannot be read (truncated or corrupt data)"};
  return array;
}

std::map<std::string, Array> read_section(hid_t case_group, Section section, const CaseSpec& spec) {
  const std::string section_name = to_string(section);
  std::map<std::string, Array> arrays;
  if (!hdf5::has_link(case_group, section_name)) {
    throw FieldError{section_name, "group is missing"};
  }
  Handle group(H5Gopen2(case_group, section_name.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.valid()) throw FieldError{section_name, "is not a group"};
  for (const auto& name : hdf5::member_names(group.get())) {
    const std::string field = section_name + "/" + name;
    const DatasetRule* rule = find_dataset_rule(section, name);
    if (!rule)
      throw FieldError{
          field, "is not a dataset name schema v" + std::to_string(kSchemaVersion) + " knows"};
    const cases::DatasetUse* use = dataset_use(spec, section, name);
    if (!use) {
      throw FieldError{field, "does not belong to a case of operation " +
                                  std::string(cases::to_string(spec.operation))};
    }
    arrays[name] = read_dataset(group.get(), name, *rule, *use, spec, field);
  }
  for (const auto& name : required_datasets(spec, section)) {
    if (!arrays.count(name)) throw FieldError{section_name + "/" + name, "dataset is missing"};
  }
  return arrays;
}

// What the shapes cannot say: a valid case's counter is not negative (a negative one is the
// errors tier's bad_num_batches_tracked), and the pipeline's labels are classes of its linear
// layer, integers in [0, K).
void check_values(const Case& c) {
  if (c.spec.operation == Operation::error) return;
  if (const auto counter = c.inputs.find("num_batches_tracked"); counter != c.inputs.end()) {
    for (double v : counter->second.values) {
      if (v < 0) throw FieldError{"inputs/num_batches_tracked", "should be >= 0 in a valid case"};
    }
  }
  const auto labels = c.inputs.find("labels");
  const auto classes = c.inputs.find("linear_bias");
  if (labels == c.inputs.end() || classes == c.inputs.end()) return;
  const double k = static_cast<double>(classes->second.values.size());
  for (std::size_t i = 0; i < labels->second.values.size(); ++i) {
    const double label = labels->second.values[i];
    if (!(label >= 0 && label < k)) {
      throw FieldError{"inputs/labels", "element " + std::to_string(i) + " is " +
                                            reference::shortest_decimal(label) +
                                            ", not a class in [0, " +
                                            reference::shortest_decimal(k) + ")"};
    }
  }
}

Case read_case(hid_t cases, const std::string& id) {
  Handle group(H5Gopen2(cases, id.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.valid()) throw FieldError{"", "is not a group"};
  Case result;
  try {
    result.spec = read_spec_attributes(group.get(), id);
  } catch (const SpecAttributeError& e) {
    throw FieldError{e.field, e.what()};
  } catch (const hdf5::Error& e) {
    throw FieldError{"", e.what()};
  }
  result.inputs = read_section(group.get(), Section::inputs, result.spec);
  result.expected = read_section(group.get(), Section::expected, result.spec);
  check_values(result);
  return result;
}

// The LoadError names the file: messages carry no location of their own.
FileInfo read_file_info(hid_t file) {
  const std::string where;
  FileInfo info;
  const auto version = hdf5::read_int_attribute(file, "schema_version", where);
  if (!version) throw hdf5::Error("attribute schema_version is missing");
  const std::string known = std::to_string(kSchemaVersion);
  if (*version < kSchemaVersion) {
    throw hdf5::Error("schema_version " + std::to_string(*version) +
                      " is an older fixture format than this bnconf reads (schema v" + known +
                      "): regenerate the fixtures with bnconf gen --out DIR");
  }
  if (*version != kSchemaVersion) {
    throw hdf5::Error("schema_version should be " + known + " not " + std::to_string(*version) +
                      " (this bnconf reads schema v" + known + ")");
  }
  info.schema_version = *version;
  info.generator_version =
      hdf5::read_string_attribute(file, "generator_version", where).value_or("");
  info.catalogue_sha256 = hdf5::read_string_attribute(file, "catalogue_sha256", where).value_or("");
  info.tier = hdf5::read_string_attribute(file, "tier", where).value_or("");
  if (!info.tier.empty() && !cases::is_tier(info.tier)) {
    throw hdf5::Error("attribute tier '" + info.tier + "' is not a tier of the tier table");
  }
  return info;
}

// The file attributes and every case, into an open file; `where` names it in errors.
void write_contents(hid_t file, const FileInfo& info, const std::vector<Case>& cases,
                    const std::string& where) {
  hdf5::write_int_attribute(file, "schema_version", info.schema_version);
  hdf5::write_string_attribute(file, "generator_version", info.generator_version);
  hdf5::write_string_attribute(file, "catalogue_sha256", info.catalogue_sha256);
  hdf5::write_string_attribute(file, "tier", info.tier);
  hdf5::write_int_attribute(file, "case_count", static_cast<std::int64_t>(cases.size()));
  Handle all_cases = hdf5::create_group(file, "cases");
  for (const auto& c : cases) {
    try {
      Handle group = hdf5::create_group(all_cases.get(), c.spec.id);
      write_spec_attributes(group.get(), c.spec);
      write_section(group.get(), Section::inputs, c.inputs);
      write_section(group.get(), Section::expected, c.expected);
    } catch (const hdf5::Error& e) {
      throw hdf5::Error(where + ": case " + c.spec.id + ": " + e.what());
    }
  }
}

// The file attributes and every case of an open file into `result` (result.path names it).
// Throws hdf5::Error for a problem with the file as a whole.
void read_contents(hid_t file, FixtureFile& result) {
  result.info = read_file_info(file);
  if (!hdf5::has_link(file, "cases")) throw hdf5::Error("group /cases is missing");
  Handle cases(H5Gopen2(file, "cases", H5P_DEFAULT), H5Gclose);
  if (!cases.valid()) throw hdf5::Error("/cases is not a group");
  for (const auto& id : hdf5::member_names(cases.get())) {
    try {
      Case c = read_case(cases.get(), id);
      if (!result.info->tier.empty() && c.spec.tier != result.info->tier) {
        throw FieldError{
            "tier", "'" + c.spec.tier + "' but the file holds tier '" + result.info->tier + "'"};
      }
      result.cases.emplace_back(std::move(c));
    } catch (const FieldError& e) {
      result.cases.emplace_back(LoadError{result.path, id, e.field, e.message});
    } catch (const hdf5::Error& e) {
      result.cases.emplace_back(LoadError{result.path, id, "", e.what()});
    }
  }
}

}  // namespace

std::string LoadError::to_string() const {
  std::string text = file;
  if (!case_id.empty()) text += ": case " + case_id;
  if (!field.empty()) text += ": " + field;
  return text + ": " + message;
}

void write_fixture_file(const std::string& path, const FileInfo& info,
                        const std::vector<Case>& cases) {
  hdf5::QuietErrors quiet;
  std::filesystem::remove(path);
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // Oldest format able to hold the data: the widest range of readers, and no format choices
  // that depend on the library version writing the file.
  H5Pset_libver_bounds(access.get(), H5F_LIBVER_EARLIEST, H5F_LIBVER_V18);
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
  if (!file.valid()) throw hdf5::Error(path + ": cannot be created");
  write_contents(file.get(), info, cases, path);
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw hdf5::Error(path + ": cannot be written");
}

std::string fixture_bytes(const FileInfo& info, const std::vector<Case>& cases) {
  hdf5::QuietErrors quiet;
  Handle file = hdf5::create_image();
  write_contents(file.get(), info, cases, "(memory)");
  return hdf5::image_bytes(file.get());
}

FixtureFile parse_fixture_bytes(const std::string& bytes, const std::string& path) {
  hdf5::QuietErrors quiet;
  FixtureFile result;
  result.path = path;
  try {
    Handle file = hdf5::open_image(bytes);
    read_contents(file.get(), result);
  } catch (const hdf5::Error& e) {
    result.file_error = LoadError{path, "", "", e.what()};
  }
  return result;
}

}  // namespace bnconf::formats
