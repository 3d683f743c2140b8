#include "tokenize.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>

#include "parse.h"

/* Names become C identifiers; nobody means one this long. */
#define MAX_IDENTIFIER 1024

typedef struct Keyword {
    const char *word;
    int code;
} Keyword;

/* Sorted for bsearch. Words that name types or functions (TEXT, INTEGER,
 * COUNT...) are not keywords: the grammar takes them as identifiers. */
static const Keyword keywords[] = {
    {"ABORT", TK_ABORT},
    {"ACTION", TK_ACTION},
    {"ADD", TK_ADD},
    {"ALL", TK_ALL},
    {"ALTER", TK_ALTER},
    {"ALWAYS", TK_ALWAYS},
    {"AND", TK_AND},
    {"AS", TK_AS},
    {"ASC", TK_ASC},
    {"AT", TK_AT},
    {"AUTOINCREMENT", TK_AUTOINCR},
    {"BETWEEN", TK_BETWEEN},
    {"BY", TK_BY},
    {"CASCADE", TK_CASCADE},
    {"CASE", TK_CASE},
    {"CAST", TK_CAST},
    {"CHECK", TK_CHECK},
    {"COLLATE", TK_COLLATE},
    {"COLUMN", TK_COLUMN},
    {"CONFLICT", TK_CONFLICT},
    {"CONSTRAINT", TK_CONSTRAINT},
    {"CREATE", TK_CREATE},
    {"CROSS", TK_CROSS},
    {"CURRENT_DATE", TK_CTIME_KW},
    {"CURRENT_TIME", TK_CTIME_KW},
    {"CURRENT_TIMESTAMP", TK_CTIME_KW},
    {"DEFAULT", TK_DEFAULT},
    {"DEFERRABLE", TK_DEFERRABLE},
    {"DEFERRED", TK_DEFERRED},
    {"DELETE", TK_DELETE},
    {"DESC", TK_DESC},
    {"DISTINCT", TK_DISTINCT},
    {"DO", TK_DO},
    {"DROP", TK_DROP},
    {"ELSE", TK_ELSE},
    {"END", TK_END},
    {"ESCAPE", TK_ESCAPE},
    {"EXCEPT", TK_EXCEPT},
    {"EXCLUDE", TK_EXCLUDE},
    {"EXISTS", TK_EXISTS},
    {"FAIL", TK_FAIL},
    {"FALSE", TK_FALSE},
    {"FETCH", TK_FETCH},
    {"FILTER", TK_FILTER},
    {"FIRST", TK_FIRST},
    {"FOR", TK_FOR},
    {"FOREIGN", TK_FOREIGN},
    {"FROM", TK_FROM},
    {"FULL", TK_FULL},
    {"GENERATED", TK_GENERATED},
    {"GLOB", TK_LIKE_KW},
    {"GROUP", TK_GROUP},
    {"GROUPING", TK_GROUPING},
    {"HAVING", TK_HAVING},
    {"IDENTITY", TK_IDENTITY},
    {"IF", TK_IF},
    {"IGNORE", TK_IGNORE},
    {"ILIKE", TK_LIKE_KW},
    {"IN", TK_IN},
    {"INCLUDE", TK_INCLUDE},
    {"INDEX", TK_INDEX},
    {"INDEXED", TK_INDEXED},
    {"INITIALLY", TK_INITIALLY},
    {"INNER", TK_INNER},
    {"INSERT", TK_INSERT},
    {"INTERSECT", TK_INTERSECT},
    {"INTO", TK_INTO},
    {"IS", TK_IS},
    {"ISNULL", TK_ISNULL},
    {"JOIN", TK_JOIN},
    {"KEY", TK_KEY},
    {"LAST", TK_LAST},
    {"LATERAL", TK_LATERAL},
    {"LEFT", TK_LEFT},
    {"LIKE", TK_LIKE_KW},
    {"LIMIT", TK_LIMIT},
    {"MATCH", TK_MATCH},
    {"NATURAL", TK_NATURAL},
    {"NO", TK_NO},
    {"NOT", TK_NOT},
    {"NOTHING", TK_NOTHING},
    {"NOTNULL", TK_NOTNULL},
    {"NULL", TK_NULL},
    {"NULLS", TK_NULLS},
    {"OFFSET", TK_OFFSET},
    {"ON", TK_ON},
    {"ONLY", TK_ONLY},
    {"OR", TK_OR},
    {"ORDER", TK_ORDER},
    {"OUTER", TK_OUTER},
    {"OVER", TK_OVER},
    {"OVERLAPS", TK_OVERLAPS},
    {"PARTITION", TK_PARTITION},
    {"PRIMARY", TK_PRIMARY},
    {"RECURSIVE", TK_RECURSIVE},
    {"REFERENCES", TK_REFERENCES},
    {"REGEXP", TK_LIKE_KW},
    {"RENAME", TK_RENAME},
    {"REPLACE", TK_REPLACE},
    {"RESTRICT", TK_RESTRICT},
    {"RETURNING", TK_RETURNING},
    {"RIGHT", TK_RIGHT},
    {"ROLLBACK", TK_ROLLBACK},
    {"ROWID", TK_ROWID},
    {"SELECT", TK_SELECT},
    {"SET", TK_SET},
    {"SIMILAR", TK_SIMILAR},
    {"STORED", TK_STORED},
    {"STRICT", TK_STRICT},
    {"SYMMETRIC", TK_SYMMETRIC},
    {"TABLE", TK_TABLE},
    {"TEMP", TK_TEMP},
    {"TEMPORARY", TK_TEMP},
    {"THEN", TK_THEN},
    {"TO", TK_TO},
    {"TRUE", TK_TRUE},
    {"TRUNCATE", TK_TRUNCATE},
    {"UNION", TK_UNION},
    {"UNIQUE", TK_UNIQUE},
    {"UPDATE", TK_UPDATE},
    {"USING", TK_USING},
    {"VALUES", TK_VALUES},
    {"VIEW", TK_VIEW},
    {"VIRTUAL", TK_VIRTUAL},
    {"WHEN", TK_WHEN},
    {"WHERE", TK_WHERE},
    {"WINDOW", TK_WINDOW},
    {"WITH", TK_WITH},
    {"WITHIN", TK_WITHIN},
    {"WITHOUT", TK_WITHOUT},
    {"ZONE", TK_ZONE},
};

int keyword_code(const char *z, int n)
{
    char buf[32];
    if (n <= 0 || n >= (int)sizeof buf)
        return TK_ID;
    for (int i = 0; i < n; i++)
        buf[i] = (char)toupper((unsigned char)z[i]);
    buf[n] = 0;
    size_t lo = 0, hi = sizeof keywords / sizeof keywords[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(buf, keywords[mid].word);
        if (c == 0)
            return keywords[mid].code;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return TK_ID;
}

void lexer_init(Lexer *lx, const SrcFile *file, size_t start, size_t end, int line, int col, Dialect dialect)
{
    lx->file = file;
    lx->pos = start;
    lx->end = end;
    lx->line = line;
    lx->col = col;
    lx->dialect = dialect;
    lx->prev = 0;
    lx->bracket_depth = 0;
}

size_t token_offset(const Token *t) { return (size_t)(t->z - t->pos.file->text); }

static int peek(const Lexer *lx, size_t ahead)
{
    size_t i = lx->pos + ahead;
    return i < lx->end ? (unsigned char)lx->file->text[i] : -1;
}

static void advance(Lexer *lx, size_t n)
{
    while (n-- > 0 && lx->pos < lx->end) {
        if (lx->file->text[lx->pos] == '\n') {
            lx->line++;
            lx->col = 1;
        } else {
            lx->col++;
        }
        lx->pos++;
    }
}

static bool is_ident_start(int c) { return c == '_' || isalpha(c) || c >= 0x80; }
static bool is_ident_char(int c) { return c == '_' || c == '$' || isalnum(c) || c >= 0x80; }

/* Scans a quoted run ending at `quote`, where a doubled quote is an escape.
 * backslash: E'' strings, where \x escapes the next byte. */
static bool scan_quoted(Lexer *lx, int quote, bool backslash)
{
    advance(lx, 1);
    for (;;) {
        int c = peek(lx, 0);
        if (c < 0)
            return false;
        if (backslash && c == '\\' && peek(lx, 1) >= 0) {
            advance(lx, 2);
            continue;
        }
        advance(lx, 1);
        if (c == quote) {
            if (peek(lx, 0) == quote) {
                advance(lx, 1);
                continue;
            }
            return true;
        }
    }
}

/* $tag$ ... $tag$ (PostgreSQL). Returns the tag length incl. both '$', or 0. */
static size_t dollar_tag_length(const Lexer *lx)
{
    size_t i = 1;
    int c = peek(lx, i);
    if (c == '$')
        return 2;
    if (!(c == '_' || isalpha(c) || c >= 0x80))
        return 0;
    while ((c = peek(lx, i)) >= 0 && (c == '_' || isalnum(c) || c >= 0x80))
        i++;
    return c == '$' ? i + 1 : 0;
}

static bool scan_dollar_quoted(Lexer *lx, size_t tag_len)
{
    const char *tag = lx->file->text + lx->pos;
    advance(lx, tag_len);
    while (lx->pos < lx->end) {
        if (lx->file->text[lx->pos] == '$' && lx->end - lx->pos >= tag_len &&
            memcmp(lx->file->text + lx->pos, tag, tag_len) == 0) {
            advance(lx, tag_len);
            return true;
        }
        advance(lx, 1);
    }
    return false;
}

static int scan_number(Lexer *lx)
{
    int type = TK_INTEGER;
    if (peek(lx, 0) == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'X') && isxdigit(peek(lx, 2))) {
        advance(lx, 2);
        while (isxdigit(peek(lx, 0)))
            advance(lx, 1);
        return TK_INTEGER;
    }
    while (isdigit(peek(lx, 0)) || (peek(lx, 0) == '_' && isdigit(peek(lx, 1))))
        advance(lx, 1);
    if (peek(lx, 0) == '.' && peek(lx, 1) != '.') {
        type = TK_FLOAT;
        advance(lx, 1);
        while (isdigit(peek(lx, 0)))
            advance(lx, 1);
    }
    if ((peek(lx, 0) == 'e' || peek(lx, 0) == 'E') &&
        (isdigit(peek(lx, 1)) || ((peek(lx, 1) == '+' || peek(lx, 1) == '-') && isdigit(peek(lx, 2))))) {
        type = TK_FLOAT;
        advance(lx, 2);
        while (isdigit(peek(lx, 0)))
            advance(lx, 1);
    }
    return type;
}

static int illegal(Lexer *lx, Token *t, const char *what)
{
    diag_error(t->pos, "%s", what);
    if (lx->pos == token_offset(t))
        advance(lx, 1);
    t->n = (int)(lx->pos - token_offset(t));
    t->type = TK_ILLEGAL;
    return TK_ILLEGAL;
}

/* Does a token of this type end an operand? Then a following `~` or `?`
 * is a binary operator (PostgreSQL's regex match, jsonb key test) rather
 * than bitwise NOT or a misplaced SQLite placeholder. Keywords that double
 * as names count, so a column called "key" still takes an operator. */
static bool ends_operand(int type)
{
    switch (type) {
    case TK_ID: case TK_STRING: case TK_INTEGER: case TK_FLOAT: case TK_BLOB: case TK_VARIABLE: case TK_RP:
    case TK_RBRACKET: case TK_NULL: case TK_TRUE: case TK_FALSE: case TK_END: case TK_CTIME_KW: case TK_KEY:
    case TK_ACTION: case TK_FIRST: case TK_LAST: case TK_NO: case TK_TEMP: case TK_ROWID: case TK_FILTER:
    case TK_REPLACE:
        return true;
    default:
        return false;
    }
}

static bool is_pg_op_char(int c) { return c >= 0 && c < 128 && c != 0 && strchr("+-*/<>=~!@#%^&|`?", c) != NULL; }

/* A PostgreSQL operator, scanned as the server does (scan.l): the longest
 * run of operator characters, not running into a comment, with trailing +
 * and - given back unless the run has a character only operators use
 * (so `a=-1` is `=` then `-1`). keel also stops before `@name` and before a
 * `?` that follows other characters, its placeholders. */
static int scan_pg_operator(Lexer *lx, Token *t)
{
    size_t start = lx->pos, n = 0;
    for (;;) {
        int c = peek(lx, n);
        if (!is_pg_op_char(c))
            break;
        int next = peek(lx, n + 1);
        if (n > 0 && ((c == '-' && next == '-') || (c == '/' && next == '*')))
            break;
        if (n > 0 && c == '@' && is_ident_start(next))
            break;
        if (n > 0 && c == '?' && lx->file->text[start + n - 1] != '@')
            break;
        n++;
    }
    const char *z = lx->file->text + start;
    if (n > 1 && (z[n - 1] == '+' || z[n - 1] == '-')) {
        bool special = false;
        for (size_t i = 0; i < n; i++)
            special |= strchr("~!@#%^&|`?", z[i]) != NULL;
        while (!special && n > 1 && (z[n - 1] == '+' || z[n - 1] == '-'))
            n--;
    }
    static const struct { const char *op; int type; } known[] = {
        {"=", TK_EQ}, {"<>", TK_NE}, {"!=", TK_NE}, {"<", TK_LT}, {">", TK_GT}, {"<=", TK_LE}, {">=", TK_GE},
        {"+", TK_PLUS}, {"-", TK_MINUS}, {"*", TK_STAR}, {"/", TK_SLASH}, {"%", TK_REM}, {"||", TK_CONCAT},
        {"<<", TK_LSHIFT}, {">>", TK_RSHIFT}, {"&", TK_BITAND}, {"|", TK_BITOR}, {"->", TK_PTR}, {"->>", TK_PTR},
        {"=>", TK_NAMEARG},
    };
    int type = TK_OP;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].op) == n && memcmp(known[i].op, z, n) == 0)
            type = known[i].type;
    if (n == 1 && (z[0] == '~' || z[0] == '?') && !ends_operand(lx->prev))
        type = z[0] == '~' ? TK_BITNOT : TK_VARIABLE;
    advance(lx, n);
    t->n = (int)n;
    t->type = type;
    return type;
}

static int lex_one(Lexer *lx, Token *t);

int lexer_next(Lexer *lx, Token *t)
{
    int type = lex_one(lx, t);
    if (type != TK_SPACE && type != TK_COMMENT && type != 0) {
        lx->prev = type;
        if (type == TK_LBRACKET)
            lx->bracket_depth++;
        else if (type == TK_RBRACKET && lx->bracket_depth > 0)
            lx->bracket_depth--;
    }
    return type;
}

static int lex_one(Lexer *lx, Token *t)
{
    t->z = lx->file->text + lx->pos;
    t->pos.file = lx->file;
    t->pos.line = lx->line;
    t->pos.col = lx->col;
    t->n = 0;
    int c = peek(lx, 0);
    int type;
    if (c < 0) {
        t->type = 0;
        return 0;
    }
    if (lx->dialect == DIALECT_POSTGRES && is_pg_op_char(c) && !(c == '-' && peek(lx, 1) == '-') &&
        !(c == '/' && peek(lx, 1) == '*') && !(c == '@' && is_ident_start(peek(lx, 1))) &&
        !(c == '?' && isdigit(peek(lx, 1))))
        return scan_pg_operator(lx, t);
    switch (c) {
    case ' ': case '\t': case '\n': case '\r': case '\f': case '\v':
        while ((c = peek(lx, 0)) >= 0 && isspace(c))
            advance(lx, 1);
        type = TK_SPACE;
        break;
    case '-':
        if (peek(lx, 1) == '-') {
            while ((c = peek(lx, 0)) >= 0 && c != '\n')
                advance(lx, 1);
            type = TK_COMMENT;
        } else if (peek(lx, 1) == '>') {
            advance(lx, peek(lx, 2) == '>' ? 3 : 2);
            type = TK_PTR;
        } else {
            advance(lx, 1);
            type = TK_MINUS;
        }
        break;
    case '/':
        if (peek(lx, 1) == '*') {
            /* PostgreSQL nests block comments; SQLite does not. */
            int depth = 0;
            advance(lx, 2);
            for (;;) {
                if (peek(lx, 0) < 0)
                    return illegal(lx, t, "unterminated /* comment");
                if (peek(lx, 0) == '*' && peek(lx, 1) == '/') {
                    advance(lx, 2);
                    if (depth-- == 0)
                        break;
                } else if (lx->dialect == DIALECT_POSTGRES && peek(lx, 0) == '/' && peek(lx, 1) == '*') {
                    advance(lx, 2);
                    depth++;
                } else {
                    advance(lx, 1);
                }
            }
            type = TK_COMMENT;
        } else {
            advance(lx, 1);
            type = TK_SLASH;
        }
        break;
    case '(': advance(lx, 1); type = TK_LP; break;
    case ')': advance(lx, 1); type = TK_RP; break;
    case ';': advance(lx, 1); type = TK_SEMI; break;
    case ',': advance(lx, 1); type = TK_COMMA; break;
    case '+': advance(lx, 1); type = TK_PLUS; break;
    case '*': advance(lx, 1); type = TK_STAR; break;
    case '%': advance(lx, 1); type = TK_REM; break;
    case '~': advance(lx, 1); type = TK_BITNOT; break;
    case '&': advance(lx, 1); type = TK_BITAND; break;
    case '[':
        if (lx->dialect == DIALECT_SQLITE) {
            /* [identifier], an MS-Access-ism SQLite keeps */
            while ((c = peek(lx, 0)) >= 0 && c != ']')
                advance(lx, 1);
            if (c < 0)
                return illegal(lx, t, "unterminated [identifier]");
            advance(lx, 1);
            type = TK_ID;
        } else {
            advance(lx, 1);
            type = TK_LBRACKET;
        }
        break;
    case ']': advance(lx, 1); type = TK_RBRACKET; break;
    case '=':
        advance(lx, peek(lx, 1) == '=' ? 2 : 1);
        type = TK_EQ;
        break;
    case '<':
        if (peek(lx, 1) == '=') { advance(lx, 2); type = TK_LE; }
        else if (peek(lx, 1) == '>') { advance(lx, 2); type = TK_NE; }
        else if (peek(lx, 1) == '<') { advance(lx, 2); type = TK_LSHIFT; }
        else { advance(lx, 1); type = TK_LT; }
        break;
    case '>':
        if (peek(lx, 1) == '=') { advance(lx, 2); type = TK_GE; }
        else if (peek(lx, 1) == '>') { advance(lx, 2); type = TK_RSHIFT; }
        else { advance(lx, 1); type = TK_GT; }
        break;
    case '!':
        if (peek(lx, 1) != '=')
            return illegal(lx, t, "unexpected character '!'");
        advance(lx, 2);
        type = TK_NE;
        break;
    case '|':
        if (peek(lx, 1) == '|') { advance(lx, 2); type = TK_CONCAT; }
        else { advance(lx, 1); type = TK_BITOR; }
        break;
    case '.':
        if (isdigit(peek(lx, 1))) {
            (void)scan_number(lx);
            type = TK_FLOAT;
        } else {
            advance(lx, 1);
            type = TK_DOT;
        }
        break;
    case '\'':
        if (!scan_quoted(lx, '\'', false))
            return illegal(lx, t, "unterminated string literal");
        type = TK_STRING;
        break;
    case '"':
        if (!scan_quoted(lx, '"', false))
            return illegal(lx, t, "unterminated quoted identifier");
        if (lx->pos - token_offset(t) > MAX_IDENTIFIER + 2)
            return illegal(lx, t, "identifier longer than 1024 bytes");
        type = TK_ID;
        break;
    case '`':
        if (!scan_quoted(lx, '`', false))
            return illegal(lx, t, "unterminated `identifier`");
        type = TK_ID;
        break;
    case '?':
        advance(lx, 1);
        while (isdigit(peek(lx, 0)))
            advance(lx, 1);
        type = TK_VARIABLE;
        break;
    case ':':
        if (peek(lx, 1) == ':') {
            advance(lx, 2);
            type = TK_CAST_OP;
        } else if (lx->dialect == DIALECT_POSTGRES && peek(lx, 1) == '=') {
            advance(lx, 2); /* f(name := value) */
            type = TK_NAMEARG;
        } else if (lx->dialect == DIALECT_POSTGRES && lx->bracket_depth > 0) {
            advance(lx, 1); /* a[lo:hi] */
            type = TK_COLON;
        } else if (is_ident_start(peek(lx, 1))) {
            advance(lx, 1);
            while (is_ident_char(peek(lx, 0)))
                advance(lx, 1);
            type = TK_VARIABLE;
        } else {
            return illegal(lx, t, "unexpected character ':'");
        }
        break;
    case '@':
        if (!is_ident_start(peek(lx, 1)))
            return illegal(lx, t, "expected a parameter name after '@'");
        advance(lx, 1);
        while (is_ident_char(peek(lx, 0)) && peek(lx, 0) != '$')
            advance(lx, 1);
        type = TK_VARIABLE;
        break;
    case '$':
        if (isdigit(peek(lx, 1))) {
            advance(lx, 1);
            while (isdigit(peek(lx, 0)))
                advance(lx, 1);
            type = TK_VARIABLE;
        } else if (lx->dialect == DIALECT_POSTGRES) {
            size_t tag = dollar_tag_length(lx);
            if (tag == 0 && is_ident_start(peek(lx, 1)))
                return illegal(lx, t, "\"$name\" is not a PostgreSQL parameter; use $1, $2, ... or @name");
            if (tag == 0)
                return illegal(lx, t, "unexpected character '$'");
            if (!scan_dollar_quoted(lx, tag))
                return illegal(lx, t, "unterminated dollar-quoted string");
            type = TK_STRING;
        } else if (is_ident_start(peek(lx, 1))) {
            advance(lx, 1);
            while (is_ident_char(peek(lx, 0)) || peek(lx, 0) == ':')
                advance(lx, 1);
            type = TK_VARIABLE;
        } else {
            return illegal(lx, t, "unexpected character '$'");
        }
        break;
    default:
        if (isdigit(c)) {
            type = scan_number(lx);
            if (is_ident_start(peek(lx, 0)))
                return illegal(lx, t, "malformed number");
        } else if ((c == 'x' || c == 'X') && peek(lx, 1) == '\'') {
            advance(lx, 1);
            if (!scan_quoted(lx, '\'', false))
                return illegal(lx, t, "unterminated blob literal");
            type = TK_BLOB;
        } else if ((c == 'e' || c == 'E') && peek(lx, 1) == '\'' && lx->dialect == DIALECT_POSTGRES) {
            advance(lx, 1);
            if (!scan_quoted(lx, '\'', true))
                return illegal(lx, t, "unterminated string literal");
            type = TK_STRING;
        } else if (is_ident_start(c)) {
            while (is_ident_char(peek(lx, 0)) && !(peek(lx, 0) == '$' && lx->dialect == DIALECT_SQLITE))
                advance(lx, 1);
            if (lx->pos - token_offset(t) > MAX_IDENTIFIER)
                return illegal(lx, t, "identifier longer than 1024 bytes");
            t->n = (int)(lx->pos - token_offset(t));
            type = keyword_code(t->z, t->n);
            if (type == TK_ID && lx->dialect == DIALECT_POSTGRES && t->n == 5 && strncasecmp(t->z, "array", 5) == 0) {
                /* ARRAY[...] and ARRAY(SELECT ...); a column may still be called array */
                size_t i = 0;
                while (isspace(peek(lx, i)))
                    i++;
                if (peek(lx, i) == '[' || peek(lx, i) == '(')
                    type = TK_ARRAY;
            }
        } else if (c == 0) {
            return illegal(lx, t, "NUL byte in SQL text");
        } else {
            char msg[48];
            snprintf(msg, sizeof msg, "unexpected character '%c'", isprint(c) ? c : '?');
            return illegal(lx, t, msg);
        }
        break;
    }
    t->n = (int)(lx->pos - token_offset(t));
    t->type = type;
    return type;
}

int lexer_next_significant(Lexer *lx, Token *t)
{
    int type;
    do
        type = lexer_next(lx, t);
    while (type == TK_SPACE || type == TK_COMMENT);
    return type;
}
