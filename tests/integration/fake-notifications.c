/* SPDX-License-Identifier: GPL-3.0-or-later */

/* A stand-in desktop notification server for deliver-loopback.sh: owns
 * org.freedesktop.Notifications on the session bus (the test's private
 * one, from dbus-run-session) and writes each Notify call as one JSON line
 * to a file, so the test can check exactly what netmsg --notify sent.
 *
 *   fake-notifications OUTPUT-FILE [--no-markup]
 *
 * Prints "ready" on stdout once it owns the name. GetCapabilities answers
 * "body" and, without --no-markup, "body-markup" (Desktop Notifications
 * Specification 1.2). Exits on SIGTERM or when the bus goes away. */

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>

static const char introspection[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static const char *output_path;
static gboolean markup = TRUE;
static guint32 next_id = 1;
static GMainLoop *loop;

static void
add_hint (JsonBuilder *b, const char *key, GVariant *value)
{
  json_builder_set_member_name (b, key);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    json_builder_add_int_value (b, g_variant_get_byte (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    json_builder_add_string_value (b, g_variant_get_string (value, NULL));
  else {
    g_autofree char *printed = g_variant_print (value, TRUE);

    json_builder_add_string_value (b, printed);
  }
}

static void
record_notify (GVariant *params)
{
  const char *app, *icon, *summary, *body;
  guint32 replaces;
  g_autofree const char **actions = NULL;
  g_autoptr (GVariantIter) hints = NULL;
  gint32 timeout;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *line = NULL;
  const char *key;
  GVariant *value;
  FILE *f;

  g_variant_get (params, "(&su&s&s&s^a&sa{sv}i)", &app, &replaces, &icon, &summary, &body,
                 &actions, &hints, &timeout);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "app_name");
  json_builder_add_string_value (b, app);
  json_builder_set_member_name (b, "replaces_id");
  json_builder_add_int_value (b, replaces);
  json_builder_set_member_name (b, "app_icon");
  json_builder_add_string_value (b, icon);
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, summary);
  json_builder_set_member_name (b, "body");
  json_builder_add_string_value (b, body);
  json_builder_set_member_name (b, "actions");
  json_builder_add_int_value (b, g_strv_length ((char **) actions));
  json_builder_set_member_name (b, "hints");
  json_builder_begin_object (b);
  while (g_variant_iter_loop (hints, "{&sv}", &key, &value))
    add_hint (b, key, value);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "expire_timeout");
  json_builder_add_int_value (b, timeout);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  line = json_generator_to_data (gen, NULL);
  f = fopen (output_path, "a");
  if (f == NULL)
    g_error ("cannot open %s", output_path);
  fprintf (f, "%s\n", line);
  fclose (f);
}

static void
on_method (GDBusConnection *conn, const char *sender, const char *path, const char *iface,
           const char *method, GVariant *params, GDBusMethodInvocation *invocation,
           gpointer user_data)
{
  if (g_strcmp0 (method, "GetCapabilities") == 0) {
    const char *caps[] = { "body", markup ? "body-markup" : NULL, NULL };

    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(^as)", (char **) caps));
  } else if (g_strcmp0 (method, "Notify") == 0) {
    record_notify (params);
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", next_id++));
  } else if (g_strcmp0 (method, "GetServerInformation") == 0) {
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "fake", "netsend", "0", "1.2"));
  } else {
    g_dbus_method_invocation_return_value (invocation, NULL);
  }
}

static void
on_acquired (GDBusConnection *conn, const char *name, gpointer user_data)
{
  printf ("ready\n");
  fflush (stdout);
}

static void
on_lost (GDBusConnection *conn, const char *name, gpointer user_data)
{
  g_printerr ("fake-notifications: lost or could not own %s\n", name);
  g_main_loop_quit (loop);
}

static void
on_bus (GDBusConnection *conn, const char *name, gpointer user_data)
{
  static const GDBusInterfaceVTable vtable = { on_method, NULL, NULL, { 0 } };
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection, NULL);

  g_dbus_connection_register_object (conn, "/org/freedesktop/Notifications", info->interfaces[0],
                                     &vtable, NULL, NULL, NULL);
}

static gboolean
on_term (gpointer user_data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  guint owner;

  if (argc < 2) {
    g_printerr ("usage: fake-notifications OUTPUT-FILE [--no-markup]\n");
    return 2;
  }
  output_path = argv[1];
  markup = !(argc > 2 && g_strcmp0 (argv[2], "--no-markup") == 0);
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_term, NULL);
  owner = g_bus_own_name (G_BUS_TYPE_SESSION, "org.freedesktop.Notifications",
                          G_BUS_NAME_OWNER_FLAGS_NONE, on_bus, on_acquired, on_lost, NULL, NULL);
  g_main_loop_run (loop);
  g_bus_unown_name (owner);
  g_main_loop_unref (loop);
  return 0;
}
