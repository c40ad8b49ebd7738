# The install layout (docs/installing.md), written once: the GNU install folders, and bnconf's own
# folders under them. Included before the parts, because the executable finds its data and its
# plug-ins through these folders' paths relative to its own (formats/src/install_layout.cpp).
include(GNUInstallDirs)

set(BNCONF_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/bnconf)            # fixtures/, catalogue.json
set(BNCONF_INSTALL_BACKENDDIR ${CMAKE_INSTALL_LIBDIR}/bnconf/backends)  # libbnconf_backend_*.so
set(BNCONF_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/bnconf)      # bnconfConfig.cmake
set(BNCONF_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)    # bnconf-*.pc

# bnconf_install_path_from_bindir(VAR DIR): VAR = install folder DIR (relative to the prefix, or
# absolute) as a path relative to the installed executable's folder, e.g. "../share/bnconf".
function(bnconf_install_path_from_bindir var dir)
  cmake_path(ABSOLUTE_PATH dir BASE_DIRECTORY ${CMAKE_INSTALL_PREFIX} OUTPUT_VARIABLE full)
  file(RELATIVE_PATH relative ${CMAKE_INSTALL_FULL_BINDIR} ${full})
  set(${var} ${relative} PARENT_SCOPE)
endfunction()
bnconf_install_path_from_bindir(BNCONF_DATA_FROM_BINDIR ${BNCONF_INSTALL_DATADIR})
bnconf_install_path_from_bindir(BNCONF_BACKENDS_FROM_BINDIR ${BNCONF_INSTALL_BACKENDDIR})
