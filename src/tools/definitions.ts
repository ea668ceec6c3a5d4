/**
 * The tools' definitions: name, description and JSON Schema of the arguments, built for one server's
 * config (its tiers and languages in the enums, its limits in the descriptions). Every number's range
 * comes from config/field-ranges.ts, the table the library validates with.
 */
import type { ResolvedToolsConfig } from './tools-config.js'
import { servedLanguages } from './call-limits.js'
import {
  enumSchema,
  objectSchema,
  rangeSchema,
  stringSchema,
  type JsonSchema,
} from './json-schema.js'

/** A tool as function-calling APIs and MCP describe it. */
export interface ToolDefinition {
  name: ToolName
  description: string
  inputSchema: JsonSchema
}

export const TOOL_NAMES = [
  'run_code',
  'create_session',
  'close_session',
  'write_file',
  'read_file',
  'list_files',
  'list_runtimes',
] as const

export type ToolName = (typeof TOOL_NAMES)[number]

const SESSION_ID = stringSchema('A session id returned by create_session.', { minLength: 1 })
const PATH = stringSchema(
  "A path in the session's folder: relative ('data/in.csv') or under /work/; no '..'.",
  { minLength: 1, maxLength: 4096 },
)

function limitsSchema(server: ResolvedToolsConfig): JsonSchema {
  const cap = (n: number): string => ` At most ${n} on this server (the default).`
  return objectSchema(
    {
      memory: rangeSchema('limits.memory', cap(server.limits.memory)),
      executionTime: rangeSchema('limits.executionTime', cap(server.limits.executionTime)),
      cpuTime: rangeSchema('limits.cpuTime', cap(server.limits.cpuTime)),
      maxOutputBytes: rangeSchema('limits.maxOutputBytes', cap(server.limits.maxOutputBytes)),
      diskSpace: rangeSchema('limits.diskSpace', cap(server.limits.diskSpace)),
    },
    [],
    "Lower this call's limits; a limit above the server's is refused.",
  )
}

function sandboxProperties(server: ResolvedToolsConfig): Record<string, JsonSchema> {
  return {
    language: enumSchema(servedLanguages(server), 'The language of the code. Default: javascript.'),
    tier: enumSchema(
      server.tiers,
      'The isolation tier. Default: the lightest tier that runs the language.',
    ),
    limits: limitsSchema(server),
  }
}

const FILES = {
  type: 'object',
  description:
    "Files to write into the sandbox's folder before the run, by path: text, or { base64 } for bytes.",
  additionalProperties: {
    anyOf: [
      { type: 'string' },
      objectSchema({ base64: stringSchema('The bytes, base64-encoded.') }, ['base64']),
    ],
  },
}

/** The definitions of every tool, for a server with this config. */
export function toolDefinitions(server: ResolvedToolsConfig): ToolDefinition[] {
  return [
    {
      name: 'run_code',
      description:
        'Run code in an isolated sandbox and return its value, stdout and stderr. The value is that of ' +
        'the last expression, or the awaited return of a default-exported function called with `input`. ' +
        'The global `input` holds the input. Without sessionId the sandbox is fresh and discarded; with ' +
        'one, globals and files persist between calls. Files the run writes under out/ come back (PNG as ' +
        'images).',
      inputSchema: objectSchema(
        {
          code: stringSchema('The program (or a shell command for language shell).'),
          input: { description: 'Any JSON value, exposed to the code as the global `input`.' },
          sessionId: SESSION_ID,
          timeoutMs: rangeSchema('timeoutMs'),
          files: FILES,
          ...sandboxProperties(server),
        },
        ['code'],
      ),
    },
    {
      name: 'create_session',
      description:
        'Create a sandbox that keeps its globals and files between run_code calls. Close it with ' +
        `close_session; it also closes after ${server.sessions.idleMs} ms unused.`,
      inputSchema: objectSchema(sandboxProperties(server)),
    },
    {
      name: 'close_session',
      description: 'Close a session and free its sandbox.',
      inputSchema: objectSchema({ sessionId: SESSION_ID }, ['sessionId']),
    },
    {
      name: 'write_file',
      description: "Write a file into a session's folder (text, or base64 bytes).",
      inputSchema: objectSchema(
        {
          sessionId: SESSION_ID,
          path: PATH,
          content: stringSchema('The text to write (UTF-8).'),
          base64: stringSchema('The bytes to write, base64-encoded (instead of content).'),
        },
        ['sessionId', 'path'],
      ),
    },
    {
      name: 'read_file',
      description: "Read a file from a session's folder: text, or an image for PNG files.",
      inputSchema: objectSchema(
        {
          sessionId: SESSION_ID,
          path: PATH,
          encoding: enumSchema(['utf8', 'base64'], 'How to return the bytes. Default: utf8.'),
        },
        ['sessionId', 'path'],
      ),
    },
    {
      name: 'list_files',
      description: "List a session's folder (or a folder in it) with sizes.",
      inputSchema: objectSchema({ sessionId: SESSION_ID, path: PATH }, ['sessionId']),
    },
    {
      name: 'list_runtimes',
      description:
        'List the tiers this server runs code on, whether each is available here, its languages and versions.',
      inputSchema: objectSchema({}),
    },
  ]
}
