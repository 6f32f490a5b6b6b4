/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the codec files (not installed). */

#include "netsend/ns-errors.h"

/* Sets @error (may be NULL) in NS_CODEC_ERROR and returns FALSE, so that
 * parsers can `return _ns_codec_fail (...)`. */
gboolean _ns_codec_fail (GError **error, NsCodecError code, const char *format, ...)
  G_GNUC_PRINTF (3, 4);
