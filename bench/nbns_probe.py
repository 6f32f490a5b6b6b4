#!/usr/bin/python3
"""NetBIOS name query probe for the benchmarks (RFC 1002 §4.2.12, §4.2.13).

Two modes, both over one UDP socket and bounded in count and time:

  ready   --t0-ns T: broadcast a query for NAME<TT> every --interval s until a
          positive answer arrives (or --timeout); print the ms from T (a
          time.time_ns() / `date +%s%N` stamp taken before the responder was
          started) to that answer.
  latency --count K: K queries one after the other, each waiting up to
          --timeout for its first positive answer, then --linger s for
          duplicates; print JSON {ok, lost, dup, rtt_ms: [...]}.

Used to measure nmbd and, later, netsendd the same way. Run it inside a
namespace: it sends broadcasts.
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import time


def encode_name(name, suffix):
    """First-level encoding of NAME<suffix> (RFC 1001 §14.1), no scope."""
    raw = name.upper().encode('ascii')[:15].ljust(15, b' ') + bytes([suffix])
    enc = bytearray([32])
    for c in raw:
        enc += bytes([0x41 + (c >> 4), 0x41 + (c & 0x0F)])
    return bytes(enc) + b'\0'


def build_query(trn_id, name, suffix, bcast):
    # flags: opcode 0 (query), RD=1, B=1 when broadcast
    flags = 0x0100 | (0x0010 if bcast else 0)
    hdr = struct.pack('!6H', trn_id, flags, 1, 0, 0, 0)
    return hdr + encode_name(name, suffix) + struct.pack('!2H', 0x0020, 0x0001)


def positive_answer(pkt, trn_id):
    """True for a positive name query response to trn_id (RCODE 0, ANCOUNT>0)."""
    if len(pkt) < 12:
        return False
    rid, flags, _qd, an, _ns, _ar = struct.unpack('!6H', pkt[:12])
    return rid == trn_id and flags & 0x8000 and (flags & 0x000F) == 0 and an > 0


def open_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind(('', 0))
    return s


def recv_until(s, deadline):
    """Next datagram before deadline (monotonic ns), or None."""
    left = (deadline - time.monotonic_ns()) / 1e9
    if left <= 0:
        return None
    r, _, _ = select.select([s], [], [], left)
    return s.recv(2048) if r else None


def mode_ready(a):
    s = open_socket()
    end = time.monotonic_ns() + int(a.timeout * 1e9)
    sent = 0
    trn = os.getpid() & 0x7FFF
    while time.monotonic_ns() < end:
        trn = (trn + 1) & 0xFFFF
        s.sendto(build_query(trn, a.name, a.suffix, a.bcast), (a.dest, 137))
        sent += 1
        step = min(end, time.monotonic_ns() + int(a.interval * 1e9))
        while True:
            pkt = recv_until(s, step)
            if pkt is None:
                break
            if positive_answer(pkt, trn):
                ms = (time.time_ns() - a.t0_ns) / 1e6
                print(json.dumps({'ready_ms': round(ms, 1), 'queries': sent}))
                return 0
    print(json.dumps({'ready_ms': None, 'queries': sent}))
    return 1


def mode_latency(a):
    s = open_socket()
    rtts, lost, dup = [], 0, 0
    trn = os.getpid() & 0x7FFF
    for _ in range(a.count):
        trn = (trn + 1) & 0xFFFF
        t0 = time.monotonic_ns()
        s.sendto(build_query(trn, a.name, a.suffix, a.bcast), (a.dest, 137))
        end = t0 + int(a.timeout * 1e9)
        got = None
        while got is None:
            pkt = recv_until(s, end)
            if pkt is None:
                break
            if positive_answer(pkt, trn):
                got = time.monotonic_ns()
        if got is None:
            lost += 1
            continue
        rtts.append(round((got - t0) / 1e6, 3))
        linger = got + int(a.linger * 1e9)
        while True:
            pkt = recv_until(s, linger)
            if pkt is None:
                break
            if positive_answer(pkt, trn):
                dup += 1
    print(json.dumps({'ok': len(rtts), 'lost': lost, 'dup': dup, 'rtt_ms': rtts}))
    return 0 if rtts else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('mode', choices=['ready', 'latency'])
    p.add_argument('name')
    p.add_argument('--suffix', type=lambda v: int(v, 0), default=0x03)
    p.add_argument('--dest', required=True, help='broadcast or unicast IPv4 address')
    p.add_argument('--unicast', dest='bcast', action='store_false')
    p.add_argument('--t0-ns', type=int, default=0)
    p.add_argument('--interval', type=float, default=0.02)
    p.add_argument('--timeout', type=float, default=15.0)
    p.add_argument('--count', type=int, default=50)
    p.add_argument('--linger', type=float, default=0.05)
    a = p.parse_args()
    if a.mode == 'ready' and a.t0_ns == 0:
        a.t0_ns = time.time_ns()
    a.count = max(1, min(a.count, 10000))
    return mode_ready(a) if a.mode == 'ready' else mode_latency(a)


if __name__ == '__main__':
    sys.exit(main())
