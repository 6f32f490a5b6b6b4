/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Browser announcements (MS-BRWS §2.2): the frames a host sends to
 * `\MAILSLOT\BROWSE` so that it shows up in the workgroup's browse list
 * (Network Neighborhood, `smbclient -L`). Pure codec on top of
 * <netsend/msgr-mailslot.h> (the mailslot write that carries them) and
 * <netsend/nb-dgram.h> (the datagram around it):
 *  - HostAnnouncement (0x01), LocalMasterAnnouncement (0x0F) and
 *    DomainAnnouncement (0x0C) share one layout (#BrwsAnnouncement);
 *  - AnnouncementRequest (0x02) asks every host to announce itself
 *    (#BrwsAnnouncementRequest).
 * All multi-byte fields are little-endian (MS-BRWS §2.2). */

#include <glib.h>
#include <netsend/msgr-mailslot.h>
#include <netsend/nb-dgram.h>

G_BEGIN_DECLS

/**
 * BRWS_MAILSLOT_NAME:
 *
 * The browser mailslot (MS-BRWS §2.1, note <6>), matched case-insensitively.
 *
 * Since: 0.1
 */
#define BRWS_MAILSLOT_NAME "\\MAILSLOT\\BROWSE"

/**
 * BrwsOpcode:
 * @BRWS_HOST_ANNOUNCEMENT: HostAnnouncement (0x01, MS-BRWS §2.2.1).
 * @BRWS_ANNOUNCEMENT_REQUEST: AnnouncementRequest (0x02, §2.2.2).
 * @BRWS_DOMAIN_ANNOUNCEMENT: DomainAnnouncement (0x0C, §2.2.7).
 * @BRWS_LOCAL_MASTER_ANNOUNCEMENT: LocalMasterAnnouncement (0x0F, §2.2.10).
 *
 * The first byte of a browser frame (MS-BRWS §2.2, "Browser message
 * opcodes"); only those this codec handles are listed.
 *
 * Since: 0.1
 */
typedef enum {
  BRWS_HOST_ANNOUNCEMENT = 0x01,
  BRWS_ANNOUNCEMENT_REQUEST = 0x02,
  BRWS_DOMAIN_ANNOUNCEMENT = 0x0c,
  BRWS_LOCAL_MASTER_ANNOUNCEMENT = 0x0f,
} BrwsOpcode;

/**
 * BRWS_NAME_FIELD_LEN:
 *
 * Size of the ServerName / MachineGroup field: 16 bytes holding a
 * NUL-terminated name (at most 15 bytes before the NUL); bytes after the
 * NUL are ignored by receivers (MS-BRWS §2.2.1).
 *
 * Since: 0.1
 */
#define BRWS_NAME_FIELD_LEN 16

/**
 * BRWS_COMMENT_MAX:
 *
 * Longest Comment a sender may write, in bytes including its NUL
 * (MS-BRWS §2.2.1, §3.2.1 Server.Comment): 42 bytes of text.
 *
 * Since: 0.1
 */
#define BRWS_COMMENT_MAX 43

/**
 * BRWS_STRING_PARSE_MAX:
 *
 * Longest variable string (Comment, LocalMasterBrowserName, ResponseName)
 * the parsers accept, without its NUL: more than the spec allows, because
 * nmbd sends its server string up to 48 bytes.
 *
 * Since: 0.1
 */
#define BRWS_STRING_PARSE_MAX 255

/**
 * BRWS_SIGNATURE:
 *
 * The Signature field: 0xAA55 (MS-BRWS §2.2.1).
 *
 * Since: 0.1
 */
#define BRWS_SIGNATURE 0xaa55

/**
 * BRWS_BROWSER_VERSION_MAJOR:
 *
 * BrowserVersionMajor announcing servers MUST send (MS-BRWS §2.2.1).
 *
 * Since: 0.1
 */
#define BRWS_BROWSER_VERSION_MAJOR 0x0f

/**
 * BRWS_BROWSER_VERSION_MINOR:
 *
 * BrowserVersionMinor announcing servers MUST send (MS-BRWS §2.2.1).
 *
 * Since: 0.1
 */
#define BRWS_BROWSER_VERSION_MINOR 0x01

/* ServerType bits (MS-RAP §2.5.5.2.1, MS-SRVS §2.2.2.7): the few we name. */

/**
 * BRWS_SV_TYPE_WORKSTATION:
 *
 * A workstation (runs a client: it sends, here messages).
 *
 * Since: 0.1
 */
#define BRWS_SV_TYPE_WORKSTATION 0x00000001u

/**
 * BRWS_SV_TYPE_SERVER:
 *
 * A file server (SMB shares).
 *
 * Since: 0.1
 */
#define BRWS_SV_TYPE_SERVER 0x00000002u

/**
 * BRWS_SV_TYPE_XENIX_SERVER:
 *
 * A Xenix/Unix server: what every Samba host announces (Samba calls it
 * SV_TYPE_SERVER_UNIX).
 *
 * Since: 0.2
 */
#define BRWS_SV_TYPE_XENIX_SERVER 0x00000800u

/**
 * BRWS_SV_TYPE_NT:
 *
 * A Windows NT family workstation or server.
 *
 * Since: 0.1
 */
#define BRWS_SV_TYPE_NT 0x00001000u

/**
 * BRWS_SV_TYPE_POTENTIAL_BROWSER:
 *
 * Can be elected browser.
 *
 * Since: 0.1
 */
#define BRWS_SV_TYPE_POTENTIAL_BROWSER 0x00010000u

/**
 * BRWS_SV_TYPE_MASTER_BROWSER:
 *
 * The local master browser.
 *
 * Since: 0.1
 */
#define BRWS_SV_TYPE_MASTER_BROWSER 0x00040000u

/**
 * BRWS_SV_TYPE_DOMAIN_ENUM:
 *
 * Set in DomainAnnouncements (a workgroup, not a host).
 *
 * Since: 0.1
 */
#define BRWS_SV_TYPE_DOMAIN_ENUM 0x80000000u

/**
 * BrwsAnnouncement:
 * @opcode: %BRWS_HOST_ANNOUNCEMENT, %BRWS_LOCAL_MASTER_ANNOUNCEMENT or
 *   %BRWS_DOMAIN_ANNOUNCEMENT (offset 0)
 * @update_count: UpdateCount (offset 1); sent as 0, ignored on receipt
 * @periodicity_ms: Periodicity (offset 2, 4 bytes): how long until the
 *   next announcement, in milliseconds; browsers drop the entry when it
 *   passes without one
 * @name: ServerName (0x01, 0x0F) or MachineGroup (0x0C) (offset 6, 16
 *   bytes): a NUL-terminated OEM name; bytes after the NUL are kept as
 *   received (Windows leaves garbage there) so that a frame rebuilds byte
 *   for byte; brws_announcement_set_name() zeroes them
 * @version_major: OSVersionMajor (0x01, 0x0F) or BrowserConfigVersionMajor
 *   (0x0C) (offset 22); informational
 * @version_minor: OSVersionMinor or BrowserConfigVersionMinor (offset 23)
 * @server_type: ServerType (offset 24, 4 bytes), MS-RAP §2.5.5.2.1 bits
 *   (%BRWS_SV_TYPE_WORKSTATION ...); 0 in a HostAnnouncement means "this
 *   host is shutting down" (MS-BRWS §3.2.7)
 * @browser_version_major: BrowserVersionMajor (0x01, 0x0C) or
 *   BrowserConfigVersionMajor (0x0F) (offset 28); never validated
 * @browser_version_minor: the minor counterpart (offset 29)
 * @signature: Signature (offset 30, 2 bytes); %BRWS_SIGNATURE from correct
 *   senders, uninitialised from Windows in 0x0C (note <21>): not validated
 * @comment: Comment (0x01, 0x0F) or LocalMasterBrowserName (0x0C) (offset
 *   32): the OEM bytes before the terminating NUL, never %NULL
 *
 * The frames sharing the HostAnnouncement layout (MS-BRWS §2.2.1, §2.2.7,
 * §2.2.10): 32 fixed bytes and a NUL-terminated string.
 *
 * Since: 0.1
 */
typedef struct {
  BrwsOpcode opcode;
  guint8 update_count;
  guint32 periodicity_ms;
  char name[BRWS_NAME_FIELD_LEN];
  guint8 version_major;
  guint8 version_minor;
  guint32 server_type;
  guint8 browser_version_major;
  guint8 browser_version_minor;
  guint16 signature;
  char *comment;
} BrwsAnnouncement;

BrwsAnnouncement *brws_announcement_new (BrwsOpcode opcode);
void brws_announcement_free (BrwsAnnouncement *announcement);
gboolean brws_announcement_equal (const BrwsAnnouncement *a, const BrwsAnnouncement *b);
gboolean brws_announcement_set_name (BrwsAnnouncement *announcement, const char *name,
                                     GError **error);
gboolean brws_announcement_parse (const guint8 *data, gsize len, BrwsAnnouncement **ret,
                                  GError **error);
gboolean brws_announcement_build (const BrwsAnnouncement *announcement, GByteArray *out,
                                  GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrwsAnnouncement, brws_announcement_free)

/**
 * BrwsAnnouncementRequest:
 * @reserved: Reserved (offset 1): MUST be 0 per MS-BRWS §2.2.2, but nmbd
 *   puts a workgroup token there; kept, not validated
 * @response_name: ResponseName (offset 2 to the end), the raw bytes as
 *   sent, never %NULL: normally "NAME\0"; nmbd sends "\0NAME" without a
 *   final NUL. Receivers MUST ignore it (§2.2.2)
 *
 * AnnouncementRequest (0x02): asks every host of the workgroup to send a
 * HostAnnouncement within 30 s (MS-BRWS §3.2.5.1).
 *
 * Since: 0.1
 */
typedef struct {
  guint8 reserved;
  GBytes *response_name;
} BrwsAnnouncementRequest;

BrwsAnnouncementRequest *brws_announcement_request_new (const char *name);
void brws_announcement_request_free (BrwsAnnouncementRequest *request);
gboolean brws_announcement_request_equal (const BrwsAnnouncementRequest *a,
                                          const BrwsAnnouncementRequest *b);
char *brws_announcement_request_dup_name (const BrwsAnnouncementRequest *request);
gboolean brws_announcement_request_parse (const guint8 *data, gsize len,
                                          BrwsAnnouncementRequest **ret, GError **error);
gboolean brws_announcement_request_build (const BrwsAnnouncementRequest *request,
                                          GByteArray *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrwsAnnouncementRequest, brws_announcement_request_free)

gboolean brws_frame_opcode (const guint8 *data, gsize len, guint8 *ret_opcode, GError **error);

void brws_mailslot_params_init (MsgrMailslotParams *params);
gboolean brws_parse_datagram (const guint8 *udp_payload, gsize len, NbDgram **ret_dgram,
                              MsgrMailslotWrite **ret_write, GError **error);
gboolean brws_build_datagram (const NbDgram *envelope, const MsgrMailslotParams *params,
                              const guint8 *frame, gsize frame_len, GByteArray *out,
                              GError **error);

G_END_DECLS
