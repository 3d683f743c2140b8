# Fails when the committed copy of a generated repository differs from what
# the build generated, so a schema or query edit cannot land without its
# regenerated code.
#
#   cmake -DFRESH=<out> -DCOMMITTED=<dir> -DNAME=<name> -DREGENERATE=<target> -P CompareGenerated.cmake
foreach(suffix .h .c _sqlite.c _postgres.c)
  set(fresh ${FRESH}/${NAME}${suffix})
  set(committed ${COMMITTED}/${NAME}${suffix})
  if(NOT EXISTS ${fresh})
    message(FATAL_ERROR "${fresh} is missing: build first")
  endif()
  if(NOT EXISTS ${committed})
    message(FATAL_ERROR "${committed} is missing: run `cmake --build <build> --target ${REGENERATE}` and commit ${COMMITTED}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${fresh} ${committed}
                  RESULT_VARIABLE differs)
  if(differs)
    message(FATAL_ERROR "${committed} is stale: run `cmake --build <build> --target ${REGENERATE}` and commit ${COMMITTED}")
  endif()
endforeach()
