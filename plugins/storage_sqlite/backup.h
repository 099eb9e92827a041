#pragma once

#include <string>

#include "connection.h"

namespace yard::sqlite {

// Writes a consistent copy of the database src is connected to into path. The pages are copied
// with the online backup API in a single step, i.e. inside one read transaction on src: a WAL
// snapshot, so writers on other connections carry on and do not restart the copy. The copy goes
// to a temp file next to path (mode 0600: it holds token hashes), is fsync'd, renamed over path
// and the directory fsync'd, so path is always either the old file or a complete new copy.
// src must be idle (not inside a transaction).
yard_rc backupTo(Connection& src, const std::string& path, yard_error* err);

}  // namespace yard::sqlite
