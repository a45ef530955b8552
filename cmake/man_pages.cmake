# Man pages sluice(1) and sluice.toml(5), written in scdoc (docs/man/*.scd) and built when scdoc
# is found (Debian package scdoc; scripts/bootstrap installs it). Installed gzip'd, as Debian
# policy wants them (`gzip -9n`: no name or time stamp inside, so the package is reproducible).
# scdoc stamps the page with $SOURCE_DATE_EPOCH when it is set, else with today's date.
#
# Tests (with SLUICE_BUILD_TESTS):
#   debian.man_pages_complete  every command and option of `sluice --help`, exit code, variable
#                              and configuration key is in the pages (needs neither scdoc nor man)
#   debian.man_pages_render    `man -l --warnings` renders both without a warning

set(SLUICE_MAN_PAGES sluice.1 sluice.toml.5)
set(SLUICE_MAN_DIR ${PROJECT_BINARY_DIR}/man)

find_program(SLUICE_SCDOC scdoc)
find_program(SLUICE_GZIP gzip)

if(SLUICE_SCDOC AND SLUICE_GZIP)
  set(built_pages "")
  set(compressed_pages "")
  foreach(page IN LISTS SLUICE_MAN_PAGES)
    set(source ${PROJECT_SOURCE_DIR}/docs/man/${page}.scd)
    add_custom_command(
      OUTPUT ${SLUICE_MAN_DIR}/${page} ${SLUICE_MAN_DIR}/${page}.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${SLUICE_MAN_DIR}
      # scdoc reads stdin and writes stdout only: the redirections need a shell.
      COMMAND sh -c "\"$1\" < \"$2\" > \"$3\" && \"$4\" -9n -c \"$3\" > \"$3.gz\""
              sh ${SLUICE_SCDOC} ${source} ${SLUICE_MAN_DIR}/${page} ${SLUICE_GZIP}
      DEPENDS ${source}
      COMMENT "scdoc: ${page}"
      VERBATIM)
    list(APPEND built_pages ${SLUICE_MAN_DIR}/${page})
    list(APPEND compressed_pages ${SLUICE_MAN_DIR}/${page}.gz)
    # The section is the page name's last character (sluice.1, sluice.toml.5).
    string(REGEX MATCH "[0-9]$" section ${page})
    install(FILES ${SLUICE_MAN_DIR}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(man_pages ALL DEPENDS ${compressed_pages})
else()
  message(STATUS "scdoc or gzip not found (Debian package scdoc): no man pages built or installed")
endif()

if(SLUICE_BUILD_TESTS)
  find_package(Python3 COMPONENTS Interpreter REQUIRED)
  add_test(NAME debian.man_pages_complete
           COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/debian/man_pages_test.py
                   ${PROJECT_SOURCE_DIR} $<TARGET_FILE:sluice>)
  find_program(SLUICE_MAN man)
  if(SLUICE_SCDOC AND SLUICE_GZIP AND SLUICE_MAN)
    # Renders the pages the build made: a test run before `cmake --build` fails on missing files.
    add_test(NAME debian.man_pages_render
             COMMAND sh ${PROJECT_SOURCE_DIR}/tests/debian/man_render_test.sh ${built_pages})
  else()
    message(STATUS "scdoc or man not found (Debian packages scdoc, man-db): no man page rendering test")
  endif()
endif()
