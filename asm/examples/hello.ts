// Run with: run(source, { type: 'wasm', language: 'assemblyscript', input: { name: 'Ada' } })
import { log } from 'sandtier'

/** Receives the input as JSON text and returns the value as JSON text. */
export function main(input: string): string {
  log('hello from AssemblyScript')
  return '{"greeting":"hello","input":' + input + '}'
}
