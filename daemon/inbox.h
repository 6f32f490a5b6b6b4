/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The inbox: where the three receivers (receiver-smb.c, receiver-mailslot.c,
 * receiver-rpc.c) hand every reassembled message, and what decides its
 * fate (issue 4, "Policy" and "Durable inbox"):
 *
 *   decode      names and text from [text] codepage (default: dos-charset)
 *               to UTF-8, line breaks (0x14, CR LF, ...) to "\n", control
 *               characters neutralised (msgr_text_sanitize()); the raw bytes
 *               are stored as well;
 *   recipient   the To name must be one of our message names (unless the
 *               datagram went to our workgroup or to '*');
 *   policy      [policy] allow / allow-senders / deny-senders / recipients /
 *               max-message-bytes (policy.h);
 *   rate        [limits] token buckets per source and overall (ratelimit.h);
 *   verify      [policy] verify-sender: node status back to the source
 *               (verify.c);
 *   commit      GROUP COMMIT to the SQLite store ([store], store.h): the
 *               messages that arrive while a commit runs (or within
 *               [store] commit-window-ms) go into the next transaction, run
 *               in a worker thread so the main loop never blocks;
 *   done        only then the receiver's callback, which sends the final
 *               response (0xD0/0xD6 reply, RPC response);
 *   delivery    then the delivery function (journal, hook, terminals,
 *               D-Bus signal: the delivery module's), once per newly stored
 *               message.
 *
 * A refusal at any step calls the receiver's callback with the verdict
 * (it answers with an error or drops the datagram), is counted, and is
 * logged with its reason at a bounded rate; refused text is never stored or
 * logged. A store that fails (disk full, broken database) refuses with
 * NS_VERDICT_STORE_FAILURE and a loud log line; SQLite's transaction
 * keeps what is stored intact. */

#include <gio/gio.h>

#include "config.h"
#include "names.h"
#include "policy.h"
#include "store.h"

G_BEGIN_DECLS

/* Retention runs at start and then this often. */
#define NS_INBOX_PRUNE_INTERVAL_S 3600
/* Mailslot copies of one message (one per interface or transport of a
 * `net send *`, or a retransmission) arriving within this window are
 * stored once (PROTOCOL.md §3.6 step 5). */
#define NS_INBOX_MAILSLOT_DEDUP_US (10 * G_USEC_PER_SEC)

typedef struct _NsInbox NsInbox;

/**
 * NsInboxAddressing:
 * @NS_INBOX_TO_NAME: @to must be one of our message names (NAME<03>); an
 *   IPv4 literal equal to @local_address (smbclient -M 10.0.0.1) stands
 *   for the computer name
 * @NS_INBOX_TO_GROUP: the datagram went to our workgroup or to '*': @to is
 *   what the sender wrote and is not checked against our names
 *
 * How the recipient of a message is checked.
 */
typedef enum {
  NS_INBOX_TO_NAME,
  NS_INBOX_TO_GROUP,
} NsInboxAddressing;

/**
 * NsInboxSubmission:
 * @transport: the path the message arrived on
 * @source: the peer's IPv4 address (host byte order)
 * @port: the peer's port
 * @local_address: our address it arrived at (host byte order), 0 if unknown
 * @from: OriginatorName / From, raw OEM bytes, NUL-terminated
 * @to: DestinationName / To, raw OEM bytes, NUL-terminated
 * @text: (array length=text_len): the text, raw OEM bytes as received
 * @text_len: its length
 * @addressing: see #NsInboxAddressing
 * @fallback_to: (nullable): UTF-8 recipient to use when @to is empty (the
 *   datagram's destination name)
 * @dedup_window_us: > 0: identical messages within this window are stored
 *   once (store.h, NsStoredMessage.dedup_window_us)
 *
 * What a receiver knows about a message; the inbox copies what it keeps.
 */
typedef struct {
  NsTransportKind transport;
  guint32 source;
  guint16 port;
  guint32 local_address;
  const char *from;
  const char *to;
  const guint8 *text;
  gsize text_len;
  NsInboxAddressing addressing;
  const char *fallback_to;
  gint64 dedup_window_us;
} NsInboxSubmission;

/* The outcome of a submission: NS_VERDICT_ACCEPTED with the stored id (of
 * the earlier copy for a duplicate), or why it was refused (id 0). Never
 * called from inside ns_inbox_submit(). */
typedef void (*NsInboxDoneFunc) (NsVerdict verdict, gint64 id, gpointer user_data);

/**
 * NsInboxDeliveryFunc:
 * @msg: the message as stored (@msg->id set); valid during the call only
 *   (ns_stored_message_copy() keeps it)
 * @user_data: as given to ns_inbox_set_delivery_func()
 *
 * Called on the main thread once per newly stored message, after the
 * commit and after the receiver's final response went out, in id order;
 * not for duplicates, never for refused messages.
 */
typedef void (*NsInboxDeliveryFunc) (const NsStoredMessage *msg, gpointer user_data);

/* Opens the store ([store] path, with an integrity check; its directory is
 * created if missing), applies retention once, builds policy and rate
 * limits from @config (not owned; read again by ns_inbox_reload()). The
 * default allow list is the subnets of @ifaces (NsIface) plus loopback.
 * Call after the privilege drop, so that the store belongs to the daemon's
 * user. */
NsInbox *ns_inbox_new (const NsDaemonConfig *config, NsNames *names, const GPtrArray *ifaces,
                       GError **error);

/* Waits (bounded) for a running commit and completes its senders; messages
 * still queued are dropped unanswered (their user_data destroyed). */
void ns_inbox_free (NsInbox *inbox);

/* SIGHUP: rebuilds policy, rate limits and the verifier from the config's
 * live values. A policy that does not build keeps the old one. */
void ns_inbox_reload (NsInbox *inbox);

/* Starts the pipeline above for one message. @done (nullable: datagrams
 * that get no answer) is called exactly once, later; @destroy (nullable)
 * frees @user_data after it, or instead of it when the inbox is freed
 * first. */
void ns_inbox_submit (NsInbox *inbox, const NsInboxSubmission *submission, NsInboxDoneFunc done,
                      gpointer user_data, GDestroyNotify destroy);

/* A message a receiver refused before it was complete (an SMB multi-block
 * message over the size cap): counted and logged like the inbox's own
 * refusals. */
void ns_inbox_note_refused (NsInbox *inbox, NsTransportKind transport, guint32 source,
                            NsVerdict verdict, const char *detail);

/* Receivers count what they could not parse (GetStatus "malformed"). */
void ns_inbox_count_malformed (NsInbox *inbox, NsTransportKind transport, guint64 n);

/* The delivery module's hook (see #NsInboxDeliveryFunc). Replaces the
 * previous one (its @destroy is called); %NULL removes it. */
void ns_inbox_set_delivery_func (NsInbox *inbox, NsInboxDeliveryFunc func, gpointer user_data,
                                 GDestroyNotify destroy);

/* The store's path: readers (ListMessages, netmsg --store) open their own
 * NS_STORE_OPEN_READONLY handle on it. The inbox's NsStore belongs to its
 * worker thread and is never lent out. */
const char *ns_inbox_get_store_path (NsInbox *inbox);

/* Adds the inbox counters to a GetStatus a{sv} builder. */
void ns_inbox_add_status (NsInbox *inbox, GVariantBuilder *builder);

/* "from A to B via smb from 10.0.0.7" style summary for logs (no text). */
char *ns_inbox_describe (NsTransportKind transport, guint32 source, const char *from,
                         const char *to);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsInbox, ns_inbox_free)

G_END_DECLS
