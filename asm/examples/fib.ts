// Call by name: run(source, { type: 'wasm', language: 'assemblyscript', fn: 'fib', args: [30] })

/** The n-th Fibonacci number, recursively: a CPU-bound workload. */
export function fib(n: i32): i32 {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}
