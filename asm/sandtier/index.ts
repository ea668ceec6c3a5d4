/**
 * sandtier guest library for AssemblyScript: `import { input, output, log, fetch } from 'sandtier'`.
 *
 * Convention: `export function main(input: string): string` receives the run's input as JSON text and returns
 * the value as JSON text. Host calls are synchronous from the guest's view; the host checks every pointer and
 * length it is given and applies the sandbox's network policy to `fetch`.
 */

// Host imports: pointer/length pairs into this module's (host-owned, bounded) memory.
@external('sandtier', 'input_size')
declare function hostInputSize(): i32
@external('sandtier', 'read')
declare function hostRead(ptr: usize, len: i32): void
@external('sandtier', 'output')
declare function hostOutput(ptr: usize, len: i32): void
@external('sandtier', 'log')
declare function hostLog(ptr: usize, len: i32): void
@external('sandtier', 'log_error')
declare function hostLogError(ptr: usize, len: i32): void
@external('sandtier', 'fetch')
declare function hostFetch(ptr: usize, len: i32): i32
@external('sandtier', 'call')
declare function hostCall(namePtr: usize, nameLen: i32, argsPtr: usize, argsLen: i32): i32

/** Copies the host's pending reply (the size was just returned by a host call) into a new buffer. */
function pull(size: i32): ArrayBuffer {
  const buffer = new ArrayBuffer(size)
  if (size > 0) hostRead(changetype<usize>(buffer), size)
  return buffer
}

/** The run's input as JSON text (`null` when there is none). */
export function input(): string {
  return String.UTF8.decode(pull(hostInputSize()))
}

/** Sets the run's value: JSON text (or any text, reported as a string). The last call wins. */
export function output(value: string): void {
  const bytes = String.UTF8.encode(value)
  hostOutput(changetype<usize>(bytes), bytes.byteLength)
}

/** Writes a line to stdout (counted against the sandbox's maxOutputBytes). */
export function log(message: string): void {
  const bytes = String.UTF8.encode(message)
  hostLog(changetype<usize>(bytes), bytes.byteLength)
}

/** Writes a line to stderr. */
export function logError(message: string): void {
  const bytes = String.UTF8.encode(message)
  hostLogError(changetype<usize>(bytes), bytes.byteLength)
}

/** Escapes a string as a JSON string literal, quotes included. */
export function jsonString(value: string): string {
  let out = '"'
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c == 0x22) out += '\\"'
    else if (c == 0x5c) out += '\\\\'
    else if (c == 0x0a) out += '\\n'
    else if (c == 0x0d) out += '\\r'
    else if (c == 0x09) out += '\\t'
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0')
    else out += String.fromCharCode(c)
  }
  return out + '"'
}

/** Options of `fetch`. */
export class FetchInit {
  method: string = 'GET'
  headers: Map<string, string> = new Map<string, string>()
  body: string | null = null
}

/** A response, or a failure (`error` set, `status` 0): denied by the policy, a limit, a network error. */
export class FetchResponse {
  status: i32 = 0
  statusText: string = ''
  /** Raw header lines, `name: value\n`, names in lower case. */
  headers: string = ''
  body: string = ''
  /** `Name: message` when the request failed, e.g. `PolicyDeniedError: Network request denied: ...`. */
  error: string | null = null

  get ok(): bool {
    return this.error === null && this.status >= 200 && this.status < 300
  }

  /** The value of a header (name in lower case), or null. */
  header(name: string): string | null {
    const lines = this.headers.split('\n')
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]
      const colon = line.indexOf(': ')
      if (colon > 0 && line.substring(0, colon) == name) return line.substring(colon + 2)
    }
    return null
  }
}

/** A host reply: a status byte (1 ok, 0 failed) then UTF-8 text; a failure's text is `Name\nmessage`. */
class Frame {
  ok: bool = false
  text: string = ''
}

function takeFrame(size: i32): Frame {
  const frame = new Frame()
  if (size < 1) {
    frame.text = 'Error: no reply from the host'
    return frame
  }
  const buffer = pull(size)
  frame.ok = load<u8>(changetype<usize>(buffer)) == 1
  const text = String.UTF8.decode(buffer.slice(1))
  const nl = text.indexOf('\n')
  frame.text = frame.ok || nl < 0 ? text : text.substring(0, nl) + ': ' + text.substring(nl + 1)
  return frame
}

/**
 * Fetches a URL through the host, synchronously, under the sandbox's network policy (deny by default).
 * Never throws: a refused or failed request comes back with `error` set.
 */
export function fetch(url: string, init: FetchInit | null = null): FetchResponse {
  const options = init === null ? new FetchInit() : init
  let headers = '{'
  const names = options.headers.keys()
  for (let i = 0; i < names.length; i++) {
    if (i > 0) headers += ','
    headers += jsonString(names[i]) + ':' + jsonString(options.headers.get(names[i]))
  }
  headers += '}'
  const body = options.body
  const request =
    '{"url":' + jsonString(url) +
    ',"method":' + jsonString(options.method) +
    ',"headers":' + headers +
    (body === null ? '' : ',"body":' + jsonString(body)) +
    '}'
  const bytes = String.UTF8.encode(request)
  const size = hostFetch(changetype<usize>(bytes), bytes.byteLength)
  const response = new FetchResponse()
  const frame = takeFrame(size)
  if (!frame.ok) {
    response.error = frame.text
    return response
  }
  // status \n statusText \n (name: value \n)* \n body
  const text = frame.text
  const first = text.indexOf('\n')
  const second = text.indexOf('\n', first + 1)
  if (first < 0 || second < 0) {
    response.error = 'TypeError: malformed response'
    return response
  }
  response.status = I32.parseInt(text.substring(0, first))
  response.statusText = text.substring(first + 1, second)
  const headerStart = second + 1
  const blank = text.charCodeAt(headerStart) == 10 ? second : text.indexOf('\n\n', headerStart)
  if (blank < 0) return response
  response.headers = text.substring(headerStart, blank + 1)
  response.body = text.substring(blank + 2)
  return response
}

/** The result of `callHost`: JSON text of the host function's return value, or an error. */
export class HostResult {
  json: string = 'null'
  error: string | null = null
  get ok(): bool {
    return this.error === null
  }
}

/** Calls one of the sandbox's hostFunctions with JSON arguments (an array), synchronously. */
export function callHost(name: string, argsJson: string = '[]'): HostResult {
  const nameBytes = String.UTF8.encode(name)
  const argBytes = String.UTF8.encode(argsJson)
  const size = hostCall(changetype<usize>(nameBytes), nameBytes.byteLength, changetype<usize>(argBytes), argBytes.byteLength)
  const result = new HostResult()
  const frame = takeFrame(size)
  if (frame.ok) result.json = frame.text
  else result.error = frame.text
  return result
}
