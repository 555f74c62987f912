# install() rules, the exported CMake package (LiverPlanConfig.cmake: find_package(LiverPlan)
# gives liver::planning, liver::pipeline, liver::report etc.) and CPack's .deb of the
# command-line tool.
include(CMakePackageConfigHelpers)

set(LIVERPLAN_EXPORTED_LIBRARIES liver_warnings liver_imaging liver_volumetry liver_planning
  liver_model liver_segmentation liver_phantom liver_editing liver_viewer liver_report
  liver_pipeline)
foreach(library ${LIVERPLAN_EXPORTED_LIBRARIES})
  string(REPLACE "liver_" "" exportName ${library})
  set_target_properties(${library} PROPERTIES EXPORT_NAME ${exportName})
  # A sanitized build's static libraries call the ASan/UBSan runtimes: whatever links them (the
  # out-of-tree example too) must link those runtimes (cmake/sanitize.cmake).
  if(LIVERPLAN_SANITIZE)
    target_link_options(${library} INTERFACE -fsanitize=address,undefined)
  endif()
endforeach()
install(TARGETS ${LIVERPLAN_EXPORTED_LIBRARIES} EXPORT LiverPlanTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(folder imaging volumetry planning model segmentation data editing viewer report pipeline)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${folder}/include/
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
endforeach()
set(LIVERPLAN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/LiverPlan)
install(EXPORT LiverPlanTargets NAMESPACE liver:: DESTINATION ${LIVERPLAN_CMAKE_DIR}
  COMPONENT development)
string(REPLACE ";" " " LIVERPLAN_ITK_COMPONENTS "${LIVERPLAN_ITK_COMPONENTS}")
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/LiverPlanConfig.cmake.in
  ${PROJECT_BINARY_DIR}/LiverPlanConfig.cmake INSTALL_DESTINATION ${LIVERPLAN_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/LiverPlanConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/LiverPlanConfig.cmake
  ${PROJECT_BINARY_DIR}/LiverPlanConfigVersion.cmake
  DESTINATION ${LIVERPLAN_CMAKE_DIR} COMPONENT development)

install(TARGETS liverplan RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)

# `cpack -G DEB` in the build folder: liverplan_VERSION_amd64.deb with the CLI alone; its
# dependencies are the Debian packages of the shared libraries it links (dpkg-shlibdeps).
set(CPACK_PACKAGE_NAME liverplan)
set(CPACK_PACKAGE_VENDOR "LiverPlan")
set(CPACK_PACKAGE_CONTACT "LiverPlan maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Liver volumetry and resectability planning on CT (decision support, not a clinical order)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL cli)
set(CPACK_DEBIAN_CLI_PACKAGE_NAME liverplan)
set(CPACK_DEBIAN_CLI_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
