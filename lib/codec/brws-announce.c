/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/brws-announce.h"

#include <string.h>

#include "nb-reader.h"
#include "nb-writer.h"
#include "netsend/ns-errors.h"
#include "ns-codec-private.h"

/* MS-BRWS §2.2.1 (HostAnnouncement), §2.2.7 (DomainAnnouncement), §2.2.10
 * (LocalMasterAnnouncement): one layout,
 *   0 opcode | 1 UpdateCount | 2 Periodicity(4) | 6 name(16) |
 *   22 version major | 23 minor | 24 ServerType(4) | 28 browser major |
 *   29 minor | 30 Signature(2) | 32 string NUL-terminated
 * §2.2.2 (AnnouncementRequest): 0 opcode | 1 Reserved | 2 ResponseName. */

#define FIXED_LEN 32
/* LocalMasterBrowserName: "up to 16 bytes including the null terminator"
 * (MS-BRWS §2.2.7). */
#define LMB_NAME_MAX (BRWS_NAME_FIELD_LEN - 1)
#define FRAME_MAX 0xffff

static gboolean
is_announcement (guint opcode)
{
  return opcode == BRWS_HOST_ANNOUNCEMENT || opcode == BRWS_LOCAL_MASTER_ANNOUNCEMENT ||
         opcode == BRWS_DOMAIN_ANNOUNCEMENT;
}

static const char *
opcode_name (guint opcode)
{
  switch (opcode) {
    case BRWS_HOST_ANNOUNCEMENT: return "HostAnnouncement";
    case BRWS_ANNOUNCEMENT_REQUEST: return "AnnouncementRequest";
    case BRWS_DOMAIN_ANNOUNCEMENT: return "DomainAnnouncement";
    case BRWS_LOCAL_MASTER_ANNOUNCEMENT: return "LocalMasterAnnouncement";
    default: return "browser frame";
  }
}

/**
 * brws_frame_opcode:
 * @data: (array length=len): the mailslot data of a `\MAILSLOT\BROWSE` write
 * @len: its length
 * @ret_opcode: (out): the opcode (any value, a #BrwsOpcode or another);
 *   untouched on failure
 * @error: return location for a #GError (%NS_CODEC_ERROR_TRUNCATED for no
 *   data)
 *
 * Reads the first byte, to pick the parser (MS-BRWS §2.2).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
brws_frame_opcode (const guint8 *data, gsize len, guint8 *ret_opcode, GError **error)
{
  NbReader r;
  guint8 opcode = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret_opcode != NULL, FALSE);

  nb_reader_init (&r, data, len);
  nb_reader_u8 (&r, &opcode);
  if (!nb_reader_finish (&r, "browser frame", error))
    return FALSE;
  *ret_opcode = opcode;
  return TRUE;
}

/* ---- HostAnnouncement, LocalMasterAnnouncement, DomainAnnouncement ------ */

/**
 * brws_announcement_new:
 * @opcode: %BRWS_HOST_ANNOUNCEMENT, %BRWS_LOCAL_MASTER_ANNOUNCEMENT or
 *   %BRWS_DOMAIN_ANNOUNCEMENT
 *
 * Returns: (transfer full): an announcement with an empty name and
 *   comment, ServerType 0, and the browser version and signature a sender
 *   MUST write (%BRWS_BROWSER_VERSION_MAJOR, %BRWS_BROWSER_VERSION_MINOR,
 *   %BRWS_SIGNATURE)
 *
 * Since: 0.1
 */
BrwsAnnouncement *
brws_announcement_new (BrwsOpcode opcode)
{
  BrwsAnnouncement *a;

  g_return_val_if_fail (is_announcement (opcode), NULL);
  a = g_new0 (BrwsAnnouncement, 1);
  a->opcode = opcode;
  a->browser_version_major = BRWS_BROWSER_VERSION_MAJOR;
  a->browser_version_minor = BRWS_BROWSER_VERSION_MINOR;
  a->signature = BRWS_SIGNATURE;
  a->comment = g_strdup ("");
  return a;
}

/**
 * brws_announcement_free:
 * @announcement: (nullable): an announcement
 *
 * Since: 0.1
 */
void
brws_announcement_free (BrwsAnnouncement *announcement)
{
  if (announcement == NULL)
    return;
  g_free (announcement->comment);
  g_free (announcement);
}

/**
 * brws_announcement_equal:
 * @a: an announcement
 * @b: an announcement
 *
 * Returns: %TRUE if every field is equal, the 16 name bytes included
 *
 * Since: 0.1
 */
gboolean
brws_announcement_equal (const BrwsAnnouncement *a, const BrwsAnnouncement *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return a->opcode == b->opcode && a->update_count == b->update_count &&
         a->periodicity_ms == b->periodicity_ms &&
         memcmp (a->name, b->name, sizeof a->name) == 0 &&
         a->version_major == b->version_major && a->version_minor == b->version_minor &&
         a->server_type == b->server_type &&
         a->browser_version_major == b->browser_version_major &&
         a->browser_version_minor == b->browser_version_minor && a->signature == b->signature &&
         g_strcmp0 (a->comment, b->comment) == 0;
}

/**
 * brws_announcement_set_name:
 * @announcement: an announcement
 * @name: the name as OEM bytes, 1 to 15 bytes (a NetBIOS name without its
 *   suffix and padding, e.g. "PEERA")
 * @error: return location for a #GError (%NS_CODEC_ERROR_INVALID_NAME)
 *
 * Sets ServerName / MachineGroup, NUL-padded to 16 bytes as nmbd does.
 * Unchanged on failure.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
brws_announcement_set_name (BrwsAnnouncement *announcement, const char *name, GError **error)
{
  gsize n;

  g_return_val_if_fail (announcement != NULL && name != NULL, FALSE);

  n = strlen (name);
  if (n == 0 || n > BRWS_NAME_FIELD_LEN - 1)
    return _ns_codec_fail (error, NS_CODEC_ERROR_INVALID_NAME,
                           "a browser ServerName is 1 to %d bytes (MS-BRWS 2.2.1), not %"
                           G_GSIZE_FORMAT, BRWS_NAME_FIELD_LEN - 1, n);
  memset (announcement->name, 0, sizeof announcement->name);
  memcpy (announcement->name, name, n);
  return TRUE;
}

/* A string that ends at a NUL. Input ending before the NUL (and within
 * @max) is truncation; no NUL within @max + 1 bytes is malformed. */
static void
read_string (NbReader *r, gsize max, const guint8 **ret, gsize *ret_len)
{
  NbReader probe = *r;

  if (nb_reader_cstring (&probe, max, ret, ret_len)) {
    *r = probe;
    return;
  }
  if (nb_reader_ok (r) && nb_reader_remaining (r) <= max) {
    nb_reader_skip (r, nb_reader_remaining (r) + 1);
    return;
  }
  nb_reader_cstring (r, max, ret, ret_len);
}

static void
read_announcement (NbReader *r, BrwsAnnouncement *a)
{
  guint8 opcode = 0;
  const guint8 *str = NULL;
  gsize str_len = 0;

  nb_reader_u8 (r, &opcode);
  if (nb_reader_ok (r) && !is_announcement (opcode)) {
    nb_reader_fail (r, "opcode is not 0x01, 0x0C or 0x0F");
    return;
  }
  a->opcode = opcode;
  nb_reader_u8 (r, &a->update_count);
  nb_reader_le32 (r, &a->periodicity_ms);
  nb_reader_copy (r, a->name, sizeof a->name);
  if (nb_reader_ok (r) && memchr (a->name, 0, sizeof a->name) == NULL) {
    nb_reader_fail (r, "the 16-byte name has no NUL (MS-BRWS 2.2.1)");
    return;
  }
  nb_reader_u8 (r, &a->version_major);
  nb_reader_u8 (r, &a->version_minor);
  nb_reader_le32 (r, &a->server_type);
  nb_reader_u8 (r, &a->browser_version_major);
  nb_reader_u8 (r, &a->browser_version_minor);
  nb_reader_le16 (r, &a->signature);
  read_string (r, BRWS_STRING_PARSE_MAX, &str, &str_len);
  nb_reader_expect_end (r);
  if (nb_reader_ok (r))
    a->comment = g_strndup ((const char *) str, str_len);
}

/**
 * brws_announcement_parse:
 * @data: (array length=len): the mailslot data (starts at the opcode)
 * @len: its length
 * @ret: (out) (transfer full): the announcement; untouched on failure
 * @error: return location for a #GError
 *
 * Parses a HostAnnouncement, LocalMasterAnnouncement or DomainAnnouncement,
 * all or nothing. Errors: %NS_CODEC_ERROR_TRUNCATED when the data ends
 * before the 32 fixed bytes or before the NUL of the string;
 * %NS_CODEC_ERROR_MALFORMED for another opcode, a name field without NUL
 * or a string longer than %BRWS_STRING_PARSE_MAX;
 * %NS_CODEC_ERROR_TRAILING_DATA for bytes after the string's NUL. The
 * versions and the signature are not judged (MS-BRWS §2.2.1: "MUST NOT be
 * validated"; Windows leaves them uninitialised in 0x0C).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
brws_announcement_parse (const guint8 *data, gsize len, BrwsAnnouncement **ret, GError **error)
{
  g_autoptr (BrwsAnnouncement) a = g_new0 (BrwsAnnouncement, 1);
  NbReader r;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_reader_init (&r, data, len);
  read_announcement (&r, a);
  if (!nb_reader_finish (&r, "browser announcement", error))
    return FALSE;
  *ret = g_steal_pointer (&a);
  return TRUE;
}

/* What a sender may write (MS-BRWS §2.2.1, §2.2.7, §2.2.10). */
static const char *
announcement_invalid (const BrwsAnnouncement *a)
{
  gsize max = a->opcode == BRWS_DOMAIN_ANNOUNCEMENT ? LMB_NAME_MAX : BRWS_COMMENT_MAX - 1;

  if (!is_announcement (a->opcode))
    return "opcode is not 0x01, 0x0C or 0x0F";
  if (memchr (a->name, 0, sizeof a->name) == NULL || a->name[0] == '\0')
    return "the name must be 1 to 15 bytes followed by a NUL";
  if (a->comment == NULL || strlen (a->comment) > max)
    return a->opcode == BRWS_DOMAIN_ANNOUNCEMENT
             ? "LocalMasterBrowserName is longer than 15 bytes (MS-BRWS 2.2.7)"
             : "Comment is longer than 42 bytes (43 with its NUL, MS-BRWS 2.2.1)";
  return NULL;
}

/**
 * brws_announcement_build:
 * @announcement: the announcement
 * @out: array the frame (the mailslot data) is appended to; unchanged on
 *   failure
 * @error: return location for a #GError (%NS_CODEC_ERROR_MALFORMED)
 *
 * Builds the frame as given; the name must hold 1 to 15 bytes and a NUL,
 * the comment at most %BRWS_COMMENT_MAX bytes with its NUL (a
 * LocalMasterBrowserName at most 16).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
brws_announcement_build (const BrwsAnnouncement *announcement, GByteArray *out, GError **error)
{
  const BrwsAnnouncement *a = announcement;
  const char *why;
  NbWriter w;

  g_return_val_if_fail (a != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_writer_init (&w, out, FRAME_MAX);
  if ((why = announcement_invalid (a)) != NULL) {
    nb_writer_fail (&w, why);
    return nb_writer_finish (&w, opcode_name (a->opcode), error);
  }
  nb_writer_u8 (&w, (guint8) a->opcode);
  nb_writer_u8 (&w, a->update_count);
  nb_writer_le32 (&w, a->periodicity_ms);
  nb_writer_bytes (&w, a->name, sizeof a->name);
  nb_writer_u8 (&w, a->version_major);
  nb_writer_u8 (&w, a->version_minor);
  nb_writer_le32 (&w, a->server_type);
  nb_writer_u8 (&w, a->browser_version_major);
  nb_writer_u8 (&w, a->browser_version_minor);
  nb_writer_le16 (&w, a->signature);
  nb_writer_bytes (&w, a->comment, strlen (a->comment) + 1);
  g_assert (!nb_writer_ok (&w) || nb_writer_len (&w) == FIXED_LEN + strlen (a->comment) + 1);
  return nb_writer_finish (&w, opcode_name (a->opcode), error);
}

/* ---- AnnouncementRequest ------------------------------------------------- */

/**
 * brws_announcement_request_new:
 * @name: (nullable): the sender's name for ResponseName (OEM, at most 15
 *   bytes); %NULL for an empty one
 *
 * Returns: (transfer full): a request with Reserved 0 and ResponseName
 *   "@name\0" (MS-BRWS §2.2.2)
 *
 * Since: 0.1
 */
BrwsAnnouncementRequest *
brws_announcement_request_new (const char *name)
{
  BrwsAnnouncementRequest *req = g_new0 (BrwsAnnouncementRequest, 1);
  const char *n = name != NULL ? name : "";

  req->response_name = g_bytes_new (n, strlen (n) + 1);
  return req;
}

/**
 * brws_announcement_request_free:
 * @request: (nullable): a request
 *
 * Since: 0.1
 */
void
brws_announcement_request_free (BrwsAnnouncementRequest *request)
{
  if (request == NULL)
    return;
  g_clear_pointer (&request->response_name, g_bytes_unref);
  g_free (request);
}

/**
 * brws_announcement_request_equal:
 * @a: a request
 * @b: a request
 *
 * Returns: %TRUE if Reserved and the ResponseName bytes are equal
 *
 * Since: 0.1
 */
gboolean
brws_announcement_request_equal (const BrwsAnnouncementRequest *a,
                                 const BrwsAnnouncementRequest *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  return a->reserved == b->reserved && g_bytes_equal (a->response_name, b->response_name);
}

/**
 * brws_announcement_request_dup_name:
 * @request: a request
 *
 * For logs only: receivers MUST ignore ResponseName (MS-BRWS §2.2.2).
 *
 * Returns: (transfer full): the ResponseName bytes up to the first NUL,
 *   skipping one leading NUL (nmbd's layout)
 *
 * Since: 0.1
 */
char *
brws_announcement_request_dup_name (const BrwsAnnouncementRequest *request)
{
  gsize n = 0;
  const char *p;

  g_return_val_if_fail (request != NULL, NULL);
  p = g_bytes_get_data (request->response_name, &n);
  if (n > 0 && p[0] == '\0') {
    p++;
    n--;
  }
  return g_strndup (p != NULL ? p : "", n);
}

/**
 * brws_announcement_request_parse:
 * @data: (array length=len): the mailslot data
 * @len: its length
 * @ret: (out) (transfer full): the request; untouched on failure
 * @error: return location for a #GError
 *
 * Parses an AnnouncementRequest, all or nothing: opcode 0x02 (else
 * %NS_CODEC_ERROR_MALFORMED), Reserved (%NS_CODEC_ERROR_TRUNCATED if
 * missing), then up to %BRWS_STRING_PARSE_MAX + 1 bytes of ResponseName kept
 * raw (%NS_CODEC_ERROR_TOO_LARGE beyond). Neither Reserved nor the name is
 * judged: nmbd's requests break both rules.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
brws_announcement_request_parse (const guint8 *data, gsize len, BrwsAnnouncementRequest **ret,
                                 GError **error)
{
  g_autoptr (BrwsAnnouncementRequest) req = g_new0 (BrwsAnnouncementRequest, 1);
  guint8 opcode = 0;
  NbReader r;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (ret != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nb_reader_init (&r, data, len);
  nb_reader_u8 (&r, &opcode);
  if (nb_reader_ok (&r) && opcode != BRWS_ANNOUNCEMENT_REQUEST)
    nb_reader_fail (&r, "opcode is not 0x02");
  nb_reader_u8 (&r, &req->reserved);
  if (!nb_reader_finish (&r, "AnnouncementRequest", error))
    return FALSE;
  if (nb_reader_remaining (&r) > BRWS_STRING_PARSE_MAX + 1)
    return _ns_codec_fail (error, NS_CODEC_ERROR_TOO_LARGE,
                           "AnnouncementRequest: a ResponseName of %" G_GSIZE_FORMAT
                           " bytes (at most %d)", nb_reader_remaining (&r),
                           BRWS_STRING_PARSE_MAX + 1);
  nb_reader_dup (&r, nb_reader_remaining (&r), &req->response_name);
  if (!nb_reader_finish (&r, "AnnouncementRequest", error))
    return FALSE;
  *ret = g_steal_pointer (&req);
  return TRUE;
}

/**
 * brws_announcement_request_build:
 * @request: the request
 * @out: array the frame is appended to; unchanged on failure
 * @error: return location for a #GError (%NS_CODEC_ERROR_TOO_LARGE)
 *
 * Builds the frame as given (the ResponseName bytes verbatim, at most
 * %BRWS_STRING_PARSE_MAX + 1).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
brws_announcement_request_build (const BrwsAnnouncementRequest *request, GByteArray *out,
                                 GError **error)
{
  gsize n = 0;
  const guint8 *name;
  NbWriter w;

  g_return_val_if_fail (request != NULL && request->response_name != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  name = g_bytes_get_data (request->response_name, &n);
  nb_writer_init (&w, out, 2 + BRWS_STRING_PARSE_MAX + 1);
  nb_writer_u8 (&w, BRWS_ANNOUNCEMENT_REQUEST);
  nb_writer_u8 (&w, request->reserved);
  if (n > 0)
    nb_writer_bytes (&w, name, n);
  return nb_writer_finish (&w, "AnnouncementRequest", error);
}

/* ---- Whole datagrams ----------------------------------------------------- */

/**
 * brws_mailslot_params_init:
 * @params: (out caller-allocates): the values to fill
 *
 * The mailslot write header of MS-BRWS §4.1 (what Windows browsers send,
 * PROTOCOL.md §7.3/§7.5): all ids and flags 0, Timeout 1000 ms, priority
 * 0, second class, no padding.
 *
 * Since: 0.1
 */
void
brws_mailslot_params_init (MsgrMailslotParams *params)
{
  g_return_if_fail (params != NULL);

  msgr_mailslot_params_init (params, MSGR_MAILSLOT_STYLE_SAMBA);
  params->priority = 0;
}

/**
 * brws_parse_datagram:
 * @udp_payload: (array length=len): a UDP 138 payload
 * @len: its length
 * @ret_dgram: (out) (transfer full) (optional): the datagram
 * @ret_write: (out) (transfer full): the mailslot write; its data is the
 *   browser frame
 * @error: return location for a #GError
 *
 * nb_dgram_parse() (fragments refused), a DIRECT_UNIQUE, DIRECT_GROUP or
 * BROADCAST type, msgr_mailslot_write_parse(), and a mailslot name equal
 * to %BRWS_MAILSLOT_NAME ignoring case (%NS_CODEC_ERROR_UNSUPPORTED
 * otherwise). Nothing is set on failure.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
brws_parse_datagram (const guint8 *udp_payload, gsize len, NbDgram **ret_dgram,
                     MsgrMailslotWrite **ret_write, GError **error)
{
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotWrite) w = NULL;
  const guint8 *user = NULL;
  gsize user_len = 0;

  g_return_val_if_fail (ret_write != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!nb_dgram_parse (udp_payload, len, NB_DGRAM_PARSE_NONE, &d, error))
    return FALSE;
  if (d->type != NB_DGRAM_DIRECT_UNIQUE && d->type != NB_DGRAM_DIRECT_GROUP &&
      d->type != NB_DGRAM_BROADCAST)
    return _ns_codec_fail (error, NS_CODEC_ERROR_UNSUPPORTED,
                           "a NetBIOS %s datagram carries no mailslot message",
                           nb_dgram_type_to_string (d->type));
  if (d->user_data != NULL)
    user = g_bytes_get_data (d->user_data, &user_len);
  if (!msgr_mailslot_write_parse (user != NULL ? user : (const guint8 *) "", user_len, &w, error))
    return FALSE;
  if (g_ascii_strcasecmp (w->mailslot, BRWS_MAILSLOT_NAME) != 0)
    return _ns_codec_fail (error, NS_CODEC_ERROR_UNSUPPORTED,
                           "mailslot %s is not the browser mailslot " BRWS_MAILSLOT_NAME,
                           w->mailslot);
  if (ret_dgram != NULL)
    *ret_dgram = g_steal_pointer (&d);
  *ret_write = g_steal_pointer (&w);
  return TRUE;
}

/**
 * brws_build_datagram:
 * @envelope: the datagram header: type (DIRECT_UNIQUE, DIRECT_GROUP or
 *   BROADCAST), flags, DGM_ID, source address and port, source and
 *   destination names; its user data is ignored
 * @params: the mailslot write header (brws_mailslot_params_init())
 * @frame: (array length=frame_len): the browser frame
 *   (brws_announcement_build(), brws_announcement_request_build())
 * @frame_len: its length
 * @out: array the UDP payload is appended to; unchanged on failure
 * @error: return location for a #GError
 *
 * Wraps @frame in a `\MAILSLOT\BROWSE` write and the datagram. Errors as
 * msgr_mailslot_write_build() and nb_dgram_build().
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
brws_build_datagram (const NbDgram *envelope, const MsgrMailslotParams *params,
                     const guint8 *frame, gsize frame_len, GByteArray *out, GError **error)
{
  g_autoptr (GByteArray) smb = g_byte_array_new ();
  g_autoptr (NbDgram) d = NULL;
  MsgrMailslotWrite w = { 0 };
  gboolean ok;

  g_return_val_if_fail (envelope != NULL && params != NULL && out != NULL, FALSE);
  g_return_val_if_fail (frame != NULL || frame_len == 0, FALSE);
  g_return_val_if_fail (envelope->type == NB_DGRAM_DIRECT_UNIQUE ||
                        envelope->type == NB_DGRAM_DIRECT_GROUP ||
                        envelope->type == NB_DGRAM_BROADCAST, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  w.params = *params;
  w.mailslot = (char *) BRWS_MAILSLOT_NAME;
  w.data = g_bytes_new_static (frame, frame_len);
  ok = msgr_mailslot_write_build (&w, smb, error);
  g_bytes_unref (w.data);
  if (!ok)
    return FALSE;
  d = nb_dgram_copy (envelope);
  g_clear_pointer (&d->user_data, g_bytes_unref);
  d->user_data = g_byte_array_free_to_bytes (g_steal_pointer (&smb));
  return nb_dgram_build (d, out, error);
}
