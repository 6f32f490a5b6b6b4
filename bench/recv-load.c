/* SPDX-License-Identifier: GPL-3.0-or-later */

/* recv-load: a Messenger load generator for the receive benchmarks
 * (bench/netsend-vs-samba.sh). C, so that the client is not what limits the
 * figure (the Python client smb_msg_client.py tops out at a few thousand
 * messages per second under the GIL).
 *
 *   recv-load --host IP --port 139 --to NAME [--from NAME] [--count N]
 *             [--concurrency C] [--deadline S] [--mode d0|multi]
 *             [--direct] [--size BYTES]
 *
 * Each of C threads sends messages the way smbclient -M and Windows do: one
 * TCP connection per message, the session request (port 139 framing), then
 * 0xD0 (Windows, text up to 128 bytes) or 0xD5 / 0xD7... / 0xD6 (Samba),
 * waiting for every response. A message counts when its final response (to
 * the 0xD0 or 0xD6) has success status; the receiver sends that response
 * only after the message is committed, so the time from the last byte of
 * the final request to its response is "last byte -> committed" (plus one
 * response on the wire). Prints one JSON object. Bounded by --count and
 * --deadline; every socket has a 10 s timeout.
 *
 * Frames are built here from the layouts (RFC 1002 §4.3.2, MS-MSRP
 * §2.2.3), like the other test senders: independent of the code measured. */

#include <glib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct {
  struct sockaddr_in addr;
  char *to;
  char *from;
  gboolean multi;
  gboolean direct;
  guint size;
  guint count;
  gint64 deadline_us;
  /* shared state */
  GMutex lock;
  guint next;
  guint sent;
  guint failed;
  GArray *commit_us; /* gint64: last byte of the final request -> its response */
  GArray *total_us;  /* gint64: connect -> final response */
  GHashTable *errors;
} Load;

static void
put_le16 (GByteArray *b, guint16 v)
{
  guint8 x[2] = { v & 0xff, v >> 8 };

  g_byte_array_append (b, x, 2);
}

/* RFC 1002 §4.1 first-level encoding, no scope: 34 bytes. */
static void
put_nb_name (GByteArray *b, const char *name, guint8 suffix)
{
  guint8 raw[16], out[34];

  memset (raw, ' ', 15);
  for (guint i = 0; i < 15 && name[i] != '\0'; i++)
    raw[i] = (guint8) g_ascii_toupper (name[i]);
  raw[15] = suffix;
  out[0] = 32;
  for (guint i = 0; i < 16; i++) {
    out[1 + 2 * i] = (guint8) ('A' + (raw[i] >> 4));
    out[2 + 2 * i] = (guint8) ('A' + (raw[i] & 0x0f));
  }
  out[33] = 0;
  g_byte_array_append (b, out, sizeof out);
}

/* An SMB (MS-CIFS §2.2.3.1 header, then words and bytes) framed for the
 * session service (type 0, 17-bit length) or direct hosting (24 bits). */
static GByteArray *
smb_frame (guint8 cmd, const guint8 *words, guint n_words, const guint8 *data, gsize len,
           gboolean direct)
{
  GByteArray *b = g_byte_array_new ();
  guint8 hdr[32] = { 0xff, 'S', 'M', 'B', cmd };
  gsize smb_len = sizeof hdr + 1 + 2 * n_words + 2 + len;
  guint8 nbss[4] = { 0, direct ? (smb_len >> 16) & 0xff : (smb_len >> 16) & 1,
                     (smb_len >> 8) & 0xff, smb_len & 0xff };

  hdr[26] = 0x34; /* PIDLow, as smbclient puts its pid there */
  g_byte_array_append (b, nbss, 4);
  g_byte_array_append (b, hdr, sizeof hdr);
  g_byte_array_append (b, (const guint8 *) &(guint8) { (guint8) n_words }, 1);
  g_byte_array_append (b, words, 2 * n_words);
  put_le16 (b, (guint16) len);
  g_byte_array_append (b, data, (guint) len);
  return b;
}

static gboolean
write_all (int fd, const guint8 *p, gsize n)
{
  while (n > 0) {
    ssize_t w = send (fd, p, n, MSG_NOSIGNAL);

    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return FALSE;
    p += w;
    n -= (gsize) w;
  }
  return TRUE;
}

static gboolean
read_all (int fd, guint8 *p, gsize n)
{
  while (n > 0) {
    ssize_t r = recv (fd, p, n, 0);

    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return FALSE;
    p += r;
    n -= (gsize) r;
  }
  return TRUE;
}

/* Reads one frame; checks an SMB response to @cmd with success status.
 * Returns the group id of a 0xD5 response (0 if none) in @ret_gid. */
static const char *
expect_ok (int fd, guint8 cmd, gboolean direct, guint16 *ret_gid)
{
  guint8 h[4], body[512];
  gsize len;

  if (!read_all (fd, h, 4))
    return "connection closed";
  len = direct ? ((gsize) h[1] << 16 | (gsize) h[2] << 8 | h[3])
               : ((gsize) (h[1] & 1) << 16 | (gsize) h[2] << 8 | h[3]);
  if (h[0] != 0 || len < 35 || len > sizeof body || !read_all (fd, body, len))
    return "bad response frame";
  if (memcmp (body, "\xffSMB", 4) != 0 || body[4] != cmd)
    return "response to another command";
  if (body[5] != 0 || body[6] != 0 || body[7] != 0 || body[8] != 0)
    return "error status";
  if (ret_gid != NULL)
    *ret_gid = body[32] >= 1 ? (guint16) (body[33] | body[34] << 8) : 0;
  return NULL;
}

static const char *
session_request (int fd, const Load *l)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint8 h[4] = { 0x81, 0, 0, 68 }, ans[5];

  g_byte_array_append (b, h, 4);
  put_nb_name (b, l->to, 0x03);
  put_nb_name (b, l->from, 0x00);
  if (!write_all (fd, b->data, b->len) || !read_all (fd, ans, 4))
    return "session request failed";
  if (ans[0] != 0x82)
    return "session refused";
  return NULL;
}

static GByteArray *
names_bytes (const Load *l)
{
  GByteArray *b = g_byte_array_new ();

  g_byte_array_append (b, (const guint8 *) "\x04", 1);
  g_byte_array_append (b, (const guint8 *) l->from, (guint) strlen (l->from) + 1);
  g_byte_array_append (b, (const guint8 *) "\x04", 1);
  g_byte_array_append (b, (const guint8 *) l->to, (guint) strlen (l->to) + 1);
  return b;
}

/* Sends the final request (0xD0 or 0xD6) and times its response. */
static const char *
final_request (int fd, GByteArray *frame, guint8 cmd, const Load *l, gint64 *ret_us)
{
  const char *why;
  gint64 t;

  if (!write_all (fd, frame->data, frame->len))
    return "send failed";
  t = g_get_monotonic_time ();
  why = expect_ok (fd, cmd, l->direct, NULL);
  *ret_us = g_get_monotonic_time () - t;
  return why;
}

static const char *
send_one (int fd, const Load *l, guint n, gint64 *ret_commit_us)
{
  g_autofree char *text = g_strdup_printf ("recv-load message %u ", n);
  g_autoptr (GByteArray) body = g_byte_array_new ();
  g_autoptr (GByteArray) names = names_bytes (l);
  const char *why;
  guint16 gid = 0;

  g_byte_array_append (body, (const guint8 *) text, (guint) strlen (text));
  while (body->len < l->size)
    g_byte_array_append (body, (const guint8 *) "x", 1);
  if (!l->direct && (why = session_request (fd, l)) != NULL)
    return why;
  if (!l->multi) {
    g_autoptr (GByteArray) data = g_byte_array_new ();
    g_autoptr (GByteArray) f = NULL;

    g_byte_array_append (data, names->data, names->len);
    g_byte_array_append (data, (const guint8 *) "\x01", 1);
    put_le16 (data, (guint16) MIN (body->len, 128));
    g_byte_array_append (data, body->data, MIN (body->len, 128));
    f = smb_frame (0xD0, NULL, 0, data->data, data->len, l->direct);
    return final_request (fd, f, 0xD0, l, ret_commit_us);
  }
  {
    g_autoptr (GByteArray) f = smb_frame (0xD5, NULL, 0, names->data, names->len, l->direct);

    if (!write_all (fd, f->data, f->len) || (why = expect_ok (fd, 0xD5, l->direct, &gid)) != NULL)
      return why != NULL ? why : "send failed";
  }
  for (guint off = 0; off < body->len; off += 127) {
    guint n_block = MIN (127, body->len - off);
    guint8 w[2] = { gid & 0xff, gid >> 8 };
    g_autoptr (GByteArray) data = g_byte_array_new ();
    g_autoptr (GByteArray) f = NULL;

    g_byte_array_append (data, (const guint8 *) "\x01", 1);
    put_le16 (data, (guint16) n_block);
    g_byte_array_append (data, body->data + off, n_block);
    f = smb_frame (0xD7, w, 1, data->data, data->len, l->direct);
    if (!write_all (fd, f->data, f->len) || (why = expect_ok (fd, 0xD7, l->direct, NULL)) != NULL)
      return why != NULL ? why : "send failed";
  }
  {
    guint8 w[2] = { gid & 0xff, gid >> 8 };
    g_autoptr (GByteArray) f = smb_frame (0xD6, w, 1, NULL, 0, l->direct);

    return final_request (fd, f, 0xD6, l, ret_commit_us);
  }
}

static const char *
deliver (Load *l, guint n, gint64 *ret_commit_us)
{
  struct timeval tv = { 10, 0 };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  const char *why;

  if (fd < 0)
    return "socket failed";
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect (fd, (struct sockaddr *) &l->addr, sizeof l->addr) < 0)
    why = "connect failed";
  else
    why = send_one (fd, l, n, ret_commit_us);
  close (fd);
  return why;
}

static gpointer
worker (gpointer data)
{
  Load *l = data;

  while (g_get_monotonic_time () < l->deadline_us) {
    guint n;
    gint64 t0 = g_get_monotonic_time (), commit = 0, total;
    const char *why;

    g_mutex_lock (&l->lock);
    n = l->next < l->count ? ++l->next : 0;
    g_mutex_unlock (&l->lock);
    if (n == 0)
      break;
    why = deliver (l, n, &commit);
    total = g_get_monotonic_time () - t0;
    g_mutex_lock (&l->lock);
    if (why == NULL) {
      l->sent++;
      g_array_append_val (l->commit_us, commit);
      g_array_append_val (l->total_us, total);
    } else {
      l->failed++;
      g_hash_table_replace (l->errors, (gpointer) why,
                            GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (l->errors, why)) + 1));
    }
    g_mutex_unlock (&l->lock);
  }
  return NULL;
}

static gint
cmp_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
print_dist (const char *name, GArray *v)
{
  double med = 0, p90 = 0, p99 = 0, max = 0;

  g_array_sort (v, cmp_gint64);
  if (v->len > 0) {
    med = g_array_index (v, gint64, v->len / 2) / 1000.0;
    p90 = g_array_index (v, gint64, MIN (v->len - 1, v->len * 9 / 10)) / 1000.0;
    p99 = g_array_index (v, gint64, MIN (v->len - 1, v->len * 99 / 100)) / 1000.0;
    max = g_array_index (v, gint64, v->len - 1) / 1000.0;
  }
  printf (", \"%s\": {\"median\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f}", name, med,
          p90, p99, max);
}

int
main (int argc, char **argv)
{
  g_autofree char *host = NULL, *mode = NULL;
  int port = 139, count = 1000, conc = 1, size = 40;
  double deadline = 60;
  gboolean direct = FALSE;
  Load l = { 0 };
  GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "Receiver address", "IP" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "TCP port (139)", "N" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &l.to, "Recipient name", "NAME" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &l.from, "Sender name (LOAD)", "NAME" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Messages (1000)", "N" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &conc, "Concurrent senders (1)", "C" },
    { "deadline", 0, 0, G_OPTION_ARG_DOUBLE, &deadline, "Seconds at most (60)", "S" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "d0 or multi (multi)", "MODE" },
    { "direct", 0, 0, G_OPTION_ARG_NONE, &direct, "Direct-hosted framing (port 445)", NULL },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Text bytes (40; d0: at most 128)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  gint64 t0, elapsed;
  gint64 start_ns;
  GHashTableIter it;
  gpointer k, v;
  gboolean first = TRUE;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || host == NULL || l.to == NULL) {
    fprintf (stderr, "recv-load: %s\n", error != NULL ? error->message : "--host and --to are required");
    return 2;
  }
  l.addr.sin_family = AF_INET;
  l.addr.sin_port = htons ((guint16) port);
  if (inet_pton (AF_INET, host, &l.addr.sin_addr) != 1) {
    fprintf (stderr, "recv-load: bad address %s\n", host);
    return 2;
  }
  if (l.from == NULL)
    l.from = g_strdup ("LOAD");
  l.multi = mode == NULL || g_str_equal (mode, "multi");
  l.direct = direct;
  l.size = (guint) CLAMP (size, 1, 4000);
  l.count = (guint) CLAMP (count, 1, 10000000);
  conc = CLAMP (conc, 1, 256);
  l.commit_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  l.total_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  l.errors = g_hash_table_new (g_str_hash, g_str_equal);
  g_mutex_init (&l.lock);
  start_ns = g_get_real_time () * 1000;
  t0 = g_get_monotonic_time ();
  l.deadline_us = t0 + (gint64) (CLAMP (deadline, 0.1, 600) * G_USEC_PER_SEC);
  for (int i = 0; i < conc; i++)
    g_ptr_array_add (threads, g_thread_new ("sender", worker, &l));
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  elapsed = g_get_monotonic_time () - t0;
  printf ("{\"sent\": %u, \"failed\": %u, \"elapsed_s\": %.3f, \"rate\": %.1f, \"t_start_ns\": %"
          G_GINT64_FORMAT, l.sent, l.failed, elapsed / 1e6, l.sent / (elapsed / 1e6), start_ns);
  print_dist ("commit_ms", l.commit_us);
  print_dist ("lat_ms", l.total_us);
  printf (", \"errors\": {");
  g_hash_table_iter_init (&it, l.errors);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    printf ("%s\"%s\": %u", first ? "" : ", ", (const char *) k, GPOINTER_TO_UINT (v));
    first = FALSE;
  }
  printf ("}}\n");
  g_free (l.to);
  g_free (l.from);
  return l.failed == 0 ? 0 : 1;
}
