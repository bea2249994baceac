"""The start-up baseline: a minimal Typer app that prints one Rich table, nothing else."""

import typer

app = typer.Typer()


@app.command()
def show() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Baseline")
    for column in ("Name", "Value", "Range", "Unit", "From"):
        table.add_column(column)
    table.add_row("troops", "11,000", "10,000 – 12,000", "soldiers", "[1]")
    Console().print(table)


if __name__ == "__main__":
    app()
