/**
 * The seed's comparison table, kept beside our measured values. Quantitative claims are the ones the seed
 * states (WASM: start "<1ms", memory "1-10MB"; Docker: "seconds", "50-200MB"); a cell the seed does not
 * fill for a tier stays undefined and is shown as "—". The qualitative columns describe our tiers as built
 * (DESIGN.md), since isolation, syscalls, security and ecosystem are not measured.
 */
export const SEED_CLAIMS = {
  quickjs: { startup: undefined, memory: undefined },
  wasm: { startup: '<1ms', memory: '1-10MB' },
  docker: { startup: 'seconds', memory: '50-200MB' },
  gvisor: { startup: undefined, memory: undefined },
}

export const QUALITATIVE = {
  quickjs: {
    isolation:
      'QuickJS interpreter in its own WebAssembly.Memory (max = memory limit), in a worker thread',
    syscalls: 'none: no WASI; only console, timers, host functions and policy-checked fetch',
    security:
      'no host objects reachable; deadline terminates the worker; guest results copied inside the guest',
    ecosystem: 'JavaScript / TypeScript (ES2023, no Node built-ins)',
  },
  wasm: {
    isolation: 'wasm instance with a host-created bounded memory, in a worker thread',
    syscalls: 'WASI subset through the host; imports checked against an allowlist',
    security:
      'null-prototype imports, bounds-checked guest pointers, worker terminated at the deadline',
    ecosystem: 'AssemblyScript, any language compiled to wasm (WASI)',
  },
  docker: {
    isolation: 'Linux namespaces + cgroups on runc (shared host kernel)',
    syscalls: 'host kernel, seccomp allowlist stricter than Docker default, CapDrop ALL',
    security:
      'no-new-privileges, read-only rootfs, pids/memory limits, network none unless granted',
    ecosystem: 'anything in the image: node, python3, sh',
  },
  gvisor: {
    isolation: 'runsc: user-space kernel (Sentry) between guest and host, ptrace/systrap platform',
    syscalls: 'served by the Sentry; few host syscalls from a seccomp-confined Sentry',
    security: 'as docker, plus a second kernel boundary; for untrusted code',
    ecosystem: 'anything in the image: node, python3, sh',
  },
}
