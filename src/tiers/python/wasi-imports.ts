/**
 * The Python tier's only import set: WASI preview 1, implemented here (the file calls in wasi-file-calls.ts)
 * over in-memory trees (wasi-files.ts)
 * and the run's output sink. Nothing reaches the host: no host files, no environment, no sockets (sock_*
 * calls are ENOTSUP), no processes. stdout and stderr are counted as written and bounded before a byte is
 * copied out of the guest (the sink throws at maxOutputBytes, which unwinds the guest). `proc_exit` unwinds
 * too. A bad guest pointer is EFAULT, never a host exception.
 */
import { webcrypto } from 'node:crypto'
import type { OutputSink } from '../wasm/output-sink.js'
import { ERRNO, MAX_IOVS } from './wasi-abi.js'
import { fileCalls } from './wasi-file-calls.js'
import { WasiFiles } from './wasi-files.js'
import { GuestPointerFault, type WasiMemory } from './wasi-memory.js'
import type { Mount } from './wasi-tree.js'

/** Thrown by `proc_exit` (CPython's abort() and fatal errors): the instance cannot go on. */
export class PythonExit extends Error {
  override name = 'PythonExit'
  constructor(readonly code: number) {
    super(`the interpreter exited with ${code}`)
  }
}

/** What one run gives the imports: where output goes, what stdin holds. */
export interface WasiRun {
  sink: OutputSink
  stdin: Uint8Array
  stdinPosition: number
}

const CLOCK_REALTIME = 0
const EVENTTYPE_CLOCK = 0
const SUBSCRIPTION_BYTES = 48
const EVENT_BYTES = 32
const SUBCLOCK_ABSTIME = 1
/** A sleep is waited in slices, so a long one still ends when the worker is terminated (it always is). */
const SLEEP_SLICE_MS = 1000
const sleeper = new Int32Array(new SharedArrayBuffer(4))

export type ImportFn = (...args: never[]) => number | void

export class PythonWasi {
  readonly files: WasiFiles
  run: WasiRun | undefined

  constructor(
    readonly memory: WasiMemory,
    mounts: Mount[],
    nextFd: number,
  ) {
    this.files = new WasiFiles(memory, mounts, nextFd)
  }

  /** The `wasi_snapshot_preview1` namespace, each call guarded against bad pointers. */
  imports(): Record<string, ImportFn> {
    const calls = this.#calls()
    const guarded = Object.create(null) as Record<string, ImportFn>
    for (const [name, fn] of Object.entries(calls))
      guarded[name] = (...args: never[]) => {
        try {
          return fn(...args)
        } catch (error) {
          if (error instanceof GuestPointerFault || error instanceof RangeError) return ERRNO.fault
          throw error
        }
      }
    return guarded
  }

  #calls(): Record<string, ImportFn> {
    const memory = this.memory
    const files = this.files
    const ok = (): number => ERRNO.success
    return {
      environ_sizes_get: (count: number, size: number) => {
        memory.setU32(count, 0)
        memory.setU32(size, 0)
        return ERRNO.success
      },
      environ_get: ok,
      clock_res_get: (_id: number, pointer: number) => {
        memory.setU64(pointer, 1000n)
        return ERRNO.success
      },
      clock_time_get: (id: number, _precision: bigint, pointer: number) => {
        memory.setU64(
          pointer,
          id === CLOCK_REALTIME ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint(),
        )
        return ERRNO.success
      },
      random_get: (pointer: number, length: number) => {
        const target = memory.bytes(pointer, length)
        for (let at = 0; at < length; at += 65536)
          webcrypto.getRandomValues(target.subarray(at, Math.min(length, at + 65536)))
        return ERRNO.success
      },
      sched_yield: ok,
      proc_exit: (code: number) => {
        throw new PythonExit(code >>> 0)
      },
      poll_oneoff: (input: number, output: number, count: number, eventsOut: number) =>
        this.#poll(input, output, count, eventsOut),
      sock_accept: () => ERRNO.notsup,
      sock_recv: () => ERRNO.notsup,
      sock_send: () => ERRNO.notsup,
      sock_shutdown: () => ERRNO.notsup,
      ...fileCalls(files, {
        readStdin: (iovs, count) => this.#readStdin(iovs, count),
        writeStdio: (fd, iovs, count, nwritten) => this.#writeStdio(fd, iovs, count, nwritten),
      }),
    }
  }

  #readStdin(iovs: number, count: number): number {
    const run = this.run
    if (run === undefined) return 0
    let done = 0
    for (let i = 0; i < Math.min(count >>> 0, MAX_IOVS); i++) {
      const pointer = this.memory.u32(iovs + i * 8)
      const length = this.memory.u32(iovs + i * 8 + 4)
      const take = Math.min(length, run.stdin.byteLength - run.stdinPosition)
      if (take <= 0) break
      this.memory.write(pointer, run.stdin.subarray(run.stdinPosition, run.stdinPosition + take))
      run.stdinPosition += take
      done += take
    }
    return done
  }

  #writeStdio(fd: 1 | 2, iovs: number, count: number, nwritten: number): number {
    const sink = this.run?.sink
    let written = 0
    for (let i = 0; i < Math.min(count >>> 0, MAX_IOVS); i++) {
      const pointer = this.memory.u32(iovs + i * 8)
      const length = this.memory.u32(iovs + i * 8 + 4)
      if (sink !== undefined) {
        // Never copy more than the room left (+1, so the sink sees the overflow and stops the run).
        const take = Math.min(length, Math.max(0, sink.room) + 1)
        sink.writeBytes(fd === 1 ? 'stdout' : 'stderr', this.memory.bytes(pointer, take).slice())
      }
      written += length
    }
    this.memory.setU32(nwritten, written)
    return ERRNO.success
  }

  // time.sleep() is a clock subscription: the worker blocks (its deadline still ends it); fd
  // subscriptions are reported ready at once (in-memory files never block).
  #poll(input: number, output: number, count: number, eventsOut: number): number {
    const memory = this.memory
    let sleepNs = 0n
    let events = 0
    for (let i = 0; i < count; i++) {
      const sub = input + i * SUBSCRIPTION_BYTES
      const tag = memory.u8(sub + 8)
      if (tag === EVENTTYPE_CLOCK) {
        const clockId = memory.u32(sub + 16)
        let timeout = memory.u64(sub + 24)
        if ((memory.u16(sub + 40) & SUBCLOCK_ABSTIME) !== 0) {
          const now =
            clockId === CLOCK_REALTIME ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint()
          timeout = timeout > now ? timeout - now : 0n
        }
        if (timeout > sleepNs) sleepNs = timeout
      }
      const event = output + events * EVENT_BYTES
      memory.setU64(event, memory.u64(sub))
      memory.setU16(event + 8, 0)
      memory.setU8(event + 10, tag)
      memory.setU64(event + 16, 0n)
      memory.setU16(event + 24, 0)
      events++
    }
    let leftMs = Number(sleepNs / 1_000_000n)
    while (leftMs > 0) {
      const slice = Math.min(leftMs, SLEEP_SLICE_MS)
      Atomics.wait(sleeper, 0, 0, slice)
      leftMs -= slice
    }
    memory.setU32(eventsOut, events)
    return ERRNO.success
  }
}
