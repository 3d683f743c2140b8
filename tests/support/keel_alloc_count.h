/*
 * keel_alloc_count.h — counts the heap calls of the code linked statically
 * into a binary (libkeel, generated repositories, the binary's own code),
 * for the allocation tests and the benchmark.
 *
 * It works through the linker's --wrap: a binary that links the
 * keel_alloc_count library has every malloc/calloc/realloc/free/strdup/
 * strndup reference of its static objects routed through counting
 * wrappers. Shared libraries (libsqlite3, libpq, libc itself) call the real
 * functions, so the counts are keel's own allocations, not the engines'.
 */
#ifndef KEEL_ALLOC_COUNT_H
#define KEEL_ALLOC_COUNT_H

#include <stddef.h>
#include <stdint.h>

typedef struct keel_alloc_counts {
    uint64_t allocs; /* malloc, calloc, realloc, strdup, strndup */
    uint64_t frees;  /* free of a non-NULL pointer */
} keel_alloc_counts;

keel_alloc_counts keel_alloc_counts_now(void);

/* Bytes the whole process has allocated right now (glibc mallinfo2: every
 * library's allocations, not only keel's); 0 where unavailable. */
size_t keel_heap_in_use(void);

#endif /* KEEL_ALLOC_COUNT_H */
