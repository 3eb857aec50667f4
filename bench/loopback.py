#!/usr/bin/env python3
"""The physical bound of a large cached answer: how fast this machine copies a body of SIZE
bytes in memory (one thread) and pushes it through one loopback TCP connection to a reader
process, with no HTTP at all. Compare the bodies/s with a route's req/s in bench/run.sh.

    python3 bench/loopback.py [SIZE_BYTES]      # default 273 KB: market_chart?days=max
"""
import os
import socket
import sys
import time

SIZE = int(sys.argv[1]) if len(sys.argv) > 1 else 273 * 1024
src = bytearray(os.urandom(SIZE))
dst = bytearray(SIZE)

start, copies = time.perf_counter(), 0
while time.perf_counter() - start < 2:
    for _ in range(100):
        dst[:] = src
    copies += 100
elapsed = time.perf_counter() - start
print(f"memcpy {SIZE // 1024} KB: {copies * SIZE / elapsed / 1e9:.1f} GB/s "
      f"({copies / elapsed:,.0f} copies/s, one thread)")

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
port = listener.getsockname()[1]
if os.fork() == 0:
    reader = socket.create_connection(("127.0.0.1", port))
    view = memoryview(bytearray(1 << 20))
    while reader.recv_into(view):
        pass
    os._exit(0)
sender, _ = listener.accept()
payload = bytes(src)
start, bodies = time.perf_counter(), 0
while time.perf_counter() - start < 3:
    sender.sendall(payload)
    bodies += 1
elapsed = time.perf_counter() - start
sender.close()
os.wait()
print(f"loopback TCP, one connection, {SIZE // 1024} KB writes: "
      f"{bodies * SIZE / elapsed / 1e9:.2f} GB/s ({bodies / elapsed:,.0f} bodies/s)")
