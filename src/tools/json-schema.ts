/**
 * The JSON Schema pieces the tool definitions are made of, generated from the library's own tables
 * (config/field-ranges.ts for numbers, LANGUAGES and the tier list for enums), and the validator every
 * tool call's arguments go through before anything runs.
 */
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv'
import { FIELD_RANGES, type RangedField } from '../config/field-ranges.js'

/** A JSON Schema object, as tool lists carry it. */
export type JsonSchema = Record<string, unknown>

/** The schema of a number field, from the same range the library validates it with. */
export function rangeSchema(field: RangedField, extra = ''): JsonSchema {
  const range: { min: number; max: number; integer?: boolean; description: string } =
    FIELD_RANGES[field]
  return {
    type: range.integer === true ? 'integer' : 'number',
    minimum: range.min,
    maximum: range.max,
    description: `${range.description}${extra}`,
  }
}

export function stringSchema(description: string, extra: JsonSchema = {}): JsonSchema {
  return { type: 'string', description, ...extra }
}

export function enumSchema(values: readonly string[], description: string): JsonSchema {
  return { type: 'string', enum: [...values], description }
}

export function objectSchema(
  properties: Record<string, JsonSchema>,
  required: string[] = [],
  description?: string,
): JsonSchema {
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
    ...(description === undefined ? {} : { description }),
  }
}

export type ArgumentCheck = (args: unknown) => { ok: true } | { ok: false; message: string }

const validators = new AjvJsonSchemaValidator()

/** Compiles a schema once; the check says what failed in words a model can act on. */
export function compileSchema(schema: JsonSchema): ArgumentCheck {
  const validate = validators.getValidator(schema)
  return (args) => {
    const result = validate(args)
    return result.valid ? { ok: true } : { ok: false, message: result.errorMessage }
  }
}
