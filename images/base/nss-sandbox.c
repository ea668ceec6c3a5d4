/*
 * NSS module "sandbox" (libnss_sandbox.so.2, after "files" for passwd and group in /etc/nsswitch.conf).
 *
 * Every sandbox container runs as a host uid of its own, chosen by sandtier from a range with no host user
 * (src/tiers/container/sandbox-uids.ts), so the uid is in no /etc/passwd of the image. Without an entry,
 * `id -un`, `whoami`, Python's getpass.getuser() and Node's os.userInfo() fail. This module answers a lookup
 * by uid or gid >= 65536 that "files" did not answer with user and group "sandbox", home /work, shell /bin/sh.
 * It runs inside guest processes, as the guest, and grants nothing: it only names the ids.
 */
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

/* Below this are the image's system and regular users (and 65534, nobody), which "files" answers. */
#define FIRST_SANDBOX_ID 65536u

static const char NAME[] = "sandbox";
static const char HOME[] = "/work";
static const char SHELL[] = "/bin/sh";

static int is_sandbox_id(unsigned int id) { return id >= FIRST_SANDBOX_ID && id != (unsigned int)-1; }

/* Copies `s` into the caller's buffer; NULL when it does not fit. */
static char *put(const char *s, char **buf, size_t *left) {
  size_t n = strlen(s) + 1;
  if (n > *left) return NULL;
  char *out = memcpy(*buf, s, n);
  *buf += n;
  *left -= n;
  return out;
}

enum nss_status _nss_sandbox_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen,
                                        int *errnop) {
  if (!is_sandbox_id(uid)) return NSS_STATUS_NOTFOUND;
  char *p = buf;
  size_t left = buflen;
  pw->pw_name = put(NAME, &p, &left);
  pw->pw_passwd = put("x", &p, &left);
  pw->pw_gecos = put("", &p, &left);
  pw->pw_dir = put(HOME, &p, &left);
  pw->pw_shell = put(SHELL, &p, &left);
  if (!pw->pw_name || !pw->pw_passwd || !pw->pw_gecos || !pw->pw_dir || !pw->pw_shell) {
    *errnop = ERANGE;
    return NSS_STATUS_TRYAGAIN;
  }
  pw->pw_uid = uid;
  pw->pw_gid = uid;
  return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_sandbox_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t buflen,
                                        int *errnop) {
  if (!is_sandbox_id(gid)) return NSS_STATUS_NOTFOUND;
  /* The member list (one NULL pointer) goes first, aligned; the strings after it. */
  size_t pad = (sizeof(char *) - ((uintptr_t)buf % sizeof(char *))) % sizeof(char *);
  if (buflen < pad + sizeof(char *)) {
    *errnop = ERANGE;
    return NSS_STATUS_TRYAGAIN;
  }
  char **members = (char **)(buf + pad);
  members[0] = NULL;
  char *p = buf + pad + sizeof(char *);
  size_t left = buflen - pad - sizeof(char *);
  gr->gr_name = put(NAME, &p, &left);
  gr->gr_passwd = put("x", &p, &left);
  if (!gr->gr_name || !gr->gr_passwd) {
    *errnop = ERANGE;
    return NSS_STATUS_TRYAGAIN;
  }
  gr->gr_gid = gid;
  gr->gr_mem = members;
  return NSS_STATUS_SUCCESS;
}
