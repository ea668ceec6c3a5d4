/*
 * sandtier's entry points into CPython, linked as a WASI reactor (no _start, no main): the host calls
 * `_initialize` (libc constructors), then `sandtier_init` once, then `sandtier_run` per source string. A reactor
 * stays alive between calls, so the memory after `sandtier_init` can be kept as a ready image and restored for each
 * sandbox instead of paying for interpreter start-up and the common imports again.
 *
 * The standard library is one zip of .pyc at PYTHON_ZIP in the guest's file system (the host maps it there).
 * Every guest outcome is a return code, never a trap or a proc_exit: SystemExit is caught here, because CPython's
 * own handling of it calls exit(), which would end the instance.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define PYTHON_ZIP L"/usr/local/lib/python313.zip"

/* Imported by sandtier_init so a memory image taken after it already holds them (what agents' code uses most). */
static const char *const PRELOADED[] = {"json", "re", "math", "collections", "itertools", "datetime"};

/* Return codes of sandtier_init and sandtier_run (mirrored by the host). */
enum {
  SANDTIER_OK = 0,
  SANDTIER_GUEST_ERROR = 1, /* an uncaught exception; its traceback went to stderr */
  SANDTIER_NOT_READY = 2,   /* sandtier_run before a successful sandtier_init */
  SANDTIER_INIT_FAILED = 3, /* the interpreter or a preloaded module did not start; the reason went to stderr */
  SANDTIER_NO_MEMORY = 4,   /* the source string could not be copied */
};

static int ready;

/* Flush Python's stdout and stderr: WASI's stdout is not a terminal, so print() is block-buffered. */
static void flush_std_streams(void) {
  static const char *const names[] = {"stdout", "stderr"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    PyObject *stream = PySys_GetObject(names[i]); /* borrowed */
    if (stream == NULL || stream == Py_None) continue;
    PyObject *result = PyObject_CallMethod(stream, "flush", NULL);
    if (result == NULL) PyErr_Clear();
    Py_XDECREF(result);
  }
}

/* Exit status of a pending SystemExit (clears it), printing a non-int code to stderr as CPython does. */
static int take_system_exit(void) {
  PyObject *exc = PyErr_GetRaisedException();
  PyObject *code = PyObject_GetAttrString(exc, "code");
  int status = SANDTIER_GUEST_ERROR;
  if (code == NULL) {
    PyErr_Clear();
  } else if (code == Py_None) {
    status = 0;
  } else if (PyLong_Check(code)) {
    long value = PyLong_AsLong(code);
    status = (value == -1 && PyErr_Occurred()) ? SANDTIER_GUEST_ERROR : (int)(value & 0xff);
  } else {
    PyObject_Print(code, stderr, Py_PRINT_RAW);
    fputc('\n', stderr);
  }
  PyErr_Clear();
  Py_XDECREF(code);
  Py_DECREF(exc);
  return status;
}

EXPORT("sandtier_init") int sandtier_init(void) {
  if (ready) return SANDTIER_OK;
  /* UTF-8 mode: WASI has no locale, so CPython would otherwise pick ASCII for stdio and fail on print("é"). */
  PyPreConfig preconfig;
  PyPreConfig_InitIsolatedConfig(&preconfig);
  preconfig.utf8_mode = 1;
  PyStatus status = Py_PreInitialize(&preconfig);
  if (PyStatus_Exception(status)) {
    fprintf(stderr, "sandtier: python did not pre-initialise: %s\n", status.err_msg ? status.err_msg : "unknown");
    return SANDTIER_INIT_FAILED;
  }
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config); /* no environment variables, no user site, no cwd on sys.path */
  config.write_bytecode = 0;            /* the zip is read-only; nothing to cache */
  config.install_signal_handlers = 0;   /* WASI has no signals */
  config.module_search_paths_set = 1;
  status = PyWideStringList_Append(&config.module_search_paths, PYTHON_ZIP);
  if (!PyStatus_Exception(status)) status = PyConfig_SetString(&config, &config.program_name, L"python3");
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    fprintf(stderr, "sandtier: python did not start: %s\n", status.err_msg ? status.err_msg : "unknown");
    return SANDTIER_INIT_FAILED;
  }
  for (size_t i = 0; i < sizeof PRELOADED / sizeof PRELOADED[0]; i++) {
    PyObject *module = PyImport_ImportModule(PRELOADED[i]);
    if (module == NULL) {
      PyErr_Print();
      return SANDTIER_INIT_FAILED;
    }
    Py_DECREF(module);
  }
  ready = 1;
  return SANDTIER_OK;
}

/* Guest memory for the host to write a source string into; released by sandtier_free. */
EXPORT("sandtier_alloc") void *sandtier_alloc(size_t size_bytes) { return malloc(size_bytes); }
EXPORT("sandtier_free") void sandtier_free(void *pointer) { free(pointer); }

/*
 * Run `length` bytes of UTF-8 source at `source` as the module __main__ (globals persist across calls).
 * Returns 0, a SystemExit status, or SANDTIER_GUEST_ERROR after printing the traceback to stderr.
 */
EXPORT("sandtier_run") int sandtier_run(const char *source, size_t length) {
  if (!ready) return SANDTIER_NOT_READY;
  /* Copied with a terminator: the host passes a length, and a NUL inside the source must be an error, not an end. */
  char *text = length < SIZE_MAX ? malloc(length + 1) : NULL;
  if (text == NULL) return SANDTIER_NO_MEMORY;
  memcpy(text, source, length);
  text[length] = '\0';
  int result = SANDTIER_OK;
  PyObject *main_module = PyImport_AddModule("__main__"); /* borrowed */
  PyObject *globals = main_module ? PyModule_GetDict(main_module) : NULL;
  PyObject *code = NULL, *value = NULL;
  if (globals != NULL && strlen(text) != length) {
    PyErr_SetString(PyExc_SyntaxError, "source code string cannot contain null bytes");
  } else if (globals != NULL) {
    code = Py_CompileString(text, "<sandbox>", Py_file_input);
    if (code != NULL) value = PyEval_EvalCode(code, globals, globals);
  }
  free(text);
  if (value == NULL) {
    if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
      result = take_system_exit();
    } else {
      PyErr_Print();
      result = SANDTIER_GUEST_ERROR;
    }
  }
  Py_XDECREF(value);
  Py_XDECREF(code);
  flush_std_streams();
  return result;
}
