/*
 * SQL written once for both dialects: schema/common/ and queries/common/.
 * The files are read once; each dialect then gets its own copy of every
 * common migration and query (parsed with that dialect's rules), unless the
 * dialect's own folder overrides it. Known non-portable constructs are
 * refused up front with specific advice; anything else one dialect rejects
 * gets a note naming that dialect (through the diagnostics error hook).
 */
#ifndef KEEL_CODEGEN_COMMON_H
#define KEEL_CODEGEN_COMMON_H

#include "query.h"

typedef struct CommonSources {
    bool present;
    PtrList *migrations; /* of Migration*, by version; templates, never parsed */
    PtrList *queries;    /* of Query*, templates */
    PtrList *files;      /* of SrcFile*: every common file, for the error hook */
} CommonSources;

/* Reads schema_root/common and query_root/common (either may be absent).
 * False after reporting errors. */
bool common_load(Arena *arena, CommonSources *c, const char *schema_root, const char *query_root);

/*
 * Adds the common migrations and queries to repos[d] (every dialect
 * already read from its own folders): a migration version in both places
 * is an error, a dialect query named like a common one overrides it. A
 * common item with a construct dialect d rejects (the known traps) is
 * reported and left out; *schema_ok turns false when a migration was.
 */
bool common_merge(Arena *arena, const CommonSources *c, DialectRepo *repos, Dialect d, bool *schema_ok);

/* While a dialect is checked, errors at a common file get a note naming it. */
void common_begin_dialect(const CommonSources *c, Dialect d);
void common_end_dialect(void);

#endif
