/**
 * TypeScript declarations of code mode's tools, for the prompt: each tool a typed async function on the
 * global `tools`, its argument type written from its JSON Schema and its description as a doc comment.
 */
import type { JsonSchema } from '../json-schema.js'

/** The part of a tool the declarations need. */
export interface DeclaredTool {
  name: string
  description?: string | undefined
  inputSchema: JsonSchema
  outputSchema?: JsonSchema | undefined
}

const MAX_DEPTH = 8

/** `declare const tools: { … }` for the given tools. */
export function toolDeclarations(tools: readonly DeclaredTool[]): string {
  const members = tools.map((tool) => {
    const doc = tool.description ? `${docComment(tool.description, '  ')}\n` : ''
    const output = tool.outputSchema ? typeOf(tool.outputSchema, 1) : 'unknown'
    return `${doc}  ${propertyName(tool.name)}(args: ${typeOf(tool.inputSchema, 1)}): Promise<${output}>`
  })
  return `/** The agent's tools: each call runs on the host, its arguments checked against the tool's schema. */\ndeclare const tools: {\n${members.join('\n')}\n}\n`
}

function typeOf(schema: unknown, depth: number): string {
  if (typeof schema !== 'object' || schema === null || depth > MAX_DEPTH) return 'unknown'
  const s = schema as Record<string, unknown>
  if (Array.isArray(s['enum']))
    return s['enum'].map((v) => JSON.stringify(v)).join(' | ') || 'never'
  if ('const' in s) return JSON.stringify(s['const'])
  for (const key of ['anyOf', 'oneOf'])
    if (Array.isArray(s[key]))
      return (s[key] as unknown[]).map((v) => typeOf(v, depth + 1)).join(' | ')
  const type = s['type']
  if (Array.isArray(type))
    return (type as unknown[]).map((t) => typeOf({ ...s, type: t }, depth)).join(' | ')
  switch (type) {
    case 'string':
      return 'string'
    case 'number':
    case 'integer':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'null':
      return 'null'
    case 'array':
      return `Array<${typeOf(s['items'], depth + 1)}>`
    case 'object':
      return objectType(s, depth)
    default:
      return s['properties'] ? objectType(s, depth) : 'unknown'
  }
}

function objectType(s: Record<string, unknown>, depth: number): string {
  const properties = (s['properties'] ?? {}) as Record<string, unknown>
  const required = new Set(Array.isArray(s['required']) ? (s['required'] as string[]) : [])
  const pad = '  '.repeat(depth + 1)
  const lines = Object.entries(properties).map(([name, prop]) => {
    const description = (prop as { description?: unknown } | null)?.description
    const doc = typeof description === 'string' ? `${docComment(description, pad)}\n` : ''
    return `${doc}${pad}${propertyName(name)}${required.has(name) ? '' : '?'}: ${typeOf(prop, depth + 1)}`
  })
  const extra = s['additionalProperties']
  if (extra !== undefined && extra !== false)
    lines.push(`${pad}[key: string]: ${extra === true ? 'unknown' : typeOf(extra, depth + 1)}`)
  if (lines.length === 0)
    return extra === false ? 'Record<string, never>' : 'Record<string, unknown>'
  return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`
}

function propertyName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)
}

function docComment(text: string, pad: string): string {
  const clean = text.replaceAll('*/', '* /').split('\n').join(`\n${pad} * `)
  return `${pad}/** ${clean} */`
}
