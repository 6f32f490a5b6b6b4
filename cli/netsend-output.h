/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What netsend prints: Windows' lines for people (successes on stdout,
 * failures with their NERR code and a hint on stderr), one JSON object per
 * recipient per line with --json, a progress line on stderr for fan-out
 * when stderr is a terminal, and the summary line at the end. */

#include <gio/gio.h>
#include <netsend/ns-send.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct {
  FILE *stream;          /* where results go (stdout, see netsend.c) */
  gboolean json;
  gboolean quiet;
  gboolean progress;     /* stderr is a terminal and there are several recipients */
  gboolean progress_shown;
  const char *workgroup; /* names the `*` broadcast */
  guint expected;        /* recipients known in advance (0: unknown) */
  guint done;
  guint delivered;
  guint sent;
  guint failed;
  guint cancelled;
  GHashTable *hinted;    /* error codes whose hint was printed */
} NetsendOutput;

/* @stream: where results and the summary go (what the user has as stdout). */
void netsend_output_init (NetsendOutput *out, FILE *stream, gboolean json, gboolean quiet,
                          const char *workgroup, guint expected);
void netsend_output_clear (NetsendOutput *out);

/* One recipient's outcome, as it completes. */
void netsend_output_result (NetsendOutput *out, const NsSendResult *result);

/* The end of a run: clears the progress line, prints the summary. */
void netsend_output_finish (NetsendOutput *out, const NsSendSummary *summary);

/* An error that stopped the run (or a setup step): "netsend: message",
 * the Windows text and code when there is one, and @hint (or the hint for
 * the error's code). With --json also a JSON error object on stdout. */
void netsend_output_error (NetsendOutput *out, const GError *error, const char *hint);

/* What to try after @error (static), or NULL. */
const char *netsend_hint_for (const GError *error);

G_END_DECLS
