/* SPDX-License-Identifier: GPL-3.0-or-later */

/* daemon/names.c with real registrars on fake transports (no sockets):
 * two "interfaces", a GMainLoop with the registrars' real timers (a B-node
 * registration takes NB_REGISTRAR_REGISTRATION_DURATION_US), and peers
 * simulated by feeding responses to the registrars. Checks the outcome of
 * AddName/DeleteName and their NERR error codes, the rollback of an add
 * that meets another owner on one interface, the 256-name limit, reloads
 * of the configured aliases and the shutdown. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <netsend/nb-ns.h>
#include <netsend/nb-registrar.h>

#include "daemon/config.h"
#include "daemon/names.h"
#include "daemon/control-errors.h"

#define PEER 0x0A000009u /* 10.0.0.9, the other owner */

typedef struct {
  GPtrArray *sent; /* GBytes of every datagram */
} FakeNet;

typedef struct {
  FakeNet net[2];
  NbRegistrar *reg[2];
  NsNames *names;
  GMainLoop *loop;
} Fixture;

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
  gint64 finished_us;
} Outcome;

static gboolean
fake_send (gpointer user_data, const guint8 *data, gsize len, guint32 dst, guint16 port,
           gboolean broadcast, GError **error)
{
  FakeNet *net = user_data;

  g_ptr_array_add (net->sent, g_bytes_new (data, len));
  return TRUE;
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->loop = g_main_loop_new (NULL, FALSE);
  f->names = ns_names_new ("CP850", "");
  for (int i = 0; i < 2; i++) {
    NbRegistrarConfig rc;
    NbTransport t = { fake_send, &f->net[i] };

    f->net[i].sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    nb_registrar_config_init (&rc);
    rc.address = 0x0A000001u + (guint32) i * 0x100u; /* 10.0.0.1, 10.0.1.1 */
    rc.netmask = 0xFFFFFF00u;
    rc.max_names = NS_MAX_MESSAGE_NAMES + 2;
    f->reg[i] = nb_registrar_new (&rc, &t, NULL);
    assert_non_null (f->reg[i]);
    nb_registrar_attach (f->reg[i], NULL);
    ns_names_add_interface (f->names, i == 0 ? "eth0" : "eth1", f->reg[i]);
  }
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  ns_names_free (f->names);
  for (int i = 0; i < 2; i++) {
    nb_registrar_detach (f->reg[i]);
    nb_registrar_free (f->reg[i]);
    g_ptr_array_unref (f->net[i].sent);
  }
  g_main_loop_unref (f->loop);
  g_free (f);
  return 0;
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  o->ok = g_task_propagate_boolean (G_TASK (result), &o->error);
  o->done = TRUE;
  o->finished_us = g_get_monotonic_time ();
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until every outcome is done (bounded). */
static void
wait_for (Fixture *f, Outcome *outcomes, guint n)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;) {
    guint done = 0;

    for (guint i = 0; i < n; i++)
      done += outcomes[i].done;
    if (done == n)
      return;
    assert_true (g_get_monotonic_time () < end);
    g_main_context_iteration (NULL, TRUE);
  }
}

static void
run_for (Fixture *f, guint ms)
{
  g_timeout_add (ms, quit_loop, f->loop);
  g_main_loop_run (f->loop);
}

/* The state ListNames reports for NAME<suffix>, or NULL if absent. */
static char *
state_of (Fixture *f, const char *name, guint8 suffix)
{
  g_autoptr (GVariant) list = ns_names_list (f->names);
  GVariantIter iter;
  const char *n, *state;
  guint8 s;
  gboolean group;
  g_autofree char **ifaces = NULL;

  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "(&syb&s^a&s)", &n, &s, &group, &state, &ifaces)) {
    g_clear_pointer (&ifaces, g_free);
    if (strcmp (n, name) == 0 && s == suffix)
      return g_strdup (state);
  }
  return NULL;
}

static void
assert_state (Fixture *f, const char *name, guint8 suffix, const char *want)
{
  g_autofree char *got = state_of (f, name, suffix);

  if (g_strcmp0 (got, want) != 0)
    fail_msg ("%s<%02X>: state '%s', wanted '%s'", name, suffix, got ? got : "(absent)",
              want ? want : "(absent)");
}

static void
assert_error (Outcome *o, NsControlError code)
{
  assert_true (o->done);
  assert_false (o->ok);
  if (!g_error_matches (o->error, NS_CONTROL_ERROR, (int) code))
    fail_msg ("wanted %s, got %s", ns_control_error_info (code)->dbus_name,
              o->error ? o->error->message : "no error");
  g_clear_error (&o->error);
}

static void
start (Fixture *f)
{
  const char *const aliases[] = { "bob", NULL };

  assert_true (ns_names_register_initial (f->names, "ALPHA", "LAB", aliases, NULL));
  assert_state (f, "ALPHA", 0x03, "registering");
  run_for (f, 1000);
  assert_state (f, "ALPHA", 0x00, "registered");
  assert_state (f, "ALPHA", 0x03, "registered");
  assert_state (f, "LAB", 0x00, "registered");
  assert_state (f, "BOB", 0x03, "registered");
}

static void
test_initial_names (void **state)
{
  Fixture *f = *state;
  guint n_names, n_conflicts;

  start (f);
  /* Requests went out on both interfaces. */
  assert_true (f->net[0].sent->len >= 4);
  assert_true (f->net[1].sent->len >= 4);
  ns_names_get_counts (f->names, &n_names, &n_conflicts);
  assert_int_equal (n_names, 4);
  assert_int_equal (n_conflicts, 0);
}

static void
test_add_and_delete (void **state)
{
  Fixture *f = *state;
  Outcome add = { 0 }, del = { 0 };
  gint64 t0;

  start (f);
  t0 = g_get_monotonic_time ();
  ns_names_add_async (f->names, "carol", on_done, &add);
  assert_state (f, "CAROL", 0x03, "registering");
  wait_for (f, &add, 1);
  assert_true (add.ok);
  /* Success only after the registration window on the wire. */
  assert_true (add.finished_us - t0 >= NB_REGISTRAR_REGISTRATION_DURATION_US);
  assert_state (f, "CAROL", 0x03, "registered");

  ns_names_delete_async (f->names, "Carol", on_done, &del);
  assert_state (f, "CAROL", 0x03, "releasing");
  wait_for (f, &del, 1);
  assert_true (del.ok);
  assert_state (f, "CAROL", 0x03, NULL);
}

/* The receivers' lookups (ns_names_holds*): our names with their suffix,
 * group flag and scope; a name being deleted is no longer ours. */
static void
test_holds (void **state)
{
  Fixture *f = *state;
  Outcome del = { 0 };
  NbName name;
  gboolean group = FALSE;

  start (f);
  assert_true (ns_names_holds_utf8 (f->names, "alpha", 0x03));
  assert_true (ns_names_holds_utf8 (f->names, "Bob   ", 0x03));
  assert_true (ns_names_holds_utf8 (f->names, "ALPHA", 0x00));
  assert_false (ns_names_holds_utf8 (f->names, "LAB", 0x03));
  assert_false (ns_names_holds_utf8 (f->names, "", 0x03));
  assert_false (ns_names_holds_utf8 (f->names, "a*b", 0x03));
  assert_false (ns_names_holds_utf8 (f->names, "carol", 0x03));
  assert_true (nb_name_from_utf8 (&name, "LAB", 0x00, NULL, NULL));
  assert_true (ns_names_holds (f->names, &name, &group));
  assert_true (group);
  assert_true (nb_name_from_utf8 (&name, "BOB", 0x03, NULL, NULL));
  assert_true (ns_names_holds (f->names, &name, &group));
  assert_false (group);
  assert_true (nb_name_set_scope (&name, "other.scope", NULL));
  assert_false (ns_names_holds (f->names, &name, NULL));
  ns_names_delete_async (f->names, "bob", on_done, &del);
  assert_false (ns_names_holds_utf8 (f->names, "bob", 0x03));
  wait_for (f, &del, 1);
  assert_true (del.ok);
  assert_false (ns_names_holds_utf8 (f->names, "bob", 0x03));
}

static void
test_errors (void **state)
{
  Fixture *f = *state;
  Outcome o[6] = { { 0 } };

  start (f);
  ns_names_add_async (f->names, "bob", on_done, &o[0]);
  ns_names_add_async (f->names, "a*b", on_done, &o[1]);
  ns_names_add_async (f->names, "abcdefghijklmnop", on_done, &o[2]);
  ns_names_delete_async (f->names, "alpha", on_done, &o[3]);
  ns_names_delete_async (f->names, "nobody", on_done, &o[4]);
  /* LAB is a name of ours, but LAB<03> is not. */
  ns_names_delete_async (f->names, "lab", on_done, &o[5]);
  wait_for (f, o, G_N_ELEMENTS (o));
  assert_error (&o[0], NS_CONTROL_ERROR_ALREADY_EXISTS);
  assert_error (&o[1], NS_CONTROL_ERROR_INVALID_NAME);
  assert_error (&o[2], NS_CONTROL_ERROR_INVALID_NAME);
  assert_error (&o[3], NS_CONTROL_ERROR_DEL_COMPUTER_NAME);
  assert_error (&o[4], NS_CONTROL_ERROR_NOT_LOCAL_NAME);
  assert_error (&o[5], NS_CONTROL_ERROR_NOT_LOCAL_NAME);
}

static void
test_busy_name (void **state)
{
  Fixture *f = *state;
  Outcome add = { 0 }, del = { 0 }, add2 = { 0 };

  start (f);
  ns_names_add_async (f->names, "dave", on_done, &add);
  ns_names_delete_async (f->names, "dave", on_done, &del);
  ns_names_add_async (f->names, "dave", on_done, &add2);
  wait_for (f, &del, 1);
  wait_for (f, &add2, 1);
  assert_error (&del, NS_CONTROL_ERROR_NAME_IN_USE);
  assert_error (&add2, NS_CONTROL_ERROR_NAME_IN_USE);
  wait_for (f, &add, 1);
  assert_true (add.ok);
}

/* Answers the last registration request sent on interface @i with a
 * negative response (ACT_ERR) from PEER, as a defending owner does
 * (RFC 1002 §4.2.6, PROTOCOL.md §1.4.6). */
static void
refuse_last_registration (Fixture *f, int i)
{
  GBytes *last = g_ptr_array_index (f->net[i].sent, f->net[i].sent->len - 1);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  NbNsPacket *req = NULL;
  NbNsPacket *resp;
  gsize len;
  const guint8 *data = g_bytes_get_data (last, &len);

  assert_true (nb_ns_packet_parse (data, len, &req, NULL));
  assert_int_equal (req->opcode, NB_NS_OPCODE_REGISTRATION);
  resp = nb_ns_packet_copy (req);
  resp->response = TRUE;
  resp->rcode = NB_NS_RCODE_ACT_ERR;
  resp->flags = NB_NS_FLAG_AA | NB_NS_FLAG_RD;
  g_array_set_size (resp->questions, 0);
  g_ptr_array_add (resp->answers, g_ptr_array_steal_index (resp->additional, 0));
  assert_true (nb_ns_packet_build (resp, out, NULL));
  nb_registrar_receive (f->reg[i], out->data, out->len, PEER, 137, g_get_monotonic_time ());
  nb_ns_packet_free (req);
  nb_ns_packet_free (resp);
}

static void
test_duplicate_on_one_interface (void **state)
{
  Fixture *f = *state;
  Outcome add = { 0 };
  NbName eve;
  gint64 t0;

  start (f);
  t0 = g_get_monotonic_time ();
  ns_names_add_async (f->names, "eve", on_done, &add);
  run_for (f, 100);
  refuse_last_registration (f, 1);
  wait_for (f, &add, 1);
  assert_error (&add, NS_CONTROL_ERROR_DUPLICATE_NAME);
  /* Failed at the first refusal, before eth0's registration window ended,
   * and withdrawn everywhere (MS-MSRP §3.1.4.1 "roll back"): eth0 had not
   * claimed it yet, so it is dropped there without a release. */
  assert_true (add.finished_us - t0 < NB_REGISTRAR_REGISTRATION_DURATION_US);
  assert_state (f, "EVE", 0x03, NULL);
  assert_true (nb_name_from_utf8 (&eve, "EVE", NB_SUFFIX_MESSENGER, NULL, NULL));
  assert_false (nb_registrar_lookup (f->reg[0], &eve, NULL));
  assert_false (nb_registrar_lookup (f->reg[1], &eve, NULL));
  run_for (f, 1000);
  assert_state (f, "EVE", 0x03, NULL);
}

static void
test_conflict_of_configured_alias (void **state)
{
  Fixture *f = *state;
  const char *const aliases[] = { "frank", NULL };
  Outcome again = { 0 };

  assert_true (ns_names_register_initial (f->names, "ALPHA", "LAB", aliases, NULL));
  run_for (f, 100);
  refuse_last_registration (f, 0);
  run_for (f, 1000);
  /* The daemon keeps it, in conflict, until someone decides. */
  assert_state (f, "FRANK", 0x03, "conflict");
  ns_names_add_async (f->names, "frank", on_done, &again);
  wait_for (f, &again, 1);
  /* Re-adding retries only when every copy is in conflict; eth1 holds it. */
  assert_error (&again, NS_CONTROL_ERROR_ALREADY_EXISTS);
}

/* ns_names_is_registered(), which the browse announcements wait for: only
 * a name registered on every interface counts; registering, in conflict
 * on one interface, being deleted or unknown do not. */
static void
test_is_registered (void **state)
{
  Fixture *f = *state;
  const char *const aliases[] = { "frank", "bob", NULL };
  Outcome del = { 0 };
  NbName alpha, frank, lab, nobody, bob;

  assert_true (nb_name_from_utf8 (&alpha, "ALPHA", 0x00, NULL, NULL));
  assert_true (nb_name_from_utf8 (&frank, "FRANK", NB_SUFFIX_MESSENGER, NULL, NULL));
  assert_true (nb_name_from_utf8 (&lab, "LAB", 0x00, NULL, NULL));
  assert_true (nb_name_from_utf8 (&nobody, "NOBODY", 0x00, NULL, NULL));
  assert_true (nb_name_from_utf8 (&bob, "BOB", NB_SUFFIX_MESSENGER, NULL, NULL));
  assert_true (ns_names_register_initial (f->names, "ALPHA", "LAB", aliases, NULL));
  run_for (f, 100);
  assert_false (ns_names_is_registered (f->names, &alpha)); /* still registering */
  refuse_last_registration (f, 0);                          /* BOB<03> on eth0 */
  run_for (f, 1000);
  assert_true (ns_names_is_registered (f->names, &alpha));
  assert_true (ns_names_is_registered (f->names, &lab));
  assert_false (ns_names_is_registered (f->names, &bob)); /* conflict on eth0 */
  assert_false (ns_names_is_registered (f->names, &nobody));
  assert_true (ns_names_is_registered (f->names, &frank));
  ns_names_delete_async (f->names, "frank", on_done, &del);
  assert_false (ns_names_is_registered (f->names, &frank)); /* on its way out */
  wait_for (f, &del, 1);
  assert_true (del.ok);
  assert_false (ns_names_is_registered (f->names, &frank));
}

static void
test_too_many_names (void **state)
{
  Fixture *f = *state;
  /* ALPHA<03> and BOB<03> exist: 254 more fit. */
  guint n = NS_MAX_MESSAGE_NAMES - 2;
  g_autofree Outcome *o = g_new0 (Outcome, n + 1);

  start (f);
  for (guint i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf ("N%03u", i);

    ns_names_add_async (f->names, name, on_done, &o[i]);
  }
  ns_names_add_async (f->names, "onetoomany", on_done, &o[n]);
  wait_for (f, o, n + 1);
  for (guint i = 0; i < n; i++)
    assert_true (o[i].ok);
  assert_error (&o[n], NS_CONTROL_ERROR_TOO_MANY_NAMES);
}

static void
test_reload_aliases (void **state)
{
  Fixture *f = *state;
  const char *const old_aliases[] = { "BOB", NULL };
  const char *const new_aliases[] = { "GINA", NULL };

  start (f);
  ns_names_update_config_aliases (f->names, old_aliases, new_aliases);
  run_for (f, 1200);
  assert_state (f, "BOB", 0x03, NULL);
  assert_state (f, "GINA", 0x03, "registered");
}

static void
test_release_all (void **state)
{
  Fixture *f = *state;
  Outcome add = { 0 }, stop = { 0 }, late = { 0 };

  start (f);
  ns_names_add_async (f->names, "hugo", on_done, &add);
  ns_names_release_all_async (f->names, on_done, &stop);
  ns_names_add_async (f->names, "ivan", on_done, &late);
  wait_for (f, &stop, 1);
  assert_true (stop.ok);
  assert_error (&add, NS_CONTROL_ERROR_NOT_RUNNING);
  assert_error (&late, NS_CONTROL_ERROR_NOT_RUNNING);
  assert_true (nb_registrar_is_idle (f->reg[0]));
  assert_true (nb_registrar_is_idle (f->reg[1]));
  assert_state (f, "ALPHA", 0x03, "releasing");
}

/* The module logs conflicts as warnings on purpose; keep the output clean
 * (a custom writer also keeps G_DEBUG=fatal-warnings from aborting). */
static GLogWriterOutput
quiet_writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_default (level, fields, n, user_data);
  return G_LOG_WRITER_HANDLED;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_initial_names, setup, teardown),
    cmocka_unit_test_setup_teardown (test_add_and_delete, setup, teardown),
    cmocka_unit_test_setup_teardown (test_errors, setup, teardown),
    cmocka_unit_test_setup_teardown (test_holds, setup, teardown),
    cmocka_unit_test_setup_teardown (test_busy_name, setup, teardown),
    cmocka_unit_test_setup_teardown (test_duplicate_on_one_interface, setup, teardown),
    cmocka_unit_test_setup_teardown (test_conflict_of_configured_alias, setup, teardown),
    cmocka_unit_test_setup_teardown (test_is_registered, setup, teardown),
    cmocka_unit_test_setup_teardown (test_too_many_names, setup, teardown),
    cmocka_unit_test_setup_teardown (test_reload_aliases, setup, teardown),
    cmocka_unit_test_setup_teardown (test_release_all, setup, teardown),
  };

  g_log_set_writer_func (quiet_writer, NULL, NULL);
  return cmocka_run_group_tests_name ("names", tests, NULL, NULL);
}
