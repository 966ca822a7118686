/* SPDX-License-Identifier: MIT */
/*
 * art.c - illustrations and icons: SVG files under the assets directory,
 * rasterised by SDL_image (nanosvg) at the size they are shown and cached.
 *
 * The SVGs carry no text (text is translated and drawn by the UI), so one
 * file serves both languages. A missing file draws a neutral placeholder
 * and is reported by the audit, never a crash.
 */
#include <SDL2/SDL_image.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "ui/ui_internal.h"

#define ART_CACHE 56
#define ART_SHOWN (1ull << 40)

struct kx_art_cache {
    struct {
        char name[48];
        int w, h; /* requested box */
        SDL_Texture *tex;
        int tw, th;
        int missing;
        Uint64 used;
    } e[ART_CACHE];
    Uint64 stamp;    /* uses on screen: ART_SHOWN + stamp */
    Uint64 prestamp; /* prewarms: below ART_SHOWN */
};

void kx_art_cache_free(struct kx_art_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < ART_CACHE; i++)
        if (c->e[i].tex)
            SDL_DestroyTexture(c->e[i].tex);
    free(c);
}

/* art_load - rasterise name.svg to fit w x h, keeping its aspect ratio. */
static SDL_Texture *art_load(kx_ui *ui, const char *name, int w, int h, int *tw, int *th)
{
    char path[512];
    SDL_RWops *rw;
    SDL_Surface *probe, *s;
    SDL_Texture *t;
    snprintf(path, sizeof path, "%s/%s.svg", ui->opt.assets_dir, name);
    rw = SDL_RWFromFile(path, "rb");
    if (!rw)
        return NULL;
    /* the aspect ratio from the root element's width/height; rasterising
     * at natural size just to learn it would double the cost */
    int nw = 0, nh = 0;
    {
        char head[512];
        size_t got = SDL_RWread(rw, head, 1, sizeof head - 1);
        const char *p;
        head[got] = '\0';
        if ((p = strstr(head, " width=\"")))
            nw = (int)strtol(p + 8, NULL, 10);
        if ((p = strstr(head, " height=\"")))
            nh = (int)strtol(p + 9, NULL, 10);
    }
    if (nw <= 0 || nh <= 0) {
        SDL_RWseek(rw, 0, RW_SEEK_SET);
        probe = IMG_LoadSVG_RW(rw);
        if (!probe) {
            SDL_RWclose(rw);
            return NULL;
        }
        nw = probe->w;
        nh = probe->h;
        SDL_FreeSurface(probe);
    }
    double sx = (double)w / nw, sy = (double)h / nh, k = sx < sy ? sx : sy;
    int ow = (int)(nw * k), oh = (int)(nh * k);
    SDL_RWseek(rw, 0, RW_SEEK_SET);
    s = IMG_LoadSizedSVG_RW(rw, ow > 0 ? ow : 1, oh > 0 ? oh : 1);
    SDL_RWclose(rw);
    if (!s)
        return NULL;
    t = SDL_CreateTextureFromSurface(ui->ren, s);
    *tw = s->w;
    *th = s->h;
    SDL_FreeSurface(s);
    if (t)
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    return t;
}

/* art_slot - the cache slot of name at r's size, rasterised on a miss;
 * -1 when there is no cache. */
static int art_slot(kx_ui *ui, const char *name, SDL_Rect r, int shown)
{
    struct kx_art_cache *c = ui->art;
    int slot = -1, oldest = 0;
    if (!c || !name || r.w <= 0 || r.h <= 0)
        return -1;
    for (int i = 0; i < ART_CACHE; i++) {
        if (c->e[i].name[0] && c->e[i].w == r.w && c->e[i].h == r.h &&
            strcmp(c->e[i].name, name) == 0) {
            slot = i;
            break;
        }
        /* an empty slot first, then the least recently used */
        if (!c->e[oldest].name[0])
            continue;
        if (!c->e[i].name[0] || c->e[i].used < c->e[oldest].used)
            oldest = i;
    }
    if (slot < 0) {
        slot = oldest;
        if (c->e[slot].tex)
            SDL_DestroyTexture(c->e[slot].tex);
        memset(&c->e[slot], 0, sizeof c->e[slot]);
        kx_strlcpy(c->e[slot].name, name, sizeof c->e[slot].name);
        c->e[slot].w = r.w;
        c->e[slot].h = r.h;
        c->e[slot].tex = art_load(ui, name, r.w, r.h, &c->e[slot].tw, &c->e[slot].th);
        if (!c->e[slot].tex) {
            c->e[slot].missing = 1;
            kx_log_warn("ui.art_missing", "name=%s dir=%s", name, ui->opt.assets_dir);
        }
    }
    if (shown)
        c->e[slot].used = ART_SHOWN + ++c->stamp;
    else if (c->e[slot].used < ART_SHOWN)
        c->e[slot].used = ++c->prestamp; /* a shown entry keeps its rank */
    return slot;
}

int kx_art(kx_ui *ui, const char *name, SDL_Rect r)
{
    struct kx_art_cache *c = ui->art;
    if (ui->dry) {
        kx_art_prewarm(ui, name, r);
        return 0;
    }
    int slot = art_slot(ui, name, r, 1);
    if (slot < 0)
        return -1;
    if (c->e[slot].missing) {
        kx_round(ui, r, KX_RADIUS, KX_C_PRIMARY_LT);
        kx_ui_audit_fail(ui, "illustration missing", name);
        return -1;
    }
    SDL_Rect d = {r.x + (r.w - c->e[slot].tw) / 2, r.y + (r.h - c->e[slot].th) / 2,
                  c->e[slot].tw, c->e[slot].th};
    kx_copy(ui, c->e[slot].tex, NULL, &d);
    return 0;
}

void kx_art_prewarm(kx_ui *ui, const char *name, SDL_Rect r)
{
    /* prewarmed entries rank below everything shown (they must not push
     * out what is on screen) but in their own order, so one prewarm does
     * not evict the previous one; empty slots are taken first */
    art_slot(ui, name, r, 0);
}

kx_err kx_art_cache_new(struct kx_art_cache **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? KX_OK : KX_ERR_NO_MEMORY;
}
