#!/bin/sh
# sandtier: ends a run from a fresh exec (after a limit, or after a normal end when nothing better vouches
# for it): every process but the container's own is killed (see end-run.sh). Prints "s" once the first
# victims are stopped (the host then lets go of a stream it paused at the output cap); exits 0 once none of
# them is alive, 1 if some survive every round (the host then kills the whole container).
# $1, when given: a session's live interpreter (its pid here), spared after a run's normal end (session.py).
spare_pid=${1:-}
report_stopped=1
. /opt/sandtier/end-run.sh
end_run
