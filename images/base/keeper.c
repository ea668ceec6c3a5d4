/*
 * sandtier-keeper: the init (pid 1) of every sandbox container, in place of Docker's docker-init (tini).
 *
 * The run killer keeps the container's own processes, those of session 1: this one and, when the sandbox has
 * a main command (the egress forwarder, or the config's `command`), that command and what it starts. They
 * outlive every run, and they run as the guest's uid. On a host without Yama, a guest could open
 * /proc/<pid>/mem of such a process for writing (seccomp refuses ptrace, not open) and run code there, out of
 * the killer's reach, to watch later runs (their stdin carries the request). A process that is not dumpable
 * is closed to other processes of its uid: its /proc/<pid>/mem, environ, fd/, cwd, exe and the like belong to
 * root and open fails with EACCES (Linux and gVisor). So:
 *
 *   - this process makes itself non-dumpable first thing;
 *   - the main command is started with SANDTIER_KEEP set: the image's preload (keeper-preload.c) makes each
 *     process that carries it non-dumpable in its constructor, before main(), and the main command's first
 *     process reports that on fd 3; one that does not within MAIN_READY_TIMEOUT_MS (a static binary, a
 *     failed exec) ends the container rather than run unprotected;
 *   - only then this process names itself READY_NAME. The same preload holds the first process of every
 *     `docker exec` (parent pid 0) until /proc/1/comm says so, so no guest code runs while a process of session
 *     1 is still open to it (between its exec and the prctl).
 *
 * As init it reaps every orphan that exits in the container (the kernel reparents them here), exits with the
 * main command's status when that ends, and exits on SIGTERM, SIGINT or SIGHUP sent from outside the
 * container (docker stop; si_pid is 0 for a sender in an ancestor pid namespace). The same signals sent by a
 * guest process are ignored; SIGKILL and SIGSTOP from inside never reach a pid namespace's init.
 *
 * usage: sandtier-keeper [command [arg...]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* What this process names itself (PR_SET_NAME, /proc/1/comm) once every process of session 1 is closed. */
#define READY_NAME "sandtier-ready"
/* The main command's first process writes one byte here once it is not dumpable (keeper-preload.c). */
#define READY_FD 3
/* A dynamically linked program reaches its constructors in milliseconds; this allows for a loaded host. */
#define MAIN_READY_TIMEOUT_MS 20000

static const int handled[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};

static void say(const char *what) {
  static const char prefix[] = "sandtier-keeper: ";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, what, strlen(what));
  (void)!write(2, "\n", 1);
}

/* A handler, not SIG_DFL: the kernel drops signals to a pid namespace's init that it has no handler for. */
static void on_signal(int sig) { (void)sig; }

/* The exit status a shell would report for a wait status. */
static int status_of(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return 1;
}

/*
 * Starts the main command in session 1 and waits until its first process is not dumpable. Returns its pid, or
 * -1 with *exit_status set when it is not (it is killed then).
 */
static pid_t start_main(char **command, const sigset_t *child_mask, int *exit_status) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    say("pipe2 failed");
    *exit_status = 125;
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    say("fork failed");
    *exit_status = 125;
    return -1;
  }
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, child_mask, NULL);
    if (ready[1] == READY_FD ? fcntl(READY_FD, F_SETFD, 0) != 0 : dup2(ready[1], READY_FD) != READY_FD)
      _exit(126);
    if (setenv("SANDTIER_KEEP", "ready-fd", 1) != 0) _exit(126);
    execvp(command[0], command);
    say("the main command could not be executed");
    _exit(errno == ENOENT ? 127 : 126);
  }
  close(ready[1]);
  struct pollfd fd = {.fd = ready[0], .events = POLLIN};
  int polled;
  do polled = poll(&fd, 1, MAIN_READY_TIMEOUT_MS);
  while (polled < 0 && errno == EINTR);
  char byte;
  ssize_t got = polled == 1 ? read(ready[0], &byte, 1) : -1;
  close(ready[0]);
  if (got == 1) return pid;
  /* No byte: the command ended (a failed exec among others), closed fd 3, or runs without the image's
   * preload (a static binary). It is killed unless it has ended already; its status tells which. */
  kill(pid, SIGKILL);
  int wstatus;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) continue;
  if (got == 0 && !(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)) {
    *exit_status = status_of(wstatus);
  } else {
    say("the main command did not become non-dumpable (not a dynamically linked program of the image?)");
    *exit_status = 126;
  }
  return -1;
}

int main(int argc, char **argv) {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    say("PR_SET_DUMPABLE failed");
    return 125;
  }
  sigset_t waited, original;
  sigemptyset(&waited);
  struct sigaction action = {.sa_handler = on_signal};
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++) {
    sigaddset(&waited, handled[i]);
    sigaction(handled[i], &action, NULL);
  }
  /* Blocked and taken with sigwaitinfo: the handler never runs. */
  sigprocmask(SIG_BLOCK, &waited, &original);

  pid_t main_pid = 0;
  if (argc > 1) {
    int exit_status = 0;
    main_pid = start_main(argv + 1, &original, &exit_status);
    if (main_pid < 0) return exit_status;
  }
  prctl(PR_SET_NAME, READY_NAME, 0, 0, 0);

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&waited, &info);
    if (sig < 0) continue;
    if (sig == SIGCHLD) {
      int wstatus;
      pid_t pid;
      while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
        if (pid == main_pid) return status_of(wstatus);
      continue;
    }
    /* A guest process may signal this one (same uid); only the engine ends the container. */
    if (info.si_pid != 0) continue;
    if (main_pid > 0) kill(main_pid, sig);
    /* Leaving pid 1 ends the container: the kernel kills what is left of its pid namespace. */
    return 128 + sig;
  }
}
