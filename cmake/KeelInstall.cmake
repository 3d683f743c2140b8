# keel's install rules (KEEL_INSTALL, on when keel is the top-level project):
#
#   bin/keel                     the generator           (keel::keel)
#   lib/libkeel.a                the runtime, static     (keel::runtime_static)
#   lib/libkeel.so*              the runtime, shared     (keel::runtime_shared)
#   include/keel.h
#   lib/cmake/keel/              keelConfig.cmake, its version file, the
#                                exported targets, keel_add_repository()
#   lib/pkgconfig/keel.pc
#   share/man/man1/keel.1
#
# Every destination is relative to the prefix, and keel.pc finds the prefix
# from its own location, so `cmake --install <build> --prefix P` (or
# DESTDIR) puts everything under P and install_manifest.txt lists it all.
include(CMakePackageConfigHelpers)

set(KEEL_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/keel)

install(TARGETS keel_codegen keel_runtime keel_runtime_shared
  EXPORT keelTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/src/keel.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT keelTargets NAMESPACE keel:: DESTINATION ${KEEL_CMAKE_INSTALL_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/keelConfig.cmake.in
  ${PROJECT_BINARY_DIR}/keelConfig.cmake
  INSTALL_DESTINATION ${KEEL_CMAKE_INSTALL_DIR}
  NO_SET_AND_CHECK_MACRO)
# 0.x: a minor release may break the API, so 0.2 accepts 0.2.* only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/keelConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/keelConfig.cmake
  ${PROJECT_BINARY_DIR}/keelConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/KeelAddRepository.cmake
  ${CMAKE_CURRENT_LIST_DIR}/CompareGenerated.cmake
  DESTINATION ${KEEL_CMAKE_INSTALL_DIR})

# keel.pc: relocatable (prefix from ${pcfiledir}), so it is right whatever
# --prefix the install gets.
if(IS_ABSOLUTE ${CMAKE_INSTALL_LIBDIR} OR IS_ABSOLUTE ${CMAKE_INSTALL_INCLUDEDIR})
  message(FATAL_ERROR "keel installs below its prefix: give CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR relative to it")
endif()
file(RELATIVE_PATH KEEL_PC_PREFIX_FROM_PCFILEDIR /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" KEEL_PC_PREFIX_FROM_PCFILEDIR ${KEEL_PC_PREFIX_FROM_PCFILEDIR})
# A sanitized libkeel needs the sanitizer runtimes in whatever links it.
set(KEEL_PC_LINK_OPTIONS "")
foreach(option ${KEEL_SANITIZER_LINK_OPTIONS})
  string(APPEND KEEL_PC_LINK_OPTIONS " ${option}")
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/keel.pc.in ${PROJECT_BINARY_DIR}/keel.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/keel.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${PROJECT_SOURCE_DIR}/doc/keel.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
