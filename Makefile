# souk: see README.md.
#
#   make          build bin/soukd, bin/souk and bin/souk-image
#   make run      install what is missing, start PostgreSQL and soukd
#   make check    every test (sanitizer build), leaves nothing running
#   make stop     stop the private PostgreSQL cluster of `make run`
#   make bench    benchmarks (tests/bench), not part of check
#   make fuzz     libFuzzer targets (tests/fuzz), not part of check
#   make install  binaries, man pages, example configuration
#
# V=1 shows commands; WERROR=1 makes warnings errors (CI);
# SUITE=name runs one Check suite; VARIANT=asan builds with sanitizers.

.DEFAULT_GOAL := all
.SUFFIXES:

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(PREFIX)/etc
LIBEXECDIR ?= $(PREFIX)/libexec
DESTDIR ?=
VERSION := 0.1.0

CC ?= cc
VARIANT ?= rel
O := build/$(VARIANT)
BIN := $(if $(filter rel,$(VARIANT)),bin,$(O)/bin)

ifeq ($(V),1)
Q :=
else
Q := @
endif

pkg = $(shell pkg-config $(1) $(2) 2>/dev/null)

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wcast-qual \
	-Wwrite-strings -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-Wimplicit-fallthrough -fno-common
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifeq ($(VARIANT),asan)
OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDOPT := -fsanitize=address,undefined
else
OPT := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
LDOPT :=
endif

INC := -Icommon -Idaemon -Idaemon/http -Idaemon/db -Idaemon/api \
	-Idaemon/jobs -Idaemon/events -Idaemon/providers -Idaemon/auth \
	-Idaemon/notify -Idaemon/media -Idaemon/catalog \
	-Itui \
	-Itests/api -Itests/lib
DEFS := -D_GNU_SOURCE -DSOUK_VERSION='"$(VERSION)"' \
	-DSOUK_SYSCONFDIR='"$(SYSCONFDIR)"' -DSOUK_LIBEXECDIR='"$(LIBEXECDIR)"'
BASE_CFLAGS := -std=c17 $(DEFS) $(WARN) $(OPT) -MMD -MP $(INC) $(CFLAGS)

DAEMON_PKGS := libmicrohttpd jansson libsodium libpq libcurl libcrypto
# Only souk-image, soukd's image decoder, links libvips.
IMAGE_PKGS := vips
TUI_PKGS := ncursesw libcurl jansson
TEST_PKGS := check libcurl jansson libpq libsodium vips
ALL_PKGS := libmicrohttpd jansson libsodium libpq ncursesw libcurl check \
	libcrypto
FAKES_PKGS := libmicrohttpd jansson libsodium libcrypto

# libvips' headers pull in GLib's, which our warnings are not written
# for: they come in as system headers (-isystem), warnings off.
PKG_CFLAGS := $(call pkg,--cflags,$(ALL_PKGS)) \
	$(patsubst -I%,-isystem %,$(call pkg,--cflags,vips))
DAEMON_LIBS := $(call pkg,--libs,$(DAEMON_PKGS)) -lpthread
TUI_LIBS := $(call pkg,--libs,$(TUI_PKGS)) -lreadline -lpthread
IMAGE_LIBS := $(call pkg,--libs,$(IMAGE_PKGS))
TEST_LIBS := $(call pkg,--libs,$(TEST_PKGS)) -lpthread
FAKES_LIBS := $(call pkg,--libs,$(FAKES_PKGS)) -lpthread

COMMON_SRC := $(wildcard common/*.c)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c daemon/*/*.c))
IMAGE_SRC := $(wildcard daemon/media/helper/*.c) common/log.c common/xmalloc.c
TUI_SRC := $(filter-out tui/main.c,$(wildcard tui/*.c tui/*/*.c))
UNIT_SRC := $(wildcard tests/unit/*.c) $(wildcard tests/lib/*.c)
API_SRC := $(wildcard tests/api/*.c) $(wildcard tests/lib/*.c)
FAKES_SRC := $(wildcard tests/fakes/*.c)
MIGRATIONS := $(sort $(wildcard sql/migrations/*.sql))

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))
COMMON_OBJ := $(call obj,$(COMMON_SRC))
DAEMON_OBJ := $(call obj,$(DAEMON_SRC)) $(O)/obj/gen/migrations.o \
	$(O)/obj/gen/openapi.o
TUI_OBJ := $(call obj,$(TUI_SRC))

all: $(BIN)/soukd $(BIN)/souk $(BIN)/souk-image

# Paths and the version are compiled in: rebuild main.o when they change.
$(O)/flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(DEFS)' | cmp -s - $@ || echo '$(DEFS)' > $@
$(O)/obj/daemon/main.o $(O)/obj/tui/main.o $(O)/obj/daemon/media/image.o: \
	$(O)/flags
FORCE:

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(O)/tools/embed: scripts/embed.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c17 -O1 -Wall -o $@ $<

$(O)/gen/migrations.c: $(O)/tools/embed $(MIGRATIONS)
	@mkdir -p $(dir $@)
	$(Q)$(O)/tools/embed $@ migrations $(MIGRATIONS)

$(O)/gen/openapi.c: $(O)/tools/embed daemon/openapi.json
	@mkdir -p $(dir $@)
	$(Q)$(O)/tools/embed $@ openapi daemon/openapi.json

$(O)/obj/gen/%.o: $(O)/gen/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BASE_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(BIN)/soukd: $(O)/obj/daemon/main.o $(DAEMON_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDOPT) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(BIN)/souk-image: $(call obj,$(IMAGE_SRC))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDOPT) $(LDFLAGS) -o $@ $^ $(IMAGE_LIBS)

$(BIN)/souk: $(O)/obj/tui/main.o $(TUI_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDOPT) $(LDFLAGS) -o $@ $^ $(TUI_LIBS)

$(O)/tests/unit: $(call obj,$(UNIT_SRC)) $(DAEMON_OBJ) $(TUI_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDOPT) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS) $(TUI_LIBS) \
		$(TEST_LIBS)

# API tests drive soukd over HTTP, and call its modules directly where a
# test needs to act inside a transaction (jobs_enqueue, say).
$(O)/tests/api: $(call obj,$(API_SRC)) $(DAEMON_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDOPT) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS) $(TEST_LIBS)

# Stand-ins for outside providers (Twilio, SendGrid, FCM, SMTP) on loopback.
$(O)/tests/fakes: $(call obj,$(FAKES_SRC)) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDOPT) $(LDFLAGS) -o $@ $^ $(FAKES_LIBS)

tests-build: $(BIN)/soukd $(BIN)/souk $(BIN)/souk-image $(O)/tests/unit \
	$(O)/tests/api $(O)/tests/fakes

# --- the two commands -------------------------------------------------

run:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run.sh

stop:
	$(Q)scripts/pg.sh stop var/pg

check:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory VARIANT=asan tests-build
	$(Q)$(MAKE) --no-print-directory VARIANT=asan check-unit check-api \
		check-tui

check-unit: $(O)/tests/unit $(BIN)/souk-image
	@echo "== unit tests"
	$(Q)$(if $(SUITE),CK_RUN_SUITE=$(SUITE)) CK_FORK=yes SOUK_ROOT=$(CURDIR) \
		SOUK_IMAGE=$(CURDIR)/$(BIN)/souk-image $(O)/tests/unit

check-api: $(O)/tests/api $(O)/tests/fakes $(BIN)/soukd $(BIN)/souk-image
	@echo "== API tests"
	$(Q)$(if $(SUITE),CK_RUN_SUITE=$(SUITE)) SOUKD=$(BIN)/soukd tests/api/run.sh $(O)

check-tui: $(BIN)/souk $(BIN)/soukd
	$(Q)if [ -x tests/tui/run.sh ]; then echo "== console tests"; \
		tests/tui/run.sh $(O); fi

bench:
	$(Q)scripts/deps.sh --bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/run.sh

fuzz:
	$(Q)scripts/deps.sh --fuzz
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS)

# --- install ----------------------------------------------------------

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/souk $(DESTDIR)$(LIBEXECDIR)/souk
	install -m 755 bin/soukd $(DESTDIR)$(SBINDIR)/soukd
	install -m 755 bin/souk-image $(DESTDIR)$(LIBEXECDIR)/souk/souk-image
	install -m 755 bin/souk $(DESTDIR)$(BINDIR)/souk
	install -m 644 man/souk.1 $(DESTDIR)$(MANDIR)/man1/souk.1
	install -m 644 man/soukd.conf.5 $(DESTDIR)$(MANDIR)/man5/soukd.conf.5
	install -m 644 man/souk-api.7 $(DESTDIR)$(MANDIR)/man7/souk-api.7
	install -m 644 man/soukd.8 $(DESTDIR)$(MANDIR)/man8/soukd.8
	test -e $(DESTDIR)$(SYSCONFDIR)/souk/soukd.conf || \
		install -m 640 etc/soukd.conf $(DESTDIR)$(SYSCONFDIR)/souk/soukd.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/soukd $(DESTDIR)$(BINDIR)/souk \
		$(DESTDIR)$(LIBEXECDIR)/souk/souk-image \
		$(DESTDIR)$(MANDIR)/man1/souk.1 \
		$(DESTDIR)$(MANDIR)/man5/soukd.conf.5 \
		$(DESTDIR)$(MANDIR)/man7/souk-api.7 \
		$(DESTDIR)$(MANDIR)/man8/soukd.8

# compile_commands.json for clang-tidy and clangd (needs bear).
compdb:
	$(MAKE) clean && bear -- $(MAKE) all tests-build

clean:
	rm -rf build bin

.PHONY: FORCE all run stop check check-unit check-api check-tui tests-build bench \
	fuzz install uninstall compdb clean

-include $(shell find build/$(VARIANT) -name '*.d' 2>/dev/null)
