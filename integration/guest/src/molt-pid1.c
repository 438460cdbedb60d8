/*
 * The guest's PID 1: starts /etc/molt/rc (mounts, modules, network, restore hook, agent, moltd),
 * then reaps every orphan for as long as the guest runs. A script cannot be PID 1 safely: an
 * orphaned child (CRIU's restored tree is one, after `criu restore -d`) must be reaped by PID 1 or
 * it stays a zombie, and PID 1 exiting panics the kernel.
 *
 * SIGTERM or SIGINT: sync and power off (QEMU then exits). SIGUSR1: sync and reboot.
 * Static, no libc beyond the basics, so it works from any root fs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t requested;

static void on_signal(int sig) { requested = sig; }

int main(int argc, char **argv) {
    const char *rc = argc > 1 ? argv[1] : "/etc/molt/rc";
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    pid_t child = fork();
    if (child == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGUSR1, SIG_DFL);
        setsid();
        execl(rc, rc, (char *)NULL);
        fprintf(stderr, "molt-pid1: cannot run %s: %s\n", rc, strerror(errno));
        _exit(127);
    }
    if (child < 0) fprintf(stderr, "molt-pid1: fork failed: %s\n", strerror(errno));

    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid == child && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
            fprintf(stderr, "molt-pid1: %s failed (status %d)\n", rc, status);
        if (pid < 0 && errno == ECHILD) pause();  /* nothing to reap: sleep until a signal */
        if (requested) {
            int sig = requested;
            requested = 0;
            fprintf(stderr, "molt-pid1: signal %d: sync and %s\n", sig,
                    sig == SIGUSR1 ? "reboot" : "power off");
            sync();
            reboot(sig == SIGUSR1 ? RB_AUTOBOOT : RB_POWER_OFF);
        }
    }
}
