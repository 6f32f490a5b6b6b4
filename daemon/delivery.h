/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What happens to a message once it is in the inbox (issue 4, "Delivery
 * (after commit)"). The inbox calls ns_delivery_inbox_func() once per
 * newly stored message, after the sender got its final response; then:
 *
 *  - journal: one record with the fields NETSEND_ID, NETSEND_FROM,
 *    NETSEND_TO, NETSEND_SOURCE, NETSEND_TRANSPORT and MESSAGE_ID
 *    NS_DELIVERY_MESSAGE_ID, at notice level (the text itself only in a
 *    second record at debug level: STYLE.md practice 15);
 *  - D-Bus: the MessageReceived signal of the control API;
 *  - [delivery] terminals: delivery-tty.c;
 *  - [delivery] hook: the program run with GSubprocess (never through a
 *    shell), the fields in NETSEND_* environment variables
 *    (ns_delivery_hook_env()), the text on its stdin, in a session of its
 *    own, killed (with its process group) after [delivery] hook-timeout;
 *    at most NS_DELIVERY_MAX_HOOKS at once, NS_DELIVERY_HOOK_QUEUE_MAX
 *    waiting.
 *
 * Nothing here blocks the main loop, and no failure of a channel touches
 * the inbox: the message stays there, the failure is logged and counted
 * (GetStatus "delivery-*").
 *
 * It also serves ListMessages (the control API's read of the inbox) from a
 * read-only store handle in a worker thread. */

#include <gio/gio.h>

#include "config.h"
#include "control.h"
#include "store.h"

G_BEGIN_DECLS

/* The journal's MESSAGE_ID of "message received" records
 * (journalctl MESSAGE_ID=3a7f3ed4bf61400aa3f1c800ed534be4). */
#define NS_DELIVERY_MESSAGE_ID "3a7f3ed4bf61400aa3f1c800ed534be4"

#define NS_DELIVERY_MAX_HOOKS 4
#define NS_DELIVERY_HOOK_QUEUE_MAX 256
/* ListMessages calls served at once; more are refused (try again). */
#define NS_DELIVERY_MAX_LIST_CALLS 8

typedef struct _NsDelivery NsDelivery;

/* @config: the running configuration (not owned; [delivery] is read again
 * at each message, so a reload applies at once). @control (nullable, not
 * owned, must outlive the delivery) gets the signal and the ListMessages
 * handler. @store_path: the inbox, opened read-only per ListMessages. */
NsDelivery *ns_delivery_new (const NsDaemonConfig *config, NsControl *control,
                             const char *store_path);

/* Running hooks are left to finish on their own (their results are not
 * logged); queued ones are dropped. */
void ns_delivery_free (NsDelivery *delivery);

void ns_delivery_deliver (NsDelivery *delivery, const NsStoredMessage *msg);

/* ns_delivery_deliver() in the shape of NsInboxDeliveryFunc (inbox.h). */
void ns_delivery_inbox_func (const NsStoredMessage *msg, gpointer delivery);

/* Adds "notify-urgency" (s) and the delivery counters (t) to a GetStatus
 * a{sv} builder. */
void ns_delivery_add_status (NsDelivery *delivery, GVariantBuilder *builder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsDelivery, ns_delivery_free)

G_END_DECLS
