#!/bin/sh
# sandtier: ends a run by killing every process in the sandbox except init (pid 1), the container's main
# process and this script. The main process is the child of pid 1 that started first: processes orphaned by
# a run are re-parented to pid 1 too, but always later. Each round stops the victims before killing them, so a
# fork bomb cannot refill the pid table between the scan and the kill. Exits 0 once nothing else is left,
# 1 if processes survive 20 rounds (the host then kills the whole container).
self=$$

scan() {
  keep='' keep_start=''
  victims=''
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [ "$pid" = 1 ] && continue
    [ "$pid" = "$self" ] && continue
    stat=''
    read -r stat <"$dir/stat" 2>/dev/null || continue
    [ -n "$stat" ] || continue
    # Fields after "comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    # cutime cstime priority nice threads itrealvalue starttime ...
    set -- ${stat##*) }
    # Zombies are already dead; init reaps them.
    case $1 in Z | X) continue ;; esac
    ppid=$2
    shift 18
    start=$1
    if [ "$ppid" = 1 ] && { [ -z "$keep" ] || [ "$start" -lt "$keep_start" ]; }; then
      [ -n "$keep" ] && victims="$victims $keep"
      keep=$pid keep_start=$start
    else
      victims="$victims $pid"
    fi
  done
}

round=0
while [ "$round" -lt 20 ]; do
  scan
  [ -z "$victims" ] && exit 0
  # shellcheck disable=SC2086 # word splitting of the pid list is intended
  kill -STOP $victims 2>/dev/null
  # shellcheck disable=SC2086
  kill -KILL $victims 2>/dev/null
  round=$((round + 1))
done
exit 1
