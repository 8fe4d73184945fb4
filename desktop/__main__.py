"""The command line: run the app (default), migrate, seed, copy, merge, export, import,
search, --self-check."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from desktop import __version__, paths
from desktop.display import missing_display
from desktop.store.errors import StoreError
from desktop.store.urls import DatabaseUrl, parse_url


def _database_argument(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="a file path, sqlite:///path, or postgresql://user@host/db "
        f"(default: the local database, {paths.default_database_path()})",
        # Only the top-level parser has the default: a subcommand's default would
        # overwrite a --database given before the subcommand's name.
        default=default if default is not None else argparse.SUPPRESS,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postdesk", description="Browse and edit users, their posts and comments."
    )
    parser.add_argument("--version", action="version", version=f"Postdesk {__version__}")
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="print versions, libraries, fonts and data locations; exit 1 if a piece is missing",
    )
    _database_argument(parser, "")
    parser.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window and exit")
    parser.add_argument(
        "--select-first", action="store_true", help="select the first user and post first"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    migrate = commands.add_parser("migrate", help="apply pending schema migrations and exit")
    _database_argument(migrate, None)
    migrate.add_argument(
        "--status", action="store_true", help="list applied and pending migrations, change nothing"
    )
    migrate.add_argument(
        "--adopt",
        action="store_true",
        help="adopt a database built straight from the specification (no Postdesk history)",
    )

    seed = commands.add_parser(
        "seed", help="load the demo data (idempotent), or generate a large synthetic set"
    )
    _database_argument(seed, None)
    seed.add_argument("--users", type=int, help="generate this many users")
    seed.add_argument("--posts-per-user", type=int, default=10, metavar="M")
    seed.add_argument("--comments-per-post", type=int, default=5, metavar="K")
    seed.add_argument(
        "--heavy-user-posts",
        type=int,
        default=0,
        metavar="N",
        help="the first generated user gets N posts instead",
    )
    seed.add_argument(
        "--heavy-post-comments",
        type=int,
        default=0,
        metavar="N",
        help="the first generated post gets N comments instead",
    )
    copy = commands.add_parser(
        "copy", help="copy a whole database into an empty one (any two backends), verified"
    )
    copy.add_argument("--from", dest="source", metavar="URL", required=True)
    copy.add_argument("--to", dest="destination", metavar="URL", required=True)
    merge = commands.add_parser(
        "merge",
        help="add one database's users, posts and comments to another that has data already",
    )
    merge.add_argument("--from", dest="source", metavar="URL", required=True)
    merge.add_argument("--to", dest="destination", metavar="URL", required=True)
    merge.add_argument(
        "--dry-run", action="store_true", help="say what would be added and matched, write nothing"
    )
    names = merge.add_mutually_exclusive_group()
    names.add_argument(
        "--take-names",
        metavar="EMAILS",
        default="",
        help="comma-separated emails of matched users whose name to take from the source "
        "(otherwise the destination's name stays)",
    )
    names.add_argument(
        "--take-source-names",
        action="store_true",
        help="take the source's name for every matched user whose name differs",
    )
    _list_commands(commands)
    return parser


def _list_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export", help="write a list (users, a user's posts, a post's comments) to CSV or JSON"
    )
    _database_argument(export, None)
    export.add_argument("--list", required=True, choices=("users", "posts", "comments"))
    export.add_argument("--user-email", metavar="E", help="whose posts (with --list posts)")
    export.add_argument("--post-id", type=int, metavar="N", help="which post's comments")
    export.add_argument(
        "--filter",
        metavar="TEXT",
        help="as the list's filter box: users by name or email, posts by title",
    )
    export.add_argument("--format", required=True, choices=("csv", "json"))
    export.add_argument("--output", required=True, metavar="FILE")

    load = commands.add_parser(
        "import", help="add users or posts from a CSV file: all rows, or none if one is wrong"
    )
    _database_argument(load, None)
    load.add_argument(
        "--kind",
        required=True,
        choices=("users", "posts"),
        help="users: name, email; posts: author_email, title, content[, created_at]",
    )
    load.add_argument("--input", required=True, metavar="FILE", help="a CSV file, UTF-8")
    load.add_argument("--dry-run", action="store_true", help="check the file, add nothing")
    load.add_argument("--yes", action="store_true", help="add the rows without asking")

    find = commands.add_parser(
        "search", help="print the posts whose text or comments hold all the words given"
    )
    _database_argument(find, None)
    find.add_argument("--limit", type=_positive, default=100, metavar="N", help="at most N posts")
    find.add_argument("words", nargs="+", metavar="WORDS", help='words, prefixes or "a phrase"')


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"a number of posts is 1 or more, not {value}")
    return value


NO_DISPLAY_EXIT = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_check:
        from desktop.selfcheck import run as self_check

        return self_check()
    try:
        given = parse_url(args.database) if args.database else None
        url = given or DatabaseUrl("sqlite", str(paths.default_database_path()))
        if args.command == "migrate":
            from desktop.cli import migrate_command

            return migrate_command(url, status_only=args.status, adopt=args.adopt)
        if args.command == "seed":
            from desktop.cli import seed_command

            return seed_command(url, args)
        if args.command in ("export", "import"):
            from desktop.cli import export_command, import_command

            return (export_command if args.command == "export" else import_command)(url, args)
        if args.command == "search":
            from desktop.cli import search_command

            return search_command(url, " ".join(args.words), args.limit)
        if args.command == "copy":
            from desktop.cli import copy_command

            return copy_command(parse_url(args.source), parse_url(args.destination))
        if args.command == "merge":
            from desktop.cli import merge_command

            return merge_command(parse_url(args.source), parse_url(args.destination), args)
    except (StoreError, ValueError) as exc:
        print(f"postdesk: {exc}", file=sys.stderr)
        return 1
    reason = missing_display()
    if reason is not None:
        print(
            f"Postdesk needs a graphical display; none was found ({reason}). Start it from a "
            "desktop session, or use `postdesk migrate` and `postdesk seed` without one.",
            file=sys.stderr,
        )
        return NO_DISPLAY_EXIT
    return _run_app(given, args.screenshot, args.select_first)


def _run_app(url: DatabaseUrl | None, screenshot: str | None, select_first: bool) -> int:
    from desktop.ui.app import run

    return run(url, screenshot=screenshot, select_first=select_first)


if __name__ == "__main__":
    sys.exit(main())
