/**
 * The MIME type of a file a run wrote (ExecResult.files): from its extension, else from its first bytes for
 * the formats a program commonly writes without one (PNG, JPEG, GIF, PDF), else application/octet-stream.
 * A label for the caller, never a reason to trust the bytes.
 */

// A Map, not an object: an extension such as 'constructor' must not find Object.prototype's.
const BY_EXTENSION: ReadonlyMap<string, string> = new Map(
  Object.entries({
    txt: 'text/plain',
    log: 'text/plain',
    md: 'text/markdown',
    csv: 'text/csv',
    tsv: 'text/tab-separated-values',
    json: 'application/json',
    jsonl: 'application/jsonl',
    xml: 'application/xml',
    yaml: 'application/yaml',
    yml: 'application/yaml',
    html: 'text/html',
    htm: 'text/html',
    css: 'text/css',
    svg: 'image/svg+xml',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    pdf: 'application/pdf',
    zip: 'application/zip',
    gz: 'application/gzip',
    wasm: 'application/wasm',
    py: 'text/x-python',
    js: 'text/javascript',
    mjs: 'text/javascript',
    ts: 'text/x-typescript',
    sh: 'text/x-shellscript',
  }),
)

const MAGIC: readonly [readonly number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png'],
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif'],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'application/pdf'],
]

/** `bytes` may be undefined (a file listed without its bytes): then only the extension counts. */
export function mimeTypeOf(path: string, bytes: Uint8Array | undefined): string {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  if (dot > 0) {
    const known = BY_EXTENSION.get(name.slice(dot + 1).toLowerCase())
    if (known !== undefined) return known
  }
  if (bytes !== undefined)
    for (const [magic, type] of MAGIC)
      if (magic.length <= bytes.length && magic.every((b, i) => bytes[i] === b)) return type
  return 'application/octet-stream'
}
