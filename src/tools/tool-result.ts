/**
 * What a tool call returns, in the shape MCP's CallToolResult has (text and image content, structured
 * content, isError), which function-calling loops can also read as text (toolResultText).
 */
import type { ExecResult } from '../index.js'

export type ToolContent =
  { type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string }

export interface ToolResult {
  /** True when the call failed or the guest's code did not end 'ok'. */
  isError: boolean
  content: ToolContent[]
  /** The machine-readable result (run_code: the ExecResult, file bytes left out). */
  structuredContent?: Record<string, unknown>
}

/** A successful call's result: its data as JSON text and as structured content. */
export function dataResult(data: Record<string, unknown>): ToolResult {
  return {
    isError: false,
    content: [{ type: 'text', text: JSON.stringify(data) }],
    structuredContent: data,
  }
}

/** A failed call: the message a model can act on, and the error's code when it has one. */
export function errorResult(err: unknown): ToolResult {
  const name = err instanceof Error ? err.name : 'Error'
  const message = err instanceof Error ? err.message : String(err)
  const code = (err as { code?: unknown } | null)?.code
  return {
    isError: true,
    content: [{ type: 'text', text: `${name}: ${message}` }],
    structuredContent: {
      error: { name, message, ...(typeof code === 'string' ? { code } : {}) },
    },
  }
}

/**
 * run_code's result: the value, stdout and stderr as text, PNG files as images, the ExecResult (file
 * bytes left out: they are in the images or read_file) as structured content; isError unless 'ok'.
 */
export function execResultToToolResult(result: ExecResult): ToolResult {
  const content: ToolContent[] = []
  if (result.status !== 'ok') {
    const detail = result.error ? `: ${result.error.name}: ${result.error.message}` : ''
    content.push({ type: 'text', text: `status ${result.status} on ${result.tier}${detail}` })
  }
  if (result.value !== undefined) content.push({ type: 'text', text: JSON.stringify(result.value) })
  if (result.stdout !== '') content.push({ type: 'text', text: `stdout:\n${result.stdout}` })
  if (result.stderr !== '') content.push({ type: 'text', text: `stderr:\n${result.stderr}` })
  const files = result.files ?? []
  for (const file of files)
    if (file.mimeType === 'image/png' && file.bytes !== undefined)
      content.push({
        type: 'image',
        data: Buffer.from(file.bytes).toString('base64'),
        mimeType: 'image/png',
      })
  if (content.length === 0)
    content.push({ type: 'text', text: `status ${result.status}, no output` })
  const structured: Record<string, unknown> = { ...result }
  if (result.files !== undefined)
    structured['files'] = files.map(({ bytes: _bytes, ...rest }) => rest)
  return { isError: result.status !== 'ok', content, structuredContent: structured }
}

/** The result as one text, for function-calling loops that take a string back. */
export function toolResultText(result: ToolResult): string {
  return result.content
    .map((c) =>
      c.type === 'text' ? c.text : `[${c.mimeType} image, ${c.data.length} base64 chars]`,
    )
    .join('\n')
}
