#!/usr/bin/env python3
"""tests/live/hostile_server.py — a Coinbase-protocol (Advanced Trade) WebSocket server on
127.0.0.1 that answers the handshake and the subscriptions, then misbehaves in one way.

    hostile_server.py SCENARIO [--port 0]

Prints 'ready ws://127.0.0.1:PORT/' when it accepts connections and serves until killed; on
SIGTERM it prints one line of what it sent to stderr ('hostile SCENARIO: connections C, tickers T,
...'). Written on sockets alone (RFC 6455 framing by hand) so that it can break the protocol in
ways a WebSocket library would not let it:

  huge        tickers, one 64 MiB text frame, tickers
  fragments   every ticker split into 1..16-byte fragments, a ping between some of them
  binary      tickers, each followed by a binary frame (random bytes, or the ticker's own JSON)
  pings       tickers, 2 000 pings before each
  midclose    20 tickers, then a frame's header and part of its payload, then close (first
              connection only; later connections get tickers)
  flood       tickers as fast as the socket takes them
  backwards   sequence numbers that go back by one, repeat and skip
  refuse      every subscription answered by an error message; no data (the client must give up
              on the connection by its watchdog and retry within its backoff)
  stall       tickers for a second, then nothing at all (no heartbeats) on that connection
"""
import base64
import hashlib
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SCENARIOS = ("huge", "fragments", "binary", "pings", "midclose", "flood", "backwards", "refuse", "stall")
STATS = {"connections": 0, "tickers": 0, "huge": 0, "fragments": 0, "binary": 0, "pings": 0,
         "errors": 0}
LOCK = threading.Lock()


def count(key, n=1):
    with LOCK:
        STATS[key] += n


def frame(opcode, payload, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def ticker(seq, product="BTC-USD", price=None):
    now = time.time()
    ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%06dZ" % int((now % 1) * 1e6)
    p = price if price is not None else 90000 + random.uniform(-50, 50)
    return ('{"channel":"ticker","client_id":"","timestamp":"%s","sequence_num":%d,"events":[{"type":'
            '"update","tickers":[{"type":"ticker","product_id":"%s","price":"%.2f","volume_24_h":'
            '"1000.0","low_24_h":"89000","high_24_h":"91000","best_bid":"%.2f","best_ask":"%.2f",'
            '"best_bid_quantity":"0.5","best_ask_quantity":"0.5"}]}]}' % (ts, seq, product, p, p - 0.01, p)).encode()


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        got = conn.recv(n - len(buf))
        if not got:
            raise ConnectionError("closed")
        buf += got
    return buf


def read_frame(conn):
    """One client frame (masked, as clients must): (opcode, payload)."""
    b0, b1 = read_exact(conn, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", read_exact(conn, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", read_exact(conn, 8))[0]
    mask = read_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
    data = bytearray(read_exact(conn, n))
    for i in range(n):
        data[i] ^= mask[i % 4]
    return b0 & 0x0F, bytes(data)


def handshake(conn):
    req = b""
    while b"\r\n\r\n" not in req:
        got = conn.recv(4096)
        if not got:
            raise ConnectionError("closed before the handshake")
        req += got
    key = b""
    for line in req.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")


def drain_client(conn, stop):
    """Reads (and answers pings of) whatever the client sends, on its own thread."""
    try:
        while not stop.is_set():
            op, data = read_frame(conn)
            if op == 9:
                conn.sendall(frame(10, data))
            elif op == 8:
                break
    except (OSError, ConnectionError):
        pass
    stop.set()


def serve(conn, scenario, index):
    handshake(conn)
    op, sub = read_frame(conn)  # the first subscription
    stop = threading.Event()
    if scenario == "refuse":
        count("errors")
        conn.sendall(frame(1, b'{"type":"error","message":"Failure to subscribe: refused by the test"}'))
        threading.Thread(target=drain_client, args=(conn, stop), daemon=True).start()
        stop.wait(60)
        return
    threading.Thread(target=drain_client, args=(conn, stop), daemon=True).start()
    seq = 0

    def send_ticker(extra=b""):
        nonlocal seq
        conn.sendall(extra + frame(1, ticker(seq)))
        seq += 1
        count("tickers")

    if scenario == "midclose" and index == 1:
        for _ in range(20):
            send_ticker()
            time.sleep(0.01)
        payload = ticker(seq) * 20
        conn.sendall(frame(1, payload)[:len(payload) // 3])
        time.sleep(0.05)
        conn.shutdown(socket.SHUT_RDWR)
        conn.close()
        return
    if scenario == "huge":
        for _ in range(50):
            send_ticker()
        size = 64 << 20
        head = bytes([0x81, 127]) + struct.pack("!Q", size)
        conn.sendall(head)
        chunk = b"x" * (1 << 20)
        for _ in range(size // len(chunk)):
            conn.sendall(chunk)
        count("huge")
    if scenario == "flood":
        while not stop.is_set():  # batches of 1 000 fresh tickers, the timestamp fixed per batch
            proto = ticker(0).replace(b'"sequence_num":0,', b'"sequence_num":%d,')
            batch = b"".join(frame(1, proto % (seq + i)) for i in range(1000))
            conn.sendall(batch)
            seq += 1000
            count("tickers", 1000)
        return
    t_end_data = time.time() + 1.0
    while not stop.is_set():
        if scenario == "stall" and time.time() > t_end_data:
            stop.wait(60)
            return
        if scenario == "fragments":
            msg = ticker(seq)
            seq += 1
            parts, i = [], 0
            while i < len(msg):
                k = random.randint(1, 16)
                parts.append(msg[i:i + k])
                i += k
            out = b""
            for j, part in enumerate(parts):
                out += frame(1 if j == 0 else 0, part, fin=(j == len(parts) - 1))
                if j % 7 == 3:
                    out += frame(9, b"in-between")  # control frames may come between fragments
            conn.sendall(out)
            count("tickers")
            count("fragments", len(parts))
        elif scenario == "binary":
            send_ticker()
            junk = os.urandom(random.randint(1, 200)) if seq % 2 else ticker(seq + 10**9)
            conn.sendall(frame(2, junk))
            count("binary")
        elif scenario == "pings":
            conn.sendall(frame(9, b"p") * 2000 + frame(1, ticker(seq)))
            seq += 1
            count("tickers")
            count("pings", 2000)
        elif scenario == "backwards":
            # 10 in order, then one back by one (a duplicate), one repeated, one skipped ahead
            for _ in range(10):
                send_ticker()
            seq -= 1
            send_ticker()  # seq - 1 again: seen already
            seq -= 1
            send_ticker()  # repeated
            seq += 5
            send_ticker()  # 5 skipped: a gap
        else:
            send_ticker()
        time.sleep(0.01)


def main():
    scenario = sys.argv[1] if len(sys.argv) > 1 else ""
    if scenario not in SCENARIOS:
        raise SystemExit(__doc__)
    port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)

    def bye(*_):
        print(f"hostile {scenario}: " + ", ".join(f"{k} {v}" for k, v in STATS.items()),
              file=sys.stderr, flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)
    print(f"ready ws://127.0.0.1:{srv.getsockname()[1]}/", flush=True)
    while True:
        conn, _ = srv.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        count("connections")

        def run(c=conn, i=STATS["connections"]):
            try:
                serve(c, scenario, i)
            except (OSError, ConnectionError):
                pass
            finally:
                try:
                    c.close()
                except OSError:
                    pass

        threading.Thread(target=run, daemon=True).start()


if __name__ == "__main__":
    main()
