/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>

const char *_ns_engine_version (void);

/* Keeps the engine archive non-empty before the state machines exist. */
const char *
_ns_engine_version (void)
{
  return "0.1";
}
