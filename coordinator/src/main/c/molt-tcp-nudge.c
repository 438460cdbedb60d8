/*
 * molt-tcp-nudge PID...: makes every established TCP socket of the given processes send its peer
 * a few ACKs, right after a restore has unlocked the network.
 *
 * Why: while a workload is parked its peers' retransmission timers back off (each timeout
 * doubles), so after the stop a peer's queued data would wait for its next timer, up to about the
 * stop's length again. Duplicate ACKs make it retransmit at once (FIELD-NOTES: redis behind QEMU's
 * user network). CRIU's own ACK, sent as it takes a restored socket out of repair mode, goes out
 * while Molt's lock still drops everything, so the boot hook runs this after deleting the lock.
 *
 * How: pidfd_getfd(2) copies the socket out of the process (ptrace-level access, root), and
 * toggling TCP_REPAIR on and off makes the kernel send a window probe, an ACK for what it has
 * received; three in a row count as duplicate ACKs at the peer. Nothing else about the socket
 * changes. Prints "sockets=N" (how many were nudged) and exits 0 unless an argument is bad.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef TCP_REPAIR
#define TCP_REPAIR 19
#endif
#define PROBES 3

static int nudge(int sock) {
    int type = 0, proto = 0;
    socklen_t len = sizeof(type);
    if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return 0;
    len = sizeof(proto);
    if (getsockopt(sock, SOL_SOCKET, SO_PROTOCOL, &proto, &len) != 0 || proto != IPPROTO_TCP) return 0;
    struct tcp_info info;
    len = sizeof(info);
    if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || info.tcpi_state != TCP_ESTABLISHED) return 0;
    for (int i = 0; i < PROBES; i++) {
        int on = 1, off = 0;
        if (setsockopt(sock, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) != 0) return 0;
        /* Leaving repair mode sends the window probe (tcp_send_window_probe). */
        if (setsockopt(sock, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)) != 0) return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    int nudged = 0;
    for (int a = 1; a < argc; a++) {
        char *end;
        long pid = strtol(argv[a], &end, 10);
        if (*argv[a] == '\0' || *end != '\0' || pid <= 0) {
            fprintf(stderr, "molt-tcp-nudge: '%s' is not a pid\n", argv[a]);
            return 2;
        }
        int pidfd = (int) syscall(SYS_pidfd_open, (pid_t) pid, 0);
        if (pidfd < 0) continue; /* gone: nothing to nudge */
        char dir[64];
        snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
        DIR *fds = opendir(dir);
        if (fds) {
            struct dirent *e;
            while ((e = readdir(fds)) != NULL) {
                if (e->d_name[0] == '.') continue;
                char path[320], target[64];
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                if (n <= 0) continue;
                target[n] = '\0';
                if (strncmp(target, "socket:", 7) != 0) continue;
                int sock = (int) syscall(SYS_pidfd_getfd, pidfd, atoi(e->d_name), 0);
                if (sock < 0) continue;
                nudged += nudge(sock);
                close(sock);
            }
            closedir(fds);
        }
        close(pidfd);
    }
    printf("sockets=%d\n", nudged);
    return 0;
}
