# sandtier python harness: runs one request's Python code and reports its value on a side channel.
#
# Value rule: see harness_python.py (shared with session.py); documented in src/tiers/container/README.md.
# The global `input` holds the request's input when one was given; without one the builtin input() stays.
#
# Request: the start of stdin, "<byte length>\n<JSON>" with {code, input?, nonce}, read before any guest code runs
# (never in the environment, argv or a file, where another process could read it); the guest's own stdin follows
# it, unread. Report: one line at the very end of stderr, "\0sandtier:<nonce>:<json>\n" with {value?} or
# {error: {name, message, stack, code?}}.
import atexit
import builtins
import os
import sys

from harness_python import FILENAME, read_request, report_line, run_request, save_open_figures


def main():
    request = read_request()
    report = {}
    nonce = request['nonce']

    def write_report():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os.write(2, report_line(nonce, report))

    # Runs after non-daemon threads finished, so no guest output can follow the report.
    atexit.register(write_report)
    scope = {'__name__': '__main__', '__builtins__': builtins, '__file__': FILENAME}
    if 'input' in request:
        scope['input'] = request['input']
    sys.argv = [FILENAME]
    sys.path[0] = '/work'
    outcome, code = run_request(request, scope)
    report.update(outcome)
    save_open_figures()
    sys.exit(code)


main()
