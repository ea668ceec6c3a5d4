#!/bin/sh
# sandtier (runsc): runs one request's command, then ends the run whole from inside the same exec, which
# saves the host a second exec per run. Usage: sh run-guest.sh <command...>; stdin starts with "<end nonce>\n",
# the command gets the rest. When end_run (end-run.sh) leaves nothing of the run alive, the last bytes on
# stderr are "\0sandtier-end:<end nonce>\n"; exits with the command's status either way.
#
# The host trusts that line only because, under gVisor, the run's processes cannot read or change this shell:
# its memory (/proc/<pid>/mem) and ptrace are closed to them (Yama ptrace_scope 1, a child may not trace its
# parent), the nonce was read from stdin before they started and is nowhere else. A run that kills this shell,
# or leaves anything after the line, gets the host's own kill-run.sh exec instead.
read -r end_nonce || exit 125
"$@"
status=$?
# end-run.sh spares $spare_pid (kill-run.sh's argument: a session's interpreter). A run of this script spares
# nothing: a spare_pid the caller put in the sandbox's environment (`env: { spare_pid }`) must not keep a
# process of the run alive (the command still sees it, as on runc).
spare_pid=
. /opt/sandtier/end-run.sh
end_run && printf '\0sandtier-end:%s\n' "$end_nonce" >&2
exit "$status"
