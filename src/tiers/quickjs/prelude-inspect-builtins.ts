/**
 * util.inspect of objects shown by what they are rather than by their keys: functions and classes, RegExps,
 * errors (their stack, with the first line V8 would write) and boxed primitives.
 *
 * A piece of the 'inspect' part's function body (prelude-inspect.ts joins the pieces in order, into one
 * part compiled with the context): the helpers and primordials of that file, and the functions of the other
 * pieces, are in scope.
 */
export const INSPECT_BUILTINS = String.raw`
  function functionBase(v, constructor, tag) {
    let source = ''
    try { source = apply(P.fnToString, v, []) } catch (e) {}
    if (startsWith(source, 'class') && endsWith(source, '}')) {
      const c = apply(charCodeAt, source, [5])
      if (c === 32 || c === 123 || c === 10 || c === 9 || c === 13) return classBase(v, constructor, tag)
    }
    let type = 'Function'
    for (let p = getProto(v), i = 0; p !== null && i < MAX_CHAIN; p = getProto(p), i++) {
      if (p === P.AsyncFunctionProto) { type = 'AsyncFunction'; break }
      if (p === P.GeneratorFunctionProto) { type = 'GeneratorFunction'; break }
      if (p === P.AsyncGeneratorFunctionProto) { type = 'AsyncGeneratorFunction'; break }
    }
    let base = '[' + type
    if (constructor === null) base += ' (null prototype)'
    const name = functionName(v)
    base += name === '' ? ' (anonymous)' : ': ' + name
    base += ']'
    if (constructor !== type && constructor !== null) base += ' ' + constructor
    if (tag !== '' && constructor !== tag) base += ' [' + tag + ']'
    return base
  }
  function classBase(v, constructor, tag) {
    const name = hasOwn(v, 'name') ? functionName(v) : ''
    let base = 'class ' + (name || '(anonymous)')
    if (constructor !== 'Function' && constructor !== null) base += ' [' + constructor + ']'
    if (tag !== '' && constructor !== tag) base += ' [' + tag + ']'
    if (constructor !== null) {
      const parent = getProto(v)
      const superName = typeof parent === 'function' ? functionName(parent) : ''
      if (superName) base += ' extends ' + superName
    } else base += ' extends [null prototype]'
    return '[' + base + ']'
  }
  function regExpBase(v) {
    let flags = ''
    const letters = 'dgimsuvy'
    for (let i = 0; i < letters.length; i++) {
      const get = P.reFlags[letters[i]]
      if (get !== undefined && apply(get, v, [])) flags += letters[i]
    }
    return '/' + apply(P.reSource, v, []) + '/' + flags
  }

  function isErrorValue(v) {
    for (let p = getProto(v), i = 0; p !== null && i < MAX_CHAIN; p = getProto(p), i++) if (p === P.ErrorProto) return true
    return false
  }
  function removeKey(keys, key) {
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== key) continue
      for (let j = i; j < keys.length - 1; j++) keys[j] = keys[j + 1]
      keys.length = keys.length - 1
      return
    }
  }
  function hasKey(keys, key) {
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return true
    return false
  }
  // An error as Node shows it: its stack, whose first line V8 writes when the stack is first read (so a
  // name set in the constructor shows). QuickJS's stack has the frames only: that line is made here.
  function formatError(ctx, err, constructor, tag, keys) {
    const nameValue = chainValue(err, 'name')
    const name = nameValue === undefined || nameValue === null ? 'Error' : P.clip(StringCtor(nameValue), 1000)
    const messageValue = chainValue(err, 'message')
    const message = messageValue === undefined ? '' : P.clip(StringCtor(messageValue), ctx.left > 0 ? ctx.left : 0)
    const stackValue = dataValue(err, 'stack')
    let stack
    if (typeof stackValue === 'string' && stackValue !== '' && !startsWith(stackValue, '    at ')) {
      stack = P.clip(stackValue, ctx.left > 0 ? ctx.left : 0)
    } else {
      const headName = nameValue === undefined ? 'Error' : name
      let frames = typeof stackValue === 'string' ? stackValue : ''
      if (frames.length > ctx.left) frames = slice(frames, 0, ctx.left > 0 ? ctx.left : 0)
      while (endsWith(frames, '\n')) frames = slice(frames, 0, -1)
      const head = message === '' ? headName : headName === '' ? message : headName + ': ' + message
      stack = frames === '' ? head : head + '\n' + frames
    }
    const fields = ['name', 'message', 'stack']
    for (let i = 0; i < 3; i++) {
      const value = dataValue(err, fields[i])
      if (hasKey(keys, fields[i]) && typeof value === 'string' && has(stack, value)) removeKey(keys, fields[i])
    }
    if (getDesc(err, 'cause') !== undefined && !hasKey(keys, 'cause')) push(keys, 'cause')
    const errors = dataValue(err, 'errors')
    if (P.isArray(errors) && !hasKey(keys, 'errors')) push(keys, 'errors')
    stack = improveStack(stack, constructor, name, tag)
    let pos = (messageValue && typeof messageValue === 'string' && apply(strIndexOf, stack, [messageValue])) || -1
    if (pos !== -1) pos += messageValue.length
    if (apply(strIndexOf, stack, ['\n    at', pos]) === -1) stack = '[' + stack + ']'
    if (ctx.indentationLvl !== 0) stack = replaceAll(stack, '\n', '\n' + spaces(ctx.indentationLvl))
    return spend(ctx, stack)
  }
  // Puts the class name in the first line when it differs from the error's name ('MyError [TypeError]').
  function improveStack(stack, constructor, name, tag) {
    let len = name.length
    if (constructor === null || (endsWith(name, 'Error') && startsWith(stack, name) &&
        (stack.length === len || stack[len] === ':' || stack[len] === '\n'))) {
      let fallback = 'Error'
      if (constructor === null) {
        const start = apply(P.reExec, /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/, [stack]) ||
          apply(P.reExec, /^([a-z_A-Z0-9-]*Error)$/, [stack])
        fallback = (start && start[1]) || ''
        len = fallback.length
        fallback = fallback || 'Error'
      }
      const pre = slice(prefix(constructor, tag, fallback), 0, -1)
      if (name !== pre) {
        if (has(pre, name)) stack = len === 0 ? pre + ': ' + stack : pre + slice(stack, len)
        else stack = pre + ' [' + name + ']' + slice(stack, len)
      }
    }
    return stack
  }
  function boxedBase(ctx, v, constructor, tag, keys) {
    for (let i = 0; i < P.boxed.length; i++) {
      const kind = P.boxed[i]
      let primitive
      try { primitive = apply(kind[1], v, []) } catch (e) { continue }
      const type = kind[0]
      if (type === 'String') {
        let k = 0
        while (k < keys.length && isIndex(keys[k])) k++
        for (let j = 0; j < k; j++) removeKey(keys, keys[0])
      }
      let base = '[' + type
      if (type !== constructor) base += constructor === null ? ' (null prototype)' : ' (' + constructor + ')'
      const inner = P.create(null)
      inner.left = ctx.left
      inner.maxStringLength = ctx.maxStringLength
      inner.breakLength = Infinity
      inner.indentationLvl = 0
      base += ': ' + formatPrimitive(inner, primitive) + ']'
      if (tag !== '' && tag !== constructor) base += ' [' + tag + ']'
      return base
    }
    return undefined
  }
`
