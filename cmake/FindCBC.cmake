# FindCBC
# -------
# Finds COIN-OR CBC (branch and cut, with CLP underneath) and provides the imported target cellsched::cbc.
# Linking cellsched::cbc also defines CELLSCHED_HAVE_CBC, which turns on the Gavel and Sia baselines
# (include/cellsched/detail/milp.hpp); without it they report "unavailable (built without COIN-OR CBC)".
# Looks first through pkg-config (Debian's coinor-libcbc-dev ships cbc.pc), then by hand under CBC_ROOT.
# Result variables: CBC_FOUND, CBC_VERSION, CBC_INCLUDE_DIRS, CBC_LIBRARIES.
if(TARGET cellsched::cbc)
  set(CBC_FOUND TRUE)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_CBC QUIET IMPORTED_TARGET cbc)
endif()

if(PC_CBC_FOUND)
  set(CBC_VERSION "${PC_CBC_VERSION}")
  set(CBC_INCLUDE_DIRS "${PC_CBC_INCLUDE_DIRS}")
  set(CBC_LIBRARIES PkgConfig::PC_CBC)
else()
  # Manual search: the libraries a CbcModel on an OsiClpSolverInterface needs, in link order.
  find_path(CBC_INCLUDE_DIR CbcModel.hpp HINTS ${CBC_ROOT} ENV CBC_ROOT PATH_SUFFIXES include/coin coin include)
  set(CBC_LIBRARIES)
  foreach(_lib CbcSolver Cbc Cgl OsiClp ClpSolver Clp Osi CoinUtils)
    find_library(CBC_${_lib}_LIBRARY NAMES ${_lib} HINTS ${CBC_ROOT} ENV CBC_ROOT PATH_SUFFIXES lib lib64)
    mark_as_advanced(CBC_${_lib}_LIBRARY)
    if(CBC_${_lib}_LIBRARY)
      list(APPEND CBC_LIBRARIES ${CBC_${_lib}_LIBRARY})
    else()
      set(CBC_LIBRARIES CBC_LIBRARIES-NOTFOUND)
      break()
    endif()
  endforeach()
  set(CBC_INCLUDE_DIRS ${CBC_INCLUDE_DIR})
  if(CBC_INCLUDE_DIR AND EXISTS "${CBC_INCLUDE_DIR}/CbcConfig.h")
    file(STRINGS "${CBC_INCLUDE_DIR}/CbcConfig.h" _cbc_ver REGEX "^#define CBC_VERSION +\"[0-9.]+\"")
    string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" CBC_VERSION "${_cbc_ver}")
  endif()
  mark_as_advanced(CBC_INCLUDE_DIR)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CBC REQUIRED_VARS CBC_LIBRARIES CBC_INCLUDE_DIRS VERSION_VAR CBC_VERSION)

if(CBC_FOUND AND NOT TARGET cellsched::cbc)
  add_library(cellsched::cbc INTERFACE IMPORTED)
  # SYSTEM include directories keep CBC's own warnings out of our -Wconversion builds.
  set_target_properties(cellsched::cbc PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${CBC_INCLUDE_DIRS}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${CBC_INCLUDE_DIRS}"
    INTERFACE_LINK_LIBRARIES "${CBC_LIBRARIES}"
    INTERFACE_COMPILE_DEFINITIONS CELLSCHED_HAVE_CBC)
endif()
