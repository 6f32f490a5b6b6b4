/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The pure rules of delivery; see delivery-util.h. */

#include "delivery-util.h"

#include <string.h>
#include <sys/stat.h>

#include "format.h"

/* ---- hook ---------------------------------------------------------------- */

static void
add_env (GStrvBuilder *b, const char *key, const char *value)
{
  g_autofree char *entry = g_strconcat (key, "=", value != NULL ? value : "", NULL);

  g_strv_builder_add (b, entry);
}

static void
add_env_name (GStrvBuilder *b, const char *key, const char *name)
{
  /* One line, no escape sequence: scripts log these or put them in a
   * notification. The text on stdin is left exact. */
  g_autofree char *clean = ns_format_sanitize (name, TRUE, 0);

  add_env (b, key, clean);
}

char **
ns_delivery_hook_env (const NsStoredMessage *msg, const char *const *base_env)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *id = NULL;
  g_autofree char *port = NULL;
  g_autofree char *time = NULL;

  g_return_val_if_fail (msg != NULL, NULL);
  /* Our variables must not be spoofable through the inherited ones. */
  for (const char *const *e = base_env; e != NULL && *e != NULL; e++)
    if (!g_str_has_prefix (*e, "NETSEND_"))
      g_strv_builder_add (b, *e);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, msg->id);
  port = g_strdup_printf ("%u", msg->port);
  time = ns_format_time_iso8601 (msg->received_us);
  add_env (b, "NETSEND_ID", id);
  add_env_name (b, "NETSEND_FROM", msg->from);
  add_env_name (b, "NETSEND_TO", msg->to);
  add_env_name (b, "NETSEND_SOURCE", msg->source);
  add_env (b, "NETSEND_PORT", port);
  add_env (b, "NETSEND_TRANSPORT", ns_transport_kind_to_string (msg->transport));
  add_env (b, "NETSEND_TIME", time);
  add_env_name (b, "NETSEND_CODEPAGE", msg->codepage);
  return g_strv_builder_end (b);
}

/* ---- terminals ------------------------------------------------------------- */

NsLoginSession *
ns_login_session_new (const char *user, const char *line)
{
  NsLoginSession *s = g_new0 (NsLoginSession, 1);

  s->user = g_strdup (user);
  s->line = g_strdup (line);
  return s;
}

void
ns_login_session_free (NsLoginSession *session)
{
  if (session == NULL)
    return;
  g_free (session->user);
  g_free (session->line);
  g_free (session);
}

/* Case-folded, trailing spaces removed (NetBIOS names are space-padded). */
static char *
name_key (const char *name)
{
  g_autofree char *copy = g_strdup (name != NULL ? name : "");

  g_strchomp (copy);
  if (!g_utf8_validate (copy, -1, NULL))
    return g_strdup ("");
  return g_utf8_casefold (copy, -1);
}

static gboolean
names_equal (const char *a, const char *b)
{
  g_autofree char *ka = name_key (a);
  g_autofree char *kb = name_key (b);

  return ka[0] != '\0' && strcmp (ka, kb) == 0;
}

gboolean
ns_delivery_is_for_user (const char *to, const char *user, const char *computer_name,
                         NsDeliveryUserExistsFunc user_exists, gpointer user_data)
{
  g_autofree char *key = name_key (to);

  /* No recipient name: nothing says it is someone else's. */
  if (key[0] == '\0')
    return TRUE;
  if (computer_name != NULL && names_equal (to, computer_name))
    return TRUE;
  if (names_equal (to, user))
    return TRUE;
  /* Another account's name: Windows registers the logged-on user's name
   * as an alias, and a message to it is that user's. Any other name of
   * ours (alias, workgroup, '*') is everybody's. */
  return user_exists == NULL || !user_exists (to, user_data);
}

GPtrArray *
ns_delivery_select_sessions (const char *to, const char *computer_name,
                             const GPtrArray *sessions, NsDeliveryUserExistsFunc user_exists,
                             gpointer user_data)
{
  GPtrArray *out = g_ptr_array_new ();
  g_autoptr (GHashTable) lines = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; sessions != NULL && i < sessions->len; i++) {
    NsLoginSession *s = g_ptr_array_index ((GPtrArray *) sessions, i);
    g_autofree char *path = ns_delivery_tty_path (s->line);

    if (path == NULL || s->user == NULL || s->user[0] == '\0'
        || g_hash_table_contains (lines, s->line))
      continue;
    if (!ns_delivery_is_for_user (to, s->user, computer_name, user_exists, user_data))
      continue;
    g_hash_table_add (lines, s->line);
    g_ptr_array_add (out, s);
  }
  return out;
}

static gboolean
all_alnum (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s))
      return FALSE;
  return TRUE;
}

static gboolean
all_digits (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

char *
ns_delivery_tty_path (const char *line)
{
  /* ut_line is 32 bytes; anything longer is not from utmp. */
  if (line == NULL || strlen (line) > 32)
    return NULL;
  if (g_str_has_prefix (line, "pts/") && all_digits (line + 4))
    return g_strconcat ("/dev/", line, NULL);
  if (g_str_has_prefix (line, "tty") && all_alnum (line + 3))
    return g_strconcat ("/dev/", line, NULL);
  return NULL;
}

gboolean
ns_delivery_tty_allowed (guint mode, guint owner, guint uid, const char **ret_reason)
{
  const char *reason = NULL;

  if (!S_ISCHR (mode))
    reason = "not a terminal device";
  else if (owner != uid)
    reason = "owned by another user";
  else if ((mode & S_IWGRP) == 0)
    reason = "messages are off (mesg n)";
  if (ret_reason != NULL)
    *ret_reason = reason;
  return reason == NULL;
}

GBytes *
ns_delivery_terminal_text (const NsStoredMessage *msg, GTimeZone *tz)
{
  g_autofree char *shown = NULL;
  GString *out;

  g_return_val_if_fail (msg != NULL, NULL);
  shown = ns_format_message (msg, tz);
  out = g_string_sized_new (strlen (shown) + 64);
  /* Start on a fresh line, with the bell Windows' popup came with. */
  g_string_append (out, "\r\n\a");
  for (const char *p = shown; *p != '\0'; p++) {
    if (*p == '\n')
      g_string_append (out, "\r\n");
    else
      g_string_append_c (out, *p);
  }
  return g_string_free_to_bytes (out);
}

/* ---- control API ----------------------------------------------------------- */

GVariant *
ns_delivery_message_to_variant (const NsStoredMessage *msg)
{
  GVariantBuilder b;

  g_return_val_if_fail (msg != NULL, NULL);
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "id", g_variant_new_uint64 ((guint64) msg->id));
  g_variant_builder_add (&b, "{sv}", "time", g_variant_new_int64 (msg->received_us));
  g_variant_builder_add (&b, "{sv}", "from", g_variant_new_string (msg->from ? msg->from : ""));
  g_variant_builder_add (&b, "{sv}", "to", g_variant_new_string (msg->to ? msg->to : ""));
  g_variant_builder_add (&b, "{sv}", "text", g_variant_new_string (msg->text ? msg->text : ""));
  g_variant_builder_add (&b, "{sv}", "source",
                         g_variant_new_string (msg->source ? msg->source : ""));
  g_variant_builder_add (&b, "{sv}", "port", g_variant_new_uint16 (msg->port));
  g_variant_builder_add (&b, "{sv}", "transport",
                         g_variant_new_string (ns_transport_kind_to_string (msg->transport)));
  g_variant_builder_add (&b, "{sv}", "codepage",
                         g_variant_new_string (msg->codepage ? msg->codepage : ""));
  return g_variant_builder_end (&b);
}

static gboolean
lookup (GVariantDict *dict, const char *key, const char *type, gboolean required, GVariant **ret,
        GError **error)
{
  g_autoptr (GVariant) v = g_variant_dict_lookup_value (dict, key, NULL);

  if (v == NULL && !required) {
    *ret = NULL;
    return TRUE;
  }
  if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE (type))) {
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                 "message: \"%s\" %s (wanted type %s)", key, v ? "has the wrong type" : "missing",
                 type);
    return FALSE;
  }
  *ret = g_steal_pointer (&v);
  return TRUE;
}

static char *
take_string (GVariant *v)
{
  char *s = v != NULL ? g_variant_dup_string (v, NULL) : NULL;

  if (v != NULL)
    g_variant_unref (v);
  return s;
}

NsStoredMessage *
ns_delivery_message_from_variant (GVariant *dict, GError **error)
{
  g_autoptr (NsStoredMessage) msg = ns_stored_message_new ();
  g_auto (GVariantDict) d;
  GVariant *v[9] = { NULL };
  static const struct { const char *key, *type; gboolean required; } fields[] = {
    { "id", "t", TRUE },          { "time", "x", TRUE },   { "from", "s", TRUE },
    { "to", "s", TRUE },          { "text", "s", TRUE },   { "source", "s", FALSE },
    { "port", "q", FALSE },       { "transport", "s", FALSE }, { "codepage", "s", FALSE },
  };

  g_return_val_if_fail (dict != NULL, NULL);
  if (!g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT)) {
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "message: not an a{sv}");
    return NULL;
  }
  g_variant_dict_init (&d, dict);
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
    if (!lookup (&d, fields[i].key, fields[i].type, fields[i].required, &v[i], error)) {
      for (gsize j = 0; j < i; j++)
        g_clear_pointer (&v[j], g_variant_unref);
      return NULL;
    }
  }
  msg->id = (gint64) g_variant_get_uint64 (v[0]);
  msg->received_us = g_variant_get_int64 (v[1]);
  g_variant_unref (v[0]);
  g_variant_unref (v[1]);
  msg->from = take_string (v[2]);
  msg->to = take_string (v[3]);
  msg->text = take_string (v[4]);
  msg->source = take_string (v[5]);
  if (v[6] != NULL) {
    msg->port = g_variant_get_uint16 (v[6]);
    g_variant_unref (v[6]);
  }
  if (v[7] != NULL) {
    g_autofree char *transport = take_string (v[7]);

    /* A transport added by a newer daemon shows as smb rather than fail. */
    if (!ns_transport_kind_from_string (transport, &msg->transport))
      msg->transport = NS_TRANSPORT_SMB;
  }
  msg->codepage = take_string (v[8]);
  return g_steal_pointer (&msg);
}

NsStoredMessage *
ns_delivery_message_from_signal (GVariant *args)
{
  NsStoredMessage *msg;
  guint64 id;
  g_autofree char *transport = NULL;

  if (args == NULL || !g_variant_is_of_type (args, G_VARIANT_TYPE ("(txsssss)")))
    return NULL;
  msg = ns_stored_message_new ();
  g_variant_get (args, "(txsssss)", &id, &msg->received_us, &msg->from, &msg->to, &msg->text,
                 &msg->source, &transport);
  msg->id = (gint64) id;
  if (!ns_transport_kind_from_string (transport, &msg->transport))
    msg->transport = NS_TRANSPORT_SMB;
  return msg;
}

/* Any integer type, not negative. */
static gboolean
get_unsigned (GVariant *v, const char *key, guint64 *ret, GError **error)
{
  gint64 s = 0;
  gboolean is_signed = TRUE;
  guint64 u = 0;

  switch (g_variant_classify (v)) {
    case G_VARIANT_CLASS_BYTE: u = g_variant_get_byte (v); is_signed = FALSE; break;
    case G_VARIANT_CLASS_INT16: s = g_variant_get_int16 (v); break;
    case G_VARIANT_CLASS_UINT16: u = g_variant_get_uint16 (v); is_signed = FALSE; break;
    case G_VARIANT_CLASS_INT32: s = g_variant_get_int32 (v); break;
    case G_VARIANT_CLASS_UINT32: u = g_variant_get_uint32 (v); is_signed = FALSE; break;
    case G_VARIANT_CLASS_INT64: s = g_variant_get_int64 (v); break;
    case G_VARIANT_CLASS_UINT64: u = g_variant_get_uint64 (v); is_signed = FALSE; break;
    default:
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "filter: \"%s\" must be an integer, not %s", key, g_variant_get_type_string (v));
      return FALSE;
  }
  if (is_signed && s < 0) {
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                 "filter: \"%s\" must not be negative", key);
    return FALSE;
  }
  *ret = is_signed ? (guint64) s : u;
  return TRUE;
}

gboolean
ns_delivery_parse_filter (GVariant *filter, NsStoreQuery *ret_query, GError **error)
{
  NsStoreQuery q = { 0 };
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (ret_query != NULL, FALSE);
  if (filter == NULL || !g_variant_is_of_type (filter, G_VARIANT_TYPE_VARDICT)) {
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "filter: not an a{sv}");
    return FALSE;
  }
  g_variant_iter_init (&iter, filter);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    guint64 n = 0;
    gboolean ok = TRUE;

    if (strcmp (key, "from") == 0) {
      ok = g_variant_is_of_type (value, G_VARIANT_TYPE_STRING);
      if (!ok)
        g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                     "filter: \"from\" must be a string");
      else
        q.from = g_variant_get_string (value, NULL);
    } else if (strcmp (key, "since") == 0 || strcmp (key, "after-id") == 0
               || strcmp (key, "limit") == 0) {
      ok = get_unsigned (value, key, &n, error);
      if (ok && key[0] == 's')
        q.since_us = (gint64) MIN (n, (guint64) G_MAXINT64);
      else if (ok && key[0] == 'a')
        q.after_id = (gint64) MIN (n, (guint64) G_MAXINT64);
      else if (ok)
        q.limit = (guint) MIN (n, (guint64) NS_DELIVERY_LIST_MAX);
    } else {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "filter: unknown key \"%s\" (known: since, from, after-id, limit)", key);
      ok = FALSE;
    }
    if (!ok) {
      g_variant_unref (value);
      return FALSE;
    }
  }
  if (q.limit == 0)
    q.limit = NS_DELIVERY_LIST_MAX;
  *ret_query = q;
  return TRUE;
}

GVariant *
ns_delivery_filter_to_variant (const NsStoreQuery *query)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  if (query != NULL && query->since_us > 0)
    g_variant_builder_add (&b, "{sv}", "since", g_variant_new_int64 (query->since_us));
  if (query != NULL && query->from != NULL)
    g_variant_builder_add (&b, "{sv}", "from", g_variant_new_string (query->from));
  if (query != NULL && query->after_id > 0)
    g_variant_builder_add (&b, "{sv}", "after-id", g_variant_new_uint64 ((guint64) query->after_id));
  if (query != NULL && query->limit > 0)
    g_variant_builder_add (&b, "{sv}", "limit", g_variant_new_uint32 (query->limit));
  return g_variant_builder_end (&b);
}
