#include "hdf5_handle.hpp"

#include <algorithm>
#include <cstring>

namespace bnconf::formats::hdf5 {
namespace {

// Datasets up to this many elements are stored contiguously; larger ones chunked and deflated.
constexpr hsize_t kContiguousLimit = 4096;
constexpr hsize_t kChunkElements = 1 << 16;
// The most bytes a fixed-length string attribute may hold in all.
constexpr std::size_t kMaxAttributeBytes = 1 << 20;
// Deflate's largest compression ratio is about 1032:1 (zlib's technical details); a chunked
// dataset cannot hold more data than this many times its stored bytes.
constexpr std::uint64_t kMaxCompressionRatio = 1100;

[[noreturn]] void fail(const std::string& message) { throw Error(message); }

// "where: ", or nothing when the caller names the place itself (a LoadError does).
std::string at(const std::string& where) { return where.empty() ? "" : where + ": "; }

void check(herr_t status, const std::string& what) {
  if (status < 0) fail("HDF5 error while " + what);
}

Handle string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  check(H5Tset_size(type.get(), H5T_VARIABLE), "creating a string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "creating a string type");
  return type;
}

Handle create_attribute(hid_t object, const std::string& name, hid_t type,
                        const std::vector<hsize_t>& dims) {
  Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  Handle attribute(H5Acreate2(object, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose);
  if (!attribute.valid()) fail("HDF5 error while creating attribute " + name);
  return attribute;
}

// Opens attribute `name`, or nothing when absent; checks its type class and element count.
std::optional<Handle> open_attribute(hid_t object, const std::string& name, H5T_class_t type_class,
                                     std::optional<hssize_t> elements, const std::string& where) {
  if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
  Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) fail(at(where) + "attribute " + name + " cannot be opened");
  Handle type(H5Aget_type(attribute.get()), H5Tclose);
  if (H5Tget_class(type.get()) != type_class) {
    fail(at(where) + "attribute " + name + " has the wrong type (expected " +
         (type_class == H5T_STRING  ? "a string"
          : type_class == H5T_FLOAT ? "a floating-point number"
                                    : "an integer") +
         ")");
  }
  Handle space(H5Aget_space(attribute.get()), H5Sclose);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (elements && count != *elements) {
    fail(at(where) + "attribute " + name + " should hold " + std::to_string(*elements) +
         " value(s) not " + std::to_string(count));
  }
  return attribute;
}

hssize_t attribute_elements(const Handle& attribute) {
  Handle space(H5Aget_space(attribute.get()), H5Sclose);
  return H5Sget_simple_extent_npoints(space.get());
}

}  // namespace

namespace {

std::string image_name() {
  static unsigned long counter = 0;
  return "bnconf-memory-image-" + std::to_string(++counter) + ".h5";
}

Handle core_access() {
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // 1 MiB increments, no backing store: nothing is written to disk.
  check(H5Pset_fapl_core(access.get(), 1 << 20, false), "selecting the in-memory driver");
  return access;
}

}  // namespace

Handle open_image(const std::string& bytes) {
  if (bytes.empty()) fail("an empty file");
  Handle access = core_access();
  // The library copies the image (no callbacks are set).
  check(H5Pset_file_image(access.get(), const_cast<char*>(bytes.data()), bytes.size()),
        "handing over the file image");
  Handle file(H5Fopen(image_name().c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
  if (!file.valid()) fail("not a readable HDF5 file (truncated or corrupt?)");
  return file;
}

Handle create_image() {
  Handle access = core_access();
  H5Pset_libver_bounds(access.get(), H5F_LIBVER_EARLIEST, H5F_LIBVER_V18);
  Handle file(H5Fcreate(image_name().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
  if (!file.valid()) fail("cannot create an HDF5 file in memory");
  return file;
}

std::string image_bytes(hid_t file) {
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flushing the file image");
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) fail("HDF5 error while taking the file image");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(file, bytes.data(), bytes.size()) != size) {
    fail("HDF5 error while taking the file image");
  }
  return bytes;
}

QuietErrors::QuietErrors() {
  H5Eget_auto2(H5E_DEFAULT, &saved_function_, &saved_data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, saved_function_, saved_data_); }

Handle group_creation_properties() {
  Handle properties(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  check(H5Pset_obj_track_times(properties.get(), false), "disabling time tracking");
  return properties;
}

Handle dataset_creation_properties(const std::vector<hsize_t>& dims) {
  Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  check(H5Pset_obj_track_times(properties.get(), false), "disabling time tracking");
  hsize_t elements = 1;
  for (hsize_t d : dims) elements *= d;
  if (elements > kContiguousLimit) {
    // Chunks along the leading axis, about kChunkElements each.
    std::vector<hsize_t> chunk(dims);
    hsize_t inner = 1;
    for (std::size_t i = 1; i < dims.size(); ++i) inner *= dims[i];
    chunk[0] = std::max<hsize_t>(
        1, std::min<hsize_t>(dims[0], kChunkElements / std::max<hsize_t>(inner, 1)));
    check(H5Pset_chunk(properties.get(), static_cast<int>(dims.size()), chunk.data()),
          "setting the chunk shape");
    check(H5Pset_shuffle(properties.get()), "enabling the shuffle filter");
    check(H5Pset_deflate(properties.get(), 6), "enabling deflate compression");
  }
  return properties;
}

Handle create_group(hid_t parent, const std::string& name) {
  Handle properties = group_creation_properties();
  Handle group(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, properties.get(), H5P_DEFAULT),
               H5Gclose);
  if (!group.valid()) fail("HDF5 error while creating group " + name);
  return group;
}

bool has_link(hid_t parent, const std::string& name) {
  return H5Lexists(parent, name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> member_names(hid_t group) {
  std::vector<std::string> names;
  H5Literate(
      group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type = string_type();
  Handle attribute = create_attribute(object, name, type.get(), {});
  const char* data = value.c_str();
  check(H5Awrite(attribute.get(), type.get(), &data), "writing attribute " + name);
}

void write_string_list_attribute(hid_t object, const std::string& name,
                                 const std::vector<std::string>& values) {
  Handle type = string_type();
  Handle attribute = create_attribute(object, name, type.get(), {values.size()});
  std::vector<const char*> data;
  for (const auto& v : values) data.push_back(v.c_str());
  if (!values.empty()) {
    check(H5Awrite(attribute.get(), type.get(), data.data()), "writing attribute " + name);
  }
}

void write_double_attribute(hid_t object, const std::string& name, double value) {
  Handle attribute = create_attribute(object, name, H5T_IEEE_F64LE, {});
  check(H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, &value), "writing attribute " + name);
}

void write_int_attribute(hid_t object, const std::string& name, std::int64_t value) {
  Handle attribute = create_attribute(object, name, H5T_STD_I64LE, {});
  check(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value), "writing attribute " + name);
}

void write_int_list_attribute(hid_t object, const std::string& name,
                              const std::vector<std::int64_t>& values) {
  Handle attribute = create_attribute(object, name, H5T_STD_I64LE, {values.size()});
  if (!values.empty()) {
    check(H5Awrite(attribute.get(), H5T_NATIVE_INT64, values.data()), "writing attribute " + name);
  }
}

std::string storage_problem(hid_t dataset, std::size_t elements) {
  if (elements == 0) return "";
  Handle type(H5Dget_type(dataset), H5Tclose);
  Handle properties(H5Dget_create_plist(dataset), H5Pclose);
  const std::uint64_t stored = H5Dget_storage_size(dataset);
  const std::uint64_t element_bytes = std::max<std::size_t>(H5Tget_size(type.get()), 1);
  const std::uint64_t ratio = properties.valid() && H5Pget_layout(properties.get()) == H5D_CHUNKED
                                  ? kMaxCompressionRatio
                                  : 1;
  if (stored == 0 || elements > stored * ratio / element_bytes) {
    return "declares " + std::to_string(elements) + " elements but stores " +
           std::to_string(stored) + " bytes (never written, or truncated)";
  }
  return "";
}

std::optional<std::string> read_string_attribute(hid_t object, const std::string& name,
                                                 const std::string& where) {
  auto list = read_string_list_attribute(object, name, where);
  if (!list) return std::nullopt;
  if (list->size() != 1) fail(at(where) + "attribute " + name + " should hold one string");
  return list->front();
}

std::optional<std::vector<std::string>> read_string_list_attribute(hid_t object,
                                                                   const std::string& name,
                                                                   const std::string& where) {
  auto attribute = open_attribute(object, name, H5T_STRING, std::nullopt, where);
  if (!attribute) return std::nullopt;
  const hssize_t count = attribute_elements(*attribute);
  if (count < 0 || count > (1 << 16)) fail(at(where) + "attribute " + name + " is malformed");
  Handle stored(H5Aget_type(attribute->get()), H5Tclose);
  std::vector<std::string> result;
  if (H5Tis_variable_str(stored.get()) > 0) {
    Handle type = string_type();
    std::vector<char*> data(static_cast<std::size_t>(count), nullptr);
    if (count > 0 && H5Aread(attribute->get(), type.get(), data.data()) < 0) {
      fail(at(where) + "attribute " + name + " cannot be read");
    }
    for (char* s : data) result.emplace_back(s ? s : "");
    if (count > 0) {
      Handle space(H5Aget_space(attribute->get()), H5Sclose);
      H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, data.data());
    }
  } else {
    // Fixed-length strings, as other tools may write them; their size is checked before the
    // buffer is allocated.
    const std::size_t size = H5Tget_size(stored.get());
    if (size == 0 || size > kMaxAttributeBytes ||
        size * static_cast<std::size_t>(count) > kMaxAttributeBytes) {
      fail(at(where) + "attribute " + name + " is malformed (" + std::to_string(count) +
           " strings of " + std::to_string(size) + " bytes)");
    }
    std::vector<char> data(size * static_cast<std::size_t>(count) + 1, '\0');
    if (count > 0 && H5Aread(attribute->get(), stored.get(), data.data()) < 0) {
      fail(at(where) + "attribute " + name + " cannot be read");
    }
    for (hssize_t i = 0; i < count; ++i) {
      const char* begin = data.data() + static_cast<std::size_t>(i) * size;
      result.emplace_back(begin, strnlen(begin, size));
    }
  }
  return result;
}

std::optional<double> read_double_attribute(hid_t object, const std::string& name,
                                            const std::string& where) {
  auto attribute = open_attribute(object, name, H5T_FLOAT, 1, where);
  if (!attribute) return std::nullopt;
  double value = 0;
  if (H5Aread(attribute->get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    fail(at(where) + "attribute " + name + " cannot be read");
  }
  return value;
}

std::optional<std::int64_t> read_int_attribute(hid_t object, const std::string& name,
                                               const std::string& where) {
  auto list = read_int_list_attribute(object, name, where);
  if (!list) return std::nullopt;
  if (list->size() != 1) fail(at(where) + "attribute " + name + " should hold one integer");
  return list->front();
}

std::optional<std::vector<std::int64_t>> read_int_list_attribute(hid_t object,
                                                                 const std::string& name,
                                                                 const std::string& where) {
  auto attribute = open_attribute(object, name, H5T_INTEGER, std::nullopt, where);
  if (!attribute) return std::nullopt;
  const hssize_t count = attribute_elements(*attribute);
  if (count < 0 || count > (1 << 16)) fail(at(where) + "attribute " + name + " is malformed");
  std::vector<std::int64_t> values(static_cast<std::size_t>(count));
  if (count > 0 && H5Aread(attribute->get(), H5T_NATIVE_INT64, values.data()) < 0) {
    fail(at(where) + "attribute " + name + " cannot be read as 64-bit integers");
  }
  return values;
}

}  // namespace bnconf::formats::hdf5
