/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "netsendd"

#include "manager.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <netsend/nb-registrar.h>
#include <netsend/ns-net.h>

#include "../config.h" /* the build's PACKAGE_VERSION (config.h here is ours) */
#include "announce.h"
#include "control.h"
#include "delivery.h"
#include "inbox.h"
#include "logging.h"
#include "names.h"
#include "receivers.h"

/* One interface address: its name-service endpoint and registrar. */
typedef struct {
  NsIface *iface;
  NsUdpEndpoint *endpoint;
  NbRegistrar *registrar;
} Link;

struct _NsManager {
  NsDaemonConfig *config;
  GPtrArray *links; /* Link */
  NsNames *names;
  NsControl *control;
  const char *owned_paths[3];
  gint64 started_us;
  /* The receivers (issue 4): bound in ns_manager_new(), fed into the
   * inbox from ns_manager_start(). */
  GPtrArray *ifaces; /* NsIface of the links */
  NsSmbReceiver *smb;
  NsMailslotReceiver *mailslot;
  NsRpcReceiver *rpc;
  NsInbox *inbox;
  NsDelivery *delivery; /* journal, hook, terminals, signal (delivery.h) */
  NsAnnouncer *announcer; /* browse list (announce.h), on the mailslot endpoints */
  char *created_store_dir;
};

static void
link_free (Link *link)
{
  if (link->registrar != NULL) {
    nb_registrar_detach (link->registrar);
    nb_registrar_free (link->registrar);
  }
  ns_udp_endpoint_free (link->endpoint);
  ns_iface_free (link->iface);
  g_free (link);
}

void
ns_manager_free (NsManager *manager)
{
  if (manager == NULL)
    return;
  /* The announcer first (it uses the mailslot receiver's endpoints and the
   * names), then the receivers (they point at the names and the inbox),
   * then the inbox (it waits for a running commit). */
  if (manager->mailslot != NULL)
    ns_mailslot_receiver_set_browse_func (manager->mailslot, NULL, NULL);
  g_clear_pointer (&manager->announcer, ns_announcer_free);
  g_clear_pointer (&manager->smb, ns_smb_receiver_free);
  g_clear_pointer (&manager->mailslot, ns_mailslot_receiver_free);
  g_clear_pointer (&manager->rpc, ns_rpc_receiver_free);
  g_clear_pointer (&manager->inbox, ns_inbox_free);
  g_clear_pointer (&manager->delivery, ns_delivery_free);
  g_clear_pointer (&manager->ifaces, g_ptr_array_unref);
  g_free (manager->created_store_dir);
  /* Control first (it points at the names), then the names (they point at
   * the registrars), then the links. */
  if (manager->control != NULL)
    ns_control_set_names (manager->control, NULL);
  g_clear_pointer (&manager->control, ns_control_free);
  g_clear_pointer (&manager->names, ns_names_free);
  g_clear_pointer (&manager->links, g_ptr_array_unref);
  g_clear_pointer (&manager->config, ns_daemon_config_free);
  g_free (manager);
}

static gboolean
bind_links (NsManager *manager, GError **error)
{
  NsDaemonConfig *cfg = manager->config;
  g_autoptr (GPtrArray) ifaces = NULL;

  if (!ns_ifaces_resolve ((const char *const *) cfg->interfaces, &ifaces, error)) {
    g_prefix_error (error, "[netbios] interfaces: ");
    return FALSE;
  }
  for (guint i = 0; i < ifaces->len; i++) {
    const NsIface *iface = g_ptr_array_index (ifaces, i);
    Link *link = g_new0 (Link, 1);
    g_autofree char *addr = ns_ipv4_to_string (iface->address);
    g_autofree char *bcast = ns_ipv4_to_string (iface->broadcast);

    link->iface = ns_iface_copy (iface);
    g_ptr_array_add (manager->links, link);
    if (cfg->name_service_port == 0)
      continue;
    link->endpoint = ns_udp_endpoint_new (iface, cfg->name_service_port,
                                          NS_UDP_RECEIVE_BROADCAST, error);
    if (link->endpoint == NULL)
      return FALSE;
    g_info ("Name service on %s: %s:%u, broadcast %s", iface->name, addr,
            cfg->name_service_port, bcast);
  }
  return TRUE;
}

/* Whether any receive port is configured: without one no message can
 * arrive, and the inbox is not opened (tests of the name service, a
 * send-only host). */
static gboolean
receives (const NsDaemonConfig *cfg)
{
  return cfg->session_port != 0 || cfg->direct_port != 0 || cfg->datagram_port != 0
         || (cfg->rpc_enabled && cfg->rpc_port != 0);
}

/* The receivers bind their ports now, while privileged; the store's
 * directory is made here too when missing, so that the unprivileged daemon
 * can own it (ns_manager_get_owned_paths()). */
static gboolean
bind_receivers (NsManager *manager, GError **error)
{
  NsDaemonConfig *cfg = manager->config;
  g_autofree char *dir = g_path_get_dirname (cfg->store_path);

  manager->ifaces = g_ptr_array_new ();
  for (guint i = 0; i < manager->links->len; i++)
    g_ptr_array_add (manager->ifaces, ((Link *) g_ptr_array_index (manager->links, i))->iface);
  manager->smb = ns_smb_receiver_new (cfg, manager->ifaces, error);
  if (manager->smb == NULL)
    return FALSE;
  manager->mailslot = ns_mailslot_receiver_new (cfg, manager->ifaces, error);
  if (manager->mailslot == NULL)
    return FALSE;
  manager->rpc = ns_rpc_receiver_new (cfg, manager->ifaces, error);
  if (manager->rpc == NULL)
    return FALSE;
  if (receives (cfg) && !g_file_test (dir, G_FILE_TEST_EXISTS)) {
    if (g_mkdir_with_parents (dir, 0750) < 0) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "[store] path: cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
    manager->created_store_dir = g_steal_pointer (&dir);
  }
  return TRUE;
}

static gboolean
start_receivers (NsManager *manager, GError **error)
{
  NsReceiverEnv env;

  if (!receives (manager->config)) {
    g_info ("No receive port configured: messages are not received, no inbox");
    return TRUE;
  }
  manager->inbox = ns_inbox_new (manager->config, manager->names, manager->ifaces, error);
  if (manager->inbox == NULL)
    return FALSE;
  /* Delivery before the receivers start: no stored message misses it. */
  manager->delivery = ns_delivery_new (manager->config, manager->control,
                                       ns_inbox_get_store_path (manager->inbox));
  ns_inbox_set_delivery_func (manager->inbox, ns_delivery_inbox_func, manager->delivery, NULL);
  env.config = manager->config;
  env.names = manager->names;
  env.inbox = manager->inbox;
  ns_smb_receiver_start (manager->smb, &env);
  ns_mailslot_receiver_start (manager->mailslot, &env);
  ns_rpc_receiver_start (manager->rpc, &env);
  g_info ("Inbox: %s", ns_inbox_get_store_path (manager->inbox));
  return TRUE;
}

NsInbox *
ns_manager_get_inbox (NsManager *manager)
{
  return manager->inbox;
}

NsManager *
ns_manager_new (NsDaemonConfig *config, GError **error)
{
  g_autoptr (NsManager) manager = g_new0 (NsManager, 1);

  g_return_val_if_fail (config != NULL, NULL);
  manager->config = config;
  manager->links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  manager->started_us = g_get_monotonic_time ();
  if (!bind_links (manager, error) || !bind_receivers (manager, error))
    return NULL;
  manager->control = ns_control_new (config->control_socket, config->admin_group, error);
  if (manager->control == NULL)
    return NULL;
  return g_steal_pointer (&manager);
}

const NsDaemonConfig *
ns_manager_get_config (NsManager *manager)
{
  return manager->config;
}

const char *const *
ns_manager_get_owned_paths (NsManager *manager)
{
  manager->owned_paths[0] = ns_control_get_created_dir (manager->control);
  manager->owned_paths[1] = manager->owned_paths[0] != NULL ? manager->created_store_dir : NULL;
  if (manager->owned_paths[0] == NULL)
    manager->owned_paths[0] = manager->created_store_dir;
  manager->owned_paths[2] = NULL;
  return manager->owned_paths;
}

static void
on_ns_datagram (NsUdpEndpoint *endpoint, const guint8 *data, gsize len, guint32 src_ipv4,
                guint16 src_port, gboolean to_broadcast, gpointer user_data)
{
  Link *link = user_data;

  nb_registrar_receive (link->registrar, data, len, src_ipv4, src_port, g_get_monotonic_time ());
}

/* ICMP destination unreachable about a datagram we sent: a WINS server
 * that is down counts as silent at once (fail-over, nb-registrar.h). */
static void
on_ns_unreachable (NsUdpEndpoint *endpoint, guint32 dst_ipv4, guint16 dst_port, int error_code,
                   const guint8 *quoted, gsize quoted_len, gpointer user_data)
{
  Link *link = user_data;

  nb_registrar_unreachable (link->registrar, quoted, quoted_len, dst_ipv4, dst_port, error_code,
                            g_get_monotonic_time ());
}

static NbNodeType
engine_node_type (NsNodeType type)
{
  switch (type) {
    case NS_NODE_TYPE_P: return NB_NODE_P;
    case NS_NODE_TYPE_M: return NB_NODE_M;
    case NS_NODE_TYPE_H: return NB_NODE_H;
    case NS_NODE_TYPE_B: default: return NB_NODE_B;
  }
}

/* [netbios] wins-server in order of preference (the config module has
 * checked that they are IPv4 addresses). */
static guint
wins_servers (const NsDaemonConfig *cfg, guint32 *ret_servers)
{
  guint n = 0;

  for (guint i = 0; cfg->wins_servers != NULL && cfg->wins_servers[i] != NULL; i++) {
    guint32 ipv4;

    if (n == NB_ENGINE_MAX_WINS_SERVERS) {
      g_warning ("[netbios] wins-server: only the first %u servers are used",
                 NB_ENGINE_MAX_WINS_SERVERS);
      break;
    }
    if (ns_ipv4_from_string (cfg->wins_servers[i], &ipv4))
      ret_servers[n++] = ipv4;
  }
  return n;
}

/* How many interface addresses register names: with several, unique
 * names go to WINS as multi-homed registrations (MS-NBTE §3.1.4.1). */
static guint
count_name_links (NsManager *manager)
{
  guint n = 0;

  for (guint i = 0; i < manager->links->len; i++)
    n += ((Link *) g_ptr_array_index (manager->links, i))->endpoint != NULL;
  return n;
}

static gboolean
start_registrar (NsManager *manager, Link *link, GError **error)
{
  NsDaemonConfig *cfg = manager->config;
  NbRegistrarConfig rc;
  NbTransport transport;

  nb_registrar_config_init (&rc);
  rc.address = link->iface->address;
  rc.netmask = link->iface->netmask;
  rc.broadcast = link->iface->broadcast;
  rc.port = cfg->name_service_port;
  /* P/M/H with WINS (PROTOCOL.md §1.4.7); H or M without a server is a
   * B-node (the engine decides). */
  rc.node_type = engine_node_type (cfg->node_type);
  rc.n_wins_servers = wins_servers (cfg, rc.wins_servers);
  rc.multihomed = count_name_links (manager) > 1;
  rc.multihomed_primary = ns_names_get_n_interfaces (manager->names) == 0;
  g_strlcpy (rc.scope, cfg->scope, sizeof rc.scope);
  memcpy (rc.unit_id, link->iface->hwaddr, sizeof rc.unit_id);
  /* Every message name plus COMPUTER<00> and WORKGROUP<00>. */
  rc.max_names = NS_MAX_MESSAGE_NAMES + 2;
  ns_udp_endpoint_get_transport (link->endpoint, &transport);
  link->registrar = nb_registrar_new (&rc, &transport, error);
  if (link->registrar == NULL)
    return FALSE;
  nb_registrar_attach (link->registrar, g_main_context_get_thread_default ());
  ns_udp_endpoint_set_receive_func (link->endpoint, on_ns_datagram, link, NULL);
  ns_udp_endpoint_set_unreachable_func (link->endpoint, on_ns_unreachable, link, NULL);
  ns_names_add_interface (manager->names, link->iface->name, link->registrar);
  return TRUE;
}

/* MS-BRWS host announcements from the datagram endpoints (announce.h). */
static void
start_announcer (NsManager *manager)
{
  if (manager->mailslot == NULL)
    return;
  manager->announcer = ns_announcer_new (manager->config, manager->names,
                                         ns_mailslot_receiver_get_endpoints (manager->mailslot));
  if (manager->announcer == NULL) {
    g_warning ("Browse list: cannot announce %s (name not valid in %s)", manager->config->name,
               manager->config->dos_charset);
    return;
  }
  ns_mailslot_receiver_set_browse_func (manager->mailslot, ns_announcer_receive,
                                        manager->announcer);
  ns_announcer_start (manager->announcer);
}

static GVariant *
status_func (gpointer user_data)
{
  return ns_manager_get_status (user_data);
}

gboolean
ns_manager_start (NsManager *manager, GError **error)
{
  NsDaemonConfig *cfg = manager->config;

  {
    guint32 servers[NB_ENGINE_MAX_WINS_SERVERS];
    guint n = wins_servers (cfg, servers);

    if (n > 0 && cfg->node_type != NS_NODE_TYPE_B) {
      g_autofree char *list = g_strjoinv (", ", cfg->wins_servers);

      g_message ("%s-node with WINS server(s) %s%s", ns_node_type_to_string (cfg->node_type),
                 list, count_name_links (manager) > 1 ? " (multi-homed registrations)" : "");
    }
  }
  manager->names = ns_names_new (cfg->dos_charset, cfg->scope);
  for (guint i = 0; i < manager->links->len; i++) {
    Link *link = g_ptr_array_index (manager->links, i);

    if (link->endpoint != NULL && !start_registrar (manager, link, error))
      return FALSE;
  }
  if (cfg->name_service_port == 0)
    g_message ("[ports] name-service = 0: names are not registered on the network");
  ns_control_set_names (manager->control, manager->names);
  ns_control_set_status_func (manager->control, status_func, manager);
  if (!ns_names_register_initial (manager->names, cfg->name, cfg->workgroup,
                                  (const char *const *) cfg->aliases, error))
    return FALSE;
  if (!start_receivers (manager, error))
    return FALSE;
  start_announcer (manager);
  if (!ns_control_start_bus (manager->control, cfg->system_bus, error))
    return FALSE;
  g_message ("netsendd %s: %s in workgroup %s on %u interface address(es)", PACKAGE_VERSION,
             cfg->name, cfg->workgroup, manager->links->len);
  return TRUE;
}

void
ns_manager_reload (NsManager *manager, NsDaemonConfig *new_config)
{
  g_autoptr (GPtrArray) restart = ns_daemon_config_restart_keys (manager->config, new_config);
  g_auto (GStrv) old_aliases = g_strdupv (manager->config->aliases);

  for (guint i = 0; i < restart->len; i++)
    g_warning ("Reload: %s changed; it takes effect at the next restart",
               (char *) g_ptr_array_index (restart, i));
  ns_daemon_config_take_live (manager->config, new_config);
  ns_logging_set_level (manager->config->log_level);
  ns_control_set_admin_group (manager->control, manager->config->admin_group);
  if (manager->inbox != NULL)
    ns_inbox_reload (manager->inbox);
  if (manager->names != NULL)
    ns_names_update_config_aliases (manager->names, (const char *const *) old_aliases,
                                    (const char *const *) manager->config->aliases);
  if (manager->announcer != NULL)
    ns_announcer_reload (manager->announcer);
  g_message ("Configuration reloaded");
}

static void
on_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;

  ns_names_release_all_finish (NULL, result, NULL);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
ns_manager_stop_async (NsManager *manager, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  /* While COMPUTER<00> is still ours: browsers drop us at once. */
  if (manager->announcer != NULL)
    ns_announcer_shutdown (manager->announcer);
  if (manager->names == NULL) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  g_message ("Stopping: releasing the names");
  ns_names_release_all_async (manager->names, on_released, task);
}

gboolean
ns_manager_stop_finish (NsManager *manager, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static GVariant *
counters_and_ports (NsManager *manager, GVariantBuilder *b)
{
  NsDaemonConfig *cfg = manager->config;
  NsUdpCounters sum = { 0 };
  GVariantBuilder ports;

  for (guint i = 0; i < manager->links->len; i++) {
    Link *link = g_ptr_array_index (manager->links, i);
    NsUdpCounters c;

    if (link->endpoint == NULL)
      continue;
    ns_udp_endpoint_get_counters (link->endpoint, &c);
    sum.received += c.received;
    sum.sent += c.sent;
    sum.send_errors += c.send_errors;
    sum.dropped += c.dropped;
    sum.unreachable += c.unreachable;
  }
  g_variant_builder_add (b, "{sv}", "packets-received", g_variant_new_uint64 (sum.received));
  g_variant_builder_add (b, "{sv}", "packets-sent", g_variant_new_uint64 (sum.sent));
  g_variant_builder_add (b, "{sv}", "send-errors", g_variant_new_uint64 (sum.send_errors));
  g_variant_builder_add (b, "{sv}", "packets-dropped", g_variant_new_uint64 (sum.dropped));
  g_variant_builder_add (b, "{sv}", "icmp-unreachable", g_variant_new_uint64 (sum.unreachable));
  g_variant_builder_init (&ports, G_VARIANT_TYPE ("a{sq}"));
  g_variant_builder_add (&ports, "{sq}", "name-service", cfg->name_service_port);
  g_variant_builder_add (&ports, "{sq}", "datagram", cfg->datagram_port);
  g_variant_builder_add (&ports, "{sq}", "session", cfg->session_port);
  g_variant_builder_add (&ports, "{sq}", "rpc", cfg->rpc_port);
  return g_variant_builder_end (&ports);
}

static NsNodeType
effective_node_type (const NsDaemonConfig *cfg)
{
  guint32 servers[NB_ENGINE_MAX_WINS_SERVERS];

  if (cfg->node_type == NS_NODE_TYPE_P || wins_servers (cfg, servers) > 0)
    return cfg->node_type;
  return NS_NODE_TYPE_B;
}

GVariant *
ns_manager_get_status (NsManager *manager)
{
  NsDaemonConfig *cfg = manager->config;
  GVariantBuilder b;
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  guint n_names = 0, n_conflicts = 0;
  gint64 uptime = (g_get_monotonic_time () - manager->started_us) / G_USEC_PER_SEC;

  for (guint i = 0; i < manager->links->len; i++) {
    Link *link = g_ptr_array_index (manager->links, i);
    g_autofree char *addr = ns_ipv4_to_string (link->iface->address);

    g_ptr_array_add (labels, g_strdup_printf ("%s/%s", link->iface->name, addr));
  }
  g_ptr_array_add (labels, NULL);
  if (manager->names != NULL)
    ns_names_get_counts (manager->names, &n_names, &n_conflicts);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&b, "{sv}", "version", g_variant_new_string (PACKAGE_VERSION));
  g_variant_builder_add (&b, "{sv}", "interface-version", g_variant_new_uint32 (1));
  g_variant_builder_add (&b, "{sv}", "pid", g_variant_new_uint32 ((guint32) getpid ()));
  g_variant_builder_add (&b, "{sv}", "uptime", g_variant_new_uint64 ((guint64) uptime));
  g_variant_builder_add (&b, "{sv}", "name", g_variant_new_string (cfg->name));
  g_variant_builder_add (&b, "{sv}", "workgroup", g_variant_new_string (cfg->workgroup));
  /* The node type on the wire: H or M without a WINS server work as B. */
  g_variant_builder_add (&b, "{sv}", "node-type",
                         g_variant_new_string (ns_node_type_to_string (effective_node_type (cfg))));
  g_variant_builder_add (&b, "{sv}", "wins-servers",
                         g_variant_new_strv (cfg->wins_servers != NULL
                                                 ? (const char *const *) cfg->wins_servers
                                                 : NULL,
                                             cfg->wins_servers != NULL ? -1 : 0));
  g_variant_builder_add (&b, "{sv}", "scope", g_variant_new_string (cfg->scope));
  g_variant_builder_add (&b, "{sv}", "interfaces",
                         g_variant_new_strv ((const char *const *) labels->pdata, -1));
  g_variant_builder_add (&b, "{sv}", "names", g_variant_new_uint32 (n_names));
  g_variant_builder_add (&b, "{sv}", "conflicts", g_variant_new_uint32 (n_conflicts));
  g_variant_builder_add (&b, "{sv}", "ports", counters_and_ports (manager, &b));
  if (manager->inbox != NULL)
    ns_inbox_add_status (manager->inbox, &b);
  if (manager->smb != NULL)
    ns_smb_receiver_add_status (manager->smb, &b);
  if (manager->mailslot != NULL)
    ns_mailslot_receiver_add_status (manager->mailslot, &b);
  if (manager->rpc != NULL)
    ns_rpc_receiver_add_status (manager->rpc, &b);
  if (manager->delivery != NULL)
    ns_delivery_add_status (manager->delivery, &b);
  if (manager->announcer != NULL)
    ns_announcer_add_status (manager->announcer, &b);
  return g_variant_builder_end (&b);
}
