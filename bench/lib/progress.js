/**
 * A progress bar on stderr: the current section, the overall fraction and an ETA. Sections are weighted by
 * their estimated seconds (a start-up tick costs microseconds, a container tick most of a second), and
 * advance by ticks within. On a TTY it redraws one line (at most 10 times a second); otherwise it prints a
 * line at each section and every 10 %.
 */
const WIDTH = 28

function clock(ms) {
  const s = Math.max(0, Math.round(ms / 1000))
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

export class Progress {
  #stream
  #isTty
  #totalWeight = 0
  #doneWeight = 0
  #weight = 0
  #ticks = 0
  #ticked = 0
  #section = ''
  #started = performance.now()
  #lastDraw = 0
  #lastDecile = -1
  #quiet

  constructor({ stream = process.stderr, quiet = false } = {}) {
    this.#stream = stream
    this.#isTty = Boolean(stream.isTTY) && !process.env.CI
    this.#quiet = quiet
  }

  /** Adds a section's planned weight (estimated seconds) before the run starts. */
  plan(weight) {
    this.#totalWeight += weight
  }

  /** Starts a section of `ticks` ticks and `weight`; whatever the previous one left is counted done. */
  section(name, ticks, weight) {
    this.#doneWeight += this.#weight
    this.#section = name
    this.#ticks = ticks
    this.#ticked = 0
    this.#weight = weight
    if (!this.#isTty && !this.#quiet) this.#line(`section ${name}`)
    this.#draw(true)
  }

  /** One (or n) units of work done, with an optional detail for the status line. */
  tick(n = 1, detail = '') {
    this.#ticked = Math.min(this.#ticked + n, this.#ticks)
    this.detail = detail
    this.#draw(false)
  }

  get fraction() {
    if (!this.#totalWeight) return 0
    const inSection = this.#ticks ? (this.#weight * this.#ticked) / this.#ticks : 0
    return Math.min(1, (this.#doneWeight + inSection) / this.#totalWeight)
  }

  /** A message that must not be overwritten by the bar. */
  log(message) {
    if (this.#isTty) this.#stream.write('\r\x1b[K')
    this.#stream.write(`${message}\n`)
    this.#draw(true)
  }

  finish() {
    this.#doneWeight = this.#totalWeight
    this.#weight = 0
    if (this.#isTty) this.#stream.write('\r\x1b[K')
    if (!this.#quiet) this.#line(`done in ${clock(performance.now() - this.#started)}`)
  }

  #line(text) {
    this.#stream.write(`bench: ${text}\n`)
  }

  #draw(force) {
    if (this.#quiet) return
    const now = performance.now()
    const fraction = this.fraction
    if (!this.#isTty) {
      const decile = Math.floor(fraction * 10)
      if (decile > this.#lastDecile && this.#totalWeight) {
        this.#lastDecile = decile
        this.#line(`${decile * 10}% (${this.#section})`)
      }
      return
    }
    if (!force && now - this.#lastDraw < 100) return
    this.#lastDraw = now
    const filled = Math.round(fraction * WIDTH)
    const elapsed = now - this.#started
    const eta = fraction > 0.02 ? clock((elapsed / fraction) * (1 - fraction)) : '?'
    const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled)
    const pct = String(Math.floor(fraction * 100)).padStart(3)
    const detail = this.detail ? ` ${this.detail}` : ''
    const text = `[${bar}] ${pct}% ${this.#section}${detail}  ${clock(elapsed)} eta ${eta}`
    const cols = this.#stream.columns || 120
    this.#stream.write(`\r\x1b[K${text.slice(0, cols - 1)}`)
  }
}
