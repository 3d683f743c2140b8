/*
 * keel_batch.h — between the engine-neutral part of batches (keel_batch.c:
 * the transaction, error reporting, the item-at-a-time loop SQLite uses)
 * and an engine's own batch_run / copy_from (keel_engine; PostgreSQL's
 * pipeline mode and COPY are pg/pg_batch.c). Runtime-internal.
 */
#ifndef KEEL_BATCH_H
#define KEEL_BATCH_H

#include "keel_internal.h"

/* One keel_batch_run / keel_copy_from call, as the transaction callback sees it. */
struct keel_batch_call {
    const keel_batch *b;
    bool copy;
    int64_t rows;        /* affected / inserted, summed */
    size_t failed_index; /* b->n until an item fails */
};

/*
 * Records the failure of item i (code) for st's handle: the message the
 * failing step or bind left, prefixed with the item's index, and the
 * transaction marked failed. Returns code.
 */
int keel_batch_item_failed(keel_batch_call *call, keel_stmt *st, size_t i, int code);

/*
 * Calls the batch's row callback for item i, with st on a row or, for an
 * item without one (:batchone), NULL; statements are refused meanwhile. A
 * non-zero return is recorded as item i's failure and returned.
 */
int keel_batch_row(keel_batch_call *call, keel_stmt *st, bool has_row, size_t i);

#endif /* KEEL_BATCH_H */
