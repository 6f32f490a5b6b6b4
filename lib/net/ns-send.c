/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sender: options, text rules, targets and the per-recipient sequence
 * resolve → deliver → result (see <netsend/ns-send.h>). */
#include "ns-send-private.h"

#include <string.h>

#include "netsend/msgr-text.h"
#include "netsend/nb-session.h"
#include "netsend/ns-errors.h"

/* Most parts --split makes: 64 × 652 bytes is far beyond any popup. */
#define MAX_SPLIT_PARTS 64

/* ---- Options and the sender -------------------------------------------- */

void
ns_sender_options_init (NsSenderOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof *opts);
  opts->node_type = NB_NODE_B;
  opts->transport = NS_SEND_TRANSPORT_AUTO;
  opts->blocks = NS_SEND_BLOCKS_AUTO;
  opts->use_host_resolver = TRUE;
}

/* Converts @utf8 to the OEM code page; the result must fit 15 bytes. With
 * @cut, longer names are cut at a character boundary instead of refused. */
static gboolean
name_to_oem (const char *utf8, const char *codepage, gboolean cut, char *ret, GError **error)
{
  const char *p = utf8;
  GString *acc = g_string_new (NULL);

  for (; *p != '\0'; p = g_utf8_next_char (p)) {
    g_autofree char *oem = NULL;
    gsize n = 0;
    gsize clen = (gsize) (g_utf8_next_char (p) - p);

    oem = g_convert_with_fallback (p, (gssize) clen, codepage, "UTF-8", "?", NULL, &n, NULL);
    if (oem == NULL || n == 0 || memchr (oem, '\0', n) != NULL) {
      g_string_free (acc, TRUE);
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_CONVERSION,
                   "cannot convert the name \"%s\" to %s", utf8, codepage);
      return FALSE;
    }
    if (acc->len + n > NB_NAME_MAX_CHARS) {
      if (cut)
        break;
      g_string_free (acc, TRUE);
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME,
                   "the name \"%s\" is longer than %d bytes in %s", utf8, NB_NAME_MAX_CHARS,
                   codepage);
      return FALSE;
    }
    g_string_append_len (acc, oem, (gssize) n);
  }
  if (acc->len == 0) {
    g_string_free (acc, TRUE);
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME, "empty name");
    return FALSE;
  }
  memcpy (ret, acc->str, acc->len + 1);
  g_string_free (acc, TRUE);
  return TRUE;
}

/* Our computer name: the host name's first label, upper case, at most 15
 * characters (what Samba's `netbios name` defaults to). */
static char *
default_netbios_name (void)
{
  g_autofree char *host = g_strdup (g_get_host_name ());
  char *dot = strchr (host, '.');

  if (dot != NULL)
    *dot = '\0';
  if (g_utf8_strlen (host, -1) > NB_NAME_MAX_CHARS)
    *g_utf8_offset_to_pointer (host, NB_NAME_MAX_CHARS) = '\0';
  return g_utf8_strup (host, -1);
}

static gboolean
setup_names (NsSender *sender, const NsSenderOptions *opts, GError **error)
{
  g_autoptr (GError) local = NULL;
  const char *from = opts->from != NULL ? opts->from : g_get_user_name ();

  if (!name_to_oem (from, sender->codepage, opts->from == NULL, sender->from_oem, error))
    return FALSE;
  sender->from_utf8 = g_strdup (from);

  sender->netbios_name = opts->netbios_name != NULL ? g_utf8_strup (opts->netbios_name, -1)
                                                    : default_netbios_name ();
  if (!nb_name_from_utf8 (&sender->calling, sender->netbios_name, NB_SUFFIX_WORKSTATION,
                          sender->codepage, &local)) {
    if (opts->netbios_name != NULL) {
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME,
                   "invalid NetBIOS name \"%s\": %s", opts->netbios_name, local->message);
      return FALSE;
    }
    /* A host name NetBIOS cannot carry: fall back to a fixed name. */
    g_free (sender->netbios_name);
    sender->netbios_name = g_strdup ("NETSEND");
    nb_name_from_utf8 (&sender->calling, sender->netbios_name, NB_SUFFIX_WORKSTATION,
                       sender->codepage, NULL);
  }

  sender->workgroup = g_utf8_strup (opts->workgroup != NULL ? opts->workgroup
                                                            : NS_SEND_DEFAULT_WORKGROUP, -1);
  {
    NbName check;

    if (!nb_name_from_utf8 (&check, sender->workgroup, NB_SUFFIX_WORKSTATION, sender->codepage,
                            &local)) {
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME,
                   "invalid workgroup \"%s\": %s", sender->workgroup, local->message);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
setup_ifaces (NsSender *sender, const NsSenderOptions *opts, GError **error)
{
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GError) local = NULL;

  if (opts->interfaces != NULL && opts->interfaces[0] != NULL) {
    if (!ns_ifaces_resolve (opts->interfaces, &sender->ifaces, &local)) {
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                   "interfaces: %s", local->message);
      return FALSE;
    }
    return TRUE;
  }
  /* No configuration: every non-loopback IPv4 interface that is up. */
  sender->ifaces = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_iface_free);
  if (!ns_ifaces_list (&all, &local)) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_NETWORK,
                 "cannot list the network interfaces: %s", local->message);
    return FALSE;
  }
  for (guint i = 0; i < all->len; i++) {
    const NsIface *iface = g_ptr_array_index (all, i);

    if (!iface->loopback)
      g_ptr_array_add (sender->ifaces, ns_iface_copy (iface));
  }
  return TRUE;
}

static gboolean
setup_wins (NsSender *sender, const NsSenderOptions *opts, GError **error)
{
  for (guint i = 0; opts->wins_servers != NULL && opts->wins_servers[i] != NULL; i++) {
    if (i >= NB_ENGINE_MAX_WINS_SERVERS) {
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                   "at most %d WINS servers", NB_ENGINE_MAX_WINS_SERVERS);
      return FALSE;
    }
    if (!ns_ipv4_from_string (opts->wins_servers[i], &sender->wins[i])
        || !ns_ipv4_is_unicast (sender->wins[i])) {
      g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                   "WINS server \"%s\" is not a unicast IPv4 address", opts->wins_servers[i]);
      return FALSE;
    }
    /* Fail-over goes down the list: a server twice would be asked twice. */
    for (guint j = 0; j < i; j++) {
      if (sender->wins[j] == sender->wins[i]) {
        g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                     "WINS server \"%s\" is listed twice", opts->wins_servers[i]);
        return FALSE;
      }
    }
    sender->n_wins = i + 1;
  }
  sender->node_type = opts->node_type;
  if (sender->n_wins > 0 && sender->node_type == NB_NODE_B)
    sender->node_type = NB_NODE_H; /* what Windows does with WINS configured */
  if (sender->n_wins == 0 && sender->node_type != NB_NODE_B) {
    if (sender->node_type == NB_NODE_P) {
      g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                           "a P-node needs a WINS server");
      return FALSE;
    }
    sender->node_type = NB_NODE_B;
  }
  return TRUE;
}

NsSender *
ns_sender_new (const NsSenderOptions *opts, GError **error)
{
  g_autoptr (NsSender) sender = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (opts != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  sender = g_new0 (NsSender, 1);
  sender->ref_count = 1;
  sender->context = g_main_context_ref_thread_default ();
  sender->multi_hosts = g_hash_table_new (NULL, NULL);
  sender->cancellable = g_cancellable_new ();
  /* "850" means CP850 (msgr-text.h); g_convert() needs the iconv name. */
  if (opts->codepage != NULL && opts->codepage[0] != '\0' &&
      strspn (opts->codepage, "0123456789") == strlen (opts->codepage))
    sender->codepage = g_strconcat ("CP", opts->codepage, NULL);
  else
    sender->codepage = g_strdup (opts->codepage != NULL ? opts->codepage
                                                        : MSGR_TEXT_DEFAULT_CODEPAGE);
  if (!msgr_text_codepage_check (sender->codepage, &local)) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_CONVERSION, "%s", local->message);
    return NULL;
  }
  if (!setup_names (sender, opts, error) || !setup_ifaces (sender, opts, error) ||
      !setup_wins (sender, opts, error))
    return NULL;
  if (opts->parallel > NS_SEND_MAX_PARALLEL) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_ARGUMENT,
                 "parallel must be at most %d", NS_SEND_MAX_PARALLEL);
    return NULL;
  }
  sender->address = g_strdup (opts->address);
  sender->timeout_us = (gint64) (opts->timeout_ms > 0 ? opts->timeout_ms
                                                      : NS_SEND_DEFAULT_TIMEOUT_MS) * 1000;
  sender->parallel = opts->parallel > 0 ? opts->parallel : NS_SEND_DEFAULT_PARALLEL;
  sender->port_ns = opts->port_ns > 0 ? opts->port_ns : NS_SEND_PORT_NS;
  sender->port_dgm = opts->port_dgm > 0 ? opts->port_dgm : NS_SEND_PORT_DGM;
  sender->port_ssn = opts->port_ssn > 0 ? opts->port_ssn : NS_SEND_PORT_SSN;
  sender->port_rpc = opts->port_rpc > 0 ? opts->port_rpc : NS_SEND_PORT_RPC;
  sender->transport = opts->transport;
  sender->blocks = opts->blocks;
  sender->split = opts->split;
  sender->reliable = opts->reliable;
  sender->use_host_resolver = opts->use_host_resolver;
  sender->hosts_file = g_strdup (opts->hosts_file);
  sender->next_dgm_id = (guint16) g_random_int ();
  return g_steal_pointer (&sender);
}

NsSender *
_ns_sender_ref (NsSender *sender)
{
  g_atomic_int_inc (&sender->ref_count);
  return sender;
}

void
_ns_sender_unref (NsSender *sender)
{
  if (sender == NULL || !g_atomic_int_dec_and_test (&sender->ref_count))
    return;
  g_clear_pointer (&sender->net, _ns_send_net_free);
  g_free (sender->from_utf8);
  g_free (sender->netbios_name);
  g_free (sender->workgroup);
  g_free (sender->codepage);
  g_clear_pointer (&sender->ifaces, g_ptr_array_unref);
  g_free (sender->address);
  g_free (sender->hosts_file);
  g_hash_table_unref (sender->multi_hosts);
  g_object_unref (sender->cancellable);
  g_main_context_unref (sender->context);
  g_free (sender);
}

void
ns_sender_free (NsSender *sender)
{
  if (sender == NULL)
    return;
  /* Running operations hold references; they end with CANCELLED. */
  g_cancellable_cancel (sender->cancellable);
  _ns_sender_unref (sender);
}

/* ---- Text ----------------------------------------------------------------- */

/* The message prepared once per send: the parts in OEM bytes with 0x14
 * line breaks (SMB, RPC), and the UTF-8 for the mailslot path, whose cap
 * depends on the recipient. Shared by the recipients of a fan-out. */
struct _NsSendText {
  gint ref_count;
  char *utf8;
  GPtrArray *parts; /* GBytes */
};

NsSendText *
_ns_send_text_ref (NsSendText *text)
{
  g_atomic_int_inc (&text->ref_count);
  return text;
}

void
_ns_send_text_unref (NsSendText *text)
{
  if (text == NULL || !g_atomic_int_dec_and_test (&text->ref_count))
    return;
  g_free (text->utf8);
  g_ptr_array_unref (text->parts);
  g_free (text);
}

static GError *
text_error (const GError *codec, const char *codepage)
{
  if (codec->domain == NS_CODEC_ERROR && codec->code == NS_CODEC_ERROR_EMPTY)
    return g_error_new_literal (NS_SEND_ERROR, NS_SEND_ERROR_EMPTY_MESSAGE,
                                "the message is empty");
  if (codec->domain == NS_CODEC_ERROR && codec->code == NS_CODEC_ERROR_TOO_LARGE)
    return g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_MESSAGE_TOO_LONG, "%s", codec->message);
  return g_error_new (NS_SEND_ERROR, NS_SEND_ERROR_CONVERSION, "%s (code page %s)",
                      codec->message, codepage);
}

/* Encodes for @line_break and applies the 652-byte rule, splitting when
 * allowed. @cap 0 = %MSGR_TEXT_MAX_SEND_BYTES. */
static GPtrArray *
encode_parts (NsSender *sender, const char *utf8, MsgrLineBreak line_break, gsize cap,
              GError **error)
{
  MsgrTextEncodeOptions options = MSGR_TEXT_ENCODE_OPTIONS_INIT;
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) whole = NULL;
  GPtrArray *parts;

  options.codepage = sender->codepage;
  options.line_break = line_break;
  options.max_bytes = 0;
  whole = msgr_text_encode (utf8, -1, &options, &local);
  if (whole == NULL) {
    *error = text_error (local, sender->codepage);
    return NULL;
  }
  if (cap == 0)
    cap = MSGR_TEXT_MAX_SEND_BYTES;
  if (g_bytes_get_size (whole) <= cap) {
    parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_ptr_array_add (parts, g_steal_pointer (&whole));
    return parts;
  }
  if (!sender->split) {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_MESSAGE_TOO_LONG,
                 "the message is %" G_GSIZE_FORMAT " bytes in %s; at most %" G_GSIZE_FORMAT
                 " can be sent (MS-MSRP 3.2.4.4); split it into several messages",
                 g_bytes_get_size (whole), sender->codepage, cap);
    return NULL;
  }
  options.max_bytes = cap;
  parts = msgr_text_split_numbered (utf8, -1, &options, MAX_SPLIT_PARTS, &local);
  if (parts == NULL)
    *error = text_error (local, sender->codepage);
  return parts;
}

NsSendText *
_ns_send_text_new (NsSender *sender, const char *utf8, GError **error)
{
  NsSendText *text;
  GPtrArray *parts;

  if (utf8 == NULL || !g_utf8_validate (utf8, -1, NULL)) {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_CONVERSION,
                         "the message is not valid UTF-8");
    return NULL;
  }
  /* MS-MSRP 2.2.3.1.1, notes <4>, <7>: SMB senders turn line breaks into
   * 0x14; we do the same for RPC so that both carry the same parts. */
  parts = encode_parts (sender, utf8, MSGR_LINE_BREAK_DC4, 0, error);
  if (parts == NULL)
    return NULL;
  text = g_new0 (NsSendText, 1);
  text->ref_count = 1;
  text->utf8 = g_strdup (utf8);
  text->parts = parts;
  return text;
}

gboolean
ns_sender_check_text (NsSender *sender, const char *text_utf8, guint *ret_n_parts,
                      GError **error)
{
  g_autoptr (NsSendText) text = NULL;

  g_return_val_if_fail (sender != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = _ns_send_text_new (sender, text_utf8, error);
  if (text == NULL)
    return FALSE;
  if (ret_n_parts != NULL)
    *ret_n_parts = text->parts->len;
  return TRUE;
}

/* The mailslot parts for one destination (CR LF line breaks, PROTOCOL.md
 * §5.2; the MESSNGR body cap, §3.5). */
static GPtrArray *
mailslot_parts (NsSender *sender, const NsSendText *text, const char *to_oem, GError **error)
{
  gsize cap = MIN (_ns_send_mailslot_text_cap (sender, to_oem), MSGR_TEXT_MAX_SEND_BYTES);

  return encode_parts (sender, text->utf8, MSGR_LINE_BREAK_CRLF, cap, error);
}

/* ---- Targets ---------------------------------------------------------------- */

typedef enum {
  TARGET_NAME,      /* a NetBIOS name: NAME<03> */
  TARGET_HOST,      /* a DNS host name: GResolver, called = its first label */
  TARGET_ADDRESS,   /* a dotted IPv4 address: node status for the name */
  TARGET_BROADCAST, /* *, /domain, /domain:NAME */
} TargetKind;

typedef struct {
  TargetKind kind;
  char *display;      /* recipient as reported */
  char *host;         /* TARGET_HOST / TARGET_ADDRESS: what to look up */
  NbName name;        /* NAME<03>, or DOMAIN<00> for a broadcast */
  char to_oem[NB_NAME_MAX_CHARS + 1];
} Target;

static void
target_clear (Target *target)
{
  g_clear_pointer (&target->display, g_free);
  g_clear_pointer (&target->host, g_free);
}

/* The 15 name bytes without padding: DestinationName (MS-MSRP 2.2.3.1.1). */
static void
name_bytes_oem (const NbName *name, char *ret)
{
  gsize len = NB_NAME_MAX_CHARS;

  while (len > 0 && (name->bytes[len - 1] == ' ' || name->bytes[len - 1] == '\0'))
    len--;
  memcpy (ret, name->bytes, len);
  ret[len] = '\0';
}

static gboolean
set_name (NsSender *sender, Target *target, const char *utf8, guint8 suffix, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!nb_name_from_utf8 (&target->name, utf8, suffix, sender->codepage, &local)) {
    g_set_error (error, NS_SEND_ERROR,
                 local->code == NS_CODEC_ERROR_CONVERSION ? NS_SEND_ERROR_CONVERSION
                                                          : NS_SEND_ERROR_INVALID_NAME,
                 "invalid recipient \"%s\": %s", utf8, local->message);
    return FALSE;
  }
  name_bytes_oem (&target->name, target->to_oem);
  return TRUE;
}

static gboolean
parse_broadcast (NsSender *sender, const char *spec, Target *target, GError **error)
{
  const char *domain = sender->workgroup;

  if (g_ascii_strncasecmp (spec, "/domain:", 8) == 0)
    domain = spec + 8;
  else if (strcmp (spec, "*") != 0 && g_ascii_strcasecmp (spec, "/domain") != 0)
    return FALSE;
  target->kind = TARGET_BROADCAST;
  /* §3.4: `net send *` and `/domain` go to DOMAIN<00>, the workgroup's
   * group name. Errata 16 notes DOMAIN<03> as a possibility; we do not
   * send both, since a receiver that accepts both would show it twice. */
  if (!set_name (sender, target, domain, NB_SUFFIX_WORKSTATION, error))
    return TRUE;
  target->display = g_strdup_printf ("/domain:%s", target->to_oem);
  return TRUE;
}

static gboolean
parse_target (NsSender *sender, const char *spec, Target *target, GError **error)
{
  guint32 ipv4;
  g_autoptr (GError) local = NULL;

  memset (target, 0, sizeof *target);
  if (spec == NULL || spec[0] == '\0') {
    g_set_error_literal (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME, "empty recipient");
    return FALSE;
  }
  if (parse_broadcast (sender, spec, target, &local)) {
    if (local == NULL)
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (ns_ipv4_from_string (spec, &ipv4)) {
    target->kind = TARGET_ADDRESS;
    target->host = g_strdup (spec);
    target->display = g_strdup (spec);
    return TRUE;
  }
  /* MS-MSRP 3.2.4.4: the recipient must not begin with '*'. */
  if (spec[0] == '*' || spec[0] == '/') {
    g_set_error (error, NS_SEND_ERROR, NS_SEND_ERROR_INVALID_NAME,
                 "invalid recipient \"%s\"", spec);
    return FALSE;
  }
  if (strchr (spec, '.') != NULL && sender->use_host_resolver) {
    /* A DNS name: called name = its first label (Samba's `netbios name`
     * default), looked up with the host resolver. */
    g_autofree char *label = g_strndup (spec, (gsize) (strchr (spec, '.') - spec));

    target->kind = TARGET_HOST;
    target->host = g_strdup (spec);
    target->display = g_strdup (spec);
    if (!set_name (sender, target, label, NB_SUFFIX_MESSENGER, error))
      return FALSE;
    return TRUE;
  }
  target->kind = TARGET_NAME;
  if (!set_name (sender, target, spec, NB_SUFFIX_MESSENGER, error))
    return FALSE;
  target->host = g_strdup (spec);
  target->display = nb_name_to_utf8 (&target->name, sender->codepage);
  return TRUE;
}

/* ---- One recipient ------------------------------------------------------------ */

typedef struct {
  NsSender *sender;
  GTask *task;
  GCancellable *cancellable; /* the caller's, may be NULL */
  Target target;
  NsSendText *text;
  GPtrArray *parts;          /* the parts for the chosen transport */
  gint64 start_us;
  gint64 deadline_us;        /* start + timeout: every stage ends by then */
  guint32 ipv4;
  gboolean have_address;
  NsSendTransport transport; /* the one used (never AUTO once chosen) */
  gboolean smb_works;        /* SMB delivered a part: no RPC fallback */
  guint part;
  guint n_sent;
  gboolean multi_block;
  GError *smb_error;         /* kept while the RPC fallback runs */
  char *addresses;           /* broadcast: where the datagrams went */
  char *ns_unreachable;      /* address target: why node status found no name */
} SendOp;

static void
send_op_free (SendOp *op)
{
  target_clear (&op->target);
  g_clear_pointer (&op->text, _ns_send_text_unref);
  g_clear_pointer (&op->parts, g_ptr_array_unref);
  g_clear_object (&op->cancellable);
  g_clear_error (&op->smb_error);
  g_free (op->addresses);
  g_free (op->ns_unreachable);
  _ns_sender_unref (op->sender);
  g_free (op);
}

static void deliver_part (SendOp *op);

static guint
windows_code_of (const GError *error)
{
  if (error == NULL)
    return 0;
  if (error->domain == NS_SEND_ERROR)
    return ns_send_error_windows_code ((NsSendError) error->code);
  return ns_send_error_windows_code (NS_SEND_ERROR_FAILED);
}

/* Completes @op with a result; takes @error. */
static void
send_op_complete (SendOp *op, NsSendOutcome outcome, GError *error, guint windows_code)
{
  NsSendResult *result = g_new0 (NsSendResult, 1);
  GTask *task = op->task;

  result->recipient = g_strdup (op->target.display);
  if (op->addresses != NULL)
    result->address = g_strdup (op->addresses);
  else if (op->have_address && op->ipv4 != 0)
    result->address = ns_ipv4_to_string (op->ipv4);
  result->transport = op->transport == NS_SEND_TRANSPORT_AUTO ? NS_SEND_TRANSPORT_SMB
                                                             : op->transport;
  result->outcome = outcome;
  result->error = error;
  result->windows_code = error == NULL ? 0 : windows_code != 0 ? windows_code
                                                               : windows_code_of (error);
  result->elapsed_us = g_get_monotonic_time () - op->start_us;
  result->n_parts = op->n_sent;
  result->multi_block = op->multi_block;
  op->task = NULL;
  g_task_return_pointer (task, result, (GDestroyNotify) ns_send_result_free);
  g_object_unref (task);
}

static void
send_op_fail (SendOp *op, GError *error, guint windows_code)
{
  if (op->parts != NULL && op->parts->len > 1 && error->domain == NS_SEND_ERROR)
    g_prefix_error (&error, "part %u of %u: ", op->part + 1, op->parts->len);
  if (op->ns_unreachable != NULL && error->domain == NS_SEND_ERROR) {
    /* Why *SMBSERVER was called: the host has no name service either. */
    GError *noted = g_error_new (error->domain, error->code, "%s; node status: %s",
                                 error->message, op->ns_unreachable);

    g_error_free (error);
    error = noted;
  }
  send_op_complete (op, NS_SEND_FAILED, error, windows_code);
}

static void
part_done (SendOp *op, NsSendOutcome outcome)
{
  op->n_sent++;
  op->part++;
  if (op->part < op->parts->len) {
    deliver_part (op);
    return;
  }
  send_op_complete (op, outcome, NULL, 0);
}

static void
on_rpc_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SendOp *op = user_data;
  GError *error = NULL;
  guint code = 0;
  gboolean answered = FALSE;

  if (_ns_send_rpc_finish (res, &code, &answered, &error)) {
    g_clear_error (&op->smb_error);
    part_done (op, NS_SEND_DELIVERED);
    return;
  }
  if (op->smb_error != NULL && !answered &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    /* Nobody on the RPC port either: the SMB failure says more. */
    GError *smb = g_error_new (op->smb_error->domain, op->smb_error->code,
                               "%s (RPC fallback: %s)", op->smb_error->message,
                               error->message);

    g_clear_error (&op->smb_error);
    g_clear_error (&error);
    op->transport = NS_SEND_TRANSPORT_SMB;
    send_op_fail (op, smb, 0);
    return;
  }
  g_clear_error (&op->smb_error);
  send_op_fail (op, error, code);
}

static void
deliver_rpc (SendOp *op)
{
  op->transport = NS_SEND_TRANSPORT_RPC;
  _ns_send_rpc_async (op->sender, op->ipv4, op->target.to_oem,
                      g_ptr_array_index (op->parts, op->part), op->deadline_us,
                      op->cancellable, on_rpc_done, op);
}

static void
on_smb_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SendOp *op = user_data;
  GError *error = NULL;
  gboolean multi = FALSE;
  gboolean connected = FALSE;

  if (_ns_send_smb_finish (res, &multi, &connected, &error)) {
    op->multi_block = op->multi_block || multi;
    op->smb_works = TRUE;
    part_done (op, NS_SEND_DELIVERED);
    return;
  }
  op->multi_block = op->multi_block || multi;
  /* MS-MSRP note <25>: when SMB delivery fails, Windows tries
   * NetrSendMessage. We do when the session could not be made (no
   * listener, refused, unreachable, timeout, negative response, SMB1
   * refused) — not when the receiver answered our SMB with an error. */
  if (op->sender->transport == NS_SEND_TRANSPORT_AUTO && !op->smb_works && !connected &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    /* The recipient's budget is one deadline: an SMB attempt that used it
     * up (a silent host) leaves nothing for NetrSendMessage. */
    if (g_get_monotonic_time () >= op->deadline_us) {
      GError *spent = g_error_new (error->domain, error->code,
                                   "%s (no time left for the RPC fallback)", error->message);

      g_error_free (error);
      send_op_fail (op, spent, 0);
      return;
    }
    op->smb_error = error;
    deliver_rpc (op);
    return;
  }
  send_op_fail (op, error, 0);
}

static MsgrSmbMode
smb_mode (SendOp *op)
{
  switch (op->sender->blocks) {
    case NS_SEND_BLOCKS_SINGLE: return MSGR_SMB_MODE_SINGLE;
    case NS_SEND_BLOCKS_MULTI: return MSGR_SMB_MODE_MULTI;
    default: break;
  }
  /* This host dropped a first 0xD0 earlier in the run (errata 3). */
  if (g_hash_table_contains (op->sender->multi_hosts, GUINT_TO_POINTER (op->ipv4)))
    return MSGR_SMB_MODE_MULTI;
  return MSGR_SMB_MODE_AUTO;
}

static void
deliver_mailslot_unique (SendOp *op)
{
  GError *error = NULL;

  if (!_ns_send_mailslot (op->sender, op->ipv4, &op->target.name, op->target.to_oem,
                          g_ptr_array_index (op->parts, op->part), NULL, &error)) {
    send_op_fail (op, error, 0);
    return;
  }
  part_done (op, NS_SEND_SENT);
}

static void
deliver_part (SendOp *op)
{
  NsSmbDelivery delivery;

  if (op->transport == NS_SEND_TRANSPORT_MAILSLOT) {
    deliver_mailslot_unique (op);
    return;
  }
  if (op->transport == NS_SEND_TRANSPORT_RPC) {
    deliver_rpc (op);
    return;
  }
  memset (&delivery, 0, sizeof delivery);
  delivery.ipv4 = op->ipv4;
  delivery.port = op->sender->port_ssn;
  delivery.called = op->target.name;
  delivery.to_oem = op->target.to_oem;
  delivery.text = g_ptr_array_index (op->parts, op->part);
  delivery.mode = smb_mode (op);
  delivery.deadline_us = op->deadline_us;
  _ns_send_smb_async (op->sender, &delivery, op->cancellable, on_smb_done, op);
}

static void
start_delivery (SendOp *op)
{
  GError *error = NULL;

  op->have_address = TRUE;
  op->transport = op->sender->transport;
  if (op->transport == NS_SEND_TRANSPORT_MAILSLOT) {
    op->parts = mailslot_parts (op->sender, op->text, op->target.to_oem, &error);
    if (op->parts == NULL) {
      send_op_fail (op, error, 0);
      return;
    }
  } else {
    op->parts = g_ptr_array_ref (op->text->parts);
  }
  deliver_part (op);
}

static void
on_node_status_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SendOp *op = user_data;
  GError *error = NULL;
  g_autofree char *name = _ns_send_node_status_finish (res, &error);

  if (error != NULL) {
    send_op_fail (op, error, 0);
    return;
  }
  op->ns_unreachable = g_strdup (_ns_send_node_status_unreachable (res));
  /* No <03> name known: "*SMBSERVER" is what SMB clients call a host
   * they know only by address; Samba answers any called name. */
  if (name == NULL || !set_name (op->sender, &op->target, name, NB_SUFFIX_MESSENGER, NULL)) {
    nb_name_from_utf8 (&op->target.name, "*SMBSERVER", NB_SUFFIX_SERVER, NULL, NULL);
    g_strlcpy (op->target.to_oem, op->target.host, sizeof op->target.to_oem);
  }
  start_delivery (op);
}

static void
on_resolved (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SendOp *op = user_data;
  GError *error = NULL;

  if (!_ns_send_resolve_finish (res, &op->ipv4, &error)) {
    send_op_fail (op, error, 0);
    return;
  }
  start_delivery (op);
}

static void
on_host_found (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SendOp *op = user_data;
  GError *error = NULL;

  if (!_ns_send_lookup_host_finish (res, &op->ipv4, &error)) {
    send_op_fail (op, error, 0);
    return;
  }
  op->have_address = TRUE;
  if (op->target.kind == TARGET_ADDRESS) {
    /* Only an address: ask the node for its <03> name (nbtstat -A). A
     * silent node must leave time to deliver: at most half of what is
     * left (then "*SMBSERVER" is called). */
    gint64 now = g_get_monotonic_time ();

    _ns_send_node_status_async (op->sender, op->ipv4, now + MAX (0, op->deadline_us - now) / 2,
                                op->cancellable, on_node_status_done, op);
    return;
  }
  start_delivery (op);
}

static void
send_one_broadcast (SendOp *op)
{
  GError *error = NULL;

  op->transport = NS_SEND_TRANSPORT_MAILSLOT;
  op->parts = mailslot_parts (op->sender, op->text, op->target.to_oem, &error);
  if (op->parts == NULL) {
    send_op_fail (op, error, 0);
    return;
  }
  for (; op->part < op->parts->len; op->part++) {
    g_clear_pointer (&op->addresses, g_free);
    if (!_ns_send_mailslot (op->sender, 0, &op->target.name, op->target.to_oem,
                            g_ptr_array_index (op->parts, op->part), &op->addresses,
                            &error)) {
      send_op_fail (op, error, 0);
      return;
    }
    op->n_sent++;
  }
  /* Unacknowledged datagrams: "sent", never "delivered" (§3.4). */
  send_op_complete (op, NS_SEND_SENT, NULL, 0);
}

static void
send_one_start (SendOp *op)
{
  NsSender *sender = op->sender;
  gint64 deadline = op->deadline_us;

  if (op->target.kind == TARGET_BROADCAST) {
    send_one_broadcast (op);
    return;
  }
  if (sender->address != NULL) {
    /* -I: deliver there without resolving (smbclient -I). */
    _ns_send_lookup_host_async (sender, sender->address, deadline, op->cancellable,
                                on_host_found, op);
    return;
  }
  switch (op->target.kind) {
    case TARGET_ADDRESS:
    case TARGET_HOST:
      _ns_send_lookup_host_async (sender, op->target.host, deadline, op->cancellable,
                                  on_host_found, op);
      break;
    case TARGET_NAME:
      _ns_send_resolve_async (sender, &op->target.name,
                              sender->use_host_resolver ? op->target.host : NULL, deadline,
                              op->cancellable, on_resolved, op);
      break;
    default:
      g_assert_not_reached ();
  }
}

/* Starts one recipient; @target was parsed by the caller. */
static void
send_one (NsSender *sender, Target *target, NsSendText *text, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
  SendOp *op = g_new0 (SendOp, 1);

  op->sender = _ns_sender_ref (sender);
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, send_one);
  /* A cancelled recipient still gets its result (fan-out reports it);
   * ns_sender_send_finish() turns that into the GIO error. */
  g_task_set_check_cancellable (op->task, FALSE);
  /* The task owns @op; send_op_complete() drops our task reference. */
  g_task_set_task_data (op->task, op, (GDestroyNotify) send_op_free);
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  op->target = *target;
  memset (target, 0, sizeof *target);
  op->text = _ns_send_text_ref (text);
  op->start_us = g_get_monotonic_time ();
  /* One budget per recipient for every stage: resolving, SMB, the RPC
   * fallback and each part of a split message. */
  op->deadline_us = op->start_us + sender->timeout_us;
  op->transport = sender->transport;
  /* @op may be gone after this (it lives as long as the task). */
  send_one_start (op);
}

/* ---- Public API ------------------------------------------------------------- */

void
_ns_send_one_async (NsSender *sender, const char *target, NsSendText *text,
                    GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data)
{
  GError *error = NULL;
  Target parsed;

  if (!parse_target (sender, target, &parsed, &error)) {
    g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
    NsSendResult *result = g_new0 (NsSendResult, 1);

    g_task_set_source_tag (task, send_one);
    result->recipient = g_strdup (target != NULL ? target : "");
    result->transport = sender->transport == NS_SEND_TRANSPORT_AUTO ? NS_SEND_TRANSPORT_SMB
                                                                    : sender->transport;
    result->outcome = NS_SEND_FAILED;
    result->windows_code = windows_code_of (error);
    result->error = error;
    g_task_return_pointer (task, result, (GDestroyNotify) ns_send_result_free);
    return;
  }
  send_one (sender, &parsed, text, cancellable, callback, user_data);
}

NsSendResult *
_ns_send_one_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ns_sender_send_async (NsSender *sender, const char *target, const char *text_utf8,
                      GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  g_autoptr (NsSendText) text = NULL;
  GError *error = NULL;
  Target parsed;

  g_return_if_fail (sender != NULL);

  text = _ns_send_text_new (sender, text_utf8, &error);
  if (text == NULL || !parse_target (sender, target, &parsed, &error)) {
    g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

    g_task_set_source_tag (task, send_one);
    g_task_return_error (task, error);
    return;
  }
  send_one (sender, &parsed, text, cancellable, callback, user_data);
}

NsSendResult *
ns_sender_send_finish (NsSender *sender, GAsyncResult *result, GError **error)
{
  NsSendResult *ret;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == send_one, NULL);

  ret = g_task_propagate_pointer (G_TASK (result), error);
  if (ret != NULL && g_error_matches (ret->error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, g_steal_pointer (&ret->error));
    g_clear_pointer (&ret, ns_send_result_free);
  }
  return ret;
}
