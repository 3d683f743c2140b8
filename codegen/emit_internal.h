/*
 * emit_internal.h — shared by the emitter's files: emit.c (the API's
 * header, one function per query, the dialect tables) and emit_batch.c
 * (the :batch* and :copyfrom functions).
 */
#ifndef KEEL_CODEGEN_EMIT_INTERNAL_H
#define KEEL_CODEGEN_EMIT_INTERNAL_H

#include "emit.h"
#include "util.h"

typedef struct Names {
    const char *repo;       /* diun */
    const char *fn;         /* diun_get_updates */
    const char *row;        /* diun_get_updates_row */
    const char *params;     /* diun_get_updates_params */
    const char *index;      /* DIUN__GET_UPDATES */
    const char *reader;     /* diun__read_get_updates */
    const char *opener;     /* diun__open_get_updates */
} Names;

Names names_for(Arena *arena, const char *repo, const ApiQuery *aq);
/* The C type of a parameter, as declared before its name ("int64_t ", "const char *"). */
const char *param_ctype(const ApiParam *p);
bool has_varlen(const ApiQuery *aq); /* a result column of text, blob or list */
bool has_list(const ApiQuery *aq);   /* a result column that is a list */
const Query *first_impl(const ApiQuery *aq);
/* "keel_db *db, const x_params *params" (or the one parameter) */
void put_param_args(StrBuf *b, const ApiQuery *aq, const Names *n);
/* keel_bind_* of every parameter into st: from params->x, or the variable named as the one parameter. */
void put_binds(StrBuf *b, const ApiQuery *aq);
/* static int <reader>(keel_stmt *st, keel_arena *arena, <row> *row) */
void put_reader(StrBuf *b, const ApiQuery *aq, const Names *n, const char *repo);

/* emit_batch.c */
/* The lines a batch query's comment in the header adds: what its function does. */
void emit_batch_doc(StrBuf *b, const ApiQuery *aq);
/* The prototype of a batch query's function, without the ';'. */
void emit_batch_signature(StrBuf *b, const ApiQuery *aq, const Names *n);
/* Its implementation; pg_copy: the PostgreSQL COPY text's name in the .c, or NULL. */
void emit_batch_function(StrBuf *b, const ApiQuery *aq, const Names *n, const char *repo, const char *pg_copy);
/* The name of a :copyfrom query's COPY statement in <repo>_postgres.c. */
char *emit_copy_name(Arena *arena, const char *repo, const ApiQuery *aq);
/* The COPY statement of a :copyfrom query: its columns in the API's parameter order. */
char *emit_copy_sql(Arena *arena, const ApiQuery *aq, const Query *q);

#endif
