import { describe, expect, it } from 'vitest'
import { sandboxPath } from '../../../src/config/sandbox-path.js'
import { ConfigError } from '../../../src/errors.js'

describe('sandboxPath: one folder per sandbox, the same names on every tier', () => {
  it.each([
    ['data.csv', 'data.csv'],
    ['a//b/./c.txt', 'a/b/c.txt'],
    ['dir/', 'dir'],
    ['/work/out/plot.png', 'out/plot.png'],
    ['/work', '.'],
    ['/work/', '.'],
    ['.', '.'],
    ['', '.'],
    ['é/ü.txt', 'é/ü.txt'],
  ])('%j → %j', (path, expected) => {
    expect(sandboxPath(path)).toBe(expected)
  })

  it.each([
    ['..', 'a parent'],
    ['a/../../etc/passwd', 'a parent inside'],
    ['/etc/passwd', 'an absolute path outside the folder'],
    ['/workshop/x', 'a sibling that only starts like the folder'],
    ['a\0b', 'a NUL byte'],
    ['x'.repeat(256), 'a name over 255 bytes'],
    ['a/'.repeat(2049), 'a path over 4096 characters'],
    [42, 'a number'],
  ])('refuses %j (%s) with a ConfigError naming the option', (path, _why) => {
    expect(() => sandboxPath(path, 'files["x"]')).toThrowError(ConfigError)
    expect(() => sandboxPath(path, 'files["x"]')).toThrowError(
      expect.objectContaining({ option: 'files["x"]' }),
    )
  })
})
