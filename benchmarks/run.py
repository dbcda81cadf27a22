"""Time briefings as a user runs it and print a Markdown table.

    python benchmarks/run.py [--runs 5] [--skip-cold-100]

Every measurement starts a new process (`python -m briefings ...`) and takes the wall time with
time.perf_counter; the table gives the median of several runs and the peak resident memory
(resource.getrusage of the child). A measurement with a target runs in turn with its baseline (A B A B
...): `check` at each size against `check` at 1×, `build annotatie` against pandoc converting the same
Markdown, the no-op build and `zoek` against `briefings --help`; the ratio is the median of the ratios of each
pair, so it holds when the speed of a shared machine drifts. The synthetic libraries come from
benchmarks/generate.py and are written to benchmarks/libraries/ (git-ignored) when missing.

The caches (see src/briefings/content/cache.py) live in benchmarks/libraries/.cache for these runs;
"first run" rows empty it before every run, the other rows keep it; the `zoek` row "from nothing" removes
the search index (kept next to the parse cache) before every run. The "one question edited" row
changes one question file before every run (a comment line that alternates), as a user editing
the library does; the file is restored at the end.

The package is byte-compiled once before timing (python -m compileall), as a regular install is:
with PYTHONDONTWRITEBYTECODE set, an editable install would otherwise compile every module on
every run.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LIBRARIES = HERE / "libraries"
CACHE = LIBRARIES / ".cache"
PYTHON = sys.executable

# Runs the command given as arguments and prints the child's wall time and peak memory (KiB).
MEASURE = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
result = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(wall, peak, result.returncode)
if result.returncode not in (0, 1):
    sys.stderr.write(result.stderr.decode(errors="replace"))
"""


def measure(cwd: Path, args: list[str], env: dict) -> tuple[float, float, int]:
    out = subprocess.run([PYTHON, "-c", MEASURE, str(cwd), *args], capture_output=True, text=True, env=env,
                         check=True)
    if out.stderr:
        sys.stderr.write(out.stderr)
    wall, peak, code = out.stdout.split()
    return float(wall), int(peak) / 1024, int(code)


def source_stamp() -> str:
    """Changes when the shipped content, templates or the generator change: the libraries are then rebuilt."""
    import hashlib

    digest = hashlib.sha256()
    for base in ("content", "templates", "briefings.yaml", "benchmarks/generate.py"):
        path = ROOT / base
        for item in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if item.is_file():
                digest.update(f"{item.relative_to(ROOT)}:{item.stat().st_size}:{item.stat().st_mtime_ns}\n".encode())
    return digest.hexdigest()


def library(scale: int) -> Path:
    folder = LIBRARIES / f"x{scale}"
    stamp = folder / ".source-stamp"
    wanted = source_stamp()
    if not stamp.is_file() or stamp.read_text() != wanted:
        print(f"generating {folder.relative_to(ROOT)} ...", file=sys.stderr)
        subprocess.run([PYTHON, str(HERE / "generate.py"), "--scale", str(scale), "--out", str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
        stamp.write_text(wanted)
    return folder


class Row:
    """One measurement; with a baseline, the two ran in turn (A B A B ...) and the ratio is the median of the
    ratios of each pair, so that a machine whose speed drifts during the run still compares fairly."""

    def __init__(self, name: str, target: str = "", check=None, note: str = ""):
        self.name, self.target, self.check, self.note = name, target, check, note
        self.times: list[float] = []
        self.peak = 0.0
        self.codes: set[int] = set()
        self.base: Row | None = None
        self.ratios: list[float] = []

    def ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None

    def met(self) -> str:
        if self.check is None:
            return ""
        return "met" if self.check(self) else "**missed**"

    def cells(self) -> list[str]:
        ratio = self.ratio()
        return [self.name, f"{statistics.median(self.times):.3f}", f"{min(self.times):.3f}", str(len(self.times)),
                f"{self.peak:.0f}", self.base.name if self.base else "", f"{ratio:.2f}×" if ratio else "",
                self.target, self.met(), self.note]


def run(row: Row, cwd: Path, args: list[str], runs: int, env: dict, before=None) -> Row:
    for _ in range(runs):
        if before is not None:
            before()
        once(row, cwd, args, env)
    return row


def once(row: Row, cwd: Path, args: list[str], env: dict) -> float:
    wall, peak, code = measure(cwd, args, env)
    row.times.append(wall)
    row.peak = max(row.peak, peak)
    row.codes.add(code)
    return wall


def versus(row: Row, cwd: Path, args: list[str], base: Row, base_cwd: Path, base_args: list[str], runs: int,
           env: dict, before=None) -> Row:
    """Row and its baseline in turn; `before` runs before each run of the row (not timed)."""
    row.base = base
    for _ in range(runs):
        if before is not None:
            before()
        mine = once(row, cwd, args, env)
        theirs = once(base, base_cwd, base_args, env)
        row.ratios.append(mine / theirs)
    return row


def ratio_at_most(limit: float):
    return lambda row: row.ratio() is not None and row.ratio() <= limit


def below(seconds: float = None, megabytes: float = None):
    def check(row: Row) -> bool:
        fast = seconds is None or statistics.median(row.times) < seconds
        small = megabytes is None or row.peak < megabytes
        return fast and small
    return check


def both(*checks):
    return lambda row: all(c(row) for c in checks)


def docx_in_process(folder: Path, runs: int, env: dict, pandoc_median: float | None) -> list[str]:
    """Our writer converting the annotation once its modules are loaded, as inside a build."""
    markdown = folder / "build" / "annotatie-fkd-verwey-jonker.md"
    warm = subprocess.run([PYTHON, "-c", WARM, str(markdown), str(folder / "templates" / "huisstijl.docx"),
                           str(runs)], capture_output=True, text=True, env=env, check=True).stdout.split()
    times = [float(t) for t in warm]
    ratio = f"{statistics.median(times) / pandoc_median:.2f}×" if pandoc_median else ""
    return ["our DOCX writer, conversion only (imports done, as in a build)", f"{statistics.median(times):.3f}",
            f"{min(times):.3f}", str(len(times)), "", "pandoc (median of its runs above)" if ratio else "", ratio,
            "", "", ""]


def pdf_vs_soffice_per_file(folder: Path, runs: int, env: dict) -> list[list[str]]:
    """`build --all --format pdf` against what it replaces: one `soffice --convert-to` call per built DOCX, with
    the same export options and one private profile, made by the first call and used by the others (as the
    rounds of one build share theirs)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return [["`build --all --force --format pdf` 1×", "", "", "0", "", "", "", "", "", "LibreOffice not installed"]]
    briefings = [PYTHON, "-m", "briefings"]
    subprocess.run([*briefings, "build", "--all", "--force", "--format", "docx", "--out", "bench-docx"], cwd=folder,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    ours = Row("`build --all --force --format pdf` 1× (7 PDFs)",
               note="1 LibreOffice process (page numbers of the table of contents remembered)")
    cold = Row("`build --all --force --format pdf` 1×, caches emptied",
               note="2 LibreOffice processes: the table of contents is laid out first")
    each = Row("`soffice --convert-to pdf` once per DOCX (the 7 DOCX of that build)")
    build_pdf = [*briefings, "build", "--all", "--force", "--format", "pdf", "--out", "bench-pdf"]
    run(Row("warm-up"), folder, build_pdf, 1, env)
    for _ in range(runs):  # taken in turns, so that a busy moment of the machine does not favour one
        run(ours, folder, build_pdf, 1, env)
        run(cold, folder, build_pdf, 1, env, before=lambda: shutil.rmtree(CACHE, ignore_errors=True))
        run(each, folder, [PYTHON, "-c", SOFFICE_EACH, soffice, str(folder / "bench-docx"),
                           str(folder / "bench-soffice")], 1, env)
    for row in (ours, cold):
        ratio = statistics.median(row.times) / statistics.median(each.times)
        row.note += f"; {ratio:.2f}× the time of one soffice call per file"
    return [ours.cells(), cold.cells(), each.cells()]


# One soffice process per DOCX in a folder, one after the other, with the export options of writers/pdf.py.
SOFFICE_EACH = r"""
import subprocess, sys, tempfile
from pathlib import Path
from briefings.writers.pdf import FILTER
soffice, source, out = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
with tempfile.TemporaryDirectory() as profile:
    for docx in sorted(source.glob("*.docx")):
        subprocess.run([soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--convert-to",
                        FILTER, "--outdir", out, str(docx)], check=True, capture_output=True)
"""


# Converts the Markdown once to warm up, then times `runs` conversions in the same process.
WARM = r"""
import sys, time
from pathlib import Path
from briefings.writers.docx import DocxMeta, markdown_to_docx
text, reference = Path(sys.argv[1]).read_text(encoding="utf-8"), Path(sys.argv[2])
markdown_to_docx(text, DocxMeta(title="Annotatie"), reference)
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    markdown_to_docx(text, DocxMeta(title="Annotatie"), reference)
    print(time.perf_counter() - start)
"""


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " / load average %.2f at the start" % os.getloadavg()[0] if hasattr(os, "getloadavg") else ""
    return (f"{cores} cores ({model}), Python {platform.python_version()}, {platform.system()} "
            f"{platform.release()}{load}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median reported)")
    parser.add_argument("--skip-cold-100", action="store_true", help="skip the slow first-run check at 100×")
    args = parser.parse_args(argv)
    runs = args.runs
    env = {**os.environ, "BRIEFINGS_CACHE_DIR": str(CACHE), "BRIEFINGS_COMMIT": "benchmark"}
    for name in ("BRIEFINGS_DEBUG", "BRIEFINGS_ROOT", "BRIEFINGS_CACHE", "BRIEFINGS_JOBS"):
        env.pop(name, None)
    x1, x10, x100 = library(1), library(10), library(100)
    briefings = [PYTHON, "-m", "briefings"]
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "src" / "briefings")], check=True)

    def clear_cache():
        shutil.rmtree(CACHE, ignore_errors=True)

    started = time.perf_counter()
    check = [*briefings, "check"]
    help_ = Row("`briefings --help` (cold process)", "< 0.1 s", below(0.1))
    rows = [run(help_, x1, [*briefings, "--help"], runs, env)]
    # --help is printed without importing Click; --version is the cheapest call through Click, the start-up
    # every other command pays. The targets were set against --help when it still went through Click, so
    # the rows measured against --help are also measured against --version.
    version = [*briefings, "--version"]
    rows.append(run(Row("`briefings --version` (cold process, through Click)"), x1, version, runs, env))
    click_base = lambda: Row("`briefings --version`")  # noqa: E731
    check1 = Row("`check` 1× (65 questions, 201 files; too small for the cache)")
    rows.append(run(check1, x1, check, runs, env))
    base = lambda: Row("`check` 1×")  # noqa: E731  the baseline run in turn with each check row
    clear_cache()
    rows.append(versus(Row("`check` 10× (650 questions), first run, no cache"), x10, check, base(), x1, check,
                       min(runs, 3), env, before=clear_cache))
    run(Row("warm-up"), x10, check, 1, env)
    rows.append(versus(Row("`check` 10×, cache warm"), x10, check, base(), x1, check, runs, env))
    if not args.skip_cold_100:
        rows.append(versus(Row("`check` 100× (6,500 questions, 17,823 files), first run, no cache",
                               "≤ 4× `check` 1×, < 250 MB", both(ratio_at_most(4), below(megabytes=250))),
                           x100, check, base(), x1, check, min(runs, 3), env, before=clear_cache))
    run(Row("warm-up"), x100, check, 1, env)
    rows.append(versus(Row("`check` 100×, cache warm, nothing changed (findings as recorded)", "≤ 2× `check` 1×, < 250 MB",
                           both(ratio_at_most(2), below(megabytes=250))), x100, check, base(), x1, check, runs, env))

    def drop_findings():
        for record in CACHE.glob("*/check-findings"):
            record.unlink()

    rows.append(versus(Row("`check` 100×, parse cache warm, no recorded findings"), x100, check, base(), x1, check,
                       runs, env, before=drop_findings))
    edited = sorted((x100 / "content" / "vragen").glob("*.yaml"))[1000]
    original = edited.read_bytes()
    counter = iter(range(1_000_000))

    def edit():
        edited.write_bytes(original + f"# bewerkt {next(counter) % 2}\n".encode())

    try:
        rows.append(versus(Row("`check` 100×, one question edited before each run", "≤ 2× `check` 1×",
                               ratio_at_most(2)), x100, check, base(), x1, check, runs, env, before=edit))
    finally:
        edited.write_bytes(original)

    def drop_index():
        for index in CACHE.glob("*/zoek-*.sqlite"):
            index.unlink()

    zoek = [*briefings, "zoek", "diversiteit"]
    rows.append(run(Row("`zoek diversiteit` 100×, index built from nothing (parse cache warm)"), x100, zoek,
                    min(runs, 3), env, before=drop_index))
    run(Row("warm-up"), x100, zoek, 1, env)
    rows.append(versus(Row("`zoek diversiteit` 100×, index warm", "≤ 3× `--help`", ratio_at_most(3)), x100, zoek,
                       Row("`briefings --help`"), x1, [*briefings, "--help"], runs, env))
    rows.append(versus(Row("`zoek diversiteit` 100×, index warm (against Click's start-up)"), x100, zoek,
                       click_base(), x1, version, runs, env))

    # a build of one document loads what it needs (content/scope.py), against loading the whole library
    whole = ["env", "BRIEFINGS_SCOPE=0", *briefings]
    for doc_id, what in (("annotatie-fkd-verwey-jonker-x5", "a copy's annotation, 156 of 17,823 files"),
                         ("annotatie-fkd-verwey-jonker", "the default annotation, whose overview lists all "
                                                          "6,800 measures: 7,701 files")):
        one = ["build", doc_id, "--force", "--quiet"]
        run(Row("warm-up"), x100, [*briefings, *one], 1, env)
        rows.append(versus(Row(f"`build {doc_id} --force` 100× ({what})"), x100, [*briefings, *one],
                           Row("the same, whole library loaded (`BRIEFINGS_SCOPE=0`)"), x100, [*whole, *one],
                           min(runs, 3), env))

    markdown = x1 / "build" / "annotatie-fkd-verwey-jonker.md"
    if not markdown.is_file():
        subprocess.run([*briefings, "build", "annotatie", "--force"], cwd=x1, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    pandoc = shutil.which("pandoc")
    build_one = Row("`build annotatie --force` 1× (DOCX + Markdown, whole process)", "≤ 1.0× pandoc",
                    ratio_at_most(1.0))
    pandoc_row = None
    if pandoc:  # on a copy of the Markdown, as the build rewrites it
        source = x1 / "bench-annotatie.md"
        shutil.copy(markdown, source)
        pandoc_row = Row("`pandoc -f markdown -t docx` on the same Markdown")
        rows.append(versus(build_one, x1, [*briefings, "build", "annotatie", "--force"], pandoc_row, x1,
                           [pandoc, "-f", "markdown", "-t", "docx", "-o", str(x1 / "bench-pandoc.docx"), str(source)],
                           runs, env))
        rows.append(pandoc_row)
    else:
        build_one.note = "pandoc not installed: no comparison"
        rows.append(run(build_one, x1, [*briefings, "build", "annotatie", "--force"], runs, env))
    rows.append(run(Row("`build --all --force` 1× (7 documents)"), x1, [*briefings, "build", "--all", "--force"],
                    runs, env))
    help_base = lambda: Row("`briefings --help`")  # noqa: E731
    run(Row("warm-up"), x1, [*briefings, "build", "--all"], 1, env)
    rows.append(versus(Row("`build --all` 1×, nothing changed (no-op)", "≤ 1.5× `--help`", ratio_at_most(1.5)),
                       x1, [*briefings, "build", "--all"], help_base(), x1, [*briefings, "--help"], runs, env))
    rows.append(versus(Row("`build --all` 1×, no-op (against Click's start-up)"), x1, [*briefings, "build", "--all"],
                       click_base(), x1, version, runs, env))
    rows.append(run(Row("`build --all --force --no-check` 10× (70 documents)"), x10,
                    [*briefings, "build", "--all", "--force", "--no-check"], min(runs, 3), env))
    run(Row("warm-up"), x10, [*briefings, "build", "--all"], 1, env)
    rows.append(versus(Row("`build --all` 10×, nothing changed (no-op)", "≤ 1.5× `--help`", ratio_at_most(1.5)),
                       x10, [*briefings, "build", "--all"], help_base(), x1, [*briefings, "--help"], runs, env))
    rows.append(versus(Row("`build --all` 10×, no-op (against Click's start-up)"), x10,
                       [*briefings, "build", "--all"], click_base(), x1, version, runs, env))
    table = [row.cells() for row in rows]
    table.append(docx_in_process(x1, runs, env, statistics.median(pandoc_row.times) if pandoc_row else None))
    table += pdf_vs_soffice_per_file(x1, runs, env)

    header = ["measurement", "median s", "min s", "runs", "peak MB", "baseline (run in turn)", "ratio", "target",
              "", "note"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" if h in ("median s", "min s", "runs", "peak MB", "ratio") else "---"
                         for h in header) + "|")
    for cells in table:
        print("| " + " | ".join(cells) + " |")
    print(f"\nMachine: {machine()}. Total benchmark time {time.perf_counter() - started:.0f} s.")
    failed = [row.name for row in rows if row.codes - {0, 1}]
    if failed:
        print(f"\nCommands that failed: {', '.join(failed)}", file=sys.stderr)


if __name__ == "__main__":
    main()
