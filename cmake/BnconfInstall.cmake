# What `cmake --install` installs (docs/installing.md has the layout): the CLI, its data (the
# committed fixtures and the catalogue) and the third-party plug-ins built with it, where the
# installed CLI finds them (cmake/BnconfInstallDirs.cmake); the libraries an outside program or
# plug-in builds against with their headers; the CMake package bnconf (find_package(bnconf)) and
# the pkg-config files bnconf-reference and bnconf-adapter.
include(CMakePackageConfigHelpers)

# The exported targets, bnconf::<EXPORT_NAME>: the reference (bnconf::reference), the C ABI
# header (bnconf::abi, header-only), the adapter helper (bnconf::adapter) with the ieee layer it
# links (bnconf::ieee), and the CLI (bnconf::bnconf).
set_target_properties(bnconf PROPERTIES EXPORT_NAME bnconf)
install(TARGETS bnconf EXPORT bnconfTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS bnconf_reference bnconf_abi bnconf_adapter_helper bnconf_ieee
  EXPORT bnconfTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Their public headers (the reference's, the ABI and the helper's, the ieee layer's).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/reference/include/ ${PROJECT_SOURCE_DIR}/adapters/include/
                  ${PROJECT_SOURCE_DIR}/ieee/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

install(EXPORT bnconfTargets NAMESPACE bnconf:: DESTINATION ${BNCONF_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/bnconfConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/bnconfConfig.cmake
  INSTALL_DESTINATION ${BNCONF_INSTALL_CMAKEDIR}
  PATH_VARS BNCONF_INSTALL_DATADIR BNCONF_INSTALL_BACKENDDIR)
# 0.x: a minor version may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/bnconfConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/bnconfConfig.cmake
              ${PROJECT_BINARY_DIR}/package/bnconfConfigVersion.cmake
  DESTINATION ${BNCONF_INSTALL_CMAKEDIR})

# pkg-config files, relocatable: the prefix is found from the .pc file's own folder.
cmake_path(ABSOLUTE_PATH BNCONF_INSTALL_PKGCONFIGDIR BASE_DIRECTORY ${CMAKE_INSTALL_PREFIX}
           OUTPUT_VARIABLE _bnconf_pkgconfig_full)
file(RELATIVE_PATH BNCONF_PC_PREFIX_FROM_PCFILEDIR ${_bnconf_pkgconfig_full}
     ${CMAKE_INSTALL_PREFIX})
foreach(_bnconf_dir INCLUDEDIR LIBDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_bnconf_dir}}")
    set(BNCONF_PC_${_bnconf_dir} "${CMAKE_INSTALL_${_bnconf_dir}}")
  else()
    set(BNCONF_PC_${_bnconf_dir} "\${prefix}/${CMAKE_INSTALL_${_bnconf_dir}}")
  endif()
endforeach()
foreach(_bnconf_pc bnconf-reference bnconf-adapter)
  configure_file(cmake/${_bnconf_pc}.pc.in ${PROJECT_BINARY_DIR}/package/${_bnconf_pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/package/${_bnconf_pc}.pc
    DESTINATION ${BNCONF_INSTALL_PKGCONFIGDIR})
endforeach()

# The CLI's data: the committed golden set and the catalogue `bnconf gen` and `coverage` read.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/fixtures/ DESTINATION ${BNCONF_INSTALL_DATADIR}/fixtures
  FILES_MATCHING PATTERN "*.h5" PATTERN "manifest.json")
install(FILES ${PROJECT_SOURCE_DIR}/generators/catalogue.json DESTINATION ${BNCONF_INSTALL_DATADIR})

# The third-party backend adapters this build made (backends/; none in a lean build), in the
# folder the installed CLI discovers plug-ins in; the folder exists even when empty, for the
# plug-ins of other projects (bnconf_BACKENDS_DIR of the CMake package). They keep the run path
# of libraries outside the system folders (the CUDA toolkit's).
install(DIRECTORY DESTINATION ${BNCONF_INSTALL_BACKENDDIR})
get_property(_bnconf_discoverable GLOBAL PROPERTY BNCONF_DISCOVERABLE_BACKENDS)
foreach(_bnconf_backend IN LISTS _bnconf_discoverable)
  set_target_properties(bnconf_backend_${_bnconf_backend} PROPERTIES
    INSTALL_RPATH_USE_LINK_PATH ON)
  install(TARGETS bnconf_backend_${_bnconf_backend}
    LIBRARY DESTINATION ${BNCONF_INSTALL_BACKENDDIR})
endforeach()
