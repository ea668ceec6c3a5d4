// Types of python-corpus.js for the TypeScript tests (test/unit/bench-python-corpus.test.ts).
export interface CorpusBlock {
  /** 1-based line of the block's first prompt. */
  line: number
  /** The block, dedented to its prompt's indent, ending with a newline. */
  text: string
  /** Prompt lines. */
  examples: number
  /** Examples followed by expected output. */
  checked: number
}
export const MAX_BLOCK_CHARS: number
export function extractBlocks(text: string): CorpusBlock[]
export function rejectReason(block: CorpusBlock): string | undefined
export function passLine(attempted: number): string
export function programFor(block: CorpusBlock, name: string): string
export function verdictOf(stdout: string, attempted: number): 'pass' | 'fail'
