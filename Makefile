# VhostLog: `make` installs what is missing, builds, generates the series for
# the default tree, verifies it and only then writes it to out/ (generate
# --verify); `make check` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := all
SIGNOFF ?= VhostLog Generator <generator@vhostlog.example>
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
DEBIAN_KERNEL := 6.12.117
# 6.1 is the older target the series adapts to (tests generate and verify it).
# The kernel images are the ones the headers were built for: `vhostlog boot`
# boots them under QEMU with the series' modules.
PINNED := linux-source-6.12=6.12.117-1~deb12u1 linux-headers-6.12.117+deb12-amd64 \
          linux-image-6.12.117+deb12-amd64=6.12.117-1~deb12u1 \
          linux-source-6.1=6.1.192-2 linux-headers-6.1.0-56-amd64=6.1.192-2 \
          linux-image-6.1.0-56-amd64=6.1.192-2
TOOLS := coccinelle sparse libclang1-14 clang-format gcc make git perl xz-utils libc6-dev gnuplot-nox \
         qemu-system-x86 cpio quilt
TEST_FILTER ?=

.PHONY: all deps build generate verify check test mutants golden-accept bench tool clean

all: deps build generate

deps:
	@missing=""; \
	for p in $(PINNED) $(TOOLS); do \
	  name=$${p%%=*}; want=$${p#*=}; \
	  have=$$(dpkg-query -W -f='$${Status} $${Version}' $$name 2>/dev/null); \
	  case "$$have" in "install ok installed"*) [ "$$p" = "$$name" ] || [ "$${have##* }" = "$$want" ] || missing="$$missing $$p";; \
	  *) missing="$$missing $$p";; esac; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive INITRD=No apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v dotnet >/dev/null || { echo "deps: the .NET 10 SDK (dotnet) is required and not on PATH"; exit 2; }

build:
	dotnet build VhostLog.slnx -c Release -nologo -v q
	./vhostlog --help >/dev/null

generate:
	./vhostlog generate --verify --signoff "$(SIGNOFF)"

verify:
	./vhostlog verify

# Every test (golden C, model-language diagnostics, series drift, verify,
# differential equivalence, mutants) is an NUnit test; the last line counts them.
# `build` just built the test project too: the run skips dotnet test's own (no-op) build.
check: deps build
	@VHOSTLOG_TESTS_BUILT=1 bash tests/run-tests.sh $(TEST_FILTER)

test: check

# The mutation score: every mutant of tests/Equivalence/mutants through the
# harness at CI's case count; prints the kill rate, fails if one survives.
mutants: build
	./vhostlog mutants

# Accept new translator output as the golden files (review the diff, then commit).
golden-accept:
	VHOSTLOG_ACCEPT_GOLDEN=1 dotnet test tests/VhostLog.Tests.csproj -c Release --filter "FullyQualifiedName~Golden" -nologo -v q

# Benchmarks (not part of check): managed model vs generated C in pages/s,
# set_bit_to_user calls per MiB, generate/verify latency, equiv cases/s.
# Prints ratios measured in the same run; takes about 5-10 minutes.
bench: deps build
	dotnet run --project harness/Bench/VhostLog.Bench.csproj -c Release --no-build -- $(BENCH_ARGS)

# The CLI as a .NET tool: packed to build/pkg, installed to build/tool
# (run build/tool/vhostlog inside the repository or with VHOSTLOG_ROOT set).
tool: build
	rm -rf build/pkg build/tool
	dotnet pack generator/Cli/VhostLog.Cli.csproj -c Release -o build/pkg -nologo -v q
	dotnet tool install --tool-path build/tool --add-source build/pkg VhostLog.Cli
	build/tool/vhostlog --help >/dev/null

clean:
	rm -rf build .cache/work
	dotnet clean VhostLog.slnx -nologo -v q
