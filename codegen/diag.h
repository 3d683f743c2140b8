/*
 * Compiler-style diagnostics: "path:line:col: error: message", the source
 * line and a caret under the column, so editors can jump to them. Every
 * stage reports through here; the generator writes nothing when any error
 * was reported. With DIAG_JSON (--diagnostics-format=json) each diagnostic
 * is instead one JSON object on one line, for editors and CI annotations.
 */
#ifndef KEEL_CODEGEN_DIAG_H
#define KEEL_CODEGEN_DIAG_H

#include <stddef.h>
#include <stdio.h>

typedef struct SrcFile {
    char *path;    /* as given on the command line, joined with the file name */
    char *display; /* stable, machine-independent name for generated comments */
    char *text;    /* NUL-terminated contents */
    size_t len;
} SrcFile;

/* A position in a source file; file NULL means "no position". */
typedef struct SrcPos {
    const SrcFile *file;
    int line, col; /* 1-based; col counts bytes */
} SrcPos;

/* The position of byte `offset` of a file. */
SrcPos srcpos_at(const SrcFile *file, size_t offset);

void diag_error(SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Warnings are reported but never fail a run. */
void diag_warning(SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_note(SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reported like an error, but the run still succeeds and writes its output. */
void diag_warning(SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int diag_error_count(void);
/* Called after each error shown (not in trials), to add a note that only
 * the caller can word: the common-SQL stage names the rejecting dialect. */
void diag_set_error_hook(void (*hook)(SrcPos pos));

/* A trial: errors reported between begin and end are neither shown nor
 * counted; end returns how many there were. For statements keel models
 * when it can and keeps opaque otherwise. */
void diag_quiet_begin(void);
int diag_quiet_end(void);
int diag_warning_count(void);
void diag_reset(void); /* for callers that run the pipeline repeatedly */
void diag_set_output(FILE *f); /* default stderr; fuzzers silence it */

typedef enum DiagFormat {
    DIAG_GCC,  /* path:line:col: severity: message, source line, caret */
    DIAG_JSON, /* {"file":..,"line":..,"column":..,"severity":..,"message":..} per line */
} DiagFormat;
void diag_set_format(DiagFormat format);
DiagFormat diag_format(void);

#endif
