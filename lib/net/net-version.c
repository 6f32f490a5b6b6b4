/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>

const char *_ns_net_version (void);

/* Keeps the net archive non-empty before the socket code exist. */
const char *
_ns_net_version (void)
{
  return "0.1";
}
