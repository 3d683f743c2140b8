#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int error_count;

static void show_source_line(SrcPos pos)
{
    const char *text = pos.file->text;
    const char *end = text + pos.file->len;
    const char *p = text;
    for (int line = 1; line < pos.line && p < end; p++)
        if (*p == '\n')
            line++;
    const char *eol = p;
    while (eol < end && *eol != '\n' && *eol != '\r')
        eol++;
    fputc(' ', stderr);
    for (const char *q = p; q < eol; q++)
        fputc(*q == '\t' ? ' ' : (*q == 0 ? ' ' : *q), stderr);
    fputs("\n ", stderr);
    for (int i = 1; i < pos.col && p + i - 1 < eol; i++)
        fputc(' ', stderr);
    fputs("^\n", stderr);
}

static void report(const char *kind, SrcPos pos, const char *fmt, va_list ap)
{
    if (pos.file)
        fprintf(stderr, "%s:%d:%d: %s: ", pos.file->path, pos.line, pos.col, kind);
    else
        fprintf(stderr, "keel: %s: ", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    if (pos.file && pos.line > 0)
        show_source_line(pos);
}

void diag_error(SrcPos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("error", pos, fmt, ap);
    va_end(ap);
    error_count++;
}

void diag_note(SrcPos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("note", pos, fmt, ap);
    va_end(ap);
}

int diag_error_count(void) { return error_count; }

void diag_reset(void) { error_count = 0; }

SrcPos srcpos_at(const SrcFile *file, size_t offset)
{
    SrcPos p = {file, 1, 1};
    for (size_t i = 0; i < offset && i < file->len; i++) {
        if (file->text[i] == '\n') {
            p.line++;
            p.col = 1;
        } else {
            p.col++;
        }
    }
    return p;
}
