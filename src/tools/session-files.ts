/**
 * write_file, read_file and list_files on a session: the manager's file methods, with the tool's text /
 * base64 encodings. A PNG read comes back as an image a model can see.
 */
import { ConfigError, type SandboxManager } from '../index.js'
import { dataResult, type ToolResult } from './tool-result.js'

/** A file's bytes as a tool argument: text, or `{ base64 }`. */
export function decodeFileArgument(path: string, value: unknown): string | Uint8Array {
  if (typeof value === 'string') return value
  const base64 = (value as { base64?: unknown } | null)?.base64
  if (typeof base64 !== 'string')
    throw new ConfigError(`files.${path}`, 'text or { base64 }', value)
  return Buffer.from(base64, 'base64')
}

export async function writeSessionFile(
  manager: SandboxManager,
  id: string,
  args: { path: string; content?: string; base64?: string },
): Promise<ToolResult> {
  if ((args.content === undefined) === (args.base64 === undefined))
    throw new ConfigError(
      'content',
      'either content (text) or base64 (bytes), not both',
      args.content,
    )
  const data = args.content ?? Buffer.from(args.base64 ?? '', 'base64')
  await manager.writeFile(id, args.path, data)
  return dataResult({
    path: args.path,
    size: typeof data === 'string' ? Buffer.byteLength(data) : data.length,
  })
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

export async function readSessionFile(
  manager: SandboxManager,
  id: string,
  args: { path: string; encoding?: 'utf8' | 'base64' },
): Promise<ToolResult> {
  const bytes = await manager.readFile(id, args.path)
  const isPng = PNG_SIGNATURE.every((b, i) => bytes[i] === b)
  const base64 = Buffer.from(bytes).toString('base64')
  const structuredContent = { path: args.path, size: bytes.length }
  if (isPng)
    return {
      isError: false,
      content: [{ type: 'image', data: base64, mimeType: 'image/png' }],
      structuredContent: { ...structuredContent, mimeType: 'image/png' },
    }
  const text = args.encoding === 'base64' ? base64 : Buffer.from(bytes).toString('utf8')
  return {
    isError: false,
    content: [{ type: 'text', text }],
    structuredContent: { ...structuredContent, encoding: args.encoding ?? 'utf8', content: text },
  }
}

export async function listSessionFiles(
  manager: SandboxManager,
  id: string,
  args: { path?: string },
): Promise<ToolResult> {
  const entries = await manager.listFiles(id, args.path ?? '.')
  return dataResult({
    files: entries.map(({ path, kind, size }) => ({ path, kind, size })),
  })
}
