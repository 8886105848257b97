# xyn_project_options: the warnings and sanitizer flags every target of ours links.
add_library(xyn_project_options INTERFACE)
target_compile_options(xyn_project_options INTERFACE -Wall -Wextra)
if(XYN_SANITIZE)
  target_compile_options(xyn_project_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(xyn_project_options INTERFACE -fsanitize=address,undefined)
endif()

# xyn_add_test_suite(NAME SOURCES...): one Catch2 binary per folder, each case a ctest test.
function(xyn_add_test_suite name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE Catch2::Catch2WithMain xyn_project_options)
  include(Catch)
  # --warn NoTests: a name CMake cannot carry (a ";" splits it) must fail, not pass silently.
  catch_discover_tests(${name} EXTRA_ARGS --warn NoTests PROPERTIES TIMEOUT 300)
endfunction()
