/*
 * notes: a program on a keel repository. Opens the database its argument
 * names, applies the migrations, adds two notes, reads one back, looks for
 * one that does not exist, and lists them all.
 *
 *   notes notes.db                         a SQLite file (or :memory:)
 *   notes postgres://localhost/notes       PostgreSQL (or "host=... dbname=...")
 *
 * notes.h is generated from db/schema and db/queries at build time.
 */
#include <inttypes.h>
#include <stdio.h>

#include "notes.h"

/*
 * Deliberately unused. This example compiles with -Wall, so it warns; when
 * keel is built inside the same project (add_subdirectory, FetchContent),
 * keel's own -Werror must not reach this file and turn it into an error
 * (tests/install/examples.sh builds it that way).
 */
static int unused_on_purpose;

static const char *body_or_none(const char *body)
{
    return body ? body : "(no body)";
}

static int report(keel_db *db, const char *what, int code)
{
    fprintf(stderr, "notes: %s: %s: %s\n", what, keel_code_name(code), keel_errmsg(db));
    return 1;
}

static int run(keel_db *db, keel_arena *arena)
{
    int rc = keel_migrate(db, &notes_schema);
    if (rc != KEEL_OK)
        return report(db, "migrate", rc);
    printf("engine: %s\n", keel_db_dialect(db) == KEEL_DIALECT_POSTGRES ? "PostgreSQL" : "SQLite");

    const notes_create_note_params new_notes[] = {
        { .title = "shopping", .body = "milk, eggs" },
        { .title = "call the plumber", .body = NULL }, /* SQL NULL */
    };
    int64_t last_id = 0;
    for (size_t i = 0; i < sizeof new_notes / sizeof new_notes[0]; i++) {
        notes_create_note_row note;
        rc = notes_create_note(db, &new_notes[i], arena, &note);
        if (rc != KEEL_OK)
            return report(db, "create", rc);
        printf("created %" PRId64 ": %s: %s\n", note.id, note.title, body_or_none(note.body));
        last_id = note.id;
    }

    notes_get_note_row got;
    rc = notes_get_note(db, last_id, arena, &got);
    if (rc != KEEL_OK)
        return report(db, "get", rc);
    printf("get %" PRId64 ": %s: %s\n", got.id, got.title, body_or_none(got.body));

    rc = notes_get_note(db, last_id + 1, arena, &got);
    if (rc != KEEL_NOT_FOUND)
        return report(db, "get a missing note", rc);
    printf("get %" PRId64 ": not found\n", last_id + 1);

    notes_list_notes_row *rows;
    size_t n_rows;
    rc = notes_list_notes(db, arena, &rows, &n_rows);
    if (rc != KEEL_OK)
        return report(db, "list", rc);
    printf("list: %zu notes\n", n_rows);
    for (size_t i = 0; i < n_rows; i++)
        printf("  %" PRId64 " %s: %s\n", rows[i].id, rows[i].title, body_or_none(rows[i].body));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: notes DSN   (a SQLite file, :memory:, or a PostgreSQL URL or key=value string)\n", stderr);
        return 2;
    }
    keel_db *db = NULL;
    int rc = keel_open(&db, argv[1], NULL);
    int status = rc == KEEL_OK ? 0 : report(db, "open", rc);
    if (status == 0) {
        keel_arena arena = KEEL_ARENA_INIT; /* every row's text lives here */
        status = run(db, &arena);
        keel_arena_free(&arena);
    }
    keel_close(db);
    return status;
}
