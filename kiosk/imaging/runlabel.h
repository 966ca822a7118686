/* SPDX-License-Identifier: MIT */
/*
 * runlabel.h - connected components of a byte map as runs along its rows.
 *
 * The cells of a map at or above a threshold are cut into runs (maximal
 * stretches of one row) and the runs joined 8-connectedly by union-find.
 * Where the set cells are a small part of the map (ruling lines, ink), a
 * few thousand runs stand for them, and a caller walks the runs instead of
 * a label per cell. Components are numbered in the raster order of their
 * first cell, as a per-cell flood fill in raster order numbers them.
 *
 * Pure computation, no global state; a kx_runs is one caller's.
 */
#ifndef KX_IMAGING_RUNLABEL_H
#define KX_IMAGING_RUNLABEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct kx_run {
    int y, x0, x1; /* cells x0 .. x1 - 1 of row y */
} kx_run;

typedef struct kx_runs {
    kx_run *run; /* in raster order */
    int *comp;   /* per run: its component, 0 .. ncomp - 1 */
    int n, cap, ncomp;
} kx_runs;

/*
 * kx_runs_label - label the 8-connected components of the cells >= thr of a
 * w x h byte map whose rows are `stride` bytes apart into r. r starts
 * zeroed ({0}); its buffers grow as needed and are reused by the next call.
 * Returns KX_OK or KX_ERR_NO_MEMORY (r then holds no valid labelling).
 */
kx_err kx_runs_label(const uint8_t *map, int w, int h, size_t stride, int thr, kx_runs *r);

/* kx_runs_free - release r's buffers and zero it. */
void kx_runs_free(kx_runs *r);

#endif
