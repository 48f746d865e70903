"""The ``qprecode`` command line, one module per command: ``precoders``, ``evaluate``,
``radiation``, ``train`` and ``retest``, ``sweep``, ``compare`` and ``reproduce``, ``power``,
``energy``, ``compress-table``, ``baselines``, ``pareto``, ``dataset``, ``zhang``, ``ofdm``.

Every command prints a table, and can save its numbers (``--json``) with their config and a plot
(``--plot``). Bad input gives a one-line error and exit status 2.
"""

from __future__ import annotations

import contextlib
import os
import sys

import click
import torch

from . import (  # noqa: F401  (registers the commands)
    baselines,
    compress,
    dataset,
    energy,
    evaluate,
    experiments,
    ofdm,
    power,
    precoders,
    radiation,
    sweep,
    train,
    zhang,
)
from ._app import cli

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning a ``ValueError`` into a one-line error and exit 2."""
    try:
        code = cli.main(args=argv, prog_name="qprecode", standalone_mode=False)
    except click.ClickException as err:  # one line, like every other error (no usage block)
        click.echo(f"error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, files are written
        # no second BrokenPipeError when Python flushes stdout at exit (a captured stdout has no
        # file descriptor: nothing to redirect)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except ValueError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    except (MemoryError, RuntimeError) as err:
        if not _out_of_memory(err):
            raise
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        click.echo(f"error: out of memory ({first}); lower --batch-size", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


def _out_of_memory(err: BaseException) -> bool:
    """A failed allocation: ``MemoryError``, CUDA's ``OutOfMemoryError`` or the plain
    ``RuntimeError`` of torch's CPU allocator."""
    return isinstance(err, (MemoryError, torch.OutOfMemoryError)) or (
        "can't allocate memory" in str(err)
    )
