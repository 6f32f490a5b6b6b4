/* SPDX-License-Identifier: GPL-3.0-or-later */

/* netsend's output (see netsend-output.h). Windows' wording: PROTOCOL.md
 * §6.3; the codes and their texts: §6.5 and ns_windows_error_text(). */

#include "netsend-output.h"

#include <stdio.h>
#include <unistd.h>

#include "netsend-targets.h"

#define PROG "netsend"

static const struct {
  NsSendError code;
  const char *hint;
} hints[] = {
  { NS_SEND_ERROR_NAME_NOT_FOUND,
    "Check the name, and that the computer is on, on this subnet (or known to the WINS "
    "server given with --wins) and runs a messenger service; -I ADDRESS skips name "
    "resolution." },
  { NS_SEND_ERROR_HOST_UNREACHABLE,
    "The computer is off or there is no route to it; check the address." },
  { NS_SEND_ERROR_CONNECTION_REFUSED,
    "Nothing listens for messages there (TCP 139, UDP 135): start the Messenger service "
    "on Windows, netsendd on Linux, or smbd with a 'message command' on Samba." },
  { NS_SEND_ERROR_TIMEOUT,
    "The computer did not answer in time: it may be off, or a firewall drops the "
    "packets. A longer --timeout may help." },
  { NS_SEND_ERROR_NOT_LISTENING_ON_CALLED,
    "The computer is there but takes no messages for this name; 'netname --host "
    "ADDRESS' lists the names it does take." },
  { NS_SEND_ERROR_CALLED_NOT_PRESENT,
    "The computer is there but takes no messages for this name; 'netname --host "
    "ADDRESS' lists the names it does take." },
  { NS_SEND_ERROR_NOT_LISTENING_FOR_CALLING,
    "The receiver does not accept sessions from this computer's NetBIOS name." },
  { NS_SEND_ERROR_INSUFFICIENT_RESOURCES, "The receiver is busy; try again later." },
  { NS_SEND_ERROR_SESSION_REFUSED, "The receiver refused the session; see its log." },
  { NS_SEND_ERROR_MSG_OFF,
    "The receiver does not take messages, or not from this sender (netsendd answers so "
    "when its policy refuses one). Windows needs its Messenger service; Samba a 'message "
    "command' and 'server min protocol = NT1'." },
  { NS_SEND_ERROR_PAUSED, "The recipient paused its Messenger service; try again later." },
  { NS_SEND_ERROR_NO_ROOM, "The receiver could not store the message; try again later." },
  { NS_SEND_ERROR_ACCESS_DENIED,
    "The receiver refused this sender or address (its policy); ask its administrator." },
  { NS_SEND_ERROR_REMOTE, "The receiver reported an error; see its log." },
  { NS_SEND_ERROR_PROTOCOL,
    "The receiver answered something unexpected; --transport rpc or --blocks multi may "
    "get through." },
  { NS_SEND_ERROR_NETWORK,
    "Check this computer's network setup (--interface, interfaces in netsendd.conf)." },
  { NS_SEND_ERROR_NOT_SUPPORTED, NULL },
  { NS_SEND_ERROR_EMPTY_MESSAGE, "Give the text after the recipient, or on standard input." },
  { NS_SEND_ERROR_MESSAGE_TOO_LONG,
    "Windows shows at most 652 bytes per message: shorten it, or --split sends it as "
    "several numbered messages." },
  { NS_SEND_ERROR_CONVERSION,
    "Choose the recipient's code page with --codepage (CP850 Western Europe, CP866 "
    "Cyrillic, CP437 US, ...)." },
  { NS_SEND_ERROR_INVALID_NAME,
    "A NetBIOS name has 1 to 15 characters, none of \\ / : * ? \" < > |." },
};

const char *
netsend_hint_for (const GError *error)
{
  if (error == NULL || error->domain != NS_SEND_ERROR)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (hints); i++)
    if ((int) hints[i].code == error->code)
      return hints[i].hint;
  return NULL;
}

void
netsend_output_init (NetsendOutput *out, FILE *stream, gboolean json, gboolean quiet,
                     const char *workgroup, guint expected)
{
  *out = (NetsendOutput) {
    .stream = stream,
    .json = json,
    .quiet = quiet,
    .workgroup = workgroup,
    .expected = expected,
    .hinted = g_hash_table_new (NULL, NULL),
  };
  /* Progress only for fan-out (or an unknown count: --reliable, /users),
   * and only where a person watches it. */
  out->progress = !quiet && expected != 1 && isatty (STDERR_FILENO);
}

void
netsend_output_clear (NetsendOutput *out)
{
  g_clear_pointer (&out->hinted, g_hash_table_unref);
}

static void
progress_erase (NetsendOutput *out)
{
  if (out->progress_shown) {
    fputs ("\r\033[K", stderr);
    out->progress_shown = FALSE;
  }
}

static void
progress_show (NetsendOutput *out)
{
  if (!out->progress)
    return;
  if (out->expected > 0)
    fprintf (stderr, "\r\033[K[%u/%u] %u delivered, %u failed", out->done, out->expected,
             out->delivered + out->sent, out->failed);
  else
    fprintf (stderr, "\r\033[K[%u] %u delivered, %u failed", out->done,
             out->delivered + out->sent, out->failed);
  fflush (stderr);
  out->progress_shown = TRUE;
}

/* The code, its Windows text and the hint (once per code in a run). */
static void
print_error_detail (NetsendOutput *out, const GError *error, guint code, const char *hint)
{
  const char *text = ns_windows_error_text (code);

  if (code != 0)
    fprintf (stderr, "%s (%s %u)\n", text != NULL ? text : "Unknown error",
             code >= 2100 && code < 2999 ? "NERR" : "error", code);
  if (hint == NULL)
    hint = netsend_hint_for (error);
  if (hint != NULL && error != NULL
      && !g_hash_table_contains (out->hinted, GINT_TO_POINTER (error->code + 1))) {
    fprintf (stderr, "%s\n", hint);
    g_hash_table_add (out->hinted, GINT_TO_POINTER (error->code + 1));
  }
}

static void
print_result_text (NetsendOutput *out, const NsSendResult *result)
{
  g_autofree char *line = NULL;

  if (result->outcome != NS_SEND_FAILED) {
    if (out->quiet)
      return;
    line = netsend_success_line (result, out->workgroup);
    fprintf (out->stream, "%s\n", line);
    fflush (out->stream);
    return;
  }
  /* Runs the user interrupted end with "cancelled" results: the summary
   * counts them, a thousand error blocks would only hide it. */
  if (g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  line = netsend_failure_line (result);
  fprintf (stderr, "%s\n", line);
  if (result->error != NULL)
    fprintf (stderr, "%s%s%s: %s\n", result->recipient,
             result->address != NULL ? " at " : "",
             result->address != NULL ? result->address : "", result->error->message);
  print_error_detail (out, result->error,
                      result->windows_code != 0 ? result->windows_code
                                                : netsend_error_windows_code (result->error),
                      NULL);
}

/* One JSON object on a line of its own, at once (a reader may follow it). */
static void
print_json (NetsendOutput *out, JsonNode *node)
{
  g_autofree char *text = netsend_json_line (node);

  fprintf (out->stream, "%s\n", text);
  fflush (out->stream);
}

void
netsend_output_result (NetsendOutput *out, const NsSendResult *result)
{
  out->done++;
  if (result->outcome == NS_SEND_DELIVERED)
    out->delivered++;
  else if (result->outcome == NS_SEND_SENT)
    out->sent++;
  else
    out->failed++;
  if (g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    out->cancelled++;

  progress_erase (out);
  if (out->json) {
    g_autoptr (JsonNode) node = netsend_result_to_json (result);

    print_json (out, node);
  } else {
    print_result_text (out, result);
  }
  progress_show (out);
}

void
netsend_output_finish (NetsendOutput *out, const NsSendSummary *summary)
{
  g_autofree char *line = netsend_summary_line (summary);

  progress_erase (out);
  if (out->cancelled > 0)
    fprintf (stderr, "%s: interrupted: %u recipient(s) not tried or not finished\n", PROG,
             out->cancelled);
  if (out->quiet)
    return;
  /* In JSON mode stdout holds one object per recipient and nothing else. */
  if (out->json) {
    if (isatty (STDERR_FILENO))
      fprintf (stderr, "%s\n", line);
  } else {
    fprintf (out->stream, "%s\n", line);
  }
  fflush (out->stream);
}

void
netsend_output_error (NetsendOutput *out, const GError *error, const char *hint)
{
  progress_erase (out);
  if (out->json) {
    g_autoptr (JsonNode) node = netsend_error_to_json (error);

    print_json (out, node);
  }
  fprintf (stderr, "%s: %s\n", PROG, error->message);
  print_error_detail (out, error, netsend_error_windows_code (error), hint);
}
