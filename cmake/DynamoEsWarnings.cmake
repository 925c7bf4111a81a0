# Warnings, sanitizers and coverage for our own targets (docs/development.md shows each build).
#
# DYNAMO_ES_SANITIZE ('' | 'address,undefined' | 'thread') is applied per target, PRIVATE to its
# compilation, by dynamo_es_enable_sanitizers(). DYNAMO_ES_COVERAGE instruments every target of
# this project (library, tests, CLI) for gcov; gcovr then reports src/ only.

option(DYNAMO_ES_COVERAGE "Instrument for gcov line and branch coverage (gcc; use a Debug build)"
       OFF)

if(DYNAMO_ES_SANITIZE AND NOT DYNAMO_ES_SANITIZE MATCHES "^(address,undefined|undefined,address|address|undefined|thread)$")
  message(FATAL_ERROR "DYNAMO_ES_SANITIZE='${DYNAMO_ES_SANITIZE}': use '', 'address,undefined' or "
                      "'thread' (ThreadSanitizer cannot be combined with the others)")
endif()
if(DYNAMO_ES_SANITIZE AND DYNAMO_ES_COVERAGE)
  message(FATAL_ERROR "DYNAMO_ES_COVERAGE and DYNAMO_ES_SANITIZE go in separate build directories")
endif()

if(DYNAMO_ES_COVERAGE)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "DYNAMO_ES_COVERAGE expects gcc (gcov + gcovr)")
  endif()
  if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
    message(WARNING "DYNAMO_ES_COVERAGE: line and branch figures are only meaningful at -O0 (Debug)")
  endif()
  # Every target below this directory. Atomic counter updates: the concurrency tests hit the
  # same lines from many threads, and lost updates would corrupt the branch counts.
  add_compile_options(--coverage -fprofile-update=atomic)
  add_link_options(--coverage)
endif()

function(dynamo_es_enable_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(DYNAMO_ES_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
    # GCC's -Wmaybe-uninitialized misfires on std::optional at -O2 (GCC bug 80635) depending on
    # inlining decisions; it stays a visible warning but must not fail an optimised CI build.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE -Wno-error=maybe-uninitialized)
    endif()
  endif()
endfunction()

function(dynamo_es_enable_sanitizers target)
  if(DYNAMO_ES_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${DYNAMO_ES_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=${DYNAMO_ES_SANITIZE})
  endif()
endfunction()
