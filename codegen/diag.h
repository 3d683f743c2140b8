/*
 * Compiler-style diagnostics: "path:line:col: error: message", the source
 * line and a caret under the column, so editors can jump to them. Every
 * stage reports through here; the generator writes nothing when any error
 * was reported.
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
void diag_note(SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reported like an error, but the run still succeeds and writes its output. */
void diag_warning(SrcPos pos, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int diag_error_count(void);
void diag_reset(void); /* for callers that run the pipeline repeatedly */
void diag_set_output(FILE *f); /* default stderr; fuzzers silence it */

#endif
