# Install-time script (install(SCRIPT) in the top-level CMakeLists.txt): configures the unit
# templates with the final installation directories and installs them, plus the empty
# credentials directory the units read.
#
# It runs at install time because only then is the final prefix known: `cmake --install
# --prefix DIR` and cpack (which installs with CMAKE_INSTALL_PREFIX=/usr and DESTDIR set to its
# staging directory) both differ from the configure-time CMAKE_INSTALL_PREFIX.
#
# Inputs, set by the install(CODE) just before: SLUICE_SOURCE_DIR, SLUICE_BINARY_DIR,
# SLUICE_INSTALL_BINDIR, SLUICE_INSTALL_DOCDIR, SLUICE_INSTALL_SYSCONFDIR,
# SLUICE_INSTALL_SYSTEMDUNITDIR (each absolute, or relative to the prefix).
# file(INSTALL) prepends $DESTDIR itself and records the files in install_manifest.txt.

function(sluice_install_dir out relative)
  if(IS_ABSOLUTE "${relative}")
    set(${out} "${relative}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${relative}" PARENT_SCOPE)
  endif()
endfunction()

sluice_install_dir(bindir "${SLUICE_INSTALL_BINDIR}")
sluice_install_dir(docdir "${SLUICE_INSTALL_DOCDIR}")
sluice_install_dir(unitdir "${SLUICE_INSTALL_SYSTEMDUNITDIR}")
# GNUInstallDirs' rule for sysconfdir: the /usr prefix (distribution packages) uses /etc.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" OR CMAKE_INSTALL_PREFIX STREQUAL "/")
  set(sysconfdir "/etc")
else()
  sluice_install_dir(sysconfdir "${SLUICE_INSTALL_SYSCONFDIR}")
endif()

set(staging "${SLUICE_BINARY_DIR}/systemd-install")
foreach(unit sluice.service sluice-backfill@.service)
  configure_file("${SLUICE_SOURCE_DIR}/systemd/${unit}.in" "${staging}/${unit}" @ONLY)
endforeach()
file(INSTALL DESTINATION "${unitdir}" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${staging}/sluice.service" "${staging}/sluice-backfill@.service")

# The units load every file of /etc/sluice/credentials and refuse to start without that
# directory; shipping it empty (root only) lets operators just drop secret files there. It is a
# directory, not a config file: the package writes no configuration.
file(MAKE_DIRECTORY "${staging}/credentials")
file(INSTALL DESTINATION "${sysconfdir}/sluice" TYPE DIRECTORY
     DIR_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
     FILES "${staging}/credentials")
