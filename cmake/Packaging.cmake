# SPDX-License-Identifier: MIT
# Installation layout and the Debian package (CPack DEB).
#   /usr/bin/{kioskd,kiosk,kioskctl}   /usr/share/jxca-kiosk/{assets,...}
#   /etc/jxca-kiosk/{kiosk.conf,sites.conf}   /var/lib/jxca-kiosk (journal)
#   systemd units, sysusers, udev rules; services enabled on install.
install(FILES config/kiosk.conf.example DESTINATION /etc/jxca-kiosk RENAME kiosk.conf)
install(FILES config/sites.conf DESTINATION /etc/jxca-kiosk)
install(FILES config/kiosk.conf.example DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES config/systemd/jxca-kioskd.service config/systemd/jxca-kiosk.service
        DESTINATION lib/systemd/system)
install(PROGRAMS config/systemd/screen-config DESTINATION lib/jxca-kiosk)
install(FILES config/systemd/jxca-kiosk.sysusers DESTINATION lib/sysusers.d
        RENAME jxca-kiosk.conf)
install(FILES config/udev/70-jxca-kiosk.rules DESTINATION lib/udev/rules.d)
install(FILES config/polkit/50-jxca-kiosk.rules DESTINATION ${CMAKE_INSTALL_DATADIR}/polkit-1/rules.d)
install(DIRECTORY assets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/jxca-kiosk/assets)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# man pages kioskd(8), kioskctl(8), kiosk(1), kiosk.conf(5) (generated)
include(${CMAKE_CURRENT_LIST_DIR}/KxMan.cmake)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME jxca-kiosk)
set(CPACK_PACKAGE_VENDOR "JXCA kiosk project")
set(CPACK_PACKAGE_CONTACT "JXCA kiosk maintainers <kiosk@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Self-service certificate kiosk for Jiangxi CA service halls")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# cage runs its Xwayland (it fails without, and Debian's cage does not pull
# it); the screen's unit needs pam_systemd for its logind session.
# The printed documents use WenQuanYi Micro Hei first (kiosk/docs: cairo
# 1.16 drops glyphs of Noto CJK subsets).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "opensc, pcscd, sane-utils, fonts-noto-cjk, fonts-wqy-microhei, cage, xwayland, systemd, libpam-systemd")
# the maintenance menu's restart/leave run systemctl as the kiosk user
# through the polkit rule (config/polkit); without polkitd they fail, the
# rest works. cups-client: lpstat for the hall's printer set-up. Tesseract
# (loaded with dlopen) reads the titles of the authorisation letter and the
# reissue statement; without it those two are told by their seals only.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "polkitd, cups-client, libtesseract5, tesseract-ocr-chi-sim")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/cmake/deb/postinst;${CMAKE_SOURCE_DIR}/cmake/deb/prerm;${CMAKE_SOURCE_DIR}/cmake/deb/conffiles")
include(CPack)
