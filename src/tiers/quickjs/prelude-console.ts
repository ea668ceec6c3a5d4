/**
 * The 'console' part of the guest prelude (see prelude.ts, prelude-parts.ts): the WHATWG Console namespace
 * as Node prints it. Text is formatted by the 'inspect' part (util.format / util.inspect), bounded by the
 * output room left, and handed to the `write` native already cut to that room (the native is told when it
 * was cut: the run then stops with 'output').
 *
 * stdout: log, info, debug, dir, dirxml, table, count, time*, group headers; stderr: error, warn, trace,
 * assert and the warnings Node emits as process warnings ("Warning: ..." here, without "(node:PID)").
 * Counters, timers and the group indentation live as long as the sandbox, as they live as long as Node's
 * process. The clock is Date.now captured before guest code ran (millisecond resolution: "t: 2ms").
 */

export const CONSOLE = String.raw`
(function (P, part) {
  'use strict'
  const apply = P.apply, StringCtor = P.StringCtor, hasOwn = P.hasOwn
  const fmt = part('inspect'), printf = part('format')
  const counts = new P.MapCtor(), timers = new P.MapCtor()
  const TABLE_KEYS_DEPTH = 2
  let indent = ''

  function slice(s, from, to) { return apply(P.strSlice, s, [from, to]) }
  function list() { const a = []; P.setProto(a, null); return a }
  function push(a, v) { a[a.length] = v }
  function join(a, sep) {
    let s = ''
    for (let i = 0; i < a.length; i++) s += (i ? sep : '') + a[i]
    return s
  }
  function repeat(s, n) { return n > 0 ? apply(P.strRepeat, s, [n]) : '' }
  function dataValue(o, key) {
    const d = P.getDesc(o, key)
    return d !== undefined && hasOwn(d, 'value') ? d.value : undefined
  }
  function options(budget) {
    const o = P.create(null)
    o.budget = budget
    return o
  }
  // The arguments from index 'from' on, in a null-prototype array.
  function rest(args, from) {
    const out = list()
    for (let i = from; i < args.length; i++) push(out, args[i])
    return out
  }

  // One console entry, indented by the open groups and cut at the room left for output.
  function emit(fd, text) {
    const room = P.native.room()
    if (text.length > room) text = slice(text, 0, room + 1)
    if (indent !== '') text = indent + fmt.replaceAll(text, '\n', '\n' + indent)
    text += '\n'
    const clipped = text.length > room
    P.native.write(fd, clipped ? slice(text, 0, room) : text, clipped)
  }
  function print(fd, args, from) { emit(fd, printf.format(args, from, options(P.native.room()))) }
  function warning(message) { emit(2, 'Warning: ' + message) }
  function label(value) { return value === undefined ? 'default' : StringCtor(value) }

  function log() { print(1, arguments, 0) }
  function warn() { print(2, arguments, 0) }
  function dir(value, opts) {
    const o = options(P.native.room())
    if (opts !== null && typeof opts === 'object') {
      const depth = dataValue(opts, 'depth')
      if (typeof depth === 'number') o.depth = depth
      else if (depth === null) o.depth = Infinity
      o.showHidden = !!dataValue(opts, 'showHidden')
    }
    emit(1, fmt.inspect(value, o))
  }
  function assert(value) {
    if (value) return
    const args = rest(arguments, 1)
    if (args.length === 0) emit(2, 'Assertion failed')
    else {
      args[0] = 'Assertion failed: ' + StringCtor(args[0])
      print(2, args, 0)
    }
  }
  function count(name) {
    name = label(name)
    const n = (apply(P.mapGet, counts, [name]) || 0) + 1
    apply(P.mapSet, counts, [name, n])
    emit(1, name + ': ' + n)
  }
  function countReset(name) {
    name = label(name)
    if (!apply(P.mapDelete, counts, [name])) warning("Count for '" + name + "' does not exist")
  }
  function group() {
    if (arguments.length > 0) print(1, arguments, 0)
    indent += '  '
  }
  function groupEnd() { indent = slice(indent, 0, indent.length - 2) }

  function time(name) {
    name = label(name)
    if (apply(P.mapHas, timers, [name])) return warning("Label '" + name + "' already exists for console.time()")
    apply(P.mapSet, timers, [name, P.dateNow()])
  }
  function timeLogged(method, name, data) {
    const start = apply(P.mapGet, timers, [name])
    if (start === undefined) {
      warning("No such label '" + name + "' for console." + method + '()')
      return false
    }
    const args = list()
    push(args, '%s: %s')
    push(args, name)
    push(args, formatTime(P.dateNow() - start))
    if (data !== undefined) for (let i = 0; i < data.length; i++) push(args, data[i])
    print(1, args, 0)
    return true
  }
  function timeEnd(name) {
    name = label(name)
    if (timeLogged('timeEnd', name)) apply(P.mapDelete, timers, [name])
  }
  function timeLog(name) { timeLogged('timeLog', label(name), rest(arguments, 1)) }
  function pad(v) { v = '' + v; return v.length < 2 ? '0' + v : v }
  function formatTime(ms) {
    let hours = 0, minutes = 0, seconds = 0
    if (ms >= 1000) {
      if (ms >= 60000) {
        if (ms >= 3600000) {
          hours = P.floor(ms / 3600000)
          ms = ms % 3600000
        }
        minutes = P.floor(ms / 60000)
        ms = ms % 60000
      }
      seconds = ms / 1000
    }
    if (hours !== 0 || minutes !== 0) {
      const fixed = apply(P.numToFixed, seconds, [3])
      const dot = apply(P.strIndexOf, fixed, ['.'])
      const head = hours !== 0 ? hours + ':' + pad(minutes) : '' + minutes
      return head + ':' + pad(slice(fixed, 0, dot)) + '.' + slice(fixed, dot + 1) + ' (' + (hours !== 0 ? 'h:m' : '') + 'm:ss.mmm)'
    }
    if (seconds !== 0) return apply(P.numToFixed, seconds, [3]) + 's'
    return '' + P.NumberCtor(apply(P.numToFixed, ms, [3])) + 'ms'
  }

  // 'Trace: message' and the caller's stack (QuickJS's frames, without the prelude's own).
  function trace() {
    const message = printf.format(arguments, 0, options(P.native.room()))
    const stack = dataValue(new P.ErrorCtor(), 'stack')
    let frames = ''
    if (typeof stack === 'string') {
      for (let at = 0; at < stack.length;) {
        let end = apply(P.strIndexOf, stack, ['\n', at])
        if (end < 0) end = stack.length
        const line = slice(stack, at, end)
        if (line !== '' && apply(P.strIndexOf, line, ['(sandtier-']) < 0) frames += '\n' + line
        at = end + 1
      }
    }
    emit(2, (message === '' ? 'Trace' : 'Trace: ' + message) + frames)
  }

  // console.table as Node draws it (left-aligned cells, box-drawing characters).
  function table(data, properties) {
    if (properties !== undefined && !P.isArray(properties))
      throw new P.TypeErrorCtor('The "properties" argument must be an instance of Array')
    if (data === null || typeof data !== 'object') return print(1, [data], 0)
    const room = P.native.room()
    let used = 0
    function cell(v) {
      const o = options(room - used)
      o.depth = v !== null && typeof v === 'object' && !P.isArray(v) && P.ownKeys(v).length > TABLE_KEYS_DEPTH ? -1 : 0
      o.maxArrayLength = 3
      o.breakLength = Infinity
      const s = fmt.inspect(v, o)
      used += s.length
      return s
    }
    function indexColumn(n) {
      const out = list()
      for (let i = 0; i < n; i++) push(out, '' + i)
      return out
    }
    const head = list(), columns = list()
    let size
    try { size = apply(P.mapSize, data, []) } catch (e) {}
    if (size !== undefined) {
      const keys = list(), values = list()
      const it = apply(P.mapEntries, data, [])
      for (let r = apply(P.mapIterNext, it, []); !r.done && used <= room; r = apply(P.mapIterNext, it, [])) {
        push(keys, cell(r.value[0]))
        push(values, cell(r.value[1]))
      }
      push(head, '(iteration index)'); push(columns, indexColumn(keys.length))
      push(head, 'Key'); push(columns, keys)
      push(head, 'Values'); push(columns, values)
      return emit(1, render(head, columns))
    }
    try { size = apply(P.setSize, data, []) } catch (e) {}
    if (size !== undefined) {
      const values = list()
      const it = apply(P.setValues, data, [])
      for (let r = apply(P.setIterNext, it, []); !r.done && used <= room; r = apply(P.setIterNext, it, [])) push(values, cell(r.value))
      push(head, '(iteration index)'); push(columns, indexColumn(values.length))
      push(head, 'Values'); push(columns, values)
      return emit(1, render(head, columns))
    }
    const map = P.create(null)
    let hasPrimitives = false
    const valuesColumn = list()
    const index = P.ownKeys(data)
    const rows = list()
    for (let i = 0; i < index.length && used <= room; i++) {
      push(rows, index[i])
      const item = dataValue(data, index[i])
      const primitive = item === null || (typeof item !== 'function' && typeof item !== 'object')
      if (properties === undefined && primitive) {
        hasPrimitives = true
        valuesColumn[i] = cell(item)
        continue
      }
      const keys = properties === undefined ? P.ownKeys(item) : properties
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k]
        if (map[key] === undefined) map[key] = list()
        map[key][i] = (primitive && properties !== undefined) || !hasOwn(item, key) ? '' : cell(dataValue(item, key))
      }
    }
    push(head, '(index)')
    push(columns, rows)
    const names = P.ownKeys(map)
    for (let i = 0; i < names.length; i++) { push(head, names[i]); push(columns, map[names[i]]) }
    if (hasPrimitives) { push(head, 'Values'); push(columns, valuesColumn) }
    emit(1, render(head, columns))
  }
  function render(head, columns) {
    const widths = list()
    let longest = 0
    for (let i = 0; i < head.length; i++) {
      widths[i] = head[i].length
      if (columns[i].length > longest) longest = columns[i].length
    }
    const rows = list()
    for (let i = 0; i < head.length; i++) {
      const column = columns[i]
      for (let j = 0; j < longest; j++) {
        if (rows[j] === undefined) rows[j] = list()
        const value = hasOwn(column, j) && column[j] !== undefined ? column[j] : ''
        rows[j][i] = value
        if (value.length > widths[i]) widths[i] = value.length
      }
    }
    const divider = list()
    for (let i = 0; i < widths.length; i++) push(divider, repeat('─', widths[i] + 2))
    function row(cells) {
      let out = '│ '
      for (let i = 0; i < cells.length; i++) {
        out += cells[i] + repeat(' ', widths[i] - cells[i].length)
        if (i !== cells.length - 1) out += ' │ '
      }
      return out + ' │'
    }
    let result = '┌' + join(divider, '┬') + '┐\n' + row(head) + '\n├' + join(divider, '┼') + '┤\n'
    for (let j = 0; j < rows.length; j++) result += row(rows[j]) + '\n'
    return result + '└' + join(divider, '┴') + '┘'
  }

  function noop() {}
  const console = P.create(null)
  const methods = [
    ['log', log], ['info', function info() { print(1, arguments, 0) }],
    ['debug', function debug() { print(1, arguments, 0) }], ['dirxml', function dirxml() { print(1, arguments, 0) }],
    ['warn', warn], ['error', function error() { print(2, arguments, 0) }], ['trace', trace],
    ['dir', dir], ['assert', assert], ['table', table], ['clear', function clear() {}],
    ['count', count], ['countReset', countReset],
    ['group', group], ['groupCollapsed', function groupCollapsed() { apply(group, undefined, arguments) }],
    ['groupEnd', groupEnd], ['time', time], ['timeEnd', timeEnd], ['timeLog', timeLog],
    ['timeStamp', noop], ['profile', noop], ['profileEnd', noop],
  ]
  for (let i = 0; i < methods.length; i++) P.defineProp(console, methods[i][0], P.dataDesc(methods[i][1], true))
  return {
    console: console,
    // A value as the console shows it, in at most about max characters (for error descriptions).
    inspect: function (v, max) { return fmt.inspect(v, options(max)) },
  }
})
`
