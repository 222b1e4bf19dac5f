"""What a 100-row claim sheet costs: reading it against the graph, then the gate's check.

    python benchmarks/sheets.py [TRIPLES]     (default: 100000)

The shipped data plus a synthetic graph of TRIPLES triples (`scomm-kg synth`, seed 1) are held
in a memory store; a fictional text of a hundred sentences and a sheet of a hundred rows (one
new source, a hundred statements by Napolitano on a hundred days, every name but the source
reused from the graph) are written to a temporary folder. Printed: the seconds to read the
sheet (`read_sheet`: every name looked up, the graphs it touches rebuilt), to build the gate's
validation graph (once per store version, kept in step with the writes after), and to check
the write through the gate (`curation.apply`, dry run: nothing is written), with the triples
the write adds, and beside it a full validation of the same graph. The issue's target: a
100-row sheet validated against 1M triples in under 1 s.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from scomm_kg import build, curation, resources, synth, validate
from scomm_kg.curation import gate, sheets
from scomm_kg.settings import Settings

ROWS = 100
COLUMNS = (
    "speaker,role,date,words,wording,addressee,proposition,stance,medium,source,source_kind,"
    "source_author,source_addressee,source_date,read_or_cited,text_file,evidence,curated_on"
)


def write_sheet(folder: Path) -> Path:
    sentences = [
        f"In invented sentence {i}, the Secretary writes that local jurisdictions could opt out."
        for i in range(ROWS)
    ]
    (folder / "benchmark-letters.txt").write_text(
        "FICTIONAL BENCHMARK TEXT, NOT A REAL DOCUMENT.\n\n" + "\n".join(sentences) + "\n",
        encoding="utf-8",
    )
    lines = [COLUMNS]
    for i, sentence in enumerate(sentences):
        day = f"2010-{1 + i // 28:02d}-{1 + i % 28:02d}"
        lines.append(
            f"Janet Napolitano,DHS Secretary,{day},local jurisdictions could opt out,paraphrase,"
            "Zoe Lofgren,Local jurisdictions can opt out of Secure Communities,affirms,,"
            "Fictional benchmark letters,letter,Janet Napolitano,Zoe Lofgren,2010,read,"
            f'benchmark-letters.txt,"{sentence}",2026-12-05'
        )
    path = folder / "benchmark.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(size: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        started = time.perf_counter()
        summary = synth.write(size, 1, folder / "synthetic")
        shutil.copytree(resources.data_dir(), folder / "data")
        settings = Settings(
            data=(summary.nquads,),
            sources=(folder / "synthetic" / synth.SOURCES_DIR,),
            data_dir=str(folder / "data"),
        )
        store = build.build_store(settings, check=False)
        print(
            f"graph: {size} synthetic triples + the shipped data, ready in "
            f"{time.perf_counter() - started:.1f}s"
        )
        sheet = write_sheet(folder)

        started = time.perf_counter()
        change = sheets.read_sheet(sheet, store, settings)
        read = time.perf_counter() - started
        started = time.perf_counter()
        gate.gate_for(store, settings.base_iri, settings.source_folders)._graph_for(store)
        built = time.perf_counter() - started
        started = time.perf_counter()
        outcome = curation.apply(settings, store, change.as_change("benchmark"), dry_run=True)
        checked = time.perf_counter() - started
        added = sum(outcome.added.values())
        print(f"read_sheet, {ROWS} rows:            {read:6.2f}s")
        print(f"gate's validation graph (once):    {built:6.2f}s")
        print(f"gate check of the write (dry run): {checked:6.2f}s  (+{added} triples)")
        # Beside it, what the write spares: a full validation of the same graph.
        started = time.perf_counter()
        report = validate.ValidationGraph.from_store(
            store.engine(), settings.base_iri, settings.source_folders, union_default=True
        ).validate()
        full = time.perf_counter() - started
        print(
            f"full validation of the graph:      {full:6.2f}s  "
            f"({len(report.violations)} violations)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if sys.argv[1:] else 100_000)
