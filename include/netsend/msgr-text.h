/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Messenger text: OEM code pages, line breaks, block splitting and display
 * neutralisation (PROTOCOL.md §2.9, §5; MS-MSRP §2.2.3.1.1, §3.2.4.4).
 *
 * Every Messenger string travels as 8-bit OEM bytes in the sender's code
 * page. These functions turn UTF-8 into wire bytes for sending and wire bytes
 * into UTF-8 for showing. They are pure: no I/O, no global state.
 */

#include <glib.h>

G_BEGIN_DECLS

/**
 * MSGR_TEXT_DEFAULT_CODEPAGE:
 *
 * The OEM code page used when none is given: CP850, Samba's default
 * "dos charset" (PROTOCOL.md §5.1).
 *
 * Since: 0.1
 */
#define MSGR_TEXT_DEFAULT_CODEPAGE "CP850"

/**
 * MSGR_TEXT_MAX_SEND_BYTES:
 *
 * Largest message text a sender may transmit, in OEM bytes, on the SMB and
 * mailslot transports (MS-MSRP §3.2.4.4; PROTOCOL.md errata 8).
 *
 * Since: 0.1
 */
#define MSGR_TEXT_MAX_SEND_BYTES 652

/**
 * MSGR_TEXT_MAX_DISPLAY_CHARS:
 *
 * Number of characters Windows shows at most (MS-MSRP notes <24>, <26>, <27>).
 *
 * Since: 0.1
 */
#define MSGR_TEXT_MAX_DISPLAY_CHARS 4095

/**
 * MSGR_TEXT_SMB_BLOCK_SIZE:
 *
 * Largest text segment of one SMB_COM_SEND_TEXT_MB_MESSAGE (0xD7) block
 * (MS-MSRP §2.2.3.3.1). Samba's client uses 127 (golden frames
 * "smb-message-long-multiblock"), see %MSGR_TEXT_SAMBA_BLOCK_SIZE.
 *
 * Since: 0.1
 */
#define MSGR_TEXT_SMB_BLOCK_SIZE 128

/**
 * MSGR_TEXT_SAMBA_BLOCK_SIZE:
 *
 * The block size of Samba's `smbclient -M` (PROTOCOL.md §8 item 6).
 *
 * Since: 0.1
 */
#define MSGR_TEXT_SAMBA_BLOCK_SIZE 127

/**
 * MSGR_TEXT_MIN_BLOCK_SIZE:
 *
 * Smallest block size msgr_text_split_blocks() accepts: it must hold the
 * longest character of any code page (4 bytes in UTF-8 and GB18030).
 *
 * Since: 0.1
 */
#define MSGR_TEXT_MIN_BLOCK_SIZE 4

/**
 * MsgrLineBreak:
 * @MSGR_LINE_BREAK_DC4: every CR, LF, CR LF and LF CR becomes one 0x14 byte,
 *   as Windows SMB senders do (MUST for 0xD7, SHOULD for 0xD0: MS-MSRP
 *   §2.2.3.1.1, §2.2.3.3.1; PROTOCOL.md errata 7).
 * @MSGR_LINE_BREAK_CRLF: every line break becomes CR LF, as Samba's client
 *   does; our choice for the mailslot path, where Windows' behaviour is
 *   unconfirmed (PROTOCOL.md §5.2, errata 16).
 * @MSGR_LINE_BREAK_KEEP: line breaks are converted as they are.
 *
 * How outgoing line breaks are put on the wire.
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_LINE_BREAK_DC4,
  MSGR_LINE_BREAK_CRLF,
  MSGR_LINE_BREAK_KEEP,
} MsgrLineBreak;

/**
 * MsgrTextEncodeFlags:
 * @MSGR_TEXT_ENCODE_NONE: no flags.
 * @MSGR_TEXT_ENCODE_FALLBACK: replace characters the code page cannot
 *   represent with `?` instead of failing.
 * @MSGR_TEXT_ENCODE_NON_EMPTY: fail with %NS_CODEC_ERROR_EMPTY on empty text.
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_TEXT_ENCODE_NONE = 0,
  MSGR_TEXT_ENCODE_FALLBACK = 1 << 0,
  MSGR_TEXT_ENCODE_NON_EMPTY = 1 << 1,
} MsgrTextEncodeFlags;

/**
 * MsgrTextEncodeOptions:
 * @codepage: iconv name of the OEM code page, or %NULL for
 *   %MSGR_TEXT_DEFAULT_CODEPAGE; a bare number such as "866" means "CP866".
 * @line_break: how line breaks are put on the wire.
 * @flags: #MsgrTextEncodeFlags.
 * @max_bytes: largest result in bytes (0: no limit); longer text fails with
 *   %NS_CODEC_ERROR_TOO_LARGE, it is never cut.
 *
 * Options for msgr_text_encode(). Initialise with
 * %MSGR_TEXT_ENCODE_OPTIONS_INIT and change what differs.
 *
 * Since: 0.1
 */
typedef struct {
  const char *codepage;
  MsgrLineBreak line_break;
  MsgrTextEncodeFlags flags;
  gsize max_bytes;
} MsgrTextEncodeOptions;

/**
 * MSGR_TEXT_ENCODE_OPTIONS_INIT:
 *
 * Defaults for #MsgrTextEncodeOptions: CP850, 0x14 line breaks, no fallback,
 * non-empty, at most %MSGR_TEXT_MAX_SEND_BYTES bytes.
 *
 * Since: 0.1
 */
#define MSGR_TEXT_ENCODE_OPTIONS_INIT \
  { NULL, MSGR_LINE_BREAK_DC4, MSGR_TEXT_ENCODE_NON_EMPTY, MSGR_TEXT_MAX_SEND_BYTES }

/**
 * MsgrTextDecodeFlags:
 * @MSGR_TEXT_DECODE_NONE: no flags.
 * @MSGR_TEXT_DECODE_NO_UTF8_DETECT: always decode with the code page, never
 *   take the bytes as raw UTF-8 (see msgr_text_decode()).
 * @MSGR_TEXT_DECODE_KEEP_LINE_BREAKS: do not turn 0x14, CR, LF, CR LF and
 *   LF CR into "\n".
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_TEXT_DECODE_NONE = 0,
  MSGR_TEXT_DECODE_NO_UTF8_DETECT = 1 << 0,
  MSGR_TEXT_DECODE_KEEP_LINE_BREAKS = 1 << 1,
} MsgrTextDecodeFlags;

gboolean msgr_text_codepage_check (const char *codepage, GError **error);

GBytes *msgr_text_encode (const char *utf8,
                          gssize len,
                          const MsgrTextEncodeOptions *options,
                          GError **error);

char *msgr_text_decode (const guint8 *data,
                        gsize len,
                        const char *codepage,
                        MsgrTextDecodeFlags flags,
                        gboolean *ret_raw_utf8,
                        GError **error);

GPtrArray *msgr_text_split_blocks (GBytes *oem,
                                   const char *codepage,
                                   gsize block_size,
                                   GError **error);

GPtrArray *msgr_text_split_numbered (const char *utf8,
                                     gssize len,
                                     const MsgrTextEncodeOptions *options,
                                     guint max_parts,
                                     GError **error);

char *msgr_text_sanitize (const char *utf8,
                          gssize len,
                          gsize max_chars,
                          gboolean *ret_truncated);

G_END_DECLS
