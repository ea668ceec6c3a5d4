/*
 * Seccomp for processes that runsc starts with `exec`, preloaded in the sandbox image via /etc/ld.so.preload.
 *
 * runsc with --oci-seccomp applies the container's seccomp profile to the container's own init process only:
 * a process started by `docker exec` (every sandtier run, file transfer and kill) runs without it, and could
 * for instance create user, pid and net namespaces with full capabilities inside gVisor. For such containers
 * sandtier puts the profile in the container environment as SANDTIER_SECCOMP (see
 * src/tiers/container/seccomp-profile.ts, seccompRules), and this constructor installs it, through the image's
 * libseccomp, before main() of the exec's first process; its descendants inherit the filter. It does nothing
 * when the variable is absent or the process already runs under a seccomp filter (runc applies the profile to
 * exec'd processes itself). When the variable is present and the filter cannot be installed, the process exits
 * with status 125: a sandbox never runs without its filter.
 *
 * Rules, separated by ';', tokens by ' ':
 *   default <errno>                              action for everything not allowed: fail with errno
 *   allow <name>...                              allow these syscalls
 *   rule <errno|allow> <name> [<arg>,<op>,<a>,<b>]...   one rule; comparisons ANDed, ops as in libseccomp
 * Names unknown to this libseccomp are skipped, as runc does. The filter covers the native ABI only: gVisor
 * runs no 32-bit code, and a syscall of another ABI hits libseccomp's bad-architecture action (kill). Installing
 * it takes about 5 ms per exec here under load (dlopen 2, building the filter 3, loading it 1).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The libseccomp 2.5 ABI used here (seccomp.h is not needed at build time). */
struct scmp_arg_cmp {
  unsigned int arg;
  int op;
  uint64_t datum_a;
  uint64_t datum_b;
};
#define SCMP_ACT_ALLOW 0x7fff0000U
#define SCMP_ACT_ERRNO(x) (0x00050000U | ((x)&0x0000ffffU))
#define MAX_ARGS 6
/* SCMP_FLTATR_CTL_OPTIMIZE = 2: a binary tree of syscall numbers instead of a linear list. gVisor runs the
 * filter on every syscall; with ~300 rules the linear program added ~15 us per syscall here, the tree ~0. */
#define SCMP_FLTATR_CTL_OPTIMIZE 8

typedef void *(*init_fn)(uint32_t);
typedef int (*resolve_fn)(const char *);
typedef int (*rule_add_fn)(void *, uint32_t, int, unsigned int, const struct scmp_arg_cmp *);
typedef int (*load_fn)(void *);
typedef int (*attr_set_fn)(void *, int, uint32_t);

static struct {
  init_fn init;
  resolve_fn resolve;
  rule_add_fn rule_add;
  load_fn load;
  attr_set_fn attr_set; /* optional */
} lib;

static void fail(const char *what) {
  static const char prefix[] = "sandtier: the sandbox seccomp filter could not be installed: ";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, what, strlen(what));
  (void)!write(2, "\n", 1);
  _exit(125);
}

static int load_library(void) {
  void *h = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!h) return -1;
  lib.init = (init_fn)dlsym(h, "seccomp_init");
  lib.resolve = (resolve_fn)dlsym(h, "seccomp_syscall_resolve_name");
  lib.rule_add = (rule_add_fn)dlsym(h, "seccomp_rule_add_array");
  lib.load = (load_fn)dlsym(h, "seccomp_load");
  lib.attr_set = (attr_set_fn)dlsym(h, "seccomp_attr_set");
  return lib.init && lib.resolve && lib.rule_add && lib.load ? 0 : -1;
}

static void add_rule(void *ctx, uint32_t action, const char *name, struct scmp_arg_cmp *args, unsigned n) {
  int nr = lib.resolve(name);
  if (nr == -1) return; /* __NR_SCMP_ERROR: unknown to this libseccomp */
  int rc = lib.rule_add(ctx, action, nr, n, args);
  /* -EEXIST: the same rule twice; -EACCES: the rule equals the default action. Both are harmless. */
  if (rc != 0 && rc != -EEXIST && rc != -EACCES) fail(name);
}

/* One ';'-separated statement; `s` is modified. */
static void apply(void *ctx, char *s) {
  char *save = NULL;
  char *verb = strtok_r(s, " ", &save);
  if (!verb) return;
  if (strcmp(verb, "allow") == 0) {
    for (char *name; (name = strtok_r(NULL, " ", &save));) add_rule(ctx, SCMP_ACT_ALLOW, name, NULL, 0);
    return;
  }
  if (strcmp(verb, "rule") != 0) return; /* "default" is read before the filter exists */
  char *what = strtok_r(NULL, " ", &save);
  char *name = strtok_r(NULL, " ", &save);
  if (!what || !name) fail("a rule without action or name");
  uint32_t action = strcmp(what, "allow") == 0 ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO((uint32_t)strtoul(what, NULL, 10));
  struct scmp_arg_cmp args[MAX_ARGS];
  unsigned n = 0;
  for (char *cmp; (cmp = strtok_r(NULL, " ", &save));) {
    if (n == MAX_ARGS) fail("too many comparisons");
    unsigned long long v[4];
    if (sscanf(cmp, "%llu,%llu,%llu,%llu", &v[0], &v[1], &v[2], &v[3]) != 4) fail("a malformed comparison");
    args[n++] = (struct scmp_arg_cmp){(unsigned)v[0], (int)v[1], v[2], v[3]};
  }
  add_rule(ctx, action, name, args, n);
}

__attribute__((constructor)) static void install_seccomp(void) {
  const char *rules = getenv("SANDTIER_SECCOMP");
  if (!rules) return;
  /* Inherited from the parent, or applied by runc: nothing to add. */
  if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2) return;
  char *copy = strdup(rules);
  if (!copy) fail("out of memory");
  unsigned long default_errno = EPERM;
  if (strncmp(copy, "default ", 8) == 0) default_errno = strtoul(copy + 8, NULL, 10);
  if (load_library() != 0) fail("libseccomp.so.2 is missing");
  void *ctx = lib.init(SCMP_ACT_ERRNO((uint32_t)default_errno));
  if (!ctx) fail("seccomp_init failed");
  if (lib.attr_set) (void)lib.attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); /* best effort: speed only */
  char *save = NULL;
  for (char *stmt = strtok_r(copy, ";", &save); stmt; stmt = strtok_r(NULL, ";", &save)) apply(ctx, stmt);
  if (lib.load(ctx) != 0) fail("seccomp_load failed");
  free(copy);
  /* The guest's program does not need to see it; its children inherit the filter itself. */
  unsetenv("SANDTIER_SECCOMP");
}
