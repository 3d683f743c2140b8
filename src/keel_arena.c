/*
 * keel_arena.c — a chunked bump allocator for result data.
 *
 * Rows of a :many result are many small strings freed all at once, which is
 * exactly what a bump allocator is good at. Chunks double in size (8 KiB up
 * to 1 MiB), so a large result costs a handful of mallocs, not one per
 * 8 KiB. Requests larger than a quarter of the current chunk get a block of
 * their own, so one big blob neither wastes the rest of a chunk nor forces
 * huge chunks. keel_arena_reset keeps the newest chunk, the largest, so a
 * reused arena stops allocating once it has grown to fit.
 */
#include "keel.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { FIRST_CHUNK = 8192, MAX_CHUNK = 1024 * 1024 };

struct keel_arena_block {
    keel_arena_block *next;
    size_t size; /* usable bytes in data */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

static keel_arena_block *new_block(size_t size)
{
    if (size > SIZE_MAX - sizeof(keel_arena_block))
        return NULL;
    keel_arena_block *b = malloc(sizeof(keel_arena_block) + size);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *keel_arena_alloc(keel_arena *a, size_t size)
{
    if (a == NULL)
        return NULL;
    const size_t align = alignof(max_align_t);
    /* Zero-byte requests still get a distinct pointer: an empty blob is not NULL. */
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - align)
        return NULL;
    size = (size + align - 1) & ~(align - 1);

    keel_arena_block *head = a->head;
    if (head != NULL && head->size - head->used >= size) {
        void *p = head->data + head->used;
        head->used += size;
        return p;
    }
    size_t chunk = FIRST_CHUNK;
    if (head != NULL)
        chunk = head->size >= MAX_CHUNK / 2 ? MAX_CHUNK : head->size * 2 < FIRST_CHUNK ? FIRST_CHUNK : head->size * 2;
    if (size > chunk / 4) {
        keel_arena_block *b = new_block(size);
        if (b == NULL)
            return NULL;
        b->used = size;
        /* Behind the head, so the head's free space stays in use. */
        if (head != NULL) {
            b->next = head->next;
            head->next = b;
        } else {
            a->head = b;
        }
        return b->data;
    }
    keel_arena_block *b = new_block(chunk);
    if (b == NULL)
        return NULL;
    b->next = head;
    a->head = b;
    b->used = size;
    return b->data;
}

void *keel_arena_memdup(keel_arena *a, const void *p, size_t n)
{
    if (p == NULL)
        return NULL;
    void *copy = keel_arena_alloc(a, n);
    if (copy != NULL && n > 0)
        memcpy(copy, p, n);
    return copy;
}

char *keel_arena_strndup(keel_arena *a, const char *s, size_t n)
{
    if (s == NULL || n == SIZE_MAX)
        return NULL;
    char *copy = keel_arena_alloc(a, n + 1);
    if (copy == NULL)
        return NULL;
    if (n > 0)
        memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

static void free_blocks(keel_arena_block *b)
{
    while (b != NULL) {
        keel_arena_block *next = b->next;
        free(b);
        b = next;
    }
}

void keel_arena_free(keel_arena *a)
{
    if (a == NULL)
        return;
    free_blocks(a->head);
    a->head = NULL;
}

void keel_arena_reset(keel_arena *a)
{
    if (a == NULL || a->head == NULL)
        return;
    free_blocks(a->head->next);
    a->head->next = NULL;
    a->head->used = 0;
}
