"""``vethlab lab``: copy the notebooks into a folder of yours and open JupyterLab there."""

from __future__ import annotations

import json
import os

from vethlab import lab
from vethlab.cli.common import CommandError, folder
from vethlab.ioreturn import IORETURN_CODES, IOReturnError

HELP = (
    "copy the notebooks into a folder of yours (never over a file there) and open JupyterLab there"
)


def add_arguments(p):
    p.add_argument(
        "--dir",
        type=folder,
        default=lab.DEFAULT_FOLDER,
        help=f"the folder for your copies (default ./{lab.DEFAULT_FOLDER}; created if missing; "
        "not empty, not a file, in a folder you can write)",
    )
    p.add_argument(
        "--no-open",
        action="store_true",
        help="only copy the notebooks and say what was done; do not start JupyterLab",
    )
    p.add_argument(
        "jupyter_args",
        nargs="*",
        metavar="-- JUPYTER_ARGS",
        help="options for JupyterLab after '--', e.g. -- --allow-root --port 8899",
    )


def run(args):
    report = lab.sync_notebooks(args.dir)
    text, obj = report.text(), {**report.to_json(), "opened": not args.no_open}
    if args.no_open:
        return text, obj
    # Say what was copied before JupyterLab takes over the terminal, then print nothing more.
    try:
        print(json.dumps(obj, indent=2) if args.json else text, flush=True)
        if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args.jupyter_args:
            print("running as root: JupyterLab needs `vethlab lab -- --allow-root`", flush=True)
    except BrokenPipeError:
        raise
    except OSError as err:  # a full stdout: say so, and do not start JupyterLab
        raise CommandError(f"cannot write to standard output: {err.strerror or err}") from err
    status = lab.open_lab(report.folder, args.jupyter_args)
    if status != 0:
        raise IOReturnError(
            IORETURN_CODES["kIOReturnError"], f"JupyterLab exited with status {status}"
        )
    args.json = False
    return "", None
