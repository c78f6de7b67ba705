#!/usr/bin/env python3
"""Resident memory of a server holding N idle keep-alive connections.

Linux only (it reads /proc/PID/status). Python 3 standard library only.

    cargo build --release -p chapter05-solution -p chapter07
    python3 solutions/07-async/measure-idle.py 1000 5000

For each N it starts each server, reads its resident memory (VmRSS) and
thread count, opens N connections, sends `GET /` on each (HTTP/1.1, so the
connection stays open), reads every answer, and reads VmRSS again while all
N connections sit idle. Chapter 5 gets `--workers N`, a worker per
connection, since a pool smaller than N would queue or refuse the rest.

"Per connection" is (VmRSS holding N) minus (VmRSS of the same server at
rest with its default settings: chapter 5 with its 32 workers), over N: all
the memory the server needed to hold N connections, the threads included.

Both servers close a connection after 5 idle seconds, so the connections
are opened and the memory read within that time (under two seconds for
5,000), and the script checks that none had closed.
Each connection takes a file descriptor in this script and one in the
server: the script raises its soft limit, and the servers inherit it.
"""

import os
import re
import resource
import socket
import subprocess
import sys
import time

TARGET = os.environ.get("CARGO_TARGET_DIR", "target")
SERVERS = {
    "chapter05": lambda n: [f"{TARGET}/release/chapter05-solution", "--workers", str(n)],
    "chapter07": lambda n: [f"{TARGET}/release/chapter07"],
}
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def status(pid, field):
    """A field of /proc/PID/status, as an integer (kB for memory)."""
    with open(f"/proc/{pid}/status") as f:
        match = re.search(rf"^{field}:\s+(\d+)", f.read(), re.MULTILINE)
    return int(match.group(1))


def read_response(sock, pending):
    """Reads one response with a Content-Length; returns the leftover."""
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed a connection")
        pending += chunk
    head, _, rest = pending.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
    while len(rest) < length:
        rest += sock.recv(65536)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"not a 200: {head[:40]!r}")
    return rest[length:]


def still_open(sock):
    """Whether the server has not closed `sock` (nothing to read, no EOF)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    finally:
        sock.setblocking(True)


def measure(name, n, rest_only=False):
    command = SERVERS[name](n) if not rest_only else SERVERS[name](32)[:1]
    server = subprocess.Popen(
        command + ["--addr", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline()
        host, port = line.strip().removeprefix("listening on http://").rsplit(":", 1)
        time.sleep(0.5)  # let chapter 5 start its workers
        before = status(server.pid, "VmRSS")
        threads_before = status(server.pid, "Threads")
        if rest_only:
            return before, before, threads_before, threads_before
        # One at a time: a burst of connections would overflow chapter 5's
        # queue (64) before its workers take them, and get 503s.
        sockets = []
        for _ in range(n):
            sock = socket.create_connection((host, int(port)))
            sock.sendall(REQUEST)
            read_response(sock, b"")
            sockets.append(sock)
        if not all(still_open(sock) for sock in sockets):
            raise RuntimeError("a connection closed before the measurement")
        after = status(server.pid, "VmRSS")
        threads_after = status(server.pid, "Threads")
        for sock in sockets:
            sock.close()
        return before, after, threads_before, threads_after
    finally:
        server.terminate()
        server.wait()


def main():
    counts = [int(arg) for arg in sys.argv[1:]] or [1000, 5000]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * max(counts) + 1024), hard))
    rest = {name: measure(name, 0, rest_only=True)[0] for name in SERVERS}
    print("| server | idle connections | threads | VmRSS at rest | VmRSS holding them | per connection |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in counts:
        for name in SERVERS:
            _, after, _, threads = measure(name, n)
            per = (after - rest[name]) / n
            print(
                f"| {name} | {n:,} | {threads:,} | {rest[name] / 1024:.1f} MiB"
                f" | {after / 1024:.1f} MiB | {per:.1f} KiB |",
                flush=True,
            )


if __name__ == "__main__":
    main()
