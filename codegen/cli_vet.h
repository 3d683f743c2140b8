/*
 * keel vet's pieces shared by cli_vet.c (findings, suppression, query
 * rules, the verb) and cli_vet_migrations.c (the migration rules).
 */
#ifndef KEEL_CODEGEN_CLI_VET_H
#define KEEL_CODEGEN_CLI_VET_H

#include <stdint.h>

#include "query.h"

typedef struct Finding {
    SrcPos pos;
    const char *rule;
    char *msg;
    int seq;
} Finding;

typedef struct Vet {
    Arena *arena;
    PtrList *findings; /* of Finding* */
    int64_t since;     /* migration rules only for versions above this */
} Vet;

/* A finding at statement s, unless a keel:ignore comment there names rule. */
void vet_report(Vet *v, const Stmt *s, const char *rule, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The tables, columns and aliases a query names (FROM, INSERT INTO,
 * UPDATE, DELETE FROM, column references, SET and INSERT column lists). */
typedef struct Uses {
    Arena *arena;
    PtrList *tables;  /* of char*: table keys */
    PtrList *columns; /* of char*: column names */
    PtrList *aliases; /* of char*, pairs: alias (or name), table key */
    bool star;
    Dialect dialect;
} Uses;

Uses vet_query_uses(Arena *arena, const Query *q);
bool vet_has_name(const PtrList *l, const char *name);

/* The migration rules over one dialect (cli_vet_migrations.c). */
void vet_migrations(Vet *v, const DialectRepo *repo);

#endif
