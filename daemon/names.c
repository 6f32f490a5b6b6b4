/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The name table across interfaces. The registrars own the per-interface
 * state machines; this module keeps which names we want, waits for the
 * registrars' events to answer AddName/DeleteName, and decides what a
 * conflict means (STYLE.md practice 5: the engine reports, the daemon
 * decides): a conflict on a name being added fails the add and withdraws
 * the name everywhere; a conflict on a name we already held is logged and
 * shown as "conflict" until someone deletes or re-adds it. */

#define G_LOG_DOMAIN "netsendd"

#include "names.h"

#include <string.h>

#include <netsend/nb-name.h>

#include "config.h"
#include "control-errors.h"

/* Longest a shutdown waits for the releases (they take
 * NB_REGISTRAR_RELEASE_DURATION_US by broadcast, up to
 * NB_REGISTRAR_WINS_RELEASE_MAX_US with a silent WINS server); a safety
 * net, not a timer of the protocol. */
#define RELEASE_ALL_TIMEOUT_MS ((int) (NB_REGISTRAR_WINS_RELEASE_MAX_US / 1000) + 1000)

typedef enum {
  KIND_WORKSTATION, /* COMPUTER<00> */
  KIND_COMPUTER,    /* COMPUTER<03>: cannot be deleted (NERR_DelComputerName) */
  KIND_WORKGROUP,   /* WORKGROUP<00>, group */
  KIND_ALIAS,       /* ALIAS<03> */
} Kind;

typedef enum {
  OP_NONE,
  OP_ADD,      /* waiting for every interface to register */
  OP_DELETE,   /* waiting for every release (task = the DeleteName) */
  OP_WITHDRAW, /* a failed add being released again (no task) */
} Op;

typedef struct {
  NbName name;
  Kind kind;
  gboolean group;
  Op op;
  GTask *task;
  gboolean rest_pending; /* multi-homed: the other addresses wait for the first */
} Entry;

typedef struct {
  NsNames *names;
  char *label;
  NbRegistrar *registrar;
} Slot;

struct _NsNames {
  char *charset;
  char *scope;
  GPtrArray *slots;   /* Slot */
  GPtrArray *entries; /* Entry, in the order added */
  gboolean in_call;   /* inside our own registrar calls: events wait */
  gboolean shutting_down;
  GTask *release_task;
  GSource *release_timeout;
};

typedef struct {
  guint registering, registered, conflict, releasing, absent;
  guint32 peer;      /* a conflicting node, if any */
  guint8 rcode;      /* what it said (ACT_ERR: "owned elsewhere") */
  gboolean peer_is_wins; /* the peer is one of that interface's WINS servers */
  const char *where; /* an interface with a conflict */
} Tally;

/* Kept free of the net layer, so that tests can link this file alone. */
static char *
ipv4_text (guint32 a)
{
  return g_strdup_printf ("%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void
slot_free (Slot *slot)
{
  nb_registrar_set_event_func (slot->registrar, NULL, NULL, NULL);
  g_free (slot->label);
  g_free (slot);
}

static void
entry_free (Entry *entry)
{
  g_assert (entry->task == NULL);
  g_free (entry);
}

NsNames *
ns_names_new (const char *charset, const char *scope)
{
  NsNames *names = g_new0 (NsNames, 1);

  names->charset = g_strdup (charset);
  names->scope = g_strdup (scope ? scope : "");
  names->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  names->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  return names;
}

static void
fail_task (GTask **task, NsControlError code, const char *message)
{
  GTask *t = g_steal_pointer (task);

  if (t == NULL)
    return;
  g_task_return_new_error (t, NS_CONTROL_ERROR, code, "%s", message);
  g_object_unref (t);
}

void
ns_names_free (NsNames *names)
{
  if (names == NULL)
    return;
  for (guint i = 0; i < names->entries->len; i++) {
    Entry *entry = g_ptr_array_index (names->entries, i);

    fail_task (&entry->task, NS_CONTROL_ERROR_NOT_RUNNING, "netsendd is stopping");
  }
  if (names->release_timeout != NULL) {
    g_source_destroy (names->release_timeout);
    g_source_unref (names->release_timeout);
  }
  g_clear_object (&names->release_task);
  g_ptr_array_unref (names->slots);
  g_ptr_array_unref (names->entries);
  g_free (names->charset);
  g_free (names->scope);
  g_free (names);
}

static char *
display (NsNames *names, const NbName *name)
{
  return nb_name_to_display (name, names->charset);
}

static Entry *
find_entry (NsNames *names, const NbName *name)
{
  for (guint i = 0; i < names->entries->len; i++) {
    Entry *entry = g_ptr_array_index (names->entries, i);

    if (nb_name_equal (&entry->name, name))
      return entry;
  }
  return NULL;
}

static guint
count_message_names (NsNames *names)
{
  guint n = 0;

  for (guint i = 0; i < names->entries->len; i++) {
    Entry *entry = g_ptr_array_index (names->entries, i);

    n += nb_name_suffix (&entry->name) == NB_SUFFIX_MESSENGER && entry->op != OP_WITHDRAW;
  }
  return n;
}

static gboolean
is_wins_server (NbRegistrar *registrar, guint32 ipv4)
{
  const NbRegistrarConfig *rc = nb_registrar_get_config (registrar);

  for (guint i = 0; i < rc->n_wins_servers; i++)
    if (rc->wins_servers[i] == ipv4)
      return TRUE;
  return FALSE;
}

static Tally
tally (NsNames *names, const Entry *entry)
{
  Tally t = { 0 };

  for (guint i = 0; i < names->slots->len; i++) {
    Slot *slot = g_ptr_array_index (names->slots, i);
    NbNameInfo info;

    if (!nb_registrar_lookup (slot->registrar, &entry->name, &info)) {
      t.absent++;
      continue;
    }
    switch (info.state) {
      case NB_NAME_STATE_REGISTERING: t.registering++; break;
      case NB_NAME_STATE_REGISTERED: case NB_NAME_STATE_REFRESHING: t.registered++; break;
      case NB_NAME_STATE_CONFLICT:
        t.conflict++;
        t.peer = info.peer_ipv4;
        t.rcode = info.peer_rcode;
        t.peer_is_wins = is_wins_server (slot->registrar, info.peer_ipv4);
        t.where = slot->label;
        break;
      case NB_NAME_STATE_RELEASING: t.releasing++; break;
      case NB_NAME_STATE_RELEASED: t.absent++; break;
    }
  }
  return t;
}

static void
withdraw (NsNames *names, Entry *entry)
{
  gint64 now = g_get_monotonic_time ();

  names->in_call = TRUE;
  for (guint i = 0; i < names->slots->len; i++) {
    Slot *slot = g_ptr_array_index (names->slots, i);

    /* NOT_FOUND is fine: that interface never had it or already dropped it. */
    nb_registrar_remove_name (slot->registrar, &entry->name, now, NULL);
  }
  names->in_call = FALSE;
}

static void remove_entry (NsNames *names, Entry *entry);

static void
finish_add (NsNames *names, Entry *entry, const Tally *t)
{
  g_autofree char *text = display (names, &entry->name);
  g_autofree char *peer = NULL;
  g_autofree char *msg = NULL;
  GTask *task = g_steal_pointer (&entry->task);

  entry->op = OP_NONE;
  if (t->conflict == 0 && t->absent == 0) {
    g_info ("%s registered on %u interface(s)", text, t->registered);
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  peer = t->peer ? ipv4_text (t->peer) : g_strdup ("another node");
  if (t->peer_is_wins)
    /* WINS (RFC 1002 §5.1.2.1) refused: ACT_ERR means another host owns
     * the name, anything else is the server's policy. */
    msg = g_strdup_printf ("%s is already registered: the WINS server %s refused it (%s)%s%s",
                           text, peer, nb_ns_rcode_to_string (t->rcode),
                           t->where ? " on " : "", t->where ? t->where : "");
  else
    msg = g_strdup_printf ("%s is already registered by %s on %s", text, peer,
                           t->where ? t->where : "the network");
  g_warning ("Adding %s failed: %s; withdrawing it", text, msg);
  entry->op = OP_WITHDRAW;
  withdraw (names, entry);
  g_task_return_new_error (task, NS_CONTROL_ERROR, NS_CONTROL_ERROR_DUPLICATE_NAME, "%s", msg);
  g_object_unref (task);
  if (tally (names, entry).releasing == 0)
    remove_entry (names, entry);
}

static void start_rest (NsNames *names, Entry *entry, Slot *primary);
static Slot *primary_slot (NsNames *names);

/* Whether the other addresses of a multi-homed host may follow the first
 * one with @entry now (start_registration()). */
static gboolean
rest_due (NsNames *names, const Entry *entry, Slot **ret_primary)
{
  Slot *primary;
  NbNameInfo info;

  if (!entry->rest_pending || names->shutting_down
      || (entry->op != OP_NONE && entry->op != OP_ADD))
    return FALSE;
  primary = primary_slot (names);
  if (primary == NULL || !nb_registrar_lookup (primary->registrar, &entry->name, &info)
      || (info.state != NB_NAME_STATE_REGISTERED && info.state != NB_NAME_STATE_REFRESHING))
    return FALSE;
  *ret_primary = primary;
  return TRUE;
}

/* Re-evaluates an entry after an event or our own calls. */
static void
check_entry (NsNames *names, Entry *entry)
{
  Slot *primary;
  Tally t;

  if (rest_due (names, entry, &primary))
    start_rest (names, entry, primary);
  t = tally (names, entry);

  switch (entry->op) {
    case OP_NONE:
      break;
    case OP_ADD:
      /* One refusal is enough: the name is withdrawn at once, also where
       * it is still registering (dropped without any release). */
      if (t.registering == 0 || t.conflict > 0)
        finish_add (names, entry, &t);
      break;
    case OP_DELETE: case OP_WITHDRAW:
      if (t.registering + t.registered + t.releasing + t.conflict == 0) {
        GTask *task = g_steal_pointer (&entry->task);

        if (task != NULL) {
          g_autofree char *text = display (names, &entry->name);

          g_info ("%s deleted", text);
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
        }
        remove_entry (names, entry);
      }
      break;
  }
}

static void
remove_entry (NsNames *names, Entry *entry)
{
  g_ptr_array_remove (names->entries, entry);
}

static gboolean
all_idle (NsNames *names)
{
  for (guint i = 0; i < names->slots->len; i++)
    if (!nb_registrar_is_idle (((Slot *) g_ptr_array_index (names->slots, i))->registrar))
      return FALSE;
  return TRUE;
}

static void
complete_release_all (NsNames *names)
{
  GTask *task = g_steal_pointer (&names->release_task);

  if (names->release_timeout != NULL) {
    g_source_destroy (names->release_timeout);
    g_clear_pointer (&names->release_timeout, g_source_unref);
  }
  if (task != NULL) {
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
  }
}

static void
log_event (Slot *slot, const NbNameInfo *info, NbNameState old_state)
{
  g_autofree char *text = display (slot->names, &info->name);

  if (info->state == NB_NAME_STATE_CONFLICT) {
    g_autofree char *peer = ipv4_text (info->peer_ipv4);
    gboolean wins = is_wins_server (slot->registrar, info->peer_ipv4);

    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "NETSEND_NAME", text,
                      "NETSEND_INTERFACE", slot->label, "NETSEND_PEER", peer,
                      "MESSAGE", "%s is in conflict on %s: %s by %s%s%s%s", text, slot->label,
                      nb_name_reason_to_string (info->reason), wins ? "WINS server " : "",
                      peer, wins ? ": " : "", wins ? nb_ns_rcode_to_string (info->peer_rcode) : "");
    return;
  }
  if (info->state == NB_NAME_STATE_REGISTERED && info->reason == NB_NAME_REASON_GRANTED
      && old_state == NB_NAME_STATE_REGISTERING) {
    g_autofree char *server = ipv4_text (info->wins_server);

    g_info ("%s registered with WINS server %s on %s for %u s", text, server, slot->label,
            info->ttl);
    return;
  }
  if (info->reason == NB_NAME_REASON_WINS_SILENT && old_state == NB_NAME_STATE_REGISTERING) {
    g_message ("%s on %s: no WINS server answered (silent or unreachable); "
               "holding the name and trying again later", text, slot->label);
    return;
  }
  g_debug ("%s on %s: %s -> %s (%s)", text, slot->label, nb_name_state_to_string (old_state),
           nb_name_state_to_string (info->state), nb_name_reason_to_string (info->reason));
}

static void
on_registrar_event (NbRegistrar *registrar, const NbNameInfo *info, NbNameState old_state,
                    gpointer user_data)
{
  Slot *slot = user_data;
  NsNames *names = slot->names;
  Entry *entry;

  log_event (slot, info, old_state);
  if (names->in_call)
    return;
  entry = find_entry (names, &info->name);
  if (entry != NULL)
    check_entry (names, entry);
  if (names->shutting_down && names->release_task != NULL && all_idle (names))
    complete_release_all (names);
}

void
ns_names_add_interface (NsNames *names, const char *label, NbRegistrar *registrar)
{
  Slot *slot = g_new0 (Slot, 1);

  slot->names = names;
  slot->label = g_strdup (label);
  slot->registrar = registrar;
  nb_registrar_set_event_func (registrar, on_registrar_event, slot, NULL);
  g_ptr_array_add (names->slots, slot);
}

/* The registrar of a multi-homed host's first address
 * (NbRegistrarConfig.multihomed_primary) when it registers with WINS, else
 * NULL. Unique names go there first and to the other addresses once it
 * holds them: its ordinary registration lets WINS refuse a name another
 * host owns, which the others' multi-homed registrations cannot (nmbd adds
 * them to that host's name). Without WINS every address claims at once
 * (issue 3: a name answerable within 1 s). */
static Slot *
primary_slot (NsNames *names)
{
  for (guint i = 0; i < names->slots->len; i++) {
    Slot *slot = g_ptr_array_index (names->slots, i);
    const NbRegistrarConfig *rc = nb_registrar_get_config (slot->registrar);

    if (rc->multihomed && rc->multihomed_primary && rc->node_type != NB_NODE_B
        && rc->n_wins_servers > 0)
      return slot;
  }
  return NULL;
}

/* Adds @entry to the registrars (all but @skip); FALSE with @error at the
 * first refusal. */
static gboolean
add_to_slots (NsNames *names, Entry *entry, Slot *only, Slot *skip, GError **error)
{
  gint64 now = g_get_monotonic_time ();
  gboolean ok = TRUE;

  names->in_call = TRUE;
  for (guint i = 0; i < names->slots->len && ok; i++) {
    Slot *slot = g_ptr_array_index (names->slots, i);

    if ((only != NULL && slot != only) || slot == skip)
      continue;
    ok = nb_registrar_add_name (slot->registrar, &entry->name, entry->group, now, error);
  }
  names->in_call = FALSE;
  return ok;
}

/* The first address of a multi-homed host holds @entry: the others follow
 * (multi-homed registrations, which WINS adds to the name after asking the
 * first one). */
static void
start_rest (NsNames *names, Entry *entry, Slot *primary)
{
  g_autoptr (GError) error = NULL;

  entry->rest_pending = FALSE;
  if (!add_to_slots (names, entry, NULL, primary, &error)) {
    g_autofree char *text = display (names, &entry->name);

    g_warning ("%s: cannot register it on the other interfaces: %s", text, error->message);
  }
}

guint
ns_names_get_n_interfaces (NsNames *names)
{
  g_return_val_if_fail (names != NULL, 0);
  return names->slots->len;
}

/* A user-supplied name as the NbName we register. */
static gboolean
make_name (NsNames *names, const char *utf8, guint8 suffix, NbName *ret, GError **error)
{
  NbName name;
  g_autoptr (GError) local = NULL;

  if (!nb_name_from_utf8 (&name, utf8, suffix, names->charset, &local)
      || !nb_name_set_scope (&name, names->scope, &local)) {
    g_set_error (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_INVALID_NAME, "'%s': %s", utf8,
                 local->message);
    return FALSE;
  }
  *ret = name;
  return TRUE;
}

/* Starts registering @entry on every interface. FALSE (with nothing left
 * registered) if a registrar refuses it. */
static gboolean
start_registration (NsNames *names, Entry *entry, GError **error)
{
  g_autoptr (GError) local = NULL;
  Slot *primary = entry->group ? NULL : primary_slot (names);

  entry->rest_pending = primary != NULL;
  if (!add_to_slots (names, entry, primary, NULL, &local)) {
    NsControlError code = NS_CONTROL_ERROR_FAILED;

    if (g_error_matches (local, NS_ENGINE_ERROR, NS_ENGINE_ERROR_TOO_MANY))
      code = NS_CONTROL_ERROR_TOO_MANY_NAMES;
    else if (g_error_matches (local, NS_ENGINE_ERROR, NS_ENGINE_ERROR_INVALID_ARGUMENT))
      code = NS_CONTROL_ERROR_INVALID_NAME;
    withdraw (names, entry);
    g_set_error_literal (error, NS_CONTROL_ERROR, code, local->message);
    return FALSE;
  }
  return TRUE;
}

static Entry *
append_entry (NsNames *names, const NbName *name, Kind kind, gboolean group)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->name = *name;
  entry->kind = kind;
  entry->group = group;
  g_ptr_array_add (names->entries, entry);
  return entry;
}

static gboolean
register_one (NsNames *names, const char *utf8, guint8 suffix, Kind kind, gboolean group,
              GError **error)
{
  NbName name;
  Entry *entry;

  if (!make_name (names, utf8, suffix, &name, error))
    return FALSE;
  if (find_entry (names, &name) != NULL)
    return TRUE;
  entry = append_entry (names, &name, kind, group);
  if (!start_registration (names, entry, error)) {
    remove_entry (names, entry);
    return FALSE;
  }
  return TRUE;
}

gboolean
ns_names_register_initial (NsNames *names, const char *computer, const char *workgroup,
                           const char *const *aliases, GError **error)
{
  g_return_val_if_fail (names != NULL, FALSE);

  /* The order of nmbd's node status answer: the machine name first. */
  if (!register_one (names, computer, NB_SUFFIX_WORKSTATION, KIND_WORKSTATION, FALSE, error)
      || !register_one (names, computer, NB_SUFFIX_MESSENGER, KIND_COMPUTER, FALSE, error)
      || !register_one (names, workgroup, NB_SUFFIX_WORKSTATION, KIND_WORKGROUP, TRUE, error))
    return FALSE;
  for (gsize i = 0; aliases != NULL && aliases[i] != NULL; i++) {
    if (count_message_names (names) >= NS_MAX_MESSAGE_NAMES) {
      g_set_error (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_TOO_MANY_NAMES,
                   "More than %u message names", NS_MAX_MESSAGE_NAMES);
      return FALSE;
    }
    if (!register_one (names, aliases[i], NB_SUFFIX_MESSENGER, KIND_ALIAS, FALSE, error))
      return FALSE;
  }
  return TRUE;
}

/* Checks for AddName; returns the entry to (re)register or NULL with
 * @error set. A name whose every copy is in conflict may be added again:
 * that retries the registration. */
static Entry *
prepare_add (NsNames *names, const NbName *name, GError **error)
{
  Entry *entry = find_entry (names, name);
  g_autofree char *text = display (names, name);

  if (names->shutting_down) {
    g_set_error_literal (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_NOT_RUNNING,
                         "netsendd is stopping");
    return NULL;
  }
  if (entry != NULL) {
    Tally t = tally (names, entry);

    if (entry->op != OP_NONE) {
      g_set_error (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_NAME_IN_USE,
                   "%s is being added or deleted right now", text);
      return NULL;
    }
    /* Re-adding retries a name no interface holds: every copy in
     * conflict, or (multi-homed) the first address refused and the others
     * never asked. */
    if (names->slots->len == 0 || t.conflict == 0
        || t.registered + t.registering + t.releasing > 0) {
      g_set_error (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_ALREADY_EXISTS,
                   "%s is already a name of this computer", text);
      return NULL;
    }
    return entry;
  }
  if (count_message_names (names) >= NS_MAX_MESSAGE_NAMES) {
    g_set_error (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_TOO_MANY_NAMES,
                 "This computer already has %u message names", NS_MAX_MESSAGE_NAMES);
    return NULL;
  }
  return append_entry (names, name, KIND_ALIAS, FALSE);
}

void
ns_names_add_async (NsNames *names, const char *utf8, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr (GError) error = NULL;
  NbName name;
  Entry *entry;

  g_task_set_source_tag (task, ns_names_add_async);
  if (!make_name (names, utf8, NB_SUFFIX_MESSENGER, &name, &error)
      || (entry = prepare_add (names, &name, &error)) == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (!start_registration (names, entry, &error)) {
    if (tally (names, entry).releasing == 0)
      remove_entry (names, entry);
    else
      entry->op = OP_WITHDRAW;
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (names->slots->len == 0) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  entry->op = OP_ADD;
  entry->task = g_steal_pointer (&task);
  check_entry (names, entry);
}

gboolean
ns_names_add_finish (NsNames *names, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ns_names_delete_async (NsNames *names, const char *utf8, GAsyncReadyCallback callback,
                       gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  NbName name;
  Entry *entry;

  g_task_set_source_tag (task, ns_names_delete_async);
  if (!make_name (names, utf8, NB_SUFFIX_MESSENGER, &name, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  text = display (names, &name);
  entry = find_entry (names, &name);
  if (names->shutting_down)
    g_set_error_literal (&error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_NOT_RUNNING,
                         "netsendd is stopping");
  else if (entry == NULL || entry->op == OP_WITHDRAW)
    g_set_error (&error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_NOT_LOCAL_NAME,
                 "%s is not a name of this computer", text);
  else if (entry->kind == KIND_COMPUTER)
    g_set_error (&error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_DEL_COMPUTER_NAME,
                 "%s is the computer name", text);
  else if (entry->op != OP_NONE)
    g_set_error (&error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_NAME_IN_USE,
                 "%s is being added or deleted right now", text);
  if (error != NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  entry->op = OP_DELETE;
  entry->task = g_steal_pointer (&task);
  withdraw (names, entry);
  check_entry (names, entry);
}

gboolean
ns_names_delete_finish (NsNames *names, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_config_alias_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = user_data;

  if (!g_task_propagate_boolean (G_TASK (result), &error)
      && !g_error_matches (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_ALREADY_EXISTS)
      && !g_error_matches (error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_NOT_LOCAL_NAME))
    g_warning ("Reload: alias %s: %s", name, error->message);
}

void
ns_names_update_config_aliases (NsNames *names, const char *const *old_aliases,
                                const char *const *new_aliases)
{
  for (gsize i = 0; old_aliases != NULL && old_aliases[i] != NULL; i++)
    if (new_aliases == NULL || !g_strv_contains (new_aliases, old_aliases[i]))
      ns_names_delete_async (names, old_aliases[i], on_config_alias_done,
                             g_strdup (old_aliases[i]));
  for (gsize i = 0; new_aliases != NULL && new_aliases[i] != NULL; i++)
    if (old_aliases == NULL || !g_strv_contains (old_aliases, new_aliases[i]))
      ns_names_add_async (names, new_aliases[i], on_config_alias_done,
                          g_strdup (new_aliases[i]));
}

static const char *
state_of (NsNames *names, const Tally *t)
{
  if (names->slots->len == 0)
    return "local";
  if (t->conflict > 0)
    return "conflict";
  if (t->registering > 0)
    return "registering";
  if (t->releasing > 0)
    return "releasing";
  return t->registered > 0 ? "registered" : "releasing";
}

/* The interfaces (slot labels, each once) whose registrar holds @entry, as
 * a NULL-terminated array for "^as"; the labels are borrowed. */
static GPtrArray *
interface_labels (NsNames *names, const Entry *entry)
{
  GPtrArray *labels = g_ptr_array_new ();

  for (guint j = 0; j < names->slots->len; j++) {
    Slot *slot = g_ptr_array_index (names->slots, j);

    if (nb_registrar_lookup (slot->registrar, &entry->name, NULL)
        && !g_ptr_array_find_with_equal_func (labels, slot->label, g_str_equal, NULL))
      g_ptr_array_add (labels, slot->label);
  }
  g_ptr_array_add (labels, NULL);
  return labels;
}

GVariant *
ns_names_list (NsNames *names)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sybsas)"));
  for (guint i = 0; i < names->entries->len; i++) {
    Entry *entry = g_ptr_array_index (names->entries, i);
    g_autofree char *utf8 = nb_name_to_utf8 (&entry->name, names->charset);
    g_autoptr (GPtrArray) labels = interface_labels (names, entry);
    Tally t = tally (names, entry);
    g_variant_builder_add (&builder, "(sybs^as)", utf8, nb_name_suffix (&entry->name),
                           entry->group, state_of (names, &t), (char **) labels->pdata);
  }
  return g_variant_builder_end (&builder);
}

/* Where an entry is registered, over every interface: the union of the
 * registrars' sources, the WINS servers holding it, the shortest TTL they
 * granted. */
typedef struct {
  NbNameSource source;
  GPtrArray *wins; /* char*, distinct */
  guint32 ttl;
  gint64 refresh_us;
} Where;

static void
where_of (NsNames *names, const Entry *entry, Where *w)
{
  w->source = NB_NAME_SOURCE_NONE;
  w->wins = g_ptr_array_new_with_free_func (g_free);
  w->ttl = 0;
  w->refresh_us = NB_ENGINE_NO_DEADLINE;
  for (guint i = 0; i < names->slots->len; i++) {
    Slot *slot = g_ptr_array_index (names->slots, i);
    NbNameInfo info;

    if (!nb_registrar_lookup (slot->registrar, &entry->name, &info)
        || (info.state != NB_NAME_STATE_REGISTERED && info.state != NB_NAME_STATE_REFRESHING))
      continue;
    w->source |= info.source;
    if (info.wins_server != 0) {
      g_autofree char *server = ipv4_text (info.wins_server);

      if (!g_ptr_array_find_with_equal_func (w->wins, server, g_str_equal, NULL))
        g_ptr_array_add (w->wins, g_steal_pointer (&server));
    }
    if (info.ttl > 0 && (w->ttl == 0 || info.ttl < w->ttl))
      w->ttl = info.ttl;
    if (info.refresh_us != NB_ENGINE_NO_DEADLINE
        && (w->refresh_us == NB_ENGINE_NO_DEADLINE || info.refresh_us < w->refresh_us))
      w->refresh_us = info.refresh_us;
  }
  g_ptr_array_add (w->wins, NULL);
}

static GVariant *
entry_dict (NsNames *names, const Entry *entry)
{
  GVariantDict d;
  g_autofree char *utf8 = nb_name_to_utf8 (&entry->name, names->charset);
  g_autoptr (GPtrArray) labels = interface_labels (names, entry);
  Tally t = tally (names, entry);
  Where w;

  where_of (names, entry, &w);
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "name", "s", utf8);
  g_variant_dict_insert (&d, "suffix", "y", nb_name_suffix (&entry->name));
  g_variant_dict_insert (&d, "group", "b", entry->group);
  g_variant_dict_insert (&d, "state", "s", state_of (names, &t));
  g_variant_dict_insert (&d, "interfaces", "^as", (char **) labels->pdata);
  g_variant_dict_insert (&d, "registered-by", "s",
                         names->slots->len == 0 ? "local" : nb_name_source_to_string (w.source));
  g_variant_dict_insert (&d, "wins-servers", "^as", (char **) w.wins->pdata);
  if (w.ttl > 0)
    g_variant_dict_insert (&d, "ttl", "u", w.ttl);
  if (w.refresh_us != NB_ENGINE_NO_DEADLINE) {
    gint64 in_s = (w.refresh_us - g_get_monotonic_time ()) / G_USEC_PER_SEC;

    g_variant_dict_insert (&d, "refresh-in", "u", (guint32) CLAMP (in_s, 0, G_MAXUINT32));
  }
  if (t.conflict > 0) {
    g_autofree char *peer = ipv4_text (t.peer);

    g_variant_dict_insert (&d, "conflict-with", "s", peer);
    g_variant_dict_insert (&d, "conflict-by-wins", "b", t.peer_is_wins);
    g_variant_dict_insert (&d, "conflict-rcode", "s", nb_ns_rcode_to_string (t.rcode));
  }
  g_ptr_array_unref (w.wins);
  return g_variant_dict_end (&d);
}

GVariant *
ns_names_list2 (NsNames *names)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < names->entries->len; i++)
    g_variant_builder_add_value (&builder,
                                 entry_dict (names, g_ptr_array_index (names->entries, i)));
  return g_variant_builder_end (&builder);
}

void
ns_names_get_counts (NsNames *names, guint *ret_names, guint *ret_conflicts)
{
  guint conflicts = 0;

  for (guint i = 0; i < names->entries->len; i++)
    conflicts += tally (names, g_ptr_array_index (names->entries, i)).conflict > 0;
  if (ret_names != NULL)
    *ret_names = names->entries->len;
  if (ret_conflicts != NULL)
    *ret_conflicts = conflicts;
}

static gboolean
on_release_timeout (gpointer user_data)
{
  NsNames *names = user_data;

  g_warning ("Releasing the names took longer than %d ms; stopping anyway",
             RELEASE_ALL_TIMEOUT_MS);
  complete_release_all (names);
  return G_SOURCE_REMOVE;
}

void
ns_names_release_all_async (NsNames *names, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (names->release_task == NULL);
  names->shutting_down = TRUE;
  for (guint i = 0; i < names->entries->len; i++) {
    Entry *entry = g_ptr_array_index (names->entries, i);

    entry->op = OP_NONE;
    fail_task (&entry->task, NS_CONTROL_ERROR_NOT_RUNNING, "netsendd is stopping");
  }
  names->in_call = TRUE;
  for (guint i = 0; i < names->slots->len; i++)
    nb_registrar_release_all (((Slot *) g_ptr_array_index (names->slots, i))->registrar, now);
  names->in_call = FALSE;
  if (all_idle (names)) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  names->release_task = g_steal_pointer (&task);
  names->release_timeout = g_timeout_source_new (RELEASE_ALL_TIMEOUT_MS);
  g_source_set_callback (names->release_timeout, on_release_timeout, names, NULL);
  g_source_attach (names->release_timeout, g_main_context_get_thread_default ());
}

gboolean
ns_names_release_all_finish (NsNames *names, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- lookups for the receivers (inbox.c, receiver-*.c) ---- */

gboolean
ns_names_holds (NsNames *names, const NbName *name, gboolean *ret_group)
{
  Entry *entry;

  g_return_val_if_fail (names != NULL && name != NULL, FALSE);
  entry = find_entry (names, name);
  /* A name being deleted or withdrawn is on its way out: not ours. */
  if (entry == NULL || entry->op == OP_DELETE || entry->op == OP_WITHDRAW)
    return FALSE;
  if (ret_group != NULL)
    *ret_group = entry->group;
  return TRUE;
}

gboolean
ns_names_is_registered (NsNames *names, const NbName *name)
{
  Entry *entry;
  Tally t;

  g_return_val_if_fail (names != NULL && name != NULL, FALSE);
  entry = find_entry (names, name);
  if (entry == NULL || entry->op != OP_NONE)
    return FALSE;
  if (names->slots->len == 0)
    return TRUE;
  t = tally (names, entry);
  return t.registered > 0 && t.registering == 0 && t.conflict == 0 && t.releasing == 0;
}

gboolean
ns_names_holds_utf8 (NsNames *names, const char *utf8, guint8 suffix)
{
  g_autofree char *trimmed = g_strdup (utf8 != NULL ? utf8 : "");
  NbName name;

  g_return_val_if_fail (names != NULL, FALSE);
  /* Senders may pad names with spaces (the NetBIOS form). */
  g_strchomp (trimmed);
  if (trimmed[0] == '\0' || !make_name (names, trimmed, suffix, &name, NULL))
    return FALSE;
  return ns_names_holds (names, &name, NULL);
}
