/**
 * util.inspect's layout: one line when the entries fit in breakLength within 'compact' (3) inner levels,
 * short array items grouped in aligned columns, otherwise one entry per line.
 *
 * A piece of the 'inspect' part's function body (prelude-inspect.ts joins the pieces in order, into one
 * part compiled with the context): the helpers and primordials of that file, and the functions of the other
 * pieces, are in scope.
 */
export const INSPECT_LAYOUT = String.raw`
  // Node's layout: on one line when the entries fit in breakLength and the object holds at most
  // 'compact' (3) inner levels; short array items grouped in columns; otherwise one entry per line.
  function reduceToSingleString(ctx, output, base, braces0, braces1, extras, depth, v) {
    const entries = output.length
    if (extras === ARRAY && entries > 6) output = groupArrayElements(ctx, output, v)
    if (ctx.currentDepth - depth < ctx.compact && entries === output.length) {
      const start = output.length + ctx.indentationLvl + braces0.length + base.length + 10
      if (isBelowBreakLength(ctx, output, start, base)) {
        const joined = join(output, ', ')
        if (!has(joined, '\n')) return (base ? base + ' ' : '') + braces0 + ' ' + joined + ' ' + braces1
      }
    }
    const indentation = '\n' + spaces(ctx.indentationLvl)
    return (base ? base + ' ' : '') + braces0 + indentation + '  ' + join(output, ',' + indentation + '  ') + indentation + braces1
  }
  function isBelowBreakLength(ctx, output, start, base) {
    let total = output.length + start
    if (total + output.length > ctx.breakLength) return false
    for (let i = 0; i < output.length; i++) {
      total += output[i].length
      if (total > ctx.breakLength) return false
    }
    return base === '' || !has(base, '\n')
  }
  function padStart(s, n) { return spaces(n - s.length) + s }
  function padEnd(s, n) { return s + spaces(n - s.length) }
  function groupArrayElements(ctx, output, v) {
    let total = 0, maxLength = 0
    let outputLength = output.length
    // The '... more items' entry is not grouped.
    if (ctx.maxArrayLength < output.length) outputLength--
    const separatorSpace = 2
    const dataLen = list()
    for (let i = 0; i < outputLength; i++) {
      const len = output[i].length
      dataLen[i] = len
      total += len + separatorSpace
      if (maxLength < len) maxLength = len
    }
    const actualMax = maxLength + separatorSpace
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (total / actualMax > 5 || maxLength <= 6)) {
      const averageBias = P.sqrt(actualMax - total / output.length)
      const biasedMax = actualMax - 3 - averageBias > 1 ? actualMax - 3 - averageBias : 1
      let columns = P.round(P.sqrt(2.5 * biasedMax * outputLength) / biasedMax)
      const byWidth = P.floor((ctx.breakLength - ctx.indentationLvl) / actualMax)
      if (byWidth < columns) columns = byWidth
      if (ctx.compact * 4 < columns) columns = ctx.compact * 4
      if (15 < columns) columns = 15
      if (columns <= 1) return output
      const maxLineLength = list()
      for (let i = 0; i < columns; i++) {
        let lineLength = 0
        for (let j = i; j < output.length; j += columns) if (dataLen[j] > lineLength) lineLength = dataLen[j]
        push(maxLineLength, lineLength + separatorSpace)
      }
      let numeric = true
      if (v !== undefined) {
        for (let i = 0; i < output.length; i++) {
          const item = P.isArray(v) ? dataValue(v, i) : v[i]
          if (typeof item !== 'number' && typeof item !== 'bigint') { numeric = false; break }
        }
      }
      const grouped = list()
      for (let i = 0; i < outputLength; i += columns) {
        const max = i + columns < outputLength ? i + columns : outputLength
        let str = ''
        let j = i
        for (; j < max - 1; j++) {
          const cell = output[j] + ', '
          str += numeric ? padStart(cell, maxLineLength[j - i]) : padEnd(cell, maxLineLength[j - i])
        }
        str += numeric ? padStart(output[j], maxLineLength[j - i] - separatorSpace) : output[j]
        push(grouped, str)
      }
      if (ctx.maxArrayLength < output.length) push(grouped, output[outputLength])
      return grouped
    }
    return output
  }
`
