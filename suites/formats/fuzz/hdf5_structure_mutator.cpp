// libFuzzer custom mutator for HDF5 files: mutates what a file *says* (attributes, datasets,
// links), never how libhdf5 lays it out, so every input the fuzzer produces is a file libhdf5
// itself wrote.
//
// Why: libhdf5 1.10 trusts its on-disk structures. A byte-level mutation of an HDF5 file crashes
// or hangs libhdf5 itself within about fifty executions (global-heap lengths, B-tree nodes), which
// is why the runner parses unverified files in a child process only (docs/fixture-format.md).
// In process, a byte-level fuzzer therefore spends its time restarting after libhdf5's crashes
// and never reaches bnconf's own checks of the schema. This mutator keeps the container valid and
// attacks the contents the readers must judge: every attribute's value, type and shape; every
// dataset's values, dtype and declared size (up to 2^40 elements, never written); missing and
// unknown attributes, datasets and groups; copies (duplicate case ids), renames, hard-link
// cycles, dangling soft links and external links. The raw bytes of values are mutated with
// libFuzzer's own LLVMFuzzerMutate, so comparisons the readers make still guide the search.
// Seeds are the committed files (valid and malformed) that libhdf5 can open; an input it cannot
// open is returned unchanged.
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

// Closes an HDF5 identifier on scope exit; the mutator ignores every HDF5 error (a mutation
// that libhdf5 refuses is simply not made).
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

struct Object {
  std::string path;
  H5I_type_t type;
};

struct Contents {
  std::vector<Object> objects;       // every group and dataset, the root group first
  std::vector<std::string> names;    // link and attribute names seen (a dictionary)
  std::vector<std::string> strings;  // string attribute values seen (a dictionary)
};

herr_t collect_attribute(hid_t object, const char* name, const H5A_info_t*, void* data) {
  auto* contents = static_cast<Contents*>(data);
  contents->names.emplace_back(name);
  Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  Id type(H5Aget_type(attribute.get()), H5Tclose);
  if (H5Tget_class(type.get()) == H5T_STRING && H5Tis_variable_str(type.get()) > 0) {
    Id space(H5Aget_space(attribute.get()), H5Sclose);
    if (H5Sget_simple_extent_npoints(space.get()) == 1) {
      Id memory(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(memory.get(), H5T_VARIABLE);
      char* value = nullptr;
      if (H5Aread(attribute.get(), memory.get(), &value) >= 0 && value != nullptr) {
        contents->strings.emplace_back(value);
        H5free_memory(value);
      }
    }
  }
  return 0;
}

// Every group and dataset (each once, whatever links lead to it), the root group first.
Contents survey(hid_t file) {
  Contents contents;
  H5Ovisit2(
      file, H5_INDEX_NAME, H5_ITER_NATIVE,
      [](hid_t, const char* name, const H5O_info_t* info, void* data) -> herr_t {
        auto* objects = static_cast<std::vector<Object>*>(data);
        const std::string path = std::strcmp(name, ".") == 0 ? "/" : std::string("/") + name;
        if (info->type == H5O_TYPE_GROUP) objects->push_back({path, H5I_GROUP});
        if (info->type == H5O_TYPE_DATASET) objects->push_back({path, H5I_DATASET});
        return 0;
      },
      &contents.objects, H5O_INFO_BASIC);
  return contents;
}

// The dictionary of names and string values, from one object's attributes and links: enough to
// put a word where another belongs, at a fraction of the cost of reading the whole file.
void learn_words(hid_t file, const Object& object, Contents& contents) {
  Id opened(H5Oopen(file, object.path.c_str(), H5P_DEFAULT), H5Oclose);
  if (!opened.valid()) return;
  H5Aiterate2(opened.get(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, collect_attribute, &contents);
  if (object.type == H5I_GROUP) {
    H5Literate(
        opened.get(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr,
        [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
          static_cast<Contents*>(data)->names.emplace_back(name);
          return 0;
        },
        &contents);
  }
}

class Mutator {
 public:
  Mutator(hid_t file, unsigned seed) : file_(file), random_(seed), contents_(survey(file)) {}

  bool mutate_once() {
    if (contents_.objects.empty()) return false;
    switch (pick(12)) {
      case 0:
      case 1:
        return mutate_attribute_values();
      case 2:
        return replace_attribute();
      case 3:
        return delete_attribute();
      case 4:
        return add_attribute();
      case 5:
      case 6:
        return mutate_dataset_values();
      case 7:
        return replace_dataset();
      case 8:
        return delete_link();
      case 9:
        return copy_object();
      case 10:
        return rename_object();
      default:
        return add_odd_link();
    }
  }

  // Copies one object of `other` (a second file) into this file: libFuzzer's cross-over, done on
  // the structure.
  bool graft_from(hid_t other) {
    const Contents theirs = survey(other);
    if (theirs.objects.size() < 2) return false;
    const Object& source = theirs.objects[1 + pick(theirs.objects.size() - 1)];
    const Object& parent = random_group();
    const std::string target = child_path(parent.path, base_name(source.path) + suffix());
    return H5Ocopy(other, source.path.c_str(), file_, target.c_str(), H5P_DEFAULT, H5P_DEFAULT) >=
           0;
  }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_);
  }

  const Object& random_object() { return contents_.objects[pick(contents_.objects.size())]; }

  const Object& random_group() {
    std::vector<const Object*> groups;
    for (const auto& o : contents_.objects) {
      if (o.type == H5I_GROUP) groups.push_back(&o);
    }
    return *groups[pick(groups.size())];
  }

  const Object* random_dataset() {
    std::vector<const Object*> datasets;
    for (const auto& o : contents_.objects) {
      if (o.type == H5I_DATASET) datasets.push_back(&o);
    }
    return datasets.empty() ? nullptr : datasets[pick(datasets.size())];
  }

  static std::string base_name(const std::string& path) {
    return path.substr(path.find_last_of('/') + 1);
  }
  static std::string child_path(const std::string& parent, const std::string& name) {
    return parent == "/" ? "/" + name : parent + "/" + name;
  }
  std::string suffix() { return pick(2) ? "" : "_" + std::to_string(pick(100)); }

  // A name: one seen in the file (to collide, or to be missing elsewhere) or a new one.
  void learn() {
    if (learned_) return;
    learned_ = true;
    learn_words(file_, random_object(), contents_);
    learn_words(file_, random_object(), contents_);
  }

  std::string some_name() {
    learn();
    if (!contents_.names.empty() && pick(4) != 0) {
      return contents_.names[pick(contents_.names.size())];
    }
    return "fuzz" + std::to_string(pick(1000));
  }

  // A string value: one seen in the file (an enum word in the wrong place), a mutation of one
  // (libFuzzer's byte mutations: invalid UTF-8, comparisons the reader makes), or an odd one.
  std::string some_string() {
    learn();
    switch (pick(4)) {
      case 0:
        if (!contents_.strings.empty()) return contents_.strings[pick(contents_.strings.size())];
        [[fallthrough]];
      case 1: {
        std::string s =
            contents_.strings.empty() ? "x" : contents_.strings[pick(contents_.strings.size())];
        s.resize(s.size() + 16);
        const std::size_t n =
            LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(s.data()), s.size() - 16, s.size());
        s.resize(n);
        s.erase(std::find(s.begin(), s.end(), '\0'), s.end());
        return s;
      }
      case 2: {
        static const char* const odd[] = {"",
                                          "-1",
                                          "nan",
                                          "inf",
                                          "1e999",
                                          "\xff\xfe\xc3",
                                          "../../../etc/passwd",
                                          "\x1b[31m<&>\"'"};
        return odd[pick(std::size(odd))];
      }
      default:
        return std::string(1 + pick(70000), 'a');
    }
  }

  double some_double() {
    static const double values[] = {0.0,
                                    -0.0,
                                    1.0,
                                    -1.0,
                                    0.5,
                                    2.0,
                                    1e-300,
                                    4.9406564584124654e-324,
                                    std::numeric_limits<double>::max(),
                                    -std::numeric_limits<double>::max(),
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(),
                                    std::numeric_limits<double>::quiet_NaN(),
                                    65504.0,
                                    3.4028234663852886e38,
                                    1e39,
                                    2147483648.0,
                                    9007199254740993.0,
                                    1.0000001};
    return values[pick(std::size(values))];
  }

  long long some_integer() {
    static const long long values[] = {0,
                                       1,
                                       -1,
                                       2,
                                       3,
                                       4,
                                       5,
                                       6,
                                       255,
                                       256,
                                       65535,
                                       2147483647LL,
                                       2147483648LL,
                                       -2147483648LL,
                                       4294967296LL,
                                       std::numeric_limits<long long>::max(),
                                       std::numeric_limits<long long>::min()};
    return values[pick(std::size(values))];
  }

  // Rewrites some elements of a numeric buffer read in memory type `memory` (double or long
  // long): special values, or libFuzzer's byte mutation of the whole buffer.
  template <typename T>
  void mutate_numbers(std::vector<T>& values) {
    if (values.empty()) return;
    if (pick(3) == 0) {
      LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(values.data()), values.size() * sizeof(T),
                       values.size() * sizeof(T));
      return;
    }
    const std::size_t changes = 1 + pick(std::min<std::size_t>(values.size(), 4));
    for (std::size_t i = 0; i < changes; ++i) {
      if constexpr (std::is_same_v<T, double>) {
        values[pick(values.size())] = some_double();
      } else {
        values[pick(values.size())] = some_integer();
      }
    }
  }

  std::vector<std::string> attribute_names(hid_t object) {
    std::vector<std::string> names;
    H5Aiterate2(
        object, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr,
        [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
          static_cast<std::vector<std::string>*>(data)->emplace_back(name);
          return 0;
        },
        &names);
    return names;
  }

  bool mutate_attribute_values() {
    Id object(H5Oopen(file_, random_object().path.c_str(), H5P_DEFAULT), H5Oclose);
    const auto names = attribute_names(object.get());
    if (names.empty()) return false;
    const std::string name = names[pick(names.size())];
    H5T_class_t type_class = H5T_NO_CLASS;
    hssize_t count = 0;
    {
      Id attribute(H5Aopen(object.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
      Id type(H5Aget_type(attribute.get()), H5Tclose);
      Id space(H5Aget_space(attribute.get()), H5Sclose);
      type_class = H5Tget_class(type.get());
      count = H5Sget_simple_extent_npoints(space.get());
    }
    if (count <= 0 || count > (1 << 16)) return false;
    if (type_class == H5T_STRING) {
      // Variable-length strings cannot be rewritten in place: a new attribute of the same name.
      H5Adelete(object.get(), name.c_str());
      return write_string_attribute(object.get(), name, count == 1 && pick(4) ? 1 : 1 + pick(4));
    }
    Id attribute(H5Aopen(object.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
    if (type_class == H5T_FLOAT) {
      std::vector<double> values(static_cast<std::size_t>(count));
      if (H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, values.data()) < 0) return false;
      mutate_numbers(values);
      return H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, values.data()) >= 0;
    }
    if (type_class == H5T_INTEGER) {
      std::vector<long long> values(static_cast<std::size_t>(count));
      if (H5Aread(attribute.get(), H5T_NATIVE_LLONG, values.data()) < 0) return false;
      mutate_numbers(values);
      return H5Awrite(attribute.get(), H5T_NATIVE_LLONG, values.data()) >= 0;
    }
    return false;
  }

  bool write_string_attribute(hid_t object, const std::string& name, std::size_t count) {
    std::vector<std::string> values;
    for (std::size_t i = 0; i < count; ++i) values.push_back(some_string());
    std::vector<const char*> pointers;
    for (const auto& v : values) pointers.push_back(v.c_str());
    Id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    const hsize_t dims[1] = {count};
    Id space(count == 1 && pick(2) ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, nullptr),
             H5Sclose);
    Id attribute(
        H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose);
    return attribute.valid() && H5Awrite(attribute.get(), type.get(), pointers.data()) >= 0;
  }

  // An attribute of a random kind: string(s), a float or integer scalar or array.
  bool write_random_attribute(hid_t object, const std::string& name) {
    const std::size_t kind = pick(4);
    if (kind == 0) return write_string_attribute(object, name, pick(3) ? 1 : 2 + pick(3));
    const hsize_t count = pick(2) ? 1 : pick(9);
    Id space(count == 1 && pick(2) ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr),
             H5Sclose);
    const hid_t stored = kind == 1   ? H5T_IEEE_F64LE
                         : kind == 2 ? H5T_IEEE_F32BE
                                     : (pick(2) ? H5T_STD_I64LE : H5T_STD_U8LE);
    Id attribute(H5Acreate2(object, name.c_str(), stored, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                 H5Aclose);
    if (!attribute.valid()) return false;
    if (kind == 3) {
      std::vector<long long> values(std::max<hsize_t>(count, 1));
      for (auto& v : values) v = some_integer();
      return H5Awrite(attribute.get(), H5T_NATIVE_LLONG, values.data()) >= 0;
    }
    std::vector<double> values(std::max<hsize_t>(count, 1));
    for (auto& v : values) v = some_double();
    return H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, values.data()) >= 0;
  }

  bool replace_attribute() {
    Id object(H5Oopen(file_, random_object().path.c_str(), H5P_DEFAULT), H5Oclose);
    const auto names = attribute_names(object.get());
    if (names.empty()) return false;
    const std::string name = names[pick(names.size())];
    H5Adelete(object.get(), name.c_str());
    return write_random_attribute(object.get(), name);
  }

  bool delete_attribute() {
    Id object(H5Oopen(file_, random_object().path.c_str(), H5P_DEFAULT), H5Oclose);
    const auto names = attribute_names(object.get());
    if (names.empty()) return false;
    return H5Adelete(object.get(), names[pick(names.size())].c_str()) >= 0;
  }

  bool add_attribute() {
    Id object(H5Oopen(file_, random_object().path.c_str(), H5P_DEFAULT), H5Oclose);
    const std::string name = some_name();
    if (H5Aexists(object.get(), name.c_str()) > 0) H5Adelete(object.get(), name.c_str());
    return write_random_attribute(object.get(), name);
  }

  bool mutate_dataset_values() {
    const Object* target = random_dataset();
    if (target == nullptr) return false;
    Id dataset(H5Dopen2(file_, target->path.c_str(), H5P_DEFAULT), H5Dclose);
    Id type(H5Dget_type(dataset.get()), H5Tclose);
    Id space(H5Dget_space(dataset.get()), H5Sclose);
    const hssize_t count = H5Sget_simple_extent_npoints(space.get());
    if (count <= 0 || count > (1 << 20)) return false;
    const H5T_class_t type_class = H5Tget_class(type.get());
    if (type_class == H5T_FLOAT) {
      std::vector<double> values(static_cast<std::size_t>(count));
      if (H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) <
          0) {
        return false;
      }
      mutate_numbers(values);
      return H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                      values.data()) >= 0;
    }
    if (type_class == H5T_INTEGER) {
      std::vector<long long> values(static_cast<std::size_t>(count));
      if (H5Dread(dataset.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) <
          0) {
        return false;
      }
      mutate_numbers(values);
      return H5Dwrite(dataset.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                      values.data()) >= 0;
    }
    return false;
  }

  hsize_t some_extent(const std::vector<hsize_t>& old, std::size_t axis) {
    switch (pick(6)) {
      case 0:
        return 0;
      case 1:
        return 1 + pick(3);
      case 2:
        return axis < old.size() ? old[axis] + 1 : 2;
      case 3:
        return axis < old.size() && old[axis] > 0 ? old[axis] - 1 : 1;
      case 4:
        return hsize_t{1} << (31 + pick(10));  // declared, never written: sizes before allocation
      default:
        return axis < old.size() ? old[axis] : 1;
    }
  }

  // The dataset at its path replaced by one of another dtype, rank or declared size; its
  // attributes are dropped with it.
  bool replace_dataset() {
    const Object* target = random_dataset();
    if (target == nullptr) return false;
    std::vector<hsize_t> old;
    {
      Id dataset(H5Dopen2(file_, target->path.c_str(), H5P_DEFAULT), H5Dclose);
      Id space(H5Dget_space(dataset.get()), H5Sclose);
      const int rank = H5Sget_simple_extent_ndims(space.get());
      if (rank > 0) {
        old.resize(static_cast<std::size_t>(rank));
        H5Sget_simple_extent_dims(space.get(), old.data(), nullptr);
      }
    }
    const std::size_t rank = pick(3) == 0 ? pick(7) : old.size();
    std::vector<hsize_t> dims(rank);
    hsize_t elements = 1;
    bool huge = false;
    for (std::size_t axis = 0; axis < rank; ++axis) {
      dims[axis] = pick(3) == 0 ? some_extent(old, axis) : (axis < old.size() ? old[axis] : 1);
      huge = huge || dims[axis] > (1u << 20);
      elements = huge ? elements : elements * std::max<hsize_t>(dims[axis], 1);
    }
    huge = huge || elements > (1u << 20);
    static const hid_t dtypes[] = {H5T_IEEE_F64LE, H5T_IEEE_F32LE, H5T_IEEE_F64BE, H5T_STD_I32LE,
                                   H5T_STD_I64LE,  H5T_STD_U16LE,  H5T_STD_I8LE};
    const hid_t stored = dtypes[pick(std::size(dtypes))];
    if (H5Ldelete(file_, target->path.c_str(), H5P_DEFAULT) < 0) return false;
    Id space(rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(int(rank), dims.data(), nullptr),
             H5Sclose);
    Id properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (huge) {
      // Chunked and never written: the file stays small whatever the declared size.
      std::vector<hsize_t> chunk(rank);
      for (std::size_t axis = 0; axis < rank; ++axis)
        chunk[axis] = std::clamp<hsize_t>(dims[axis], 1, 16);
      if (rank > 0) H5Pset_chunk(properties.get(), int(rank), chunk.data());
    }
    Id dataset(H5Dcreate2(file_, target->path.c_str(), stored, space.get(), H5P_DEFAULT,
                          properties.get(), H5P_DEFAULT),
               H5Dclose);
    if (!dataset.valid() || huge) return dataset.valid();
    std::vector<double> values(static_cast<std::size_t>(elements));
    for (auto& v : values) v = pick(4) == 0 ? some_double() : double(pick(7)) - 3.0;
    return H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                    values.data()) >= 0;
  }

  bool delete_link() {
    if (contents_.objects.size() < 2) return false;
    const Object& target = contents_.objects[1 + pick(contents_.objects.size() - 1)];
    return H5Ldelete(file_, target.path.c_str(), H5P_DEFAULT) >= 0;
  }

  // A copy of a group or dataset beside it or elsewhere: duplicate case ids, unknown members.
  bool copy_object() {
    if (contents_.objects.size() < 2) return false;
    const Object& source = contents_.objects[1 + pick(contents_.objects.size() - 1)];
    const Object& parent = pick(2) ? random_group() : contents_.objects[0];
    const std::string target = child_path(parent.path, base_name(source.path) + suffix());
    return H5Ocopy(file_, source.path.c_str(), file_, target.c_str(), H5P_DEFAULT, H5P_DEFAULT) >=
           0;
  }

  bool rename_object() {
    if (contents_.objects.size() < 2) return false;
    const Object& source = contents_.objects[1 + pick(contents_.objects.size() - 1)];
    const std::string parent = source.path.substr(0, source.path.find_last_of('/'));
    const std::string name = pick(2) ? some_name() : some_string();
    if (name.empty() || name.find('/') != std::string::npos || name == ".") return false;
    return H5Lmove(file_, source.path.c_str(), file_,
                   child_path(parent.empty() ? "/" : parent, name).c_str(), H5P_DEFAULT,
                   H5P_DEFAULT) >= 0;
  }

  // Links a reader may meet in a hostile file: a hard link to an ancestor (a cycle), a soft link
  // to nowhere or to another object, an external link to another file.
  bool add_odd_link() {
    const Object& parent = random_group();
    const std::string name = child_path(parent.path, some_name() + suffix());
    switch (pick(3)) {
      case 0:
        return H5Lcreate_hard(file_, pick(2) ? "/" : parent.path.c_str(), file_, name.c_str(),
                              H5P_DEFAULT, H5P_DEFAULT) >= 0;
      case 1:
        return H5Lcreate_soft(pick(2) ? "/nowhere" : random_object().path.c_str(), file_,
                              name.c_str(), H5P_DEFAULT, H5P_DEFAULT) >= 0;
      default:
        return H5Lcreate_external("/nonexistent/other.h5", "/", file_, name.c_str(), H5P_DEFAULT,
                                  H5P_DEFAULT) >= 0;
    }
  }

  hid_t file_;
  std::mt19937 random_;
  Contents contents_;
  bool learned_ = false;
};

Id open_image(const std::uint8_t* data, std::size_t size) {
  if (size < 8 || std::memcmp(data, "\x89HDF\r\n\x1a\n", 8) != 0) return Id(-1, H5Fclose);
  Id access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(access.get(), 1 << 16, false);
  H5Pset_file_image(access.get(), const_cast<std::uint8_t*>(data), size);
  static unsigned long counter = 0;
  const std::string name = "mutator-" + std::to_string(++counter) + ".h5";
  return Id(H5Fopen(name.c_str(), H5F_ACC_RDWR, access.get()), H5Fclose);
}

// The mutated file's bytes over data, or 0 (unchanged) when they do not fit.
std::size_t store_image(hid_t file, std::uint8_t* data, std::size_t max_size) {
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) return 0;
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size <= 0 || static_cast<std::size_t>(size) > max_size) return 0;
  return H5Fget_file_image(file, data, max_size) == size ? static_cast<std::size_t>(size) : 0;
}

void silence_hdf5() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  silence_hdf5();
  Id file = open_image(data, size);
  if (!file.valid()) return size;  // not a file libhdf5 wrote: left as it is
  Mutator mutator(file.get(), seed);
  const unsigned mutations = 1 + seed % 3;
  for (unsigned i = 0; i < mutations; ++i) mutator.mutate_once();
  const std::size_t stored = store_image(file.get(), data, max_size);
  return stored == 0 ? size : stored;
}

extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* data1, std::size_t size1,
                                                 const std::uint8_t* data2, std::size_t size2,
                                                 std::uint8_t* out, std::size_t max_out_size,
                                                 unsigned int seed) {
  silence_hdf5();
  Id file = open_image(data1, size1);
  Id other = open_image(data2, size2);
  if (!file.valid() || !other.valid() || size1 > max_out_size) return 0;
  Mutator mutator(file.get(), seed);
  mutator.graft_from(other.get());
  const std::size_t stored = store_image(file.get(), out, max_out_size);
  if (stored != 0) return stored;
  std::memcpy(out, data1, size1);
  return size1;
}

// libFuzzer calls this once before the first input. libhdf5 allocates its metadata cache and
// other large structures afresh for every file opened; with its default free-list limits they are
// returned to the allocator each time, and under ASan that is an mmap, page faults and a memset
// per execution (40 % of the time, measured with perf). Unlimited free lists let libhdf5 reuse
// them; what libhdf5 holds is bounded by one execution's peak.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  silence_hdf5();
  H5set_free_list_limits(-1, -1, -1, -1, -1, -1);
  return 0;
}
