/* SPDX-License-Identifier: GPL-3.0-or-later */

/* daemon/names.c on an H-node registrar with a WINS server, over a fake
 * transport that plays the server (no sockets, real main loop and timers):
 * names granted by WINS are listed by ListNames2 as registered with WINS
 * (server and TTL), a name the server refuses makes AddName fail with
 * DuplicateName (NERR 2297) naming the WINS server and leaves nothing
 * behind, and the shutdown releases the names to the server. A multi-homed
 * host registers unique names from its first address first (ordinary
 * registration, which the server can refuse) and from the others only
 * once the first one holds them. */

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

#define OUR_IP 0x0A000001u  /* 10.0.0.1 */
#define WINS_IP 0x0A000103u /* 10.0.1.3, another subnet */
#define OUR_IP2 0x0A000201u /* 10.0.2.1, the multi-homed host's second address */

typedef struct {
  NbRegistrar *reg;
  NbRegistrar *reg2;    /* multi-homed fixture: OUR_IP2 */
  GPtrArray *to_wins;   /* NbNsPacket*, every request the "server" got */
  GPtrArray *broadcast; /* GBytes */
  const char *taken;    /* the name (no suffix) the server refuses */
  guint pending;        /* answers scheduled */
} FakeWins;

/* Warnings the module logged (it logs conflicts as warnings on purpose);
 * a custom writer also keeps G_DEBUG=fatal-warnings from aborting. */
static GPtrArray *warnings;

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_default (level, fields, n, user_data);
  for (gsize i = 0; i < n && (level & G_LOG_LEVEL_WARNING); i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0)
      g_ptr_array_add (warnings, g_strdup (fields[i].value));
  return G_LOG_WRITER_HANDLED;
}

static gboolean
warned (const char *text)
{
  for (guint i = 0; i < warnings->len; i++)
    if (strstr (g_ptr_array_index (warnings, i), text) != NULL)
      return TRUE;
  return FALSE;
}

typedef struct {
  FakeWins wins;
  NsNames *names;
  GMainLoop *loop;
} Fixture;

typedef struct {
  FakeWins *wins;
  NbRegistrar *to;
  NbNsPacket *reply;
} Answer;

static gboolean
deliver (gpointer data)
{
  Answer *a = data;
  g_autoptr (GByteArray) buf = g_byte_array_new ();

  assert_true (nb_ns_packet_build (a->reply, buf, NULL));
  nb_registrar_receive (a->to, buf->data, buf->len, WINS_IP, 137, g_get_monotonic_time ());
  a->wins->pending--;
  nb_ns_packet_free (a->reply);
  g_free (a);
  return G_SOURCE_REMOVE;
}

/* What nmbd would answer: registrations granted for 600 s unless the name
 * is taken (ACT_ERR after its challenge), releases confirmed. nmbd grants
 * a multi-homed registration of a taken name (it adds the address once the
 * owner confirms), so that is what the fake does too. */
static NbNsPacket *
server_answer (FakeWins *wins, const NbNsPacket *request)
{
  const NbNsQuestion *q = nb_ns_packet_question (request);
  const NbNsRecord *rr = nb_ns_packet_record (request);
  const NbNsAddrEntry *a = &g_array_index (rr->addresses, NbNsAddrEntry, 0);
  g_autofree char *text = nb_name_to_utf8 (&q->name, NULL);

  if (request->opcode == NB_NS_OPCODE_RELEASE)
    return nb_ns_release_response_new (request->trn_id, &q->name, NB_NS_RCODE_OK, a->flags,
                                       a->ipv4);
  if (wins->taken != NULL && g_str_has_prefix (text, wins->taken)
      && request->opcode != NB_NS_OPCODE_MULTIHOMED_REGISTRATION)
    return nb_ns_registration_response_new (request->trn_id, &q->name, NB_NS_RCODE_ACT_ERR, 0,
                                            a->flags, a->ipv4);
  return nb_ns_registration_response_new (request->trn_id, &q->name, NB_NS_RCODE_OK, 600,
                                          a->flags, a->ipv4);
}

static guint32
only_ipv4 (const NbNsPacket *packet)
{
  const NbNsRecord *rr = nb_ns_packet_record (packet);

  return g_array_index (rr->addresses, NbNsAddrEntry, 0).ipv4;
}

static gboolean
fake_send (gpointer user_data, const guint8 *data, gsize len, guint32 dst, guint16 port,
           gboolean broadcast, GError **error)
{
  FakeWins *wins = user_data;
  NbNsPacket *packet = NULL;
  Answer *answer;

  if (broadcast) {
    g_ptr_array_add (wins->broadcast, g_bytes_new (data, len));
    return TRUE;
  }
  assert_int_equal (dst, WINS_IP);
  assert_true (nb_ns_packet_parse (data, len, &packet, NULL));
  g_ptr_array_add (wins->to_wins, packet);
  /* Never call back into the engine from inside send. */
  answer = g_new0 (Answer, 1);
  answer->wins = wins;
  answer->to = only_ipv4 (packet) == OUR_IP2 ? wins->reg2 : wins->reg;
  answer->reply = server_answer (wins, packet);
  wins->pending++;
  g_idle_add (deliver, answer);
  return TRUE;
}

/* An H-node registrar at @address with the fake server, as manager.c
 * configures it (the first interface of a multi-homed host is primary). */
static NbRegistrar *
make_registrar (Fixture *f, guint32 address, gboolean multihomed)
{
  NbRegistrarConfig rc;
  NbTransport t = { fake_send, &f->wins };
  NbRegistrar *reg;

  nb_registrar_config_init (&rc);
  rc.address = address;
  rc.netmask = 0xFFFFFF00u;
  rc.node_type = NB_NODE_H;
  rc.wins_servers[0] = WINS_IP;
  rc.n_wins_servers = 1;
  rc.max_names = NS_MAX_MESSAGE_NAMES + 2;
  rc.multihomed = multihomed;
  rc.multihomed_primary = ns_names_get_n_interfaces (f->names) == 0;
  reg = nb_registrar_new (&rc, &t, NULL);
  assert_non_null (reg);
  nb_registrar_attach (reg, NULL);
  return reg;
}

static Fixture *
fixture_new (void)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->loop = g_main_loop_new (NULL, FALSE);
  f->wins.to_wins = g_ptr_array_new_with_free_func ((GDestroyNotify) nb_ns_packet_free);
  f->wins.broadcast = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  f->names = ns_names_new ("CP850", "");
  g_ptr_array_set_size (warnings, 0);
  return f;
}

static int
setup (void **state)
{
  Fixture *f = fixture_new ();

  f->wins.reg = make_registrar (f, OUR_IP, FALSE);
  ns_names_add_interface (f->names, "eth0", f->wins.reg);
  *state = f;
  return 0;
}

/* A multi-homed host: eth0 (OUR_IP, first) and eth1 (OUR_IP2). */
static int
setup_mh (void **state)
{
  Fixture *f = fixture_new ();

  f->wins.reg = make_registrar (f, OUR_IP, TRUE);
  ns_names_add_interface (f->names, "eth0", f->wins.reg);
  f->wins.reg2 = make_registrar (f, OUR_IP2, TRUE);
  ns_names_add_interface (f->names, "eth1", f->wins.reg2);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  ns_names_free (f->names);
  /* Answers still queued would reach a freed registrar. */
  while (f->wins.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  nb_registrar_detach (f->wins.reg);
  nb_registrar_free (f->wins.reg);
  if (f->wins.reg2 != NULL) {
    nb_registrar_detach (f->wins.reg2);
    nb_registrar_free (f->wins.reg2);
  }
  g_ptr_array_unref (f->wins.to_wins);
  g_ptr_array_unref (f->wins.broadcast);
  g_main_loop_unref (f->loop);
  g_free (f);
  return 0;
}

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} Outcome;

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  o->ok = g_task_propagate_boolean (G_TASK (result), &o->error);
  o->done = TRUE;
}

static void
wait_for (Outcome *o)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!o->done) {
    assert_true (g_get_monotonic_time () < end);
    g_main_context_iteration (NULL, TRUE);
  }
}

/* Runs the loop until nothing is registering (bounded). */
static void
settle (Fixture *f)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!nb_registrar_is_idle (f->wins.reg)
         || (f->wins.reg2 != NULL && !nb_registrar_is_idle (f->wins.reg2))
         || f->wins.pending > 0) {
    assert_true (g_get_monotonic_time () < end);
    g_main_context_iteration (NULL, TRUE);
  }
}

/* The ListNames2 dictionary of NAME<suffix>, or NULL. */
static GVariant *
find_name (Fixture *f, const char *name, guint8 suffix)
{
  g_autoptr (GVariant) list = ns_names_list2 (f->names);

  for (gsize i = 0; i < g_variant_n_children (list); i++) {
    g_autoptr (GVariant) d = g_variant_get_child_value (list, i);
    const char *n = NULL;
    guint8 s = 0;

    g_variant_lookup (d, "name", "&s", &n);
    g_variant_lookup (d, "suffix", "y", &s);
    if (g_strcmp0 (n, name) == 0 && s == suffix)
      return g_steal_pointer (&d);
  }
  return NULL;
}

static void
assert_string_key (GVariant *d, const char *key, const char *want)
{
  const char *got = NULL;

  if (!g_variant_lookup (d, key, "&s", &got) || g_strcmp0 (got, want) != 0)
    fail_msg ("%s: '%s', wanted '%s'", key, got ? got : "(absent)", want);
}

/* Initial names go to WINS only (H-node, the server answers); ListNames2
 * says so, with the server and its TTL; the group registers too. */
static void
test_registered_with_wins (void **state)
{
  Fixture *f = *state;
  const char *const aliases[] = { "bob", NULL };
  g_autoptr (GVariant) alpha = NULL;
  g_autoptr (GVariant) lab = NULL;
  g_autofree const char **servers = NULL;
  guint32 ttl = 0;

  assert_true (ns_names_register_initial (f->names, "ALPHA", "LAB", aliases, NULL));
  settle (f);
  assert_int_equal (f->wins.to_wins->len, 4);
  assert_int_equal (f->wins.broadcast->len, 0);

  alpha = find_name (f, "ALPHA", 0x03);
  assert_non_null (alpha);
  assert_string_key (alpha, "state", "registered");
  assert_string_key (alpha, "registered-by", "wins");
  assert_true (g_variant_lookup (alpha, "wins-servers", "^a&s", &servers));
  assert_non_null (servers[0]);
  assert_string_equal (servers[0], "10.0.1.3");
  assert_null (servers[1]);
  assert_true (g_variant_lookup (alpha, "ttl", "u", &ttl));
  assert_int_equal (ttl, 600);
  lab = find_name (f, "LAB", 0x00);
  assert_non_null (lab);
  assert_string_key (lab, "registered-by", "wins");
  /* The old ListNames still says registered. */
  {
    g_autoptr (GVariant) old = ns_names_list (f->names);

    assert_int_equal (g_variant_n_children (old), 4);
  }
}

/* The server refuses CAROL (another host owns it): AddName fails with
 * DuplicateName naming the WINS server, and the name is gone again. */
static void
test_add_refused_by_wins (void **state)
{
  Fixture *f = *state;
  Outcome o = { 0 };
  g_autoptr (GVariant) carol = NULL;

  assert_true (ns_names_register_initial (f->names, "ALPHA", "LAB", NULL, NULL));
  settle (f);
  f->wins.taken = "CAROL";
  ns_names_add_async (f->names, "carol", on_done, &o);
  wait_for (&o);
  assert_false (o.ok);
  assert_true (g_error_matches (o.error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_DUPLICATE_NAME));
  assert_non_null (strstr (o.error->message, "WINS server 10.0.1.3 refused it (ACT_ERR)"));
  g_clear_error (&o.error);
  assert_true (warned ("Adding CAROL<03> failed"));
  settle (f);
  carol = find_name (f, "CAROL", 0x03);
  assert_null (carol);
  /* Never granted: no release went to the server for it. */
  for (guint i = 0; i < f->wins.to_wins->len; i++) {
    const NbNsPacket *p = g_ptr_array_index (f->wins.to_wins, i);

    assert_false (p->opcode == NB_NS_OPCODE_RELEASE);
  }
}

/* A conflict on a held name (a refused refresh would do the same) shows
 * who refused it in ListNames2. */
static void
test_conflict_listed (void **state)
{
  Fixture *f = *state;
  const char *const aliases[] = { "dave", NULL };
  g_autoptr (GVariant) dave = NULL;
  gboolean by_wins = FALSE;

  f->wins.taken = "DAVE";
  assert_true (ns_names_register_initial (f->names, "ALPHA", "LAB", aliases, NULL));
  settle (f);
  dave = find_name (f, "DAVE", 0x03);
  assert_non_null (dave);
  assert_string_key (dave, "state", "conflict");
  assert_string_key (dave, "registered-by", "none");
  assert_string_key (dave, "conflict-with", "10.0.1.3");
  assert_string_key (dave, "conflict-rcode", "ACT_ERR");
  assert_true (g_variant_lookup (dave, "conflict-by-wins", "b", &by_wins));
  assert_true (by_wins);
  assert_true (warned ("DAVE<03> is in conflict on eth0: negative-response by WINS server "
                       "10.0.1.3: ACT_ERR"));
}

static void
on_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  o->ok = ns_names_release_all_finish (NULL, result, &o->error);
  o->done = TRUE;
}

/* Shutdown: every name granted by WINS is released to it (unicast), and
 * nothing is broadcast (the server confirmed). */
static void
test_shutdown_releases_to_wins (void **state)
{
  Fixture *f = *state;
  Outcome o = { 0 };
  guint releases = 0;

  assert_true (ns_names_register_initial (f->names, "ALPHA", "LAB", NULL, NULL));
  settle (f);
  g_ptr_array_set_size (f->wins.to_wins, 0);
  ns_names_release_all_async (f->names, on_released, &o);
  wait_for (&o);
  assert_true (o.ok);
  for (guint i = 0; i < f->wins.to_wins->len; i++)
    releases += ((const NbNsPacket *) g_ptr_array_index (f->wins.to_wins, i))->opcode
                == NB_NS_OPCODE_RELEASE;
  assert_int_equal (releases, 3);
  assert_int_equal (f->wins.broadcast->len, 0);
}

/* Index in the server's log of the first request for NAME<suffix> from
 * @address, or -1. */
static int
first_request (Fixture *f, const char *name, guint8 suffix, guint32 address, guint *ret_opcode)
{
  for (guint i = 0; i < f->wins.to_wins->len; i++) {
    const NbNsPacket *p = g_ptr_array_index (f->wins.to_wins, i);
    const NbNsQuestion *q = nb_ns_packet_question (p);
    g_autofree char *text = nb_name_to_utf8 (&q->name, NULL);

    if (g_strcmp0 (text, name) == 0 && nb_name_suffix (&q->name) == suffix
        && only_ipv4 (p) == address) {
      *ret_opcode = p->opcode;
      return (int) i;
    }
  }
  return -1;
}

/* Multi-homed: the first address registers ALPHA<03> with an ordinary
 * registration, the second with a multi-homed one only after the grant;
 * both list it. A name the server refuses (CAROL: ordinary registrations
 * refused, multi-homed ones granted, as nmbd) fails AddName with
 * DuplicateName, and the second address never asks for it. An initial
 * alias refused that way is in conflict and may be added again once free. */
static void
test_multihomed_first_address_first (void **state)
{
  Fixture *f = *state;
  const char *const aliases[] = { "dave", NULL };
  Outcome o = { 0 };
  Outcome o2 = { 0 };
  g_autoptr (GVariant) alpha = NULL;
  g_autoptr (GVariant) dave = NULL;
  g_autoptr (GVariant) dave2 = NULL;
  g_autofree const char **ifaces = NULL;
  guint op1 = 0, op2 = 0;
  int i1, i2;

  f->wins.taken = "DAVE";
  assert_true (ns_names_register_initial (f->names, "ALPHA", "LAB", aliases, NULL));
  settle (f);
  i1 = first_request (f, "ALPHA", 0x03, OUR_IP, &op1);
  i2 = first_request (f, "ALPHA", 0x03, OUR_IP2, &op2);
  assert_true (i1 >= 0 && i2 > i1);
  assert_int_equal (op1, NB_NS_OPCODE_REGISTRATION);
  assert_int_equal (op2, NB_NS_OPCODE_MULTIHOMED_REGISTRATION);
  assert_true (first_request (f, "LAB", 0x00, OUR_IP2, &op2) >= 0);
  assert_int_equal (op2, NB_NS_OPCODE_REGISTRATION);
  alpha = find_name (f, "ALPHA", 0x03);
  assert_string_key (alpha, "state", "registered");
  assert_true (g_variant_lookup (alpha, "interfaces", "^a&s", &ifaces));
  assert_true (g_strv_length ((char **) ifaces) == 2);

  /* DAVE: refused on eth0, never asked on eth1. */
  dave = find_name (f, "DAVE", 0x03);
  assert_string_key (dave, "state", "conflict");
  assert_int_equal (first_request (f, "DAVE", 0x03, OUR_IP2, &op2), -1);
  assert_true (warned ("DAVE<03> is in conflict on eth0"));

  f->wins.taken = "CAROL";
  ns_names_add_async (f->names, "carol", on_done, &o);
  wait_for (&o);
  assert_false (o.ok);
  assert_true (g_error_matches (o.error, NS_CONTROL_ERROR, NS_CONTROL_ERROR_DUPLICATE_NAME));
  g_clear_error (&o.error);
  settle (f);
  assert_int_equal (first_request (f, "CAROL", 0x03, OUR_IP2, &op2), -1);
  assert_null (find_name (f, "CAROL", 0x03));

  /* DAVE is free now: adding it again registers it everywhere. */
  f->wins.taken = NULL;
  ns_names_add_async (f->names, "dave", on_done, &o2);
  wait_for (&o2);
  assert_true (o2.ok);
  settle (f);
  dave2 = find_name (f, "DAVE", 0x03);
  assert_string_key (dave2, "state", "registered");
  assert_true (first_request (f, "DAVE", 0x03, OUR_IP2, &op2) >= 0);
  assert_int_equal (op2, NB_NS_OPCODE_MULTIHOMED_REGISTRATION);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_registered_with_wins, setup, teardown),
    cmocka_unit_test_setup_teardown (test_add_refused_by_wins, setup, teardown),
    cmocka_unit_test_setup_teardown (test_conflict_listed, setup, teardown),
    cmocka_unit_test_setup_teardown (test_shutdown_releases_to_wins, setup, teardown),
    cmocka_unit_test_setup_teardown (test_multihomed_first_address_first, setup_mh, teardown),
  };

  int rc;

  warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  rc = cmocka_run_group_tests_name ("names-wins", tests, NULL, NULL);
  g_ptr_array_unref (warnings);
  return rc;
}
