"""The `course` command: maintainers' tooling (`course release`, `course --help`)."""
import argparse
import sys
from pathlib import Path

from course import __version__
from course.assignments import regenerate_release


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `course` command."""
    parser = argparse.ArgumentParser(prog="course", description="Tools for the TinyML course.")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate release/ (student versions) from source/ with nbgrader")
    release.add_argument("--root", type=Path, default=Path.cwd(), help="course directory (default: here)")
    args = parser.parse_args(argv)
    if args.command == "release":
        for assignment in regenerate_release(args.root):
            print(f"release/{assignment} regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
