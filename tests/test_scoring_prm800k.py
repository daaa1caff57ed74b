"""PRM800K -> PRM/HRM samples: exact counts on the shared sample, and bad-input errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from hrmsearch.errors import HrmError
from hrmsearch.training.prm800k import build_samples, iter_file_samples
from hrmsearch.training.samples import read_samples

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "prm800k_sample.jsonl"
pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="shared/data/prm800k_sample.jsonl missing")


def test_counts_on_the_shared_sample():
    """Counts derived by hand from the 16 records (per step: ratings of its completions).

    Dropped: lines 5 and 15 (give_up). No record has bad_problem. Every walk reaches
    the last step (found_error stops after its last step, whose chosen is null).
    Fine samples = completions rated +1 or -1, per line:
    1: [+][-----][+][+][+][0++++] = 13;  2: [+][0][+][+][+][+][-+++] = 9;
    3: 4x[+] + [0++++++] = 10;  4: 5x[+] + [--+++-+] + [+] = 13;  6: 12x[+] = 12;
    7: 9 [+] steps among 18 [+]/[0] steps + [-----] = 14;  8: [+][+][--] = 4;
    9: [0][-++-+] = 5;  10: [0][0][-++++] = 5;  11: 3 [0] + 8 [+] steps + [--++] = 12;
    12: [+][-++++] = 6;  13: 25x[+] + [--0-+] = 29;  14: [+][+][---0-] = 6;
    16: [0000000](human) [-++++-+] [+] [+] [----](human) [-0----+] = 19.
    Total fine = 157: 40 negatives (5+1+3+5+2+2+1+2+1+3+4+11), 117 positives.
    Coarse = fine samples from the second step on = 157 minus the rated first steps
    (lines 1,2,3,4,6,7,8,12,13,14 have a [+] first step: 10) = 147; all 40 negatives
    are at step >= 2, so coarse = 107 positives + 40 negatives. HRM = 157 + 147 = 304.
    """
    prm = list(iter_file_samples(SAMPLE, hrm=False))
    hrm = list(iter_file_samples(SAMPLE, hrm=True))
    assert len(prm) == 157
    assert Counter(s.label for s in prm) == {1.0: 117, 0.0: 40}
    assert len(hrm) == 304
    assert Counter((s.kind, s.label) for s in hrm) == {
        ("fine", 1.0): 117, ("fine", 0.0): 40, ("coarse", 1.0): 107, ("coarse", 0.0): 40,
    }
    per_line = Counter(int(s.source.split(":")[1]) for s in prm)
    assert per_line == {1: 13, 2: 9, 3: 10, 4: 13, 6: 12, 7: 14, 8: 4, 9: 5, 10: 5, 11: 12, 12: 6, 13: 29,
                        14: 6, 16: 19}


def test_prefix_uses_chosen_and_human_completions():
    """Line 1: step 2 (index 1) was written by the human; step 3's windows follow it."""
    record = json.loads(SAMPLE.read_text().splitlines()[0])
    steps = record["label"]["steps"]
    human = steps[1]["human_completion"]["text"]
    first = steps[0]["completions"][0]["text"]
    third = steps[2]["completions"][0]["text"]
    samples = [s for s in iter_file_samples(SAMPLE, hrm=True) if s.source.endswith(":1") and s.step == 2]
    fine, coarse = samples
    assert (fine.kind, fine.previous, fine.current, fine.label) == ("fine", [first, human], third, 1.0)
    assert (coarse.kind, coarse.previous, coarse.current) == ("coarse", [first], human + "\n\n" + third)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"question": {"problem": "x"}, "label": ', "bad.jsonl:3: bad JSON"),
        ('{"question": {"problem": "x"}}', "bad.jsonl:3: field label: Field required"),
        ('{"question": {"problem": "x"}, "label": {"steps": [{"completions": []}], "finish_reason": "solution"}}',
         "bad.jsonl:3: field label.steps.0.chosen_completion: Field required"),
    ],
)
def test_bad_line_names_file_line_and_field_and_keeps_earlier_samples(tmp_path, bad_line, message):
    good = SAMPLE.read_text().splitlines()[:2]
    source = write_lines(tmp_path / "bad.jsonl", good + [bad_line, good[0]])
    out = tmp_path / "samples.jsonl"
    with pytest.raises(HrmError, match=message) as error:
        build_samples(source, out, kind="prm")
    assert "\n" not in str(error.value)
    assert len(read_samples(out)) == 13 + 9  # lines 1 and 2 were written before the error


def test_bad_sample_file_names_file_line_and_field(tmp_path):
    path = write_lines(tmp_path / "s.jsonl", [
        json.dumps({"question": "q", "current": "c", "label": 1.0}),
        json.dumps({"question": "q", "current": "c", "label": 1.5}),
    ])
    with pytest.raises(HrmError, match=r"s.jsonl:2: field label: Input should be less than or equal to 1"):
        read_samples(path)
