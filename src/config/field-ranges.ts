/**
 * The numeric options a caller (or a model, through sandtier/tools) most often sets, with their ranges and
 * what they mean: one table that resolveConfig/resolveRequest check against and that the tools' JSON
 * Schemas are generated from, so a schema never admits what the library refuses, nor the reverse.
 */
import { MAX_BYTES, MAX_MS, MiB } from './checks.js'

export interface FieldRange {
  min: number
  max: number
  integer?: boolean
  /** What the field means, in words a model reading a tool schema can use. */
  description: string
}

export const FIELD_RANGES = {
  memoryLimit: {
    min: MiB,
    max: MAX_BYTES,
    integer: true,
    description: 'Memory limit in bytes (same as limits.memory).',
  },
  'limits.memory': { min: MiB, max: MAX_BYTES, integer: true, description: 'Memory in bytes.' },
  'limits.executionTime': {
    min: 1,
    max: MAX_MS,
    description: 'Wall-clock time in milliseconds one run may take.',
  },
  'limits.cpuTime': { min: 1, max: MAX_MS, description: 'CPU time in milliseconds for one run.' },
  'limits.diskSpace': {
    min: MiB,
    max: MAX_BYTES,
    integer: true,
    description: 'Writable disk in bytes (container tiers).',
  },
  'limits.maxOutputBytes': {
    min: 0,
    max: MAX_BYTES,
    integer: true,
    description: 'stdout + stderr bytes kept per run; more ends the run with status "output".',
  },
  timeoutMs: {
    min: 1,
    max: MAX_MS,
    description:
      "Wall-clock limit in milliseconds for this run, at most the sandbox's executionTime.",
  },
} as const satisfies Record<string, FieldRange>

export type RangedField = keyof typeof FIELD_RANGES
