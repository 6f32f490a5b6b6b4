/* SPDX-License-Identifier: GPL-3.0-or-later */

/* netname: Windows' `net name` for netsendd (PROTOCOL.md §6.2, §6.3).
 *
 *   netname                       list this computer's message names
 *   netname NAME [/ADD]           add a message alias (NetMessageNameAdd)
 *   netname NAME /DELETE          delete one (NetMessageNameDel)
 *   netname --host ADDRESS        list another host's names (node status)
 *
 * Local names go through netsendd's control API; --host asks the other
 * host directly, as `nbtstat -A` does, and needs no daemon. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netsend/nb-ns.h>
#include <netsend/nb-registrar.h>
#include <netsend/nb-resolver.h>
#include <netsend/ns-net.h>

#include "cli-common.h"
#include "cli-control.h"
#include "control-errors.h"

#define PROG "netname"

typedef struct {
  char *add;
  char *del;
  gboolean win_add;
  gboolean win_delete;
  gboolean all;
  gboolean json;
  gboolean quiet;
  gboolean version;
  gboolean status;
  char *host;
  int port;
  char *socket;
  char **rest;
} Options;

typedef enum { ACTION_LIST, ACTION_ADD, ACTION_DELETE, ACTION_HOST, ACTION_STATUS } Action;

static const CliSwitch switches[] = {
  { "add", "--windows-add", FALSE },
  { "delete", "--windows-delete", FALSE },
  { "del", "--windows-delete", FALSE },
  { "d", "--windows-delete", FALSE },
  { NULL, NULL, FALSE },
};

static const char description[] =
  "Windows syntax works too: NAME /ADD, NAME /DELETE (/DEL, /D), /? — switches\n"
  "are case-insensitive. A NAME without a switch is added, as in `net name`.\n"
  "\n"
  "The daemon is found through --socket, $NETSEND_CONTROL, the private socket\n"
  CLI_CONTROL_DEFAULT_SOCKET " (root and the admin group), or the system bus.\n"
  "\n"
  "Exit status:\n"
  "  0   success\n"
  "  2   refused with a NERR code (printed), e.g. 2276 already exists, 2277 too many\n"
  "      names, 2278 the computer name cannot be deleted, 2283 name busy,\n"
  "      2285 not a local name, 2297 duplicate name on the network\n"
  "  64  bad arguments\n"
  "  65  invalid name (error 123)\n"
  "  68  --host: no such host\n"
  "  69  netsendd is not running (NERR 2284); --host: nothing listens on its\n"
  "      name-service port (ICMP port unreachable)\n"
  "  75  --host did not answer\n"
  "  76  unexpected reply\n"
  "  77  not allowed (error 5): changes need root or the admin group\n";

static const struct {
  NsControlError code;
  const char *hint;
} hints[] = {
  { NS_CONTROL_ERROR_INVALID_NAME,
    "A name has 1 to 15 characters, none of \\ / : * ? \" < > |, and no leading or trailing "
    "space." },
  { NS_CONTROL_ERROR_ALREADY_EXISTS, "'netname' lists the names this computer has." },
  { NS_CONTROL_ERROR_TOO_MANY_NAMES, "Delete an alias first: netname NAME /delete" },
  { NS_CONTROL_ERROR_DEL_COMPUTER_NAME,
    "The computer name comes from [netbios] name in netsendd.conf." },
  { NS_CONTROL_ERROR_NAME_IN_USE,
    "Another request is adding or deleting this name; try again in a moment." },
  { NS_CONTROL_ERROR_NOT_LOCAL_NAME, "'netname' lists the names this computer has." },
  { NS_CONTROL_ERROR_DUPLICATE_NAME,
    "Another computer on the network owns this name; choose another one." },
  { NS_CONTROL_ERROR_ACCESS_DENIED,
    "Changing names needs root or membership of netsendd's admin group "
    "([control] admin-group, default netsend-admin)." },
  { NS_CONTROL_ERROR_NOT_RUNNING,
    "Start it (systemctl start netsendd), or point --socket or NETSEND_CONTROL at a "
    "running netsendd." },
  { NS_CONTROL_ERROR_NETWORK, "See netsendd's log (journalctl -u netsendd)." },
  { NS_CONTROL_ERROR_FAILED, "See netsendd's log (journalctl -u netsendd)." },
};

static const char *
hint_for (const GError *error)
{
  if (error->domain != NS_CONTROL_ERROR)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (hints); i++)
    if ((int) hints[i].code == error->code)
      return hints[i].hint;
  return NULL;
}

/* Reports @error in the chosen format and returns the exit code. */
static int
fail (const Options *o, GError *error)
{
  cli_control_fix_error (error);
  if (o->json) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_object (b);
    cli_json_add_error (b, error);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    cli_print_json (root);
  }
  cli_print_error (PROG, error, hint_for (error));
  return cli_exit_code (error);
}

static const char *
type_of (gboolean group)
{
  return group ? "group" : "unique";
}

/* ---- local names (control API) ---- */

/* One name of ListNames2 (aa{sv}); absent keys read as empty. */
typedef struct {
  const char *name;
  guint8 suffix;
  gboolean group;
  const char *state;
  const char **ifaces;
  const char *via;
  const char **wins;
  guint32 ttl;
  gboolean has_refresh;
  guint32 refresh_in;
  const char *conflict_with;
  gboolean conflict_by_wins;
  const char *conflict_rcode;
} NameRow;

static void
read_row (GVariant *dict, NameRow *r)
{
  GVariantDict d;
  static const char *none[] = { NULL };

  memset (r, 0, sizeof *r);
  g_variant_dict_init (&d, dict);
  if (!g_variant_dict_lookup (&d, "name", "&s", &r->name))
    r->name = "";
  g_variant_dict_lookup (&d, "suffix", "y", &r->suffix);
  g_variant_dict_lookup (&d, "group", "b", &r->group);
  if (!g_variant_dict_lookup (&d, "state", "&s", &r->state))
    r->state = "";
  if (!g_variant_dict_lookup (&d, "interfaces", "^a&s", &r->ifaces))
    r->ifaces = g_memdup2 (none, sizeof none);
  if (!g_variant_dict_lookup (&d, "registered-by", "&s", &r->via))
    r->via = "";
  if (!g_variant_dict_lookup (&d, "wins-servers", "^a&s", &r->wins))
    r->wins = g_memdup2 (none, sizeof none);
  g_variant_dict_lookup (&d, "ttl", "u", &r->ttl);
  r->has_refresh = g_variant_dict_lookup (&d, "refresh-in", "u", &r->refresh_in);
  g_variant_dict_lookup (&d, "conflict-with", "&s", &r->conflict_with);
  g_variant_dict_lookup (&d, "conflict-by-wins", "b", &r->conflict_by_wins);
  g_variant_dict_lookup (&d, "conflict-rcode", "&s", &r->conflict_rcode);
  g_variant_dict_clear (&d);
}

static void
clear_row (NameRow *r)
{
  g_clear_pointer (&r->ifaces, g_free);
  g_clear_pointer (&r->wins, g_free);
}

/* A daemon without ListNames2 (before issue 6): its ListNames as
 * ListNames2 dictionaries without the new keys. */
static GVariant *
list_as_dicts (GVariant *names)
{
  GVariantBuilder b;
  GVariantIter iter;
  GVariant *tuple;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_iter_init (&iter, names);
  while ((tuple = g_variant_iter_next_value (&iter)) != NULL) {
    GVariantDict d;

    g_variant_dict_init (&d, NULL);
    g_variant_dict_insert_value (&d, "name", g_variant_get_child_value (tuple, 0));
    g_variant_dict_insert_value (&d, "suffix", g_variant_get_child_value (tuple, 1));
    g_variant_dict_insert_value (&d, "group", g_variant_get_child_value (tuple, 2));
    g_variant_dict_insert_value (&d, "state", g_variant_get_child_value (tuple, 3));
    g_variant_dict_insert_value (&d, "interfaces", g_variant_get_child_value (tuple, 4));
    g_variant_builder_add_value (&b, g_variant_dict_end (&d));
    g_variant_unref (tuple);
  }
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

/* Where a name is registered, for the text view: broadcast, wins,
 * broadcast+wins; for a conflict who refused it. */
static char *
via_text (const NameRow *r)
{
  if (r->conflict_with != NULL)
    return g_strdup_printf ("refused by %s%s%s%s", r->conflict_by_wins ? "WINS " : "",
                            r->conflict_with, r->conflict_rcode ? " " : "",
                            r->conflict_rcode ? r->conflict_rcode : "");
  if (r->wins[0] != NULL && strstr (r->via, "wins") != NULL) {
    g_autofree char *servers = g_strjoinv (",", (char **) r->wins);

    return g_strdup_printf ("%s (%s)", r->via, servers);
  }
  return g_strdup (r->via);
}

static void
print_list_text (const Options *o, GVariant *names)
{
  GVariantIter iter;
  GVariant *dict;

  if (!o->quiet) {
    printf (o->all ? "%-15s %-6s %-7s %-12s %-12s %s\n" : "%s\n", "Name", "Suffix", "Type",
            "State", "Interfaces", "Registered by");
    printf ("%s\n", CLI_RULE);
  }
  g_variant_iter_init (&iter, names);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL) {
    NameRow r;

    read_row (dict, &r);
    if (o->all) {
      g_autofree char *where = g_strjoinv (",", (char **) r.ifaces);
      g_autofree char *via = via_text (&r);

      printf ("%-15s <%02X>   %-7s %-12s %-12s %s\n", r.name, r.suffix, type_of (r.group),
              r.state, where, via);
    } else if (r.suffix == 0x03 && !r.group) {
      /* Windows lists names only; a name that is not (yet) usable gets
       * its state, so the list never claims more than is true. */
      if (strcmp (r.state, "registered") == 0 || strcmp (r.state, "local") == 0)
        printf ("%s\n", r.name);
      else
        printf ("%-15s (%s)\n", r.name, r.state);
    }
    clear_row (&r);
    g_variant_unref (dict);
  }
  if (!o->quiet)
    printf ("%s\n\n", CLI_SUCCESS_LINE);
}

static void
add_strv_member (JsonBuilder *b, const char *member, const char *const *strv)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  for (const char *const *p = strv; *p != NULL; p++)
    json_builder_add_string_value (b, *p);
  json_builder_end_array (b);
}

static void
add_row_json (JsonBuilder *b, const NameRow *r)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, r->name);
  json_builder_set_member_name (b, "suffix");
  json_builder_add_int_value (b, r->suffix);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type_of (r->group));
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, r->state);
  json_builder_set_member_name (b, "registered");
  json_builder_add_boolean_value (b, strcmp (r->state, "registered") == 0);
  add_strv_member (b, "interfaces", r->ifaces);
  if (r->via[0] != '\0') {
    json_builder_set_member_name (b, "registered-by");
    json_builder_add_string_value (b, r->via);
    add_strv_member (b, "wins-servers", r->wins);
  }
  if (r->ttl > 0) {
    json_builder_set_member_name (b, "ttl");
    json_builder_add_int_value (b, r->ttl);
  }
  if (r->has_refresh) {
    json_builder_set_member_name (b, "refresh-in");
    json_builder_add_int_value (b, r->refresh_in);
  }
  if (r->conflict_with != NULL) {
    json_builder_set_member_name (b, "conflict-with");
    json_builder_add_string_value (b, r->conflict_with);
    json_builder_set_member_name (b, "conflict-by-wins");
    json_builder_add_boolean_value (b, r->conflict_by_wins);
    if (r->conflict_rcode != NULL) {
      json_builder_set_member_name (b, "conflict-rcode");
      json_builder_add_string_value (b, r->conflict_rcode);
    }
  }
  json_builder_end_object (b);
}

static void
print_list_json (const Options *o, GVariant *names)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  GVariantIter iter;
  GVariant *dict;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "names");
  json_builder_begin_array (b);
  g_variant_iter_init (&iter, names);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL) {
    NameRow r;

    read_row (dict, &r);
    if (o->all || (r.suffix == 0x03 && !r.group))
      add_row_json (b, &r);
    clear_row (&r);
    g_variant_unref (dict);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  cli_print_json (root);
}

/* ListNames2, or ListNames from a daemon that lacks it. */
static gboolean
list_names (NsNetSend1 *proxy, GVariant **ret_names, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GVariant) old = NULL;

  if (ns_net_send1_call_list_names2_sync (proxy, ret_names, NULL, &local))
    return TRUE;
  if (!g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (!ns_net_send1_call_list_names_sync (proxy, &old, NULL, error))
    return FALSE;
  *ret_names = list_as_dicts (old);
  return TRUE;
}

static void
print_status (const Options *o, GVariant *status)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (o->json) {
    g_autoptr (JsonNode) root = json_gvariant_serialize (status);

    cli_print_json (root);
    return;
  }
  g_variant_iter_init (&iter, status);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    g_autofree char *text = NULL;

    if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
      text = g_variant_dup_string (value, NULL);
    } else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
      g_autofree const char **strv = g_variant_get_strv (value, NULL);

      text = g_strjoinv (", ", (char **) strv);
    } else {
      text = g_variant_print (value, FALSE);
    }
    printf ("%-18s %s\n", key, text);
  }
}

static int
run_local (const Options *o, Action action, const char *name)
{
  g_autoptr (NsNetSend1) proxy = NULL;
  g_autoptr (GVariant) names = NULL;
  g_autoptr (GVariant) status = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  proxy = cli_control_connect (o->socket, &error);
  if (proxy == NULL)
    return fail (o, error);
  /* An add returns when the name is registered on the wire: about a
   * second by broadcast, a WINS round trip, or (WINS silent, H-node) about
   * 5 s before the broadcast fallback ends; the default 25 s D-Bus timeout
   * covers those. A WINS server that challenges the current owner asks us
   * to wait (WACK, nmbd: 60 s; the engine waits at most
   * NB_REGISTRAR_WACK_MAX_S), so an add may take that long. */
  if (action == ACTION_ADD)
    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy),
                                      (NB_REGISTRAR_WACK_MAX_S + 30) * 1000);
  if (action == ACTION_STATUS)
    ok = ns_net_send1_call_get_status_sync (proxy, &status, NULL, &error);
  else if (action == ACTION_LIST)
    ok = list_names (proxy, &names, &error);
  else if (action == ACTION_ADD)
    ok = ns_net_send1_call_add_name_sync (proxy, name, NULL, &error);
  else
    ok = ns_net_send1_call_delete_name_sync (proxy, name, NULL, &error);
  if (!ok)
    return fail (o, error);
  if (action == ACTION_STATUS) {
    print_status (o, status);
  } else if (action == ACTION_LIST) {
    if (o->json)
      print_list_json (o, names);
    else
      print_list_text (o, names);
  } else if (o->json) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, action == ACTION_ADD ? "added" : "deleted");
    json_builder_add_string_value (b, name);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    cli_print_json (root);
  } else if (!o->quiet) {
    printf ("%s\n\n", CLI_SUCCESS_LINE);
  }
  return CLI_EXIT_OK;
}

/* ---- another host's names (node status, RFC 1002 §4.2.17) ---- */

typedef struct {
  GMainLoop *loop;
  NbNsNodeStatus *status;
  gboolean done;
  int unreachable_errno; /* ICMP destination unreachable: nobody to ask */
} HostQuery;

static void
on_host_datagram (NsUdpEndpoint *endpoint, const guint8 *data, gsize len, guint32 src_ipv4,
                  guint16 src_port, gboolean to_broadcast, gpointer user_data)
{
  nb_resolver_receive (user_data, data, len, src_ipv4, src_port, g_get_monotonic_time ());
}

static void
on_node_status (NbResolver *resolver, const NbNodeStatusResult *result, gpointer user_data)
{
  HostQuery *q = user_data;

  if (result->status == NB_QUERY_STATUS_FOUND && result->node_status != NULL)
    q->status = nb_ns_node_status_copy (result->node_status);
  if (result->status == NB_QUERY_STATUS_UNREACHABLE)
    q->unreachable_errno = result->unreachable_errno;
  q->done = TRUE;
  g_main_loop_quit (q->loop);
}

/* ICMP destination unreachable about our request: the resolver ends it at
 * once instead of retransmitting (nb_resolver_unreachable()). */
static void
on_host_unreachable (NsUdpEndpoint *endpoint, guint32 dst_ipv4, guint16 dst_port,
                     int error_code, const guint8 *quoted, gsize quoted_len,
                     gpointer user_data)
{
  nb_resolver_unreachable (user_data, quoted, quoted_len, dst_ipv4, dst_port, error_code,
                           g_get_monotonic_time ());
}

static gboolean
resolve_host (const char *host, guint32 *ret, GError **error)
{
  g_autoptr (GResolver) resolver = NULL;
  GList *addrs;
  gboolean found = FALSE;

  if (ns_ipv4_from_string (host, ret))
    return TRUE;
  resolver = g_resolver_get_default ();
  addrs = g_resolver_lookup_by_name (resolver, host, NULL, error);
  for (GList *l = addrs; l != NULL && !found; l = l->next) {
    g_autofree char *text = g_inet_address_to_string (l->data);

    if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4)
      found = ns_ipv4_from_string (text, ret);
  }
  g_resolver_free_addresses (addrs);
  if (!found && error != NULL && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s has no IPv4 address", host);
  return found;
}

static const char *
flags_state (guint16 flags)
{
  if (flags & NB_NS_NAME_CNF)
    return "conflict";
  if (flags & NB_NS_NAME_DRG)
    return "deregistering";
  return "registered";
}

static void
print_host_text (const Options *o, const NbNsNodeStatus *st)
{
  const guint8 *mac = st->stats.unit_id;

  if (!o->quiet) {
    printf ("Names of %s (node status)\n\n", o->host);
    printf ("%-15s %-6s %-7s %s\n%s\n", "Name", "Suffix", "Type", "Status", CLI_RULE);
  }
  for (guint i = 0; i < st->names->len; i++) {
    const NbNsStatusName *n = &g_array_index (st->names, NbNsStatusName, i);
    g_autofree char *name = nb_name_to_utf8 (&n->name, NULL);
    guint8 suffix = nb_name_suffix (&n->name);
    gboolean group = (n->flags & NB_NS_NB_GROUP) != 0;

    if (!o->all && (suffix != 0x03 || group))
      continue;
    printf ("%-15s <%02X>   %-7s %s%s\n", name, suffix, type_of (group), flags_state (n->flags),
            (n->flags & NB_NS_NAME_PRM) ? ", permanent" : "");
  }
  if (!o->quiet)
    printf ("\nMAC Address = %02X-%02X-%02X-%02X-%02X-%02X\n%s\n\n", mac[0], mac[1], mac[2],
            mac[3], mac[4], mac[5], CLI_SUCCESS_LINE);
}

static void
print_host_json (const Options *o, const NbNsNodeStatus *st)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  const guint8 *mac = st->stats.unit_id;
  g_autofree char *mac_text = g_strdup_printf ("%02X-%02X-%02X-%02X-%02X-%02X", mac[0], mac[1],
                                               mac[2], mac[3], mac[4], mac[5]);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, o->host);
  json_builder_set_member_name (b, "mac");
  json_builder_add_string_value (b, mac_text);
  json_builder_set_member_name (b, "names");
  json_builder_begin_array (b);
  for (guint i = 0; i < st->names->len; i++) {
    const NbNsStatusName *n = &g_array_index (st->names, NbNsStatusName, i);
    g_autofree char *name = nb_name_to_utf8 (&n->name, NULL);
    gboolean group = (n->flags & NB_NS_NB_GROUP) != 0;

    if (!o->all && (nb_name_suffix (&n->name) != 0x03 || group))
      continue;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, name);
    json_builder_set_member_name (b, "suffix");
    json_builder_add_int_value (b, nb_name_suffix (&n->name));
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, type_of (group));
    json_builder_set_member_name (b, "state");
    json_builder_add_string_value (b, flags_state (n->flags));
    json_builder_set_member_name (b, "flags");
    json_builder_add_int_value (b, n->flags);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  cli_print_json (root);
}

static int
host_error (const Options *o, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static int
host_error (const Options *o, int code, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (o->json) {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "error");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "message");
    json_builder_add_string_value (b, msg);
    json_builder_end_object (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    cli_print_json (root);
  }
  g_printerr ("%s: %s\n", PROG, msg);
  return code;
}

static int
run_host (const Options *o)
{
  NsIface any = { .name = (char *) "any" };
  g_autoptr (NsUdpEndpoint) endpoint = NULL;
  g_autoptr (NbResolver) resolver = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  HostQuery q = { loop, NULL, FALSE };
  NbResolverConfig rc;
  NbTransport transport;
  guint32 address;
  int rc_exit;

  if (o->port <= 0 || o->port > G_MAXUINT16)
    return host_error (o, CLI_EXIT_USAGE, "--port must be 1 to 65535");
  if (!resolve_host (o->host, &address, &error))
    return host_error (o, CLI_EXIT_NOHOST, "%s: %s", o->host, error->message);
  /* A node status request asks one host (RFC 1002 §4.2.17): 0.0.0.0,
   * multicast or the limited broadcast would not be the host meant. */
  if (!ns_ipv4_is_unicast (address))
    return host_error (o, CLI_EXIT_USAGE, "--host %s: not a unicast IPv4 address", o->host);
  /* An ephemeral port on any address: node status answers go back to the
   * source port (RFC 1002 §4.2.18), so no privilege is needed. */
  endpoint = ns_udp_endpoint_new (&any, 0, NS_UDP_NONE, &error);
  if (endpoint == NULL)
    return host_error (o, CLI_EXIT_UNAVAILABLE, "%s", error->message);
  nb_resolver_config_init (&rc);
  rc.port = (guint16) o->port;
  ns_udp_endpoint_get_transport (endpoint, &transport);
  resolver = nb_resolver_new (&rc, &transport, &error);
  if (resolver == NULL)
    return host_error (o, CLI_EXIT_PROTOCOL, "%s", error->message);
  nb_resolver_attach (resolver, NULL);
  ns_udp_endpoint_set_receive_func (endpoint, on_host_datagram, resolver, NULL);
  ns_udp_endpoint_set_unreachable_func (endpoint, on_host_unreachable, resolver, NULL);
  if (nb_resolver_node_status (resolver, address, 0, NULL, g_get_monotonic_time (),
                               on_node_status, &q, &error) == 0)
    return host_error (o, CLI_EXIT_PROTOCOL, "%s", error->message);
  g_main_loop_run (loop);
  if (q.unreachable_errno == ECONNREFUSED) {
    rc_exit = host_error (o, CLI_EXIT_UNAVAILABLE, "port %d unreachable on %s (ICMP port "
                          "unreachable: no NetBIOS name service there)", o->port, o->host);
  } else if (q.unreachable_errno != 0) {
    rc_exit = host_error (o, CLI_EXIT_UNAVAILABLE, "port %d unreachable on %s (ICMP "
                          "destination unreachable: %s)", o->port, o->host,
                          g_strerror (q.unreachable_errno));
  } else if (q.status == NULL) {
    rc_exit = host_error (o, CLI_EXIT_TEMPFAIL, "%s did not answer a node status request on "
                          "port %d", o->host, o->port);
  } else {
    if (o->json)
      print_host_json (o, q.status);
    else
      print_host_text (o, q.status);
    rc_exit = CLI_EXIT_OK;
  }
  nb_ns_node_status_free (q.status);
  nb_resolver_detach (resolver);
  ns_udp_endpoint_set_receive_func (endpoint, NULL, NULL, NULL);
  ns_udp_endpoint_set_unreachable_func (endpoint, NULL, NULL, NULL);
  return rc_exit;
}

/* ---- options ---- */

static gboolean
parse_options (int argc, char **argv, Options *o, GError **error)
{
  const GOptionEntry entries[] = {
    { "add", 'a', 0, G_OPTION_ARG_STRING, &o->add, "Add a message alias", "NAME" },
    { "delete", 'd', 0, G_OPTION_ARG_STRING, &o->del, "Delete a message alias", "NAME" },
    { "windows-add", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &o->win_add, NULL, NULL },
    { "windows-delete", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &o->win_delete, NULL, NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &o->all,
      "List every name (with suffix, type and state), not only message names", NULL },
    { "host", 'H', 0, G_OPTION_ARG_STRING, &o->host,
      "List the names of another host (node status, like nbtstat -A)", "ADDRESS" },
    { "port", 0, 0, G_OPTION_ARG_INT, &o->port, "Name-service port of --host (137)", "PORT" },
    { "status", 0, 0, G_OPTION_ARG_NONE, &o->status,
      "Show netsendd's status (version, uptime, interfaces, counters)", NULL },
    { "socket", 's', 0, G_OPTION_ARG_STRING, &o->socket,
      "netsendd's control socket or D-Bus address (else $NETSEND_CONTROL)", "PATH" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &o->json, "Print JSON on stdout", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet,
      "No heading and no completion line; errors only for /add and /delete", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &o->version, "Print the version", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->rest, NULL, "[NAME [/ADD|/DELETE]]" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_auto (GStrv) args = cli_rewrite_switches (argc, argv, switches, FALSE);

  g_option_context_set_summary (context, "List, add or delete the message names (aliases) "
                                "this computer receives messages for.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  return g_option_context_parse_strv (context, &args, error);
}

static gboolean
choose_action (const Options *o, Action *ret_action, const char **ret_name, GError **error)
{
  guint n_rest = o->rest ? g_strv_length (o->rest) : 0;
  guint n_actions = (o->add != NULL) + (o->del != NULL) + o->win_add + o->win_delete
                    + (o->host != NULL) + o->status;

  *ret_name = o->add ? o->add : o->del ? o->del : n_rest ? o->rest[0] : NULL;
  if (n_rest > 1 || n_actions > 1 || (n_rest > 0 && (o->add || o->del || o->host || o->status))) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         "Give one name and at most one of /ADD, /DELETE, --host, --status");
    return FALSE;
  }
  if ((o->win_add || o->win_delete) && n_rest == 0) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         "/ADD and /DELETE need a name: netname NAME /ADD");
    return FALSE;
  }
  if (o->host != NULL)
    *ret_action = ACTION_HOST;
  else if (o->status)
    *ret_action = ACTION_STATUS;
  else if (o->del != NULL || o->win_delete)
    *ret_action = ACTION_DELETE;
  else if (*ret_name != NULL)
    *ret_action = ACTION_ADD; /* `net name NAME` adds */
  else
    *ret_action = ACTION_LIST;
  return TRUE;
}

int
main (int argc, char **argv)
{
  Options o = { .port = 137 };
  g_autoptr (GError) error = NULL;
  const char *name = NULL;
  Action action;
  int rc;

  cli_init ();
  if (!parse_options (argc, argv, &o, &error) || !choose_action (&o, &action, &name, &error)) {
    g_printerr ("%s: %s\nTry '%s --help'.\n", PROG, error->message, PROG);
    return CLI_EXIT_USAGE;
  }
  if (o.version) {
    printf ("%s %s\n", PROG, PACKAGE_VERSION);
    return CLI_EXIT_OK;
  }
  rc = action == ACTION_HOST ? run_host (&o) : run_local (&o, action, name);
  g_free (o.add);
  g_free (o.del);
  g_free (o.host);
  g_free (o.socket);
  g_strfreev (o.rest);
  return rc;
}
