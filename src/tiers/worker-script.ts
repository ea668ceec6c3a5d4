/**
 * Locates a compiled worker entry next to the calling module.
 *
 * Workers need JavaScript. From dist/ the entry sits beside the caller; when the caller runs from src/ (tests
 * through vitest), the entry is taken from dist/, which `npm test` builds first.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

export function resolveWorkerScript(callerUrl: string, relativeJs: string): URL {
  const beside = new URL(relativeJs, callerUrl)
  if (existsSync(fileURLToPath(beside))) return beside
  const callerPath = fileURLToPath(callerUrl)
  const marker = `${'/'}src${'/'}`
  const at = callerPath.lastIndexOf(marker)
  if (at >= 0) {
    const distCaller = `${callerPath.slice(0, at)}/dist/${callerPath.slice(at + marker.length)}`
    const fromDist = new URL(relativeJs, pathToFileURL(distCaller))
    if (existsSync(fileURLToPath(fromDist))) return fromDist
    throw new Error(
      `Worker entry ${relativeJs} not built: run "npm run build" (looked in ${fileURLToPath(fromDist)})`,
    )
  }
  throw new Error(`Worker entry ${relativeJs} not found beside ${callerPath}`)
}
