/**
 * Runs in a fresh node process: the first sandbox of a process, from nothing. Prints one JSON line with
 * bootstrap (process start → this script), load (imports), first (first result in hand), all in ms.
 * Usage: node first-use-child.js <quickjs | wasm | floor-qjs | floor-none>
 */
const bootstrap = performance.now()
const mech = process.argv[2]
const AS_MAIN = 'export function main(input: string): string { return "2" }'

async function main() {
  let tLoad = bootstrap
  let value
  if (mech === 'quickjs' || mech === 'wasm') {
    const { SandboxManager } = await import('../../dist/index.js')
    tLoad = performance.now()
    const m = new SandboxManager()
    const config =
      mech === 'wasm' ? { type: 'wasm', language: 'assemblyscript' } : { type: 'quickjs' }
    const id = await m.createSandbox(config)
    const r = await m.execute(id, mech === 'wasm' ? { code: AS_MAIN } : '1+1')
    if (r.status !== 'ok') throw new Error(JSON.stringify(r.error))
    value = r.value
  } else if (mech === 'floor-qjs') {
    const { getQuickJS } = await import('quickjs-emscripten')
    tLoad = performance.now()
    const Q = await getQuickJS()
    const ctx = Q.newContext()
    value = ctx.dump(ctx.unwrapResult(ctx.evalCode('1+1')))
  } else if (mech === 'floor-none') {
    value = 2
  } else throw new Error(`unknown mech ${mech}`)
  const tFirst = performance.now()
  if (value !== 2) throw new Error(`first result ${value} !== 2`)
  process.stdout.write(
    `${JSON.stringify({ mech, bootstrap, load: tLoad - bootstrap, first: tFirst - tLoad, total: tFirst - bootstrap })}\n`,
  )
  process.exit(0)
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`)
  process.exit(1)
})
