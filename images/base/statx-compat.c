/*
 * statx() compatibility shim, preloaded in the sandbox image via /etc/ld.so.preload.
 *
 * The gVisor release Debian ships (runsc 0.0~20221219) rejects statx() with AT_NO_AUTOMOUNT (EINVAL), and
 * coreutils 9.1 passes that flag: `ls -l`, `ls <path>` and `stat` fail with "Invalid argument" under runsc.
 * AT_NO_AUTOMOUNT only matters for automount points, which a container never has, so dropping it is harmless
 * on runc and makes those tools work on runsc. Everything else goes to the kernel untouched.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int statx(int dirfd, const char *restrict path, int flags, unsigned int mask, struct statx *restrict buf) {
  return (int)syscall(SYS_statx, dirfd, path, flags & ~AT_NO_AUTOMOUNT, mask, buf);
}
