# Builds the native engine of `vhostlog simulate` (sim.c; SIM-PROTOCOL.md).
#
#   make -f harness/native/sim.mk TREE=<kernel tree> FUNCS=<functions.c> \
#        OUT=<driver executable> [SAN=1] [BUILD=<scratch dir>] [CC=gcc]
#
# FUNCS holds the request path taken unchanged from TREE (vhost.c and
# scsi.c functions, the vhost.c macros they use) and the VL_SIM_GLUE level
# (Simulator/RequestPathSources.cs writes it).  Same flags and kernel
# integer semantics as the worker's -O2 build (common.mk);
# SAN=1: ASan+UBSan, as the worker's sanitized build.

OPT := -O2 -g

include $(dir $(lastword $(MAKEFILE_LIST)))common.mk

$(OUT): $(NATIVE)/sim.c $(NATIVE)/line_protocol.h $(SHIM)/shim.c $(SHIM)/request_path.c $(STAGE)/linux/vhost_iotlb.h \
	$(TREE)/drivers/vhost/vhost.h $(FUNCS) $(SHIM_HEADERS) $(NATIVE)/sim.mk $(NATIVE)/common.mk
	mkdir -p $(dir $@)
	$(CC) $(CFLAGS_VL) -DVL_FUNCTIONS='"$(abspath $(FUNCS))"' \
		-o $@ $(NATIVE)/sim.c $(SHIM)/shim.c $(SHIM)/request_path.c
