/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* [policy] verify-sender: is the claimed sender name registered at the
 * source address? Asked with a NetBIOS node status request back to the
 * source (RFC 1002 §4.2.17, what `nbtstat -A` sends) through the engine's
 * resolver, from an ephemeral UDP port (answers go back to the source port,
 * RFC 1002 §4.2.18, so no privilege is needed). Answers are cached per
 * address; concurrent checks of one address share one request. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long a node status answer (or the lack of one) is trusted. */
#define NS_VERIFY_CACHE_US (300 * G_USEC_PER_SEC)
#define NS_VERIFY_NEGATIVE_CACHE_US (30 * G_USEC_PER_SEC)
/* Addresses cached at most (the oldest entry goes first). */
#define NS_VERIFY_MAX_ENTRIES 1024

typedef struct _NsVerifier NsVerifier;

/* @verified: the sender name is a unique name in the source's node status;
 * otherwise @reason says why not ("no node status answer", "not among
 * its names"). Never called from inside ns_verifier_check(). */
typedef void (*NsVerifyFunc) (gboolean verified, const char *reason, gpointer user_data);

/* @port: the name-service port of the peers (137, or the test port);
 * @codepage: how names in the answers are decoded. */
NsVerifier *ns_verifier_new (guint16 port, const char *codepage, GError **error);
/* Pending checks are dropped: their @destroy runs, @func does not. */
void ns_verifier_free (NsVerifier *verifier);

/* Checks @from (UTF-8, compared case-insensitively without padding)
 * against the unique names of @source (IPv4, host byte order). @func is
 * called exactly once, later; or, if the verifier is freed first, only
 * @destroy (nullable) is, to free @user_data. */
void ns_verifier_check (NsVerifier *verifier, guint32 source, const char *from, NsVerifyFunc func,
                        gpointer user_data, GDestroyNotify destroy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NsVerifier, ns_verifier_free)

G_END_DECLS
