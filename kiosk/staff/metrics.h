/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - Prometheus text-format file for node_exporter's textfile
 * collector, written atomically (temporary file in the same directory,
 * fsync, rename) so the collector never reads half a file.
 *
 *   kx_metrics *m; kx_metrics_new(&m);
 *   const char *l[] = {"service", "renew", "outcome", "done", NULL};
 *   kx_metrics_add(m, "jxca_kiosk_transactions_total", KX_METRIC_COUNTER,
 *                  "Transactions by service and outcome", l, 12);
 *   kx_metrics_write(m, "/var/lib/node_exporter/textfile/jxca_kiosk.prom");
 *   kx_metrics_free(m);
 *
 * Not thread-safe; build and write from one thread.
 */
#ifndef KX_STAFF_METRICS_H
#define KX_STAFF_METRICS_H

#include "core/err.h"

typedef enum kx_metric_type { KX_METRIC_COUNTER, KX_METRIC_GAUGE } kx_metric_type;

typedef struct kx_metrics kx_metrics;

kx_err kx_metrics_new(kx_metrics **out);
void kx_metrics_free(kx_metrics *m);

/*
 * kx_metrics_add - one sample. name must match [a-zA-Z_:][a-zA-Z0-9_:]*;
 * labels is a NULL-terminated list of name, value pairs (NULL for none);
 * values are escaped. Samples of one name are grouped under one HELP/TYPE
 * whatever order they are added in; the first add of a name fixes its help
 * and type.
 */
kx_err kx_metrics_add(kx_metrics *m, const char *name, kx_metric_type type, const char *help,
                      const char *const *labels, double value);

/* kx_metrics_write - write the file atomically (mode 0644). */
kx_err kx_metrics_write(const kx_metrics *m, const char *path);

#endif
