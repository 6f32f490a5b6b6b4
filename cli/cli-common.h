/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What netsend, netname and netmsg share: Windows-style switches next to
 * GNU options, exit codes, error reports in the style of NET.EXE, JSON on
 * stdout. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <sysexits.h>

G_BEGIN_DECLS

/* Exit codes (documented in each --help and man page). sysexits.h codes,
 * plus 2 for "the request was refused with a NERR code" (what NET.EXE
 * scripts know as failure). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_NERR 2
#define CLI_EXIT_USAGE EX_USAGE             /* 64: bad arguments */
#define CLI_EXIT_DATAERR EX_DATAERR         /* 65: invalid name or message */
#define CLI_EXIT_NOHOST EX_NOHOST           /* 68: name or host not found */
#define CLI_EXIT_UNAVAILABLE EX_UNAVAILABLE /* 69: netsendd not running */
#define CLI_EXIT_TEMPFAIL EX_TEMPFAIL       /* 75: timeout, worth a retry */
#define CLI_EXIT_PROTOCOL EX_PROTOCOL       /* 76: unexpected reply */
#define CLI_EXIT_NOPERM EX_NOPERM           /* 77: not allowed */

/* NET.EXE's success line. */
#define CLI_SUCCESS_LINE "The command completed successfully."
/* NET.EXE's rule under a heading: 79 dashes. */
#define CLI_RULE \
  "-------------------------------------------------------------------------------"

/* setlocale, logs to stderr (so stdout stays clean for --json). */
void cli_init (void);

/**
 * CliSwitch:
 * @windows: the switch without its slash, lower case ("add", "delete")
 * @gnu: what it becomes ("--add"); with @takes_value, "/domain:X" becomes
 *   "--domain=X" and a bare "/domain" becomes @gnu alone
 * @takes_value: whether "/switch:value" is accepted
 */
typedef struct {
  const char *windows;
  const char *gnu;
  gboolean takes_value;
} CliSwitch;

/* Returns a copy of @argv where each argument that is exactly one of
 * @switches ("/ADD", "/add", "/Domain:LAB", case-insensitive) is rewritten
 * to its GNU form; "/?" and "/help" become "--help". Nothing else that
 * starts with '/' is touched. With @stop_at_positional, rewriting stops at
 * the first argument that is not an option (netsend: the rest is the
 * message). @switches ends with a zeroed entry. */
char **cli_rewrite_switches (int argc, char **argv, const CliSwitch *switches,
                             gboolean stop_at_positional);

/* Prints "PROG: message" and, for an error carrying a Windows code, the
 * NET.EXE text with the code and @hint (what to do), to stderr. */
void cli_print_error (const char *prog, const GError *error, const char *hint);

/* The Windows (NERR/Win32) code of @error, or 0. */
guint cli_error_nerr (const GError *error);

/* The exit code for @error (see the CLI_EXIT_* list). */
int cli_exit_code (const GError *error);

/* {"error": {"code": "...", "nerr": N, "message": "..."}} */
void cli_json_add_error (JsonBuilder *builder, const GError *error);

/* Prints @root pretty to stdout with a final newline. */
void cli_print_json (JsonNode *root);

G_END_DECLS
