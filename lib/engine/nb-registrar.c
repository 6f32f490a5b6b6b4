/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/nb-registrar.h"

#include <string.h>

#include "nb-engine-private.h"

/* The table, the events and the public operations. The registration,
 * refresh and release machines of each node type are in
 * nb-registrar-fsm.c, the answers to other nodes in nb-responder.c. */

typedef struct {
  NbNameInfo info;
  NbNameState old_state;
} PendingEvent;

static const char *const state_names[] = {
  [NB_NAME_STATE_REGISTERING] = "registering", [NB_NAME_STATE_REGISTERED] = "registered",
  [NB_NAME_STATE_REFRESHING] = "refreshing",   [NB_NAME_STATE_CONFLICT] = "conflict",
  [NB_NAME_STATE_RELEASING] = "releasing",     [NB_NAME_STATE_RELEASED] = "released",
};

static const char *const reason_names[] = {
  [NB_NAME_REASON_NONE] = "none",
  [NB_NAME_REASON_ADDED] = "added",
  [NB_NAME_REASON_NO_OBJECTION] = "no-objection",
  [NB_NAME_REASON_GRANTED] = "granted",
  [NB_NAME_REASON_NEGATIVE_RESPONSE] = "negative-response",
  [NB_NAME_REASON_CONFLICT_DEMAND] = "conflict-demand",
  [NB_NAME_REASON_REMOVED] = "removed",
  [NB_NAME_REASON_SHUTDOWN] = "shutdown",
  [NB_NAME_REASON_REFRESH] = "refresh",
  [NB_NAME_REASON_WINS_SILENT] = "wins-silent",
};

const char *
nb_name_state_to_string (NbNameState state)
{
  if ((guint) state < G_N_ELEMENTS (state_names))
    return state_names[state];
  return "unknown";
}

const char *
nb_name_reason_to_string (NbNameReason reason)
{
  if ((guint) reason < G_N_ELEMENTS (reason_names))
    return reason_names[reason];
  return "unknown";
}

const char *
nb_name_source_to_string (NbNameSource source)
{
  switch (source & (NB_NAME_SOURCE_BROADCAST | NB_NAME_SOURCE_WINS)) {
    case NB_NAME_SOURCE_BROADCAST:
      return "broadcast";
    case NB_NAME_SOURCE_WINS:
      return "wins";
    case NB_NAME_SOURCE_BROADCAST | NB_NAME_SOURCE_WINS:
      return "broadcast+wins";
    default:
      return "none";
  }
}

void
nb_registrar_config_init (NbRegistrarConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);
  config->port = NB_NS_PORT;
  config->node_type = NB_NODE_B;
  config->name_ttl = NB_REGISTRAR_DEFAULT_NAME_TTL;
}

static gboolean
check_config (const NbRegistrarConfig *config, GError **error)
{
  NbName probe = { { 0 } };
  g_autoptr (GError) local = NULL;

  if (config->address == 0) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "registrar needs the interface address, got 0.0.0.0");
    return FALSE;
  }
  if (config->port == 0) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "registrar needs a name-service port, got 0");
    return FALSE;
  }
  if (config->n_wins_servers > NB_ENGINE_MAX_WINS_SERVERS) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "at most %u WINS servers, got %u", NB_ENGINE_MAX_WINS_SERVERS,
                 config->n_wins_servers);
    return FALSE;
  }
  if (memchr (config->scope, '\0', sizeof config->scope) == NULL
      || !nb_name_set_scope (&probe, config->scope, &local)) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "invalid NetBIOS scope: %s", local != NULL ? local->message : "not terminated");
    return FALSE;
  }
  for (guint i = 0; i < config->n_wins_servers; i++) {
    if (config->wins_servers[i] == 0) {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "WINS server %u is 0.0.0.0", i + 1);
      return FALSE;
    }
  }
  if (config->node_type == NB_NODE_P && config->n_wins_servers == 0) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "a P-node needs at least one WINS server");
    return FALSE;
  }
  return TRUE;
}

NbRegistrar *
nb_registrar_new (const NbRegistrarConfig *config, const NbTransport *transport,
                  GError **error)
{
  NbRegistrar *reg;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (transport != NULL && transport->send != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_config (config, error))
    return NULL;

  reg = g_new0 (NbRegistrar, 1);
  reg->config = *config;
  if (reg->config.broadcast == 0)
    reg->config.broadcast = config->address | ~config->netmask;
  if (reg->config.max_names == 0)
    reg->config.max_names = NB_REGISTRAR_MAX_NAMES;
  /* H or M without a WINS server is a B-node (MS-NBTE §3.1.3), and says
   * so in NB_FLAGS. */
  reg->node_type = config->n_wins_servers > 0 ? config->node_type : NB_NODE_B;
  reg->ont = nb_node_type_to_ont (reg->node_type);
  reg->transport = *transport;
  reg->entries = g_ptr_array_new_with_free_func (g_free);
  reg->next_trn_id = _nb_engine_random_trn_id ();
  reg->pending_events = g_array_new (FALSE, FALSE, sizeof (PendingEvent));
  return reg;
}

void
nb_registrar_free (NbRegistrar *registrar)
{
  if (registrar == NULL)
    return;
  g_return_if_fail (!registrar->dispatching);

  nb_engine_timer_free (registrar->timer);
  if (registrar->event_destroy != NULL)
    registrar->event_destroy (registrar->event_data);
  g_ptr_array_unref (registrar->entries);
  g_array_unref (registrar->pending_events);
  g_free (registrar);
}

const NbRegistrarConfig *
nb_registrar_get_config (NbRegistrar *registrar)
{
  g_return_val_if_fail (registrar != NULL, NULL);
  return &registrar->config;
}

void
nb_registrar_set_event_func (NbRegistrar *registrar, NbRegistrarEventFunc func,
                             gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (registrar != NULL);

  if (registrar->event_destroy != NULL)
    registrar->event_destroy (registrar->event_data);
  registrar->event_func = func;
  registrar->event_data = user_data;
  registrar->event_destroy = destroy;
}

void
nb_registrar_set_unit_id (NbRegistrar *registrar, const guint8 *unit_id)
{
  g_return_if_fail (registrar != NULL);
  g_return_if_fail (unit_id != NULL);
  memcpy (registrar->config.unit_id, unit_id, sizeof registrar->config.unit_id);
}

/* ---- table helpers ---------------------------------------------------- */

NbRegEntry *
_nb_registrar_find (NbRegistrar *registrar, const NbName *name)
{
  for (guint i = 0; i < registrar->entries->len; i++) {
    NbRegEntry *entry = g_ptr_array_index (registrar->entries, i);

    if (nb_name_equal (&entry->info.name, name))
      return entry;
  }
  return NULL;
}

guint16
_nb_registrar_nb_flags (const NbRegistrar *registrar, gboolean group)
{
  return (group ? NB_NS_NB_GROUP : 0) | registrar->ont;
}

guint16
_nb_registrar_next_trn_id (NbRegistrar *registrar)
{
  return registrar->next_trn_id++;
}

static void
queue_event (NbRegistrar *registrar, const NbNameInfo *info, NbNameState old_state)
{
  PendingEvent ev = { .info = *info, .old_state = old_state };

  g_array_append_val (registrar->pending_events, ev);
}

void
_nb_registrar_set_state (NbRegistrar *registrar, NbRegEntry *entry, NbNameState state,
                         NbNameReason reason, gint64 now_us)
{
  NbNameState old_state = entry->info.state;

  entry->info.state = state;
  entry->info.reason = reason;
  entry->info.since_us = now_us;
  queue_event (registrar, &entry->info, old_state);
}

/* Takes @entry out of the table and reports it RELEASED. */
void
_nb_registrar_drop_entry (NbRegistrar *registrar, NbRegEntry *entry, NbNameReason reason,
                          gint64 now_us)
{
  NbNameInfo last = entry->info;

  last.state = NB_NAME_STATE_RELEASED;
  last.reason = reason;
  last.since_us = now_us;
  queue_event (registrar, &last, entry->info.state);
  g_ptr_array_remove (registrar->entries, entry);
}

/* Runs the event callbacks queued by the call now ending. A callback that
 * calls back into the registrar only queues more events; the outermost
 * dispatcher delivers them in order. Then re-arms the GLib timer. */
static void
finish_call (NbRegistrar *registrar)
{
  if (!registrar->dispatching) {
    registrar->dispatching = TRUE;
    for (guint i = 0; i < registrar->pending_events->len; i++) {
      PendingEvent ev = g_array_index (registrar->pending_events, PendingEvent, i);

      if (registrar->event_func != NULL)
        registrar->event_func (registrar, &ev.info, ev.old_state, registrar->event_data);
    }
    g_array_set_size (registrar->pending_events, 0);
    registrar->dispatching = FALSE;
  }
  if (registrar->timer != NULL)
    nb_engine_timer_update (registrar->timer);
}

/* ---- public operations ------------------------------------------------ */

gboolean
nb_registrar_add_name (NbRegistrar *registrar, const NbName *name, gboolean group,
                       gint64 now_us, GError **error)
{
  NbRegEntry *entry;

  g_return_val_if_fail (registrar != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (name->bytes[0] == '*') {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "names beginning with '*' are never registered (MS-NBTE §2.2.1)");
    return FALSE;
  }
  if (g_ascii_strcasecmp (name->scope, registrar->config.scope) != 0) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "name scope \"%s\" differs from the interface scope \"%s\"", name->scope,
                 registrar->config.scope);
    return FALSE;
  }

  entry = _nb_registrar_find (registrar, name);
  if (entry != NULL && entry->info.state != NB_NAME_STATE_CONFLICT
      && entry->info.state != NB_NAME_STATE_RELEASING) {
    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_EXISTS,
                 "the name is already %s on this interface",
                 nb_name_state_to_string (entry->info.state));
    return FALSE;
  }
  if (entry == NULL) {
    if (registrar->entries->len >= registrar->config.max_names) {
      g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_TOO_MANY,
                   "the name table is full (%u names)", registrar->config.max_names);
      return FALSE;
    }
    entry = g_new0 (NbRegEntry, 1);
    entry->info.name = *name;
    entry->info.state = NB_NAME_STATE_RELEASED;
    g_ptr_array_add (registrar->entries, entry);
  }
  entry->info.group = group;
  _nb_fsm_start_registration (registrar, entry, now_us);
  finish_call (registrar);
  return TRUE;
}

gboolean
nb_registrar_remove_name (NbRegistrar *registrar, const NbName *name, gint64 now_us,
                          GError **error)
{
  NbRegEntry *entry;

  g_return_val_if_fail (registrar != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  entry = _nb_registrar_find (registrar, name);
  if (entry == NULL) {
    g_autofree char *display = nb_name_to_display (name, NULL);

    g_set_error (error, NS_ENGINE_ERROR, NS_ENGINE_ERROR_NOT_FOUND,
                 "%s is not a name of this interface", display);
    return FALSE;
  }
  _nb_fsm_start_release (registrar, entry, NB_NAME_REASON_REMOVED, now_us);
  finish_call (registrar);
  return TRUE;
}

void
nb_registrar_release_all (NbRegistrar *registrar, gint64 now_us)
{
  g_return_if_fail (registrar != NULL);

  for (guint i = 0; i < registrar->entries->len;) {
    NbRegEntry *entry = g_ptr_array_index (registrar->entries, i);

    if (!_nb_fsm_start_release (registrar, entry, NB_NAME_REASON_SHUTDOWN, now_us))
      i++;
  }
  finish_call (registrar);
}

gboolean
nb_registrar_is_idle (NbRegistrar *registrar)
{
  g_return_val_if_fail (registrar != NULL, TRUE);

  for (guint i = 0; i < registrar->entries->len; i++) {
    NbRegEntry *entry = g_ptr_array_index (registrar->entries, i);

    if (entry->info.state == NB_NAME_STATE_REGISTERING
        || entry->info.state == NB_NAME_STATE_REFRESHING
        || entry->info.state == NB_NAME_STATE_RELEASING)
      return FALSE;
  }
  return TRUE;
}

GArray *
nb_registrar_get_names (NbRegistrar *registrar)
{
  GArray *names;

  g_return_val_if_fail (registrar != NULL, NULL);

  names = g_array_sized_new (FALSE, FALSE, sizeof (NbNameInfo), registrar->entries->len);
  for (guint i = 0; i < registrar->entries->len; i++) {
    NbRegEntry *entry = g_ptr_array_index (registrar->entries, i);

    g_array_append_val (names, entry->info);
  }
  return names;
}

gboolean
nb_registrar_lookup (NbRegistrar *registrar, const NbName *name, NbNameInfo *ret_info)
{
  NbRegEntry *entry;

  g_return_val_if_fail (registrar != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  entry = _nb_registrar_find (registrar, name);
  if (entry == NULL)
    return FALSE;
  if (ret_info != NULL)
    *ret_info = entry->info;
  return TRUE;
}

/* ---- timers ----------------------------------------------------------- */

void
nb_registrar_tick (NbRegistrar *registrar, gint64 now_us)
{
  g_return_if_fail (registrar != NULL);

  for (guint i = 0; i < registrar->entries->len;) {
    NbRegEntry *entry = g_ptr_array_index (registrar->entries, i);
    gboolean dropped = FALSE;

    if (entry->deadline_us != NB_ENGINE_NO_DEADLINE && entry->deadline_us <= now_us)
      dropped = _nb_fsm_step (registrar, entry, now_us);
    if (!dropped)
      i++;
  }
  finish_call (registrar);
}

gboolean
nb_registrar_unreachable (NbRegistrar *registrar, const guint8 *quoted, gsize quoted_len,
                          guint32 dst_ipv4, guint16 dst_port, int error_code, gint64 now_us)
{
  gboolean mine = FALSE;

  g_return_val_if_fail (registrar != NULL, FALSE);
  g_return_val_if_fail (quoted != NULL || quoted_len == 0, FALSE);

  for (guint i = 0; i < registrar->entries->len;) {
    NbRegEntry *entry = g_ptr_array_index (registrar->entries, i);
    gboolean dropped = FALSE;

    if (_nb_fsm_unreachable (registrar, entry, quoted, quoted_len, dst_ipv4, dst_port, now_us,
                             &dropped))
      mine = TRUE;
    if (!dropped)
      i++;
  }
  if (mine)
    g_debug ("registrar: %s:%u unreachable: %s", _nb_engine_ipv4_str (dst_ipv4), dst_port,
             g_strerror (error_code));
  finish_call (registrar);
  return mine;
}

gint64
nb_registrar_next_deadline (NbRegistrar *registrar)
{
  gint64 next = NB_ENGINE_NO_DEADLINE;

  g_return_val_if_fail (registrar != NULL, NB_ENGINE_NO_DEADLINE);

  for (guint i = 0; i < registrar->entries->len; i++) {
    NbRegEntry *entry = g_ptr_array_index (registrar->entries, i);

    if (entry->deadline_us != NB_ENGINE_NO_DEADLINE
        && (next == NB_ENGINE_NO_DEADLINE || entry->deadline_us < next))
      next = entry->deadline_us;
  }
  return next;
}

static gint64
timer_next_deadline (gpointer engine)
{
  return nb_registrar_next_deadline (engine);
}

static void
timer_tick (gpointer engine, gint64 now_us)
{
  nb_registrar_tick (engine, now_us);
}

void
nb_registrar_attach (NbRegistrar *registrar, GMainContext *context)
{
  g_return_if_fail (registrar != NULL);

  nb_registrar_detach (registrar);
  registrar->timer = nb_engine_timer_new (context, timer_next_deadline, timer_tick, registrar);
}

void
nb_registrar_detach (NbRegistrar *registrar)
{
  g_return_if_fail (registrar != NULL);
  g_clear_pointer (&registrar->timer, nb_engine_timer_free);
}

/* ---- received packets ------------------------------------------------- */

/* A registration (or overwrite demand, or multi-homed registration) by
 * another node for a name we hold: RFC 1001 §15.1.3 / RFC 1002 §5.1.1.2,
 * nmbd process_name_registration_request, Samba 4 nbt_server/defense.c. */
static void
defend (NbRegistrar *registrar, const NbNsPacket *request, guint32 src_ipv4, guint16 src_port)
{
  const NbNsQuestion *q = nb_ns_packet_question (request);
  const NbNsRecord *rr = nb_ns_packet_record (request);
  const NbNsAddrEntry *theirs = NULL;
  gboolean their_group;
  NbRegEntry *entry;
  g_autoptr (NbNsPacket) reply = NULL;

  if (q == NULL || src_ipv4 == registrar->config.address)
    return; /* our own broadcast, looped back */
  entry = _nb_registrar_find (registrar, &q->name);
  /* Only names we hold: not while registering (not ours yet), not in
   * conflict (MS-NBTE §3.1.5.1), not while releasing. */
  if (entry == NULL
      || (entry->info.state != NB_NAME_STATE_REGISTERED
          && entry->info.state != NB_NAME_STATE_REFRESHING))
    return;
  if (rr != NULL && rr->kind == NB_NS_RDATA_NB && rr->addresses->len > 0)
    theirs = &g_array_index (rr->addresses, NbNsAddrEntry, 0);
  their_group = theirs != NULL && (theirs->flags & NB_NS_NB_GROUP) != 0;
  /* A group name registered as a group by another member is fine; every
   * other combination takes the name from us. */
  if (entry->info.group && their_group)
    return;

  g_debug ("registrar: defending a name against %s", _nb_engine_ipv4_str (src_ipv4));
  /* NEGATIVE NAME REGISTRATION RESPONSE, RFC 1002 §4.2.6: ACT_ERR, flags
   * 0xAD86 as Samba; the answer echoes the request's name and RDATA. */
  reply = nb_ns_registration_response_new (request->trn_id, &q->name, NB_NS_RCODE_ACT_ERR, 0,
                                           theirs != NULL ? theirs->flags : 0,
                                           theirs != NULL ? theirs->ipv4 : src_ipv4);
  _nb_engine_send (&registrar->transport, reply, src_ipv4, src_port, FALSE);
}

/* Another node releasing a unique name we hold: nmbd answers with a
 * NEGATIVE NAME RELEASE RESPONSE, ACT_ERR (RFC 1002 §4.2.11), so whoever
 * sent it learns the name is still in use here. */
static void
refuse_release (NbRegistrar *registrar, const NbNsPacket *request, guint32 src_ipv4,
                guint16 src_port)
{
  const NbNsQuestion *q = nb_ns_packet_question (request);
  const NbNsRecord *rr = nb_ns_packet_record (request);
  const NbNsAddrEntry *theirs = NULL;
  NbRegEntry *entry;
  g_autoptr (NbNsPacket) reply = NULL;

  if (q == NULL || src_ipv4 == registrar->config.address)
    return;
  entry = _nb_registrar_find (registrar, &q->name);
  if (entry == NULL || entry->info.group
      || (entry->info.state != NB_NAME_STATE_REGISTERED
          && entry->info.state != NB_NAME_STATE_REFRESHING))
    return;
  if (rr != NULL && rr->kind == NB_NS_RDATA_NB && rr->addresses->len > 0)
    theirs = &g_array_index (rr->addresses, NbNsAddrEntry, 0);
  reply = nb_ns_release_response_new (request->trn_id, &q->name, NB_NS_RCODE_ACT_ERR,
                                      theirs != NULL ? theirs->flags : 0,
                                      theirs != NULL ? theirs->ipv4 : src_ipv4);
  _nb_engine_send (&registrar->transport, reply, src_ipv4, src_port, FALSE);
}

static gboolean
handle_request (NbRegistrar *registrar, const NbNsPacket *packet, guint32 src_ipv4,
                guint16 src_port)
{
  const NbNsQuestion *q = nb_ns_packet_question (packet);

  if (q == NULL)
    return FALSE;
  switch (packet->opcode) {
    case NB_NS_OPCODE_QUERY:
      if (q->type == NB_NS_TYPE_NB)
        _nb_responder_name_query (registrar, packet, src_ipv4, src_port);
      else if (q->type == NB_NS_TYPE_NBSTAT)
        _nb_responder_node_status (registrar, packet, src_ipv4, src_port);
      return TRUE;
    case NB_NS_OPCODE_REGISTRATION:
    case NB_NS_OPCODE_MULTIHOMED_REGISTRATION:
      defend (registrar, packet, src_ipv4, src_port);
      return TRUE;
    case NB_NS_OPCODE_RELEASE:
      refuse_release (registrar, packet, src_ipv4, src_port);
      return TRUE;
    case NB_NS_OPCODE_REFRESH:
    case NB_NS_OPCODE_REFRESH_ALT:
      /* Refreshes go to an NBNS; an end node has nothing to say. */
      return TRUE;
    case NB_NS_OPCODE_WACK:
    default:
      return FALSE;
  }
}

gboolean
nb_registrar_receive_packet (NbRegistrar *registrar, const NbNsPacket *packet,
                             guint32 src_ipv4, guint16 src_port, gint64 now_us)
{
  gboolean mine = FALSE;

  g_return_val_if_fail (registrar != NULL, FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);

  if (!packet->response) {
    mine = handle_request (registrar, packet, src_ipv4, src_port);
  } else if (nb_ns_packet_record (packet) == NULL) {
    mine = FALSE;
  } else {
    switch (packet->opcode) {
      case NB_NS_OPCODE_REGISTRATION:
      case NB_NS_OPCODE_MULTIHOMED_REGISTRATION:
      case NB_NS_OPCODE_REFRESH:
      case NB_NS_OPCODE_REFRESH_ALT:
        /* nmbd answers refreshes and multi-homed registrations with
         * opcode 5; accept the request's opcode as well. */
        mine = _nb_fsm_registration_response (registrar, packet, src_ipv4, now_us);
        break;
      case NB_NS_OPCODE_WACK:
        mine = _nb_fsm_wack (registrar, packet, src_ipv4, now_us);
        break;
      case NB_NS_OPCODE_RELEASE:
        mine = _nb_fsm_release_response (registrar, packet, src_ipv4, now_us);
        break;
      case NB_NS_OPCODE_QUERY:
      default:
        mine = FALSE;
        break;
    }
  }
  finish_call (registrar);
  return mine;
}

gboolean
nb_registrar_receive (NbRegistrar *registrar, const guint8 *data, gsize len,
                      guint32 src_ipv4, guint16 src_port, gint64 now_us)
{
  g_autoptr (NbNsPacket) packet = NULL;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (registrar != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (!nb_ns_packet_parse (data, len, &packet, &error)) {
    g_debug ("registrar: dropping datagram from %s:%u: %s", _nb_engine_ipv4_str (src_ipv4),
             src_port, error->message);
    return FALSE;
  }
  return nb_registrar_receive_packet (registrar, packet, src_ipv4, src_port, now_us);
}
