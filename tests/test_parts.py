"""Figures split over figures.d/*.yaml: read after figures.yaml in name order, every problem
located in the part that holds it, on a fresh load and on a cached one (where a large part's
places are found by reading it again)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nkru.errors import DataError, UsageError
from nkru.load import load_dataset
from nkru.load.cache import EAGER_MARKS

from .conftest import run


def figure(n: int) -> str:
    return (
        f"  - id: part_figure_{n}\n"
        f"    quantity: part_quantity\n"
        f"    value: {n + 1}\n"
        f"    qualifier: exact\n"
        f"    unit: soldiers\n"
        f"    source: lowy\n"
        f'    quote: "a part figure of {n + 1:,} soldiers"\n'
    )


def write_part(folder: Path, name: str, numbers: range) -> Path:
    (folder / "figures.d").mkdir(exist_ok=True)
    path = folder / "figures.d" / name
    path.write_text("figures:\n" + "".join(figure(n) for n in numbers), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_parts_are_read_after_figures_yaml_in_name_order(data_copy: Path):
    write_part(data_copy, "b.yml", range(3, 5))
    write_part(data_copy, "a.yaml", range(0, 3))
    (data_copy / "figures.d" / "notes.txt").write_text("not read", encoding="utf-8")
    ds = load_dataset(data_copy)
    ids = list(ds.figures)
    parts = [i for i in ids if i.startswith("part_figure_")]
    assert parts == [f"part_figure_{n}" for n in range(5)]
    shipped = [i for i in ids if i not in ds.context_ids and not i.startswith("part_figure_")]
    assert ids.index(parts[0]) == ids.index(shipped[-1]) + 1  # straight after figures.yaml's
    result = run("figures", "--quantity", "part_quantity", "--data", str(data_copy), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("part_figure_") == 5


def test_a_folder_of_parts_alone_adds_to_the_shipped_figures(tmp_path: Path):
    write_part(tmp_path, "next-article.yaml", range(2))
    ds = load_dataset(tmp_path)
    assert {"part_figure_0", "part_figure_1"} <= set(ds.figures)
    assert len(ds.figures) == len(load_dataset(None).figures) + 2


def test_an_id_repeated_in_another_part_is_located_where_it_is_repeated(data_copy: Path):
    write_part(data_copy, "a.yaml", range(0, 3))
    second = write_part(data_copy, "b.yaml", range(2, 4))
    with pytest.raises(DataError) as caught:
        load_dataset(data_copy)
    (problem,) = [p for p in caught.value.problems if "used twice" in p.message]
    assert problem.file.endswith("figures.d/b.yaml")
    assert problem.line == line_of(second, "id: part_figure_2")


def test_a_problem_in_a_large_part_is_located_on_a_cached_load(data_copy: Path):
    count = EAGER_MARKS // 10  # about 17 marks a figure: more than the cache keeps for one file
    part = write_part(data_copy, "big.yaml", range(count))
    load_dataset(data_copy)  # fresh: parsed, validated and cached
    cached = load_dataset(data_copy)
    unread = {name for _, name, _, _, waiting in cached.locator.files() if waiting}
    assert any(name.endswith("figures.d/big.yaml") for name in unread)
    target = f"part_figure_{count - 7}"
    problem = cached.locator.problem("figures", target, ("quote",), "a problem found on a warm run")
    assert problem.file.endswith("figures.d/big.yaml")
    assert problem.line == line_of(part, f"a part figure of {count - 6:,} soldiers")
    assert problem.path == f"figures[{target}].quote"


def test_a_quote_missing_from_its_text_is_located_in_the_part_cold_and_warm(data_copy: Path, tmp_path: Path):
    count = EAGER_MARKS // 10
    part = write_part(data_copy, "big.yaml", range(count))
    texts = tmp_path / "texts"
    texts.mkdir()
    shipped = [line.split('"')[1] for line in (data_copy / "figures.yaml").read_text(encoding="utf-8").splitlines() if "quote:" in line and '"' in line]
    quotes = [f"a part figure of {n + 1:,} soldiers" for n in range(count) if n != 123]
    (texts / "lowy.txt").write_text("\n".join(shipped + quotes), encoding="utf-8")
    expected = f"{line_of(part, 'a part figure of 124 soldiers')}:"
    for _ in ("cold", "warm"):
        result = run("check", "--data", str(data_copy), "--texts", str(texts))
        found = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if "part_figure_123]" in line]
        assert len(found) == 1, result.stdout + result.stderr
        assert "figures.d/big.yaml:" + expected in found[0]


def test_a_figures_d_that_is_a_file_is_a_usage_error(data_copy: Path):
    (data_copy / "figures.d").write_text("figures: []\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"figures\.d: is a file"):
        load_dataset(data_copy)
