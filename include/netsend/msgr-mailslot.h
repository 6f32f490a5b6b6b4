/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The `\MAILSLOT\MESSNGR` Messenger message (PROTOCOL.md §3): an SMB1
 * SMB_COM_TRANSACTION mailslot write (MS-CIFS §2.2.4.33, §2.2.5.12; MS-MAIL
 * §2.2.1) carried as the user data of a NetBIOS datagram, whose data is
 * `From\0To\0Text\0` in OEM bytes. Pure codec; text conversion is
 * msgr-text.h's job. */

#include <glib.h>
#include <netsend/nb-dgram.h>
#include <netsend/nb-name.h>

G_BEGIN_DECLS

/**
 * MSGR_MAILSLOT_NAME:
 *
 * The Messenger mailslot, matched case-insensitively on receipt.
 *
 * Since: 0.1
 */
#define MSGR_MAILSLOT_NAME "\\MAILSLOT\\MESSNGR"

/**
 * MSGR_MAILSLOT_NAME_MAX:
 *
 * Longest mailslot name the parser accepts, in bytes without the NUL.
 *
 * Since: 0.1
 */
#define MSGR_MAILSLOT_NAME_MAX 255

/**
 * MSGR_MAILSLOT_MAX_BODY:
 *
 * Largest MESSNGR body (From + To + Text + 3 NULs) the builder writes: what
 * Windows delivers for a `MESSNGR` mailslot, 432 - roundup4(7)
 * (MS-MAIL note <2>, PROTOCOL.md §3.5).
 *
 * Since: 0.1
 */
#define MSGR_MAILSLOT_MAX_BODY 424

/**
 * MSGR_MAILSLOT_MAX_NAME:
 *
 * Longest From and To the builder writes (MS-MSRP §2.2.3.1.1: 15 bytes). The
 * parser accepts up to %MSGR_MAILSLOT_MAX_FIELD.
 *
 * Since: 0.1
 */
#define MSGR_MAILSLOT_MAX_NAME 15

/**
 * MSGR_MAILSLOT_MAX_FIELD:
 *
 * Longest From or To the parser accepts: third-party senders write longer
 * names than Windows does.
 *
 * Since: 0.1
 */
#define MSGR_MAILSLOT_MAX_FIELD 255

/**
 * MsgrMailslotParams:
 * @smb_flags: SMB header Flags; MS-MAIL says SHOULD 0x18, Samba and the
 *   Windows browser send 0x00
 * @smb_flags2: SMB header Flags2; SHOULD 0x0004, 0x0000 seen
 * @pid_high: PIDHigh
 * @tid: TID
 * @pid_low: PIDLow; SHOULD 0xFEFF from Windows clients
 * @uid: UID
 * @mid: MID
 * @max_parameter_count: MaxParameterCount (Windows clients send 2)
 * @max_data_count: MaxDataCount
 * @max_setup_count: MaxSetupCount
 * @trans_flags: transaction Flags (0x0002 NO_RESPONSE in MS-MAIL's example)
 * @timeout_ms: Timeout (1000 from Samba4 and the Windows browser)
 * @parameter_offset_is_data_offset: ParameterOffset = DataOffset rather
 *   than 0 (both seen)
 * @priority: Setup[1], 0-9 (0 Windows, 1 Samba4)
 * @mailslot_class: Setup[2], 2 = second class (datagrams always use 2)
 * @padding: bytes between the mailslot name and the data (MS-MAIL aligns
 *   the data to 4; Samba and the Windows browser do not pad), or
 *   %MSGR_MAILSLOT_PAD_ALIGN4 to have the builder align DataOffset to 4
 *
 * The header values of a mailslot write that receivers ignore (PROTOCOL.md
 * §3.2, §8 items 11-12). Parsing fills them so that a message can be rebuilt
 * byte for byte; msgr_mailslot_params_init() gives values for sending.
 * Status, SecurityFeatures and the reserved fields are always 0 when built
 * and ignored when parsed.
 *
 * Since: 0.1
 */
typedef struct {
  guint8 smb_flags;
  guint16 smb_flags2;
  guint16 pid_high;
  guint16 tid;
  guint16 pid_low;
  guint16 uid;
  guint16 mid;
  guint16 max_parameter_count;
  guint16 max_data_count;
  guint8 max_setup_count;
  guint16 trans_flags;
  guint32 timeout_ms;
  gboolean parameter_offset_is_data_offset;
  guint16 priority;
  guint16 mailslot_class;
  guint16 padding;
} MsgrMailslotParams;

/**
 * MSGR_MAILSLOT_PAD_ALIGN4:
 *
 * #MsgrMailslotParams.padding value asking the builder for as many padding
 * bytes as make DataOffset a multiple of 4 (MS-MAIL §2.2.1).
 *
 * Since: 0.1
 */
#define MSGR_MAILSLOT_PAD_ALIGN4 0xffff

/**
 * MsgrMailslotStyle:
 * @MSGR_MAILSLOT_STYLE_MS_MAIL: the MS-MAIL SHOULD values and the layout of
 *   its §4 example (a Windows mailslot client): Flags 0x18, Flags2 0x0004,
 *   PIDLow 0xFEFF, MaxParameterCount 2, NO_RESPONSE, data aligned to 4.
 * @MSGR_MAILSLOT_STYLE_SAMBA: what Samba's python NDR sent in capture 10:
 *   all ids and flags 0, Timeout 1000, priority 1, no padding.
 *
 * Since: 0.1
 */
typedef enum {
  MSGR_MAILSLOT_STYLE_MS_MAIL,
  MSGR_MAILSLOT_STYLE_SAMBA,
} MsgrMailslotStyle;

void msgr_mailslot_params_init (MsgrMailslotParams *params, MsgrMailslotStyle style);

/**
 * MsgrMailslotWrite:
 * @params: header values
 * @mailslot: the mailslot name as sent, e.g. "\\MAILSLOT\\BROWSE"
 * @data: (nullable): the mailslot data (%NULL = empty)
 *
 * Any TRANS_MAILSLOT_WRITE (MS-CIFS §2.2.5.12), e.g. browser announcements.
 *
 * Since: 0.1
 */
typedef struct {
  MsgrMailslotParams params;
  char *mailslot;
  GBytes *data;
} MsgrMailslotWrite;

MsgrMailslotWrite *msgr_mailslot_write_new (void);
void msgr_mailslot_write_free (MsgrMailslotWrite *write);
gboolean msgr_mailslot_write_parse (const guint8 *data, gsize len, MsgrMailslotWrite **ret,
                                    GError **error);
gboolean msgr_mailslot_write_build (const MsgrMailslotWrite *write, GByteArray *out,
                                    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsgrMailslotWrite, msgr_mailslot_write_free)

/**
 * MsgrMailslotMessage:
 * @params: header values of the mailslot write
 * @from: raw OEM bytes of From, no NUL
 * @to: raw OEM bytes of To, no NUL
 * @text: raw OEM bytes of Text, no NUL (line breaks as sent)
 * @text_terminated: whether a NUL followed the text (senders should write
 *   it; receivers tolerate its absence, PROTOCOL.md §3.3)
 *
 * A Messenger message written to `\MAILSLOT\MESSNGR`. The three fields are
 * never %NULL after parsing or msgr_mailslot_message_new().
 *
 * Since: 0.1
 */
typedef struct {
  MsgrMailslotParams params;
  GBytes *from;
  GBytes *to;
  GBytes *text;
  gboolean text_terminated;
} MsgrMailslotMessage;

MsgrMailslotMessage *msgr_mailslot_message_new (const guint8 *from, gsize from_len,
                                                const guint8 *to, gsize to_len,
                                                const guint8 *text, gsize text_len);
void msgr_mailslot_message_free (MsgrMailslotMessage *msg);
gboolean msgr_mailslot_message_equal (const MsgrMailslotMessage *a, const MsgrMailslotMessage *b);

gboolean msgr_mailslot_parse (const guint8 *dgram_user_data, gsize len,
                              MsgrMailslotMessage **ret, GError **error);
gboolean msgr_mailslot_build (const MsgrMailslotMessage *msg, GByteArray *out, GError **error);

gboolean msgr_mailslot_parse_datagram (const guint8 *udp_payload, gsize len,
                                       NbDgram **ret_dgram, MsgrMailslotMessage **ret_msg,
                                       GError **error);
gboolean msgr_mailslot_build_datagram (NbDgramType type, NbDgramNodeType node_type,
                                       guint16 dgm_id, guint32 source_ip, guint16 source_port,
                                       const NbName *source, const NbName *destination,
                                       const MsgrMailslotMessage *msg, GByteArray *out,
                                       GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsgrMailslotMessage, msgr_mailslot_message_free)

G_END_DECLS
