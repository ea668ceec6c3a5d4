// Output as it is written: onOutput gets each chunk while the run goes on (here from a container, where a
// shell prints a line, sleeps, prints again). Needs the Docker engine (`bash scripts/engine-up.sh`).
import assert from 'node:assert/strict'
import { SandboxManager } from 'sandtier'

const manager = new SandboxManager()
const started = performance.now()
const arrivals = []
const result = await manager.runOnce(
  { type: 'docker', language: 'shell' },
  {
    code: 'echo step 1; sleep 1; echo step 2',
    onOutput: ({ stream, text, tier }) => {
      arrivals.push(performance.now() - started)
      process.stdout.write(`[${tier} ${stream}] ${text}`)
    },
  },
)
assert.equal(result.stdout, 'step 1\nstep 2\n')
// The first line was printed about a second before the run ended.
assert.ok(performance.now() - started - arrivals[0] > 700)
await manager.close()
