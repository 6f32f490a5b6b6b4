/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Fuzzes what the control API's message reading takes from the other side
 * of a D-Bus connection (STYLE.md practice 10, "control-API inputs"):
 * the ListMessages filter the daemon parses, and the message dictionaries
 * and MessageReceived arguments netmsg parses (daemon/delivery-util.c).
 *
 * Input: one selector byte, then a serialised GVariant (the bytes GDBus
 * would hand over, untrusted): 0 a filter a{sv}, 1 a message a{sv}, 2 the
 * signal's (txsssss).
 *
 * Checks, abort() on failure: whatever parses round-trips (to a{sv} and
 * back) to the same values; a refused filter leaves the output untouched. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "delivery-util.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *
or_empty (const char *s)
{
  return s != NULL ? s : "";
}

static void
check_filter (GVariant *v)
{
  NsStoreQuery q = { .limit = 7777777 }, back = { 0 };
  g_autoptr (GVariant) again = NULL;

  if (!ns_delivery_parse_filter (v, &q, NULL)) {
    if (q.limit != 7777777)
      abort ();
    return;
  }
  if (q.limit == 0 || q.limit > NS_DELIVERY_LIST_MAX || q.since_us < 0 || q.after_id < 0)
    abort ();
  again = g_variant_ref_sink (ns_delivery_filter_to_variant (&q));
  if (!ns_delivery_parse_filter (again, &back, NULL))
    abort ();
  if (back.since_us != q.since_us || back.after_id != q.after_id || back.limit != q.limit
      || g_strcmp0 (back.from, q.from) != 0 || back.include_refused)
    abort ();
}

static void
check_message (GVariant *v)
{
  g_autoptr (NsStoredMessage) msg = ns_delivery_message_from_variant (v, NULL);
  g_autoptr (NsStoredMessage) back = NULL;
  g_autoptr (GVariant) again = NULL;

  if (msg == NULL)
    return;
  again = g_variant_ref_sink (ns_delivery_message_to_variant (msg));
  back = ns_delivery_message_from_variant (again, NULL);
  /* Absent optional strings come back empty. */
  if (back == NULL || back->id != msg->id || back->received_us != msg->received_us
      || strcmp (back->from, msg->from) != 0 || strcmp (back->to, msg->to) != 0
      || strcmp (back->text, msg->text) != 0 || back->port != msg->port
      || back->transport != msg->transport
      || strcmp (or_empty (back->source), or_empty (msg->source)) != 0
      || strcmp (or_empty (back->codepage), or_empty (msg->codepage)) != 0)
    abort ();
}

static void
check_signal (GVariant *v)
{
  g_autoptr (NsStoredMessage) msg = ns_delivery_message_from_signal (v);

  /* The type is fixed, so every value of it is a message. */
  if (msg == NULL || msg->from == NULL || msg->to == NULL || msg->text == NULL)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const types[] = { "a{sv}", "a{sv}", "(txsssss)" };
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GVariant) raw = NULL;
  g_autoptr (GVariant) v = NULL;
  guint which;

  if (size < 1 || size > 65536)
    return 0;
  which = data[0] % G_N_ELEMENTS (types);
  bytes = g_bytes_new (data + 1, size - 1);
  /* Untrusted serialised data: GVariant checks it lazily; the normal form
   * is what a D-Bus peer would get after GDBus's own validation. */
  raw = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (types[which]), bytes,
                                                      FALSE));
  v = g_variant_get_normal_form (raw);
  switch (which) {
    case 0: check_filter (v); break;
    case 1: check_message (v); break;
    default: check_signal (v); break;
  }
  return 0;
}
