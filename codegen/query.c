#include "query.h"

#include <stdlib.h>
#include <string.h>

char *query_sql(Arena *arena, const Query *q, QueryParamNumber number, const void *ctx, size_t **source_offsets)
{
    size_t start = (size_t)(q->stmt->first.z - q->file->text);
    size_t end = (size_t)(q->stmt->last.z - q->file->text) + (size_t)q->stmt->last.n;
    StrBuf b = {0};
    /* room for the longest placeholder form, or a rewrite's whole text */
    size_t cap = end - start + 1;
    for (int i = 0; i < q->uses->n; i++) {
        const ParamUse *u = q->uses->items[i];
        cap += u->param ? 66 : strlen(u->replacement) + 2; /* (json_each(?N)) */
    }
    size_t *map = source_offsets ? xmalloc(cap * sizeof *map) : NULL;
    size_t at = start;
    for (int i = 0; i <= q->uses->n; i++) {
        const ParamUse *u = i < q->uses->n ? q->uses->items[i] : NULL;
        size_t upto = u ? u->offset : end;
        /* CRLF sources must not change the output */
        for (size_t k = at; k < upto; k++) {
            if (q->file->text[k] == '\r')
                continue;
            if (map)
                map[b.len] = k;
            sb_putc(&b, q->file->text[k]);
        }
        if (!u)
            break;
        size_t before = b.len;
        /* SQLite has no arrays: IN (sqlc.slice(x)) reads a JSON array */
        bool json_list = u->param && u->param->list && !u->param->array_value && q->dialect == DIALECT_SQLITE;
        if (u->parens)
            sb_putc(&b, '(');
        if (!u->param)
            sb_puts(&b, u->replacement);
        else
            sb_printf(&b, q->dialect == DIALECT_POSTGRES ? "$%d" : json_list ? "SELECT value FROM json_each(?%d)" : "?%d",
                      number(u->param, ctx));
        if (u->parens)
            sb_putc(&b, ')');
        if (map)
            for (size_t k = before; k < b.len; k++)
                map[k] = u->offset;
        at = u->offset + u->len;
    }
    if (map) {
        map[b.len] = end;
        *source_offsets = map;
    }
    char *out = arena_strdup(arena, b.s ? b.s : "");
    sb_free(&b);
    return out;
}

int query_own_number(const Param *p, const void *query)
{
    const Query *q = query;
    for (int i = 0; i < q->params->n; i++)
        if (q->params->items[i] == p)
            return i + 1;
    return 0;
}
