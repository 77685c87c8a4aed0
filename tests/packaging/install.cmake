# cmake -DSOURCE_DIR= -DWORK_DIR= -DPREFIX= -DGENERATOR= -DCXX_COMPILER= -P install.cmake
# Installs tcpv from a fresh configure of SOURCE_DIR (tests, examples, program off: a user's
# install needs none of the test dependencies) into PREFIX, then checks what was installed.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    string(JOIN " " command ${ARGN})
    message(FATAL_ERROR "failed (${status}): ${command}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}" "${PREFIX}")
run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_INSTALL_PREFIX=${PREFIX}"
    -DTCPV_BUILD_TESTS=OFF -DTCPV_BUILD_EXAMPLES=OFF -DTCPV_BUILD_PROGRAM=OFF -DTCPV_INSTALL=ON)
run("${CMAKE_COMMAND}" --build "${WORK_DIR}")
run("${CMAKE_COMMAND}" --install "${WORK_DIR}")

foreach(file IN ITEMS
    include/tcpv/version.hpp
    share/cmake/tcpv/tcpvConfig.cmake
    share/cmake/tcpv/tcpvConfigVersion.cmake
    share/cmake/tcpv/tcpvTargets.cmake)
  if(NOT EXISTS "${PREFIX}/${file}")
    message(FATAL_ERROR "not installed: ${PREFIX}/${file}")
  endif()
endforeach()
file(GLOB_RECURSE stray RELATIVE "${PREFIX}/include" "${PREFIX}/include/*")
list(FILTER stray EXCLUDE REGEX "\\.hpp$")
if(stray)
  message(FATAL_ERROR "installed non-header files under include/: ${stray}")
endif()
message(STATUS "tcpv installed into ${PREFIX}")
