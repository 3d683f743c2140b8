/*
 * The one-table schema the statement and streaming tests share: a column
 * of every type the statement API binds and reads.
 */
#ifndef KEEL_TEST_VALS_SCHEMA_H
#define KEEL_TEST_VALS_SCHEMA_H

#include "keel.h"

static const keel_migration vals_sqlite[] = {
    { 1, "0001_vals.sql",
      "CREATE TABLE vals (id INTEGER PRIMARY KEY, t TEXT, i BIGINT, d DOUBLE PRECISION,"
      " b BOOLEAN, bl BLOB);",
      "v1" },
};
static const keel_migration vals_postgres[] = {
    { 1, "0001_vals.sql",
      "CREATE TABLE vals (id BIGSERIAL PRIMARY KEY, t TEXT, i BIGINT, d DOUBLE PRECISION,"
      " b BOOLEAN, bl BYTEA);",
      "v1" },
};
static const keel_schema vals_schema = {
    .name = "vals",
    .sqlite = { vals_sqlite, 1 },
    .postgres = { vals_postgres, 1 },
};

#endif
