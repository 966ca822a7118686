# SPDX-License-Identifier: MIT
# Compiler warnings and sanitizers for every target of the project.
add_compile_options(
  -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wcast-qual
  -Wstrict-prototypes -Wmissing-prototypes -Wundef -Wvla
  -Wnull-dereference -Wdouble-promotion -Wimplicit-fallthrough
  -fno-common -D_FORTIFY_SOURCE=2 -D_GNU_SOURCE)
if(KX_WERROR)
  add_compile_options(-Werror)
endif()
# A fuzz build (KX_FUZZ) is a sanitizer build too: the libraries a fuzz
# target calls must report what the fuzzer provokes in them.
if(KX_SANITIZE OR KX_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(KX_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "KX_FUZZ needs clang (libFuzzer): CC=clang cmake ... -DKX_FUZZ=ON")
endif()

# kx_fuzz_instrument_libraries(DIR): in a fuzz build, every static library
# defined under DIR (the project's libraries) gets libFuzzer's coverage
# instrumentation without its main (-fsanitize=fuzzer-no-link), so that the
# fuzzer's coverage reaches the code it is fuzzing, not only the entry file
# that kx_add_fuzz_target compiles with -fsanitize=fuzzer. Programs that are
# not fuzzers link the sanitizers' runtime, which answers the coverage
# callbacks. The top-level CMakeLists.txt calls it once every folder is in.
function(kx_fuzz_instrument_libraries dir)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      target_compile_options(${t} PRIVATE -fsanitize=fuzzer-no-link)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(d IN LISTS subdirs)
    kx_fuzz_instrument_libraries("${d}")
  endforeach()
endfunction()
