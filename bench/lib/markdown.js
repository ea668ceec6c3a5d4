/** Markdown table pieces shared by every REPORT.md renderer. */

/** A cell's text with its pipes escaped. */
export const esc = (s) => String(s).replace(/\|/g, '\\|')
/** One table row. */
export const row = (cells) => `| ${cells.map(esc).join(' | ')} |`
/** The header row and its alignment row. */
export const head = (cols, align) => `${row(cols)}\n| ${align.join(' | ')} |`
