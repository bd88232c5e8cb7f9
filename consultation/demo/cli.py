"""Placeholder until the demo loader lands."""
import click


@click.group("demo")
def demo_cli() -> None:
    """Demo data."""
