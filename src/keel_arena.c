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

_Static_assert(KEEL_ARENA_ALIGN % alignof(max_align_t) == 0, "KEEL_ARENA_ALIGN must be a multiple of max_align_t's");
_Static_assert(FIRST_CHUNK % KEEL_ARENA_ALIGN == 0, "chunks keep the free space aligned");

/* The head block's free space is the arena's next..end; a block behind the head is full. */
struct keel_arena_block {
    keel_arena_block *next;
    size_t size; /* usable bytes in data, a multiple of KEEL_ARENA_ALIGN */
    alignas(KEEL_ARENA_ALIGN) unsigned char data[];
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
    return b;
}

/* Called by keel_arena_alloc (keel.h) when the head block has no room, or for size 0. */
void *keel_arena_alloc_block(keel_arena *a, size_t size)
{
    if (a == NULL)
        return NULL;
    const size_t align = KEEL_ARENA_ALIGN;
    /* Zero-byte requests still get a distinct pointer: an empty blob is not NULL. */
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - align)
        return NULL;
    size = (size + align - 1) & ~(align - 1);

    keel_arena_block *head = a->head;
    if (head != NULL && (size_t)(a->end - a->next) >= size) { /* size 0 rounded up, with room */
        void *p = a->next;
        a->next += size;
        return p;
    }
    size_t chunk = FIRST_CHUNK;
    if (head != NULL)
        chunk = head->size >= MAX_CHUNK / 2 ? MAX_CHUNK : head->size * 2 < FIRST_CHUNK ? FIRST_CHUNK : head->size * 2;
    if (size > chunk / 4) {
        keel_arena_block *b = new_block(size);
        if (b == NULL)
            return NULL;
        /* Behind the head, so the head's free space stays in use. */
        if (head != NULL) {
            b->next = head->next;
            head->next = b;
        } else {
            /* The only block, and full: the next request starts a chunk. */
            a->head = b;
            a->next = a->end = b->data + size;
        }
        return b->data;
    }
    keel_arena_block *b = new_block(chunk);
    if (b == NULL)
        return NULL;
    b->next = head;
    a->head = b;
    a->next = b->data + size;
    a->end = b->data + chunk;
    return b->data;
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
    a->next = a->end = NULL;
}

void keel_arena_reset(keel_arena *a)
{
    if (a == NULL || a->head == NULL)
        return;
    free_blocks(a->head->next);
    a->head->next = NULL;
    a->next = a->head->data;
    a->end = a->head->data + a->head->size;
}
