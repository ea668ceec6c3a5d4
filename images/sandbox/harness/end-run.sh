# sandtier: sourced by kill-run.sh and run-guest.sh. end_run ends a run: it kills every process in the sandbox
# except the container's own — init (pid 1) and the processes of init's session (the container's main
# command) — and the shell that calls it. Every exec the host starts is the leader of a session of its own,
# and a session is only inherited, so nothing a run starts can join init's session. Each round stops the
# victims before killing them, so a fork bomb cannot refill the pid table between the scan and the kill.
# Returns 0 once a scan after the last kill finds no process of a run alive, 1 if some survive every round.
# With report_stopped set, prints "s" to stdout once the first round's victims are stopped.
#
# Forks nothing in its first rounds (builtins only), so it works when the pids limit is nearly exhausted;
# later rounds wait 10 ms for processes that are still exiting (a large heap takes a while to free).
self=$$

# Sets state, session and threads from /proc/<pid>/stat. The file is read whole and split at its LAST ") ":
# a process name may hold ") ", spaces and newlines (`prctl(PR_SET_NAME, "x) Z\n")`), the fields after it
# never do. Fails when the process is gone.
read_stat() {
  stat='' line=''
  while IFS= read -r line; do stat="$stat$line
"; done
  stat="$stat$line"
  case $stat in *') '*) ;; *) return 1 ;; esac
  # Field 3 is $1: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  # cutime cstime priority nice num_threads(20) itrealvalue starttime(22) ...
  # shellcheck disable=SC2086 # word splitting of the numeric fields is intended
  set -- ${stat##*) }
  [ $# -ge 20 ] || return 1
  state=$1 session=$4 threads=${18}
}

# init leads session 1 in the container's pid namespace (runc and runsc): its session is the container's own.
init_session=1

# victims: every process outside init's session; live: those not dead yet. A zombie is dead unless its
# thread group still has threads (a leader that called pthread_exit while its threads run shows state Z with
# num_threads > 1, and on gVisor an empty task/ directory): SIGKILL to such a zombie ends its threads.
scan() {
  victims='' live=''
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    if [ "$pid" = 1 ] || [ "$pid" = "$self" ] || [ "$pid" = "${spare_pid:-}" ]; then continue; fi
    if ! read_stat 2>/dev/null <"$dir/stat"; then
      # Unreadable but present: count it alive rather than pass it over.
      [ -d "$dir" ] && victims="$victims $pid" live="$live $pid"
      continue
    fi
    [ "$session" = "$init_session" ] && continue
    victims="$victims $pid"
    case $state in
      Z | X) [ "$threads" -gt 1 ] && live="$live $pid" ;;
      *) live="$live $pid" ;;
    esac
  done
}

end_run() {
  round=0
  while :; do
    scan
    [ -z "$live" ] && return 0
    [ "$round" -ge 40 ] && return 1
    [ "$round" -ge 3 ] && sleep 0.01
    # shellcheck disable=SC2086 # word splitting of the pid list is intended
    kill -STOP $victims 2>/dev/null
    [ "$round" = 0 ] && [ -n "${report_stopped:-}" ] && printf s
    # shellcheck disable=SC2086
    kill -KILL $victims 2>/dev/null
    round=$((round + 1))
  done
}
