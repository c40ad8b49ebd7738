# bnconf_library(NAME SOURCES... [PUBLIC deps...] [PRIVATE deps...]): the static library
# bnconf_<NAME> with alias bnconf::<NAME>, its include/ folder public and its src/ folder private
# (each part of the tree is laid out so), C++20. Installed ones are exported as bnconf::<NAME>.
function(bnconf_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(bnconf_${name} STATIC ${ARG_SOURCES})
  add_library(bnconf::${name} ALIAS bnconf_${name})
  # The include folder as a build-tree path only: an installed library's headers are in the
  # prefix's include folder (cmake/BnconfInstall.cmake).
  target_include_directories(bnconf_${name}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(bnconf_${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
  target_compile_features(bnconf_${name} PUBLIC cxx_std_20)
  set_target_properties(bnconf_${name} PROPERTIES EXPORT_NAME ${name})
endfunction()
