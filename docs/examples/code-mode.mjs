// Code mode: the model writes one program that calls the agent's tools; it runs on quickjs.
import assert from 'node:assert/strict'
import { codeMode } from 'sandtier/tools'

const weather = { Paris: 18, Oslo: 6 }
const cm = await codeMode({
  tools: [
    {
      name: 'get_temperature',
      description: 'Current temperature in °C of a city',
      inputSchema: {
        type: 'object',
        properties: { city: { type: 'string', enum: Object.keys(weather) } },
        required: ['city'],
        additionalProperties: false,
      },
      execute: async ({ city }) => weather[city],
    },
  ],
  toolCalls: { maxCalls: 10, callTimeoutMs: 2_000 },
})
// Put this in the prompt: the model sees each tool as a typed async function.
console.log(cm.declarations)
const program = `
const cities = ['Paris', 'Oslo'] as const
const temps = await Promise.all(cities.map((city) => tools.get_temperature({ city })))
cities[temps.indexOf(Math.max(...(temps as number[])))]
`
const result = await cm.run(program)
assert.equal(result.status, 'ok')
assert.equal(result.value, 'Paris')
assert.equal(result.toolCalls, 2)
console.log(result.value)
await cm.close()
