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
  if (rank < 0 || rank > 8) throw std::runtime_error(where + ": has an absurd rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Array array;
  array.shape.assign(dims.begin(), dims.end());
  std::size_t count = 0;
  if (!cases::checked_element_count(array.shape, kMaxElements, count)) {
    throw std::runtime_error(where + ": has absurd dimensions");
  }
  array.values.resize(count);
  if (count && H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       array.values.data()) < 0) {
    throw std::runtime_error(where + ": cannot be read");
  }
  return array;
}

}  // namespace

ResultsFile read_results_file(const std::string& path) {
  hdf5::QuietErrors quiet;
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error(path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw std::runtime_error(path + ": not a readable HDF5 file");
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw std::runtime_error(path + ": cannot be opened");
  ResultsFile results;
  const auto version = hdf5::read_int_attribute(file.get(), "schema_version", path);
  if (!version || *version != 1) {
    throw std::runtime_error(path + ": attribute schema_version should be 1 (results protocol v1)");
  }
  results.backend_name =
      hdf5::read_string_attribute(file.get(), "backend_name", path).value_or("?");
  results.backend_version =
      hdf5::read_string_attribute(file.get(), "backend_version", path).value_or("?");
  if (!hdf5::has_link(file.get(), "results"))
    throw std::runtime_error(path + ": group /results is missing");
  Handle all(H5Gopen2(file.get(), "results", H5P_DEFAULT), H5Gclose);
  for (const auto& id : hdf5::member_names(all.get())) {
    const std::string where = path + ": case " + id;
    try {
      Handle group(H5Gopen2(all.get(), id.c_str(), H5P_DEFAULT), H5Gclose);
      if (!group.valid()) throw std::runtime_error(where + ": is not a group");
      CaseResultEntry entry;
      entry.status = hdf5::read_string_attribute(group.get(), "status", where).value_or("");
      if (!kStatuses.count(entry.status)) {
        throw std::runtime_error(where + ": status '" + entry.status +
                                 "' should be ok, unsupported, invalid_argument or backend_error");
      }
      entry.message = hdf5::read_string_attribute(group.get(), "message", where).value_or("");
      for (const auto& name : hdf5::member_names(group.get())) {
        entry.outputs[name] = read_float_dataset(group.get(), name, where + ": " + name);
      }
      results.cases[id] = std::move(entry);
    } catch (const std::exception& e) {
      results.errors.push_back(e.what());
    }
  }
  return results;
}

void write_results_file(const std::string& path, const ResultsFile& results) {
  hdf5::QuietErrors quiet;
  std::filesystem::remove(path);
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw std::runtime_error(path + ": cannot be created");
  hdf5::write_int_attribute(file.get(), "schema_version", 1);
  hdf5::write_string_attribute(file.get(), "backend_name", results.backend_name);
  hdf5::write_string_attribute(file.get(), "backend_version", results.backend_version);
  Handle all = hdf5::create_group(file.get(), "results");
  for (const auto& [id, entry] : results.cases) {
    Handle group = hdf5::create_group(all.get(), id);
    hdf5::write_string_attribute(group.get(), "status", entry.status);
    if (!entry.message.empty()) hdf5::write_string_attribute(group.get(), "message", entry.message);
    for (const auto& [name, array] : entry.outputs) {
      std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
      Handle space(dims.empty()
                       ? H5Screate(H5S_SCALAR)
                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                   H5Sclose);
      Handle dataset(H5Dcreate2(group.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose);
      if (!array.values.empty()) {
        H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                 array.values.data());
      }
    }
  }
}

}  // namespace bnconf::formats
