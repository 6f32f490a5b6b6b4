/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * NS_CODEC_ERROR:
 *
 * Error domain of the wire codecs (lib/codec). Every parse and build function
 * of libnetsend reports failures in this domain; the message says what was
 * expected and what was found, and at which offset.
 *
 * Since: 0.1
 */
#define NS_CODEC_ERROR (ns_codec_error_quark ())

/**
 * NsCodecError:
 * @NS_CODEC_ERROR_TRUNCATED: the input ended before a field it announced.
 * @NS_CODEC_ERROR_MALFORMED: a field holds a value the protocol forbids.
 * @NS_CODEC_ERROR_TRAILING_DATA: bytes remain after a complete packet.
 * @NS_CODEC_ERROR_TOO_LARGE: a length exceeds a protocol or configured cap.
 * @NS_CODEC_ERROR_UNSUPPORTED: a valid packet of a kind we do not handle
 *   (e.g. SMB 0xD1-0xD4, fragmented datagrams we cannot reassemble).
 * @NS_CODEC_ERROR_INVALID_NAME: a NetBIOS name fails validation.
 * @NS_CODEC_ERROR_CONVERSION: text cannot be converted to or from the code page.
 * @NS_CODEC_ERROR_EMPTY: an empty message where the protocol needs text.
 *
 * Codes of %NS_CODEC_ERROR.
 *
 * Since: 0.1
 */
typedef enum {
  NS_CODEC_ERROR_TRUNCATED,
  NS_CODEC_ERROR_MALFORMED,
  NS_CODEC_ERROR_TRAILING_DATA,
  NS_CODEC_ERROR_TOO_LARGE,
  NS_CODEC_ERROR_UNSUPPORTED,
  NS_CODEC_ERROR_INVALID_NAME,
  NS_CODEC_ERROR_CONVERSION,
  NS_CODEC_ERROR_EMPTY,
} NsCodecError;

GQuark ns_codec_error_quark (void);

G_END_DECLS
