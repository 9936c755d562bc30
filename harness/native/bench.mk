# Builds the native benchmark driver (bench.c) of `make bench`.
#
#   make -f harness/native/bench.mk TREE=<kernel tree> FUNCS=<functions.c> \
#        OUT=<driver executable> [BUILD=<scratch dir>] [CC=gcc]
#
# Same inputs and the same optimisation and kernel integer semantics as the
# worker's -O2 build (Makefile), so that the timed code is the code the
# harness compares; only the main program differs.

ifeq ($(origin CC),default)
CC := gcc
endif

NATIVE := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
SHIM := $(abspath $(NATIVE)/../shim)

ifeq ($(strip $(TREE)),)
$(error TREE is not set)
endif
ifeq ($(strip $(FUNCS)),)
$(error FUNCS is not set)
endif
ifeq ($(strip $(OUT)),)
$(error OUT is not set)
endif

BUILD ?= $(patsubst %/,%,$(dir $(OUT)))
STAGE := $(BUILD)/include

CFLAGS_VL := -std=gnu11 -Wall -O2 -g \
	-fno-strict-overflow -fno-strict-aliasing -fno-delete-null-pointer-checks \
	-I$(SHIM) -I$(STAGE) -I$(abspath $(TREE))/drivers/vhost $(EXTRA_CFLAGS)

SHIM_HEADERS := $(wildcard $(SHIM)/*.h $(SHIM)/linux/*.h $(SHIM)/asm/*.h)

.PHONY: all
all: $(OUT)

$(STAGE)/linux/vhost_iotlb.h: $(TREE)/include/linux/vhost_iotlb.h
	mkdir -p $(dir $@)
	cp $< $@

$(OUT): $(NATIVE)/bench.c $(SHIM)/shim.c $(STAGE)/linux/vhost_iotlb.h \
	$(TREE)/drivers/vhost/vhost.h $(FUNCS) $(SHIM_HEADERS) $(NATIVE)/bench.mk
	mkdir -p $(dir $@)
	$(CC) $(CFLAGS_VL) -DVL_FUNCTIONS='"$(abspath $(FUNCS))"' \
		-o $@ $(NATIVE)/bench.c $(SHIM)/shim.c
