/*
 * diun_parity.c — the Diun repository's behaviour, one suite for every
 * engine. Built once; tests/CMakeLists.txt runs it against sqlite-memory,
 * sqlite-file and postgres, each case on a fresh migrated database.
 *
 * Only the generated API (diun.h) and the public runtime (keel.h) are used,
 * so this is also what an application sees. Timestamps are text whose exact
 * form differs by engine: tests look only at their presence.
 */
#include "diun.h"
#include "keel_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Fails the case and jumps to `out:` (where the arena is freed). */
#define TRY(expr)                                                              \
    do {                                                                       \
        int try_rc_ = (expr);                                                  \
        CHECK_CODE(try_rc_, KEEL_OK);                                          \
        if (try_rc_ != KEEL_OK) goto out;                                      \
    } while (0)

#define TRY_FOUND(ptr)                                                         \
    do {                                                                       \
        CHECK((ptr) != NULL);                                                  \
        if ((ptr) == NULL) goto out;                                           \
    } while (0)

#define IMAGE_DIUN "docker.io/crazymax/diun:latest"
#define IMAGE_NGINX "docker.io/library/nginx:1.25"
#define IMAGE_REDIS "docker.io/library/redis:7"

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

/* A complete event as Diun posts it; tests override single fields. */
static diun_upsert_event_params event(const char *image, const char *status)
{
    return (diun_upsert_event_params){
        .image = image,
        .diun_version = "4.28.0",
        .hostname = "myserver",
        .status = status,
        .provider = "docker",
        .hub_link = "https://hub.docker.com/r/crazymax/diun",
        .mime_type = "application/vnd.docker.distribution.manifest.list.v2+json",
        .digest = "sha256:216e3ae7de4ca8b553eb11ef7abda00651e79e537e85c46108284e5e91673e01",
        .created = "2020-03-26T12:23:56Z",
        .platform = "linux/amd64",
        .ctn_name = "diun",
        .ctn_id = "0123456789",
        .ctn_state = "running",
        .ctn_status = "Up 3 hours",
    };
}

static int upsert(keel_db *db, const char *image, const char *status)
{
    diun_upsert_event_params p = event(image, status);
    return diun_upsert_event(db, &p);
}

static const diun_get_updates_row *find_update(const diun_get_updates_row *rows, size_t n,
                                               const char *image)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].image != NULL && strcmp(rows[i].image, image) == 0)
            return &rows[i];
    return NULL;
}

/* Fetches every update and returns the one for `image` (NULL if absent). */
static int get_update(keel_db *db, keel_arena *arena, const char *image,
                      const diun_get_updates_row **out)
{
    diun_get_updates_row *rows = NULL;
    size_t n = 0;
    int rc = diun_get_updates(db, arena, &rows, &n);
    *out = rc == KEEL_OK ? find_update(rows, n, image) : NULL;
    return rc;
}

static int create_tag(keel_db *db, const char *name, int64_t *id)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_create_tag_row row = { 0 };
    int rc = diun_create_tag(db, name, &arena, &row);
    if (rc == KEEL_OK)
        *id = row.id;
    keel_arena_free(&arena);
    return rc;
}

static int assign(keel_db *db, const char *image, int64_t tag_id)
{
    return diun_assign_tag(db, &(diun_assign_tag_params){ .image = image, .tag_id = tag_id });
}

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* ------------------------------------------------------------------------
 * UpsertEvent
 * ---------------------------------------------------------------------- */

static void upsert_inserts_then_updates_in_place(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    size_t n = 0;

    TRY(upsert(db, IMAGE_DIUN, "new"));
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 1);
    TRY_FOUND(find_update(rows, n, IMAGE_DIUN));
    CHECK_STR_EQ(rows[0].status, "new");
    CHECK_STR_EQ(rows[0].diun_version, "4.28.0");
    CHECK_STR_EQ(rows[0].hostname, "myserver");
    CHECK_STR_EQ(rows[0].provider, "docker");
    CHECK_STR_EQ(rows[0].platform, "linux/amd64");
    CHECK_STR_EQ(rows[0].ctn_state, "running");
    CHECK_INT_EQ(rows[0].seen_count, 1);
    CHECK(rows[0].received_at != NULL && rows[0].received_at[0] != '\0');
    CHECK(rows[0].acknowledged_at == NULL);
    keel_arena_free(&arena);

    diun_upsert_event_params p = event(IMAGE_DIUN, "update");
    p.digest = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
    p.diun_version = "4.29.0";
    TRY(diun_upsert_event(db, &p));
    TRY(upsert(db, IMAGE_DIUN, "update"));

    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(rows[0].image, IMAGE_DIUN);
    CHECK_STR_EQ(rows[0].status, "update");
    CHECK_STR_EQ(rows[0].diun_version, "4.28.0"); /* the last event wins */
    CHECK_INT_EQ(rows[0].seen_count, 3);
out:
    keel_arena_free(&arena);
}

static void upsert_overwrites_optional_fields_including_null(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;

    TRY(upsert(db, IMAGE_DIUN, "new"));
    diun_upsert_event_params p = event(IMAGE_DIUN, "update");
    p.hub_link = NULL;
    p.ctn_name = NULL;
    p.ctn_id = NULL;
    p.ctn_state = NULL;
    p.ctn_status = NULL;
    p.platform = "linux/arm64";
    TRY(diun_upsert_event(db, &p));

    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(r->hub_link == NULL);
    CHECK(r->ctn_name == NULL);
    CHECK(r->ctn_id == NULL);
    CHECK(r->ctn_state == NULL);
    CHECK(r->ctn_status == NULL);
    CHECK_STR_EQ(r->platform, "linux/arm64");
    CHECK_STR_EQ(r->mime_type, "application/vnd.docker.distribution.manifest.list.v2+json");
    CHECK_INT_EQ(r->seen_count, 2);
out:
    keel_arena_free(&arena);
}

static void upsert_resets_acknowledgement(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;

    TRY(upsert(db, IMAGE_DIUN, "new"));
    TRY(diun_acknowledge_update(db, IMAGE_DIUN, NULL));
    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(r->acknowledged_at != NULL);
    keel_arena_free(&arena);

    TRY(upsert(db, IMAGE_DIUN, "update"));
    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(r->acknowledged_at == NULL);
    CHECK_STR_EQ(r->status, "update");
    CHECK_INT_EQ(r->seen_count, 2);
out:
    keel_arena_free(&arena);
}

static void upsert_null_required_field_is_not_null_violation(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    size_t n = 99;

    diun_upsert_event_params p = event(IMAGE_DIUN, "new");
    p.hostname = NULL;
    CHECK_CODE(diun_upsert_event(db, &p), KEEL_NOT_NULL_VIOLATION);

    p = event(NULL, "new"); /* the primary key */
    CHECK_CODE(diun_upsert_event(db, &p), KEEL_NOT_NULL_VIOLATION);

    p = event(IMAGE_DIUN, NULL);
    CHECK_CODE(diun_upsert_event(db, &p), KEEL_NOT_NULL_VIOLATION);

    /* Nothing was written, and the handle is still usable. */
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 0);
    TRY(upsert(db, IMAGE_DIUN, "new"));
out:
    keel_arena_free(&arena);
}

/* ------------------------------------------------------------------------
 * AcknowledgeUpdate
 * ---------------------------------------------------------------------- */

static void acknowledge_sets_timestamp(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;
    int64_t affected = -1;

    TRY(upsert(db, IMAGE_DIUN, "new"));
    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(r->acknowledged_at == NULL);
    keel_arena_free(&arena);

    TRY(diun_acknowledge_update(db, IMAGE_DIUN, &affected));
    CHECK_INT_EQ(affected, 1);
    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(r->acknowledged_at != NULL && r->acknowledged_at[0] != '\0');
    CHECK(r->received_at != NULL && r->received_at[0] != '\0');
    CHECK_INT_EQ(r->seen_count, 1); /* acknowledging is not seeing */

    /* Acknowledging again is harmless and still matches the row. */
    affected = -1;
    TRY(diun_acknowledge_update(db, IMAGE_DIUN, &affected));
    CHECK_INT_EQ(affected, 1);
out:
    keel_arena_free(&arena);
}

static void acknowledge_only_touches_its_image(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    size_t n = 0;

    TRY(upsert(db, IMAGE_DIUN, "new"));
    TRY(upsert(db, IMAGE_NGINX, "new"));
    TRY(diun_acknowledge_update(db, IMAGE_NGINX, NULL));
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 2);
    const diun_get_updates_row *diun = find_update(rows, n, IMAGE_DIUN);
    const diun_get_updates_row *nginx = find_update(rows, n, IMAGE_NGINX);
    TRY_FOUND(diun);
    TRY_FOUND(nginx);
    CHECK(diun->acknowledged_at == NULL);
    CHECK(nginx->acknowledged_at != NULL);
out:
    keel_arena_free(&arena);
}

static void acknowledge_unknown_image_affects_zero_rows(keel_db *db)
{
    int64_t affected = -1;
    REQUIRE_OK(diun_acknowledge_update(db, "docker.io/no/such:image", &affected));
    CHECK_INT_EQ(affected, 0);

    REQUIRE_OK(upsert(db, IMAGE_DIUN, "new"));
    affected = -1;
    REQUIRE_OK(diun_acknowledge_update(db, "docker.io/crazymax/DIUN:latest", &affected));
    CHECK_INT_EQ(affected, 0); /* comparison is exact, case included */
    affected = -1;
    REQUIRE_OK(diun_acknowledge_update(db, NULL, &affected));
    CHECK_INT_EQ(affected, 0); /* NULL matches nothing */
}

/* ------------------------------------------------------------------------
 * GetUpdates
 * ---------------------------------------------------------------------- */

static void get_updates_on_empty_database_returns_no_rows(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    size_t n = 99;
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 0);
out:
    keel_arena_free(&arena);
}

static void get_updates_newest_first(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    size_t n = 0;

    /* received_at has millisecond (SQLite) or microsecond (pg) precision. */
    TRY(upsert(db, IMAGE_NGINX, "new"));
    sleep_ms(25);
    TRY(upsert(db, IMAGE_DIUN, "new"));
    sleep_ms(25);
    TRY(upsert(db, IMAGE_REDIS, "new"));
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 3);
    if (n != 3)
        goto out;
    CHECK_STR_EQ(rows[0].image, IMAGE_REDIS);
    CHECK_STR_EQ(rows[1].image, IMAGE_DIUN);
    CHECK_STR_EQ(rows[2].image, IMAGE_NGINX);
    keel_arena_free(&arena);

    /* A new event moves the image back to the top. */
    sleep_ms(25);
    TRY(upsert(db, IMAGE_NGINX, "update"));
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 3);
    if (n != 3)
        goto out;
    CHECK_STR_EQ(rows[0].image, IMAGE_NGINX);
    CHECK_STR_EQ(rows[1].image, IMAGE_REDIS);
    CHECK_STR_EQ(rows[2].image, IMAGE_DIUN);
out:
    keel_arena_free(&arena);
}

static void get_updates_left_join_tag_is_null_without_assignment(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    size_t n = 0;
    int64_t tag = 0;

    TRY(upsert(db, IMAGE_DIUN, "new"));
    TRY(upsert(db, IMAGE_NGINX, "new"));
    TRY(create_tag(db, "infra", &tag));
    TRY(assign(db, IMAGE_NGINX, tag));

    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 2); /* the outer join keeps the untagged image */
    const diun_get_updates_row *diun = find_update(rows, n, IMAGE_DIUN);
    const diun_get_updates_row *nginx = find_update(rows, n, IMAGE_NGINX);
    TRY_FOUND(diun);
    TRY_FOUND(nginx);
    CHECK(!diun->tag_id.valid);
    CHECK(diun->tag_name == NULL);
    CHECK(nginx->tag_id.valid);
    CHECK_INT_EQ(nginx->tag_id.value, tag);
    CHECK_STR_EQ(nginx->tag_name, "infra");
out:
    keel_arena_free(&arena);
}

typedef struct collect_ctx {
    char images[8][128];
    size_t count;
    size_t stop_after; /* 0: never stop */
    int stop_code;
} collect_ctx;

static int collect_update(const diun_get_updates_row *row, void *ctx)
{
    collect_ctx *c = ctx;
    /* Rows are borrowed: copy what outlives the callback. */
    if (c->count < 8)
        snprintf(c->images[c->count], sizeof c->images[0], "%s", row->image ? row->image : "(null)");
    c->count++;
    if (c->stop_after != 0 && c->count == c->stop_after)
        return c->stop_code;
    return 0;
}

static void get_updates_streaming_visits_every_row_like_many(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    size_t n = 0;
    collect_ctx c = { .count = 0 };

    TRY(upsert(db, IMAGE_NGINX, "new"));
    TRY(upsert(db, IMAGE_DIUN, "new"));
    TRY(upsert(db, IMAGE_REDIS, "new"));
    TRY(diun_get_updates_each(db, collect_update, &c));
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(c.count, 3);
    CHECK_INT_EQ(n, 3);
    for (size_t i = 0; i < n && i < c.count; i++)
        CHECK_STR_EQ(c.images[i], rows[i].image); /* same rows, same order */
out:
    keel_arena_free(&arena);
}

static void get_updates_streaming_stops_when_callback_returns_nonzero(keel_db *db)
{
    collect_ctx c = { .stop_after = 2, .stop_code = 42 };

    REQUIRE_OK(upsert(db, IMAGE_NGINX, "new"));
    REQUIRE_OK(upsert(db, IMAGE_DIUN, "new"));
    REQUIRE_OK(upsert(db, IMAGE_REDIS, "new"));
    CHECK_INT_EQ(diun_get_updates_each(db, collect_update, &c), 42);
    CHECK_INT_EQ(c.count, 2);

    /* The abandoned result does not wedge the connection. */
    int64_t affected = -1;
    REQUIRE_OK(diun_acknowledge_update(db, IMAGE_DIUN, &affected));
    CHECK_INT_EQ(affected, 1);
    collect_ctx all = { .count = 0 };
    REQUIRE_OK(diun_get_updates_each(db, collect_update, &all));
    CHECK_INT_EQ(all.count, 3);
}

static int upsert_many(keel_db *tx, void *ctx)
{
    const int *count = ctx;
    char image[64];
    for (int i = 0; i < *count; i++) {
        snprintf(image, sizeof image, "registry.example/app-%04d:latest", i);
        int rc = upsert(tx, image, i % 2 ? "new" : "update");
        if (rc != KEEL_OK)
            return rc;
    }
    return KEEL_OK;
}

static void get_updates_returns_many_rows_in_one_arena(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    size_t n = 0;
    int count = 500;

    TRY(keel_update(db, upsert_many, &count));
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 500);
    TRY_FOUND(find_update(rows, n, "registry.example/app-0000:latest"));
    TRY_FOUND(find_update(rows, n, "registry.example/app-0499:latest"));
    size_t with_digest = 0;
    for (size_t i = 0; i < n; i++)
        with_digest += rows[i].digest != NULL && strlen(rows[i].digest) == 71;
    CHECK_INT_EQ(with_digest, 500);

    /* The arena is reusable after keel_arena_free. */
    keel_arena_free(&arena);
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 500);
out:
    keel_arena_free(&arena);
}

/* ------------------------------------------------------------------------
 * CreateTag, ListTags, DeleteTag, TagExists
 * ---------------------------------------------------------------------- */

static void create_tag_returns_id_and_name(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_create_tag_row a = { 0 }, b = { 0 };

    TRY(diun_create_tag(db, "production", &arena, &a));
    TRY(diun_create_tag(db, "staging", &arena, &b));
    CHECK(a.id > 0);
    CHECK(b.id > 0);
    CHECK(a.id != b.id);
    /* The names live in the arena: later queries do not disturb them. */
    diun_list_tags_row *tags = NULL;
    size_t n = 0;
    TRY(diun_list_tags(db, &arena, &tags, &n));
    CHECK_STR_EQ(a.name, "production");
    CHECK_STR_EQ(b.name, "staging");
    CHECK_INT_EQ(n, 2);
out:
    keel_arena_free(&arena);
}

static void create_tag_twice_is_unique_violation(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_create_tag_row row = { 0 };
    diun_list_tags_row *tags = NULL;
    size_t n = 0;
    int64_t first = 0, other = 0;

    TRY(create_tag(db, "infra", &first));
    CHECK_CODE(diun_create_tag(db, "infra", &arena, &row), KEEL_UNIQUE_VIOLATION);
    CHECK(keel_errmsg(db) != NULL && keel_errmsg(db)[0] != '\0');

    /* The failure left one tag and a usable handle. */
    TRY(create_tag(db, "Infra", &other)); /* names are case-sensitive */
    TRY(diun_list_tags(db, &arena, &tags, &n));
    CHECK_INT_EQ(n, 2);
out:
    keel_arena_free(&arena);
}

static void create_tag_null_name_is_not_null_violation(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_create_tag_row row = { 0 };
    CHECK_CODE(diun_create_tag(db, NULL, &arena, &row), KEEL_NOT_NULL_VIOLATION);
    keel_arena_free(&arena);
}

static void list_tags_sorted_by_name(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_list_tags_row *tags = NULL;
    size_t n = 0;
    int64_t zeta = 0, alpha = 0, mid = 0;

    /* Lower-case ASCII only: ORDER BY follows the engine's collation. */
    TRY(create_tag(db, "zeta", &zeta));
    TRY(create_tag(db, "alpha", &alpha));
    TRY(create_tag(db, "mid", &mid));
    TRY(diun_list_tags(db, &arena, &tags, &n));
    CHECK_INT_EQ(n, 3);
    if (n != 3)
        goto out;
    CHECK_STR_EQ(tags[0].name, "alpha");
    CHECK_INT_EQ(tags[0].id, alpha);
    CHECK_STR_EQ(tags[1].name, "mid");
    CHECK_INT_EQ(tags[1].id, mid);
    CHECK_STR_EQ(tags[2].name, "zeta");
    CHECK_INT_EQ(tags[2].id, zeta);
out:
    keel_arena_free(&arena);
}

static void list_tags_on_empty_database_returns_no_rows(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_list_tags_row *tags = NULL;
    size_t n = 99;
    TRY(diun_list_tags(db, &arena, &tags, &n));
    CHECK_INT_EQ(n, 0);
out:
    keel_arena_free(&arena);
}

typedef struct tag_names_ctx {
    char names[4][32];
    size_t count;
    char stop_at; /* stop (returning -7) at the first name starting with it */
} tag_names_ctx;

static int collect_tag(const diun_list_tags_row *row, void *ctx)
{
    tag_names_ctx *c = ctx;
    if (c->count < 4)
        snprintf(c->names[c->count], sizeof c->names[0], "%s", row->name ? row->name : "(null)");
    c->count++;
    return c->stop_at != 0 && row->name != NULL && row->name[0] == c->stop_at ? -7 : 0;
}

static void list_tags_streaming_stops_when_callback_returns_nonzero(keel_db *db)
{
    tag_names_ctx c = { .stop_at = 'm' };
    int64_t id = 0;

    REQUIRE_OK(create_tag(db, "zeta", &id));
    REQUIRE_OK(create_tag(db, "alpha", &id));
    REQUIRE_OK(create_tag(db, "mid", &id));
    CHECK_INT_EQ(diun_list_tags_each(db, collect_tag, &c), -7);
    CHECK_INT_EQ(c.count, 2);
    CHECK_STR_EQ(c.names[0], "alpha");
    CHECK_STR_EQ(c.names[1], "mid");

    /* Returning 0 throughout visits every row and returns KEEL_OK. */
    REQUIRE_OK(create_tag(db, "beta", &id));
    tag_names_ctx all = { .stop_at = 0 };
    CHECK_CODE(diun_list_tags_each(db, collect_tag, &all), KEEL_OK);
    CHECK_INT_EQ(all.count, 4);
    CHECK_STR_EQ(all.names[1], "beta");
    CHECK_STR_EQ(all.names[3], "zeta");
}

static void delete_tag_removes_its_assignments(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    diun_list_tags_row *tags = NULL;
    size_t n = 0;
    int64_t infra = 0, web = 0, affected = -1;

    TRY(upsert(db, IMAGE_DIUN, "new"));
    TRY(upsert(db, IMAGE_NGINX, "new"));
    TRY(upsert(db, IMAGE_REDIS, "new"));
    TRY(create_tag(db, "infra", &infra));
    TRY(create_tag(db, "web", &web));
    TRY(assign(db, IMAGE_DIUN, infra));
    TRY(assign(db, IMAGE_REDIS, infra));
    TRY(assign(db, IMAGE_NGINX, web));

    TRY(diun_delete_tag(db, infra, &affected));
    CHECK_INT_EQ(affected, 1);

    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 3); /* images stay; only their assignments go */
    const diun_get_updates_row *diun = find_update(rows, n, IMAGE_DIUN);
    const diun_get_updates_row *redis = find_update(rows, n, IMAGE_REDIS);
    const diun_get_updates_row *nginx = find_update(rows, n, IMAGE_NGINX);
    TRY_FOUND(diun);
    TRY_FOUND(redis);
    TRY_FOUND(nginx);
    CHECK(!diun->tag_id.valid);
    CHECK(diun->tag_name == NULL);
    CHECK(!redis->tag_id.valid);
    CHECK(nginx->tag_id.valid);
    CHECK_INT_EQ(nginx->tag_id.value, web);
    CHECK_STR_EQ(nginx->tag_name, "web");

    /* The image is free to take a tag again: no assignment row survived. */
    TRY(assign(db, IMAGE_DIUN, web));
    affected = -1;
    TRY(diun_unassign_tag(db, IMAGE_REDIS, &affected));
    CHECK_INT_EQ(affected, 0);

    TRY(diun_list_tags(db, &arena, &tags, &n));
    CHECK_INT_EQ(n, 1);
out:
    keel_arena_free(&arena);
}

static void delete_unknown_tag_affects_zero_rows(keel_db *db)
{
    int64_t id = 0, affected = -1;
    REQUIRE_OK(diun_delete_tag(db, 424242, &affected));
    CHECK_INT_EQ(affected, 0);

    REQUIRE_OK(create_tag(db, "infra", &id));
    REQUIRE_OK(diun_delete_tag(db, id, &affected));
    CHECK_INT_EQ(affected, 1);
    affected = -1;
    REQUIRE_OK(diun_delete_tag(db, id, &affected)); /* already gone */
    CHECK_INT_EQ(affected, 0);
}

static void tag_exists_true_and_false(keel_db *db)
{
    diun_tag_exists_row row = { .tag_exists = true };
    int64_t id = 0;

    REQUIRE_OK(diun_tag_exists(db, 1, &row));
    CHECK(!row.tag_exists); /* :one on EXISTS always has a row */

    REQUIRE_OK(create_tag(db, "infra", &id));
    REQUIRE_OK(diun_tag_exists(db, id, &row));
    CHECK(row.tag_exists);
    REQUIRE_OK(diun_tag_exists(db, id + 1000, &row));
    CHECK(!row.tag_exists);
    REQUIRE_OK(diun_tag_exists(db, -1, &row));
    CHECK(!row.tag_exists);

    REQUIRE_OK(diun_delete_tag(db, id, NULL));
    row.tag_exists = true;
    REQUIRE_OK(diun_tag_exists(db, id, &row));
    CHECK(!row.tag_exists);
}

/* ------------------------------------------------------------------------
 * AssignTag, UnassignTag
 * ---------------------------------------------------------------------- */

static void assign_missing_tag_is_foreign_key_violation(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;

    TRY(upsert(db, IMAGE_DIUN, "new"));
    CHECK_CODE(assign(db, IMAGE_DIUN, 424242), KEEL_FOREIGN_KEY_VIOLATION);
    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(!r->tag_id.valid);
out:
    keel_arena_free(&arena);
}

static void assign_tag_to_unknown_image_is_foreign_key_violation(keel_db *db)
{
    int64_t id = 0, affected = -1;
    REQUIRE_OK(create_tag(db, "infra", &id));
    CHECK_CODE(assign(db, "docker.io/no/such:image", id), KEEL_FOREIGN_KEY_VIOLATION);
    REQUIRE_OK(diun_unassign_tag(db, "docker.io/no/such:image", &affected));
    CHECK_INT_EQ(affected, 0);
}

static void assign_tag_replaces_previous(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;
    int64_t infra = 0, web = 0, affected = -1;

    TRY(upsert(db, IMAGE_NGINX, "new"));
    TRY(create_tag(db, "infra", &infra));
    TRY(create_tag(db, "web", &web));
    TRY(assign(db, IMAGE_NGINX, infra));
    TRY(assign(db, IMAGE_NGINX, web)); /* no unique violation: it replaces */
    TRY(assign(db, IMAGE_NGINX, web)); /* idempotent */

    TRY(get_update(db, &arena, IMAGE_NGINX, &r));
    TRY_FOUND(r);
    CHECK(r->tag_id.valid);
    CHECK_INT_EQ(r->tag_id.value, web);
    CHECK_STR_EQ(r->tag_name, "web");

    /* Exactly one assignment exists: one unassign removes it. */
    TRY(diun_unassign_tag(db, IMAGE_NGINX, &affected));
    CHECK_INT_EQ(affected, 1);
out:
    keel_arena_free(&arena);
}

static void unassign_tag(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;
    diun_tag_exists_row exists = { false };
    int64_t id = 0, affected = -1;

    TRY(upsert(db, IMAGE_DIUN, "new"));
    TRY(create_tag(db, "infra", &id));
    TRY(assign(db, IMAGE_DIUN, id));
    TRY(diun_unassign_tag(db, IMAGE_DIUN, &affected));
    CHECK_INT_EQ(affected, 1);
    affected = -1;
    TRY(diun_unassign_tag(db, IMAGE_DIUN, &affected));
    CHECK_INT_EQ(affected, 0);
    TRY(diun_unassign_tag(db, IMAGE_DIUN, NULL));

    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(!r->tag_id.valid);
    CHECK(r->tag_name == NULL);
    TRY(diun_tag_exists(db, id, &exists));
    CHECK(exists.tag_exists); /* the tag itself stays */
out:
    keel_arena_free(&arena);
}

/* ------------------------------------------------------------------------
 * Values
 * ---------------------------------------------------------------------- */

static void null_and_empty_string_stay_distinct(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;
    diun_create_tag_row tag = { 0 };

    diun_upsert_event_params p = event(IMAGE_DIUN, "new");
    p.hub_link = "";
    p.mime_type = NULL;
    p.ctn_name = "";
    p.ctn_id = NULL;
    p.hostname = ""; /* NOT NULL accepts the empty string */
    TRY(diun_upsert_event(db, &p));

    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(r->hub_link != NULL);
    CHECK_STR_EQ(r->hub_link, "");
    CHECK(r->mime_type == NULL);
    CHECK(r->ctn_name != NULL);
    CHECK_STR_EQ(r->ctn_name, "");
    CHECK(r->ctn_id == NULL);
    CHECK(r->hostname != NULL);
    CHECK_STR_EQ(r->hostname, "");

    TRY(diun_create_tag(db, "", &arena, &tag));
    CHECK(tag.name != NULL);
    CHECK_STR_EQ(tag.name, "");
out:
    keel_arena_free(&arena);
}

#define UNICODE_TEXT "Ünïcødé 🚀 東京"

static void non_ascii_text_round_trips(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;
    diun_create_tag_row tag = { 0 };
    const char *image = "registry.example/ünïcødé/東京:🚀";
    int64_t affected = -1;

    diun_upsert_event_params p = event(image, "new");
    p.ctn_status = UNICODE_TEXT;
    p.hostname = "hôte-ß";
    TRY(diun_upsert_event(db, &p));
    TRY(diun_create_tag(db, UNICODE_TEXT, &arena, &tag));
    CHECK_STR_EQ(tag.name, UNICODE_TEXT);
    CHECK_INT_EQ(strlen(tag.name), strlen(UNICODE_TEXT)); /* byte for byte */
    TRY(assign(db, image, tag.id));

    TRY(get_update(db, &arena, image, &r));
    TRY_FOUND(r);
    CHECK_STR_EQ(r->image, image);
    CHECK_STR_EQ(r->ctn_status, UNICODE_TEXT);
    CHECK_STR_EQ(r->hostname, "hôte-ß");
    CHECK_STR_EQ(r->tag_name, UNICODE_TEXT);

    TRY(diun_acknowledge_update(db, image, &affected));
    CHECK_INT_EQ(affected, 1);
out:
    keel_arena_free(&arena);
}

static void quotes_and_sql_text_are_bound_not_spliced(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;
    diun_list_tags_row *tags = NULL;
    size_t n = 0;
    int64_t id = 0;
    const char *image = "it's \"quoted\"; DROP TABLE updates; --";
    const char *name = "$1 ? @name ' \\ %s";

    TRY(upsert(db, image, "new"));
    TRY(create_tag(db, name, &id));
    TRY(assign(db, image, id));
    TRY(get_update(db, &arena, image, &r));
    TRY_FOUND(r);
    CHECK_STR_EQ(r->image, image);
    CHECK_STR_EQ(r->tag_name, name);
    TRY(diun_list_tags(db, &arena, &tags, &n));
    CHECK_INT_EQ(n, 1);
out:
    keel_arena_free(&arena);
}

static void long_text_round_trips(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;
    size_t len = 256 * 1024;
    char *big = malloc(len + 1);
    CHECK(big != NULL);
    if (big == NULL)
        return;
    for (size_t i = 0; i < len; i++)
        big[i] = (char)('a' + i % 26);
    big[len] = '\0';

    diun_upsert_event_params p = event(IMAGE_DIUN, "new");
    p.ctn_status = big;
    TRY(diun_upsert_event(db, &p));
    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(r->ctn_status != NULL);
    CHECK_INT_EQ(r->ctn_status ? strlen(r->ctn_status) : 0, len);
    CHECK(r->ctn_status != NULL && memcmp(r->ctn_status, big, len) == 0);
out:
    keel_arena_free(&arena);
    free(big);
}

/* ------------------------------------------------------------------------
 * Generated functions inside transactions
 * ---------------------------------------------------------------------- */

static int upsert_then_duplicate_tag(keel_db *tx, void *ctx)
{
    (void)ctx;
    int64_t id = 0;
    int rc = upsert(tx, IMAGE_DIUN, "new");
    if (rc == KEEL_OK)
        rc = create_tag(tx, "infra", &id);
    if (rc == KEEL_OK)
        rc = assign(tx, IMAGE_DIUN, id);
    if (rc == KEEL_OK)
        rc = create_tag(tx, "infra", &id); /* fails: the whole tx goes */
    return rc;
}

static void failed_transaction_rolls_back_every_generated_write(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    diun_list_tags_row *tags = NULL;
    size_t n = 99;

    CHECK_CODE(keel_update(db, upsert_then_duplicate_tag, NULL), KEEL_UNIQUE_VIOLATION);
    TRY(diun_get_updates(db, &arena, &rows, &n));
    CHECK_INT_EQ(n, 0);
    n = 99;
    TRY(diun_list_tags(db, &arena, &tags, &n));
    CHECK_INT_EQ(n, 0);
out:
    keel_arena_free(&arena);
}

typedef struct view_ctx {
    size_t seen;
    int write_rc;
} view_ctx;

static int read_then_write(keel_db *tx, void *ctx)
{
    view_ctx *v = ctx;
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    int rc = diun_get_updates(tx, &arena, &rows, &v->seen);
    keel_arena_free(&arena);
    if (rc != KEEL_OK)
        return rc;
    v->write_rc = diun_acknowledge_update(tx, IMAGE_DIUN, NULL);
    return v->write_rc;
}

static void view_transaction_rejects_generated_writes_as_read_only(keel_db *db)
{
    keel_arena arena = KEEL_ARENA_INIT;
    const diun_get_updates_row *r;
    view_ctx v = { .seen = 0, .write_rc = KEEL_OK };

    TRY(upsert(db, IMAGE_DIUN, "new"));
    CHECK_CODE(keel_view(db, read_then_write, &v), KEEL_READ_ONLY);
    CHECK_INT_EQ(v.seen, 1);
    CHECK_CODE(v.write_rc, KEEL_READ_ONLY);
    TRY(get_update(db, &arena, IMAGE_DIUN, &r));
    TRY_FOUND(r);
    CHECK(r->acknowledged_at == NULL);
out:
    keel_arena_free(&arena);
}

typedef struct visibility_ctx {
    keel_db *other;
    int other_rc;
    size_t other_saw; /* rows the other handle saw while the tx was open */
} visibility_ctx;

static int count_updates(keel_db *db, size_t *n)
{
    keel_arena arena = KEEL_ARENA_INIT;
    diun_get_updates_row *rows = NULL;
    int rc = diun_get_updates(db, &arena, &rows, n);
    keel_arena_free(&arena);
    return rc;
}

static int upsert_and_look_from_outside(keel_db *tx, void *ctx)
{
    visibility_ctx *v = ctx;
    int rc = upsert(tx, IMAGE_DIUN, "new");
    if (rc == KEEL_OK)
        v->other_rc = count_updates(v->other, &v->other_saw);
    return rc;
}

static void other_handle_sees_upsert_only_after_commit(keel_db *db)
{
    /* Each sqlite-memory handle is its own database: nothing to share. */
    if (strcmp(keel_test_target(), "sqlite-memory") == 0)
        return;
    visibility_ctx v = { .other = NULL, .other_rc = -1, .other_saw = 99 };
    size_t after = 0;

    REQUIRE_OK(keel_open(&v.other, keel_test_dsn(), NULL));
    CHECK_CODE(keel_update(db, upsert_and_look_from_outside, &v), KEEL_OK);
    CHECK_CODE(v.other_rc, KEEL_OK);
    CHECK_INT_EQ(v.other_saw, 0); /* uncommitted work is not visible */
    CHECK_CODE(count_updates(v.other, &after), KEEL_OK);
    CHECK_INT_EQ(after, 1);
    keel_close(v.other);
}

/* ------------------------------------------------------------------------ */

static const keel_test_case cases[] = {
    KEEL_TEST(upsert_inserts_then_updates_in_place),
    KEEL_TEST(upsert_overwrites_optional_fields_including_null),
    KEEL_TEST(upsert_resets_acknowledgement),
    KEEL_TEST(upsert_null_required_field_is_not_null_violation),
    KEEL_TEST(acknowledge_sets_timestamp),
    KEEL_TEST(acknowledge_only_touches_its_image),
    KEEL_TEST(acknowledge_unknown_image_affects_zero_rows),
    KEEL_TEST(get_updates_on_empty_database_returns_no_rows),
    KEEL_TEST(get_updates_newest_first),
    KEEL_TEST(get_updates_left_join_tag_is_null_without_assignment),
    KEEL_TEST(get_updates_streaming_visits_every_row_like_many),
    KEEL_TEST(get_updates_streaming_stops_when_callback_returns_nonzero),
    KEEL_TEST(get_updates_returns_many_rows_in_one_arena),
    KEEL_TEST(create_tag_returns_id_and_name),
    KEEL_TEST(create_tag_twice_is_unique_violation),
    KEEL_TEST(create_tag_null_name_is_not_null_violation),
    KEEL_TEST(list_tags_sorted_by_name),
    KEEL_TEST(list_tags_on_empty_database_returns_no_rows),
    KEEL_TEST(list_tags_streaming_stops_when_callback_returns_nonzero),
    KEEL_TEST(delete_tag_removes_its_assignments),
    KEEL_TEST(delete_unknown_tag_affects_zero_rows),
    KEEL_TEST(tag_exists_true_and_false),
    KEEL_TEST(assign_missing_tag_is_foreign_key_violation),
    KEEL_TEST(assign_tag_to_unknown_image_is_foreign_key_violation),
    KEEL_TEST(assign_tag_replaces_previous),
    KEEL_TEST(unassign_tag),
    KEEL_TEST(null_and_empty_string_stay_distinct),
    KEEL_TEST(non_ascii_text_round_trips),
    KEEL_TEST(quotes_and_sql_text_are_bound_not_spliced),
    KEEL_TEST(long_text_round_trips),
    KEEL_TEST(failed_transaction_rolls_back_every_generated_write),
    KEEL_TEST(view_transaction_rejects_generated_writes_as_read_only),
    KEEL_TEST(other_handle_sees_upsert_only_after_commit),
};

int main(int argc, char **argv)
{
    return keel_test_main(argc, argv, cases, KEEL_TEST_COUNT(cases), &diun_schema);
}
