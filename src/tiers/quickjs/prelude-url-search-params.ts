/**
 * URLSearchParams and the application/x-www-form-urlencoded parser and serializer it uses; attached to a URL
 * (its searchParams), every change writes the URL's search.
 *
 * A piece of the 'url' part's function body (prelude-url.ts joins the pieces in order, into one part
 * compiled on first use): the helpers and primordials of that file, and the functions of the other pieces,
 * are in scope.
 */
export const URL_SEARCH_PARAMS = String.raw`
  function serializeForm(s) {
    const bytes = globals.utf8Encode(s)
    let out = ''
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]
      if (b === 32) out += '+'
      else if ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 42 || b === 45 || b === 46 || b === 95)
        out += P.fromCharCode(b)
      else out += '%' + HEX[b >> 4] + HEX[b & 15]
    }
    return out
  }
  function parseForm(s, into) {
    for (let at = 0; at < s.length;) {
      let end = indexOf(s, '&', at)
      if (end < 0) end = s.length
      const pair = slice(s, at, end)
      at = end + 1
      if (pair === '') continue
      const eq = indexOf(pair, '=')
      const entry = list()
      push(entry, percentDecode(eq < 0 ? pair : slice(pair, 0, eq), true))
      push(entry, eq < 0 ? '' : percentDecode(slice(pair, eq + 1), true))
      push(into, entry)
    }
  }

  let attach, replaceFrom
  class URLSearchParams {
    #list = list()
    #url = null
    static {
      attach = function (params, url) { params.#url = url }
      replaceFrom = function (params, query) {
        params.#list = list()
        parseForm(query[0] === '?' ? slice(query, 1) : query, params.#list)
      }
    }
    constructor(init) {
      if (init === undefined || init === null) return
      if (typeof init === 'object' || typeof init === 'function') {
        const iterator = init[P.symIterator]
        if (iterator !== undefined && iterator !== null) {
          if (typeof iterator !== 'function') throw new P.TypeErrorCtor('Query pairs must be iterable')
          for (const pair of init) {
            const items = list()
            for (const x of pair) push(items, x)
            if (items.length !== 2) throw new P.TypeErrorCtor('Each query pair must be an iterable [name, value] tuple')
            this.append(items[0], items[1])
          }
        } else {
          const keys = P.ownKeys(init)
          for (let i = 0; i < keys.length; i++) this.append(keys[i], init[keys[i]])
        }
        return
      }
      const s = StringCtor(init)
      parseForm(s[0] === '?' ? slice(s, 1) : s, this.#list)
    }
    #update() {
      if (this.#url !== null) this.#url.search = this.toString()
    }
    get size() { return this.#list.length }
    append(name, value) {
      const entry = list()
      push(entry, StringCtor(name))
      push(entry, StringCtor(value))
      push(this.#list, entry)
      this.#update()
    }
    delete(name, value) {
      name = StringCtor(name)
      const kept = list()
      for (let i = 0; i < this.#list.length; i++) {
        const e = this.#list[i]
        if (e[0] !== name || (value !== undefined && e[1] !== StringCtor(value))) push(kept, e)
      }
      this.#list = kept
      this.#update()
    }
    get(name) {
      name = StringCtor(name)
      for (let i = 0; i < this.#list.length; i++) if (this.#list[i][0] === name) return this.#list[i][1]
      return null
    }
    getAll(name) {
      name = StringCtor(name)
      const out = []
      let n = 0
      for (let i = 0; i < this.#list.length; i++) if (this.#list[i][0] === name) P.setOwn(out, n++, this.#list[i][1])
      return out
    }
    has(name, value) {
      name = StringCtor(name)
      for (let i = 0; i < this.#list.length; i++) {
        const e = this.#list[i]
        if (e[0] === name && (value === undefined || e[1] === StringCtor(value))) return true
      }
      return false
    }
    set(name, value) {
      name = StringCtor(name)
      value = StringCtor(value)
      const kept = list()
      let found = false
      for (let i = 0; i < this.#list.length; i++) {
        const e = this.#list[i]
        if (e[0] !== name) push(kept, e)
        else if (!found) { found = true; e[1] = value; push(kept, e) }
      }
      if (!found) { const e = list(); push(e, name); push(e, value); push(kept, e) }
      this.#list = kept
      this.#update()
    }
    sort() {
      const a = this.#list
      // A stable insertion sort by UTF-16 code units.
      for (let i = 1; i < a.length; i++) {
        const e = a[i]
        let j = i - 1
        while (j >= 0 && a[j][0] > e[0]) { a[j + 1] = a[j]; j-- }
        a[j + 1] = e
      }
      this.#update()
    }
    forEach(callback, thisArg) {
      if (typeof callback !== 'function') throw new P.TypeErrorCtor('The "callback" argument must be of type function')
      for (let i = 0; i < this.#list.length; i++) apply(callback, thisArg, [this.#list[i][1], this.#list[i][0], this])
    }
    *entries() { for (let i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]] }
    *keys() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][0] }
    *values() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][1] }
    [P.symIterator]() { return this.entries() }
    toString() {
      let out = ''
      for (let i = 0; i < this.#list.length; i++) out += (i ? '&' : '') + serializeForm(this.#list[i][0]) + '=' + serializeForm(this.#list[i][1])
      return out
    }
  }
`
