/**
 * The 'format' part of the guest prelude (see prelude.ts, prelude-parts.ts): Node's util.format, the
 * printf-like first argument of console.log, written with primordials only. Values are shown by the
 * 'inspect' part (prelude-inspect.ts); the result is bounded by the budget it is given.
 */

export const FORMAT = String.raw`
(function (P, part) {
  'use strict'
  const apply = P.apply, getDesc = P.getDesc, hasOwn = P.hasOwn, getProto = P.getProto
  const charCodeAt = P.strCharCodeAt, StringCtor = P.StringCtor
  const MAX_CHAIN = 10000
  const shown = part('inspect')
  const inspect = shown.inspect, formatNumber = shown.formatNumber, dataValue = shown.dataValue
  const functionName = shown.functionName, isErrorValue = shown.isErrorValue
  function slice(s, from, to) { return to === undefined ? apply(P.strSlice, s, [from]) : apply(P.strSlice, s, [from, to]) }
  function has(s, sub) { return apply(P.strIndexOf, s, [sub]) !== -1 }
  function isObject(v) { return v !== null && (typeof v === 'object' || typeof v === 'function') }

  function withBudget(opts, budget) {
    const o = P.create(null)
    o.budget = budget
    o.depth = opts.depth
    o.showHidden = opts.showHidden
    o.breakLength = opts.breakLength
    o.maxArrayLength = opts.maxArrayLength
    return o
  }

  // Node counts an object's toString as built in when it comes from a global constructor's prototype.
  function hasBuiltInToString(v) {
    for (let p = v, i = 0; p !== null && i < MAX_CHAIN; p = getProto(p), i++) {
      const d = getDesc(p, 'toString')
      if (d === undefined) continue
      if (!hasOwn(d, 'value')) return true
      if (typeof d.value !== 'function') return true
      if (p === v) return false
      const ctor = dataValue(p, 'constructor')
      return typeof ctor === 'function' && P.builtinNames[functionName(ctor)] === true
    }
    return true
  }

  // util.format: args[from...] with printf-like specifiers, at most about opts.budget characters.
  function format(args, from, opts) {
    const budget = opts.budget
    let a = from, str = '', sep = ''
    const first = args[from]
    if (typeof first === 'string') {
      if (args.length === from + 1) return P.clip(first, budget)
      let lastPos = 0, piece
      for (let i = 0; i < first.length - 1 && str.length <= budget; i++) {
        if (apply(charCodeAt, first, [i]) !== 37) continue
        const next = apply(charCodeAt, first, [++i])
        if (a + 1 !== args.length) {
          const room = budget - str.length
          switch (next) {
            case 115: { // s
              const arg = args[++a]
              if (typeof arg === 'number') piece = formatNumber(arg)
              else if (typeof arg === 'bigint') piece = StringCtor(arg) + 'n'
              else if (typeof arg !== 'object' || arg === null || !hasBuiltInToString(arg)) piece = P.clip(StringCtor(arg), room)
              else {
                const o = withBudget(opts, room)
                o.depth = 0
                piece = inspect(arg, o)
              }
              break
            }
            case 106: { // j
              const arg = args[++a]
              try {
                piece = P.stringify(arg)
              } catch (e) {
                // Node shows a cycle as [Circular] and rethrows anything else (a BigInt, a throwing toJSON).
                const m = isObject(e) ? dataValue(e, 'message') : undefined
                if (typeof m !== 'string' || !has(m, 'ircular')) throw e
                piece = '[Circular]'
              }
              piece = piece === undefined ? 'undefined' : P.clip(piece, room)
              break
            }
            case 100: { // d
              const arg = args[++a]
              piece = typeof arg === 'bigint' ? StringCtor(arg) + 'n' : typeof arg === 'symbol' ? 'NaN' : formatNumber(P.NumberCtor(arg))
              break
            }
            case 79: // O
              piece = inspect(args[++a], withBudget(opts, room))
              break
            case 111: { // o
              const o = withBudget(opts, room)
              o.showHidden = true
              o.depth = 4
              piece = inspect(args[++a], o)
              break
            }
            case 105: { // i
              const arg = args[++a]
              piece = typeof arg === 'bigint' ? StringCtor(arg) + 'n' : typeof arg === 'symbol' ? 'NaN' : formatNumber(P.parseInt(arg))
              break
            }
            case 102: { // f
              const arg = args[++a]
              piece = typeof arg === 'symbol' ? 'NaN' : formatNumber(P.parseFloat(arg))
              break
            }
            case 99: // c
              a++
              piece = ''
              break
            case 37: // %
              str += slice(first, lastPos, i)
              lastPos = i + 1
              continue
            default:
              continue
          }
          if (lastPos !== i - 1) str += slice(first, lastPos, i - 1)
          str += piece
          lastPos = i + 1
        } else if (next === 37) {
          str += slice(first, lastPos, i)
          lastPos = i + 1
        }
      }
      if (lastPos !== 0) {
        a++
        sep = ' '
        if (lastPos < first.length) str += P.clip(slice(first, lastPos), budget)
      }
    }
    for (; a < args.length && str.length <= budget; a++) {
      const v = args[a]
      const room = budget - str.length - sep.length
      str += sep + (typeof v === 'string' ? P.clip(v, room) : inspect(v, withBudget(opts, room)))
      sep = ' '
    }
    return str
  }

  return { format: format }
})
`
