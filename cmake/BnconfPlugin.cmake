# bnconf_add_plugin_backend(TARGET SOURCE [DEFINITIONS...]): a MODULE library lib<TARGET>.so that
# exports only the adapter entry point (static libraries linked in stay hidden, so several
# plug-ins and the executable never resolve each other's copies of the helper). More sources can
# be added with target_sources.
function(bnconf_add_plugin_backend target source)
  add_library(${target} MODULE ${source})
  target_compile_definitions(${target} PRIVATE ${ARGN})
  target_link_libraries(${target} PRIVATE bnconf::version)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--exclude-libs,ALL -Wl,--no-undefined)
endfunction()

# bnconf_add_discoverable_backend(NAME SOURCE...): the adapter of a third-party backend, built as
# <build>/backends/libbnconf_backend_<NAME>.so, the folder `bnconf` searches, so that
# `bnconf run --backend NAME` and `bnconf backends` find it without a path.
function(bnconf_add_discoverable_backend name first_source)
  set(target bnconf_backend_${name})
  bnconf_add_plugin_backend(${target} ${first_source})
  if(ARGN)
    target_sources(${target} PRIVATE ${ARGN})
  endif()
  target_link_libraries(${target} PRIVATE bnconf::adapter)
  set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/backends)
  set_property(GLOBAL APPEND PROPERTY BNCONF_DISCOVERABLE_BACKENDS ${name})
endfunction()
