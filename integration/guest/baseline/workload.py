#!/usr/bin/env python3
"""The baseline's workload, run in the guest: one process tree that CRIU moves across the kexec.

  root (session leader): a TCP server on --port; each line received is answered with one line
      "reply n=<request count> pid=<server pid> kernel=<uname -r now> counter=<last counter seq>"
  child: a counter; every 100 ms it appends "<seq> <pid> <uname -r> <monotonic> <realtime>"
      to DIR/counter.log (a file on the persistent root disk, so it exists after the kexec).
  with --local-client: a second child, a TCP client of the server over 127.0.0.1 inside the guest
      (both ends in the tree, so both are dumped and restored); every 200 ms it sends a line and
      appends "<seq> <answer's kernel> <our kernel>" to DIR/local-client.log, "ERROR <what>" on a
      reset or EOF, and then stops.
The kernel release is read at every answer and every tick, so lines show which kernel served them.
"""
import argparse
import os
import selectors
import socket
import time


def counter(path):
    seq = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    while True:
        seq += 1
        line = f"{seq} {os.getpid()} {os.uname().release} {time.monotonic():.3f} {time.time():.3f}\n"
        os.write(fd, line.encode())
        time.sleep(0.1)


def last_seq(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 200))
            lines = f.read().split(b"\n")
            complete = [l for l in lines[:-1] if l]
            return complete[-1].split()[0].decode() if complete else "0"
    except OSError:
        return "?"


def local_client(port, path):
    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for _ in range(100):
        try:
            sock = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            time.sleep(0.05)
    seq, buf = 0, b""
    while True:
        seq += 1
        try:
            sock.sendall(f"local {seq}\n".encode())
            while b"\n" not in buf:
                data = sock.recv(4096)
                if not data:
                    raise OSError("EOF")
                buf += data
        except OSError as e:
            os.write(out, f"ERROR {e}\n".encode())
            return
        line, buf = buf.split(b"\n", 1)
        kernel = line.decode().split("kernel=")[1].split()[0]
        os.write(out, f"{seq} {kernel} {os.uname().release}\n".encode())
        time.sleep(0.2)


def serve(port, counter_log):
    sel = selectors.DefaultSelector()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(16)
    sel.register(listener, selectors.EVENT_READ)
    buffers, n = {}, 0
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if sock is listener:
                conn, _ = listener.accept()
                sel.register(conn, selectors.EVENT_READ)
                buffers[conn] = b""
                continue
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(sock)
                buffers.pop(sock, None)
                sock.close()
                continue
            buffers[sock] += data
            while b"\n" in buffers[sock]:
                _, buffers[sock] = buffers[sock].split(b"\n", 1)
                n += 1
                reply = (f"reply n={n} pid={os.getpid()} kernel={os.uname().release} "
                         f"counter={last_seq(counter_log)}\n")
                sock.sendall(reply.encode())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--local-client", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    counter_log = os.path.join(args.dir, "counter.log")
    child = os.fork()
    if child == 0:
        counter(counter_log)
    pids = [os.getpid(), child]
    if args.local_client:
        client = os.fork()
        if client == 0:
            local_client(args.port, os.path.join(args.dir, "local-client.log"))
            os._exit(1)
        pids.append(client)
    with open(os.path.join(args.dir, "workload.pids"), "w") as f:
        f.write(" ".join(map(str, pids)) + "\n")
    serve(args.port, counter_log)


if __name__ == "__main__":
    main()
