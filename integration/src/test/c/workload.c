/*
 * A test workload for Molt's end-to-end tests: what an upgrade must carry across unchanged.
 *
 *   workload COUNTER_FILE MEMORY_MIB TCP_PORT
 *
 * - A parent and a child process. Every 100 ms the parent increments a counter, sends it to the
 *   child over a pipe; the child answers counter+1000000 over a Unix socketpair; the parent checks
 *   the answer and appends "tick N" to COUNTER_FILE. A gap or repeat in N means state was lost.
 * - MEMORY_MIB MiB of memory filled with a known pattern, checked in full every 50 ticks and at
 *   SIGUSR1: "memory ok SUM" or "memory CORRUPT ..." in COUNTER_FILE.
 * - With TCP_PORT > 0: listens on 127.0.0.1:TCP_PORT; every line a client sends is answered with
 *   "N <line>\n" (N the current counter) on the same connection.
 * Keep it in its own pid namespace (unshare --pid --fork setsid), as the tests do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t check_now;
static void on_usr1(int sig) { (void)sig; check_now = 1; }

static uint8_t pattern(size_t i) { return (uint8_t)((i * 2654435761u) >> 13); }

static int memory_ok(const uint8_t *mem, size_t len, uint64_t *sum) {
    uint64_t s = 0;
    for (size_t i = 0; i < len; i++) {
        if (mem[i] != pattern(i)) return 0;
        s += mem[i];
    }
    *sum = s;
    return 1;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void child_loop(int from_parent, int to_parent) {
    long n;
    for (;;) {
        ssize_t r = read(from_parent, &n, sizeof n);
        if (r != sizeof n) _exit(r == 0 ? 0 : 3);
        long answer = n + 1000000;
        if (send(to_parent, &answer, sizeof answer, 0) != sizeof answer) _exit(4);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s COUNTER_FILE MEMORY_MIB TCP_PORT\n", argv[0]);
        return 2;
    }
    const char *counter_path = argv[1];
    size_t mem_len = (size_t)atol(argv[2]) << 20;
    int port = atoi(argv[3]);

    int pipefd[2], sp[2];
    if (pipe(pipefd) || socketpair(AF_UNIX, SOCK_STREAM, 0, sp)) { perror("pipe/socketpair"); return 1; }
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        close(pipefd[1]); close(sp[0]);
        child_loop(pipefd[0], sp[1]);
    }
    close(pipefd[0]); close(sp[1]);

    uint8_t *mem = malloc(mem_len ? mem_len : 1);
    for (size_t i = 0; i < mem_len; i++) mem[i] = pattern(i);

    FILE *out = fopen(counter_path, "a");
    if (!out) { perror(counter_path); return 1; }
    setvbuf(out, NULL, _IOLBF, 0);
    signal(SIGUSR1, on_usr1);
    signal(SIGPIPE, SIG_IGN);

    int listener = -1, client = -1;
    if (port > 0) {
        listener = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (bind(listener, (struct sockaddr *)&a, sizeof a) || listen(listener, 4)) { perror("listen"); return 1; }
    }
    uint64_t sum;
    fprintf(out, "start pid %d child %d memory %s\n", getpid(), child, memory_ok(mem, mem_len, &sum) ? "ok" : "CORRUPT");

    long n = 0;
    char buf[512];
    size_t buffered = 0;
    long long next_tick = now_ms() + 100;
    for (;;) {
        struct pollfd fds[2];
        int nfds = 0;
        if (client >= 0) fds[nfds++] = (struct pollfd){ .fd = client, .events = POLLIN };
        else if (listener >= 0) fds[nfds++] = (struct pollfd){ .fd = listener, .events = POLLIN };
        long long wait = next_tick - now_ms();
        int r = poll(fds, nfds, wait > 0 ? (int)wait : 0);
        if (r > 0 && client < 0 && listener >= 0 && (fds[0].revents & POLLIN)) {
            client = accept(listener, NULL, NULL);
        } else if (r > 0 && client >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t got = recv(client, buf + buffered, sizeof buf - 1 - buffered, 0);
            if (got <= 0) {
                fprintf(out, "client gone: %s\n", got == 0 ? "eof" : strerror(errno));
                close(client); client = -1; buffered = 0;
            } else {
                buffered += (size_t)got;
                char *nl;
                while ((nl = memchr(buf, '\n', buffered)) != NULL) {
                    *nl = 0;
                    char reply[600];
                    int len = snprintf(reply, sizeof reply, "%ld %s\n", n, buf);
                    send(client, reply, (size_t)len, 0);
                    size_t used = (size_t)(nl - buf) + 1;
                    memmove(buf, nl + 1, buffered - used);
                    buffered -= used;
                }
            }
        }
        if (now_ms() < next_tick) continue;
        next_tick += 100;
        if (next_tick < now_ms()) next_tick = now_ms() + 100; /* after a stop: no burst of ticks */
        n++;
        long answer = 0;
        if (write(pipefd[1], &n, sizeof n) != sizeof n || recv(sp[0], &answer, sizeof answer, MSG_WAITALL) != sizeof answer
            || answer != n + 1000000) {
            fprintf(out, "child answer WRONG at %ld: %ld\n", n, answer);
        }
        fprintf(out, "tick %ld\n", n);
        if (n % 50 == 0 || check_now) {
            check_now = 0;
            if (memory_ok(mem, mem_len, &sum)) fprintf(out, "memory ok %llu\n", (unsigned long long)sum);
            else fprintf(out, "memory CORRUPT at tick %ld\n", n);
        }
    }
}
