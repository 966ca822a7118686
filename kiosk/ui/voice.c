/* SPDX-License-Identifier: MIT */
/*
 * voice.c - spoken guidance: a short prompt per customer screen, in the
 * session's language, played through SDL audio when the screen appears
 * (issue 21, docs/operations.md "Voice guidance").
 *
 * Prompts are WAV files <dir>/<lang>/<screen>.wav: the build generates a
 * complete set from the texts below (translated like every other text,
 * po/zh_CN/ui.po) with espeak-ng (tools: kiosk --voice-texts LANG and
 * kiosk/ui/voice-build.sh); a hall may replace any file with a recording.
 * The texts say what to do on the screen and never carry data: no PIN, no
 * name, no ID number is ever spoken.
 *
 * Playback never overlaps and never blocks: a new prompt replaces what is
 * still queued, a touch cuts it (kx_voice_cut), the device's queue is fed
 * once (SDL_QueueAudio) and drained by SDL's audio thread. Volume and
 * on/off come from [voice] (kx_ui_options); the speaker in the header
 * mutes the session. When the audio device cannot be opened the kiosk
 * runs silently (logged once). UI thread only.
 */
#include <SDL2/SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/log.h"
#include "ui/ui_internal.h"

/* the prompt of each customer screen (screen ids of docs/protocol.md) */
static const struct {
    const char *screen, *text;
} voice_prompts[] = {
    {"home", N_("Welcome. Touch the service you need.")},
    {"ukey_insert", N_("Please insert your UKEY.")},
    {"ukey_blank_insert", N_("Please insert the new, blank UKEY.")},
    {"cert_show", N_("Please check the certificate, then touch Continue.")},
    {"pin_enter", N_("Please enter the UKEY PIN on the keypad.")},
    {"pin_new", N_("Please choose a new PIN and enter it twice.")},
    {"fee_confirm", N_("Please check the fee, then confirm.")},
    {"payment", N_("Please scan the payment code with your phone.")},
    {"licence_place", N_("Please place the business licence on the scanner, then touch Scan.")},
    {"company_confirm", N_("Please check the company details.")},
    {"idcard_place", N_("Please place the ID card on the reader.")},
    {"agent_confirm", N_("Please check the agent's details.")},
    {"doc_place", N_("Please place the document on the scanner, then touch Scan.")},
    {"doc_review", N_("Please check the scan.")},
    {"contact", N_("Please enter a mobile or telephone number.")},
    {"agreement", N_("Please read the agreement. Touch Accept to continue.")},
    {"seal_place", N_("Please place the stamped seal sheet on the scanner, then touch Scan.")},
    {"seal_review", N_("Please check the seals on the screen.")},
    {"review_wait", N_("The CA is reviewing your application. Please wait.")},
    {"revoke_method", N_("Please choose how to identify the certificate.")},
    {"revoke_reason", N_("Please choose the reason for revocation.")},
    {"revoke_pick", N_("Please choose the certificate to revoke.")},
    {"form_review", N_("Please check your application form.")},
    {"revoke_confirm", N_("Revocation cannot be undone. Please confirm.")},
    {"done", N_("Done. Please take your UKEY and your documents.")},
    {"cancelled", N_("The session has ended.")},
    {"error", N_("Something went wrong. Please read the screen.")},
    {"staff_needed", N_("Please ask a member of staff for help.")},
    {"out_of_service", N_("This kiosk is out of service. Please go to the counter.")},
    {"busy", N_("Please wait.")},
};

struct kx_voice {
    SDL_AudioDeviceID dev;
    SDL_AudioSpec spec; /* what the device plays */
    int failed;         /* no audio: silent, said once */
    int volume;         /* 0..100 */
    char dir[256];
};

const char *kx_voice_text(const char *screen)
{
    for (size_t i = 0; screen && i < sizeof voice_prompts / sizeof voice_prompts[0]; i++)
        if (strcmp(voice_prompts[i].screen, screen) == 0)
            return voice_prompts[i].text;
    return NULL;
}

void kx_voice_print_texts(FILE *fp)
{
    for (size_t i = 0; i < sizeof voice_prompts / sizeof voice_prompts[0]; i++)
        fprintf(fp, "%s\t%s\n", voice_prompts[i].screen, kx_tr(voice_prompts[i].text));
}

kx_err kx_voice_new(const kx_ui_options *opt, kx_voice **out)
{
    kx_voice *v = calloc(1, sizeof *v);
    if (!v)
        return KX_ERR_NO_MEMORY;
    v->volume = opt->voice_volume;
    snprintf(v->dir, sizeof v->dir, "%s", opt->voice_dir);
    if (!opt->voice || v->volume == 0)
        v->failed = 1; /* switched off: never opens a device */
    *out = v;
    return KX_OK;
}

void kx_voice_free(kx_voice *v)
{
    if (!v)
        return;
    if (v->dev) {
        SDL_ClearQueuedAudio(v->dev);
        SDL_CloseAudioDevice(v->dev);
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
    }
    free(v);
}

/* voice_open - the audio device on first use: 22050 Hz mono 16-bit, what
 * espeak-ng writes; other WAVs are converted. 0 when there is none. */
static int voice_open(kx_voice *v)
{
    SDL_AudioSpec want;
    if (v->dev || v->failed)
        return v->dev != 0;
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        kx_log_warn("ui.voice_off", "detail=\"SDL audio: %s\"", SDL_GetError());
        v->failed = 1;
        return 0;
    }
    SDL_zero(want);
    want.freq = 22050;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 1024;
    v->dev = SDL_OpenAudioDevice(NULL, 0, &want, &v->spec, 0);
    if (!v->dev) {
        kx_log_warn("ui.voice_off", "detail=\"no audio device: %s\"", SDL_GetError());
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        v->failed = 1;
        return 0;
    }
    SDL_PauseAudioDevice(v->dev, 0);
    kx_log_info("ui.voice_on", "driver=%s rate=%d volume=%d dir=%s",
                SDL_GetCurrentAudioDriver(), v->spec.freq, v->volume, v->dir);
    return 1;
}

void kx_voice_cut(kx_voice *v)
{
    Uint32 left = v && v->dev ? SDL_GetQueuedAudioSize(v->dev) : 0;
    if (left > 0) {
        SDL_ClearQueuedAudio(v->dev);
        kx_log_info("ui.voice_cut", "bytes_left=%u", (unsigned)left);
    }
}

kx_err kx_voice_play(kx_voice *v, const char *lang, const char *screen)
{
    char path[512];
    SDL_AudioSpec spec;
    SDL_AudioCVT cvt;
    Uint8 *buf = NULL, *mixed = NULL;
    Uint32 len = 0;
    kx_err rc = KX_OK;
    if (!v || !lang || !screen || !kx_voice_text(screen) || !voice_open(v))
        return KX_OK;
    /* a new screen: whatever was still being said stops */
    SDL_ClearQueuedAudio(v->dev);
    snprintf(path, sizeof path, "%s/%s/%s.wav", v->dir, lang, screen);
    if (!SDL_LoadWAV(path, &spec, &buf, &len)) {
        kx_log_warn("ui.voice_missing", "file=%s", path);
        return KX_ERR_NOT_FOUND;
    }
    if (SDL_BuildAudioCVT(&cvt, spec.format, spec.channels, spec.freq, v->spec.format,
                          v->spec.channels, v->spec.freq) < 0) {
        kx_log_warn("ui.voice_format", "file=%s detail=\"%s\"", path, SDL_GetError());
        rc = KX_ERR_BAD_FORMAT;
        goto out;
    }
    cvt.len = (int)len;
    mixed = SDL_calloc(1, (size_t)len * (size_t)(cvt.len_mult > 0 ? cvt.len_mult : 1));
    if (!mixed) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    memcpy(mixed, buf, len);
    cvt.buf = mixed;
    if (cvt.needed && SDL_ConvertAudio(&cvt) != 0) {
        rc = KX_ERR_BAD_FORMAT;
        goto out;
    }
    {
        /* the volume: mixed onto silence at [voice] volume */
        Uint32 n = cvt.needed ? (Uint32)cvt.len_cvt : len;
        Uint8 *out = SDL_calloc(1, n);
        if (!out) {
            rc = KX_ERR_NO_MEMORY;
            goto out;
        }
        SDL_MixAudioFormat(out, mixed, v->spec.format, n, SDL_MIX_MAXVOLUME * v->volume / 100);
        if (SDL_QueueAudio(v->dev, out, n) != 0)
            rc = KX_ERR_IO;
        SDL_free(out);
        kx_log_info("ui.voice", "screen=%s lang=%s bytes=%u", screen, lang, (unsigned)n);
    }
out:
    SDL_free(mixed);
    SDL_FreeWAV(buf);
    return rc;
}
