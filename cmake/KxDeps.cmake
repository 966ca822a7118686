# SPDX-License-Identifier: MIT
# Dependencies. Every one comes from a Debian package; a missing one stops
# configure with the package to install (scripts/setup-deps installs them all).
find_package(PkgConfig REQUIRED)

# kx_require(PREFIX MODULE DEBIAN_PACKAGE): pkg-config module or a clear stop.
function(kx_require prefix module debpkg)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR
      "Missing dependency '${module}'. Install it with: apt-get install ${debpkg}"
      " (or run scripts/setup-deps)")
  endif()
endfunction()

kx_require(INIH      inih              libinih-dev)
kx_require(JANSSON   jansson           libjansson-dev)
kx_require(SQLITE    sqlite3           libsqlite3-dev)
kx_require(CURL      libcurl           libcurl4-openssl-dev)
kx_require(OPENSSL   "libssl;libcrypto" libssl-dev)
kx_require(MHD       libmicrohttpd     libmicrohttpd-dev)
kx_require(ZBAR      zbar              libzbar-dev)
kx_require(SANE      sane-backends     libsane-dev)
kx_require(P11       libp11            libp11-dev)
kx_require(PNG       libpng            libpng-dev)
kx_require(JPEG      libjpeg           libjpeg62-turbo-dev)
kx_require(SDL2      sdl2              libsdl2-dev)
kx_require(SDL2TTF   SDL2_ttf          libsdl2-ttf-dev)
kx_require(SDL2IMAGE SDL2_image        libsdl2-image-dev)
kx_require(QRENCODE  libqrencode       libqrencode-dev)
kx_require(FONTCONFIG fontconfig       libfontconfig-dev)
kx_require(CMOCKA    cmocka            libcmocka-dev)
kx_require(LIBCRYPT  libcrypt          libcrypt-dev)
kx_require(PANGOCAIRO pangocairo       libpango1.0-dev)
kx_require(CAIRO_PDF cairo-pdf         libcairo2-dev)

# libcups: Debian's libcups2-dev ships no pkg-config file; headers and
# library are found directly.
find_path(KX_CUPS_INCLUDE cups/cups.h)
find_library(KX_CUPS_LIBRARY cups)
if(NOT KX_CUPS_INCLUDE OR NOT KX_CUPS_LIBRARY)
  message(FATAL_ERROR "Missing dependency 'libcups'. Install it with: apt-get install libcups2-dev"
    " (or run scripts/setup-deps)")
endif()

find_program(KX_MSGFMT msgfmt)
find_program(KX_MSGCAT msgcat)
find_program(KX_MSGEN msgen)
find_program(KX_MSGFILTER msgfilter)
find_program(KX_XGETTEXT xgettext)
if(NOT KX_MSGFMT OR NOT KX_MSGCAT OR NOT KX_XGETTEXT)
  message(FATAL_ERROR "Missing gettext tools. Install them with: apt-get install gettext")
endif()

find_package(Threads REQUIRED)
