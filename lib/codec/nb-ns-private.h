/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Internal seams between nb-ns.c and nb-ns-status.c. Not installed. */

#include <netsend/nb-ns.h>

#include "nb-name-private.h"
#include "nb-reader.h"
#include "nb-writer.h"

/* Reads node-status RDATA (RFC 1002 §4.2.18) from @r, which must span
 * exactly the RDATA. Fails @r on malformed input; @ret untouched then. */
gboolean _nb_ns_node_status_read (NbReader *r, NbNsNodeStatus **ret);

/* Appends node-status RDATA; fails @w if there are more than 255 names. */
void _nb_ns_node_status_write (NbWriter *w, const NbNsNodeStatus *status);
