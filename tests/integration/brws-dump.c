/* SPDX-License-Identifier: GPL-3.0-or-later */

/* brws-dump: decodes browser datagrams with our own parsers, for the
 * integration tests. Reads lines "LABEL HEX" (HEX = a UDP payload) from
 * standard input and prints one line per datagram:
 *   LABEL OPCODE src=NAME<xx> dst=NAME<xx> ip=A.B.C.D port=N
 *     name=... type=0x........ periodicity=N os=M.m browser=M.m sig=0x.... comment=...
 * or "LABEL ERROR message". Exit status 0 if every line decoded. */

#include <stdio.h>
#include <string.h>

#include <netsend/brws-announce.h>
#include <netsend/nb-name.h>

static gboolean
dump (const char *label, const guint8 *data, gsize len)
{
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (BrwsAnnouncement) a = NULL;
  g_autoptr (BrwsAnnouncementRequest) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *src = NULL;
  g_autofree char *dst = NULL;
  const guint8 *frame;
  gsize frame_len = 0;
  guint8 opcode = 0;

  if (!brws_parse_datagram (data, len, &d, &w, &error)) {
    printf ("%s ERROR %s\n", label, error->message);
    return FALSE;
  }
  src = nb_name_to_display (&d->source_name, NULL);
  dst = nb_name_to_display (&d->destination_name, NULL);
  frame = g_bytes_get_data (w->data, &frame_len);
  if (!brws_frame_opcode (frame, frame_len, &opcode, &error)) {
    printf ("%s ERROR %s\n", label, error->message);
    return FALSE;
  }
  printf ("%s type=0x%02x flags=0x%02x src=%s dst=%s ip=%u.%u.%u.%u port=%u timeout=%u", label,
          d->type, d->flags, src, dst, d->source_ip >> 24, (d->source_ip >> 16) & 0xff,
          (d->source_ip >> 8) & 0xff, d->source_ip & 0xff, d->source_port, w->params.timeout_ms);
  if (opcode == BRWS_ANNOUNCEMENT_REQUEST) {
    g_autofree char *name = NULL;

    if (!brws_announcement_request_parse (frame, frame_len, &r, &error)) {
      printf (" ERROR %s\n", error->message);
      return FALSE;
    }
    name = brws_announcement_request_dup_name (r);
    printf (" AnnouncementRequest name=%s\n", name);
    return TRUE;
  }
  if (!brws_announcement_parse (frame, frame_len, &a, &error)) {
    printf (" ERROR %s\n", error->message);
    return FALSE;
  }
  printf (" %s name=%s servertype=0x%08x periodicity=%u os=%u.%u browser=%u.%u sig=0x%04x "
          "comment=%s\n",
          a->opcode == BRWS_HOST_ANNOUNCEMENT ? "HostAnnouncement"
          : a->opcode == BRWS_DOMAIN_ANNOUNCEMENT ? "DomainAnnouncement"
                                                  : "LocalMasterAnnouncement",
          a->name, a->server_type, a->periodicity_ms, a->version_major, a->version_minor,
          a->browser_version_major, a->browser_version_minor, a->signature, a->comment);
  return TRUE;
}

int
main (void)
{
  char line[70000];
  gboolean ok = TRUE;

  while (fgets (line, sizeof line, stdin) != NULL) {
    char *hex;
    g_autofree guint8 *data = NULL;
    gsize n;

    g_strstrip (line);
    hex = strchr (line, ' ');
    if (hex == NULL)
      continue;
    *hex++ = '\0';
    g_strstrip (hex);
    n = strlen (hex) / 2;
    data = g_malloc (n + 1);
    for (gsize i = 0; i < n; i++) {
      char byte[3] = { hex[2 * i], hex[2 * i + 1], 0 };

      if (!g_ascii_isxdigit (byte[0]) || !g_ascii_isxdigit (byte[1])) {
        printf ("%s ERROR not hex\n", line);
        ok = FALSE;
        n = 0;
        break;
      }
      data[i] = (guint8) g_ascii_strtoull (byte, NULL, 16);
    }
    if (n > 0 && !dump (line, data, n))
      ok = FALSE;
  }
  return ok ? 0 : 1;
}
