"""Sandboxed grading: `nbgrader autograde` runs every submission's kernel inside bubblewrap.

nbgrader executes student code as the grader. `nbgrader_config.py` swaps nbgrader's `Execute` for
`SandboxedExecute` in the autograde pipeline only (learners' `nbgrader validate` and the lecture
notebooks are untouched, and need no bubblewrap). Its kernel manager wraps the kernel command in
`bwrap` (Debian/Ubuntu package `bubblewrap`), `setpriv` and `prlimit` (util-linux):

- no network (the kernel talks to nbgrader over IPC sockets, not TCP);
- a file system made of the operating system (`/usr`, `/etc`, read-only), the Python environment and
  the `course` package (read-only), the kernel's sockets and connection file, the test cases the grader
  drew for this submission (read-only), and two size-capped in-memory folders: `/tmp` and the working
  directory. The course directory, the gradebook, other students' work, the exchange and the
  submission's own folder are absent: nothing the kernel writes outlives it or reaches nbgrader;
- as root, the kernel runs as an unprivileged user (`nobody`) with no capabilities, in a memory cgroup
  (which counts shared memory and the in-memory folders) and a pids cgroup; as a regular user it runs
  as that user, in a user namespace, with per-process limits only;
- limits per process on memory (RLIMIT_DATA: TensorFlow reserves too much address space for
  RLIMIT_AS), CPU time and file size, and a wall-clock deadline for the whole submission;
- its environment holds only what a kernel needs: never the grading secret.

If bubblewrap is missing or cannot create namespaces, autograding fails with a message saying so;
setting `COURSE_SANDBOX=off` grades without the sandbox, and says so loudly for every submission.

`DeduplicateIds` hardens nbgrader's sanitizing step against a copied graded cell (see its docstring).
"""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import DeduplicateIds as NbGraderDeduplicateIds
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode, default

import course
from course.grading.answers import CASES_VARIABLE, write_cases
from course.grading.hidden import SECRET_VARIABLE
from course.grading.verdicts import draw_cases, graded_code_cells, load_checks, source_dir
from course.notebook.quiet import TF_ENVIRONMENT

SANDBOX_VARIABLE = "COURSE_SANDBOX"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                    "TF_NUM_INTEROP_THREADS")  # math libraries' thread pools (sized per grading worker)
PASSED_VARIABLES = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", *TF_ENVIRONMENT, "PYTHONHASHSEED", *THREAD_VARIABLES,
                    "LANG", "LC_ALL", "TZ")
SYSTEM_PATHS = ("/usr", "/etc", "/sys")
MERGED_USR = ("/bin", "/sbin", "/lib", "/lib32", "/lib64")
CASES_IN_SANDBOX = "/run/course/cases.json"
CGROUPS = Path("/sys/fs/cgroup")
CGROUP_PREFIX = "course-sandbox-"
MEMORY_LIMIT_MESSAGE = "course sandbox: memory limit reached"
DEADLINE_MESSAGE = "course sandbox: submission deadline reached"


class SandboxUnavailable(RuntimeError):
    """The grading sandbox cannot run on this machine (and COURSE_SANDBOX=off was not set)."""


def sandbox_disabled() -> bool:
    """Whether the instructor opted out of the sandbox with `COURSE_SANDBOX=off`."""
    return os.environ.get(SANDBOX_VARIABLE, "").strip().lower() in {"off", "0", "no", "false"}


def environment_paths() -> list[Path]:
    """What a kernel must read: the Python environment, its base interpreter and the `course` package."""
    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(course.__file__).resolve().parent}
    return sorted(paths)


def course_import_path() -> str:
    """The folder holding the `course` package grading uses: first on the kernel's PYTHONPATH, so that the
    kernel imports exactly that package (not another checkout an editable install points to)."""
    return str(Path(course.__file__).resolve().parent.parent)


def kernel_environment(cases_file: str) -> dict[str, str]:
    """The kernel's whole environment: a few settings, the cases' path, the grader's `course`, and no secret."""
    env = {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}
    env.update(HOME="/tmp", TMPDIR="/tmp", PATH=f"{Path(sys.executable).parent}:/usr/local/bin:"
               "/usr/bin:/bin", PYTHONPATH=course_import_path(), **{CASES_VARIABLE: cases_file})
    return env


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
    return args


def _parents(dest: str, made: set[str]) -> list[str]:
    """Folders leading to `dest` in the sandbox, world-traversable (bwrap would copy e.g. /root's 0700)."""
    args = []
    for parent in reversed(Path(dest).parents):
        name = str(parent)
        if name in ("/", "/tmp") or name in made or any(name == p or name.startswith(p + "/") for p in SYSTEM_PATHS):
            continue
        made.add(name)
        args += ["--perms", "0755", "--dir", name]
    return args


def bwrap_command(kernel_cmd: list[str], workdir: Path, private: list[Path], *, cases_file: Path | None = None,
                  bwrap: str = "bwrap", user: str | None = None, memory_mb: int = 4096, cpu_seconds: int = 1800,
                  processes: int = 256, file_mb: int = 1024, tmp_mb: int = 512, workdir_mb: int = 512) -> list[str]:
    """`kernel_cmd` wrapped in bubblewrap, seeing `private` (read-write) and an empty in-memory `workdir`.

    With `user` (grading as root), bwrap keeps the host's user ids and `setpriv` drops the kernel to that
    unprivileged user with no capabilities; without it, bwrap maps the caller into a user namespace.
    """
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if user is None:
        namespaces += ["--unshare-user"]
    command = [bwrap, *namespaces, "--die-with-parent", "--new-session", *_system_binds(), "--proc", "/proc",
               "--dev", "/dev", "--size", str(tmp_mb * 2**20), "--perms", "1777", "--tmpfs", "/tmp"]
    made: set[str] = set()
    binds = [("--ro-bind", str(p), str(p)) for p in environment_paths()] + [("--bind", str(p), str(p)) for p in private]
    if cases_file is not None:
        binds.append(("--ro-bind", str(cases_file), CASES_IN_SANDBOX))
    for option, source, dest in binds:
        command += [*_parents(dest, made), option, source, dest]
    command += [*_parents(str(workdir), made), "--size", str(workdir_mb * 2**20), "--perms", "1777", "--tmpfs",
                str(workdir), "--chdir", str(workdir)]
    # The kernel's parent is outside its process namespace (--die-with-parent watches it); jupyter_client's
    # launcher sets JPY_PARENT_PID to the grader's pid, which would make ipykernel think its parent died.
    command += ["--setenv", "JPY_PARENT_PID", "1", "--"]
    if user is not None:
        account = pwd.getpwnam(user)
        command += ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    limits = [f"--data={memory_mb * 2**20}", f"--cpu={cpu_seconds}", f"--fsize={file_mb * 2**20}"]
    if user is None:
        limits.append(f"--nproc={processes}")  # as root the pids cgroup counts this sandbox's processes alone
    return [*command, "prlimit", *limits, "--", *kernel_cmd]


@cache
def check_sandbox(bwrap: str = "bwrap") -> None:
    """Raise `SandboxUnavailable` unless bubblewrap can start a sandbox here (checked once per process)."""
    hint = f"Install bubblewrap (apt-get install bubblewrap), or set {SANDBOX_VARIABLE}=off to grade without a sandbox."
    executable = shutil.which(bwrap)
    if executable is None:
        raise SandboxUnavailable(f"grading sandbox unavailable: `{bwrap}` not found. {hint}")
    with tempfile.TemporaryDirectory(prefix="course-sandbox-check-") as tmp:
        probe = bwrap_command(["true"], Path(tmp), [], bwrap=executable, user="nobody" if os.geteuid() == 0 else None)
        result = subprocess.run(probe, capture_output=True, text=True)
    if result.returncode != 0:
        raise SandboxUnavailable(f"grading sandbox unavailable: bubblewrap failed ({result.stderr.strip()}); "
                                 f"user namespaces may be disabled. {hint}")


def cgroup_v2() -> bool:
    """Whether this machine uses the unified (v2) cgroup hierarchy."""
    return (CGROUPS / "cgroup.controllers").is_file()


def _limit(group: Path, settings: dict[str, int]) -> None:
    group.mkdir(exist_ok=True)
    for name, value in settings.items():
        if (group / name).exists():
            (group / name).write_text(str(value))


def make_cgroups(name: str, processes: int, memory_mb: int) -> list[Path]:
    """Fresh cgroups holding at most `processes` processes and `memory_mb` of memory (no swap); their folders.

    Memory counts what the processes map, shared memory and the files of in-memory folders they write.
    """
    memory = memory_mb * 2**20
    if cgroup_v2():
        groups = [CGROUPS / f"{CGROUP_PREFIX}{name}"]
        _limit(groups[0], {"pids.max": processes, "memory.max": memory, "memory.swap.max": 0})
    else:
        groups = [CGROUPS / "pids" / f"{CGROUP_PREFIX}{name}", CGROUPS / "memory" / f"{CGROUP_PREFIX}{name}"]
        _limit(groups[0], {"pids.max": processes})
        _limit(groups[1], {"memory.limit_in_bytes": memory, "memory.memsw.limit_in_bytes": memory})
    return groups


def check_cgroups() -> None:
    """Raise `SandboxUnavailable` unless this (root) grader can create the sandbox's cgroups."""
    parents = [CGROUPS] if cgroup_v2() else [CGROUPS / "pids", CGROUPS / "memory"]
    for parent in parents:
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise SandboxUnavailable(
                f"grading sandbox unavailable: grading as root needs cgroups to limit memory and processes, and "
                f"{parent} is not writable. Grade as a regular user, or set {SANDBOX_VARIABLE}=off to grade "
                "without a sandbox.")


def memory_limit_reached(groups: list[Path]) -> bool:
    """Whether the kernel in `groups` was killed for memory (read before the groups are removed)."""
    for group in groups:
        for name, key in (("memory.events", "oom_kill"), ("memory.oom_control", "oom_kill")):
            path = group / name
            if path.is_file():
                counts = dict(line.split() for line in path.read_text().splitlines() if len(line.split()) == 2)
                if int(counts.get(key, 0)) > 0:
                    return True
    return False


def remove_cgroups(groups: list[Path]) -> None:
    """Remove a kernel's cgroups once they are empty (one still emptying stays behind, empty and harmless)."""
    for group in groups:
        try:
            group.rmdir()
        except OSError:
            pass


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager starting the kernel inside the grading sandbox (see the module docstring)."""

    bwrap = Unicode("bwrap", help="bubblewrap executable").tag(config=True)
    user = Unicode("nobody", help="Unprivileged user the kernel runs as when grading as root").tag(config=True)
    memory_mb = Integer(4096, help="Memory of the sandbox (cgroup as root; RLIMIT_DATA per process), MiB").tag(
        config=True)
    cpu_seconds = Integer(1800, help="CPU time per process (RLIMIT_CPU), seconds").tag(config=True)
    processes = Integer(256, help="Processes in the sandbox (a pids cgroup as root, RLIMIT_NPROC otherwise)").tag(
        config=True)
    file_mb = Integer(1024, help="Largest file a submission may write (RLIMIT_FSIZE), MiB").tag(config=True)
    tmp_mb = Integer(512, help="Size of the sandbox's in-memory /tmp, MiB").tag(config=True)
    workdir_mb = Integer(512, help="Size of the sandbox's in-memory working directory, MiB").tag(config=True)

    cases_file: Path | None = None  # set by SandboxedExecute before the kernel starts
    _private_dir: str | None = None
    _cgroups: tuple[Path, ...] | list[Path] = ()

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"  # the kernel has no network: TCP on the host's loopback is out of reach

    @default("ip")
    def _ip_default(self) -> str:  # the IPC sockets' path prefix, in a folder shared with the sandbox
        if self._private_dir is None:
            self._private_dir = tempfile.mkdtemp(prefix="course-kernel-")
        return os.path.join(self._private_dir, "kernel")

    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _hand_over(self, paths: list[Path]) -> None:
        """Give the unprivileged kernel user the folder of its sockets and its connection file."""
        account = pwd.getpwnam(self.user)
        for path in paths:
            os.chown(path, account.pw_uid, account.pw_gid)

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
        user = self.user if self._as_root() else None
        if user is not None:
            check_cgroups()
            self._hand_over(private)
        command = bwrap_command(command, workdir, private, cases_file=self.cases_file, bwrap=self.bwrap, user=user,
                                memory_mb=self.memory_mb, cpu_seconds=self.cpu_seconds, processes=self.processes,
                                file_mb=self.file_mb, tmp_mb=self.tmp_mb, workdir_mb=self.workdir_mb)
        if user is not None:
            self._cgroups = make_cgroups(str(self.kernel_id), self.processes, self.memory_mb)
            procs = [str(g / "cgroup.procs") for g in self._cgroups]
            enter = " && ".join(f'echo $$ > "${i + 1}"' for i in range(len(procs)))
            command = ["/bin/sh", "-c", f'{enter} && shift {len(procs)} && exec "$@"', "sh", *procs, *command]
        return command

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        """Launch with the kernel's own environment (no secret), in the sandbox or not."""
        cases = CASES_IN_SANDBOX if not sandbox_disabled() else str(self.cases_file or "")
        kw["env"] = kernel_environment(cases) if not sandbox_disabled() else {
            **{k: v for k, v in kw.get("env", os.environ).items() if k != SECRET_VARIABLE},
            "PYTHONPATH": course_import_path(), CASES_VARIABLE: cases}
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        """Release nbgrader's resources, then the kernel's private folder and cgroups."""
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        if self._cgroups:
            if memory_limit_reached(self._cgroups):
                self.log.error("%s (%d MiB): the kernel was stopped", MEMORY_LIMIT_MESSAGE, self.memory_mb)
            remove_cgroups(self._cgroups)
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


class SandboxedExecute(Execute):
    """nbgrader's Execute preprocessor with kernels started in the grading sandbox, on cases the grader drew.

    Before the kernel starts, each test cell's cases are drawn (`course.grading.verdicts`) and kept in
    `resources` for `ApplyVerdicts`; cells run under the per-cell timeout and a deadline for the whole
    submission (`submission_timeout`), after which every remaining cell times out at once.
    """

    submission_timeout = Integer(1800, help="Wall-clock seconds for a whole submission").tag(config=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(**kwargs)
        self._cases_file: Path | None = None

    def create_kernel_manager(self):
        """The sandboxed kernel manager, told where this submission's cases are."""
        km = super().create_kernel_manager()
        km.cases_file = self._cases_file
        return km

    def _cell_timeout(self, deadline: float):
        def timeout(cell: NotebookNode) -> int:
            left = int(deadline - time.monotonic())
            if left <= 0:
                self.log.error("%s (%d s): the remaining cells time out", DEADLINE_MESSAGE, self.submission_timeout)
            return max(1, min(self.timeout or left, left))
        return timeout

    def preprocess(self, nb: NotebookNode, resources: dict, km=None) -> tuple[NotebookNode, dict]:
        """Draw the cases, run the notebook in the sandbox, keep the cases for the verdicts."""
        assignment, student = resources["nbgrader"]["assignment"], resources["nbgrader"]["student"]
        checks = load_checks(source_dir(self.config, assignment))
        cases = draw_cases(checks, list(graded_code_cells(nb)), assignment, student)
        resources["course_grading"] = {"checks": checks, "cases": cases}
        self.timeout_func = self._cell_timeout(time.monotonic() + self.submission_timeout)
        with tempfile.TemporaryDirectory(prefix="course-cases-") as folder:
            self._cases_file = Path(folder) / "cases.json"
            write_cases(self._cases_file, cases)
            os.chmod(folder, 0o755)
            os.chmod(self._cases_file, 0o644)
            try:
                return super().preprocess(nb, resources, km)
            finally:
                self._cases_file = None


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
