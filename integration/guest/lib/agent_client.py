#!/usr/bin/env python3
"""Host side of the guest agent (rootfs/usr/local/lib/molt/agent.py): runs one shell command in
the guest, copies its stdout/stderr to ours as they come, and exits with its exit status.
Exit 255 when the agent cannot be reached or the answer is cut short (the guest is down).

    agent_client.py --port P [--timeout S] [--stdin-file F] -- 'shell command'
"""
import argparse
import json
import socket
import struct
import sys


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("agent closed the connection before the exit status")
        buf += chunk
    return buf


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--timeout", type=float, default=None, help="seconds the command may run")
    parser.add_argument("--connect-timeout", type=float, default=5.0)
    parser.add_argument("--io-timeout", type=float, default=None,
                        help="seconds to wait for any answer (default: the timeout + 30 s, else none); "
                             "QEMU's user network accepts a connection even before the guest listens")
    parser.add_argument("--stdin-file", default=None, help="file sent as the command's stdin ('-': ours)")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    script = " ".join(args.command)
    stdin = b""
    if args.stdin_file == "-":
        stdin = sys.stdin.buffer.read()
    elif args.stdin_file:
        with open(args.stdin_file, "rb") as f:
            stdin = f.read()
    try:
        sock = socket.create_connection((args.host, args.port), timeout=args.connect_timeout)
        # the guest may be slow (TCG): the command's own timeout plus a margin, else no limit
        if args.io_timeout:
            sock.settimeout(args.io_timeout)
        else:
            sock.settimeout(args.timeout + 30 if args.timeout else None)
        header = {"sh": script, "stdin": len(stdin), "timeout": args.timeout}
        sock.sendall(json.dumps(header).encode() + b"\n" + stdin)
        out, err = sys.stdout.buffer, sys.stderr.buffer
        while True:
            kind, length = struct.unpack(">cI", read_exact(sock, 5))
            payload = read_exact(sock, length)
            if kind == b"o":
                out.write(payload); out.flush()
            elif kind == b"e":
                err.write(payload); err.flush()
            elif kind == b"x":
                return struct.unpack(">i", payload)[0]
    except (OSError, ConnectionError) as e:
        print(f"agent_client: guest agent at {args.host}:{args.port}: {e}", file=sys.stderr)
        return 255


if __name__ == "__main__":
    sys.exit(main())
