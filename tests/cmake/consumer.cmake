# Builds and runs examples/cpp as a user would (a ctest test; cmake -P this file).
#   MODE=install       cmake --install the build tree into WORK/prefix, then the example
#                      finds it with find_package(downline CONFIG REQUIRED)
#   MODE=subdirectory  the example adds the source tree with add_subdirectory
# Variables: MODE, SOURCE_DIR (downline's sources), BUILD_DIR (its build tree, for
# install), WORK (a scratch directory), GENERATOR, CXX_COMPILER, BUILD_TYPE.
cmake_minimum_required(VERSION 3.18)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(configure -S "${SOURCE_DIR}/examples/cpp" -B "${WORK}/example" -G "${GENERATOR}"
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror")
# The installed target names the include directory once, on the first configure of a
# tree too (GNUInstallDirs must come before the target that uses its variables): checked on
# the export file of a fresh tree (configured only) and of the installed package.
function(check_include_dirs targets_file)
  file(STRINGS "${targets_file}" dirs REGEX "INTERFACE_INCLUDE_DIRECTORIES")
  if(NOT dirs MATCHES "INTERFACE_INCLUDE_DIRECTORIES \"\\\${_IMPORT_PREFIX}/include\"$")
    message(FATAL_ERROR "${targets_file}: expected the include directory once, got: ${dirs}")
  endif()
endfunction()

if(MODE STREQUAL "install")
  run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK}/fresh" -G "${GENERATOR}"
      -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DDOWNLINE_INSTALL=ON -DDOWNLINE_BUILD_TESTS=OFF
      -DDOWNLINE_BUILD_BENCHMARKS=OFF -DDOWNLINE_BUILD_CLI=OFF -DDOWNLINE_BUILD_PYTHON=OFF)
  file(GLOB_RECURSE fresh_targets "${WORK}/fresh/CMakeFiles/Export/*/downlineTargets.cmake")
  check_include_dirs("${fresh_targets}")
  run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK}/prefix")
  file(GLOB_RECURSE installed_targets "${WORK}/prefix/*/downlineTargets.cmake")
  check_include_dirs("${installed_targets}")
  run(${CMAKE_COMMAND} ${configure} "-DCMAKE_PREFIX_PATH=${WORK}/prefix")
elseif(MODE STREQUAL "subdirectory")
  run(${CMAKE_COMMAND} ${configure} "-DDOWNLINE_SOURCE_DIR=${SOURCE_DIR}")
else()
  message(FATAL_ERROR "MODE must be install or subdirectory, not '${MODE}'")
endif()
run(${CMAKE_COMMAND} --build "${WORK}/example")
run("${WORK}/example/team_volumes")
message(STATUS "${last_output}")
if(NOT last_output MATCHES "all figures as expected")
  message(FATAL_ERROR "the example did not report its figures as expected")
endif()
