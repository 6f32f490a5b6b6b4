/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The pure part of netsend: what the command line means (targets, @FILE
 * lists, the message), how outcomes become exit codes, Windows' wording
 * and the JSON shape of a result. No sockets, no main loop, no printing:
 * tests/unit/test-netsend-targets.c covers all of it. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <netsend/ns-send.h>

G_BEGIN_DECLS

/* Exit statuses (netsend --help and netsend(1) document them). The first
 * three are what issue 5 asks for; scripts test for 0. */
#define NETSEND_EXIT_OK 0          /* every recipient delivered (or sent) */
#define NETSEND_EXIT_PARTIAL 1     /* some recipients failed, some did not */
#define NETSEND_EXIT_USAGE 2       /* bad option, target, name or @FILE */
#define NETSEND_EXIT_FAILED 3      /* no recipient got the message */
#define NETSEND_EXIT_REFUSED 4     /* the text was refused before sending */
#define NETSEND_EXIT_SETUP 5       /* config, network or /users cannot apply */
#define NETSEND_EXIT_INTERRUPTED 130 /* SIGINT/SIGTERM: 128 + SIGINT */

/* A message text read from standard input is capped here (652 bytes is the
 * protocol's limit; --split may send a few kilobytes as several messages). */
#define NETSEND_MAX_INPUT_BYTES (64 * 1024)

/**
 * NetsendTargetKind:
 * @NETSEND_TARGET_NAME: a NetBIOS name or a dotted IPv4 address
 * @NETSEND_TARGET_BROADCAST: `*`, every name of the workgroup
 * @NETSEND_TARGET_DOMAIN: `/domain` or `/domain:NAME`
 * @NETSEND_TARGET_USERS: `/users`, the computers with a session here
 * @NETSEND_TARGET_FILE: `@FILE`, one recipient per line
 */
typedef enum {
  NETSEND_TARGET_NAME,
  NETSEND_TARGET_BROADCAST,
  NETSEND_TARGET_DOMAIN,
  NETSEND_TARGET_USERS,
  NETSEND_TARGET_FILE,
} NetsendTargetKind;

/* Rewrites Windows switches that are options (/?, /HELP) and stops at the
 * target: the target itself (/DOMAIN, /USERS) and everything after it
 * (the message) are left as typed. */
char **netsend_rewrite_args (int argc, char **argv);

/* Classifies the TARGET argument (Windows forms case-insensitive). On
 * success @ret_value is what the library takes: the name, "*",
 * "/domain" or "/domain:NAME" (NAME upper-cased), NULL for /users, the
 * file name for @FILE. G_OPTION_ERROR on a malformed target. */
gboolean netsend_target_classify (const char *arg, NetsendTargetKind *ret_kind,
                                  char **ret_value, GError **error);

/* TRUE when @name can address one recipient: a dotted IPv4 address, or 1
 * to 15 characters without \ / : * ? " < > | or control characters and
 * without a leading or trailing space. (The library applies the exact
 * rule, 15 bytes in the OEM code page; this check catches typos early and
 * names the culprit.) G_OPTION_ERROR otherwise. */
gboolean netsend_check_name (const char *name, GError **error);

/* Parses an @FILE list: one recipient per line; blank lines and lines
 * starting with '#' or ';' are skipped; surrounding white space and a CR
 * are dropped. Appends each recipient (a new string) to @out. Every bad
 * line is an error "FILE:LINE: reason" (G_OPTION_ERROR); on error @out is
 * unchanged. An empty list is an error too. */
gboolean netsend_parse_recipient_file (const char *data, gsize len, const char *filename,
                                       GPtrArray *out, GError **error);

/* The text of a message read from standard input: must be UTF-8 and at
 * most NETSEND_MAX_INPUT_BYTES; trailing line breaks are dropped (echo
 * adds one). NS_SEND_ERROR_CONVERSION / _MESSAGE_TOO_LONG otherwise. */
char *netsend_message_from_input (const char *data, gsize len, GError **error);

/* The computers holding a session on this machine's SMB server, from the
 * output of `smbstatus -b --json` (Samba >= 4.16): each session's
 * remote_machine when it is a NetBIOS name, else the address from its
 * hostname ("ipv4:10.0.0.2:40000"); sorted, without duplicates, possibly
 * empty. G_IO_ERROR_INVALID_DATA when the text is not that JSON. */
char **netsend_users_from_smbstatus (const char *json, gssize len, GError **error);

/* Exit status of a finished run. */
int netsend_exit_code (const NsSendSummary *summary, gboolean interrupted);

/* Exit status for an error that stopped the run before any recipient was
 * tried (sender options, text rules, targets, workgroup enumeration). */
int netsend_exit_code_for_error (const GError *error);

/* The NERR / Win32 code `net send` would print for @error (0 for none). */
guint netsend_error_windows_code (const GError *error);

/* Windows' success line for @result ("The message was successfully sent to
 * NAME." or, for a broadcast, "... to domain WORKGROUP."); @workgroup names
 * the `*` broadcast. NULL unless the result is delivered or sent. */
char *netsend_success_line (const NsSendResult *result, const char *workgroup);

/* Windows' first failure line: "An error occurred while sending a message
 * to NAME." */
char *netsend_failure_line (const NsSendResult *result);

/* "3 delivered, 1 failed" (with ", 1 sent without acknowledgement" when
 * broadcasts were sent). */
char *netsend_summary_line (const NsSendSummary *summary);

/* One result as a JSON object: {"recipient", "address" (null when not
 * resolved), "transport", "result" ("delivered", "sent", "failed"),
 * "error_code" (NERR / Win32, 0 on success), "error_message" (null on
 * success), "time_ms" (rounded), "time_us", "parts" (messages sent, more
 * than 1 with --split), "multi_block" (SMB 0xD5/0xD7/0xD6 was used)}. */
JsonNode *netsend_result_to_json (const NsSendResult *result);

/* A run-level error as the JSON object printed instead of results:
 * {"recipient": null, ..., "result": "error", "error_code", "error_message"}. */
JsonNode *netsend_error_to_json (const GError *error);

/* @node on one line (compact JSON, no newline). */
char *netsend_json_line (JsonNode *node);

/* The string forms used in JSON and text (static). */
const char *netsend_transport_name (NsSendTransport transport);
const char *netsend_outcome_name (NsSendOutcome outcome);

G_END_DECLS
