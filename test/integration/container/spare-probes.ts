/**
 * Guest code the spare tests run to look at the sandbox's processes from inside (spare.py, spare-policy.ts).
 */

/** Python: seconds since this python process started (/proc/self/stat starttime against /proc/uptime). */
export const PYTHON_AGE = `import os
fields = open('/proc/self/stat').read().rsplit(')', 1)[1].split()
float(open('/proc/uptime').read().split()[0]) - int(fields[19]) / os.sysconf('SC_CLK_TCK')`

/** Python: the pids of the node processes in the sandbox (a node spare would be one), from its /proc. */
export const NODE_PIDS = `import os
def cmd(p):
    try:
        return open('/proc/%s/cmdline' % p, 'rb').read()
    except OSError:
        return b''
[p for p in os.listdir('/proc') if p.isdigit() and cmd(p).startswith(b'node')]`
