# Extra target for CPython's own Makefile (make -f Makefile -f reactor.mk sandtier-reactor.wasm): links
# reactor.c with exactly the objects, libraries and flags CPython uses for python.wasm, but as a WASI reactor
# whose memory is imported: the host creates it, so the host sets its maximum (the sandbox's memory limit).
SANDTIER_REACTOR_C ?= reactor.c

Programs/sandtier-reactor.o: $(SANDTIER_REACTOR_C) $(PYTHON_HEADERS)
	$(CC) -c $(PY_STDMODULE_CFLAGS) -o $@ $(SANDTIER_REACTOR_C)

sandtier-reactor.wasm: Programs/sandtier-reactor.o $(LINK_PYTHON_DEPS)
	$(LINKCC) $(PY_CORE_LDFLAGS) $(LINKFORSHARED) -mexec-model=reactor -Wl,--import-memory,--export-memory -o $@ Programs/sandtier-reactor.o $(LINK_PYTHON_OBJS) $(LIBS) $(MODLIBS) $(SYSLIBS)
