#include "diag.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int error_count;
static FILE *diag_out;

void diag_set_output(FILE *f) { diag_out = f; }

static FILE *out(void) { return diag_out ? diag_out : stderr; }

/* The line under a diagnostic, with a caret at the column. A long line is
 * shown as a window around the caret, so a 10 kB line stays readable. */
static void show_source_line(SrcPos pos)
{
    enum { WIDTH = 100 };
    const char *text = pos.file->text;
    const char *end = text + pos.file->len;
    const char *p = text;
    for (int line = 1; line < pos.line && p < end; p++)
        if (*p == '\n')
            line++;
    const char *eol = p;
    while (eol < end && *eol != '\n' && *eol != '\r')
        eol++;
    const char *caret = p + (pos.col > 0 ? pos.col - 1 : 0);
    if (caret > eol)
        caret = eol;
    const char *from = p, *to = eol;
    if (eol - p > WIDTH) {
        from = caret - p > WIDTH / 2 ? caret - WIDTH / 2 : p;
        to = eol - from > WIDTH ? from + WIDTH : eol;
    }
    fputs(from > p ? " ..." : " ", out());
    /* bytes that are not UTF-8 show as '?': the terminal gets valid text */
    for (const char *q = from; q < to;) {
        int n = utf8_length((const unsigned char *)q, (size_t)(to - q));
        if (n == 0 || (unsigned char)*q < 0x20) {
            fputc(*q == '\t' || *q == 0 ? ' ' : '?', out());
            q++;
        } else {
            fwrite(q, 1, (size_t)n, out());
            q += n;
        }
    }
    fputs(to < eol ? "...\n " : "\n ", out());
    for (const char *q = from > p ? from - 3 : from; q < caret; q++)
        fputc(' ', out());
    fputs("^\n", out());
}

static void report(const char *kind, SrcPos pos, const char *fmt, va_list ap)
{
    if (pos.file)
        fprintf(out(), "%s:%d:%d: %s: ", pos.file->path, pos.line, pos.col, kind);
    else
        fprintf(out(), "keel: %s: ", kind);
    vfprintf(out(), fmt, ap);
    fputc('\n', out());
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

void diag_warning(SrcPos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("warning", pos, fmt, ap);
    va_end(ap);
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
