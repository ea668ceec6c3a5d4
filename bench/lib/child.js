/** Fresh node processes for figures that need one (first use, memory per instance, isolated-vm). */
import { execFile } from 'node:child_process'

/**
 * Runs `node [flags] script ...args`, resolves with the last stdout line parsed as JSON plus `wallMs`
 * (spawn to exit, as the parent sees it).
 */
export function runChild(script, args = [], { flags = [], timeoutMs = 300_000, env } = {}) {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...flags, script, ...args],
      {
        timeout: timeoutMs,
        maxBuffer: 16 << 20,
        env: env ? { ...process.env, ...env } : process.env,
      },
      (error, stdout, stderr) => {
        const wallMs = performance.now() - t0
        if (error)
          return reject(
            new Error(
              `${script.split('/').pop()} ${args.join(' ')}: ${stderr.trim().split('\n').slice(-3).join(' | ') || error.message}`,
            ),
          )
        try {
          resolve({ ...JSON.parse(stdout.trim().split('\n').pop()), wallMs })
        } catch {
          reject(new Error(`${script}: no JSON on stdout: ${stdout.slice(-200)}`))
        }
      },
    )
  })
}
