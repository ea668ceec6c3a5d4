/*
 * The keeper's half in every process of the sandbox image, preloaded via /etc/ld.so.preload (see keeper.c).
 *
 * A process whose environment carries SANDTIER_KEEP belongs to the container's main command (session 1,
 * kept across runs): its constructor makes it non-dumpable before main(), so the guest's processes, which run
 * as the same uid, cannot open its /proc/<pid>/mem, environ or fd/ (execve made it dumpable again). The main
 * command's first process (SANDTIER_KEEP=ready-fd) then tells the keeper on fd 3, and passes SANDTIER_KEEP=1 on
 * to the programs it runs.
 *
 * The first process of a `docker exec` (every run, file transfer and kill; its parent is outside the
 * container, so getppid() is 0 on runc and runsc) waits here until the keeper, pid 1, has named itself
 * "sandtier-ready": until then a process of session 1 may still be dumpable, and no guest code may run. A
 * container whose pid 1 is not the keeper (docker-init, a shell) is not held. Waiting costs nothing once the
 * keeper is ready (one read of /proc/1/comm per exec); a keeper that is not ready within WAIT_LIMIT_MS ends the
 * exec with status 125.
 *
 * SANDTIER_KEEP in an exec's environment is harmless: the process only makes itself non-dumpable (the host
 * keeps the variable out of the container's environment all the same).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define READY_FD 3
#define WAIT_STEP_NS 2000000L
#define WAIT_LIMIT_MS 30000

static void fail(const char *what) {
  static const char prefix[] = "sandtier: ";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, what, strlen(what));
  (void)!write(2, "\n", 1);
  _exit(125);
}

/* 1: pid 1 is the keeper and ready; 0: the keeper, not ready yet (or pid 1 still on its way to it); -1: no keeper. */
static int keeper_state(void) {
  char comm[32] = {0};
  int fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, comm, sizeof comm - 1);
  close(fd);
  if (n <= 0) return -1;
  if (strcmp(comm, "sandtier-ready\n") == 0) return 1;
  /* Its own name before it is ready; runc's init ("runc:[2:INIT]") until it executes the keeper. */
  if (strcmp(comm, "sandtier-keeper\n") == 0 || strncmp(comm, "runc:", 5) == 0) return 0;
  return -1;
}

static void wait_for_keeper(void) {
  struct timespec step = {.tv_sec = 0, .tv_nsec = WAIT_STEP_NS};
  for (long waited_ns = 0; keeper_state() == 0; waited_ns += WAIT_STEP_NS) {
    if (waited_ns >= WAIT_LIMIT_MS * 1000000L) fail("the sandbox's init (sandtier-keeper) is not ready");
    nanosleep(&step, NULL);
  }
}

__attribute__((constructor)) static void keeper_preload(void) {
  const char *keep = getenv("SANDTIER_KEEP");
  if (keep != NULL) {
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail("PR_SET_DUMPABLE failed");
    if (strcmp(keep, "ready-fd") == 0) {
      if (write(READY_FD, "k", 1) != 1) fail("the keeper's ready pipe is gone");
      close(READY_FD);
      setenv("SANDTIER_KEEP", "1", 1);
    }
    return;
  }
  if (getppid() == 0 && getpid() != 1) wait_for_keeper();
}
