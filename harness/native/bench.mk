# Builds the native benchmark driver (bench.c) of `make bench`.
#
#   make -f harness/native/bench.mk TREE=<kernel tree> FUNCS=<functions.c> \
#        OUT=<driver executable> [BUILD=<scratch dir>] [CC=gcc]
#
# Same inputs and the same optimisation and kernel integer semantics as the
# worker's -O2 build (Makefile), so that the timed code is the code the
# harness compares; only the main program differs.

OPT := -O2 -g

include $(dir $(lastword $(MAKEFILE_LIST)))common.mk

$(OUT): $(NATIVE)/bench.c $(SHIM)/shim.c $(SHIM)/request_path.c $(STAGE)/linux/vhost_iotlb.h \
	$(TREE)/drivers/vhost/vhost.h $(FUNCS) $(SHIM_HEADERS) $(NATIVE)/bench.mk $(NATIVE)/common.mk
	mkdir -p $(dir $@)
	$(CC) $(CFLAGS_VL) -DVL_FUNCTIONS='"$(abspath $(FUNCS))"' \
		-o $@ $(NATIVE)/bench.c $(SHIM)/shim.c $(SHIM)/request_path.c
