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
if(KX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
