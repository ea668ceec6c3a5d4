/**
 * K4-keeper (found while fixing issue 21): the processes the run killer keeps — session 1: the container's
 * init and its main command — outlive every run and run as the guest's uid. Under runc, with docker-init
 * (tini) as init and `sleep infinity` as main, a guest could open /proc/1/mem for writing (seccomp refuses
 * ptrace, not open; this host has no Yama) and run code out of the killer's reach. Now the image's keeper is
 * pid 1: it and its main command are not dumpable, so their mem, environ and fd/ are closed to the guest
 * (runc; gVisor 20221219 closes mem by its ptrace rules and leaves environ and fd/ open whatever the
 * dumpability, and they hold only the container's environment and its stdio). Each exec waits until the
 * keeper is ready, the keeper reaps every orphan, ignores a guest's signals, and still ends at docker stop.
 * Everything through the public API (SandboxManager) but the exec gate and the stop, which need the engine.
 */
import type Dockerode from 'dockerode'
import { beforeAll, describe, expect, it } from 'vitest'
import { LABEL_UID } from '../../../src/tiers/container/labels.js'
import { useFileManager } from '../../fixtures/sandtier.js'
import { KINDS, docker, ensureImage } from '../container/helpers.js'
import { execInContainer } from './container-host-helpers.js'

beforeAll(() => ensureImage())

// One manager for the file: the sandboxes of each runtime are shared by its tests (run after run is the point).
const { manager } = useFileManager({ tiers: { docker: { poolSize: 0 }, gvisor: { poolSize: 0 } } })

/**
 * Python: opens mem, environ and fd/0 of every process of session 1 for reading and writing, and comm for
 * writing (the keeper's readiness is its name); the value maps each attempt to the set of outcomes.
 */
const PROBE_KEPT = `
import os
def session(pid):
    try:
        stat = open('/proc/%s/stat' % pid).read()
    except OSError:
        return None
    return int(stat[stat.rindex(')') + 2:].split()[3])
kept = [p for p in os.listdir('/proc') if p.isdigit() and session(p) == 1]
outcomes = {}
for pid in kept:
    for name, mode in (('mem', 'rb'), ('mem', 'r+b'), ('environ', 'rb'), ('environ', 'r+b'),
                       ('fd/0', 'rb'), ('fd/0', 'r+b'), ('comm', 'wb')):
        try:
            open('/proc/%s/%s' % (pid, name), mode, buffering=0).close()
            outcome = 'opened'
        except OSError as e:
            outcome = e.strerror
        outcomes.setdefault(name + ' ' + mode, set()).add(outcome)
{'kept': sorted(open('/proc/%s/comm' % p).read().strip() for p in kept),
 'outcomes': {k: sorted(v) for k, v in outcomes.items()}}
`

const MiB = 1024 * 1024
const DENIED = ['Permission denied']
/** runc: every attempt is refused (the files belong to root once a process is not dumpable). */
const RUNC_OUTCOMES = {
  'mem rb': DENIED,
  'mem r+b': DENIED,
  'environ rb': DENIED,
  'environ r+b': DENIED,
  'fd/0 rb': DENIED,
  'fd/0 r+b': DENIED,
  'comm wb': DENIED,
}
/** gVisor 20221219: mem is closed (ptrace rules: not a descendant); environ (0444) and fd/ stay open. */
const RUNSC_OUTCOMES = {
  ...RUNC_OUTCOMES,
  'environ rb': ['opened'],
  'fd/0 rb': ['opened'],
  'fd/0 r+b': ['opened'],
}

/** Shell: processes that try to outlive the run; prints how many sessions other than 1 and its own exist. */
const ESCAPES = `
(while :; do sleep 1; done) </dev/null >/dev/null 2>&1 &
setsid sh -c 'while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &
sh -c '(sh -c "trap \\"\\" HUP TERM INT; while :; do sleep 1; done" &)' </dev/null >/dev/null 2>&1
python3 -c '
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        while True:
            time.sleep(1)
    os._exit(0)
' </dev/null >/dev/null 2>&1
me=$(cut -d' ' -f6 /proc/self/stat)
count_foreign() {
  foreign=0 seen=' '
  for d in /proc/[0-9]*; do
    read -r l 2>/dev/null <"$d/stat" || continue
    set -- \${l##*) }
    case $seen in *" $4 "*) continue ;; esac
    seen="$seen$4 "
    [ "$4" = 1 ] || [ "$4" = "$me" ] || foreign=$((foreign + 1))
  done
}
for i in $(seq 100); do
  count_foreign
  [ "$foreign" -ge 2 ] && break
  sleep 0.05
done
echo "foreign sessions: $foreign"
`

/** Python: every live process outside session 1 and this run's session, as "pid name". */
const STRANGERS = `
import os
me = os.getsid(0)
found = []
for p in os.listdir('/proc'):
    if not p.isdigit():
        continue
    try:
        stat = open('/proc/%s/stat' % p).read()
    except OSError:
        continue
    fields = stat[stat.rindex(')') + 2:].split()
    if int(fields[3]) in (1, me) or fields[0] in 'ZX':
        continue
    found.append(p + ' ' + stat[stat.index('(') + 1:stat.rindex(')')])
found
`

/**
 * Python: leaves zombies two ways — 40 children it never waits for (they become the keeper's when the run
 * ends and this process is killed) and 20 grandchildren orphaned to the keeper that exit during the run —
 * then waits up to 5 s for its children to be zombies and the keeper to have reaped the orphans. Value:
 * zombies whose parent is the keeper, zombies whose parent is this process.
 */
const ZOMBIES = `
import os, time
def zombies():
    mine, keepers = 0, 0
    for p in os.listdir('/proc'):
        try:
            stat = open('/proc/%s/stat' % p).read()
        except OSError:
            continue
        fields = stat[stat.rindex(')') + 2:].split()
        if fields[0] == 'Z':
            if fields[1] == '1':
                keepers += 1
            elif int(fields[1]) == os.getpid():
                mine += 1
    return keepers, mine
for _ in range(40):
    if os.fork() == 0:
        os._exit(0)
for _ in range(20):
    middle = os.fork()
    if middle == 0:
        if os.fork() == 0:
            time.sleep(0.2)
            os._exit(0)
        os._exit(0)
    os.waitpid(middle, 0)
deadline = time.time() + 5
time.sleep(0.3)
while zombies() != (0, 40) and time.time() < deadline:
    time.sleep(0.05)
zombies()
`

/** Python: every zombie in the sandbox, waiting up to 5 s for the keeper to reap the last run's. */
const ZOMBIE_COUNT = `
import os, time
def count():
    n = 0
    for p in os.listdir('/proc'):
        try:
            stat = open('/proc/%s/stat' % p).read()
        except OSError:
            continue
        if stat[stat.rindex(')') + 2:].split()[0] == 'Z':
            n += 1
    return n
deadline = time.time() + 5
while count() > 0 and time.time() < deadline:
    time.sleep(0.05)
count()
`

/** The container of a sandbox: the one labelled with the uid the guest runs as. */
async function containerOf(id: string): Promise<Dockerode.Container> {
  const r = await manager.execute(id, { code: 'id -u', language: 'shell' })
  const uid = r.stdout.trim()
  const found = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_UID}=${uid}`, `sandtier.pid=${process.pid}`] },
  })
  expect(found.map((c) => c.Labels[LABEL_UID])).toEqual([uid])
  return docker.getContainer(found[0]!.Id)
}

describe.each(KINDS)('%s: the processes the run killer keeps (K4-keeper)', (kind) => {
  const runtime = kind === 'docker' ? 'runc' : 'runsc'
  let plain: string
  let withCommand: string

  beforeAll(async () => {
    // Room for the 60 forked Pythons of K4-keeper-3: gVisor charges them to the sandbox (64 MiB is too little).
    plain = await manager.createSandbox({ type: kind, language: 'python', memoryLimit: 256 * MiB })
    // A main command whose shell starts a child, then replaces itself: three processes in session 1.
    withCommand = await manager.createSandbox({
      type: kind,
      language: 'python',
      command: ['sh', '-c', 'sleep infinity & exec sleep infinity'],
    })
  })

  it('K4-keeper-1: the keeper is alone in session 1, and its mem, environ and fd/0 are closed', async () => {
    const r = await manager.execute(plain, PROBE_KEPT)
    expect(r.status).toBe('ok')
    expect(r.value).toEqual({
      // The image's resident runner is the main command (issue 15), on both runtimes.
      kept: ['python3', 'sandtier-ready'],
      outcomes: kind === 'docker' ? RUNC_OUTCOMES : RUNSC_OUTCOMES,
    })
  })

  it('K4-keeper-1: so are those of a main command and of what it started', async () => {
    const r = await manager.execute(withCommand, PROBE_KEPT)
    expect(r.status).toBe('ok')
    expect(r.value).toEqual({
      kept: ['sandtier-ready', 'sleep', 'sleep'],
      outcomes: kind === 'docker' ? RUNC_OUTCOMES : RUNSC_OUTCOMES,
    })
  })

  it('K4-keeper-2: a background loop, setsid, a double fork and a new session leader are gone before the next run', async () => {
    for (const id of [plain, withCommand]) {
      const first = await manager.execute(id, { code: ESCAPES, language: 'shell' })
      expect(first).toMatchObject({ status: 'ok', stdout: 'foreign sessions: 2\n' })
      const next = await manager.execute(id, STRANGERS)
      expect(next).toMatchObject({ status: 'ok', value: [] })
    }
  })

  it("K4-keeper-3: the keeper reaps orphans during a run and the run's zombies after it, run after run", async () => {
    for (let round = 0; round < 3; round++) {
      const r = await manager.execute(plain, ZOMBIES)
      // No orphan left unreaped; the run's own 40 wait for its end.
      expect(r).toMatchObject({ status: 'ok', value: [0, 40] })
      const after = await manager.execute(plain, ZOMBIE_COUNT)
      expect(after).toMatchObject({ status: 'ok', value: 0 })
    }
  })

  it("K4-keeper-4: a guest's SIGTERM, SIGINT and SIGHUP to the keeper are ignored: the sandbox stays", async () => {
    await manager.execute(plain, { code: 'echo kept > /work/kept', language: 'shell' })
    const r = await manager.execute(plain, {
      code: 'kill -TERM 1; kill -INT 1; kill -HUP 1; sleep 0.3; cat /proc/1/comm',
      language: 'shell',
    })
    expect(r).toMatchObject({ status: 'ok', stdout: 'sandtier-ready\n' })
    const next = await manager.execute(plain, { code: 'cat /work/kept', language: 'shell' })
    expect(next).toMatchObject({ status: 'ok', stdout: 'kept\n' })
  })

  it('K4-keeper-5: docker stop ends the keeper at its SIGTERM (143), well within the 1 s stop timeout', async () => {
    const id = await manager.createSandbox({ type: kind, language: 'shell' })
    const container = await containerOf(id)
    const startedAt = Date.now()
    await container.stop()
    const stoppedMs = Date.now() - startedAt
    const { State } = await container.inspect()
    expect(State.ExitCode).toBe(143)
    expect(stoppedMs).toBeLessThan(5_000)
    await manager.destroy(id)
  })

  it('K4-keeper-5: destroy removes the container within a few seconds', async () => {
    const id = await manager.createSandbox({ type: kind, language: 'shell' })
    const container = await containerOf(id)
    const startedAt = Date.now()
    await manager.destroy(id)
    expect(Date.now() - startedAt).toBeLessThan(5_000)
    const gone: unknown = await container.inspect().then(
      () => 'still there',
      (e: { statusCode?: number }) => e.statusCode,
    )
    expect(gone).toBe(404)
  })

  it('K4-keeper-6: the first process of an exec waits until pid 1 names itself ready', async () => {
    // A stand-in pid 1: "python3" for 2 s (no keeper: execs are not held), then "sandtier-keeper" for 4 s
    // (held), then "sandtier-ready".
    const init = [
      'import ctypes, time',
      'libc = ctypes.CDLL(None)',
      'time.sleep(2)',
      'libc.prctl(15, b"sandtier-keeper", 0, 0, 0)',
      'open("/dev/shm/named", "w").close()',
      'time.sleep(4)',
      'libc.prctl(15, b"sandtier-ready", 0, 0, 0)',
      'time.sleep(600)',
    ].join('\n')
    const container = await docker.createContainer({
      Image: 'sandtier-sandbox:latest',
      Entrypoint: ['python3', '-c', init],
      Labels: { sandtier: '1', 'sandtier.pid': String(process.pid), 'sandtier.tier': kind },
      HostConfig: {
        Runtime: runtime,
        NetworkMode: 'none',
        LogConfig: { Type: 'none', Config: {} },
      },
    })
    try {
      await container.start()
      // Starts while pid 1 is python3 (not held), waits for the name, and sees it.
      const before = await execInContainer(container.id, [
        'sh',
        '-c',
        'while [ ! -e /dev/shm/named ]; do sleep 0.01; done; cat /proc/1/comm',
      ])
      expect(before.stdout).toBe('sandtier-keeper\n')
      // Starts while pid 1 is named but not ready: held until it is.
      const held = await execInContainer(container.id, ['cat', '/proc/1/comm'])
      expect(held.stdout).toBe('sandtier-ready\n')
    } finally {
      await container.remove({ force: true })
    }
  })
})
