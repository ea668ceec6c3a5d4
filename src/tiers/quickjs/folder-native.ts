/**
 * The natives of the guest's `fs` part (prelude-fs.ts): `fs(op, path, a, b)` on the folder seated on the
 * context for the run in progress (folder-seat.ts), and `needs(specifier)`, which stops the run for the
 * capability a container has (ERR_CAPABILITY_REQUIRED).
 *
 * Every copy out of the guest is bounded before it is made: a path by its length (MAX_FOLDER_PATH_CHARS),
 * data by the room the folder has left (a string by its length in UTF-16 units, an ArrayBuffer by its byte
 * length, read natively). Every copy into the guest is bounded by what its memory can still take. No
 * property of a guest object is read here: the part hands over primitives and intrinsic ArrayBuffers only.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten'
import { readString } from './bounded-read.js'
import { capabilityOfModule } from './capabilities.js'
import { FolderError } from './folder-tree.js'
import { seatOf, type FolderSeat } from './folder-seat.js'

/** Longest path the guest may pass, as sandbox-path.ts accepts from the host. */
export const MAX_FOLDER_PATH_CHARS = 4096
const MAX_NAME_BYTES = 255

/** The error codes the native answers, by index (the guest part maps them back). */
export const NATIVE_FS_CODES = [
  'ENOENT',
  'EISDIR',
  'ENOTDIR',
  'EEXIST',
  'ENOSPC',
  'ENOTEMPTY',
  'EINVAL',
  'ENOMEM',
  'ENAMETOOLONG',
] as const
type NativeCode = (typeof NATIVE_FS_CODES)[number]

/** Already normalized by the guest part: checked again, as anything the guest hands over. */
function validPath(path: string): boolean {
  if (path === '.') return true
  for (const name of path.split('/'))
    if (name === '' || name === '.' || name === '..' || Buffer.byteLength(name) > MAX_NAME_BYTES)
      return false
  return !path.includes('\0')
}

export function installFolderNatives(ctx: QuickJSContext, native: QuickJSHandle): void {
  ctx
    .newFunction('fs', (op, path, a, b) => {
      const code = (c: NativeCode): QuickJSHandle => ctx.newNumber(NATIVE_FS_CODES.indexOf(c))
      const seat = seatOf(ctx)
      if (!seat) return code('EINVAL')
      const opName = readString(ctx, op, 16)
      const rel = readString(ctx, path, MAX_FOLDER_PATH_CHARS)
      if (opName === undefined || rel === undefined) return code('ENAMETOOLONG')
      if (!validPath(rel)) return code('EINVAL')
      try {
        return folderOp(ctx, seat, opName, rel, a, b) ?? ctx.undefined
      } catch (err) {
        if (err instanceof FolderError) return code(err.code)
        if (err instanceof RangeError) return code('ENOMEM')
        throw err
      }
    })
    .consume((fn) => ctx.setProp(native, 'fs', fn))
  ctx
    .newFunction('needs', (specifier) => {
      // A module no container has either (require('lodash')) is the guest's error, not a capability.
      const name = readString(ctx, specifier, 256)
      const capability = name === undefined ? undefined : capabilityOfModule(name)
      if (capability) seatOf(ctx)?.run()?.requireCapability(capability)
    })
    .consume((fn) => ctx.setProp(native, 'needs', fn))
}

function folderOp(
  ctx: QuickJSContext,
  seat: FolderSeat,
  op: string,
  rel: string,
  a: QuickJSHandle | undefined,
  b: QuickJSHandle | undefined,
): QuickJSHandle | undefined {
  const { folder } = seat
  const flag = (h: QuickJSHandle | undefined): boolean =>
    h !== undefined && ctx.typeof(h) === 'number' && ctx.getNumber(h) === 1
  switch (op) {
    case 'stat': {
      const entry = folder.stat(rel)
      if (!entry) throw new FolderError('ENOENT')
      const kind = entry.kind === 'directory' ? 'd' : 'f'
      return ctx.newString(`${kind} ${entry.data.byteLength} ${entry.modifiedMs}`)
    }
    case 'read': {
      const data = folder.read(rel)
      const text = flag(a)
      // Into the guest: the bytes (and a string's temporary UTF-8 copy) must fit what its memory can still take.
      if (data.byteLength * (text ? 3 : 2) > seat.headroomBytes()) throw new RangeError('ENOMEM')
      if (text) return ctx.newString(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString())
      return ctx.newArrayBuffer(data.slice().buffer)
    }
    case 'write': {
      if (a === undefined) throw new FolderError('EINVAL')
      const room = folder.roomBytes(rel)
      let bytes: Uint8Array
      if (ctx.typeof(a) === 'string') {
        // A UTF-8 byte per UTF-16 unit at least: longer than the room is too long, unread.
        const text = readString(ctx, a, room)
        if (text === undefined) throw new FolderError('ENOSPC')
        bytes = Buffer.from(text)
      } else {
        const view = ctx.getArrayBuffer(a)
        try {
          if (view.value.byteLength > room) throw new FolderError('ENOSPC')
          bytes = view.value.slice()
        } finally {
          view.dispose()
        }
      }
      folder.write(rel, bytes, flag(b))
      return undefined
    }
    case 'mkdir':
      folder.mkdir(rel, flag(a))
      return undefined
    case 'readdir': {
      const json = JSON.stringify(folder.names(rel))
      if (json.length * 3 > seat.headroomBytes()) throw new RangeError('ENOMEM')
      return ctx.newString(json)
    }
    case 'rm':
      folder.remove(rel, flag(a))
      return undefined
    case 'rename': {
      const to = a === undefined ? undefined : readString(ctx, a, MAX_FOLDER_PATH_CHARS)
      if (to === undefined || !validPath(to)) throw new FolderError('EINVAL')
      folder.rename(rel, to)
      return undefined
    }
    default:
      throw new FolderError('EINVAL')
  }
}
