#pragma once
// Library version; kept in step with project(VERSION) in CMakeLists.txt.
#define CELLSCHED_VERSION_MAJOR 0
#define CELLSCHED_VERSION_MINOR 1
#define CELLSCHED_VERSION_PATCH 0
#define CELLSCHED_VERSION_STRING "0.1.0"

namespace cellsched {
inline constexpr const char* version_string = CELLSCHED_VERSION_STRING;
}  // namespace cellsched
