#!/usr/bin/env node
// The CLI entry: the compiled code lives in dist/ (npm run build).
import { main, reportCliError } from '../dist/cli/main.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    process.exitCode = reportCliError(err)
  },
)
