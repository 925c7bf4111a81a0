# Warnings and sanitizers, applied PRIVATE to our own targets only.

function(dynamo_es_enable_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(DYNAMO_ES_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(dynamo_es_enable_sanitizers target)
  if(DYNAMO_ES_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${DYNAMO_ES_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=${DYNAMO_ES_SANITIZE})
  endif()
endfunction()
