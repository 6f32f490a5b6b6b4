/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sender's error domain (<netsend/ns-send-errors.h>). It lives in the
 * engine layer because the pure delivery machines (msgr-smb-client.c,
 * msgr-rpc-client.c) report in this domain. */
#include "netsend/ns-send-errors.h"

G_DEFINE_QUARK (ns-send-error-quark, ns_send_error)

/* Windows codes (lmerr.h, winerror.h; PROTOCOL.md §6.5). */
#define ERROR_ACCESS_DENIED 5
#define ERROR_NOT_SUPPORTED 50
#define ERROR_REQ_NOT_ACCEP 71
#define ERROR_INVALID_PARAMETER 87
#define ERROR_SEM_TIMEOUT 121
#define ERROR_INVALID_NAME 123
#define ERROR_NO_UNICODE_TRANSLATION 1113
#define ERROR_CONNECTION_REFUSED 1225
#define ERROR_HOST_UNREACHABLE 1232
#define NERR_NetworkError 2136
#define NERR_InternalError 2140
#define NERR_NameNotFound 2273
#define NERR_PausedRemote 2281
#define NERR_BadReceive 2282
#define NERR_MsgNotStarted 2284

guint
ns_send_error_windows_code (NsSendError code)
{
  switch (code) {
    case NS_SEND_ERROR_FAILED: return NERR_InternalError;
    case NS_SEND_ERROR_INVALID_ARGUMENT: return ERROR_INVALID_PARAMETER;
    case NS_SEND_ERROR_INVALID_NAME: return ERROR_INVALID_NAME;
    case NS_SEND_ERROR_EMPTY_MESSAGE: return ERROR_INVALID_PARAMETER;
    case NS_SEND_ERROR_MESSAGE_TOO_LONG: return ERROR_INVALID_PARAMETER;
    case NS_SEND_ERROR_CONVERSION: return ERROR_NO_UNICODE_TRANSLATION;
    case NS_SEND_ERROR_NAME_NOT_FOUND: return NERR_NameNotFound;
    case NS_SEND_ERROR_HOST_UNREACHABLE: return ERROR_HOST_UNREACHABLE;
    case NS_SEND_ERROR_CONNECTION_REFUSED: return ERROR_CONNECTION_REFUSED;
    case NS_SEND_ERROR_TIMEOUT: return ERROR_SEM_TIMEOUT;
    case NS_SEND_ERROR_NOT_LISTENING_ON_CALLED: return NERR_NameNotFound;
    case NS_SEND_ERROR_NOT_LISTENING_FOR_CALLING: return ERROR_ACCESS_DENIED;
    case NS_SEND_ERROR_CALLED_NOT_PRESENT: return NERR_NameNotFound;
    case NS_SEND_ERROR_INSUFFICIENT_RESOURCES: return ERROR_REQ_NOT_ACCEP;
    case NS_SEND_ERROR_SESSION_REFUSED: return NERR_NetworkError;
    case NS_SEND_ERROR_MSG_OFF: return NERR_MsgNotStarted;
    case NS_SEND_ERROR_PAUSED: return NERR_PausedRemote;
    case NS_SEND_ERROR_NO_ROOM: return NERR_BadReceive;
    case NS_SEND_ERROR_ACCESS_DENIED: return ERROR_ACCESS_DENIED;
    case NS_SEND_ERROR_REMOTE: return NERR_NetworkError;
    case NS_SEND_ERROR_PROTOCOL: return NERR_NetworkError;
    case NS_SEND_ERROR_NETWORK: return NERR_NetworkError;
    case NS_SEND_ERROR_NOT_SUPPORTED: return ERROR_NOT_SUPPORTED;
    default: return NERR_InternalError;
  }
}

/* Texts from MS-ERREF §2.2 (Win32) and lmerr.h / MS-ERREF (NERR). */
static const struct {
  guint code;
  const char *text;
} windows_texts[] = {
  { 5, "Access is denied." },
  { 50, "The request is not supported." },
  { 71, "No more connections can be made to this remote computer at this time "
        "because there are already as many connections as the computer can accept." },
  { 87, "The parameter is incorrect." },
  { 121, "The semaphore timeout period has expired." },
  { 123, "The filename, directory name, or volume label syntax is incorrect." },
  { 1113, "No mapping for the Unicode character exists in the target multi-byte code page." },
  { 1225, "The remote computer refused the network connection." },
  { 1232, "The network location cannot be reached." },
  { 2136, "A general network error occurred." },
  { 2140, "An internal error occurred." },
  { 2273, "The message alias could not be found on the network." },
  { 2280, "An error occurred in the domain message processor." },
  { 2281, "The message was sent, but the recipient has paused the Messenger service." },
  { 2282, "The message was sent but not received." },
  { 2283, "The message alias is currently in use. Try again later." },
  { 2284, "The Messenger service has not been started." },
  { 2285, "The name is not on the local computer." },
  { 2289, "The broadcast message was truncated." },
  { 2297, "A duplicate message alias exists on the network." },
};

const char *
ns_windows_error_text (guint code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (windows_texts); i++) {
    if (windows_texts[i].code == code)
      return windows_texts[i].text;
  }
  return NULL;
}
