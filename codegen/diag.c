#include "diag.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int error_count, warning_count;
static FILE *diag_out;
static void (*error_hook)(SrcPos pos);
static DiagFormat diag_fmt = DIAG_GCC;

void diag_set_format(DiagFormat format) { diag_fmt = format; }

DiagFormat diag_format(void) { return diag_fmt; }

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

/* A JSON string. Messages quote source text, which need not be valid
 * UTF-8: such bytes become U+FFFD so every line stays valid JSON. */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        int n = utf8_length((const unsigned char *)s + i, len - i);
        if (n == 0) {
            fputs("\\ufffd", f);
            i++;
        } else if (n > 1) {
            fwrite(s + i, 1, (size_t)n, f);
            i += (size_t)n;
        } else {
            if (c == '"' || c == '\\')
                fprintf(f, "\\%c", c);
            else if (c == '\n')
                fputs("\\n", f);
            else if (c == '\t')
                fputs("\\t", f);
            else if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
            i++;
        }
    }
    fputc('"', f);
}

static void report_json(const char *kind, SrcPos pos, const char *fmt, va_list ap)
{
    StrBuf msg = {0};
    sb_vprintf(&msg, fmt, ap);
    FILE *f = out();
    fputs("{\"file\":", f);
    if (pos.file) {
        put_json_string(f, pos.file->path);
        fprintf(f, ",\"line\":%d,\"column\":%d", pos.line, pos.col);
    } else {
        fputs("null,\"line\":null,\"column\":null", f);
    }
    fputs(",\"severity\":", f);
    put_json_string(f, kind);
    fputs(",\"message\":", f);
    put_json_string(f, msg.s ? msg.s : "");
    fputs("}\n", f);
    sb_free(&msg);
}

static void report(const char *kind, SrcPos pos, const char *fmt, va_list ap)
{
    if (diag_fmt == DIAG_JSON) {
        report_json(kind, pos, fmt, ap);
        return;
    }
    if (pos.file)
        fprintf(out(), "%s:%d:%d: %s: ", pos.file->path, pos.line, pos.col, kind);
    else
        fprintf(out(), "keel: %s: ", kind);
    vfprintf(out(), fmt, ap);
    fputc('\n', out());
    if (pos.file && pos.line > 0)
        show_source_line(pos);
}

/* Trial runs (diag_quiet_begin/end): errors are counted apart, never shown. */
static int quiet_depth, quiet_errors;

void diag_quiet_begin(void) { quiet_depth++; }

int diag_quiet_end(void)
{
    int n = quiet_errors;
    if (--quiet_depth == 0)
        quiet_errors = 0;
    return n;
}

void diag_error(SrcPos pos, const char *fmt, ...)
{
    if (quiet_depth > 0) {
        quiet_errors++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    report("error", pos, fmt, ap);
    va_end(ap);
    error_count++;
    static bool in_hook;
    if (error_hook && !in_hook) {
        in_hook = true;
        error_hook(pos);
        in_hook = false;
    }
}

void diag_set_error_hook(void (*hook)(SrcPos pos)) { error_hook = hook; }

void diag_warning(SrcPos pos, const char *fmt, ...)
{
    if (quiet_depth > 0) /* a trial run says nothing */
        return;
    va_list ap;
    va_start(ap, fmt);
    report("warning", pos, fmt, ap);
    va_end(ap);
    warning_count++;
}

void diag_note(SrcPos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("note", pos, fmt, ap);
    va_end(ap);
}

int diag_error_count(void) { return error_count; }

int diag_warning_count(void) { return warning_count; }

void diag_reset(void) { error_count = warning_count = 0; }

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
