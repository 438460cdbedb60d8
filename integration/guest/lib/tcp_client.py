#!/usr/bin/env python3
"""The baseline's TCP peer on the host: keeps ONE connection to the guest's workload open (through
QEMU's hostfwd) and sends a line every --interval seconds, waiting for each answer before the next.
Every answer is appended to --samples as a JSON line {i, sent, received, kernel, n, pid, counter};
a reset or EOF is recorded as {"error": ...} and ends the client. Runs until --stop-file exists.
Times are host epoch seconds, the clock of console.log's stamps.

    tcp_client.py --port P --samples FILE --stop-file FILE [--interval 0.075] [--answer-timeout 120]
"""
import argparse
import json
import os
import socket
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--interval", type=float, default=0.075)
    p.add_argument("--answer-timeout", type=float, default=120.0)
    a = p.parse_args()
    out = open(a.samples, "a", buffering=1)

    def record(obj):
        out.write(json.dumps(obj) + "\n")

    try:
        sock = socket.create_connection(("127.0.0.1", a.port), timeout=10)
    except OSError as e:
        record({"error": f"connect: {e}", "at": time.time()})
        return 1
    sock.settimeout(a.answer_timeout)
    reader = sock.makefile("rb")
    record({"connected": time.time(), "local_port": sock.getsockname()[1]})
    i = 0
    while not os.path.exists(a.stop_file):
        i += 1
        sent = time.time()
        try:
            sock.sendall(f"ping {i}\n".encode())
            line = reader.readline()
        except (OSError, socket.timeout) as e:
            record({"i": i, "error": f"{type(e).__name__}: {e}", "at": time.time()})
            return 1
        received = time.time()
        if not line:
            record({"i": i, "error": "EOF: the server closed the connection", "at": received})
            return 1
        fields = dict(kv.split("=", 1) for kv in line.decode().split()[1:])
        record({"i": i, "sent": sent, "received": received, **fields})
        time.sleep(max(0.0, a.interval - (time.time() - received)))
    sock.close()
    record({"closed": time.time()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
