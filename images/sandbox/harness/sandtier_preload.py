# sandtier preload: the modules an image declares in /etc/sandtier/preload.txt (one a line, '#' comments; the
# data image lists numpy, pandas, matplotlib and matplotlib.pyplot) are imported once by the resident runner
# before it answers its first hello, so every run forked from it finds them in sys.modules instead of paying
# their import time. Keyed on that file, never on the image's name: any image built FROM the sandbox image
# can declare its own. Never fatal: a module that fails to import is one line on the runner's stderr.
import gc
import importlib
import os
import re
import sys

PRELOAD_FILE = '/etc/sandtier/preload.txt'
MAX_MODULES = 64
MODULE_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$')
# Below this container memory limit the preload is skipped: the imports are charged to the container once
# (the runner holds them), and pandas + matplotlib take ~100 MiB (docs/data-image.md); a run that imports
# them itself then meets the limit as its own 'memory' outcome instead of a runner that cannot start.
MIN_MEMORY_BYTES = 192 * 1024 * 1024
CGROUP_LIMIT_FILES = ('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes')


def memory_limit_bytes():
    """The container's memory limit: its cgroup's (runc), else MemTotal, which gVisor sets to the limit (runsc
    shows no cgroup files); None when neither can be read."""
    for path in CGROUP_LIMIT_FILES:
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text != 'max':
            return int(text)
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemTotal:'):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def declared_modules():
    try:
        with open(PRELOAD_FILE) as f:
            lines = f.read(65536).splitlines()
    except OSError:
        return []
    names = [line.split('#', 1)[0].strip() for line in lines]
    return [name for name in names if MODULE_NAME.match(name)][:MAX_MODULES]


def preload():
    """Imports the declared modules; returns their names that imported."""
    names = declared_modules()
    if not names:
        return []
    limit = memory_limit_bytes()
    if limit is not None and limit < MIN_MEMORY_BYTES:
        return []
    done = []
    for name in names:
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception as e:  # noqa: BLE001 - an image's broken module never stops the runner
            sys.stderr.write('sandtier: preload %s failed: %s\n' % (name, str(e)[:200]))
    # The forked runs inherit these objects: keep the collector from touching (and so copying) their pages.
    gc.collect()
    gc.freeze()
    return done


def run_then_exit(run):
    """Calls run() (the harness, which ends with sys.exit(code)) in a run's forked child, then ends the
    process as Python's own exit does up to its teardown: non-daemon threads joined, atexit handlers (the
    harness's report among them) run, streams flushed; then os._exit. The teardown would free every object the
    preload imported: ~130 ms per run with pandas and matplotlib (measured on runc), writing to every page the
    child shares with the runner on the way. Any other exception ends the child too (traceback, exit 1):
    nothing of the runner's own loop may continue in a run's process."""
    try:
        run()
        code = 0
    except SystemExit as e:
        code = e.code
    except BaseException:  # noqa: BLE001 - e.g. KeyboardInterrupt between the harness's own handlers
        try:
            import traceback
            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
        code = 1
    if code is not None and not isinstance(code, int):
        try:
            print(code, file=sys.stderr)
        except Exception:
            pass
        code = 1
    try:
        threading = sys.modules.get('threading')
        if threading is not None:
            threading._shutdown()
        import atexit
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
    finally:
        os._exit((code or 0) & 0xFF)
