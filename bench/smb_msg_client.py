#!/usr/bin/python3
"""In-process SMB1 messenger client for the receive-rate benchmarks.

Sends what `smbclient -M` sends (MS-CIFS §2.2.4.x, RFC 1002 §4.3.2): on port
139 an NBSS session request for TO<03>, then SMBsendstrt (0xD5), SMBsendtxt
(0xD7) blocks of at most 127 bytes, SMBsendend (0xD6), each waiting for its
response; no negprot (servers accept only these three before one). One TCP
connection per message, like smbclient. Without a process start per message
it measures the server, not the client: the same client is used against
smbd and netsendd.

  smb_msg_client.py --host IP --to NAME --count N [--concurrency C]
                    [--deadline SECS] [--from NAME] [--text TEXT]

Prints JSON: {sent, failed, elapsed_s, rate, lat_ms: {median, p90, max},
t_start_ns}. Bounded: at most --count messages in at most --deadline s.
"""
import argparse
import json
import socket
import struct
import sys
import threading
import time

SMB_SENDSTRT, SMB_SENDEND, SMB_SENDTXT = 0xD5, 0xD6, 0xD7


def nb_name(name, suffix):
    raw = name.upper().encode('ascii')[:15].ljust(15, b' ') + bytes([suffix])
    out = bytearray([32])
    for c in raw:
        out += bytes([0x41 + (c >> 4), 0x41 + (c & 0x0F)])
    return bytes(out) + b'\0'


def smb_frame(cmd, words, data, pid):
    # 32-byte SMB header: flags/flags2 0, TID/UID/MID 0, PID as smbclient does
    hdr = (b'\xffSMB' + bytes([cmd]) + b'\0' * 4 + b'\0' + b'\0\0' + b'\0\0'
           + b'\0' * 8 + b'\0\0' + b'\0\0' + struct.pack('<H', pid & 0xFFFF)
           + b'\0\0' + b'\0\0')
    body = bytes([len(words) // 2]) + words + struct.pack('<H', len(data)) + data
    msg = hdr + body
    return struct.pack('>I', len(msg)) + msg   # NBSS session message, type 0


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError('connection closed')
        buf += chunk
    return buf


def recv_nbss(s):
    hdr = recv_exact(s, 4)
    length = ((hdr[1] & 1) << 16) | struct.unpack('>H', hdr[2:4])[0]
    return hdr[0], recv_exact(s, length)


def expect_ok(s, cmd):
    typ, msg = recv_nbss(s)
    if typ != 0 or len(msg) < 32 or msg[:4] != b'\xffSMB' or msg[4] != cmd:
        raise ConnectionError('unexpected reply to 0x%02x' % cmd)
    status = struct.unpack('<I', msg[5:9])[0]
    if status != 0:
        raise ConnectionError('0x%02x: status 0x%08x' % (cmd, status))


def send_message(a, text):
    with socket.create_connection((a.host, a.port), timeout=a.timeout) as s:
        if a.port == 139:
            s.sendall(b'\x81\x00' + struct.pack('>H', 68) + nb_name(a.to, 0x03)
                      + nb_name(a.sender, 0x00))
            typ, _ = recv_nbss(s)
            if typ != 0x82:
                raise ConnectionError('session refused (0x%02x)' % typ)
        pid = threading.get_ident()
        strt = (b'\x04' + a.sender.encode('ascii') + b'\0'
                + b'\x04' + a.to.encode('ascii') + b'\0')
        s.sendall(smb_frame(SMB_SENDSTRT, b'', strt, pid))
        expect_ok(s, SMB_SENDSTRT)
        for off in range(0, max(len(text), 1), 127):
            block = text[off:off + 127] or b'\0'
            data = b'\x01' + struct.pack('<H', len(block)) + block
            s.sendall(smb_frame(SMB_SENDTXT, b'\0\0', data, pid))
            expect_ok(s, SMB_SENDTXT)
        s.sendall(smb_frame(SMB_SENDEND, b'\0\0', b'', pid))
        expect_ok(s, SMB_SENDEND)


def percentile(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))] if v else None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--host', required=True)
    p.add_argument('--port', type=int, default=139)
    p.add_argument('--to', required=True)
    p.add_argument('--from', dest='sender', default='BENCH')
    p.add_argument('--text', default='benchmark message')
    p.add_argument('--count', type=int, default=200)
    p.add_argument('--concurrency', type=int, default=1)
    p.add_argument('--deadline', type=float, default=60.0)
    p.add_argument('--timeout', type=float, default=10.0)
    a = p.parse_args()
    a.count = max(1, min(a.count, 100000))
    a.concurrency = max(1, min(a.concurrency, 64))
    lock = threading.Lock()
    state = {'next': 0, 'sent': 0, 'failed': 0, 'lat': [], 'errors': {}}
    t_start_ns = time.time_ns()
    t0 = time.monotonic()
    end = t0 + a.deadline

    def worker():
        while time.monotonic() < end:
            with lock:
                if state['next'] >= a.count:
                    return
                state['next'] += 1
                n = state['next']
            text = ('%s %d\r\n' % (a.text, n)).encode('ascii')
            ts = time.monotonic()
            try:
                send_message(a, text)
                ok, err = True, None
            except (OSError, ConnectionError) as e:
                ok, err = False, str(e)
            with lock:
                if ok:
                    state['sent'] += 1
                    state['lat'].append((time.monotonic() - ts) * 1000)
                else:
                    state['failed'] += 1
                    state['errors'][err] = state['errors'].get(err, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    lat = state['lat']
    print(json.dumps({
        'sent': state['sent'], 'failed': state['failed'],
        'elapsed_s': round(elapsed, 3),
        'rate': round(state['sent'] / elapsed, 2) if elapsed > 0 else None,
        'lat_ms': {'median': percentile(lat, 0.5), 'p90': percentile(lat, 0.9),
                   'max': max(lat) if lat else None},
        't_start_ns': t_start_ns, 'errors': state['errors']}))
    return 0 if state['failed'] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
