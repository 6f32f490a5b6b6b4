/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* NetBIOS names (RFC 1001 §14, RFC 1002 §4.1, MS-NBTE §2.2.1). */

#include <glib.h>

G_BEGIN_DECLS

/**
 * NB_NAME_LEN:
 *
 * Length of a raw NetBIOS name: 15 name bytes plus the suffix byte.
 *
 * Since: 0.1
 */
#define NB_NAME_LEN 16

/**
 * NB_NAME_MAX_CHARS:
 *
 * Longest name part in bytes of the OEM code page (the 16th byte is the suffix).
 *
 * Since: 0.1
 */
#define NB_NAME_MAX_CHARS 15

/**
 * NB_NAME_SCOPE_MAX:
 *
 * Size of #NbName.scope including the NUL. The encoded name is capped at
 * 255 bytes (RFC 1002 §4.1), which leaves at most 220 characters of dotted
 * scope; the buffer is larger so that the cap is checked, not truncated.
 *
 * Since: 0.1
 */
#define NB_NAME_SCOPE_MAX 256

/**
 * NB_NAME_ENCODED_MAX:
 *
 * Longest second-level encoded name on the wire, terminating 0x00 included
 * (RFC 1002 §4.1 inherits the 255-byte cap of DNS names).
 *
 * Since: 0.1
 */
#define NB_NAME_ENCODED_MAX 255

/* Common 16th-byte suffixes (MS-NBTE Appendix A notes <2>/<3>, PROTOCOL.md §1.1). */
#define NB_SUFFIX_WORKSTATION       0x00 /* <computer> (U) and <domain> (G) */
#define NB_SUFFIX_MESSENGER_LEGACY  0x01 /* per MS-NBTE table; not seen in practice */
#define NB_SUFFIX_MASTER_BROWSER    0x01 /* \x01\x02__MSBROWSE__\x02\x01 (G) */
#define NB_SUFFIX_MESSENGER         0x03 /* Messenger names: computer, user, aliases */
#define NB_SUFFIX_RAS_SERVER        0x06
#define NB_SUFFIX_DOMAIN_MASTER     0x1B /* <domain> domain master browser (PDC) */
#define NB_SUFFIX_DOMAIN_CONTROLLERS 0x1C /* <domain> DCs (internet group) */
#define NB_SUFFIX_LOCAL_MASTER      0x1D /* <domain> local master browser */
#define NB_SUFFIX_BROWSER_ELECTION  0x1E /* <domain> browser election group */
#define NB_SUFFIX_NETDDE            0x1F
#define NB_SUFFIX_SERVER            0x20 /* <computer> file server service */
#define NB_SUFFIX_RAS_CLIENT        0x21

/**
 * NbName:
 * @bytes: the 16 raw name bytes: 15 bytes in the OEM code page, right-padded
 *   with spaces (0x20), then the suffix. Compared exactly (MS-NBTE §2.2.1).
 * @scope: the NetBIOS scope as dotted ASCII ("" = no scope, the normal case).
 *
 * A NetBIOS name as a plain value: copy it with `=`, keep it on the stack,
 * use it as a hash-table key with nb_name_hash() / nb_name_equal().
 *
 * Since: 0.1
 */
typedef struct {
  guint8 bytes[NB_NAME_LEN];
  char scope[NB_NAME_SCOPE_MAX];
} NbName;

/**
 * nb_name_from_utf8:
 * @ret: (out caller-allocates): the name; untouched on failure
 * @utf8: the name as UTF-8, without suffix or padding, e.g. "alice"
 * @suffix: the 16th byte, e.g. %NB_SUFFIX_MESSENGER
 * @codepage: (nullable): OEM code page for g_convert() (e.g. "CP850");
 *   %NULL means "CP850", Samba's default "dos charset"
 * @error: return location for a #GError
 *
 * Builds a name the way Windows does before registering or comparing it
 * (MS-MSRP §2.2.2.1, §3.1.4.6): converts to the OEM code page, upper-cases
 * each character where the code page has its upper-case form, and pads with
 * spaces to 15 bytes. The scope is left empty (see nb_name_set_scope()).
 *
 * Rejected with %NS_CODEC_ERROR_INVALID_NAME: the empty name, more than 15
 * bytes in the code page, control characters, the characters
 * `\ / : * ? " < > |` (Windows computer-name rules; `*` is reserved for the
 * wildcard, MS-NBTE §2.2.1), a leading or trailing space and a leading dot.
 * Characters the code page cannot represent give
 * %NS_CODEC_ERROR_CONVERSION; an unknown code page too.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_name_from_utf8 (NbName *ret, const char *utf8, guint8 suffix,
                            const char *codepage, GError **error);

/**
 * nb_name_set_raw:
 * @ret: (out caller-allocates): the name
 * @raw: exactly %NB_NAME_LEN bytes, taken as they are (no validation)
 *
 * Sets the 16 raw bytes (e.g. from a node-status entry or a config file) and
 * clears the scope.
 *
 * Since: 0.1
 */
void nb_name_set_raw (NbName *ret, const guint8 *raw);

/**
 * nb_name_set_scope:
 * @name: the name to change; untouched on failure
 * @scope: (nullable): dotted scope such as "NETBIOS.COM"; %NULL or "" = none
 * @error: return location for a #GError
 *
 * Sets the NetBIOS scope. Each label must be 1..63 bytes of printable ASCII
 * other than '.', and the encoded name (34 bytes + 1 per label + the labels)
 * must fit in %NB_NAME_ENCODED_MAX; otherwise %NS_CODEC_ERROR_INVALID_NAME.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_name_set_scope (NbName *name, const char *scope, GError **error);

/**
 * nb_name_wildcard:
 * @ret: (out caller-allocates): the name
 *
 * Sets the node-status wildcard: '*' followed by 15 NUL bytes (not spaces;
 * RFC 1002 §4.2.17), no scope. Encodes to "CKAAAA…".
 *
 * Since: 0.1
 */
void nb_name_wildcard (NbName *ret);

/**
 * nb_name_is_wildcard:
 * @name: a name
 *
 * Returns: %TRUE if @name is '*' followed by 15 NUL bytes (any scope)
 *
 * Since: 0.1
 */
gboolean nb_name_is_wildcard (const NbName *name);

/**
 * nb_name_suffix:
 * @name: a name
 *
 * Returns: the 16th byte
 *
 * Since: 0.1
 */
guint8 nb_name_suffix (const NbName *name);

/**
 * nb_name_with_suffix:
 * @ret: (out caller-allocates): the copy
 * @name: a name
 * @suffix: the new 16th byte
 *
 * Copies @name with another suffix (e.g. COMPUTER<00> from COMPUTER<03>).
 *
 * Since: 0.1
 */
void nb_name_with_suffix (NbName *ret, const NbName *name, guint8 suffix);

/**
 * nb_name_equal:
 * @a: (type NbName): a name
 * @b: (type NbName): a name
 *
 * Compares all 16 bytes exactly (MS-NBTE §2.2.1) and the scopes ignoring
 * ASCII case (scopes are DNS-style labels). Fits g_hash_table_new().
 *
 * Returns: %TRUE if equal
 *
 * Since: 0.1
 */
gboolean nb_name_equal (gconstpointer a, gconstpointer b);

/**
 * nb_name_hash:
 * @name: (type NbName): a name
 *
 * Returns: a hash consistent with nb_name_equal()
 *
 * Since: 0.1
 */
guint nb_name_hash (gconstpointer name);

/**
 * nb_name_to_utf8:
 * @name: a name
 * @codepage: (nullable): OEM code page, %NULL = "CP850"
 *
 * Converts the 15 name bytes to UTF-8, without suffix, with trailing spaces
 * and NULs removed. Never fails: bytes the code page cannot convert come out
 * as "\xNN".
 *
 * Returns: (transfer full): the name, e.g. "ALICE"
 *
 * Since: 0.1
 */
char *nb_name_to_utf8 (const NbName *name, const char *codepage);

/**
 * nb_name_to_display:
 * @name: a name
 * @codepage: (nullable): OEM code page, %NULL = "CP850"
 *
 * Formats a name for people and logs as nbtstat/nmblookup do: the trimmed
 * name, the suffix in hex in angle brackets, and ".scope" if there is one,
 * e.g. "ALICE<03>" or "FRED<20>.NETBIOS.COM". Control characters in the
 * name appear as "\xNN".
 *
 * Returns: (transfer full): the text
 *
 * Since: 0.1
 */
char *nb_name_to_display (const NbName *name, const char *codepage);

/**
 * NB_NAME_FIRST_LEVEL_LEN:
 *
 * Length of a first-level encoded name (two letters A-P per byte).
 *
 * Since: 0.1
 */
#define NB_NAME_FIRST_LEVEL_LEN 32

/**
 * nb_name_first_level_encode:
 * @raw: %NB_NAME_LEN raw bytes
 * @ret_encoded: (out caller-allocates): buffer of %NB_NAME_FIRST_LEVEL_LEN + 1
 *   bytes; receives 32 letters 'A'..'P' and a NUL
 *
 * First-level ("half-ASCII") encoding, RFC 1001 §14.1: each nibble n becomes
 * 'A' + n, high nibble first.
 *
 * Since: 0.1
 */
void nb_name_first_level_encode (const guint8 *raw, char *ret_encoded);

/**
 * nb_name_first_level_decode:
 * @encoded: %NB_NAME_FIRST_LEVEL_LEN bytes
 * @ret_raw: (out caller-allocates): %NB_NAME_LEN bytes; untouched on failure
 * @error: return location for a #GError
 *
 * Reverses nb_name_first_level_encode(). Any byte outside 'A'..'P' gives
 * %NS_CODEC_ERROR_MALFORMED (lower case is not accepted: RFC 1001 §14.1
 * defines only the upper-case letters).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_name_first_level_decode (const guint8 *encoded, guint8 *ret_raw,
                                     GError **error);

/**
 * nb_name_encode:
 * @name: a name
 * @out: array the second-level encoded name is appended to
 * @error: return location for a #GError
 *
 * Appends the second-level (on-wire) encoding, RFC 1002 §4.1: 0x20, the 32
 * first-level letters, one length-prefixed label per scope label, 0x00.
 * Never compressed. Fails (appending nothing) only if the scope is invalid.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_name_encode (const NbName *name, GByteArray *out, GError **error);

/**
 * nb_name_decode:
 * @data: bytes starting with a second-level encoded name
 * @len: length of @data
 * @ret: (out caller-allocates): the name; untouched on failure
 * @ret_consumed: (out) (optional): bytes the encoded name took
 * @error: return location for a #GError
 *
 * Decodes a second-level encoded name without label compression (as the
 * datagram and session services carry them). Trailing bytes after the
 * terminating 0x00 are allowed and not consumed.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean nb_name_decode (const guint8 *data, gsize len, NbName *ret,
                         gsize *ret_consumed, GError **error);

G_END_DECLS
