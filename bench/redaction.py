"""How well the redactor finds what identifies someone, on the labelled corpus of neighbours' messages.

Recall: of the marked spans (names, addresses, phones, emails, postcodes), the share whose every letter and
digit is inside something the redactor replaced. Precision: of the redactor's replacements, the share that
touch a marked span. Run: .venv/bin/python bench/redaction.py [--misses]
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mutualaid.domain.privacy import pii_spans

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "domain" / "redaction_corpus.jsonl"


def load(path: Path = CORPUS) -> list[dict]:
    """The corpus rows: text, spans [[start, end, kind]], lang."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(rows: list[dict]) -> dict:
    """Recall on marked spans (overall and per kind), precision of the replacements, and the misses."""
    found = missed = true_pred = all_pred = 0
    per_kind: Counter = Counter()
    per_kind_found: Counter = Counter()
    misses, false = [], []
    for row in rows:
        text = row["text"]
        predicted = pii_spans(text)
        covered = set()
        for start, end, _kind in predicted:
            covered.update(range(start, end))
        for start, end, kind in row["spans"]:
            per_kind[kind] += 1
            if all(i in covered for i in range(start, end) if text[i].isalnum()):
                found += 1
                per_kind_found[kind] += 1
            else:
                missed += 1
                misses.append((kind, text[start:end], text))
        for start, end, kind in predicted:
            all_pred += 1
            if any(start < g_end and g_start < end for g_start, g_end, _ in row["spans"]):
                true_pred += 1
            else:
                false.append((kind, text[start:end], text))
    return {"messages": len(rows), "spans": found + missed,
            "recall": found / max(found + missed, 1), "precision": true_pred / max(all_pred, 1),
            "recall_by_kind": {k: per_kind_found[k] / per_kind[k] for k in sorted(per_kind)},
            "misses": misses, "false_positives": false}


def main() -> None:
    """Print the figures (and, with --misses, what was missed or replaced wrongly)."""
    result = score(load())
    print(f"messages {result['messages']}, identifying spans {result['spans']}")
    print(f"recall    {result['recall']:.4f}")
    print(f"precision {result['precision']:.4f}")
    for kind, value in result["recall_by_kind"].items():
        print(f"  recall {kind:9} {value:.4f}")
    if "--misses" in sys.argv:
        for kind, value, text in result["misses"]:
            print(f"MISSED {kind}: {value!r} in {text!r}")
        for kind, value, text in result["false_positives"]:
            print(f"FALSE  {kind}: {value!r} in {text!r}")


if __name__ == "__main__":
    main()
