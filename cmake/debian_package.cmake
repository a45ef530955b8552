# What makes the Debian package a proper one besides the binary and the units (installed by the
# top-level CMakeLists.txt): bash completion, the machine-readable copyright file and the
# changelog in the documentation directory. `lintian` on the package from `cpack` is recorded in
# README.md ("Running it as a service").
#
# Tests (with SLUICE_BUILD_TESTS):
#   debian.bash_completion     completes partial command lines with completion/sluice.bash and
#                              compares its options with `sluice <command> --help`
#   debian.changelog_version   packaging/changelog's newest entry is this project's version
#   debian.lintian             builds the .deb with cpack (into a temporary directory) and runs
#                              lintian: no error, no warning but the known ones

# A stripped install (cpack, whose CPACK_STRIP_FILES sets CMAKE_INSTALL_DO_STRIP, or `cmake
# --install --strip`) also drops the .comment and .note sections (the compiler's version string),
# as Debian's dh_strip does; plain `strip` keeps them (lintian: binary-has-unneeded-section).
if(CMAKE_OBJCOPY)
  install(CODE "
    if(CMAKE_INSTALL_DO_STRIP)
      execute_process(
        COMMAND \"${CMAKE_OBJCOPY}\" --remove-section=.comment --remove-section=.note
                \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/sluice\"
        COMMAND_ERROR_IS_FATAL ANY)
    endif()")
endif()

# Bash completion, where bash-completion loads it on demand (the completion of `sluice` is
# sourced the first time one presses TAB after it). The directory comes from bash-completion's
# pkg-config file, relative to its prefix so that `cmake --install --prefix DIR` stays inside DIR.
set(completions_dir "${CMAKE_INSTALL_DATADIR}/bash-completion/completions")
pkg_get_variable(SLUICE_BASH_COMPLETION_DIR bash-completion completionsdir)
pkg_get_variable(SLUICE_BASH_COMPLETION_PREFIX bash-completion prefix)
if(SLUICE_BASH_COMPLETION_DIR AND SLUICE_BASH_COMPLETION_PREFIX
   AND SLUICE_BASH_COMPLETION_DIR MATCHES "^${SLUICE_BASH_COMPLETION_PREFIX}/(.+)$")
  set(completions_dir "${CMAKE_MATCH_1}")
endif()
set(SLUICE_INSTALL_BASHCOMPLETIONDIR "${completions_dir}" CACHE STRING
    "bash completion directory (relative to the prefix, or absolute)")
install(FILES completion/sluice.bash DESTINATION ${SLUICE_INSTALL_BASHCOMPLETIONDIR}
        RENAME sluice)

# Debian's machine-readable copyright file (the license text is the system's
# /usr/share/common-licenses/Apache-2.0) and the changelog, gzip'd as Debian policy wants.
install(FILES packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
find_program(SLUICE_GZIP gzip REQUIRED)
set(changelog_gz ${PROJECT_BINARY_DIR}/packaging/changelog.gz)
add_custom_command(
  OUTPUT ${changelog_gz}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/packaging
  COMMAND sh -c "\"$1\" -9n -c \"$2\" > \"$3\""
          sh ${SLUICE_GZIP} ${PROJECT_SOURCE_DIR}/packaging/changelog ${changelog_gz}
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/changelog
  COMMENT "gzip: changelog"
  VERBATIM)
add_custom_target(debian_changelog ALL DEPENDS ${changelog_gz})
install(FILES ${changelog_gz} DESTINATION ${CMAKE_INSTALL_DOCDIR})

if(SLUICE_BUILD_TESTS)
  find_program(SLUICE_BASH bash)
  if(SLUICE_BASH)
    add_test(NAME debian.bash_completion
             COMMAND ${SLUICE_BASH} ${PROJECT_SOURCE_DIR}/tests/debian/completion_test.sh
                     ${PROJECT_SOURCE_DIR}/completion/sluice.bash $<TARGET_FILE:sluice>)
  endif()
  find_program(SLUICE_LINTIAN lintian)
  if(SLUICE_LINTIAN)
    add_test(NAME debian.lintian
             COMMAND sh ${PROJECT_SOURCE_DIR}/tests/debian/lintian_test.sh ${CMAKE_CPACK_COMMAND}
                     ${PROJECT_BINARY_DIR}/CPackConfig.cmake)
    set_tests_properties(debian.lintian PROPERTIES TIMEOUT 600)
  else()
    message(STATUS "lintian not found (Debian package lintian): no debian.lintian test")
  endif()
  add_test(NAME debian.changelog_version
           COMMAND sh -c "head -n 1 \"$1\" | grep -q \"^sluice ($2)\" || \
{ echo \"$1: the newest entry is not version $2: add one (dch -v $2)\"; exit 1; }"
                   sh ${PROJECT_SOURCE_DIR}/packaging/changelog ${PROJECT_VERSION})
endif()
