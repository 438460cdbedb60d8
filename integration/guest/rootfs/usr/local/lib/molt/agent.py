#!/usr/bin/env python3
"""The guest agent: runs shell commands for the host, over TCP (forwarded by QEMU's user network).

One command per connection. The host sends one JSON line
    {"sh": "<shell script>", "stdin": <byte count>, "timeout": <seconds or null>}
followed by that many bytes of standard input. The agent runs `/bin/sh -c <script>` in a new
session and answers with frames: one type byte, a 4-byte big-endian length, the payload:
    b"o" stdout bytes, b"e" stderr bytes (as they come), then once b"x" with a 4-byte signed exit
    status (the exit code, 128+N for a signal, 124 on timeout).
Why TCP and not ssh: ssh is heavy to boot and to key under TCG; this is ~100 lines of stdlib.
The agent is not on the restore path: rc starts it after the network and any restore.
"""
import argparse
import json
import os
import selectors
import signal
import socket
import socketserver
import struct
import subprocess
import threading
import time

DRAIN_AFTER_EXIT_S = 0.5  # a backgrounded grandchild may keep our pipes open: stop reading then


def frame(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack(">I", len(payload)) + payload


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            header = json.loads(self.rfile.readline())
            script = header["sh"]
            stdin = self.rfile.read(int(header.get("stdin", 0))) if header.get("stdin") else b""
            timeout = header.get("timeout")
        except (ValueError, KeyError) as e:
            self.wfile.write(frame(b"e", f"agent: bad request: {e}\n".encode()))
            self.wfile.write(frame(b"x", struct.pack(">i", 2)))
            return
        proc = subprocess.Popen(["/bin/sh", "-c", script], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, close_fds=True)

        def feed():
            try:
                proc.stdin.write(stdin)
            except BrokenPipeError:
                pass
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
        threading.Thread(target=feed, daemon=True).start()

        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ, b"o")
        sel.register(proc.stderr, selectors.EVENT_READ, b"e")
        deadline = time.monotonic() + timeout if timeout else None
        exited_at = None
        status = None
        while sel.get_map():
            now = time.monotonic()
            if status is None and deadline and now > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                status = 124
                self.wfile.write(frame(b"e", f"agent: timed out after {timeout} s\n".encode()))
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > DRAIN_AFTER_EXIT_S:
                break
            for key, _ in sel.select(timeout=0.1):
                data = os.read(key.fileobj.fileno(), 65536)
                if data:
                    self.wfile.write(frame(key.data, data))
                else:
                    sel.unregister(key.fileobj)
        rc = proc.wait()
        if status is None:
            status = rc if rc >= 0 else 128 - rc
        self.wfile.write(frame(b"x", struct.pack(">i", status)))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=7100)
    parser.add_argument("--events", default="/dev/console", help="where MOLT-EVENT lines go")
    args = parser.parse_args()
    with Server(("0.0.0.0", args.port), Handler) as server:
        print(f"agent: listening on {args.port}", flush=True)
        with open(args.events, "w") as console:
            uptime = open("/proc/uptime").read().split()[0]
            console.write(f"MOLT-EVENT agent-ready uptime={uptime}\n")
        server.serve_forever()


if __name__ == "__main__":
    main()
