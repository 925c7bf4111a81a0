# install(): the library, its public headers, an exported CMake package `dynamo_es` (config +
# version file) and a pkg-config file.
include(CMakePackageConfigHelpers)

set(DYNAMO_ES_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/dynamo_es")

install(TARGETS dynamo_es
  EXPORT dynamo_es-targets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(DIRECTORY include/dynamo_es DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT dynamo_es-targets
  NAMESPACE dynamo_es::
  DESTINATION "${DYNAMO_ES_CMAKE_DIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_SOURCE_DIR}/cmake/dynamo_esConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/dynamo_esConfig.cmake"
  INSTALL_DESTINATION "${DYNAMO_ES_CMAKE_DIR}")
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/dynamo_esConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/dynamo_esConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/dynamo_esConfigVersion.cmake"
  DESTINATION "${DYNAMO_ES_CMAKE_DIR}")

# A static libdynamo_es needs its C dependencies on every link line; a shared one only privately.
if(BUILD_SHARED_LIBS)
  set(DYNAMO_ES_PC_REQUIRES_FIELD "Requires.private")
else()
  set(DYNAMO_ES_PC_REQUIRES_FIELD "Requires")
endif()
file(RELATIVE_PATH DYNAMO_ES_PC_RELATIVE_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file("${CMAKE_CURRENT_SOURCE_DIR}/cmake/dynamo_es.pc.in"
  "${CMAKE_CURRENT_BINARY_DIR}/dynamo_es.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/dynamo_es.pc"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
