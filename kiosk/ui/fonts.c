/* SPDX-License-Identifier: MIT */
/*
 * fonts.c - find the faces through fontconfig and open them with SDL_ttf.
 *
 * The main face is Noto Sans CJK SC (pattern ":lang=zh-cn"); it lives in a
 * TrueType collection whose face index matters (index 0 is the Japanese
 * face), so both file and index come from fontconfig, never a fixed path.
 * Fallback faces (e.g. "WenQuanYi Micro Hei") are used for text the main
 * face lacks glyphs for. Each face and weight is opened once, on first
 * use, and kept open for the life of the process; sizes are switched with
 * TTF_SetFontSize (about a microsecond, where opening the CJK collection
 * again costs about 2 ms per size: a screen with a new size paid that on
 * its first frame). The glyph
 * cache (glyph.c) hangs off the fonts: one entry per face, weight, size and
 * code point. Advances and pair kerning come from the faces' OpenType
 * tables through HarfBuzz, shaped the way SDL_ttf shapes a line (left to
 * right, no script or language given), so text laid out from cached
 * glyphs sits where SDL_ttf would put it.
 */
#include <fontconfig/fontconfig.h>
#include <hb.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "ui/ui_internal.h"

#define FONTS_MAX_FACES 4

typedef struct fonts_face {
    char file[2][512]; /* regular, bold */
    int index[2];
    char desc[560];
    hb_font_t *hb[2]; /* for kerning, opened on first use (unscaled: font units) */
    int hb_tried[2];
    TTF_Font *font[2]; /* opened on first use, set to size[] */
    int size[2];
    int open_failed[2];
} fonts_face;

struct kx_fonts {
    fonts_face face[FONTS_MAX_FACES];
    int n_faces;
    kx_glyphs *glyphs;
};

/* fonts_match - resolve one pattern (plus weight) to file and index. */
static int fonts_match(const char *pattern, int bold, char *file, size_t filesz, int *index)
{
    FcPattern *pat = FcNameParse((const FcChar8 *)pattern);
    FcPattern *match = NULL;
    FcResult res = FcResultNoMatch;
    FcChar8 *path = NULL;
    int ok = 0;
    if (!pat)
        return 0;
    FcPatternAddInteger(pat, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    match = FcFontMatch(NULL, pat, &res);
    if (match && res == FcResultMatch &&
        FcPatternGetString(match, FC_FILE, 0, &path) == FcResultMatch) {
        if (FcPatternGetInteger(match, FC_INDEX, 0, index) != FcResultMatch)
            *index = 0;
        ok = kx_strlcpy(file, (const char *)path, filesz) < filesz;
    }
    if (match)
        FcPatternDestroy(match);
    FcPatternDestroy(pat);
    return ok;
}

kx_err kx_fonts_open(const char *patterns, kx_fonts **out)
{
    kx_fonts *f;
    char list[512];
    char *p, *save = NULL;
    if (!patterns || !out)
        return KX_ERR_INVALID_ARG;
    if (!FcInit())
        return KX_ERR_NOT_FOUND;
    f = calloc(1, sizeof *f);
    if (!f)
        return KX_ERR_NO_MEMORY;
    if (kx_glyphs_new(&f->glyphs) != KX_OK) {
        free(f);
        return KX_ERR_NO_MEMORY;
    }
    kx_strlcpy(list, patterns, sizeof list);
    for (p = strtok_r(list, ";", &save); p && f->n_faces < FONTS_MAX_FACES;
         p = strtok_r(NULL, ";", &save)) {
        fonts_face *fc = &f->face[f->n_faces];
        while (*p == ' ')
            p++;
        if (!*p)
            continue;
        if (!fonts_match(p, 0, fc->file[0], sizeof fc->file[0], &fc->index[0]))
            continue;
        if (!fonts_match(p, 1, fc->file[1], sizeof fc->file[1], &fc->index[1])) {
            kx_strlcpy(fc->file[1], fc->file[0], sizeof fc->file[1]);
            fc->index[1] = fc->index[0];
        }
        {
            char num[16];
            snprintf(num, sizeof num, "#%d", fc->index[0]);
            kx_strlcpy(fc->desc, fc->file[0], sizeof fc->desc);
            kx_strlcat(fc->desc, num, sizeof fc->desc);
        }
        kx_log_info("ui.font", "pattern=\"%s\" face=%s bold=%s#%d", p, fc->desc, fc->file[1],
                    fc->index[1]);
        f->n_faces++;
    }
    if (f->n_faces == 0) {
        kx_err_set_detail("no font matches \"%s\"", patterns);
        kx_glyphs_free(f->glyphs);
        free(f);
        return KX_ERR_NOT_FOUND;
    }
    *out = f;
    return KX_OK;
}

void kx_fonts_close(kx_fonts *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_faces; i++)
        for (int w = 0; w < 2; w++) {
            if (f->face[i].font[w])
                TTF_CloseFont(f->face[i].font[w]);
            if (f->face[i].hb[w])
                hb_font_destroy(f->face[i].hb[w]);
        }
    kx_glyphs_free(f->glyphs);
    free(f);
    FcFini();
}

int kx_fonts_count(const kx_fonts *f)
{
    return f ? f->n_faces : 0;
}

const char *kx_fonts_describe(const kx_fonts *f, int which)
{
    if (!f || which < 0 || which >= f->n_faces)
        return "";
    return f->face[which].desc;
}

TTF_Font *kx_fonts_get(kx_fonts *f, int which, kx_weight w, int size)
{
    fonts_face *fc;
    if (!f || which < 0 || which >= f->n_faces || size < 4 || (w != KX_REGULAR && w != KX_BOLD))
        return NULL;
    fc = &f->face[which];
    if (!fc->font[w]) {
        if (fc->open_failed[w])
            return NULL;
        fc->font[w] = TTF_OpenFontIndex(fc->file[w], size, fc->index[w]);
        if (!fc->font[w]) {
            fc->open_failed[w] = 1;
            kx_log_warn("ui.font_open", "face=%s bold=%d error=\"%s\"", fc->desc, (int)w,
                        TTF_GetError());
            return NULL;
        }
        TTF_SetFontHinting(fc->font[w], TTF_HINTING_LIGHT);
        fc->size[w] = size;
    } else if (fc->size[w] != size) {
        if (TTF_SetFontSize(fc->font[w], size) != 0) {
            kx_log_warn("ui.font_size", "face=%s size=%d error=\"%s\"", fc->desc, size,
                        TTF_GetError());
            return NULL;
        }
        fc->size[w] = size;
    }
    return fc->font[w];
}

const kx_glyph *kx_fonts_glyph(kx_fonts *f, int which, kx_weight w, int size, uint32_t cp,
                               int coverage)
{
    TTF_Font *font = kx_fonts_get(f, which, w, size);
    /* the id outlives the TTF_Font (a recycled slot reopens the same face) */
    uint32_t id = ((uint32_t)which << 24) | ((uint32_t)w << 16) | (uint32_t)size;
    if (!font)
        return NULL;
    return kx_glyphs_get(f->glyphs, font, id, cp, coverage);
}

void kx_fonts_trim(kx_fonts *f)
{
    if (f)
        kx_glyphs_trim(f->glyphs);
}

/* fonts_hb - the HarfBuzz font of face which/w, opened on first use; NULL
 * when the file cannot be read (no kerning then). */
static hb_font_t *fonts_hb(kx_fonts *f, int which, kx_weight w)
{
    fonts_face *fc = &f->face[which];
    if (!fc->hb_tried[w]) {
        hb_blob_t *blob = hb_blob_create_from_file_or_fail(fc->file[w]);
        fc->hb_tried[w] = 1;
        if (blob) {
            hb_face_t *face = hb_face_create(blob, (unsigned)fc->index[w]);
            if (hb_face_get_glyph_count(face) > 0)
                fc->hb[w] = hb_font_create(face);
            hb_face_destroy(face);
            hb_blob_destroy(blob);
        }
        if (!fc->hb[w])
            kx_log_warn("ui.font_kerning", "face=%s kerning=off", fc->desc);
    }
    return fc->hb[w];
}

int kx_fonts_shape(kx_fonts *f, int which, kx_weight w, const char *s, size_t n, const int *at,
                   int n_cp, int *advance, int *kern)
{
    /* ligatures off: one glyph per code point, as the glyph cache draws */
    static const hb_feature_t no_ligatures[] = {
        {HB_TAG('l', 'i', 'g', 'a'), 0, 0, (unsigned)-1},
        {HB_TAG('c', 'l', 'i', 'g'), 0, 0, (unsigned)-1},
    };
    hb_font_t *hb;
    hb_buffer_t *buf;
    hb_glyph_info_t *gi;
    hb_glyph_position_t *gp;
    unsigned count = 0;
    int upem = 0;
    memset(advance, 0, sizeof *advance * (size_t)(n_cp > 0 ? n_cp : 0));
    memset(kern, 0, sizeof *kern * (size_t)(n_cp > 0 ? n_cp : 0));
    if (!f || which < 0 || which >= f->n_faces || n_cp <= 0 || !(hb = fonts_hb(f, which, w)))
        return 0;
    buf = hb_buffer_create();
    hb_buffer_set_direction(buf, HB_DIRECTION_LTR);
    hb_buffer_set_script(buf, HB_SCRIPT_UNKNOWN);
    hb_buffer_add_utf8(buf, s, (int)n, 0, (int)n);
    hb_shape(hb, buf, no_ligatures, sizeof no_ligatures / sizeof no_ligatures[0]);
    gi = hb_buffer_get_glyph_infos(buf, &count);
    gp = hb_buffer_get_glyph_positions(buf, &count);
    if ((int)count == n_cp) {
        /* the pair adjustment is carried by the first glyph's advance; the
         * glyphs must map one to one onto the code points (they do for
         * valid UTF-8 without ligatures), or the text is not shaped */
        unsigned char *seen = calloc((size_t)n_cp, 1);
        int one_to_one = seen != NULL;
        for (unsigned i = 0; i < count && one_to_one; i++) {
            int k = gi[i].cluster < n ? at[gi[i].cluster] : -1;
            if (k < 0 || k >= n_cp || seen[k]) {
                one_to_one = 0;
                break;
            }
            seen[k] = 1;
            advance[k] = hb_font_get_glyph_h_advance(hb, gi[i].codepoint);
            kern[k] = gp[i].x_advance - advance[k];
        }
        free(seen);
        if (one_to_one) {
            upem = (int)hb_face_get_upem(hb_font_get_face(hb));
        } else {
            memset(advance, 0, sizeof *advance * (size_t)n_cp);
            memset(kern, 0, sizeof *kern * (size_t)n_cp);
        }
    }
    hb_buffer_destroy(buf);
    return upem;
}
