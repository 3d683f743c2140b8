# keel_generate(<name> SCHEMA <dir> QUERIES <dir> [COMMITTED <dir>] [OUT <dir>])
#
# keel's tree's earlier name for keel_add_repository (KeelAddRepository.cmake),
# kept for the test fixtures that call it; same arguments, same <name>_repo.
include_guard(GLOBAL)

function(keel_generate name)
  keel_add_repository(${name} ${ARGN})
endfunction()
