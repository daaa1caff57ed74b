"""hrmsearch.tasks: problem sources and their graders (MATH500, GSM8K, PRM800K, JSONL files, ``arith``).

``registry.py`` holds one :class:`~hrmsearch.tasks.registry.TaskSpec` per named task
(its loader, default grader, shared data file and Hub source); every command that
reads problems resolves a dataset name through it.
"""
