#include "parity.h"

#include <string.h>

int api_param_index(const ApiQuery *aq, const char *name)
{
    for (int i = 0; i < aq->params->n; i++)
        if (strcmp(((ApiParam *)aq->params->items[i])->name, name) == 0)
            return i;
    return -1;
}

/* by_name: each query's position in r->queries, for find_query */
static Query *find_query(const DialectRepo *r, const StrMap *by_name, const char *name)
{
    int i = strmap_get(by_name, name);
    return i >= 0 ? r->queries->items[i] : NULL;
}

/* Indexes r's queries by name (by_name[r->dialect]); a name defined
 * twice is an error at its second definition. */
static bool check_duplicates(Arena *arena, const DialectRepo *r, StrMap *by_name[DIALECT_COUNT])
{
    bool ok = true;
    StrMap *names = by_name[r->dialect] = strmap_new(arena, r->queries->n);
    for (int i = 0; i < r->queries->n; i++) {
        Query *q = r->queries->items[i];
        int first = strmap_add(names, q->name, i);
        if (first >= 0) {
            Query *o = r->queries->items[first];
            diag_error(q->pos, "query %s is defined twice", q->name);
            diag_note(o->pos, "first definition of %s", q->name);
            ok = false;
        }
    }
    return ok;
}

static ApiQuery *api_from(Arena *arena, Query *q)
{
    ApiQuery *aq = arena_alloc(arena, sizeof *aq);
    aq->name = q->name;
    aq->cmd = q->cmd;
    aq->params = ptrlist_new(arena);
    aq->columns = ptrlist_new(arena);
    for (int i = 0; i < q->params->n; i++) {
        Param *p = q->params->items[i];
        ApiParam *ap = arena_alloc(arena, sizeof *ap);
        ap->name = p->name;
        ap->ctype = p->ctype;
        ap->nullable = p->nullable;
        ap->list = p->list;
        ptrlist_push(arena, aq->params, ap);
    }
    /* Only :one, :many and their batch forms return rows to the caller; RETURNING under :exec
     * or :execlastid (PostgreSQL's last id) is the dialect's business. */
    bool returns_rows = query_cmd_returns_rows(q->cmd);
    for (int i = 0; returns_rows && i < q->columns->n; i++) {
        OutColumn *c = q->columns->items[i];
        ApiColumn *ac = arena_alloc(arena, sizeof *ac);
        ac->name = c->name;
        ac->ctype = c->ctype;
        ac->nullable = c->nullable;
        if (c->embed) {
            ac->embed_field = c->embed->field;
            ac->embed_table = c->embed->table;
            ac->embed_nullable = c->embed->nullable;
        }
        ac->list = c->list;
        ptrlist_push(arena, aq->columns, ac);
    }
    aq->impl[q->dialect] = q;
    return aq;
}

/* Merges the other dialect's query into the API; integer widths already
 * share int64, so only different kinds are errors. NULL-ability widens:
 * if either engine can return NULL, the C type can hold it. */
static bool merge(ApiQuery *aq, Query *other, const Query *first)
{
    bool ok = true;
    const char *d1 = dialect_name(first->dialect), *d2 = dialect_name(other->dialect);
    aq->impl[other->dialect] = other;
    if (other->cmd != aq->cmd) {
        diag_error(other->pos, "query %s is %s in %s but %s in %s", aq->name, query_cmd_name(other->cmd), d2,
                   query_cmd_name(aq->cmd), d1);
        diag_note(first->pos, "the %s definition", d1);
        ok = false;
    }
    for (int i = 0; i < other->params->n; i++) {
        Param *p = other->params->items[i];
        int k = api_param_index(aq, p->name);
        if (k < 0) {
            diag_error(p->pos, "query %s has parameter \"%s\" in %s but not in %s", aq->name, p->name, d2, d1);
            diag_note(first->pos, "the %s definition", d1);
            ok = false;
            continue;
        }
        ApiParam *ap = aq->params->items[k];
        if (ap->ctype != p->ctype || ap->list != p->list) {
            diag_error(p->pos, "query %s: parameter \"%s\" is %s%s in %s but %s%s in %s", aq->name, p->name,
                       p->list ? "a list of " : "", ctype_name(p->ctype), d2, ap->list ? "a list of " : "",
                       ctype_name(ap->ctype), d1);
            diag_note(((Param *)first->params->items[k])->pos, "the %s parameter", d1);
            ok = false;
        }
        ap->nullable |= p->nullable;
    }
    for (int i = 0; i < aq->params->n; i++) {
        ApiParam *ap = aq->params->items[i];
        bool found = false;
        for (int j = 0; j < other->params->n; j++)
            found |= strcmp(((Param *)other->params->items[j])->name, ap->name) == 0;
        if (!found) {
            diag_error(other->pos, "query %s has parameter \"%s\" in %s but not in %s", aq->name, ap->name, d1, d2);
            diag_note(((Param *)first->params->items[i])->pos, "the %s parameter", d1);
            ok = false;
        }
    }
    if (!query_cmd_returns_rows(other->cmd) || other->cmd != aq->cmd)
        return ok;
    if (other->columns->n != aq->columns->n) {
        diag_error(other->pos, "query %s returns %d columns in %s but %d in %s", aq->name, other->columns->n, d2,
                   aq->columns->n, d1);
        diag_note(first->pos, "the %s definition", d1);
        return false;
    }
    for (int i = 0; i < aq->columns->n; i++) {
        ApiColumn *ac = aq->columns->items[i];
        OutColumn *c = other->columns->items[i];
        OutColumn *fc = first->columns->items[i];
        if ((ac->embed_field != NULL) != (c->embed != NULL)) {
            const OutColumn *embedded = c->embed ? c : fc;
            diag_error(c->pos, "query %s: result column %d is part of sqlc.embed(%s) in %s only; embed it in both "
                       "dialects or in neither", aq->name, i + 1, embedded->embed->field,
                       dialect_name(c->embed ? other->dialect : first->dialect));
            diag_note(fc->pos, "the %s column", d1);
            return false;
        }
        if (strcmp(ac->name, c->name) != 0) {
            diag_error(c->pos, "query %s: result column %d is \"%s\" in %s but \"%s\" in %s", aq->name, i + 1, c->name,
                       d2, ac->name, d1);
            diag_note(fc->pos, "the %s column", d1);
            ok = false;
        } else if (ac->ctype != c->ctype || ac->list != c->list) {
            diag_error(c->pos, "query %s: result column \"%s\" is %s%s in %s but %s%s in %s", aq->name, c->name,
                       c->list ? "a list of " : "", ctype_name(c->ctype), d2, ac->list ? "a list of " : "",
                       ctype_name(ac->ctype), d1);
            diag_note(fc->pos, "the %s column", d1);
            ok = false;
        }
        ac->nullable |= c->nullable;
        if (ac->embed_field && c->embed)
            ac->embed_nullable |= c->embed->nullable;
    }
    return ok;
}

bool parity_build(Arena *arena, DialectRepo repos[DIALECT_COUNT], PtrList *api)
{
    bool ok = true;
    StrMap *by_name[DIALECT_COUNT] = {0};
    for (int d = 0; d < DIALECT_COUNT; d++)
        if (repos[d].present)
            ok = check_duplicates(arena, &repos[d], by_name) && ok;
    if (!ok)
        return false;
    DialectRepo *first = repos[DIALECT_SQLITE].present ? &repos[DIALECT_SQLITE] : &repos[DIALECT_POSTGRES];
    DialectRepo *second = first == &repos[DIALECT_SQLITE] && repos[DIALECT_POSTGRES].present
                              ? &repos[DIALECT_POSTGRES] : NULL;
    for (int i = 0; i < first->queries->n; i++) {
        Query *q = first->queries->items[i];
        ApiQuery *aq = api_from(arena, q);
        if (second) {
            Query *o = find_query(second, by_name[second->dialect], q->name);
            if (!o) {
                diag_error(q->pos, "query %s is in %s but missing from %s", q->name, dialect_name(first->dialect),
                           dialect_name(second->dialect));
                ok = false;
                continue;
            }
            ok = merge(aq, o, q) && ok;
        }
        ptrlist_push(arena, api, aq);
    }
    if (second)
        for (int i = 0; i < second->queries->n; i++) {
            Query *o = second->queries->items[i];
            if (!find_query(first, by_name[first->dialect], o->name)) {
                diag_error(o->pos, "query %s is in %s but missing from %s", o->name, dialect_name(second->dialect),
                           dialect_name(first->dialect));
                ok = false;
            }
        }
    return ok;
}
