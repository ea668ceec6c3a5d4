// sandtier's tools in a function-calling loop: the definitions go to the model, its calls to the dispatcher.
import assert from 'node:assert/strict'
import { createTools, toAnthropicTools, toOpenAITools, toolResultText } from 'sandtier/tools'

const tools = createTools({ config: { tiers: ['quickjs'], limits: { executionTime: 5_000 } } })
const openAi = toOpenAITools(tools.definitions) // → chat.completions.create({ tools: openAi, … })
const anthropic = toAnthropicTools(tools.definitions) // → messages.create({ tools: anthropic, … })
assert.equal(openAi[0].function.name, 'run_code')
assert.equal(anthropic[0].input_schema.type, 'object')

// What a model's tool calls look like; a real loop takes them from the model's reply.
const modelCalls = [
  { name: 'create_session', arguments: {} },
  { name: 'run_code', arguments: { code: 'globalThis.total = [1, 2, 3].reduce((a, b) => a + b)' } },
]
const session = await tools.call(modelCalls[0].name, modelCalls[0].arguments)
const sessionId = session.structuredContent.sessionId
await tools.call('run_code', { ...modelCalls[1].arguments, sessionId })
const answer = await tools.call('run_code', { code: 'total * 10', sessionId })
assert.equal(answer.structuredContent.value, 60)
console.log(toolResultText(answer)) // the text to send back to the model as the tool's result
await tools.close()
