"""The `course` command: instructors' and maintainers' tooling (`course --help` lists the commands).

Each command lives in the module that does its work and contributes a `register(commands)` function
that adds its sub-parser and sets `handler` (a function of the parsed arguments returning an exit code).
"""
import argparse
import sys
from pathlib import Path

from course import __version__
from course.authoring import assessment, glossary, manifest, remix, translation
from course.authoring.release import regenerate_release
from course.grading import report


def _release(args: argparse.Namespace) -> int:
    for assignment in regenerate_release(args.root):
        print(f"release/{assignment} regenerated")
    return 0


def _register_release(commands) -> None:
    release = commands.add_parser("release", help="regenerate release/ (student versions) from source/ with nbgrader")
    release.add_argument("--root", type=Path, default=Path.cwd(), help="course directory (default: here)")
    release.set_defaults(handler=_release)


COMMANDS = (_register_release, manifest.register, remix.register, translation.register, report.register,
            assessment.register, glossary.register)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `course` command."""
    parser = argparse.ArgumentParser(prog="course", description="Tools for the TinyML course.")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    for register in COMMANDS:
        register(commands)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
