/* SPDX-License-Identifier: MIT */
/*
 * runlabel.c - connected components as runs (runlabel.h): a run-length
 * pass per row, union-find between touching runs of neighbouring rows, then
 * the roots renumbered in raster order.
 */
#include "imaging/runlabel.h"

#include <stdlib.h>
#include <string.h>

static int runs_find(int *parent, int i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* Joins the sets of a and b; the smaller index stays the root. */
static void runs_union(int *parent, int a, int b)
{
    a = runs_find(parent, a);
    b = runs_find(parent, b);
    if (a != b) {
        if (a < b)
            parent[b] = a;
        else
            parent[a] = b;
    }
}

static kx_err runs_grow(kx_runs *r)
{
    if (r->cap > INT32_MAX / 4)
        return KX_ERR_NO_MEMORY;
    int cap = r->cap ? 2 * r->cap : 4096;
    kx_run *r2 = realloc(r->run, (size_t)cap * sizeof(kx_run));
    if (r2)
        r->run = r2;
    int *c2 = realloc(r->comp, (size_t)cap * sizeof(int));
    if (c2)
        r->comp = c2;
    if (!r2 || !c2)
        return KX_ERR_NO_MEMORY;
    r->cap = cap;
    return KX_OK;
}

kx_err kx_runs_label(const uint8_t *map, int w, int h, size_t stride, int thr, kx_runs *r)
{
    int n = 0, prev0 = 0, prev1 = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = map + (size_t)y * stride;
        int cur0 = n;
        for (int x = 0; x < w;) {
            if (row[x] < thr) {
                /* most of a row is empty: skip 16 cells at a time */
                while (x + 16 <= w) {
                    int any = 0;
                    for (int k = 0; k < 16; k++)
                        any |= row[x + k] >= thr;
                    if (any)
                        break;
                    x += 16;
                }
                while (x < w && row[x] < thr)
                    x++;
                continue;
            }
            int x0 = x;
            while (x < w && row[x] >= thr)
                x++;
            if (n == r->cap && runs_grow(r) != KX_OK)
                return KX_ERR_NO_MEMORY;
            r->run[n] = (kx_run){y, x0, x};
            r->comp[n] = n;
            n++;
        }
        /* Join to the runs of the row above that touch (overlap once
         * widened by a cell: 8-connected). */
        int p = prev0;
        for (int c = cur0; c < n; c++) {
            while (p < prev1 && r->run[p].x1 < r->run[c].x0)
                p++;
            for (int q = p; q < prev1 && r->run[q].x0 <= r->run[c].x1; q++)
                runs_union(r->comp, c, q);
        }
        prev0 = cur0;
        prev1 = n;
    }
    /* Roots are the smallest run index of their set (runs_union keeps the
     * smaller), so a root is renumbered before any run that points to it. */
    for (int i = 0; i < n; i++)
        r->comp[i] = runs_find(r->comp, i);
    int next = 0;
    for (int i = 0; i < n; i++)
        r->comp[i] = r->comp[i] == i ? next++ : r->comp[r->comp[i]];
    r->n = n;
    r->ncomp = next;
    return KX_OK;
}

void kx_runs_free(kx_runs *r)
{
    free(r->run);
    free(r->comp);
    memset(r, 0, sizeof(*r));
}
