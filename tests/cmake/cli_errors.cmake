# downline-cli's bad options (a ctest test; cmake -P this file): each is one line on
# stderr, "downline-cli: error: ...", and exit status 2, with nothing generated.
# Variables: CLI (the program), WORK (a scratch directory).
cmake_minimum_required(VERSION 3.18)

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${WORK}/a_file" "x")

function(expect_error want)
  execute_process(COMMAND "${CLI}" demo ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REPLACE ";" " " cmd "${ARGN}")
  if(NOT rc EQUAL 2 OR NOT err STREQUAL "downline-cli: error: ${want}\n")
    message(FATAL_ERROR "demo ${cmd}: exit status ${rc}, stderr:\n${err}\nexpected status 2 and one line: "
                        "downline-cli: error: ${want}")
  endif()
endfunction()

set(dir --dir "${WORK}/data")
expect_error("argument --participants: expected a whole number >= 1, not '0'" --participants 0 ${dir})
expect_error("argument --participants: expected a whole number >= 1, not '-3'" --participants -3 ${dir})
expect_error("argument --participants: expected a whole number >= 1, not '10x'" --participants 10x ${dir})
expect_error("argument --top: expected a whole number >= 1, not '-5'" --top -5 ${dir})
expect_error("argument --seed: expected a whole number >= 0, not '-1'" --seed -1 ${dir})
expect_error("argument --dir: '${WORK}/a_file' exists and is not a directory" --dir "${WORK}/a_file")
expect_error("argument --dir: cannot create directory '${WORK}/a_file/sub': Not a directory"
             --dir "${WORK}/a_file/sub")
# /proc takes no new directories, even for root
expect_error("argument --dir: cannot create directory '/proc/downline-demo': No such file or directory"
             --dir /proc/downline-demo)
if(EXISTS "${WORK}/data")
  message(FATAL_ERROR "a bad option left ${WORK}/data behind")
endif()
