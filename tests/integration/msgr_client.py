#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Messenger test sender for the receive tests: every frame is built here,
independently of netsend's codecs (byte layouts from PROTOCOL.md / RFC 1002 /
MS-MSRP / MS-MAIL / C706; the NetrSendMessage stub by python3-impacket's NDR).

  msgr_client.py smb --host H --port P [--direct] [--called NAME] [--mode d0|multi|negotiate]
                 --from F --to T (--text TEXT | --text-hex HEX) [--codepage CP] [--block N]
  msgr_client.py mailslot --host H --port P --dest NAME [--suffix 3] [--type unique|group|broadcast]
                 --from F --to T --text TEXT [--codepage CP] [--src-port N]
  msgr_client.py rpc --host H --port P --from F --to T --text TEXT [--codepage CP]
                 [--opnum N] [--iface UUID] [--fragments N] [--maybe] [--ping-after] [--ack]
  msgr_client.py junk --host H --tcp PORT[,PORT] --udp PORT[,PORT] --count N [--seed S]
  msgr_client.py flood --host H --port P --to T --count N --concurrency C --tag TAG [--deadline S]
  msgr_client.py rpc-burst --host H --port P --to T --count N

Each prints one JSON object (flood: one "ACK TAG SEQ" line per message whose
final response said success, flushed at once). Everything is bounded: socket
timeouts, counts, deadlines.
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import threading
import time

TIMEOUT = 10.0

# ---------------------------------------------------------------- NetBIOS


def nb_encode(name, suffix, pad=b' '):
    """Second-level encoded NetBIOS name, no scope (RFC 1002 §4.1)."""
    raw = name if isinstance(name, bytes) else name.upper().encode('ascii')
    raw = raw[:15].ljust(15, pad) + bytes([suffix])
    out = bytearray([32])
    for c in raw:
        out += bytes([0x41 + (c >> 4), 0x41 + (c & 0x0F)])
    return bytes(out) + b'\0'


# -------------------------------------------------------------------- SMB

def smb_header(cmd, pid=0x1234, mid=0, flags=0):
    # MS-CIFS §2.2.3.1: protocol, command, status, flags, flags2, PIDHigh,
    # signature, reserved, TID, PIDLow, UID, MID
    return (b'\xffSMB' + bytes([cmd]) + b'\0\0\0\0' + bytes([flags]) + b'\0\0' + b'\0\0'
            + b'\0' * 8 + b'\0\0' + b'\0\0' + struct.pack('<H', pid) + b'\0\0'
            + struct.pack('<H', mid))


def smb(cmd, words, data, mid=0):
    return (smb_header(cmd, mid=mid) + bytes([len(words) // 2]) + words
            + struct.pack('<H', len(data)) + data)


def frame(msg, direct):
    # NBSS session message (type 0, 17-bit length) or direct-hosted (0 + 24 bits)
    if direct:
        return struct.pack('>I', len(msg))
    return bytes([0, (len(msg) >> 16) & 1]) + struct.pack('>H', len(msg) & 0xFFFF)


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError('connection closed')
        buf += chunk
    return buf


def recv_frame(s, direct):
    hdr = recv_exact(s, 4)
    if direct:
        return 0, recv_exact(s, struct.unpack('>I', hdr)[0] & 0xFFFFFF)
    return hdr[0], recv_exact(s, ((hdr[1] & 1) << 16) | struct.unpack('>H', hdr[2:4])[0])


class SmbRefused(Exception):
    def __init__(self, cmd, status):
        super().__init__('0x%02x: status 0x%08x' % (cmd, status))
        self.cmd, self.status = cmd, status


def transact(s, direct, msg):
    s.sendall(frame(msg, direct) + msg)
    typ, reply = recv_frame(s, direct)
    if typ != 0 or len(reply) < 35 or reply[:4] != b'\xffSMB' or reply[4] != msg[4]:
        raise ConnectionError('unexpected reply to 0x%02x' % msg[4])
    if not reply[9] & 0x80:
        raise ConnectionError('reply without the REPLY flag')
    status = struct.unpack('<I', reply[5:9])[0]
    if status != 0:
        raise SmbRefused(msg[4], status)
    return reply


def session_request(s, called, calling, suffix=0x03):
    s.sendall(b'\x81\x00' + struct.pack('>H', 68) + nb_encode(called, suffix)
              + nb_encode(calling, 0x00))
    typ, body = recv_frame(s, False)
    if typ != 0x82:
        raise ConnectionError('session refused (0x%02x %s)' % (typ, body.hex()))


def asciiz(tag, b):
    return bytes([tag]) + b + b'\0'


def send_smb_message(host, port, direct, called, sender, to, text, mode='multi', block=127,
                     called_suffix=0x03):
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        if not direct:
            session_request(s, called, sender, called_suffix)
        if mode == 'negotiate':
            dialects = b''.join(asciiz(2, d) for d in (b'PC NETWORK PROGRAM 1.0', b'NT LM 0.12'))
            reply = transact(s, direct, smb(0x72, b'', dialects, mid=1))
            if reply[32] != 17 or struct.unpack('<H', reply[33:35])[0] != 1:
                raise ConnectionError('unexpected NEGOTIATE response')
        if mode in ('d0', 'negotiate'):
            data = asciiz(4, sender) + asciiz(4, to) + b'\x01' + struct.pack('<H', len(text)) + text
            transact(s, direct, smb(0xD0, b'', data, mid=2))
            return None
        reply = transact(s, direct, smb(0xD5, b'', asciiz(4, sender) + asciiz(4, to)))
        gid = struct.unpack('<H', reply[33:35])[0] if reply[32] >= 1 else 0
        for off in range(0, max(len(text), 1), block):
            chunk = text[off:off + block] or b'\0'
            transact(s, direct, smb(0xD7, struct.pack('<H', gid),
                                    b'\x01' + struct.pack('<H', len(chunk)) + chunk))
        transact(s, direct, smb(0xD6, struct.pack('<H', gid), b''))
        return gid


# --------------------------------------------------------------- mailslot

def mailslot_datagram(src_ip, src_port, sender, dest, suffix, dtype, frm, to, text):
    body = frm + b'\0' + to + b'\0' + text + b'\0'
    name = b'\\MAILSLOT\\MESSNGR\0'
    data_offset = 32 + 1 + 17 * 2 + 2 + len(name)
    words = struct.pack('<HHHHBBHIHHHHHBBHHH',
                        0, len(body), 0, 0, 0, 0, 0, 1000, 0,   # totals, max, flags, timeout
                        0, data_offset, len(body), data_offset,  # params, data
                        3, 0, 1, 1, 2)                            # setup: write, prio 1, class 2
    trans = smb_header(0x25, pid=0) + bytes([17]) + words + struct.pack('<H', len(name) + len(body)) \
        + name + body
    dest_name = b'*' + b'\0' * 15 if dtype == 0x12 else None
    names = nb_encode(sender, 0x00) + (nb_encode(dest_name[:15], dest_name[15], pad=b'\0')
                                        if dest_name else nb_encode(dest, suffix))
    hdr = struct.pack('>BBH4sHHH', dtype, 0x02, random.randint(0, 0xFFFF),
                      socket.inet_aton(src_ip), src_port, len(names) + len(trans), 0)
    return hdr + names + trans


# -------------------------------------------------------------------- RPC

MSGSVCSEND = '5A7B91F8-FF00-11D0-A9B2-00C04FB6E6FC'


def uuid_le(text):
    from impacket import uuid
    return uuid.uuidtup_to_bin((text, '1.0'))[:16]


def netr_send_message_stub(frm, to, text):
    from impacket.dcerpc.v5.ndr import NDRCALL
    from impacket.dcerpc.v5.dtypes import STR

    class NetrSendMessage(NDRCALL):
        opnum = 0
        structure = (('From', STR), ('To', STR), ('Text', STR))

    r = NetrSendMessage()
    r['From'] = frm + b'\0'
    r['To'] = to + b'\0'
    r['Text'] = text + b'\0'
    return r.getData()


def cl_header(ptype, flags1, iface, act, seq, opnum, body_len, fragnum=0, serial=0, boot=0):
    # C706 §12.5.1, little-endian drep 10 00 00
    return (bytes([4, ptype, flags1, 0, 0x10, 0, 0, (serial >> 8) & 0xFF]) + b'\0' * 16
            + iface + act + struct.pack('<IIIHHHHHB', boot, 1, seq, opnum, 0xFFFF, 0xFFFF,
                                        body_len, fragnum, 0) + bytes([serial & 0xFF]))


PTYPES = {0: 'request', 1: 'ping', 2: 'response', 3: 'fault', 4: 'working', 5: 'nocall',
          6: 'reject', 7: 'ack', 9: 'fack'}


def parse_cl(pdu):
    if len(pdu) < 80:
        return {'ptype': 'short'}
    body = pdu[80:80 + struct.unpack('<H', pdu[74:76])[0]]
    out = {'ptype': PTYPES.get(pdu[1], pdu[1]), 'boot': struct.unpack('<I', pdu[56:60])[0],
           'seq': struct.unpack('<I', pdu[64:68])[0]}
    if len(body) >= 4 and pdu[1] in (2, 3, 6):
        out['status'] = struct.unpack('<I', body[:4])[0]
    return out


def rpc_call(a):
    from impacket.dcerpc.v5 import transport
    t = transport.DCERPCTransportFactory('ncadg_ip_udp:%s[%d]' % (a.host, a.port))
    t.set_connect_timeout(3)
    t.connect()
    sock = t.get_socket()
    iface = uuid_le(a.iface)
    act = os.urandom(16)
    stub = netr_send_message_stub(enc(a, a.sender), enc(a, a.to), enc(a, a.text))
    if a.bad_stub:
        # From as a conformant varying string with offset 1: C706 allows no
        # offset in a [string]; the server must FAULT nca_s_fault_ndr.
        stub = struct.pack('<III', 4, 1, 4) + b'BAD\0' + stub[16:]
    flags1 = 0x10 if a.maybe else 0
    answers = []
    if a.fragments > 1:
        size = (len(stub) + a.fragments - 1) // a.fragments
        for n in range(a.fragments):
            part = stub[n * size:(n + 1) * size]
            f1 = flags1 | 0x04 | (0x02 if n == a.fragments - 1 else 0)
            t.send(cl_header(0, f1, iface, act, a.seq, a.opnum, len(part), fragnum=n) + part)
            if n < a.fragments - 1:
                answers.append(parse_cl(t.recv()))   # a FACK per fragment
    else:
        t.send(cl_header(0, flags1, iface, act, a.seq, a.opnum, len(stub), boot=a.boot) + stub)
    if a.maybe:
        return {'sent': True}
    try:
        answer = parse_cl(t.recv())
    except socket.timeout:
        return {'ptype': 'timeout', 'facks': answers}
    answer['facks'] = [x['ptype'] for x in answers]
    if a.ping_after:
        t.send(cl_header(1, 0, iface, act, a.seq, a.opnum, 0, serial=1, boot=answer.get('boot', 0)))
        answer['ping'] = parse_cl(t.recv())['ptype']
        t.send(cl_header(1, 0, iface, act, a.seq + 1, a.opnum, 0, serial=1))
        answer['ping_unknown'] = parse_cl(t.recv())['ptype']
    if a.ack:
        t.send(cl_header(7, 0, iface, act, a.seq, a.opnum, 0))
        t.send(cl_header(1, 0, iface, act, a.seq, a.opnum, 0, serial=2))
        answer['ping_after_ack'] = parse_cl(t.recv())['ptype']
    sock.close()
    return answer


# ------------------------------------------------------------------- junk

def junk(a):
    """Malformed input on every port: truncated, oversized, wrong lengths,
    random bytes. Bounded by --count per port."""
    rnd = random.Random(a.seed)
    sent = 0
    tcp_ports = [int(p) for p in a.tcp.split(',') if p]
    udp_ports = [int(p) for p in a.udp.split(',') if p]
    good_d5 = smb(0xD5, b'', asciiz(4, b'JUNK') + asciiz(4, b'X'))
    tcp_cases = [
        lambda: b'\x81\x00\x00\x44' + os.urandom(10),                 # truncated session request
        lambda: b'\x81\x00\x00\x02AB',                                 # wrong length
        lambda: b'\x00\x01\xff\xff' + os.urandom(64),                  # oversized frame
        lambda: b'\x85\x00\x00\x00' * 3 + b'\x00\x00\x00\x05hello',     # keep-alives, then junk SMB
        lambda: frame(good_d5[:20], False) + good_d5[:20],             # truncated SMB
        lambda: frame(good_d5 + b'x', False) + good_d5[:-4] + b'\x40\x00xyz',  # ByteCount too big
        lambda: b'\xfeSMB' + os.urandom(60),                            # SMB2 without framing
        lambda: os.urandom(rnd.randint(1, 300)),                        # random bytes
        lambda: b'GET / HTTP/1.0\r\n\r\n',
    ]
    for port in tcp_ports:
        for i in range(a.count):
            data = tcp_cases[i % len(tcp_cases)]()
            try:
                with socket.create_connection((a.host, port), timeout=2) as s:
                    s.sendall(data)
                    s.settimeout(0.3)
                    try:
                        s.recv(4096)
                    except (socket.timeout, OSError):
                        pass
                sent += 1
            except OSError:
                pass
    for port in udp_ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dg = mailslot_datagram('127.0.0.1', 138, b'JUNK', b'X', 3, 0x10, b'J', b'X', b'hello')
        rpc = cl_header(0, 0, uuid_le(MSGSVCSEND), os.urandom(16), 0, 0, 8) + b'\0' * 8
        cases = [
            lambda: dg[:rnd.randint(1, len(dg) - 1)],                    # truncated datagram
            lambda: dg[:10] + b'\xff\xff' + dg[12:],                     # wrong DGM_LENGTH
            lambda: rpc[:79],                                            # short CL header
            lambda: rpc[:74] + b'\xff\xff' + rpc[76:],                   # body length too big
            lambda: rpc[:80] + b'\x05\x00\x00\x00\x01\x00\x00\x00',       # stub: offset 1
            lambda: os.urandom(rnd.randint(1, 1400)),                    # random bytes
            lambda: bytes([4]) + os.urandom(100),                        # random CL-ish
        ]
        for i in range(a.count):
            s.sendto(cases[i % len(cases)](), (a.host, port))
            sent += 1
            if i % 50 == 49:
                time.sleep(0.01)
        s.close()
    return {'sent': sent}


# ------------------------------------------------------------------ flood

def flood(a):
    """--count messages over --concurrency connections; prints ACK lines."""
    lock = threading.Lock()
    state = {'next': 0, 'ok': 0, 'failed': 0}
    end = time.monotonic() + a.deadline
    out = sys.stdout

    def worker():
        while time.monotonic() < end:
            with lock:
                if state['next'] >= a.count:
                    return
                state['next'] += 1
                n = state['next']
            text = ('kill9 probe %s #%d' % (a.tag, n)).encode('ascii')
            try:
                send_smb_message(a.host, a.port, a.direct, a.to, b'FLOOD', a.to.encode(), text,
                                 mode='d0' if n % 2 else 'multi')
            except (OSError, ConnectionError, SmbRefused):
                with lock:
                    state['failed'] += 1
                continue
            with lock:
                state['ok'] += 1
                out.write('ACK %s %d\n' % (a.tag, n))
                out.flush()

    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return None


def enc(a, text):
    if text.startswith('hex:'):
        return bytes.fromhex(text[4:])
    return text.replace('\\n', '\r\n').encode(a.codepage)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('op', choices=['smb', 'mailslot', 'rpc', 'junk', 'flood'])
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=139)
    p.add_argument('--direct', action='store_true')
    p.add_argument('--called')
    p.add_argument('--called-suffix', type=int, default=3)
    p.add_argument('--bad-stub', action='store_true')
    p.add_argument('--boot', type=int, default=0)
    p.add_argument('--mode', default='multi', choices=['d0', 'multi', 'negotiate'])
    p.add_argument('--from', dest='sender', default='TESTER')
    p.add_argument('--to', default='')
    p.add_argument('--text', default='')
    p.add_argument('--codepage', default='cp850')
    p.add_argument('--block', type=int, default=127)
    p.add_argument('--dest')
    p.add_argument('--suffix', type=int, default=3)
    p.add_argument('--type', default='unique', choices=['unique', 'group', 'broadcast'])
    p.add_argument('--src-port', type=int, default=138)
    p.add_argument('--opnum', type=int, default=0)
    p.add_argument('--iface', default=MSGSVCSEND)
    p.add_argument('--seq', type=int, default=0)
    p.add_argument('--fragments', type=int, default=1)
    p.add_argument('--maybe', action='store_true')
    p.add_argument('--ping-after', action='store_true')
    p.add_argument('--ack', action='store_true')
    p.add_argument('--tcp', default='')
    p.add_argument('--udp', default='')
    p.add_argument('--count', type=int, default=10)
    p.add_argument('--concurrency', type=int, default=1)
    p.add_argument('--tag', default='t')
    p.add_argument('--deadline', type=float, default=30.0)
    p.add_argument('--seed', type=int, default=1)
    a = p.parse_args()
    a.count = max(0, min(a.count, 100000))
    a.concurrency = max(1, min(a.concurrency, 64))
    result = None
    if a.op == 'smb':
        try:
            called = (a.called or a.to).upper().encode(a.codepage)
            gid = send_smb_message(a.host, a.port, a.direct, called, enc(a, a.sender),
                                   enc(a, a.to), enc(a, a.text), a.mode, a.block, a.called_suffix)
            result = {'ok': True, 'group_id': gid}
        except SmbRefused as e:
            result = {'ok': False, 'command': e.cmd, 'status': '0x%08x' % e.status,
                      'class': e.status & 0xFF, 'code': e.status >> 16}
        except (OSError, ConnectionError) as e:
            result = {'ok': False, 'error': str(e)}
    elif a.op == 'mailslot':
        dtype = {'unique': 0x10, 'group': 0x11, 'broadcast': 0x12}[a.type]
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.bind(('0.0.0.0' if a.host.endswith('.255') else a.host if a.host.startswith('127.') else '0.0.0.0', 0))
        src_ip = s.getsockname()[0] if s.getsockname()[0] != '0.0.0.0' else '127.0.0.1'
        dg = mailslot_datagram(src_ip, a.src_port, enc(a, a.sender), (a.dest or a.to).upper().encode(a.codepage),
                               a.suffix, dtype, enc(a, a.sender), enc(a, a.to), enc(a, a.text))
        s.sendto(dg, (a.host, a.port))
        s.close()
        result = {'sent': len(dg)}
    elif a.op == 'rpc':
        result = rpc_call(a)
    elif a.op == 'junk':
        result = junk(a)
    else:
        flood(a)
    if result is not None:
        print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
