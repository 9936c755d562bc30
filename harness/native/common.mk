# What the worker's build (Makefile) and the benchmark driver's (bench.mk)
# share: the inputs TREE, FUNCS, OUT and BUILD, the compiler flags (OPT comes
# from the including file) and the staged vhost_iotlb.h, so that the timed
# code is compiled exactly like the code the harness compares.

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
CFLAGS_VL := -std=gnu11 -Wall $(OPT) \
	-fno-strict-overflow -fno-strict-aliasing -fno-delete-null-pointer-checks \
	-I$(SHIM) -I$(STAGE) -I$(abspath $(TREE))/drivers/vhost $(EXTRA_CFLAGS)

SHIM_HEADERS := $(wildcard $(SHIM)/*.h $(SHIM)/linux/*.h $(SHIM)/asm/*.h)

.PHONY: all
all: $(OUT)

$(STAGE)/linux/vhost_iotlb.h: $(TREE)/include/linux/vhost_iotlb.h
	mkdir -p $(dir $@)
	cp $< $@

