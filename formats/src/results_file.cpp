#include "bnconf/formats/results_file.hpp"

#include <filesystem>
#include <set>
#include <stdexcept>

#include "case_names.hpp"
#include "hdf5_handle.hpp"

namespace bnconf::formats {

namespace {

using hdf5::Handle;
const std::set<std::string> kStatuses{"ok", "unsupported", "invalid_argument", "backend_error"};
constexpr std::size_t kMaxElements = std::size_t{1} << 31;

Array read_float_dataset(hid_t group, const std::string& name, const std::string& where) {
  Handle dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) throw std::runtime_error(where + ": is not a dataset");
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_FLOAT && H5Tget_class(type.get()) != H5T_INTEGER) {
    throw std::runtime_error(where + ": should hold numbers");
  }
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 9) throw std::runtime_error(where + ": has an absurd rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Array array;
  array.shape.assign(dims.begin(), dims.end());
  std::size_t count = 0;
  if (!cases::checked_element_count(array.shape, kMaxElements, count)) {
    throw std::runtime_error(where + ": has absurd dimensions");
  }
  if (const std::string problem = hdf5::storage_problem(dataset.get(), count); !problem.empty()) {
    throw std::runtime_error(where + ": " + problem);
  }
  array.values.resize(count);
  if (count && H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       array.values.data()) < 0) {
    throw std::runtime_error(where + ": cannot be read");
  }
  return array;
}

// One /results/<id> group.
CaseResultEntry read_entry(hid_t group, const std::string& where) {
  CaseResultEntry entry;
  const auto status = hdf5::read_string_attribute(group, "status", where);
  if (!status) throw std::runtime_error(where + ": attribute status is missing");
  entry.status = *status;
  if (!kStatuses.count(entry.status)) {
    throw std::runtime_error(where + ": status '" + entry.status +
                             "' should be ok, unsupported, invalid_argument or backend_error");
  }
  entry.message = hdf5::read_string_attribute(group, "message", where).value_or("");
  entry.unchecked = hdf5::read_string_list_attribute(group, "unchecked", where)
                        .value_or(std::vector<std::string>{});
  entry.unchecked_reason =
      hdf5::read_string_attribute(group, "unchecked_reason", where).value_or("");
  if (!entry.unchecked.empty() && entry.unchecked_reason.empty()) {
    throw std::runtime_error(where +
                             ": attribute unchecked needs unchecked_reason (why the "
                             "backend did not compute them)");
  }
  for (const auto& name : hdf5::member_names(group)) {
    entry.outputs[name] = read_float_dataset(group, name, where + ": " + name);
  }
  for (const auto& name : entry.unchecked) {
    if (entry.outputs.count(name)) {
      throw std::runtime_error(where + ": output " + name +
                               " is both declared unchecked and present");
    }
  }
  return entry;
}

// An open results file into `results`; `path` names it in errors.
void read_contents(hid_t file, const std::string& path, ResultsFile& results) {
  const auto version = hdf5::read_int_attribute(file, "schema_version", path);
  if (!version) throw std::runtime_error(path + ": attribute schema_version is missing");
  if (*version != 1) {
    throw std::runtime_error(path + ": schema_version should be 1 (results protocol v1) not " +
                             std::to_string(*version));
  }
  results.backend_name = hdf5::read_string_attribute(file, "backend_name", path).value_or("?");
  results.backend_version =
      hdf5::read_string_attribute(file, "backend_version", path).value_or("?");
  if (!hdf5::has_link(file, "results"))
    throw std::runtime_error(path + ": group /results is missing");
  Handle all(H5Gopen2(file, "results", H5P_DEFAULT), H5Gclose);
  if (!all.valid()) throw std::runtime_error(path + ": /results is not a group");
  for (const auto& id : hdf5::member_names(all.get())) {
    const std::string where = path + ": case " + id;
    try {
      Handle group(H5Gopen2(all.get(), id.c_str(), H5P_DEFAULT), H5Gclose);
      if (!group.valid()) throw std::runtime_error(where + ": is not a group");
      results.cases[id] = read_entry(group.get(), where);
    } catch (const std::exception& e) {
      results.errors.push_back(e.what());
    }
  }
}

void write_contents(hid_t file, const ResultsFile& results) {
  hdf5::write_int_attribute(file, "schema_version", 1);
  hdf5::write_string_attribute(file, "backend_name", results.backend_name);
  hdf5::write_string_attribute(file, "backend_version", results.backend_version);
  Handle all = hdf5::create_group(file, "results");
  for (const auto& [id, entry] : results.cases) {
    Handle group = hdf5::create_group(all.get(), id);
    hdf5::write_string_attribute(group.get(), "status", entry.status);
    if (!entry.message.empty()) hdf5::write_string_attribute(group.get(), "message", entry.message);
    if (!entry.unchecked.empty()) {
      hdf5::write_string_list_attribute(group.get(), "unchecked", entry.unchecked);
      hdf5::write_string_attribute(group.get(), "unchecked_reason", entry.unchecked_reason);
    }
    for (const auto& [name, array] : entry.outputs) {
      std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
      Handle space(dims.empty()
                       ? H5Screate(H5S_SCALAR)
                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                   H5Sclose);
      Handle dataset(H5Dcreate2(group.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose);
      if (!dataset.valid()) throw std::runtime_error("cannot create dataset " + name + " of " + id);
      if (!array.values.empty() && H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                            H5P_DEFAULT, array.values.data()) < 0) {
        throw std::runtime_error("cannot write dataset " + name + " of " + id);
      }
    }
  }
}

}  // namespace

ResultsFile parse_results_bytes(const std::string& bytes, const std::string& path) {
  hdf5::QuietErrors quiet;
  Handle file;
  try {
    file = hdf5::open_image(bytes);
  } catch (const hdf5::Error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  ResultsFile results;
  read_contents(file.get(), path, results);
  return results;
}

std::string results_bytes(const ResultsFile& results) {
  hdf5::QuietErrors quiet;
  Handle file = hdf5::create_image();
  write_contents(file.get(), results);
  return hdf5::image_bytes(file.get());
}

void write_results_file(const std::string& path, const ResultsFile& results) {
  hdf5::QuietErrors quiet;
  std::filesystem::remove(path);
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw std::runtime_error(path + ": cannot be created");
  write_contents(file.get(), results);
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0)
    throw std::runtime_error(path + ": cannot be written");
}

}  // namespace bnconf::formats
