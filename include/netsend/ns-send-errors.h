/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Errors of sending (<netsend/ns-send.h>) and of the pure delivery machines
 * (<netsend/msgr-smb-client.h>, <netsend/msgr-rpc-client.h>), with the
 * Windows (NERR / Win32) code `net send` would report for each
 * (PROTOCOL.md §6.5). GLib only, so the engine layer can use it. */

#include <glib.h>

G_BEGIN_DECLS

/**
 * NS_SEND_ERROR:
 *
 * Error domain of the sender. Each code has the Windows (NERR / Win32)
 * code that `net send` would report, see ns_send_error_windows_code().
 *
 * Since: 0.1
 */
#define NS_SEND_ERROR (ns_send_error_quark ())

/**
 * NsSendError:
 * @NS_SEND_ERROR_FAILED: internal error (NERR_InternalError 2140)
 * @NS_SEND_ERROR_INVALID_ARGUMENT: bad option or target syntax
 *   (ERROR_INVALID_PARAMETER 87)
 * @NS_SEND_ERROR_INVALID_NAME: the recipient or sender is not a valid
 *   NetBIOS name, or starts with `*` (ERROR_INVALID_NAME 123)
 * @NS_SEND_ERROR_EMPTY_MESSAGE: no text (ERROR_INVALID_PARAMETER 87)
 * @NS_SEND_ERROR_MESSAGE_TOO_LONG: over 652 OEM bytes without split
 *   (ERROR_INVALID_PARAMETER 87)
 * @NS_SEND_ERROR_CONVERSION: the text has a character the code page lacks,
 *   or the code page is unknown (ERROR_NO_UNICODE_TRANSLATION 1113)
 * @NS_SEND_ERROR_NAME_NOT_FOUND: nobody answered for NAME<03> and the host
 *   resolver does not know it (NERR_NameNotFound 2273)
 * @NS_SEND_ERROR_HOST_UNREACHABLE: no route, host down
 *   (ERROR_HOST_UNREACHABLE 1232)
 * @NS_SEND_ERROR_CONNECTION_REFUSED: TCP connection refused and no
 *   fallback succeeded (ERROR_CONNECTION_REFUSED 1225)
 * @NS_SEND_ERROR_TIMEOUT: no answer within #NsSenderOptions.timeout_ms
 *   (ERROR_SEM_TIMEOUT 121)
 * @NS_SEND_ERROR_NOT_LISTENING_ON_CALLED: negative session response 0x80:
 *   the host has no listener for NAME<03> (NERR_NameNotFound 2273)
 * @NS_SEND_ERROR_NOT_LISTENING_FOR_CALLING: negative session response
 *   0x81: the host does not accept sessions from our calling name
 *   (ERROR_ACCESS_DENIED 5)
 * @NS_SEND_ERROR_CALLED_NOT_PRESENT: negative session response 0x82: the
 *   name is not registered there (NERR_NameNotFound 2273)
 * @NS_SEND_ERROR_INSUFFICIENT_RESOURCES: negative session response 0x83
 *   (ERROR_REQ_NOT_ACCEP 71)
 * @NS_SEND_ERROR_SESSION_REFUSED: negative session response 0x8F or any
 *   other code, or a retarget we did not follow (NERR_NetworkError 2136)
 * @NS_SEND_ERROR_MSG_OFF: the receiver does not take messages (SMB
 *   ERRSRV/ERRmsgoff, ERRDOS/71, NT_STATUS_REQUEST_NOT_ACCEPTED — Samba
 *   without `message command`) (NERR_MsgNotStarted 2284)
 * @NS_SEND_ERROR_PAUSED: ERRSRV/ERRpaused (NERR_PausedRemote 2281)
 * @NS_SEND_ERROR_NO_ROOM: ERRSRV/ERRnoroom, the receiver could not buffer
 *   the message (NERR_BadReceive 2282)
 * @NS_SEND_ERROR_ACCESS_DENIED: the receiver refused us (SMB access
 *   denied, RPC ERROR_ACCESS_DENIED) (ERROR_ACCESS_DENIED 5)
 * @NS_SEND_ERROR_REMOTE: the receiver answered with another error status;
 *   the message names it; for RPC the status is the Windows code itself
 *   (else NERR_NetworkError 2136)
 * @NS_SEND_ERROR_PROTOCOL: an answer we cannot parse, an unexpected answer,
 *   or the connection closed mid-exchange (NERR_NetworkError 2136,
 *   MS-MSRP note <28>)
 * @NS_SEND_ERROR_NETWORK: a local network error (socket, no interface)
 *   (NERR_NetworkError 2136)
 * @NS_SEND_ERROR_NOT_SUPPORTED: the request cannot apply here, e.g. a
 *   transport that cannot reach the target (ERROR_NOT_SUPPORTED 50)
 *
 * Codes of %NS_SEND_ERROR.
 *
 * Since: 0.1
 */
typedef enum {
  NS_SEND_ERROR_FAILED,
  NS_SEND_ERROR_INVALID_ARGUMENT,
  NS_SEND_ERROR_INVALID_NAME,
  NS_SEND_ERROR_EMPTY_MESSAGE,
  NS_SEND_ERROR_MESSAGE_TOO_LONG,
  NS_SEND_ERROR_CONVERSION,
  NS_SEND_ERROR_NAME_NOT_FOUND,
  NS_SEND_ERROR_HOST_UNREACHABLE,
  NS_SEND_ERROR_CONNECTION_REFUSED,
  NS_SEND_ERROR_TIMEOUT,
  NS_SEND_ERROR_NOT_LISTENING_ON_CALLED,
  NS_SEND_ERROR_NOT_LISTENING_FOR_CALLING,
  NS_SEND_ERROR_CALLED_NOT_PRESENT,
  NS_SEND_ERROR_INSUFFICIENT_RESOURCES,
  NS_SEND_ERROR_SESSION_REFUSED,
  NS_SEND_ERROR_MSG_OFF,
  NS_SEND_ERROR_PAUSED,
  NS_SEND_ERROR_NO_ROOM,
  NS_SEND_ERROR_ACCESS_DENIED,
  NS_SEND_ERROR_REMOTE,
  NS_SEND_ERROR_PROTOCOL,
  NS_SEND_ERROR_NETWORK,
  NS_SEND_ERROR_NOT_SUPPORTED,
} NsSendError;

GQuark ns_send_error_quark (void);

/**
 * ns_send_error_windows_code:
 * @code: a #NsSendError
 *
 * Returns: the NERR / Win32 code listed for @code in #NsSendError
 *
 * Since: 0.1
 */
guint ns_send_error_windows_code (NsSendError code);

/**
 * ns_windows_error_text:
 * @code: a NERR / Win32 code
 *
 * Returns: (nullable): the Windows text for @code (MS-ERREF; "The message
 *   alias could not be found on the network." for 2273), %NULL for codes
 *   this library does not know (static string)
 *
 * Since: 0.1
 */
const char *ns_windows_error_text (guint code);

G_END_DECLS
