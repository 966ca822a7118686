# SPDX-License-Identifier: MIT
# Each library exports its own headers only (docs/ARCHITECTURE.md, "Layers
# and folders"), so that the compiler refuses an include that crosses the
# layers: a screen file naming "engine/engine.h" or a driver naming
# "kiosk/engine/..." finds no such file.
#
# kx_library_headers(TARGET [AS NAME...]) gives the folder of the current
# CMakeLists.txt an include root in the build tree,
#   ${CMAKE_BINARY_DIR}/include/<folder>/<NAME> -> <source folder>
# (a symbolic link; NAME defaults to the folder's last component, so
# kiosk/core is included as "core/err.h" and drivers/token as
# "token/token.h"), and makes that root a PUBLIC include directory of
# TARGET. Dependents see it only through target_link_libraries, so a
# library's sources reach exactly the headers of the libraries it links
# (and their public dependencies). Libraries of one folder (kiosk/engine:
# kx_flow, kx_journal, kx_engine) share its root.
#
# No target includes the source root or kiosk/ any more. tests/ and tools/
# add them back where they test internals (see the comments there);
# tests/lint/layers_compile.sh plants forbidden includes against the include
# paths the build really uses (kx_layer_includes below) and expects the
# compiler to refuse them; tests/lint/layers.sh keeps checking what a
# compiler cannot see (relative paths, the rules within drivers/).

function(kx_library_headers target)
  cmake_parse_arguments(H "" "" "AS" ${ARGN})
  file(RELATIVE_PATH folder "${CMAKE_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(name "${CMAKE_CURRENT_SOURCE_DIR}" NAME)
  if(NOT H_AS)
    set(H_AS ${name})
  endif()
  set(root "${CMAKE_BINARY_DIR}/include/${folder}")
  foreach(as IN LISTS H_AS)
    get_filename_component(parent "${root}/${as}" DIRECTORY)
    file(MAKE_DIRECTORY "${parent}")
    file(CREATE_LINK "${CMAKE_CURRENT_SOURCE_DIR}" "${root}/${as}" SYMBOLIC)
  endforeach()
  target_include_directories(${target} PUBLIC "${root}")
endfunction()

# kx_layer_includes(TARGET...): writes ${CMAKE_BINARY_DIR}/layers/TARGET.inc,
# the include directories TARGET's own sources are compiled with (its own
# and, transitively, those of everything it links), one per line, for
# tests/lint/layers_compile.sh. Called once every target exists.
function(kx_layer_includes)
  foreach(t IN LISTS ARGN)
    file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/layers/${t}.inc"
         CONTENT "$<JOIN:$<TARGET_PROPERTY:${t},INCLUDE_DIRECTORIES>,\n>\n")
  endforeach()
endfunction()
