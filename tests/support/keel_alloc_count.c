/*
 * keel_alloc_count.c — the --wrap counting wrappers (see keel_alloc_count.h).
 */
#include "keel_alloc_count.h"

#include <malloc.h>
#include <stdatomic.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static _Atomic uint64_t allocs;
static _Atomic uint64_t frees;

static void count_alloc(void) { atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed); }

void *__wrap_malloc(size_t n)
{
    count_alloc();
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    count_alloc();
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    count_alloc();
    return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
    if (p != NULL)
        atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
    __real_free(p);
}

char *__wrap_strdup(const char *s)
{
    count_alloc();
    return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    count_alloc();
    return __real_strndup(s, n);
}

keel_alloc_counts keel_alloc_counts_now(void)
{
    return (keel_alloc_counts){ .allocs = atomic_load_explicit(&allocs, memory_order_relaxed),
                                .frees = atomic_load_explicit(&frees, memory_order_relaxed) };
}

size_t keel_heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}
