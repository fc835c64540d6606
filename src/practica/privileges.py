"""The privilege split of ``practica up`` as root: the services run as the ``practica`` system user.

Only ``practica sandbox-controller`` keeps root (see :mod:`practica.sandbox.controller`). The web app,
Chronicles, the workers and the gateway are started through ``setpriv`` as ``practica``, with no
capabilities (none inheritable, an empty bounding set) and ``no_new_privs``. ``PRACTICA_HOME`` stays
root's; the service user owns only what the services write there: ``chronicles/`` (the producer and
signing keys), ``sandbox/gateway.key`` (made here, read by the web app and the gateway) and ``service/``
(its ``HOME``). It reaches the embedded PostgreSQL's socket through the ``pgserver`` group (the data
directory is 0750; its files stay 0600, the server's own).
"""

from __future__ import annotations

import grp
import importlib.util
import os
import pwd
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from practica.sandbox.gateway.tokens import gateway_key
from practica.sandbox.settings import SandboxSettings

SERVICE_USER = "practica"
EMBEDDED_SERVER_GROUP = "pgserver"  # the embedded PostgreSQL's own user and group under root (the wheel makes it)
NOLOGIN = "/usr/sbin/nologin"
SYSTEM_PYTHONS = (Path("/usr/bin/python3"), Path("/usr/local/bin/python3"))
OUR_PACKAGES = ("practica", "chronicles", "servicekit")


class ServiceUserError(RuntimeError):
    """The service user cannot be made, or cannot run Practica as installed."""


@dataclass(frozen=True)
class ServiceUser:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]

    def drop(self) -> list[str]:
        """The command prefix that runs what follows as this user, with no capability and no way back."""
        groups = ",".join(map(str, self.groups))
        return [
            "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", f"--groups={groups}",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--",
        ]  # fmt: skip


def ensure_service_user(home: Path) -> ServiceUser:
    """The ``practica`` system user (made when missing: no login shell, no home directory of its own)."""
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        shell = NOLOGIN if Path(NOLOGIN).exists() else "/bin/false"
        made = subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", str(home / "service"),
             "--shell", shell, SERVICE_USER],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if made.returncode != 0:
            raise ServiceUserError(f"cannot create the {SERVICE_USER} user: {made.stderr.strip()}") from None
        entry = pwd.getpwnam(SERVICE_USER)
    return ServiceUser(SERVICE_USER, entry.pw_uid, entry.pw_gid, (entry.pw_gid, *_embedded_server_group()))


def _embedded_server_group() -> tuple[int, ...]:
    try:
        return (grp.getgrnam(EMBEDDED_SERVER_GROUP).gr_gid,)
    except KeyError:
        return ()


def prepare_home(home: Path, user: ServiceUser) -> None:
    """Give the service user what it writes under ``home``; the rest (and ``home`` itself) stays root's."""
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, 0, 0)
    home.chmod(0o755)
    for owned in (home / "chronicles", home / "service"):
        owned.mkdir(mode=0o700, exist_ok=True)
        _chown_tree(owned, user)
    sandbox = home / "sandbox"
    sandbox.mkdir(exist_ok=True)
    sandbox.chmod(0o755)
    settings = SandboxSettings(home=home)
    if not settings.gateway_key.get_secret_value():
        gateway_key(settings)  # made here so that it is the service user's, not root's
        os.chown(sandbox / "gateway.key", user.uid, user.gid)
    if (home / "pg").is_dir():
        (home / "pg").chmod(0o750)  # the socket is there; the group is the embedded server's


def _chown_tree(top: Path, user: ServiceUser) -> None:
    """Links are changed themselves, never followed."""
    os.lchown(top, user.uid, user.gid)
    for root, directories, files in os.walk(top):
        for name in (*directories, *files):
            os.lchown(os.path.join(root, name), user.uid, user.gid)


PROBE = """
import os, sys
if not os.access(sys.argv[1], os.R_OK | os.X_OK):
    sys.exit(f"cannot reach PRACTICA_HOME {sys.argv[1]}: every directory above it must be traversable")
import practica.cli, chronicles.cli
"""


def check_can_run(user: ServiceUser, python: str, env: dict[str, str], home: Path) -> None:
    """Fail with a clear message when the service user cannot start Python with Practica, or reach its home."""
    probe = [*user.drop(), python, "-c", PROBE, str(home)]
    ran = subprocess.run(probe, env=env, capture_output=True, text=True, check=False)  # in the children's cwd
    if ran.returncode != 0:
        detail = ran.stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise ServiceUserError(
            f"the {user.name} user cannot run {python} with Practica ({detail[0]}): install Practica where "
            "other users can read it (a virtualenv made from /usr/bin/python3 in a directory they may traverse)"
        )


def service_interpreter(user: ServiceUser, env: dict[str, str], home: Path) -> str:
    """The Python the services run with: this one, or the system's of the same version with our packages.

    A virtualenv made from a Python under ``/root`` (0700, as pyenv installs it for root) is out of the
    service user's reach, though the packages in it are not. Then the system's Python of the same version
    runs them, with the virtualenv's site-packages and our own packages' directories on ``PYTHONPATH``
    (set in ``env``; an editable install's ``.pth`` hooks are not read from ``PYTHONPATH``).
    """
    try:
        check_can_run(user, sys.executable, env, home)
    except ServiceUserError as unreachable:
        for candidate in SYSTEM_PYTHONS:
            if _same_version(candidate):
                env["PYTHONPATH"] = ":".join(_import_roots(env.get("PYTHONPATH", "")))
                check_can_run(user, str(candidate), env, home)
                return str(candidate)
        raise unreachable
    return sys.executable


def _same_version(python: Path) -> bool:
    if not python.exists() or python.resolve() == Path(sys.executable).resolve():
        return False
    ran = subprocess.run(
        [str(python), "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, check=False
    )
    return ran.stdout.split() == [str(part) for part in sys.version_info[:2]]


def _import_roots(existing: str) -> list[str]:
    roots = [path for path in existing.split(":") if path]
    for package in OUR_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            roots.append(str(Path(spec.origin).parents[1]))
    roots += [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    return list(dict.fromkeys(roots))
