#pragma once
/// \file tcpv/version.hpp
/// The one version source of tcpv: CMake reads these three lines (project(... VERSION ...)).

#define TCPV_VERSION_MAJOR 0
#define TCPV_VERSION_MINOR 1
#define TCPV_VERSION_PATCH 0

namespace tcpv {
/// "major.minor.patch" of the headers in use.
inline constexpr const char* version_string = "0.1.0";
}  // namespace tcpv
