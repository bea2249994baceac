"""What `nkru check` verifies beyond what loading does: quotes hold their numbers (and, where
a source's text is at hand, are verbatim in it), every scenario resolves, and every claim still
reconciles as the data says it does."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from nkru.engine.claims import ClaimOutcome, reconcile
from nkru.errors import DataError, NkruError, Problem
from nkru.model import Dataset, Range, Source, plain


def text_findings(ds: Dataset, texts_dir: Path | None) -> list[Problem]:
    """Every quote of a source whose text is at hand must be verbatim in it: the source's own
    `text:` file (beside sources.yaml), or DIR/<seed> or DIR/<id>.txt with --texts DIR."""
    from nkru.texts import TextError, missing_quotes, read_text

    findings = []
    for source in ds.sources.values():
        path = _text_path(ds, source, texts_dir)
        if path is None:
            if texts_dir is not None and source.seed:  # asked to verify, and this source's text is not there
                findings.append(ds.locator.problem("sources", source.id, ("seed",), f"no text in {texts_dir} ({source.seed} or {source.id}.txt): its quotes are not verified"))
            continue
        try:
            text = read_text(path)
        except TextError as error:
            findings.append(ds.locator.problem("sources", source.id, ("text",) if source.text else (), f"its text {error}"))
            continue
        quotes = [(f.id, f.quote) for f in ds.figures.values() if f.source == source.id]
        for fid in missing_quotes(quotes, text):
            section = "context" if fid in ds.context_ids else "figures"
            findings.append(ds.locator.problem(section, fid, ("quote",), f"the quote is not verbatim in {source.id}'s text ({path.name})"))
        if source.kind == "article":
            findings += _unlisted(ds, source, text, quotes, path.name)
    return findings


def _unlisted(ds: Dataset, source: Source, text: str, quotes: list[tuple[str, str]], name: str) -> list[Problem]:
    """figures.yaml's rule: every number an audited article states is in a figure's quote, or in
    a left_out entry saying why it is not a figure (a year, a date or a footnote need neither)."""
    from nkru.quotes import unlisted_numbers
    from nkru.texts import normalise, spans

    normalised = normalise(text)
    covered = [span for _, quote in quotes for span in spans(quote, normalised)]
    findings = []
    for index, item in enumerate(ds.left_out):
        if item.source == source.id:
            found = spans(item.text, normalised, every=True)
            covered += found
            if not found:
                findings.append(ds.locator.problem("left_out", index, ("text",), f"not verbatim in {source.id}'s text ({name})"))
    return findings + [
        ds.locator.problem("sources", source.id, ("seed",), f'states {number!r} ("{context}"), in no figure\'s quote and not in left_out: '
                           "add the figure, or a left_out entry in figures.yaml saying why it is not one")
        for number, context in unlisted_numbers(normalised, covered)]


def _text_path(ds: Dataset, source: Source, texts_dir: Path | None) -> Path | None:
    if texts_dir is not None:
        for name in (source.seed, f"{source.id}.txt"):
            if name and (texts_dir / name).exists():
                return texts_dir / name
    if source.text:
        base = next((Path(str(path)).parent for name, path in ds.files if name.endswith("sources.yaml")), Path("."))
        return base / source.text
    return None


def quantity_findings(ds: Dataset) -> list[Problem]:
    """Every quantity must compute on the data's own inputs: no division by zero, no overflow."""
    from nkru.compute import comparison, env_for, inputs_for
    from nkru.context import context_rows
    from nkru.engine import graph

    env = env_for(ds, inputs_for(ds, []))
    findings: list[Problem] = []
    for qid in ds.quantities:
        try:
            graph.bounds(ds, [qid], env.ranges)
        except DataError as error:
            findings += [p._replace(message=f"cannot be computed on the data's inputs: {p.message}") for p in error.problems]
    for section, item, compute_rows in [("comparisons", cid, lambda cid=cid: comparison(ds, env, cid)) for cid in ds.model.comparisons] + [
            ("model_context", 0, lambda: context_rows(ds, env, None))]:
        if findings:
            break  # a measure or context row over a broken quantity fails for the same reason
        try:
            compute_rows()
        except NkruError as error:
            findings.append(ds.locator.problem(section, item, (), f"cannot be computed on the data's inputs: {error}"))
    return findings


def correlation_findings(ds: Dataset) -> list[Problem]:
    """The declared correlations must be imposable: between inputs with ranges, and consistent
    together (a positive-definite matrix). Tried on a small seeded sample, as --simulate would."""
    if not ds.correlations:
        return []
    from nkru.engine.arrays import np
    from nkru.engine.correlate import CorrelationError, correlate

    findings = []
    for i, c in enumerate(ds.correlations):
        fixed = [n for n in c.between if n in ds.inputs and ds.input_range(n).is_point]
        if fixed:
            findings.append(ds.locator.problem("correlations", i, ("between",), f"{fixed[0]} has one value, so it cannot be correlated; give it a range"))
    if findings:
        return findings
    rng = np.random.default_rng(0)
    names = {n for c in ds.correlations for n in c.between}
    try:
        correlate({n: rng.uniform(size=64) for n in names}, [(c.between[0], c.between[1], c.rank) for c in ds.correlations], rng)
    except CorrelationError as error:
        findings.append(ds.locator.problem("correlations", 0, (), str(error)))
    return findings


class Report(NamedTuple):
    """The outcome of `nkru check`: what was read and what is wrong with it."""

    findings: list[Problem]
    outcomes: list[ClaimOutcome]
    counts: dict[str, int]


def claim_findings(ds: Dataset, outcomes: list[ClaimOutcome]) -> list[Problem]:
    """A finding for each claim that no longer reproduces, and each that now does against its expectation."""
    findings = []
    for outcome in outcomes:
        claim = outcome.claim
        if outcome.status == "differs":
            findings.append(ds.locator.problem(
                "claims", claim.id, ("stated",),
                f"differs: {_why(outcome)} — {claim.says} — no longer reproduces from {', '.join(_input_names(outcome))}"))
        elif outcome.holds and claim.expect == "unexplained":
            findings.append(ds.locator.problem("claims", claim.id, ("expect",), "now reproduces from its inputs; set `expect: reproduces` if that is right"))
    return findings


def _shown(r: Range | None) -> str:
    if r is None:
        return ""
    return plain(round(r.value, 2)) if r.value is not None else f"{plain(round(r.low, 2))}..{plain(round(r.high, 2))}"


def _why(outcome: ClaimOutcome) -> str:
    """Which side of its test a claim's recomputed value fell on, with the bound it missed."""
    claim, computed, stated = outcome.claim, outcome.computed, outcome.stated
    if stated is None:
        return f"recomputed {_shown(computed)}, which is not {claim.stated}"
    x = computed.value if computed.value is not None else computed.low
    if outcome.test == "at least" and claim.ceiling is not None and x > stated.low:
        return f"recomputed {_shown(computed)} is above the ceiling {plain(round(stated.high * claim.ceiling, 2))} ({claim.ceiling:g} × the stated {_shown(stated)}: {claim.words})"
    if outcome.test == "between" and claim.within and stated.low:
        return f"recomputed ÷ stated is {x / stated.low:.3g}, outside {claim.within[0]:g}–{claim.within[1]:g} ({claim.words})"
    return f"recomputed {_shown(computed)} against the stated {_shown(stated)} (test: {outcome.test})"


def _input_names(outcome: ClaimOutcome) -> list[str]:
    return [i.figure or f"{i.name}={plain(i.range.low)}" for i in outcome.inputs]


def scenario_findings(ds: Dataset, data_dir: Path | None) -> list[Problem]:
    """Every scenario (shipped, and in `data_dir/scenarios/`) must read and resolve."""
    from nkru.errors import DataError, UsageError
    from nkru.load import load_scenario, scenario_files

    findings: list[Problem] = []
    try:
        paths = scenario_files(data_dir)
    except UsageError as error:  # a scenarios folder that cannot be listed is a finding like any other
        return [Problem(str(data_dir / "scenarios") if data_dir else "scenarios", 1, 1, "", str(error))]
    from nkru.load.dataset import scenario_digest

    for path in paths.values():
        if scenario_digest(path) in ds.clean_scenarios:
            continue  # resolved cleanly against this very dataset when it was loaded
        try:
            load_scenario(path, ds)
        except DataError as error:
            findings += error.problems
    return findings


def audit(ds: Dataset, data_dir: Path | None = None, texts_dir: Path | None = None) -> Report:
    """Every check nkru makes of loaded data, findings in file order."""
    outcomes = []
    findings = list(ds.unquoted) + list(ds.unstated) + text_findings(ds, texts_dir) + quantity_findings(ds) + correlation_findings(ds) + scenario_findings(ds, data_dir)
    for claim in ds.claims:
        try:
            outcomes.append(reconcile(ds, claim))
        except NkruError as error:
            findings.append(ds.locator.problem("claims", claim.id, (), str(error)))
    findings += claim_findings(ds, outcomes)
    counts = {
        "sources": len(ds.sources),
        "figures": len(ds.figures),
        "claims": len(ds.claims),
        "reproduce": sum(o.status == "reproduces" for o in outcomes),
        "unexplained": sum(o.status == "unexplained" for o in outcomes),
    }
    return Report(sorted(findings, key=lambda p: (p.file, p.line, p.col)), outcomes, counts)


def check_data(data_dir: Path | None, texts_dir: Path | None) -> tuple[Dataset | None, Report | None, list[Problem]]:
    """What `nkru check` reports: (dataset, report, []) when the data loads, else (None, None,
    the problems that stopped it)."""
    from nkru.errors import UsageError
    from nkru.load import load_dataset

    if texts_dir is not None and not texts_dir.is_dir():
        raise UsageError(f"--texts {texts_dir}: no such directory")
    try:
        ds = load_dataset(data_dir)
    except DataError as error:
        return None, None, error.problems
    return ds, audit(ds, data_dir, texts_dir), []
