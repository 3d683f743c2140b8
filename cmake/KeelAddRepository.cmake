# keel_add_repository(<name> SCHEMA <dir> QUERIES <dir> [COMMITTED <dir>] [OUT <dir>])
#
# Generates the keel repository <name> at build time from the migrations in
# SCHEMA/<dialect>/ and the queries in QUERIES/<dialect>/, and builds it as
# the static library target <name>_repo, which links keel::runtime and puts
# the generated <name>.h on its users' include path. Any .sql change under
# SCHEMA or QUERIES regenerates and recompiles. The target is <name>_repo,
# not <name>, so a program can be called <name>.
#
# Relative SCHEMA, QUERIES and COMMITTED are taken from the calling
# directory's source directory; OUT (default: generated/<name> under the
# calling directory's binary directory) from its binary directory.
#
# With COMMITTED (a directory holding a committed copy of the generated
# code, for review): the test <name>_generated_is_fresh fails while that
# copy differs from what the build generates, the target <name>_regenerate
# copies the fresh files over it, and the target `regenerate` runs every
# <name>_regenerate (unless the project already has its own `regenerate`).
#
# Needs keel::keel (the generator) and keel::runtime: find_package(keel)
# imports them; keel's own build, included with add_subdirectory or
# FetchContent or not, defines them as aliases. This file is both keel's
# in-tree implementation and the one installed in lib/cmake/keel.
include_guard(GLOBAL)

function(keel_add_repository name)
  cmake_parse_arguments(PARSE_ARGV 1 KAR "" "SCHEMA;QUERIES;COMMITTED;OUT" "")
  if(KAR_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "keel_add_repository(${name}): unknown arguments ${KAR_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT KAR_SCHEMA OR NOT KAR_QUERIES)
    message(FATAL_ERROR "keel_add_repository(${name}): SCHEMA <dir> and QUERIES <dir> are required")
  endif()
  # The generator's own rule, checked here so the mistake is a configure error.
  if(NOT name MATCHES "^[a-z_][a-z0-9_]*$")
    message(FATAL_ERROR "keel_add_repository(${name}): the name must be a lower-case C identifier")
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(NOT "C" IN_LIST languages)
    message(FATAL_ERROR "keel_add_repository(${name}): the generated code is C: add C to project(... LANGUAGES ...)")
  endif()
  foreach(target keel::keel keel::runtime)
    if(NOT TARGET ${target})
      message(FATAL_ERROR "keel_add_repository(${name}): no target ${target}: "
                          "find_package(keel) or add_subdirectory(<keel source>) first")
    endif()
  endforeach()

  foreach(dir SCHEMA QUERIES COMMITTED)
    if(KAR_${dir})
      cmake_path(ABSOLUTE_PATH KAR_${dir} BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} NORMALIZE)
    endif()
  endforeach()
  if(NOT KAR_OUT)
    set(KAR_OUT generated/${name})
  endif()
  cmake_path(ABSOLUTE_PATH KAR_OUT BASE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR} NORMALIZE)
  foreach(dir SCHEMA QUERIES)
    if(NOT IS_DIRECTORY ${KAR_${dir}})
      message(FATAL_ERROR "keel_add_repository(${name}): ${dir} ${KAR_${dir}} is not a directory")
    endif()
  endforeach()

  set(out ${KAR_OUT})
  set(files ${out}/${name}.h ${out}/${name}.c ${out}/${name}_sqlite.c ${out}/${name}_postgres.c)
  file(GLOB_RECURSE inputs CONFIGURE_DEPENDS ${KAR_SCHEMA}/*.sql ${KAR_QUERIES}/*.sql)
  add_custom_command(
    OUTPUT ${files}
    COMMAND keel::keel generate --name ${name} --schema ${KAR_SCHEMA}
            --queries ${KAR_QUERIES} --out ${out}
    DEPENDS keel::keel ${inputs}
    COMMENT "keel: generating ${name} from ${KAR_SCHEMA} and ${KAR_QUERIES}"
    VERBATIM)
  add_library(${name}_repo STATIC ${files})
  # Linkable into the caller's shared libraries too.
  set_target_properties(${name}_repo PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_features(${name}_repo PRIVATE c_std_11)
  target_include_directories(${name}_repo PUBLIC ${out})
  target_link_libraries(${name}_repo PUBLIC keel::runtime)

  if(KAR_COMMITTED)
    add_test(NAME ${name}_generated_is_fresh
      COMMAND ${CMAKE_COMMAND} -DFRESH=${out} -DCOMMITTED=${KAR_COMMITTED} -DNAME=${name}
              -DREGENERATE=${name}_regenerate
              -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/CompareGenerated.cmake)
    add_custom_target(${name}_regenerate
      COMMAND ${CMAKE_COMMAND} -E make_directory ${KAR_COMMITTED}
      COMMAND ${CMAKE_COMMAND} -E copy ${files} ${KAR_COMMITTED}
      DEPENDS ${files}
      COMMENT "keel: refreshing ${KAR_COMMITTED}"
      VERBATIM)
    get_property(aggregate GLOBAL PROPERTY KEEL_REGENERATE_TARGET)
    if(NOT aggregate AND NOT TARGET regenerate)
      add_custom_target(regenerate)
      set_property(GLOBAL PROPERTY KEEL_REGENERATE_TARGET regenerate)
      set(aggregate regenerate)
    endif()
    if(aggregate)
      add_dependencies(${aggregate} ${name}_regenerate)
    endif()
  endif()
endfunction()
