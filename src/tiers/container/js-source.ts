/**
 * JavaScript/TypeScript source → what the node harness runs, with the QuickJS tier's value rule: TypeScript
 * types stripped with sucrase on the host (in a worker thread, under the run's deadline: js-source-pool.ts,
 * never on the host's main thread); plain scripts are evaluated for their completion value; code with
 * import/export or top-level await runs as an ES module whose last expression statement is exposed as the
 * export `__st_last` (unless it has a default export, which wins). Each run is a fresh node process, so
 * module mode loses nothing a script would keep.
 */
import { classifySource, exposeLastExpression } from '../js-source-parts.js'

export { LAST_EXPRESSION_EXPORT, stripTypes } from '../js-source-parts.js'

export interface PreparedJavaScript {
  code: string
  isModule: boolean
}

/** Prepares a request's source for the node harness. */
export function prepareJavaScript(
  code: string,
  language: 'javascript' | 'typescript',
): PreparedJavaScript {
  const { js, module } = classifySource(code, language)
  if (!module) return { code: js, isModule: false }
  return { code: exposeLastExpression(js, module), isModule: true }
}
