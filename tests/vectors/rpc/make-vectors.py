#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the NetrSendMessage test vectors of tests/vectors/rpc/ with code that
shares nothing with lib/codec: the 80-byte connectionless header is encoded by
Samba's pidl-generated NDR (python3-samba, samba.dcerpc.dcerpc.ncadg_packet)
and the stub by impacket's NDR engine (python3-impacket 0.10, NDRCALL + STR).
OEM text is encoded with Python's own cp850 codec, not iconv.

Run with Debian's interpreter from this directory:  /usr/bin/python3 make-vectors.py

Samba's ncadg_packet only knows the connection-oriented request body, so the
header is packed as a PING (empty body) with len set to the stub length, and
byte 1 (ptype) is then set to 0 (REQUEST); everything else is Samba's."""

import sys

from impacket.dcerpc.v5.dtypes import STR
from impacket.dcerpc.v5.ndr import NDRCALL
from samba.dcerpc import dcerpc, misc
from samba.ndr import ndr_pack

MSGSVCSEND = '5a7b91f8-ff00-11d0-a9b2-00c04fb6e6fc'


class NetrSendMessage(NDRCALL):
    # MS-MSRP 3.2.4.1: three [in, string] LPSTR, [ref] at top level, so each
    # is a bare conformant varying string with no referent id.
    opnum = 0
    structure = (
        ('From', STR),
        ('To', STR),
        ('Text', STR),
    )


def stub(frm, to, text):
    call = NetrSendMessage()
    call['From'] = frm + b'\0'
    call['To'] = to + b'\0'
    call['Text'] = text + b'\0'
    return call.getData()


def header(ptype, activity, body_len, seq=0, boot=0, flags1=0, serial=0):
    p = dcerpc.ncadg_packet()
    p.rpc_vers = 4
    p.ptype = dcerpc.DCERPC_PKT_PING
    p.pfc_flags = flags1
    p.ncadg_flags = 0
    p.drep = [0x10, 0, 0]
    p.serial_high = serial >> 8
    p.object = misc.GUID('00000000-0000-0000-0000-000000000000')
    p.iface = misc.GUID(MSGSVCSEND)
    p.activity = misc.GUID(activity)
    p.server_boot = boot
    p.iface_version = 1
    p.seq_num = seq
    p.opnum = 0
    p.ihint = 0xffff
    p.ahint = 0xffff
    p.len = body_len
    p.fragnum = 0
    p.auth_proto = 0
    p.serial_low = serial & 0xff
    p.u = dcerpc.ping()
    raw = bytearray(ndr_pack(p))
    assert len(raw) == 80
    raw[1] = ptype
    return bytes(raw)


def request(path, frm, to, text, activity, **kw):
    body = stub(frm, to, text)
    data = header(0, activity, len(body), **kw) + body
    with open(path, 'wb') as f:
        f.write(data)
    print(f'{path}: {len(data)} bytes')


# 1. The derived example of PROTOCOL.md 7.8 (ALICE -> BOB "Hello").
request('netrsendmessage-ascii.bin', b'ALICE', b'BOB', b'Hello',
        '00112233-4455-6677-8899-aabbccddeeff')

# 2. CP850 text with a CR LF, non-zero seq/boot/serial, IDEMPOTENT flags1
#    and strings whose lengths need alignment padding.
request('netrsendmessage-cp850.bin', b'PEERA', b'PEERB',
        'Grüße aus Köln\r\nZeile 2'.encode('cp850'),
        '6f1c2d3e-4a5b-4c6d-8e9f-a0b1c2d3e4f5',
        seq=7, boot=0x12345678, flags1=0x20, serial=0x0103)

# 3. A PING for the call of vector 2, entirely Samba's encoding.
with open('ping.bin', 'wb') as f:
    f.write(header(1, '6f1c2d3e-4a5b-4c6d-8e9f-a0b1c2d3e4f5', 0, seq=7,
                   boot=0x12345678, serial=0x0104))
print('ping.bin: 80 bytes')
sys.exit(0)
