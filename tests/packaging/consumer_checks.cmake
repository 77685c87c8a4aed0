# Shared by both consumers: what tcpv::tcpv gives its users.
if(NOT TARGET tcpv::tcpv)
  message(FATAL_ERROR "no target tcpv::tcpv")
endif()
# Header-only: it links nothing but the thread library. (A link item named from another
# directory carries a "::@(directory-id)" marker; drop it before comparing.)
get_target_property(tcpv_links tcpv::tcpv INTERFACE_LINK_LIBRARIES)
string(REGEX REPLACE "::@(\\([^)]*\\))?" "" tcpv_links "${tcpv_links}")
string(REGEX REPLACE "^;|;$" "" tcpv_links "${tcpv_links}")
if(NOT tcpv_links STREQUAL "Threads::Threads")
  message(FATAL_ERROR "tcpv::tcpv links '${tcpv_links}', expected only Threads::Threads")
endif()
# No warning (-Werror) or sanitizer flags leak into users.
foreach(property IN ITEMS INTERFACE_COMPILE_OPTIONS INTERFACE_LINK_OPTIONS INTERFACE_COMPILE_DEFINITIONS)
  get_target_property(value tcpv::tcpv ${property})
  if(value)
    message(FATAL_ERROR "tcpv::tcpv has ${property} '${value}'; it must have none")
  endif()
endforeach()
