/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The pure part of netsend (see netsend-targets.h): PROTOCOL.md §6.1 for
 * the target forms, §6.3 for Windows' wording, §6.5 for the codes. */

#include "netsend-targets.h"

#include <string.h>

#include "cli-common.h"

/* Characters a NetBIOS name cannot hold (as `net name` and netsendd.conf
 * refuse them). */
#define BAD_NAME_CHARS "\\/:*?\"<>|"

char **
netsend_rewrite_args (int argc, char **argv)
{
  /* No option of netsend has a Windows spelling except /? and /HELP, which
   * cli_rewrite_switches() always knows. /DOMAIN and /USERS are targets,
   * not options: they stay positional, so nothing after them (the text)
   * is ever taken for an option. */
  static const CliSwitch none[] = { { NULL, NULL, FALSE } };

  return cli_rewrite_switches (argc, argv, none, TRUE);
}

static gboolean
is_ipv4 (const char *text)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (text);

  return addr != NULL && g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV4;
}

gboolean
netsend_check_name (const char *name, GError **error)
{
  glong n_chars;

  if (is_ipv4 (name))
    return TRUE;
  if (!g_utf8_validate (name, -1, NULL)) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "a recipient name is not valid UTF-8");
    return FALSE;
  }
  n_chars = g_utf8_strlen (name, -1);
  if (n_chars == 0) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "empty recipient name");
    return FALSE;
  }
  if (n_chars > 15) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "'%s' has %ld characters; a NetBIOS name has at most 15 "
                 "(give a host's address with -I)", name, n_chars);
    return FALSE;
  }
  for (const char *p = name; *p != '\0'; p++) {
    guchar c = (guchar) *p;

    if (strchr (BAD_NAME_CHARS, c) != NULL || c < 0x20 || c == 0x7f) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   c < 0x20 || c == 0x7f ? "'%s' contains a control character"
                                         : "'%s' contains '%c', which a NetBIOS name cannot hold",
                   name, c);
      return FALSE;
    }
  }
  if (name[0] == ' ' || name[strlen (name) - 1] == ' ') {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "'%s' starts or ends with a space", name);
    return FALSE;
  }
  return TRUE;
}

gboolean
netsend_target_classify (const char *arg, NetsendTargetKind *ret_kind, char **ret_value,
                         GError **error)
{
  NetsendTargetKind kind;
  g_autofree char *value = NULL;

  if (strcmp (arg, "*") == 0) {
    kind = NETSEND_TARGET_BROADCAST;
    value = g_strdup ("*");
  } else if (arg[0] == '@') {
    if (arg[1] == '\0') {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "@ needs a file name: @FILE lists one recipient per line");
      return FALSE;
    }
    kind = NETSEND_TARGET_FILE;
    value = g_strdup (arg + 1);
  } else if (g_ascii_strcasecmp (arg, "/domain") == 0) {
    kind = NETSEND_TARGET_DOMAIN;
    value = g_strdup ("/domain");
  } else if (g_ascii_strncasecmp (arg, "/domain:", 8) == 0) {
    g_autoptr (GError) local = NULL;

    if (!netsend_check_name (arg + 8, &local)) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %s", arg,
                   local->message);
      return FALSE;
    }
    kind = NETSEND_TARGET_DOMAIN;
    value = g_strconcat ("/domain:", arg + 8, NULL);
    /* ASCII only: the library upper-cases the rest in the OEM code page. */
    for (char *p = value + 8; *p != '\0'; p++)
      *p = g_ascii_toupper (*p);
  } else if (g_ascii_strcasecmp (arg, "/users") == 0) {
    kind = NETSEND_TARGET_USERS;
  } else if (arg[0] == '/') {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                 "unknown switch %s: the target is a NAME, *, /DOMAIN[:NAME], /USERS or @FILE",
                 arg);
    return FALSE;
  } else {
    if (!netsend_check_name (arg, error))
      return FALSE;
    kind = NETSEND_TARGET_NAME;
    value = g_strdup (arg);
  }
  *ret_kind = kind;
  *ret_value = g_steal_pointer (&value);
  return TRUE;
}

gboolean
netsend_parse_recipient_file (const char *data, gsize len, const char *filename,
                              GPtrArray *out, GError **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  const char *p = data, *end = data + len;
  guint line_no = 0;

  while (p < end) {
    const char *nl = memchr (p, '\n', (gsize) (end - p));
    gsize n = (gsize) ((nl != NULL ? nl : end) - p);
    g_autofree char *line = NULL;
    g_autoptr (GError) local = NULL;

    line_no++;
    if (!g_utf8_validate_len (p, n, NULL)) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s:%u: not UTF-8 text", filename, line_no);
      return FALSE;
    }
    line = g_strstrip (g_strndup (p, n));
    p = nl != NULL ? nl + 1 : end;
    if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
      continue;
    if (!netsend_check_name (line, &local)) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s:%u: %s", filename,
                   line_no, local->message);
      return FALSE;
    }
    g_ptr_array_add (found, g_steal_pointer (&line));
  }
  if (found->len == 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "%s lists no recipient (one name or address per line; # starts a comment)",
                 filename);
    return FALSE;
  }
  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add (out, g_strdup (found->pdata[i]));
  return TRUE;
}

char *
netsend_message_from_input (const char *data, gsize len, GError **error)
{
  if (len > NETSEND_MAX_INPUT_BYTES) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_MESSAGE_TOO_LONG,
                 "the message on standard input has more than %d bytes", NETSEND_MAX_INPUT_BYTES);
    return NULL;
  }
  if (!g_utf8_validate_len (data, len, NULL)) {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_CONVERSION,
                         "the message on standard input is not UTF-8 text (netsend reads "
                         "UTF-8 and converts it to the code page itself)");
    return NULL;
  }
  while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
    len--;
  return g_strndup (data, len);
}

/* "ipv4:10.0.0.2:40000" -> "10.0.0.2"; NULL for anything else. */
static char *
address_of_hostname (const char *hostname)
{
  const char *colon;
  g_autofree char *addr = NULL;

  if (hostname == NULL || !g_str_has_prefix (hostname, "ipv4:"))
    return NULL;
  colon = strrchr (hostname + 5, ':');
  addr = colon != NULL ? g_strndup (hostname + 5, (gsize) (colon - hostname - 5))
                       : g_strdup (hostname + 5);
  return is_ipv4 (addr) ? g_steal_pointer (&addr) : NULL;
}

static gint
compare_strings (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (a, b);
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

char **
netsend_users_from_smbstatus (const char *json, gssize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();
  g_autoptr (GTree) seen = g_tree_new_full (compare_strings, NULL, g_free, NULL);
  g_autoptr (GError) local = NULL;
  JsonNode *root, *sessions;
  g_autoptr (GList) members = NULL;

  if (!json_parser_load_from_data (parser, json, len, &local)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "smbstatus did not print JSON: %s", local->message);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "smbstatus printed JSON without an object");
    return NULL;
  }
  sessions = json_object_get_member (json_node_get_object (root), "sessions");
  if (sessions != NULL && !JSON_NODE_HOLDS_OBJECT (sessions)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         "smbstatus printed \"sessions\" that is not an object");
    return NULL;
  }
  if (sessions != NULL)
    members = json_object_get_values (json_node_get_object (sessions));
  for (GList *l = members; l != NULL; l = l->next) {
    JsonObject *session;
    const char *machine;
    char *who = NULL;

    if (!JSON_NODE_HOLDS_OBJECT (l->data))
      continue;
    session = json_node_get_object (l->data);
    machine = member_string (session, "remote_machine");
    /* remote_machine is the client's NetBIOS calling name over port 139,
     * its address over 445 (SMB2 has no calling name). */
    if (machine != NULL && netsend_check_name (machine, NULL))
      who = is_ipv4 (machine) ? g_strdup (machine) : g_ascii_strup (machine, -1);
    else
      who = address_of_hostname (member_string (session, "hostname"));
    if (who != NULL && !g_tree_lookup_extended (seen, who, NULL, NULL))
      g_tree_insert (seen, who, who);
    else
      g_free (who);
  }
  for (GTreeNode *n = g_tree_node_first (seen); n != NULL; n = g_tree_node_next (n))
    g_strv_builder_add (out, g_tree_node_key (n));
  return g_strv_builder_end (out);
}

int
netsend_exit_code (const NsSendSummary *summary, gboolean interrupted)
{
  if (interrupted)
    return NETSEND_EXIT_INTERRUPTED;
  if (summary->n_failed == 0)
    return NETSEND_EXIT_OK;
  if (summary->n_failed >= summary->n_results)
    return NETSEND_EXIT_FAILED;
  return NETSEND_EXIT_PARTIAL;
}

int
netsend_exit_code_for_error (const GError *error)
{
  if (error == NULL)
    return NETSEND_EXIT_OK;
  if (error->domain == G_OPTION_ERROR)
    return NETSEND_EXIT_USAGE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NETSEND_EXIT_INTERRUPTED;
  if (error->domain != NS_SEND_ERROR)
    return NETSEND_EXIT_SETUP;
  switch ((NsSendError) error->code) {
    case NS_SEND_ERROR_EMPTY_MESSAGE:
    case NS_SEND_ERROR_MESSAGE_TOO_LONG:
    case NS_SEND_ERROR_CONVERSION:
      return NETSEND_EXIT_REFUSED;
    case NS_SEND_ERROR_INVALID_NAME:
    case NS_SEND_ERROR_INVALID_ARGUMENT:
      return NETSEND_EXIT_USAGE;
    case NS_SEND_ERROR_NETWORK:
    case NS_SEND_ERROR_NOT_SUPPORTED:
    case NS_SEND_ERROR_FAILED:
      return NETSEND_EXIT_SETUP;
    default:
      return NETSEND_EXIT_FAILED;
  }
}

guint
netsend_error_windows_code (const GError *error)
{
  if (error == NULL || error->domain != NS_SEND_ERROR)
    return 0;
  return ns_send_error_windows_code ((NsSendError) error->code);
}

/* How Windows names the recipient: "domain NAME" for a broadcast. */
static char *
display_name (const NsSendResult *result, const char *workgroup)
{
  const char *r = result->recipient != NULL ? result->recipient : "";

  if (strcmp (r, "*") == 0 || g_ascii_strcasecmp (r, "/domain") == 0)
    return g_strdup_printf ("domain %s", workgroup != NULL ? workgroup : NS_SEND_DEFAULT_WORKGROUP);
  if (g_ascii_strncasecmp (r, "/domain:", 8) == 0)
    return g_strdup_printf ("domain %s", r + 8);
  return g_strdup (r);
}

static gboolean
is_broadcast (const NsSendResult *result)
{
  const char *r = result->recipient != NULL ? result->recipient : "";

  return strcmp (r, "*") == 0 || g_ascii_strncasecmp (r, "/domain", 7) == 0;
}

char *
netsend_success_line (const NsSendResult *result, const char *workgroup)
{
  g_autofree char *who = display_name (result, workgroup);

  if (result->outcome == NS_SEND_DELIVERED || (result->outcome == NS_SEND_SENT
                                               && is_broadcast (result)))
    return g_strdup_printf ("The message was successfully sent to %s.", who);
  if (result->outcome == NS_SEND_SENT)
    return g_strdup_printf ("The message was sent to %s without acknowledgement "
                            "(mailslot datagram).", who);
  return NULL;
}

char *
netsend_failure_line (const NsSendResult *result)
{
  g_autofree char *who = display_name (result, NULL);

  return g_strdup_printf ("An error occurred while sending a message to %s.", who);
}

char *
netsend_summary_line (const NsSendSummary *summary)
{
  if (summary->n_sent > 0)
    return g_strdup_printf ("%u delivered, %u sent without acknowledgement, %u failed",
                            summary->n_delivered, summary->n_sent, summary->n_failed);
  return g_strdup_printf ("%u delivered, %u failed", summary->n_delivered, summary->n_failed);
}

const char *
netsend_transport_name (NsSendTransport transport)
{
  switch (transport) {
    case NS_SEND_TRANSPORT_AUTO: return "auto";
    case NS_SEND_TRANSPORT_SMB: return "smb";
    case NS_SEND_TRANSPORT_MAILSLOT: return "mailslot";
    case NS_SEND_TRANSPORT_RPC: return "rpc";
    default: return "unknown";
  }
}

const char *
netsend_outcome_name (NsSendOutcome outcome)
{
  switch (outcome) {
    case NS_SEND_DELIVERED: return "delivered";
    case NS_SEND_SENT: return "sent";
    case NS_SEND_FAILED: return "failed";
    default: return "unknown";
  }
}

static void
add_string_or_null (JsonBuilder *b, const char *member, const char *value)
{
  json_builder_set_member_name (b, member);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

JsonNode *
netsend_result_to_json (const NsSendResult *result)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  gboolean failed = result->outcome == NS_SEND_FAILED;
  guint code = result->windows_code;

  if (failed && code == 0)
    code = netsend_error_windows_code (result->error);
  json_builder_begin_object (b);
  add_string_or_null (b, "recipient", result->recipient);
  add_string_or_null (b, "address", result->address);
  add_string_or_null (b, "transport", netsend_transport_name (result->transport));
  add_string_or_null (b, "result", netsend_outcome_name (result->outcome));
  json_builder_set_member_name (b, "error_code");
  json_builder_add_int_value (b, failed ? code : 0);
  add_string_or_null (b, "error_message",
                      failed ? (result->error != NULL ? result->error->message
                                                      : ns_windows_error_text (code))
                             : NULL);
  /* Whole milliseconds for people and jq, microseconds for benchmarks
   * (a double would print as 5002.7060000000001). */
  json_builder_set_member_name (b, "time_ms");
  json_builder_add_int_value (b, (result->elapsed_us + 500) / 1000);
  json_builder_set_member_name (b, "time_us");
  json_builder_add_int_value (b, result->elapsed_us);
  json_builder_set_member_name (b, "parts");
  json_builder_add_int_value (b, result->n_parts);
  json_builder_set_member_name (b, "multi_block");
  json_builder_add_boolean_value (b, result->multi_block);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
netsend_error_to_json (const GError *error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string_or_null (b, "recipient", NULL);
  add_string_or_null (b, "address", NULL);
  add_string_or_null (b, "transport", NULL);
  add_string_or_null (b, "result", "error");
  json_builder_set_member_name (b, "error_code");
  json_builder_add_int_value (b, netsend_error_windows_code (error));
  add_string_or_null (b, "error_message", error->message);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
netsend_json_line (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  json_generator_set_pretty (gen, FALSE);
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}
