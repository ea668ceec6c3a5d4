/**
 * The Python half of a run, run once in the worker before the memory image is taken (so every sandbox starts
 * with it): a module `_sandtier` whose `run()` reads the request from the run's channel folder, runs the code in
 * `__main__` (globals persist between runs: a REPL), and writes a report there: the value, a guest error, or an
 * exit status. The value rules are the container harness's (images/sandbox/harness/run-python.py): the last
 * expression, else `main(input)` when this run defines `main` and does not call it. The report is bounded by
 * the prelude and again by the host (the channel mount's budget), which parses it as JSON and nothing else.
 *
 * The guest can replace anything here; it only changes its own report, which the host treats as guest data.
 */

/** Where the channel folder is mounted in the guest. */
export const CHANNEL_GUEST_DIR = '/.sandtier'
/** The guest's working folder (the sandbox's folder). */
export const WORK_GUEST_DIR = '/work'
/** What the host passes to sandtier_run for every request. */
export const RUN_DRIVER = "__import__('_sandtier').run()"

/**
 * Modules whose absence under WASI means the code needs a container: the capability each one names
 * (reported as `capability:<name>`, which the manager escalates on).
 */
const CAPABILITY_MODULES: Record<string, string> = {
  _socket: 'network',
  socket: 'network',
  ssl: 'network',
  _ssl: 'network',
  _ctypes: 'ctypes',
  ctypes: 'ctypes',
  _multiprocessing: 'subprocess',
  _posixsubprocess: 'subprocess',
  multiprocessing: 'subprocess',
  _sqlite3: 'sqlite3',
  _hashlib: 'network',
  _thread: 'threads',
}

/** The module `_sandtier`, run in its own namespace (a guest's globals never shadow its names). */
const MODULE_BODY = `
import ast, builtins, json, math, os, sys, traceback
CHANNEL = ${JSON.stringify(CHANNEL_GUEST_DIR)}
FILENAME = '<sandbox>'
VALUE_NAME = '__sandtier_value__'
MAX_DEPTH = 256
CAPABILITY_MODULES = ${JSON.stringify(CAPABILITY_MODULES)}
PROCESS_CALLS = ('fork', 'system', 'popen', 'pipe', 'kill', 'wait', 'waitpid', 'spawnv', 'spawnl', 'execv', 'execve', 'execvp', 'posix_spawn')
state = {'input': None}
open_ = builtins.open
dumps = json.dumps
loads = json.loads

class ResultNotSerializable(TypeError):
    pass

def not_safe(path, what):
    return ResultNotSerializable('result is not JSON-safe: ' + what + (' at ' + path if path else ''))

def copy(value, path, depth, seen):
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
    stack = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'main':
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False

def defines_main(statements):
    return any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == 'main' for s in statements)

def settle(value):
    if hasattr(type(value), '__await__'):
        import asyncio
        async def wait():
            return await value
        return asyncio.run(wait())
    return value

def evaluate(code, request):
    main_dict = sys.modules['__main__'].__dict__
    tree = ast.parse(code, FILENAME, 'exec')
    has_last = bool(tree.body) and isinstance(tree.body[-1], ast.Expr)
    if has_last:
        last = tree.body[-1]
        target = ast.Name(id=VALUE_NAME, ctx=ast.Store())
        tree.body[-1] = ast.copy_location(ast.Assign(targets=[target], value=last.value), last)
        ast.fix_missing_locations(tree)
    compiled = compile(tree, FILENAME, 'exec', flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    settle(eval(compiled, main_dict))
    if has_last:
        return settle(main_dict.pop(VALUE_NAME, None))
    main = main_dict.get('main')
    if defines_main(tree.body) and type(main).__name__ == 'function' and not calls_main(tree.body):
        code_ = main.__code__
        takes = code_.co_argcount + (1 if code_.co_flags & 0x04 else 0)
        return settle(main(request.get('input')) if takes else main())
    return None

def capability_of(exc):
    if isinstance(exc, ImportError):
        name = getattr(exc, 'name', None) or ''
        top = name.split('.')[0]
        if name in CAPABILITY_MODULES:
            return CAPABILITY_MODULES[name]
        if top in CAPABILITY_MODULES:
            return CAPABILITY_MODULES[top]
        if isinstance(exc, ModuleNotFoundError) and top and top not in sys.stdlib_module_names:
            return 'package:' + top
    if isinstance(exc, RuntimeError) and str(exc) == "can't start new thread":
        return 'threads'
    files = []
    tb = exc.__traceback__
    while tb is not None:
        files.append(os.path.basename(tb.tb_frame.f_code.co_filename))
        tb = tb.tb_next
    if isinstance(exc, OSError) and getattr(exc, 'errno', None) in (52, 58):
        if 'socket.py' in files or 'request.py' in files or 'client.py' in files:
            return 'network'
        if 'subprocess.py' in files:
            return 'subprocess'
        return 'os'
    if isinstance(exc, AttributeError):
        owner = getattr(getattr(exc, 'obj', None), '__name__', '')
        if owner in ('_socket', 'socket', 'select'):
            return 'network'
        if owner == 'os' and getattr(exc, 'name', '') in PROCESS_CALLS:
            return 'subprocess'
    return None

def describe(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    stack = ''.join(traceback.format_exception(type(exc), exc, tb))
    error = {'name': type(exc).__name__, 'message': str(exc)[:4096], 'stack': stack[-8192:]}
    capability = capability_of(exc)
    if capability is not None:
        error['capability'] = capability
    return error

def report(data, limit):
    text = dumps(data, ensure_ascii=False)
    if len(text.encode('utf-8')) > limit:
        text = dumps({'valueTooLarge': True})
    with open_(CHANNEL + '/report', 'w', encoding='utf-8') as f:
        f.write(text)

def run():
    main_dict = sys.modules['__main__'].__dict__
    with open_(CHANNEL + '/request.json', encoding='utf-8') as f:
        request = loads(f.read())
    with open_(CHANNEL + '/code', encoding='utf-8') as f:
        code = f.read()
    limit = request['maxValueBytes']
    if 'input' in request:
        main_dict['input'] = request['input']
        state['input'] = main_dict['input']
    elif state['input'] is not None and main_dict.get('input') is state['input']:
        del main_dict['input']
    out = {}
    try:
        value = evaluate(code, request)
        if value is not None:
            try:
                out['value'] = copy(value, '', 0, set())
            except ResultNotSerializable as e:
                out['error'] = dict(describe(e), name='ResultNotSerializable', code='ERR_RESULT_NOT_SERIALIZABLE')
    except SystemExit as e:
        code_ = e.code
        if code_ is not None and not isinstance(code_, int):
            print(code_, file=sys.stderr)
        out['exit'] = code_ if isinstance(code_, int) else (0 if code_ is None else 1)
    except BaseException as e:
        out['error'] = describe(e)
        sys.stderr.write(out['error']['stack'])
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
    report(out, limit)


def reseed():
    # The image's random state is every sandbox's: each sandbox draws its own from the host's CSPRNG.
    sys.modules['random'].seed()
`

export const PRELUDE = `
import sys, types
_m = types.ModuleType('_sandtier')
exec(compile(${JSON.stringify(MODULE_BODY)}, '<sandtier>', 'exec'), _m.__dict__)
sys.modules['_sandtier'] = _m
for _n in ('traceback', 'ast', 'json', 'base64', 'random', 'string', 'textwrap', 'functools', 'operator', 'dataclasses', 'typing', 'enum'):
    __import__(_n)
del _m, _n, sys, types
__import__('os').chdir(${JSON.stringify(WORK_GUEST_DIR)})
__import__('sys').path.insert(0, ${JSON.stringify(WORK_GUEST_DIR)})
__import__('sys').argv = ['main.py']
# Line by line, as a terminal would: output streams (onOutput) in the order stdout and stderr were written.
__import__('sys').stdout.reconfigure(line_buffering=True)
`
