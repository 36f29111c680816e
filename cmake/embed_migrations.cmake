# Writes OUT, a C++ source holding every schema/NNN_name.sql file in order,
# so the larder binary carries its migrations and runs from any directory.
file(GLOB sql_files "${SCHEMA_DIR}/*.sql")
list(SORT sql_files)
set(body "")
foreach(f IN LISTS sql_files)
  get_filename_component(name "${f}" NAME_WE)
  file(READ "${f}" sql)
  string(APPEND body "  {\"${name}\", R\"larder_sql(${sql})larder_sql\"},\n")
endforeach()
file(WRITE "${OUT}.tmp"
"// Generated from schema/*.sql by cmake/embed_migrations.cmake; do not edit.
#include \"events/migrations.hpp\"

namespace larder::events {

const std::vector<migration_source>& embedded_migrations() {
  static const std::vector<migration_source> all = {
${body}  };
  return all;
}

} // namespace larder::events
")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
