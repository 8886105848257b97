# install_deps.cmake — the web tests' fixture: checks the tools the browser test needs and
# installs its npm packages (`npm ci` from package-lock.json) into DIR.
# Usage: cmake -DNPM=... -DNODEJS=... -DCHROMIUM=... -DDIR=... -P install_deps.cmake
foreach(tool NODEJS NPM CHROMIUM)
  if(NOT ${tool})
    message(FATAL_ERROR "web tests: ${tool} is missing. The browser test needs Node.js with npm "
                        "and Debian's chromium (/usr/bin/chromium): run ./dev.sh setup.")
  endif()
endforeach()
execute_process(COMMAND ${NPM} ci --no-audit --no-fund --loglevel=error
                WORKING_DIRECTORY ${DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "web tests: `npm ci` in ${DIR} failed (${rc}); is the npm registry reachable?")
endif()
