#!/usr/bin/env python3
"""Reads the guest's serial console from QEMU's socket chardev and writes every line to a log,
prefixed with the host's wall-clock time (epoch seconds, ms). One clock for both kernels: the
guest's own clocks restart at kexec, so cross-kernel phases are measured on these host stamps.

    console_logger.py SOCKET LOGFILE
"""
import socket
import sys
import time


def main():
    path, logfile = sys.argv[1], sys.argv[2]
    deadline = time.time() + 60
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            sock.connect(path)
            break
        except OSError:
            if time.time() > deadline:
                print(f"console_logger: no QEMU console socket at {path}", file=sys.stderr)
                return 1
            time.sleep(0.02)
    pending = b""
    with open(logfile, "ab", buffering=0) as log:
        while True:
            data = sock.recv(4096)
            stamp = f"{time.time():.3f} ".encode()
            if not data:
                if pending:
                    log.write(stamp + pending + b"\n")
                return 0
            pending += data.replace(b"\r", b"")
            *lines, pending = pending.split(b"\n")
            for line in lines:
                log.write(stamp + line + b"\n")


if __name__ == "__main__":
    sys.exit(main())
