/* SPDX-License-Identifier: GPL-3.0-or-later */

/* lib/net/ns-ifaces.c: how `interfaces` entries select addresses, against
 * a made-up interface list (ns_ifaces_select() is pure; nothing here opens
 * a socket). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <netsend/ns-net.h>

static GPtrArray *
machine (void)
{
  static const NsIface ifaces[] = {
    /* name, index, address, netmask, broadcast, loopback */
    { (char *) "lo", 1, 0x7F000001, 0xFF000000, 0x7FFFFFFF, TRUE, { 0 } },
    { (char *) "eth0", 2, 0xC0000202, 0xFFFFFF00, 0xC00002FF, FALSE, { 2, 0, 0, 0, 0, 1 } },
    { (char *) "eth0", 2, 0xC6336401, 0xFFFFFF00, 0xC63364FF, FALSE, { 2, 0, 0, 0, 0, 1 } },
    { (char *) "wg0", 3, 0x0A000001, 0xFFFFFFFF, 0x0A000001, FALSE, { 0 } },
  };
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_iface_free);

  for (gsize i = 0; i < G_N_ELEMENTS (ifaces); i++)
    g_ptr_array_add (list, ns_iface_copy (&ifaces[i]));
  return list;
}

/* Selects @specs (a ';'-separated string, "" = none) and returns the
 * addresses as "a.b.c.d/bcast" joined with ' ', or "ERROR: ..." */
static char *
select_text (const char *specs)
{
  g_autoptr (GPtrArray) available = machine ();
  g_autoptr (GPtrArray) out = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) list = *specs ? g_strsplit (specs, ";", -1) : NULL;
  GString *text = g_string_new (NULL);

  if (!ns_ifaces_select (available, (const char *const *) list, &out, &error)) {
    g_assert_null (out);
    g_string_printf (text, "ERROR: %s", error->message);
    return g_string_free (text, FALSE);
  }
  for (guint i = 0; i < out->len; i++) {
    const NsIface *iface = g_ptr_array_index (out, i);
    g_autofree char *addr = ns_ipv4_to_string (iface->address);
    g_autofree char *bcast = ns_ipv4_to_string (iface->broadcast);

    g_string_append_printf (text, "%s%s:%s/%s", i ? " " : "", iface->name, addr, bcast);
  }
  return g_string_free (text, FALSE);
}

static void
test_select (void **state)
{
  static const struct { const char *specs, *want; } cases[] = {
    /* The default: loopback only. */
    { "", "lo:127.0.0.1/127.255.255.255" },
    /* A name selects every address of the interface. */
    { "eth0", "eth0:192.0.2.2/192.0.2.255 eth0:198.51.100.1/198.51.100.255" },
    { "192.0.2.2", "eth0:192.0.2.2/192.0.2.255" },
    /* Any address of a loopback network, assigned or not. */
    { "127.0.0.2", "lo:127.0.0.2/127.255.255.255" },
    { "127.0.0.1;lo;127.0.0.1", "lo:127.0.0.1/127.255.255.255" },
    /* Point-to-point /32: the "broadcast" is the address itself. */
    { "wg0", "wg0:10.0.0.1/10.0.0.1" },
    { "eth1", "ERROR: No interface named 'eth1' is up with an IPv4 address" },
    { "192.0.2.9", "ERROR: No interface that is up has the address 192.0.2.9" },
    /* Not host addresses of the loopback network. */
    { "127.255.255.255", "ERROR: No interface that is up has the address 127.255.255.255" },
    { "127.0.0.0", "ERROR: No interface that is up has the address 127.0.0.0" },
    { "lo;eth9", "ERROR: No interface named 'eth9' is up with an IPv4 address" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = select_text (cases[i].specs);

    if (strcmp (got, cases[i].want) != 0)
      fail_msg ("'%s': got '%s', wanted '%s'", cases[i].specs, got, cases[i].want);
  }
}

static void
test_no_loopback (void **state)
{
  g_autoptr (GPtrArray) available = machine ();
  g_autoptr (GPtrArray) out = NULL;
  g_autoptr (GError) error = NULL;

  g_ptr_array_remove_index (available, 0);
  assert_false (ns_ifaces_select (available, NULL, &out, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
}

static void
test_ipv4_text (void **state)
{
  guint32 a = 0;

  assert_true (ns_ipv4_from_string ("10.99.0.1", &a));
  assert_true (a == 0x0A630001);
  a = 7;
  assert_false (ns_ipv4_from_string ("10.1", &a));
  assert_false (ns_ipv4_from_string ("010.0.0.1x", &a));
  assert_false (ns_ipv4_from_string ("::1", &a));
  assert_false (ns_ipv4_from_string (NULL, &a));
  assert_int_equal (a, 7);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_select),
    cmocka_unit_test (test_no_loopback),
    cmocka_unit_test (test_ipv4_text),
  };

  return cmocka_run_group_tests_name ("ifaces", tests, NULL, NULL);
}
