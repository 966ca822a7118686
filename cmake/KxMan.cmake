# SPDX-License-Identifier: MIT
# Manual pages: kioskd(8), kioskctl(8) and kiosk(1) are written in
# docs/man/; kiosk.conf(5) is generated from config/kiosk.conf.example by
# docs/man/gen-kiosk.conf.5.py. All four are built into
# ${CMAKE_BINARY_DIR}/man (gzip -9n, as Debian installs them) and installed
# under ${CMAKE_INSTALL_MANDIR}. tests/lint/man.sh renders them with man -l.
find_program(KX_PYTHON3 python3 REQUIRED)
find_program(KX_GZIP gzip REQUIRED)
set(KX_MAN_DIR ${CMAKE_BINARY_DIR}/man)
add_custom_command(
  OUTPUT ${KX_MAN_DIR}/kiosk.conf.5
  COMMAND ${CMAKE_COMMAND} -E make_directory ${KX_MAN_DIR}
  COMMAND ${KX_PYTHON3} ${CMAKE_SOURCE_DIR}/docs/man/gen-kiosk.conf.5.py
          ${CMAKE_SOURCE_DIR}/config/kiosk.conf.example ${PROJECT_VERSION}
          > ${KX_MAN_DIR}/kiosk.conf.5
  DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/gen-kiosk.conf.5.py
          ${CMAKE_SOURCE_DIR}/config/kiosk.conf.example
  COMMENT "Generating kiosk.conf(5) from config/kiosk.conf.example"
  VERBATIM)
set(kx_man_gz "")
foreach(page kioskd.8 kioskctl.8 kiosk.1 kiosk.conf.5)
  if(page STREQUAL "kiosk.conf.5")
    set(src ${KX_MAN_DIR}/${page})
  else()
    set(src ${CMAKE_SOURCE_DIR}/docs/man/${page})
  endif()
  add_custom_command(
    OUTPUT ${KX_MAN_DIR}/${page}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${KX_MAN_DIR}
    COMMAND ${KX_GZIP} -9nc ${src} > ${KX_MAN_DIR}/${page}.gz
    DEPENDS ${src}
    VERBATIM)
  list(APPEND kx_man_gz ${KX_MAN_DIR}/${page}.gz)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${KX_MAN_DIR}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(kx_man ALL DEPENDS ${kx_man_gz})
