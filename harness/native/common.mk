# What the worker's build (Makefile), the benchmark driver's (bench.mk) and
# the simulator's drivers (sim.mk, chains.mk) share: the inputs TREE, FUNCS,
# OUT and BUILD, the compiler flags (OPT comes from the including file) and
# the staged vhost_iotlb.h, so that the timed code is compiled exactly like
# the code the harness compares.
#
# SAN=1 replaces OPT with -O1 -g, AddressSanitizer and UndefinedBehaviorSanitizer
# (UB errors fatal): one definition of the sanitized flavour for the worker
# (equiv --sanitize) and the drivers (simulate/chains --sanitize).

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

SAN ?= 0
ifeq ($(SAN),1)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
       -fno-sanitize-recover=undefined
endif

BUILD ?= $(patsubst %/,%,$(dir $(OUT)))
STAGE := $(BUILD)/include
CFLAGS_VL := -std=gnu11 -Wall $(OPT) \
	-fno-strict-overflow -fno-strict-aliasing -fno-delete-null-pointer-checks \
	-I$(SHIM) -I$(STAGE) -I$(abspath $(TREE))/drivers/vhost $(EXTRA_CFLAGS)

SHIM_HEADERS := $(wildcard $(SHIM)/*.h $(SHIM)/linux/*.h $(SHIM)/asm/*.h)

.PHONY: all
all: $(OUT)

$(STAGE)/linux/vhost_iotlb.h: $(TREE)/include/linux/vhost_iotlb.h
	mkdir -p $(dir $@)
	cp $< $@

