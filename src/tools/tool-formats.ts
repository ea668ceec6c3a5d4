/** The definitions in the shapes the common function-calling APIs take. */
import type { ToolDefinition } from './definitions.js'
import type { JsonSchema } from './json-schema.js'

/** OpenAI Chat Completions `tools`: `{ type: 'function', function: { name, description, parameters } }`. */
export function toOpenAITools(
  definitions: readonly ToolDefinition[],
): { type: 'function'; function: { name: string; description: string; parameters: JsonSchema } }[] {
  return definitions.map((d) => ({
    type: 'function',
    function: { name: d.name, description: d.description, parameters: d.inputSchema },
  }))
}

/** Anthropic Messages `tools`: `{ name, description, input_schema }`. */
export function toAnthropicTools(
  definitions: readonly ToolDefinition[],
): { name: string; description: string; input_schema: JsonSchema }[] {
  return definitions.map((d) => ({
    name: d.name,
    description: d.description,
    input_schema: d.inputSchema,
  }))
}
