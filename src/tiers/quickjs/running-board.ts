/**
 * Tells the host which run this worker is executing synchronously right now, through a shared Int32 slot.
 * A guest stuck in a built-in cannot answer messages, and the host must terminate the worker only for the
 * run that is stuck, never for a run of another sandbox that merely waits behind it (issue 22): the host
 * reads this slot before it terminates. One board per worker thread; 0 means no guest code is running.
 */
let board: Int32Array | undefined

/** Slot of the running run's token on the worker's board (slot 0 is the idle-work flag). */
export const RUNNING_SLOT = 1

export function useRunningBoard(shared: Int32Array): void {
  board = shared
}

/** Marks `token`'s guest code as running (0: none). */
export function markRunning(token: number): void {
  if (board) Atomics.store(board, RUNNING_SLOT, token)
}
