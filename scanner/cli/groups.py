"""The click group every leakstop command group is: its help lists each command's whole first sentence."""

from __future__ import annotations

import click

WHOLE_SENTENCE = 1000
"""A limit no first sentence reaches: click cuts short help at the terminal's width (`...`) otherwise."""


class CommandGroup(click.Group):
    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's whole first sentence, wrapped, where click would cut it to fit one line."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=WHOLE_SENTENCE)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
