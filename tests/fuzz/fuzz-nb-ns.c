/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the NBNS packet codec (lib/codec/nb-ns.c, nb-ns-status.c).
 *
 * Round trip: parse -> build -> parse -> compare structs -> build again ->
 * compare bytes. A build may only fail for size (compression pointers
 * expand); anything else is a bug. The input is also tried as bare
 * node-status RDATA. abort() on any mismatch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netsend/nb-ns.h"
#include "netsend/ns-errors.h"

static void
check_packet (const uint8_t *data, size_t size)
{
  g_autoptr (NbNsPacket) packet = NULL;
  g_autoptr (NbNsPacket) again = NULL;
  g_autoptr (NbNsPacket) copy = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GByteArray) out2 = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  if (!nb_ns_packet_parse (data, size, &packet, NULL))
    return;
  copy = nb_ns_packet_copy (packet);
  if (!nb_ns_packet_equal (packet, copy))
    abort ();
  if (!nb_ns_packet_build (packet, out, &error)) {
    if (!g_error_matches (error, NS_CODEC_ERROR, NS_CODEC_ERROR_TOO_LARGE) || out->len != 0)
      abort ();
    return;
  }
  if (!nb_ns_packet_parse (out->data, out->len, &again, NULL))
    abort ();
  if (!nb_ns_packet_equal (packet, again))
    abort ();
  if (!nb_ns_packet_build (again, out2, NULL))
    abort ();
  if (out->len != out2->len || memcmp (out->data, out2->data, out->len) != 0)
    abort ();
  /* Never longer than input except by expanding pointers (34 bytes max
   * gained per 2-byte pointer); bounded by the builder's cap. */
  if (out->len > NB_NS_BUILD_MAX)
    abort ();
}

static void
check_status (const uint8_t *data, size_t size)
{
  g_autoptr (NbNsNodeStatus) status = NULL;
  g_autoptr (NbNsNodeStatus) again = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  if (!nb_ns_node_status_parse (data, size, &status, NULL))
    return;
  if (!nb_ns_node_status_build (status, out, NULL) ||
      out->len != 1 + 18 * status->names->len + NB_NS_STATISTICS_LEN ||
      !nb_ns_node_status_parse (out->data, out->len, &again, NULL) ||
      !nb_ns_node_status_equal (status, again))
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > 65535)
    return 0;
  check_packet (data, size);
  check_status (data, size);
  return 0;
}
