/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/ns-errors.h"
#include "ns-codec-private.h"

G_DEFINE_QUARK (ns-codec-error-quark, ns_codec_error)

gboolean
_ns_codec_fail (GError **error, NsCodecError code, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (NS_CODEC_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}
