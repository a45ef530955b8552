# Precompiled headers: the libraries and sluice-fakeapi parse their heavy third-party headers
# (Boost.Asio's awaitable machinery, Beast, Boost.JSON, spdlog, libpqxx) once, from <dir>/pch.hpp,
# instead of in every source file (measured: 10-25% less CPU per file). A pch.hpp lists only
# third-party and standard headers, never ours, so editing a project header rebuilds no PCH.
# The test executables have none: with GCC 12 and -g a PCH is 150-250 MB, and loading it saved
# a test file (whose time goes into code generation) about as little as building it cost.
#
# SLUICE_PCH=OFF builds without them: a PCH is included first in every file of its target, so
# only such a build shows a file that forgot an #include it needs.
option(SLUICE_PCH "Precompile each large target's third-party headers (<dir>/pch.hpp)" ON)

# Under ccache (CMAKE_CXX_COMPILER_LAUNCHER=ccache) a compilation that uses a PCH is cached only
# with sloppiness pch_defines,time_macros (ccache's manual, "Precompiled headers"); without it
# ccache runs the compiler uncached, which still builds correctly. The launcher is given the
# setting, added to what the user's ccache configuration already has.
if(SLUICE_PCH AND CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache")
  list(GET CMAKE_CXX_COMPILER_LAUNCHER 0 _sluice_ccache)
  execute_process(COMMAND ${_sluice_ccache} --get-config sloppiness
                  OUTPUT_VARIABLE _sluice_sloppiness OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _sluice_ccache_result)
  if(NOT _sluice_ccache_result EQUAL 0)
    set(_sluice_sloppiness "")
  endif()
  string(REPLACE "," ";" _sluice_sloppiness "${_sluice_sloppiness}")
  list(APPEND _sluice_sloppiness pch_defines time_macros)
  list(REMOVE_DUPLICATES _sluice_sloppiness)
  list(REMOVE_ITEM _sluice_sloppiness "")
  string(JOIN "," _sluice_sloppiness ${_sluice_sloppiness})
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=${_sluice_sloppiness} ${CMAKE_CXX_COMPILER_LAUNCHER})
endif()

# sluice_precompile_headers(<target> <header>...): the headers (a pch.hpp, or <system> names)
# precompiled for <target>'s own sources. Each target builds its own PCH: targets differ in
# compile definitions (BOOST_JSON_DYN_LINK, FMT_SHARED, ...) that a shared one would have to match.
function(sluice_precompile_headers target)
  if(SLUICE_PCH)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()
