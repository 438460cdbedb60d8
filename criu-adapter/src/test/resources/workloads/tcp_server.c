/*
 * A test workload for Molt's CRIU tests: listens on 127.0.0.1 (an ephemeral port, written to the
 * file named by argv[1] once listening), accepts ONE client and answers each line it sends with
 * the same line followed by how many lines it has answered so far. The count lives only in this
 * process's memory, so a restored server that continues it proves its state came back.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT_FILE\n", argv[0]);
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 1) != 0
            || getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
        perror("listen");
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *port = fopen(tmp, "w");
    if (port == NULL || fprintf(port, "%d\n", ntohs(addr.sin_port)) < 0 || fclose(port) != 0
            || rename(tmp, argv[1]) != 0) {
        perror("port file");
        return 1;
    }
    int client = accept(listener, NULL, NULL);
    if (client < 0) {
        perror("accept");
        return 1;
    }
    close(listener);
    long answered = 0;
    char line[1024];
    size_t used = 0;
    for (;;) {
        ssize_t n = read(client, line + used, sizeof line - used - 1);
        if (n <= 0) {
            return n == 0 ? 0 : 1;
        }
        used += (size_t)n;
        char *newline;
        while ((newline = memchr(line, '\n', used)) != NULL) {
            *newline = '\0';
            char reply[1100];
            int r = snprintf(reply, sizeof reply, "%s %ld\n", line, ++answered);
            if (write(client, reply, (size_t)r) != r) {
                return 1;
            }
            size_t rest = used - (size_t)(newline + 1 - line);
            memmove(line, newline + 1, rest);
            used = rest;
        }
    }
}
