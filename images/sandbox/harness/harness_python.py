# sandtier python harness, the part both ways of running Python share: run-python.py (one process per run)
# and session.py (one live interpreter per sandbox whose globals persist across runs) import it, so the value
# rule, the JSON-safe copy and the error description are written once.
#
# Value rule (documented in docs and src/tiers/container/README.md):
#   1. the value of the last top-level statement when it is an expression (awaited when it is awaitable;
#      top-level `await` is allowed, and the whole module runs in one event loop);
#   2. otherwise, when the module defines a top-level function `main` and never calls `main` in its own
#      top-level code, `main(input)` (or `main()` when it takes no parameter), awaited when it is async;
#   3. otherwise no value.
import ast
import builtins  # noqa: F401 - the scope's __builtins__ (run-python.py, session.py)
import json
import math
import os
import sys

# asyncio, inspect, datetime and traceback cost tens of milliseconds to import: only when a run needs them.

MAX_DEPTH = 256
FILENAME = 'main.py'
VALUE_NAME = '__sandtier_value__'


MAX_HEADER_BYTES = 20


def read_request():
    """Exactly the framed request from fd 0, unbuffered: what follows is the guest's stdin."""
    header = b''
    while True:
        byte = os.read(0, 1)
        if not byte:
            raise RuntimeError('sandtier: the request ended early')
        if byte == b'\n':
            break
        header += byte
        if len(header) > MAX_HEADER_BYTES:
            raise RuntimeError('sandtier: bad request header')
    remaining = int(header)
    parts = []
    while remaining > 0:
        part = os.read(0, min(remaining, 1 << 20))
        if not part:
            raise RuntimeError('sandtier: the request ended early')
        parts.append(part)
        remaining -= len(part)
    return json.loads(b''.join(parts).decode('utf-8'))


class ResultNotSerializable(TypeError):
    pass


def not_safe(path, what):
    return ResultNotSerializable('result is not JSON-safe: ' + what + (' at ' + path if path else ''))


def copy(value, path, depth, seen):
    """A JSON-safe copy: dicts with str keys, lists, tuples, str, int, float, bool, None, dates."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if type(value).__module__ == 'datetime':
        import datetime
        if isinstance(value, (datetime.date, datetime.time)):
            return value.isoformat()
    if depth > MAX_DEPTH:
        raise not_safe(path, 'nesting deeper than %d' % MAX_DEPTH)
    if id(value) in seen:
        raise not_safe(path, 'a circular reference')
    seen.add(id(value))
    try:
        if isinstance(value, (list, tuple)):
            return [copy(v, '%s[%d]' % (path, i), depth + 1, seen) for i, v in enumerate(value)]
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if not isinstance(k, str):
                    raise not_safe(path, 'a dict key of type ' + type(k).__name__)
                out[k] = copy(v, path + '.' + k, depth + 1, seen)
            return out
        raise not_safe(path, 'a value of type ' + type(value).__name__)
    finally:
        seen.discard(id(value))


def calls_main(statements):
    """True when top-level code (outside function and class bodies) calls `main`."""
    stack = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'main':
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def settle(value):
    if hasattr(type(value), '__await__'):
        import asyncio

        async def wait():
            return await value
        return asyncio.run(wait())
    return value


def run_code(tree, scope):
    code = compile(tree, FILENAME, 'exec', flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    # Top-level await makes the module code a coroutine: eval() then returns it unstarted.
    settle(eval(code, scope))


def positional_params(fn):
    code = fn.__code__
    # co_argcount includes positional-only parameters; 0x04 is CO_VARARGS.
    return code.co_argcount + (1 if code.co_flags & 0x04 else 0)


def evaluate(request, scope):
    tree = ast.parse(request['code'], FILENAME, 'exec')
    # The last expression becomes an assignment, so the whole module (top-level await included) runs in one
    # event loop and its value is read afterwards.
    has_last = bool(tree.body) and isinstance(tree.body[-1], ast.Expr)
    if has_last:
        last = tree.body[-1]
        target = ast.Name(id=VALUE_NAME, ctx=ast.Store())
        tree.body[-1] = ast.copy_location(ast.Assign(targets=[target], value=last.value), last)
        ast.fix_missing_locations(tree)
    run_code(tree, scope)
    if has_last:
        return settle(scope.pop(VALUE_NAME, None))
    main = scope.get('main')
    if type(main).__name__ == 'function' and not calls_main(tree.body):
        return settle(main(request.get('input')) if positional_params(main) else main())
    return None


def describe(exc):
    import traceback

    tb = exc.__traceback__
    # Drop the harness's own frames: the stack starts at the guest's code.
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    stack = ''.join(traceback.format_exception(type(exc), exc, tb))
    return {'name': type(exc).__name__, 'message': str(exc)[:4096], 'stack': stack[-8192:]}


def split_request(data):
    """`<byte length>\n<JSON>` then the guest's stdin, from bytes already read: (request, stdin bytes)."""
    header, sep, rest = data.partition(b'\n')
    if not sep or len(header) > MAX_HEADER_BYTES or not header.isdigit():
        raise RuntimeError('sandtier: bad request header')
    length = int(header)
    if len(rest) < length:
        raise RuntimeError('sandtier: the request ended early')
    return json.loads(rest[:length].decode('utf-8')), rest[length:]


def run_request(request, scope):
    """Runs the request's code in `scope`: (report, exit code). The report is {value?} or {error}."""
    report = {}
    code = 0
    try:
        value = evaluate(request, scope)
        try:
            # None is Python's "no value" (e.g. a trailing print(...)), like undefined in JavaScript.
            if value is not None:
                report['value'] = copy(value, '', 0, set())
        except ResultNotSerializable as e:
            report['error'] = dict(describe(e), name='ResultNotSerializable', code='ERR_RESULT_NOT_SERIALIZABLE')
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, int) and e.code is not None:
            print(e.code, file=sys.stderr)
    except BaseException as e:  # noqa: BLE001 - every guest failure is reported, KeyboardInterrupt included
        report['error'] = describe(e)
        sys.stderr.write(report['error']['stack'])
        code = 1
    return report, code


def report_line(nonce, report):
    """The report as the host strips it from the end of stderr."""
    return ('\0sandtier:%s:%s\n' % (nonce, json.dumps(report))).encode()


def save_open_figures():
    """Figures left open come back as out/figure-<n>.png (figures.py, loaded by path: never shadowed).

    Called after each one-shot run and after each session execute; nothing to do unless the guest
    imported pyplot."""
    if 'matplotlib.pyplot' not in sys.modules:
        return
    try:
        # pyplot's registry of open figures, read without a call: most runs (pyplot preloaded) have none.
        if not sys.modules['matplotlib._pylab_helpers'].Gcf.figs:
            return
    except BaseException:  # noqa: BLE001 - the guest may have replaced anything: figures.py reports it
        pass
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'figures.py')
    try:
        with open(path, 'rb') as f:
            scope = {'__name__': 'sandtier_figures', '__file__': path}
            exec(compile(f.read(), path, 'exec'), scope)
        scope['save_open_figures']()
    except BaseException as e:  # noqa: BLE001 - the hook never fails the run
        try:
            sys.stderr.write('sandtier: figures: %s: %s\n' % (type(e).__name__, str(e)[:200]))
        except Exception:
            pass
