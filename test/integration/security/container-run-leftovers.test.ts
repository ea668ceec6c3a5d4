/**
 * K4 (issue 21 item 4): nothing a run starts outlives it, and a run's request is readable by no other
 * process of the sandbox. A background loop started by a run that ends 'ok' is gone before the next run
 * (which is not billed for it); a watcher left to spy on the next run's request never sees it; and the
 * request (code, input) is in no process's environment or argv while it runs.
 */
import { beforeAll, describe, expect } from 'vitest'
import { KINDS, test } from '../../fixtures/sandtier.js'
import { ensureImage, request } from '../container/helpers.js'

beforeAll(() => ensureImage())

/** Assembled at run time, so only a leaked request holds the whole marker. */
const MARKER = 'SECRET-REQUEST-4711'
const MARKER_PARTS = `"SECRET-" + "REQUEST-4711"`

/** Python: pids whose environ or cmdline holds the marker. */
const SCAN_PY = `
import os
marker = (${MARKER_PARTS}).encode()
hits = []
for p in os.listdir('/proc'):
    if not p.isdigit():
        continue
    for part in ('environ', 'cmdline'):
        try:
            data = open('/proc/%s/%s' % (p, part), 'rb').read()
        except OSError:
            continue
        if marker in data:
            hits.append(p + '/' + part)
hits
`

/** Every process of the sandbox but this run's own, as "pid session name" (plain zombies aside). */
const OTHERS_SH = `
me=$(cut -d' ' -f6 /proc/self/stat)
for d in /proc/[0-9]*; do
  read -r line < "$d/stat" 2>/dev/null || continue
  rest=\${line##*) }; set -- $rest
  [ "$4" = "$me" ] && continue
  case $1 in Z) [ "\${18}" -le 1 ] && continue ;; esac
  echo "\${d#/proc/} $4 $(cat "$d/comm")"
done
`

describe.each(KINDS)('%s: leftovers and the request (K4)', (kind) => {
  test.override({ kind, containerConfig: { limits: { executionTime: 20_000 } } })

  test("K4: a background loop started by an 'ok' run is gone before the next run starts", async ({
    containerSandbox: sandbox,
  }) => {
    const first = await sandbox.execute(
      request('(while :; do :; done) </dev/null >/dev/null 2>&1 & echo started'),
    )
    expect(first).toMatchObject({ status: 'ok', stdout: 'started\n' })
    // Only the container's own processes are left: the keeper (pid 1, session 1) and the image's resident
    // runner, its main command (issue 15; on both runtimes).
    const others = await sandbox.execute(request(OTHERS_SH))
    expect(others.status).toBe('ok')
    const sessions = others.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[1])
    expect(sessions, others.stdout).toEqual(['1', '1'])
    const idle = await sandbox.execute(request('sleep 1'))
    expect(idle.status).toBe('ok')
    expect(idle.usage.cpuMs).toBeLessThan(600)
  })

  test("K4: a watcher left by one run never sees the next run's request", async ({
    containerSandbox: sandbox,
  }) => {
    // The watcher polls every process's environ and cmdline for the marker and writes what it finds.
    const watcher = `
import os, subprocess, sys
code = ${JSON.stringify(SCAN_PY)} + "\\nopen('/work/found', 'a').write(' '.join(hits))\\n"
loop = 'import time\\nwhile True:\\n    exec(compile(CODE, "scan", "exec"))\\n    time.sleep(0.02)\\n'
subprocess.Popen([sys.executable, '-c', 'CODE = ' + repr(code) + '\\n' + loop],
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                 start_new_session=True)
'watching'
`
    await sandbox.writeFile('/work/found', '')
    expect(await sandbox.execute(request(watcher, 'python'))).toMatchObject({
      status: 'ok',
      value: 'watching',
    })
    const next = await sandbox.execute(
      request(`# ${MARKER}\nimport time\ntime.sleep(0.5)\ninput`, 'python', { input: MARKER }),
    )
    expect(next).toMatchObject({ status: 'ok', value: MARKER })
    expect(Buffer.from(await sandbox.readFile('/work/found')).toString()).toBe('')
  })

  test("K4: while a run lasts, its code and input are in no process's environment or argv", async ({
    containerSandbox: sandbox,
  }) => {
    // The scan works: a decoy with the marker in its argv is the one process it finds.
    // (sh waits for its sleep: `sleep 5 <marker>` would exit at once, before a fast scan. Popen returns
    // while the kernel may still be loading sh, with an empty cmdline: the scan waits until it is set.)
    const decoy = `import subprocess, time
d = subprocess.Popen(['sh', '-c', 'sleep 5', ${MARKER_PARTS}])
for _ in range(200):
    if open('/proc/%d/cmdline' % d.pid, 'rb').read():
        break
    time.sleep(0.01)
`
    const python = await sandbox.execute(
      request(`# ${MARKER}\n${decoy}${SCAN_PY}`, 'python', { input: MARKER }),
    )
    expect(python.status).toBe('ok')
    expect(python.value).toEqual([expect.stringMatching(/^\d+\/cmdline$/)])
    const javascript = await sandbox.execute(
      request(
        `// ${MARKER}
const fs = require('fs')
const marker = ${MARKER_PARTS}
fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).flatMap((p) =>
  ['environ', 'cmdline'].filter((part) => {
    try { return fs.readFileSync('/proc/' + p + '/' + part, 'latin1').includes(marker) } catch { return false }
  }).map((part) => p + '/' + part))`,
        'javascript',
        { input: MARKER },
      ),
    )
    expect(javascript).toMatchObject({ status: 'ok', value: [] })
    // Shell: scanned with builtins only, so no scanner's argv holds the marker either.
    const shell = await sandbox.execute(
      request(
        `# ${MARKER}
a=SECRET-; b=REQUEST-4711
for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do
  while IFS= read -r l; do case $l in *"$a$b"*) echo "$f";; esac; done 2>/dev/null < "$f"
done
echo scanned`,
      ),
    )
    expect(shell).toMatchObject({ status: 'ok', stdout: 'scanned\n' })
  })
})
