"""The command line's arguments: one function per command adds its options."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from moodlelogsmart_gui.terminal import listing


@dataclass(frozen=True)
class Command:
    """One sub-command: its name, one line of help, its options and what runs it."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def build_parser(
    commands: tuple[Command, ...], epilog: str | None = None
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moodlelogsmart",
        description="Turn Moodle log exports into enriched, Bloom-classified event logs.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in commands:
        options = sub.add_parser(command.name, help=command.help)
        command.add_arguments(options)
        options.set_defaults(run=command.run)
    return parser


def positive_seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of seconds") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the time limit must be at least 1 second")
    return value


def duration(text: str) -> float:
    try:
        return listing.parse_duration(text)
    except listing.DurationError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def positive_count(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return int(text)


def process(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="a log file or a folder")
    parser.add_argument("--out", metavar="DIR", help="where result ZIPs go (default: here)")
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=positive_seconds,
        help="time limit per job (default: the settings' job time limit)",
    )
    parser.add_argument(
        "--pseudonymize",
        action="store_true",
        help="replace names with pseudonyms and drop IP addresses",
    )
    parser.add_argument(
        "--rules",
        metavar="FILE|NAME",
        help="a TOML file of Bloom rules, or a built-in set: moodlelogsmart (descriptive "
        "activities) or moodle2eventlog (Moodle2EventLog's categories as activities)",
    )
    parser.add_argument(
        "--outputs",
        metavar="LIST",
        help="comma-separated members of the result ZIP (default: all): enriched_log.csv, "
        "enriched_log_bloom_only.csv, enriched_log.xes, enriched_log_bloom_only.xes, "
        "students.csv, enriched_log.parquet, enriched_log.ocel.json, process_map.svg "
        "(summary.json is always written)",
    )
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run on a Dask cluster: local:N (N worker processes here) or a scheduler "
        "(tcp://host:8786); writes a folder of Parquet events, one XES per course and "
        'summary.json (needs pip install "moodlelogsmart-gui[cluster]")',
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per job")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no live progress; print only the jobs that did not complete",
    )


def jobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per job")
    parser.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="STATE",
        help=f"only jobs in this state ({', '.join(listing.STATES)}); repeat or use commas",
    )
    parser.add_argument(
        "--since",
        type=duration,
        metavar="DURATION",
        help="only jobs added in the last DURATION, e.g. 30m, 2h, 7d",
    )
    parser.add_argument(
        "--limit", type=positive_count, metavar="N", help="at most N jobs (the newest)"
    )


def settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per setting")


def purge(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="only say what would go")
    parser.add_argument("--json", action="store_true", help="the report as JSON")
