# embed_web.cmake — web/ (the dashboard's static files) becomes a table compiled into the
# binary (admin::web_files(), runtime/admin/web_files.hpp), so a node serves the page from
# wherever it is started. Bytes are written as hex so any file (SVG, PNG, ...) embeds unchanged;
# each file's SHA-256 becomes its ETag. Sets XYN_WEB_FILES_CPP to the generated source.
file(GLOB XYN_WEB_FILES LIST_DIRECTORIES false CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/web/*)
list(FILTER XYN_WEB_FILES EXCLUDE REGEX "/\\.[^/]*$")  # editor and OS droppings (.swp, .DS_Store)
set(XYN_WEB_FILES_CPP ${CMAKE_CURRENT_BINARY_DIR}/embedded_web.cpp)
file(WRITE ${XYN_WEB_FILES_CPP}.tmp
  "#include \"runtime/admin/web_files.hpp\"\n"
  "namespace xyn::admin {\n"
  "namespace {\n")
set(xyn_web_index 0)
set(xyn_web_entries "")
foreach(web_file ${XYN_WEB_FILES})
  get_filename_component(web_name ${web_file} NAME)
  file(READ ${web_file} web_hex HEX)
  file(SHA256 ${web_file} web_sha)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," web_bytes "${web_hex}")
  # A trailing 0 keeps an empty file's array legal; it is not part of the body.
  file(APPEND ${XYN_WEB_FILES_CPP}.tmp
    "const unsigned char file_${xyn_web_index}[] = {${web_bytes}0};\n")
  string(APPEND xyn_web_entries
    "    {\"${web_name}\", {\"${web_name}\", \"${web_sha}\", "
    "{reinterpret_cast<const char*>(file_${xyn_web_index}), sizeof(file_${xyn_web_index}) - 1}}},\n")
  math(EXPR xyn_web_index "${xyn_web_index} + 1")
endforeach()
file(APPEND ${XYN_WEB_FILES_CPP}.tmp
  "}  // namespace\n"
  "const std::map<std::string_view, web_file>& web_files() {\n"
  "  static const std::map<std::string_view, web_file> all = {\n"
  "${xyn_web_entries}"
  "  };\n  return all;\n}\n}  // namespace xyn::admin\n")
configure_file(${XYN_WEB_FILES_CPP}.tmp ${XYN_WEB_FILES_CPP} COPYONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${XYN_WEB_FILES})
