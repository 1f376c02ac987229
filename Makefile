# Two commands matter (see README): `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test venv bench-extraction bench-quotes bench-voices bench-wer bench-speed bench-serve bench-fetch clean-output

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

## Make a briefing from sources/ with the offline voice: output/<date>/*.mp3 and output/feed.xml
demo: $(STAMP)
	$(BIN)/briefing make

## Run the test suite (real speech, real MP3s, real HTTP on 127.0.0.1; no internet)
test: $(STAMP)
	$(BIN)/python -m pytest -q

## Score quote detection on the annotated dev split (figures and the ten worst articles)
bench-quotes: $(STAMP)
	$(BIN)/python bench/quotes.py --jobs 2

## Score the cleaner on ../shared/bench/extraction (HTML and raw text) and time it
bench-extraction: $(STAMP)
	$(BIN)/python bench/extraction.py --jobs 1

clean-output:
	rm -rf output .briefing

## Speed of briefing make against Piper's own CLI: cold/warm cache, 1-10 articles, LocalCluster (~10 min)
bench-speed: $(STAMP)
	$(BIN)/python bench/speed.py --runs 3

## Requests per second from `briefing serve`: a small file (kept alive, fresh) and a 3 MB MP3
bench-serve: $(STAMP)
	$(BIN)/python bench/serve.py --runs 5
## Issue 21's 12-source run (4 hang or drip) fetched side by side against one by one, medians of 3 (~1 min)
bench-fetch: $(STAMP)
	$(BIN)/python bench/fetch_parallel.py --runs 3

## Fresh takes of the sample's episode through ../shared/tools/voicecheck episode: WER median, errors by class
bench-wer: $(STAMP)
	$(BIN)/python bench/wer.py --takes 5 --errors

## The demo cast through ../shared/tools/voicecheck voices (distinctness, DNSMOS, WER)
bench-voices: $(STAMP)
	$(BIN)/python bench/voices.py
