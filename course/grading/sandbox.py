"""Sandboxed grading: `nbgrader autograde` runs every submission's kernel inside bubblewrap.

nbgrader executes student code as the grader. `nbgrader_config.py` swaps nbgrader's `Execute` for
`SandboxedExecute` in the autograde pipeline only (learners' `nbgrader validate` and the lecture
notebooks are untouched, and need no bubblewrap). Its kernel manager wraps the kernel command in
`bwrap` (Debian/Ubuntu package `bubblewrap`) and `prlimit` (util-linux):

- no network (`--unshare-net`; the kernel talks to nbgrader over IPC sockets, not TCP);
- a file system made of the operating system (`/usr`, `/etc` without its secrets, read-only), the Python environment and
  the `course` package (read-only), a private `/tmp` and the submission's own working directory
  (read-write). The course directory, the gradebook, other students' work and the exchange are absent;
- limits per process on memory (RLIMIT_DATA: TensorFlow reserves too much address space for
  RLIMIT_AS), CPU time, file size and number of processes. RLIMIT_NPROC is not enforced for root,
  so when grading as root the processes are counted by a `pids` cgroup instead;
- only a few environment variables pass: the grading secret (`COURSE_GRADING_SECRET`), nbgrader's
  and TensorFlow's settings, the locale.

If bubblewrap is missing or cannot create namespaces, autograding fails with a message saying so;
setting `COURSE_SANDBOX=off` grades without the sandbox, and says so loudly for every submission.

`DeduplicateIds` hardens nbgrader's sanitizing step against a copied graded cell (see its docstring).
"""
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import DeduplicateIds as NbGraderDeduplicateIds
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode, default

import course
from course.notebook.quiet import TF_ENVIRONMENT

SANDBOX_VARIABLE = "COURSE_SANDBOX"
PASSED_VARIABLES = ("COURSE_GRADING_SECRET", "NBGRADER_EXECUTION", "NBGRADER_VALIDATING", *TF_ENVIRONMENT,
                    "PYTHONHASHSEED", "OMP_NUM_THREADS", "LANG", "LC_ALL", "TZ")
SYSTEM_PATHS = ("/usr", "/etc", "/sys")
MERGED_USR = ("/bin", "/sbin", "/lib", "/lib32", "/lib64")
# /etc is visible read-only (the kernel needs its libraries' settings); its secrets are hidden behind empties.
SECRET_FILES = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-")
SECRET_DIRS = ("/etc/ssh", "/etc/ssl/private")
CGROUP_PIDS = Path("/sys/fs/cgroup/pids")
CGROUP_PREFIX = "course-sandbox-"


class SandboxUnavailable(RuntimeError):
    """The grading sandbox cannot run on this machine (and COURSE_SANDBOX=off was not set)."""


def sandbox_disabled() -> bool:
    """Whether the instructor opted out of the sandbox with `COURSE_SANDBOX=off`."""
    return os.environ.get(SANDBOX_VARIABLE, "").strip().lower() in {"off", "0", "no", "false"}


def environment_paths() -> list[Path]:
    """What a kernel must read: the Python environment, its base interpreter and the `course` package."""
    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(course.__file__).resolve().parent}
    return sorted(paths)


def _system_binds() -> list[str]:
    args = []
    for path in SYSTEM_PATHS:
        if os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in MERGED_USR:  # /bin -> usr/bin on merged-/usr systems, real folders elsewhere
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in SECRET_FILES:
        if os.path.lexists(path):
            args += ["--ro-bind", "/dev/null", path]
    for path in SECRET_DIRS:
        if os.path.isdir(path):
            args += ["--tmpfs", path]
    return args


def bwrap_command(kernel_cmd: list[str], workdir: Path, private: list[Path], *, bwrap: str = "bwrap",
                  memory_mb: int = 4096, cpu_seconds: int = 1800, processes: int = 256,
                  file_mb: int = 1024) -> list[str]:
    """`kernel_cmd` wrapped in bubblewrap and prlimit, seeing only `workdir` and `private` (read-write)."""
    command = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", *_system_binds(),
               "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in environment_paths():
        command += ["--ro-bind", str(path), str(path)]
    for path in [*private, workdir]:
        command += ["--bind", str(path), str(path)]
    # JPY_PARENT_PID=1: the kernel's parent is outside its process namespace (--die-with-parent watches it)
    command += ["--chdir", str(workdir), "--clearenv", "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp",
                "--setenv", "JPY_PARENT_PID", "1",
                "--setenv", "PATH", f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"]
    for name in PASSED_VARIABLES:
        if name in os.environ:
            command += ["--setenv", name, os.environ[name]]
    limits = [f"--data={memory_mb * 2**20}", f"--cpu={cpu_seconds}", f"--nproc={processes}",
              f"--fsize={file_mb * 2**20}"]
    return [*command, "--", "prlimit", *limits, "--", *kernel_cmd]


@cache
def check_sandbox(bwrap: str = "bwrap") -> None:
    """Raise `SandboxUnavailable` unless bubblewrap can start a sandbox here (checked once per process)."""
    hint = f"Install bubblewrap (apt-get install bubblewrap), or set {SANDBOX_VARIABLE}=off to grade without a sandbox."
    executable = shutil.which(bwrap)
    if executable is None:
        raise SandboxUnavailable(f"grading sandbox unavailable: `{bwrap}` not found. {hint}")
    with tempfile.TemporaryDirectory(prefix="course-sandbox-check-") as tmp:
        probe = bwrap_command(["true"], Path(tmp), [], bwrap=executable)
        result = subprocess.run(probe, capture_output=True, text=True)
    if result.returncode != 0:
        raise SandboxUnavailable(f"grading sandbox unavailable: bubblewrap failed ({result.stderr.strip()}); "
                                 f"user namespaces may be disabled. {hint}")


def _remove_stale_cgroups() -> None:
    for group in CGROUP_PIDS.glob(f"{CGROUP_PREFIX}*"):
        try:
            group.rmdir()  # only empty groups (left by a killed grader) can be removed
        except OSError:
            pass


def pids_cgroup(name: str, processes: int) -> Path:
    """A fresh cgroup (v1 `pids` hierarchy) allowing `processes` processes; its `cgroup.procs` file."""
    if not CGROUP_PIDS.is_dir() or not os.access(CGROUP_PIDS, os.W_OK):
        raise SandboxUnavailable(
            "grading sandbox unavailable: grading as root, where the process limit (RLIMIT_NPROC) is not "
            f"enforced, and {CGROUP_PIDS} is not writable. Grade as a regular user, or set "
            f"{SANDBOX_VARIABLE}=off to grade without a sandbox.")
    _remove_stale_cgroups()
    group = CGROUP_PIDS / f"{CGROUP_PREFIX}{name}"
    group.mkdir(exist_ok=True)
    (group / "pids.max").write_text(str(processes))
    return group / "cgroup.procs"


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager starting the kernel inside the grading sandbox (see the module docstring)."""

    bwrap = Unicode("bwrap", help="bubblewrap executable").tag(config=True)
    memory_mb = Integer(4096, help="Memory per process (RLIMIT_DATA), MiB").tag(config=True)
    cpu_seconds = Integer(1800, help="CPU time per process (RLIMIT_CPU), seconds").tag(config=True)
    processes = Integer(256, help="Processes in the sandbox (RLIMIT_NPROC, or a pids cgroup as root)").tag(config=True)
    file_mb = Integer(1024, help="Largest file a submission may write (RLIMIT_FSIZE), MiB").tag(config=True)

    _private_dir: str | None = None
    _cgroup: Path | None = None

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"  # the kernel has no network: TCP on the host's loopback is out of reach

    @default("ip")
    def _ip_default(self) -> str:  # the IPC sockets' path prefix, in a folder shared with the sandbox
        if self._private_dir is None:
            self._private_dir = tempfile.mkdtemp(prefix="course-kernel-")
        return os.path.join(self._private_dir, "kernel")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel command, wrapped in the sandbox (or not, loudly, with COURSE_SANDBOX=off)."""
        command = super().format_kernel_cmd(extra_arguments)
        if sandbox_disabled():
            self.log.warning("!!! %s=off: this submission is graded WITHOUT the sandbox: student code runs "
                             "with your permissions, network and files !!!", SANDBOX_VARIABLE)
            return command
        check_sandbox(self.bwrap)
        # Interrupt (after a cell timeout) with a message: a SIGINT to the process group would end bwrap itself.
        self.kernel_spec.interrupt_mode = "message"
        workdir = Path(self._launch_args.get("cwd") or os.getcwd()).resolve()
        private = [Path(self.ip).parent, Path(self.connection_file).resolve()]
        command = bwrap_command(command, workdir, private, bwrap=self.bwrap, memory_mb=self.memory_mb,
                                cpu_seconds=self.cpu_seconds, processes=self.processes, file_mb=self.file_mb)
        if os.geteuid() == 0:
            procs = pids_cgroup(str(self.kernel_id), self.processes)
            self._cgroup = procs.parent
            command = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(procs), *command]
        return command

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        """Release nbgrader's resources, then the kernel's private folder and cgroup."""
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        if self._cgroup is not None:
            try:
                self._cgroup.rmdir()
            except OSError:
                pass  # still emptying: removed by the next sandbox's sweep
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


class SandboxedExecute(Execute):
    """nbgrader's Execute preprocessor with kernels started in the grading sandbox."""

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(**kwargs)


class DeduplicateIds(NbGraderDeduplicateIds):
    """nbgrader's DeduplicateIds, minus a crash: an earlier copy of a graded cell becomes a plain cell.

    A learner who copies a graded cell duplicates its grade id. nbgrader 0.9.6 then empties the copy's
    `nbgrader` metadata, which CheckCellMetadata takes for an outdated format: it stops the whole
    autograde run, for every student after this one. Removing the key makes the copy an ordinary cell.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int) -> tuple[NotebookNode, dict]:
        """Keep the last cell with each grade id; earlier copies lose their nbgrader metadata."""
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources
