# keel_generate(<name> SCHEMA <dir> QUERIES <dir> [COMMITTED <dir>])
#
# Runs the generator at build time and builds the generated repository as
# the static library <name>_repo (linking libkeel). Any .sql change under
# SCHEMA or QUERIES regenerates and recompiles. With COMMITTED, adds the test
# <name>_generated_is_fresh and a `regenerate` target that copies the fresh
# output over the committed one.
function(keel_generate name)
  cmake_parse_arguments(KG "" "SCHEMA;QUERIES;COMMITTED" "" ${ARGN})
  set(out ${CMAKE_BINARY_DIR}/generated/${name})
  set(files ${out}/${name}.h ${out}/${name}.c ${out}/${name}_sqlite.c ${out}/${name}_postgres.c)
  file(GLOB_RECURSE inputs CONFIGURE_DEPENDS ${KG_SCHEMA}/*.sql ${KG_QUERIES}/*.sql)
  add_custom_command(
    OUTPUT ${files}
    COMMAND keel_codegen generate --name ${name} --schema ${KG_SCHEMA}
            --queries ${KG_QUERIES} --out ${out}
    DEPENDS keel_codegen ${inputs}
    COMMENT "keel: generating ${name} from ${KG_SCHEMA} and ${KG_QUERIES}"
    VERBATIM)
  add_library(${name}_repo STATIC ${files})
  target_include_directories(${name}_repo PUBLIC ${out})
  target_link_libraries(${name}_repo PUBLIC keel_runtime)
  if(KG_COMMITTED)
    add_test(NAME ${name}_generated_is_fresh
      COMMAND ${CMAKE_COMMAND} -DFRESH=${out} -DCOMMITTED=${KG_COMMITTED}
              -DNAME=${name} -P ${CMAKE_SOURCE_DIR}/cmake/CompareGenerated.cmake)
    add_custom_target(regenerate
      COMMAND ${CMAKE_COMMAND} -E make_directory ${KG_COMMITTED}
      COMMAND ${CMAKE_COMMAND} -E copy ${files} ${KG_COMMITTED}
      DEPENDS ${files}
      COMMENT "keel: refreshing ${KG_COMMITTED}")
  endif()
endfunction()
