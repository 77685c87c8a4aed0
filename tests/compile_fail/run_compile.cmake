# cmake -DCASE_FILE=<file> -P run_compile.cmake
# Runs one compile-fail case written by tcpv_add_compile_fail(): compiles `source` with `flags`
# and checks the outcome (expect_failure) and, for an expected failure, every expect_regex.
include("${CASE_FILE}")

execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C LANG=C "${compiler}" ${flags} "${source}"
  RESULT_VARIABLE status
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)

string(JOIN " " command_line "${compiler}" ${flags} "${source}")
if(expect_failure)
  if(status EQUAL 0)
    message(FATAL_ERROR "expected a compile error, but it compiled:\n  ${command_line}")
  endif()
  set(missing "")
  foreach(regex IN LISTS expect_regex)
    if(NOT output MATCHES "${regex}")
      string(APPEND missing "\n  ${regex}")
    endif()
  endforeach()
  if(missing)
    message(FATAL_ERROR "the compile failed, but the diagnostics do not match:${missing}\n"
                        "command: ${command_line}\n--- compiler output ---\n${output}")
  endif()
  message(STATUS "failed to compile as expected:\n${output}")
else()
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "the twin must compile, but it failed:\n  ${command_line}\n"
                        "--- compiler output ---\n${output}")
  endif()
  message(STATUS "compiled as expected: ${command_line}")
endif()
