# Warning and sanitizer flags for our own tests, examples and benches only. Consumers of
# cellsched::cellsched never inherit them.
add_library(cellsched_flags INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(cellsched_flags INTERFACE -Wall -Wextra -Wpedantic -Wconversion -Wshadow)
  if(CELLSCHED_SANITIZE)
    target_compile_options(cellsched_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                     -fno-sanitize-recover=undefined)
    target_link_options(cellsched_flags INTERFACE -fsanitize=address,undefined)
  endif()
endif()
