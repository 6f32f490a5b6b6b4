/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "netsend/brws-announce.h"
#include "netsend/nb-name.h"
#include "netsend/ns-errors.h"
#include "vectors.h"

/* Browser frames (MS-BRWS §2.2). Hand-made frames are annotated per field;
 * golden frames: nmbd's startup HostAnnouncements captured in
 * shared/vectors/samba (tests/vectors/brws/README.md) and the two Windows
 * frames of PROTOCOL.md §7.3 (zeek traces). */

/* HostAnnouncement of "NETSEND1", 12 minutes, workstation, comment "hi". */
static const guint8 host_announcement[] = {
  0x01,                                     /* 0: opcode HostAnnouncement */
  0x00,                                     /* 1: UpdateCount */
  0x80, 0xfc, 0x0a, 0x00,                   /* 2: Periodicity 720000 ms (LE) */
  'N', 'E', 'T', 'S', 'E', 'N', 'D', '1',   /* 6: ServerName ... */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 14: ... NUL-padded */
  0x06, 0x01,                               /* 22: OS version 6.1 */
  0x01, 0x00, 0x00, 0x00,                   /* 24: ServerType WORKSTATION */
  0x0f, 0x01,                               /* 28: browser version 15.1 */
  0x55, 0xaa,                               /* 30: Signature 0xAA55 (LE) */
  'h', 'i', 0x00,                           /* 32: Comment "hi" + NUL */
};

/* DomainAnnouncement of workgroup "WG" by master "MB" (MS-BRWS §2.2.7). */
static const guint8 domain_announcement[] = {
  0x0c,                                     /* 0: opcode DomainAnnouncement */
  0x00,                                     /* 1: UpdateCount */
  0x60, 0xea, 0x00, 0x00,                   /* 2: Periodicity 60000 ms */
  'W', 'G', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 6: MachineGroup */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x03, 0x0a,                               /* 22: BrowserConfigVersion 3.10 (note <17>/<18>) */
  0x00, 0x10, 0x00, 0x80,                   /* 24: ServerType DOMAIN_ENUM | NT */
  0x0f, 0x01,                               /* 28: BrowserVersion 15.1 */
  0x55, 0xaa,                               /* 30: Signature */
  'M', 'B', 0x00,                           /* 32: LocalMasterBrowserName */
};

/* AnnouncementRequest as MS-BRWS §2.2.2 describes it. */
static const guint8 request_spec[] = {
  0x02,                                     /* 0: opcode AnnouncementRequest */
  0x00,                                     /* 1: Reserved */
  'P', 'E', 'E', 'R', 'A', 0x00,            /* 2: ResponseName "PEERA\0" */
};

/* AnnouncementRequest as nmbd builds it (broadcast_announce_request):
 * a workgroup token in Reserved, then a NUL, then the name without NUL. */
static const guint8 request_nmbd[] = {
  0x02,                                     /* 0: opcode */
  0x07,                                     /* 1: "Reserved" = token 7 */
  0x00, 'P', 'E', 'E', 'R', 'A',            /* 2: ResponseName as sent */
};

/* PROTOCOL.md §7.3: zeek Traces/smtp.pcap frame 60, a Windows XP
 * HostAnnouncement (UDP payload, 201 bytes). */
static const char smtp_host_announcement_hex[] =
  "11 02 80 de 0a 0a 01 14 00 8a 00 bb 00 00 20 45 4e 45 4a 46 45 43 4e 44 44 45 45 44 47 44 46 44"
  "46 45 42 45 42 44 41 44 4a 45 45 45 45 43 41 00 20 46 48 45 50 46 43 45 4c 45 48 46 43 45 50 46"
  "46 46 41 43 41 43 41 43 41 43 41 43 41 43 41 42 4e 00 ff 53 4d 42 25 00 00 00 00 00 00 00 00 00"
  "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 11 00 00 21 00 00 00 00 00 00 00 00 00 e8"
  "03 00 00 00 00 00 00 00 00 21 00 56 00 03 00 01 00 00 00 02 00 32 00 5c 4d 41 49 4c 53 4c 4f 54"
  "5c 42 52 4f 57 53 45 00 01 00 80 fc 0a 00 4d 49 54 2d 33 44 36 35 35 41 41 30 39 44 44 00 05 01"
  "03 10 03 00 0f 01 55 aa 00";

/* PROTOCOL.md §7.3: zeek Traces/tunnels/Teredo.pcap frame 1, a Windows
 * LocalMasterAnnouncement; the name field holds garbage (0x2c) after its
 * NUL. */
static const char teredo_local_master_hex[] =
  "11 02 86 61 c0 a8 02 10 00 8a 00 bb 00 00 20 45 46 46 44 46 46 46 43 45 4f 45 4a 46 43 43 4e 45"
  "4d 45 42 46 41 46 45 45 50 46 41 43 41 43 41 00 20 45 4e 46 44 45 49 45 50 45 4e 45 46 43 41 43"
  "41 43 41 43 41 43 41 43 41 43 41 43 41 43 41 42 4f 00 ff 53 4d 42 25 00 00 00 00 00 00 00 00 00"
  "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 11 00 00 21 00 00 00 00 00 00 00 00 00 e8"
  "03 00 00 00 00 00 00 00 00 21 00 56 00 03 00 01 00 00 00 02 00 32 00 5c 4d 41 49 4c 53 4c 4f 54"
  "5c 42 52 4f 57 53 45 00 0f 00 80 fc 0a 00 45 53 55 52 4e 49 52 2d 4c 41 50 54 4f 50 00 2c 05 01"
  "03 12 07 00 0f 01 55 aa 00";

static void
assert_code (GError *error, int code)
{
  assert_non_null (error);
  assert_true (error->domain == NS_CODEC_ERROR);
  if (error->code != code)
    fail_msg ("expected code %d, got %d: %s", code, error->code, error->message);
}

static void
assert_rebuilds (const BrwsAnnouncement *a, const guint8 *bytes, gsize len)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  assert_true (brws_announcement_build (a, out, &error));
  assert_null (error);
  assert_int_equal (out->len, len);
  assert_memory_equal (out->data, bytes, len);
}

static void
test_host_announcement_fields (void **state)
{
  g_autoptr (BrwsAnnouncement) a = NULL;
  g_autoptr (GError) error = NULL;

  (void) state;
  assert_true (brws_announcement_parse (host_announcement, sizeof host_announcement, &a, &error));
  assert_int_equal (a->opcode, BRWS_HOST_ANNOUNCEMENT);
  assert_int_equal (a->update_count, 0);
  assert_int_equal (a->periodicity_ms, 720000);
  assert_string_equal (a->name, "NETSEND1");
  assert_int_equal (a->version_major, 6);
  assert_int_equal (a->version_minor, 1);
  assert_int_equal (a->server_type, BRWS_SV_TYPE_WORKSTATION);
  assert_int_equal (a->browser_version_major, 0x0f);
  assert_int_equal (a->browser_version_minor, 0x01);
  assert_int_equal (a->signature, BRWS_SIGNATURE);
  assert_string_equal (a->comment, "hi");
  assert_rebuilds (a, host_announcement, sizeof host_announcement);
}

static void
test_host_announcement_built (void **state)
{
  g_autoptr (BrwsAnnouncement) a = brws_announcement_new (BRWS_HOST_ANNOUNCEMENT);
  g_autoptr (GError) error = NULL;

  (void) state;
  /* new() gives what a sender MUST write; the rest is ours to fill. */
  assert_true (brws_announcement_set_name (a, "NETSEND1", &error));
  a->periodicity_ms = 720000;
  a->version_major = 6;
  a->version_minor = 1;
  a->server_type = BRWS_SV_TYPE_WORKSTATION;
  g_free (a->comment);
  a->comment = g_strdup ("hi");
  assert_rebuilds (a, host_announcement, sizeof host_announcement);
}

static void
test_domain_announcement (void **state)
{
  g_autoptr (BrwsAnnouncement) a = NULL;
  g_autoptr (GError) error = NULL;

  (void) state;
  assert_true (brws_announcement_parse (domain_announcement, sizeof domain_announcement, &a,
                                        &error));
  assert_int_equal (a->opcode, BRWS_DOMAIN_ANNOUNCEMENT);
  assert_int_equal (a->periodicity_ms, 60000);
  assert_string_equal (a->name, "WG");
  assert_int_equal (a->version_major, 3);
  assert_int_equal (a->version_minor, 10);
  assert_int_equal (a->server_type, BRWS_SV_TYPE_DOMAIN_ENUM | BRWS_SV_TYPE_NT);
  assert_string_equal (a->comment, "MB");
  assert_rebuilds (a, domain_announcement, sizeof domain_announcement);
  /* A LocalMasterBrowserName is a name: 15 bytes at most when building. */
  g_free (a->comment);
  a->comment = g_strdup ("0123456789ABCDEF");
  {
    g_autoptr (GByteArray) out = g_byte_array_new ();

    g_byte_array_append (out, (const guint8 *) "x", 1);
    assert_false (brws_announcement_build (a, out, &error));
    assert_code (error, NS_CODEC_ERROR_MALFORMED);
    assert_int_equal (out->len, 1); /* untouched */
  }
}

static void
test_request_spec (void **state)
{
  g_autoptr (BrwsAnnouncementRequest) req = NULL;
  g_autoptr (BrwsAnnouncementRequest) made = brws_announcement_request_new ("PEERA");
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  guint8 opcode = 0;

  (void) state;
  assert_true (brws_frame_opcode (request_spec, sizeof request_spec, &opcode, &error));
  assert_int_equal (opcode, BRWS_ANNOUNCEMENT_REQUEST);
  assert_true (brws_announcement_request_parse (request_spec, sizeof request_spec, &req, &error));
  assert_int_equal (req->reserved, 0);
  assert_int_equal (g_bytes_get_size (req->response_name), 6);
  name = brws_announcement_request_dup_name (req);
  assert_string_equal (name, "PEERA");
  assert_true (brws_announcement_request_equal (req, made));
  assert_true (brws_announcement_request_build (made, out, &error));
  assert_int_equal (out->len, sizeof request_spec);
  assert_memory_equal (out->data, request_spec, sizeof request_spec);
}

static void
test_request_nmbd (void **state)
{
  g_autoptr (BrwsAnnouncementRequest) req = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;

  (void) state;
  /* Reserved and ResponseName are not judged (receivers MUST ignore the
   * name), so nmbd's layout parses and rebuilds as it came. */
  assert_true (brws_announcement_request_parse (request_nmbd, sizeof request_nmbd, &req, &error));
  assert_int_equal (req->reserved, 7);
  name = brws_announcement_request_dup_name (req);
  assert_string_equal (name, "PEERA");
  assert_true (brws_announcement_request_build (req, out, &error));
  assert_int_equal (out->len, sizeof request_nmbd);
  assert_memory_equal (out->data, request_nmbd, sizeof request_nmbd);
}

static void
test_request_refused (void **state)
{
  static const guint8 wrong_opcode[] = { 0x01, 0x00, 'A', 0x00 };
  guint8 big[2 + BRWS_STRING_PARSE_MAX + 2];
  g_autoptr (BrwsAnnouncementRequest) req = NULL;
  guint8 opcode = 0xee;

  (void) state;
  for (gsize n = 0; n < 2; n++) {
    g_autoptr (GError) error = NULL;

    assert_false (brws_announcement_request_parse (request_spec, n, &req, &error));
    assert_code (error, NS_CODEC_ERROR_TRUNCATED);
    assert_null (req);
  }
  {
    g_autoptr (GError) error = NULL;

    assert_false (brws_frame_opcode (request_spec, 0, &opcode, &error));
    assert_code (error, NS_CODEC_ERROR_TRUNCATED);
    assert_int_equal (opcode, 0xee);
  }
  {
    g_autoptr (GError) error = NULL;

    assert_false (brws_announcement_request_parse (wrong_opcode, sizeof wrong_opcode, &req,
                                                   &error));
    assert_code (error, NS_CODEC_ERROR_MALFORMED);
  }
  memset (big, 'A', sizeof big);
  big[0] = BRWS_ANNOUNCEMENT_REQUEST;
  {
    g_autoptr (GError) error = NULL;

    assert_true (brws_announcement_request_parse (big, sizeof big - 1, &req, &error));
    g_clear_pointer (&req, brws_announcement_request_free);
    assert_false (brws_announcement_request_parse (big, sizeof big, &req, &error));
    assert_code (error, NS_CODEC_ERROR_TOO_LARGE);
    assert_null (req);
  }
}

/* Every proper prefix of a valid announcement is truncated. */
static void
test_truncations (void **state)
{
  const struct { const guint8 *bytes; gsize len; } frames[] = {
    { host_announcement, sizeof host_announcement },
    { domain_announcement, sizeof domain_announcement },
  };

  (void) state;
  for (gsize f = 0; f < G_N_ELEMENTS (frames); f++) {
    for (gsize n = 0; n < frames[f].len; n++) {
      g_autoptr (BrwsAnnouncement) a = NULL;
      g_autoptr (GError) error = NULL;

      if (brws_announcement_parse (frames[f].bytes, n, &a, &error))
        fail_msg ("frame %" G_GSIZE_FORMAT " cut to %" G_GSIZE_FORMAT " bytes parsed", f, n);
      assert_null (a);
      assert_code (error, NS_CODEC_ERROR_TRUNCATED);
    }
  }
}

static void
test_malformed (void **state)
{
  guint8 buf[sizeof host_announcement + 300];
  g_autoptr (BrwsAnnouncement) a = NULL;

  (void) state;
  /* Another opcode. */
  memcpy (buf, host_announcement, sizeof host_announcement);
  buf[0] = 0x08; /* RequestElection */
  {
    g_autoptr (GError) error = NULL;

    assert_false (brws_announcement_parse (buf, sizeof host_announcement, &a, &error));
    assert_code (error, NS_CODEC_ERROR_MALFORMED);
  }
  /* A name field of 16 bytes without NUL. */
  memcpy (buf, host_announcement, sizeof host_announcement);
  memset (buf + 6, 'X', 16);
  {
    g_autoptr (GError) error = NULL;

    assert_false (brws_announcement_parse (buf, sizeof host_announcement, &a, &error));
    assert_code (error, NS_CODEC_ERROR_MALFORMED);
  }
  /* A byte after the comment's NUL. */
  memcpy (buf, host_announcement, sizeof host_announcement);
  buf[sizeof host_announcement] = 'z';
  {
    g_autoptr (GError) error = NULL;

    assert_false (brws_announcement_parse (buf, sizeof host_announcement + 1, &a, &error));
    assert_code (error, NS_CODEC_ERROR_TRAILING_DATA);
  }
  /* A comment of 256 bytes with no NUL within BRWS_STRING_PARSE_MAX + 1. */
  memcpy (buf, host_announcement, 32);
  memset (buf + 32, 'c', 257);
  buf[32 + 257] = 0;
  {
    g_autoptr (GError) error = NULL;

    assert_false (brws_announcement_parse (buf, 32 + 258, &a, &error));
    assert_code (error, NS_CODEC_ERROR_MALFORMED);
  }
  /* 255 bytes is accepted (nmbd sends up to 48). */
  buf[32 + 255] = 0;
  {
    g_autoptr (GError) error = NULL;

    assert_true (brws_announcement_parse (buf, 32 + 256, &a, &error));
    assert_int_equal (strlen (a->comment), 255);
  }
}

static void
test_build_refused (void **state)
{
  g_autoptr (BrwsAnnouncement) a = brws_announcement_new (BRWS_HOST_ANNOUNCEMENT);
  g_autoptr (GByteArray) out = g_byte_array_new ();

  (void) state;
  {
    g_autoptr (GError) error = NULL;

    /* No name yet. */
    assert_false (brws_announcement_build (a, out, &error));
    assert_code (error, NS_CODEC_ERROR_MALFORMED);
    assert_int_equal (out->len, 0);
  }
  {
    g_autoptr (GError) error = NULL;

    assert_false (brws_announcement_set_name (a, "0123456789ABCDEF", &error));
    assert_code (error, NS_CODEC_ERROR_INVALID_NAME);
    assert_int_equal (a->name[0], 0); /* unchanged */
  }
  {
    g_autoptr (GError) error = NULL;

    assert_true (brws_announcement_set_name (a, "0123456789ABCDE", &error));
    g_free (a->comment);
    /* 42 bytes of text is the most (43 with the NUL, MS-BRWS §2.2.1). */
    a->comment = g_strnfill (42, 'c');
    assert_true (brws_announcement_build (a, out, &error));
    assert_int_equal (out->len, 32 + 43);
    g_free (a->comment);
    a->comment = g_strnfill (43, 'c');
    assert_false (brws_announcement_build (a, out, &error));
    assert_code (error, NS_CODEC_ERROR_MALFORMED);
    assert_int_equal (out->len, 32 + 43);
  }
}

static void
assert_params_equal (const MsgrMailslotParams *a, const MsgrMailslotParams *b)
{
  assert_int_equal (a->smb_flags, b->smb_flags);
  assert_int_equal (a->smb_flags2, b->smb_flags2);
  assert_int_equal (a->pid_high, b->pid_high);
  assert_int_equal (a->tid, b->tid);
  assert_int_equal (a->pid_low, b->pid_low);
  assert_int_equal (a->uid, b->uid);
  assert_int_equal (a->mid, b->mid);
  assert_int_equal (a->max_parameter_count, b->max_parameter_count);
  assert_int_equal (a->max_data_count, b->max_data_count);
  assert_int_equal (a->max_setup_count, b->max_setup_count);
  assert_int_equal (a->trans_flags, b->trans_flags);
  assert_int_equal (a->timeout_ms, b->timeout_ms);
  assert_int_equal (!a->parameter_offset_is_data_offset, !b->parameter_offset_is_data_offset);
  assert_int_equal (a->priority, b->priority);
  assert_int_equal (a->mailslot_class, b->mailslot_class);
  assert_int_equal (a->padding, b->padding);
}

/* The golden datagrams: parse, check, rebuild the whole UDP payload. */
static void
check_roundtrip (const guint8 *udp, gsize len, NbDgram **ret_d, MsgrMailslotWrite **ret_w,
                 BrwsAnnouncement **ret_a)
{
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (BrwsAnnouncement) a = NULL;
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  if (!brws_parse_datagram (udp, len, &d, &w, &error))
    fail_msg ("golden datagram refused: %s", error->message);
  assert_true (brws_announcement_parse (g_bytes_get_data (w->data, NULL),
                                        g_bytes_get_size (w->data), &a, &error));
  assert_true (brws_announcement_build (a, frame, &error));
  assert_true (brws_build_datagram (d, &w->params, frame->data, frame->len, out, &error));
  assert_int_equal (out->len, len);
  assert_memory_equal (out->data, udp, len);
  /* Every prefix of the datagram is refused. */
  for (gsize n = 0; n < len; n++) {
    g_autoptr (NbDgram) d2 = NULL;
    g_autoptr (MsgrMailslotWrite) w2 = NULL;
    g_autoptr (BrwsAnnouncement) a2 = NULL;
    g_autoptr (GError) e2 = NULL;

    if (brws_parse_datagram (udp, n, &d2, &w2, &e2)
        && brws_announcement_parse (g_bytes_get_data (w2->data, NULL),
                                    g_bytes_get_size (w2->data), &a2, &e2))
      fail_msg ("datagram cut to %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes accepted", n, len);
  }
  *ret_d = g_steal_pointer (&d);
  *ret_w = g_steal_pointer (&w);
  *ret_a = g_steal_pointer (&a);
}

static GBytes *
read_vector (const char *file)
{
  const char *root = g_getenv ("NETSEND_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  assert_non_null (root);
  path = g_build_filename (root, "tests", "vectors", "brws", file, NULL);
  if (!g_file_get_contents (path, &data, &len, &error))
    fail_msg ("%s", error->message);
  return g_bytes_new_take (data, len);
}

static void
assert_name (const NbName *name, const char *display)
{
  g_autofree char *s = nb_name_to_display (name, NULL);

  assert_string_equal (s, display);
}

/* nmbd 4.17 at startup (capture 01 frame 6, capture 09 frames 6 and 42). */
static void
test_golden_samba (void **state)
{
  static const struct {
    const char *file, *name, *comment;
    guint16 dgm_id;
    guint32 ip;
  } caps[] = {
    { "samba-01-host-announcement-peera.bin", "PEERA", "peerlan h1", 0x547e, 0x0a630001 },
    { "samba-09-host-announcement-peerwins.bin", "PEERWINS", "peerlan h3", 0x54b3, 0x0a630003 },
    { "samba-09-host-announcement-peercyr.bin", "PEERCYR", "peerlan h4", 0x54b9, 0x0a630004 },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (caps); i++) {
    g_autoptr (GBytes) udp = read_vector (caps[i].file);
    g_autoptr (NbDgram) d = NULL;
    g_autoptr (MsgrMailslotWrite) w = NULL;
    g_autoptr (BrwsAnnouncement) a = NULL;
    g_autofree char *src = g_strdup_printf ("%s<00>", caps[i].name);

    check_roundtrip (g_bytes_get_data (udp, NULL), g_bytes_get_size (udp), &d, &w, &a);
    /* Datagram: DIRECT_GROUP, FLAGS 0x0A (M node, F), from NAME<00> to
     * WORKGROUP<1D> (MS-BRWS §3.2.5.2), port 138. */
    assert_int_equal (d->type, NB_DGRAM_DIRECT_GROUP);
    assert_int_equal (d->flags, 0x0a);
    assert_int_equal (d->dgm_id, caps[i].dgm_id);
    assert_int_equal (d->source_ip, caps[i].ip);
    assert_int_equal (d->source_port, 138);
    assert_name (&d->source_name, src);
    assert_name (&d->destination_name, "PEERLAN<1d>");
    /* nmbd's mailslot header: Timeout 0 (not 1000), priority 1. */
    assert_int_equal (w->params.timeout_ms, 0);
    assert_int_equal (w->params.priority, 1);
    assert_int_equal (w->params.mailslot_class, 2);
    assert_int_equal (w->params.padding, 0);
    assert_int_equal (g_bytes_get_size (w->data), 43);
    /* The frame: first announcement, 1 minute (MS-BRWS §3.2.6). */
    assert_int_equal (a->opcode, BRWS_HOST_ANNOUNCEMENT);
    assert_int_equal (a->periodicity_ms, 60000);
    assert_string_equal (a->name, caps[i].name);
    for (gsize k = strlen (caps[i].name); k < BRWS_NAME_FIELD_LEN; k++)
      assert_int_equal (a->name[k], 0);
    assert_int_equal (a->version_major, 6); /* SAMBA_MAJOR_NBT_ANNOUNCE_VERSION */
    assert_int_equal (a->version_minor, 1);
    assert_int_equal (a->server_type, 0x00819a03);
    assert_int_equal (a->browser_version_major, 15);
    assert_int_equal (a->browser_version_minor, 1);
    assert_int_equal (a->signature, 0xaa55);
    assert_string_equal (a->comment, caps[i].comment);
  }
}

/* Windows (PROTOCOL.md §7.3): the MS-BRWS §4.1 header and its frames. */
static void
test_golden_windows (void **state)
{
  g_autoptr (GBytes) smtp = tv_hex (smtp_host_announcement_hex);
  g_autoptr (GBytes) teredo = tv_hex (teredo_local_master_hex);
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (BrwsAnnouncement) a = NULL;
  MsgrMailslotParams p;

  (void) state;
  check_roundtrip (g_bytes_get_data (smtp, NULL), g_bytes_get_size (smtp), &d, &w, &a);
  assert_int_equal (d->flags, 0x02);
  assert_name (&d->source_name, "MIT-3D655AA09DD<20>");
  assert_name (&d->destination_name, "WORKGROUP<1d>");
  assert_int_equal (a->opcode, BRWS_HOST_ANNOUNCEMENT);
  assert_int_equal (a->periodicity_ms, 720000);
  assert_string_equal (a->name, "MIT-3D655AA09DD");
  assert_int_equal (a->version_major, 5);
  assert_int_equal (a->version_minor, 1);
  assert_int_equal (a->server_type, 0x00031003);
  assert_string_equal (a->comment, ""); /* note <13>: a single 0x00 */
  /* brws_mailslot_params_init() is this header (MS-BRWS §4.1, §7.5). */
  brws_mailslot_params_init (&p);
  assert_params_equal (&p, &w->params);
  g_clear_pointer (&d, nb_dgram_free);
  g_clear_pointer (&w, msgr_mailslot_write_free);
  g_clear_pointer (&a, brws_announcement_free);

  check_roundtrip (g_bytes_get_data (teredo, NULL), g_bytes_get_size (teredo), &d, &w, &a);
  assert_name (&d->destination_name, "MSHOME<1e>");
  assert_int_equal (a->opcode, BRWS_LOCAL_MASTER_ANNOUNCEMENT);
  assert_int_equal (a->periodicity_ms, 720000);
  assert_string_equal (a->name, "ESURNIR-LAPTOP");
  assert_int_equal ((guint8) a->name[15], 0x2c); /* kept, so it rebuilds */
  assert_int_equal (a->server_type, 0x00071203);
  brws_mailslot_params_init (&p);
  assert_params_equal (&p, &w->params);
}

/* Another mailslot, or a datagram type without user data, is not ours. */
static void
test_datagram_refused (void **state)
{
  g_autoptr (GBytes) smtp = tv_hex (smtp_host_announcement_hex);
  g_autoptr (GByteArray) copy = g_byte_array_new ();
  g_autoptr (NbDgram) d = NULL;
  g_autoptr (MsgrMailslotWrite) w = NULL;
  g_autoptr (GError) error = NULL;
  guint8 *name;

  (void) state;
  g_byte_array_append (copy, g_bytes_get_data (smtp, NULL), (guint) g_bytes_get_size (smtp));
  name = NULL;
  for (guint i = 0; name == NULL && i + 6 <= copy->len; i++)
    if (memcmp (copy->data + i, "BROWSE", 6) == 0)
      name = copy->data + i;
  assert_non_null (name);
  memcpy (name, "LANMAN", 6);
  assert_false (brws_parse_datagram (copy->data, copy->len, &d, &w, &error));
  assert_code (error, NS_CODEC_ERROR_UNSUPPORTED);
  assert_null (d);
  assert_null (w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_host_announcement_fields),
    cmocka_unit_test (test_host_announcement_built),
    cmocka_unit_test (test_domain_announcement),
    cmocka_unit_test (test_request_spec),
    cmocka_unit_test (test_request_nmbd),
    cmocka_unit_test (test_request_refused),
    cmocka_unit_test (test_truncations),
    cmocka_unit_test (test_malformed),
    cmocka_unit_test (test_build_refused),
    cmocka_unit_test (test_golden_samba),
    cmocka_unit_test (test_golden_windows),
    cmocka_unit_test (test_datagram_refused),
  };

  return cmocka_run_group_tests_name ("brws-announce", tests, NULL, NULL);
}
