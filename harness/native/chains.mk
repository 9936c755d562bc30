# Builds the native driver of `vhostlog chains` (chains.c; CHAINS-PROTOCOL.md).
#
#   make -f harness/native/chains.mk TREE=<kernel tree> FUNCS=<functions.c> \
#        OUT=<driver executable> [SAN=1] [BUILD=<scratch dir>] [CC=gcc]
#
# FUNCS holds vhost_get_vq_desc() and its callees taken unchanged from TREE
# (Simulator/RequestPathSources.Chains.cs writes it).  Same flags and kernel
# integer semantics as the worker's and the simulator's builds (common.mk);
# SAN=1: ASan+UBSan, as the worker's sanitized build.

OPT := -O2 -g

include $(dir $(lastword $(MAKEFILE_LIST)))common.mk

$(OUT): $(NATIVE)/chains.c $(NATIVE)/line_protocol.h $(NATIVE)/vl_wire.h $(SHIM)/shim.c $(SHIM)/request_path.c $(STAGE)/linux/vhost_iotlb.h \
	$(TREE)/drivers/vhost/vhost.h $(FUNCS) $(SHIM_HEADERS) $(NATIVE)/chains.mk $(NATIVE)/common.mk
	mkdir -p $(dir $@)
	$(CC) $(CFLAGS_VL) -DVL_FUNCTIONS='"$(abspath $(FUNCS))"' \
		-o $@ $(NATIVE)/chains.c $(SHIM)/shim.c $(SHIM)/request_path.c
