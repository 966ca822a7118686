/* SPDX-License-Identifier: MIT */
/*
 * main.c - ra-sim entry point: options, start-up, port files, shutdown.
 *
 * ra-sim is the reference RA of docs/ra-api.md for tests and the demo. It
 * listens on 127.0.0.1 unless told otherwise, enforces mutual TLS on the
 * API, and runs until SIGINT/SIGTERM. It exits non-zero with a message when
 * it cannot start (this is a tool's main(), the only place that exits).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

static const char ra_sim_help[] =
    "usage: ra-sim --state DIR [options]\n"
    "\n"
    "Reference RA server (docs/ra-api.md) over HTTPS with mutual TLS, for tests\n"
    "and the demo. State (SQLite ra.db, certificates) lives in DIR.\n"
    "\n"
    "On first start DIR gets: ca.pem/ca.key (test CA), server.pem/.key (TLS\n"
    "server, SAN 127.0.0.1/localhost), kiosk.pem/.key (the kiosk's client\n"
    "certificate), other-ca.pem/.key (an unrelated CA), wrong-server.pem/.key\n"
    "and other-kiosk.pem/.key (certificates of that unrelated CA, for tests),\n"
    "sm2-ca.pem/.key (the SM2 CA of sm2-dual cases: SM2-with-SM3, default user\n"
    "ID 1234567812345678), seal-ec.pem/.key and seal-sm2.pem/.key (the seal\n"
    "maker's certificates under each CA, for electronic seals).\n"
    "\n"
    "Certificate profiles per case (cert_profile): sm2-dual (signing certificate\n"
    "from the CSR plus an encryption certificate whose key pair the simulated\n"
    "KMC generates and returns as a GM/T 0016 ENVELOPEDKEYBLOB enveloped to the\n"
    "signing key), ec-p256, rsa-2048; none: the CSR's key decides as before.\n"
    "\n"
    "options:\n"
    "  --state DIR            state directory (created if missing; required)\n"
    "  --listen ADDR          IPv4 address of the API listener (default 127.0.0.1)\n"
    "  --port N               API port, 0 = any free port (default 8443)\n"
    "  --port-file FILE       write the API port there once listening\n"
    "  --admin-port N         admin port on 127.0.0.1, 0 = any (default 0)\n"
    "  --admin-port-file FILE write the admin port there once listening\n"
    "  --ca-cert FILE --ca-key FILE   use this CA instead of generating one\n"
    "  --server-cert FILE --server-key FILE   use this TLS server pair (PEM; its\n"
    "                         SAN must name the address clients use)\n"
    "  --validity-days N      validity of issued certificates (default 365)\n"
    "  --auto-approve N       approve submitted cases N s after submission\n"
    "                         (-1 never: approve through the admin API; default -1)\n"
    "  --auto-pay N           mark orders paid N s after creation (-1 never; default -1)\n"
    "  --order-ttl N          pending orders expire after N s (default 900)\n"
    "  --token SERIAL=SOPIN   register a token's unlock secret (repeatable)\n"
    "  --staff-approval KIOSK grant the staff of KIOSK (its client certificate's CN,\n"
    "                         e.g. JXCA-KIOSK-0001; * any kiosk) the right to approve\n"
    "                         cases pending review (repeatable; default: no kiosk)\n"
    "  --fault SPEC           arm a fault at start (repeatable), see below\n"
    "  --verbose              log every request on stderr\n"
    "  --help                 this text\n"
    "\n"
    "Issue 19 additions: GET /v1/enterprises/CODE/certificates (valid\n"
    "certificates with the UKEY each was installed on; POST\n"
    "/v1/certificates/SERIAL/install records it), revoke cases with a\n"
    "\"revocation\" the RA carries out once approved (no UKEY), document kinds\n"
    "application_form (PDF), id_card_front/back, agreement_version on cases,\n"
    "and POST|GET /v1/cases/ID/seals: GM/T 0031 electronic seals (SES_Seal,\n"
    "GB/T 38540 v4) made from the case's seal images by the seal maker.\n"
    "\n"
    "Mutual TLS: every API request needs a client certificate issued by the\n"
    "CA (kiosk.pem); without one the reply is 403 client_certificate_required.\n"
    "\n"
    "Fault SPEC: ENDPOINT=KIND[:ARG[:ARG2]][*COUNT]  (COUNT default 1, or inf)\n"
    "  ENDPOINT  one of health enterprise case_create case_get case_submit document\n"
    "            case_staff_approval order_create order_get order_cancel order_refund\n"
    "            order_counter cert_issue\n"
    "            cert_renew cert_get cert_revoke cert_install crl crl_der crl_sm2\n"
    "            crl_sm2_der enterprise_certs seal_make seal_get token_unlock, or *\n"
    "  latency:MS        delay the reply MS milliseconds, then serve normally\n"
    "  error:STATUS:SEC  reply STATUS (429, 500, 502, 503) with Retry-After SEC,\n"
    "                    before any effect (nothing is stored)\n"
    "  reset             perform the request, then reset the connection (RST)\n"
    "  truncate          perform, then send half the body and close\n"
    "  badjson           perform, then reply with invalid JSON\n"
    "  badtype           perform, then reply with every field of the wrong type\n"
    "  wrongca           the next COUNT TLS handshakes present a server\n"
    "                    certificate of the unrelated CA (ENDPOINT is ignored)\n"
    "A POST whose reply was lost (reset, truncate, badjson, badtype) is replayed\n"
    "from its Idempotency-Key record when the client retries: no second effect.\n"
    "\n"
    "Admin API (plain HTTP on 127.0.0.1:ADMIN_PORT, for tests and the demo):\n"
    "  GET  /admin/counters               effect counters (cases_created,\n"
    "       documents_stored, orders_created, orders_paid, orders_cancelled,\n"
    "       counter_payments, staff_approvals, cases_approved,\n"
    "       refunds, certs_issued, certs_renewed, certs_revoked,\n"
    "       unlocks_released, idempotent_replays, idempotency_conflicts,\n"
    "       kmc_envelopes, certs_installed, revocation_cases_done, seals_made,\n"
    "       faults_injected, tls_refused, requests, requests.ENDPOINT, ...)\n"
    "  POST /admin/counters/reset\n"
    "  POST /admin/cases/ID/approve       POST /admin/cases/ID/reject {\"reason\":...}\n"
    "  POST /admin/orders/ID/pay\n"
    "  GET|POST|DELETE /admin/faults      POST body {\"spec\": SPEC}\n"
    "  POST /admin/settings               {\"auto_approve_s\":N, \"auto_pay_s\":N,\n"
    "                                      \"order_ttl_s\":N, \"staff_approval\":[KIOSK...]}\n"
    "                                      (any subset; replies with every setting)\n"
    "  POST /admin/enterprises            {\"credit_code\", \"name\", \"address\",\n"
    "                                      \"legal_representative\", \"status\"}\n"
    "  POST /admin/tokens                 {\"serial\", \"so_pin\"}\n"
    "Example: curl -s -XPOST 127.0.0.1:$(cat admin.port)/admin/faults \\\n"
    "           -d '{\"spec\":\"cert_issue=reset*1\"}'\n";

static volatile sig_atomic_t ra_sim_stop;

static void ra_sim_on_signal(int sig)
{
    (void)sig;
    ra_sim_stop = 1;
}

static int ra_sim_number(const char *opt, const char *v, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || n < min || n > max) {
        fprintf(stderr, "ra-sim: %s needs a number in %ld..%ld\n", opt, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

/* Write the port atomically (tests poll for the file). */
static int ra_sim_port_file(const char *path, unsigned port)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    if (!fp || fprintf(fp, "%u\n", port) < 0 || fclose(fp) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "ra-sim: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static sim s;
    const char *state = NULL, *port_file = NULL, *admin_port_file = NULL;
    const char *ca_cert = NULL, *ca_key = NULL, *srv_cert = NULL, *srv_key = NULL;
    const char *faults[SIM_MAX_FAULTS], *tokens[64];
    int nfaults = 0, ntokens = 0;
    long port = 8443, admin_port = 0, validity = 365;
    s.auto_approve_s = -1;
    s.auto_pay_s = -1;
    s.order_ttl_s = 900;
    snprintf(s.listen_addr, sizeof s.listen_addr, "127.0.0.1");

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0, takes = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(ra_sim_help, stdout);
            return 0;
        } else if (!strcmp(a, "--verbose")) {
            s.verbose = 1;
            takes = 0;
        } else if (!v) {
            fprintf(stderr, "ra-sim: %s needs a value (see --help)\n", a);
            return 2;
        } else if (!strcmp(a, "--state")) {
            state = v;
        } else if (!strcmp(a, "--listen")) {
            snprintf(s.listen_addr, sizeof s.listen_addr, "%s", v);
        } else if (!strcmp(a, "--port")) {
            rc = ra_sim_number(a, v, 0, 65535, &port);
        } else if (!strcmp(a, "--port-file")) {
            port_file = v;
        } else if (!strcmp(a, "--admin-port")) {
            rc = ra_sim_number(a, v, 0, 65535, &admin_port);
        } else if (!strcmp(a, "--admin-port-file")) {
            admin_port_file = v;
        } else if (!strcmp(a, "--ca-cert")) {
            ca_cert = v;
        } else if (!strcmp(a, "--ca-key")) {
            ca_key = v;
        } else if (!strcmp(a, "--server-cert")) {
            srv_cert = v;
        } else if (!strcmp(a, "--server-key")) {
            srv_key = v;
        } else if (!strcmp(a, "--validity-days")) {
            rc = ra_sim_number(a, v, 1, 3650, &validity);
        } else if (!strcmp(a, "--auto-approve")) {
            rc = ra_sim_number(a, v, -1, 86400, &s.auto_approve_s);
        } else if (!strcmp(a, "--auto-pay")) {
            rc = ra_sim_number(a, v, -1, 86400, &s.auto_pay_s);
        } else if (!strcmp(a, "--order-ttl")) {
            rc = ra_sim_number(a, v, 1, 86400 * 7, &s.order_ttl_s);
        } else if (!strcmp(a, "--fault") && nfaults < SIM_MAX_FAULTS) {
            faults[nfaults++] = v;
        } else if (!strcmp(a, "--staff-approval")) {
            if (sim_staff_approval_grant(&s, v)) {
                fprintf(stderr, "ra-sim: --staff-approval: too many kiosks or too long\n");
                return 2;
            }
        } else if (!strcmp(a, "--token") && ntokens < 64 && strchr(v, '=')) {
            tokens[ntokens++] = v;
        } else {
            fprintf(stderr, "ra-sim: unknown or bad option %s (see --help)\n", a);
            return 2;
        }
        if (rc)
            return 2;
        i += takes;
    }
    if (!state) {
        fprintf(stderr, "ra-sim: --state DIR is required (see --help)\n");
        return 2;
    }
    if (!ca_cert != !ca_key || !srv_cert != !srv_key) {
        fprintf(stderr,
                "ra-sim: --ca-cert/--ca-key and --server-cert/--server-key go in pairs\n");
        return 2;
    }
    if (mkdir(state, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "ra-sim: cannot create %s: %s\n", state, strerror(errno));
        return 1;
    }
    snprintf(s.state_dir, sizeof s.state_dir, "%s", state);
    s.pki.validity_days = (int)validity;
    pthread_mutex_init(&s.lock, NULL);
    if (pki_load_or_create(&s, ca_cert, ca_key, srv_cert, srv_key) || store_open(&s))
        return 1;
    for (int i = 0; i < ntokens; i++) {
        char serial[128];
        snprintf(serial, sizeof serial, "%s", tokens[i]);
        char *eq = strchr(serial, '=');
        *eq = '\0';
        store_run(&s, "INSERT OR REPLACE INTO tokens(serial, so_pin, released) VALUES(?, ?, 0)",
                  "ss", serial, eq + 1);
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, ra_sim_on_signal);
    signal(SIGTERM, ra_sim_on_signal);
    if (server_start(&s, (unsigned)port, (unsigned)admin_port)) {
        server_stop(&s);
        return 1;
    }
    for (int i = 0; i < nfaults; i++) {
        const char *why = NULL;
        if (fault_add_spec(&s, faults[i], &why)) {
            fprintf(stderr, "ra-sim: --fault %s: %s\n", faults[i], why);
            server_stop(&s);
            return 2;
        }
    }
    if ((port_file && ra_sim_port_file(port_file, s.api_port)) ||
        (admin_port_file && ra_sim_port_file(admin_port_file, s.admin_port))) {
        server_stop(&s);
        return 1;
    }
    fprintf(stderr,
            "ra-sim: listening on https://%s:%u (admin http://127.0.0.1:%u), state %s\n",
            s.listen_addr, s.api_port, s.admin_port, s.state_dir);
    /* Poll the flag: the signal may land on one of libmicrohttpd's threads. */
    while (!ra_sim_stop) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    server_stop(&s);
    pthread_mutex_lock(&s.lock);
    store_close(&s);
    pthread_mutex_unlock(&s.lock);
    pki_free(&s.pki);
    return 0;
}
