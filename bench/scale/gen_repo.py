#!/usr/bin/env python3
"""Writes a synthetic keel repository for the generator scale benchmark.

    gen_repo.py DIR --tables N --queries M

DIR gets schema/{sqlite,postgres}/NNNN_*.sql and queries/{sqlite,postgres}/*.sql:
N tables per dialect (several columns, a foreign key to an earlier table, an
index; a column added by a later migration to one table in 100) and M queries per dialect (point
reads, joins, pagination, inserts with RETURNING, updates, deletes, counts,
upserts), the same names and parameters in both dialects so the parity check
compares every query. The output depends on N and M only.
"""
import argparse
import os

TABLES_PER_MIGRATION = 100
QUERIES_PER_FILE = 200


def column_types(dialect):
    if dialect == "sqlite":
        return {"id": "INTEGER PRIMARY KEY", "bigint": "INTEGER", "double": "REAL", "bool": "BOOLEAN"}
    return {"id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "bigint": "BIGINT",
            "double": "DOUBLE PRECISION", "bool": "BOOLEAN"}


def create_table(dialect, i):
    ty = column_types(dialect)
    parent = f"    parent_id  {ty['bigint']} REFERENCES t{i // 2:05d} (id),\n" if i > 0 else ""
    return (f"CREATE TABLE t{i:05d} (\n"
            f"    id         {ty['id']},\n"
            f"{parent}"
            f"    name       TEXT NOT NULL,\n"
            f"    amount     {ty['double']} NOT NULL DEFAULT 0,\n"
            f"    quantity   {ty['bigint']} NOT NULL DEFAULT 0,\n"
            f"    active     {ty['bool']} NOT NULL DEFAULT TRUE,\n"
            f"    note       TEXT,\n"
            f"    created_at TEXT NOT NULL\n"
            f");\n"
            f"CREATE INDEX t{i:05d}_name ON t{i:05d} (name);\n\n")


def write_schema(root, dialect, tables):
    folder = os.path.join(root, "schema", dialect)
    os.makedirs(folder, exist_ok=True)
    version = 1
    for start in range(0, tables, TABLES_PER_MIGRATION):
        end = min(start + TABLES_PER_MIGRATION, tables)
        with open(os.path.join(folder, f"{version:04d}_tables_{start:05d}.sql"), "w") as f:
            f.write(f"-- tables {start} to {end - 1}\n\n")
            for i in range(start, end):
                f.write(create_table(dialect, i))
        version += 1
    # A few columns added later: SQLite re-parses the whole schema on each
    # ALTER TABLE, so many of them would time SQLite rather than keel.
    with open(os.path.join(folder, f"{version:04d}_labels.sql"), "w") as f:
        for i in range(0, tables, 100):
            f.write(f"ALTER TABLE t{i:05d} ADD COLUMN label TEXT;\n")


def placeholders(dialect, n):
    return ["?"] * n if dialect == "sqlite" else [f"${k + 1}" for k in range(n)]


def query(dialect, kind, t, name):
    """One query of the given kind on table t (and its parent t // 2)."""
    tab, par = f"t{t:05d}", f"t{t // 2:05d}"
    p = lambda n: placeholders(dialect, n)
    if kind == 0:
        a, = p(1)
        return f"-- name: Get{name} :one\nSELECT id, name, amount, quantity, active, note, created_at FROM {tab} WHERE id = {a};\n"
    if kind == 1:
        a, b, c = p(3)
        return (f"-- name: List{name} :many\n"
                f"SELECT id, name, amount, note FROM {tab}\n"
                f"WHERE active = {a} AND amount >= {b}\nORDER BY id\nLIMIT {c};\n")
    if kind == 2:
        a, b, c, d = p(4)
        return (f"-- name: Create{name} :one\n"
                f"INSERT INTO {tab} (name, amount, quantity, created_at) VALUES ({a}, {b}, {c}, {d})\n"
                f"RETURNING id, name, created_at;\n")
    if kind == 3:
        a, b, c = p(3)
        return (f"-- name: Update{name} :execrows\n"
                f"UPDATE {tab} SET name = {a}, note = {b} WHERE id = {c};\n")
    if kind == 4:
        a, = p(1)
        return f"-- name: Delete{name} :exec\nDELETE FROM {tab} WHERE id = {a};\n"
    if kind == 5:
        a, = p(1)
        return f"-- name: Count{name} :one\nSELECT COUNT(*) AS total FROM {tab} WHERE active = {a};\n"
    if kind == 6:
        a, b, c = p(3)
        return (f"-- name: Upsert{name} :exec\n"
                f"INSERT INTO {tab} (id, name, created_at) VALUES ({a}, {b}, {c})\n"
                f"ON CONFLICT (id) DO UPDATE SET name = excluded.name;\n")
    if t == 0:
        a, b = p(2)
        return (f"-- name: Page{name} :many\n"
                f"SELECT id, name FROM {tab} ORDER BY id LIMIT {a} OFFSET {b};\n")
    a, b = p(2)
    return (f"-- name: Join{name} :many\n"
            f"SELECT c.id, c.name, p.name AS parent_name, c.amount + p.amount AS total_amount\n"
            f"FROM {tab} c\nJOIN {par} p ON p.id = c.parent_id\n"
            f"WHERE c.quantity > {a} AND p.active = {b}\nORDER BY c.id;\n")


KINDS = 8


def write_queries(root, dialect, tables, queries):
    folder = os.path.join(root, "queries", dialect)
    os.makedirs(folder, exist_ok=True)
    f = None
    for i in range(queries):
        if i % QUERIES_PER_FILE == 0:
            if f:
                f.close()
            f = open(os.path.join(folder, f"q{i // QUERIES_PER_FILE:04d}.sql"), "w")
        t, round_ = i % tables, i // tables
        f.write(query(dialect, (t + round_) % KINDS, t, f"T{t:05d}R{round_}") + "\n")
    if f:
        f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--tables", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=10000)
    args = ap.parse_args()
    for dialect in ("sqlite", "postgres"):
        write_schema(args.dir, dialect, args.tables)
        write_queries(args.dir, dialect, args.tables, args.queries)


if __name__ == "__main__":
    main()
