"""What /proc says about processes: their group, their CPU time, their TCP connections.
Read-only; Linux only."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
_ESTABLISHED = "01"
_LISTEN = "0A"


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: fields start after it.
    return text[text.rindex(")") + 2:].split()


def group_members(pgid: int) -> list[int]:
    """The processes of process group `pgid`."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and int(fields[2]) == pgid:
                members.append(int(entry))
    return sorted(members)


def cpu_s(pids: Iterable[int]) -> dict[int, float]:
    """User plus system CPU seconds of each process so far."""
    seconds = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            seconds[pid] = (int(fields[11]) + int(fields[12])) / _TICKS_PER_S
    return seconds


def machine_busy_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, over all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / _TICKS_PER_S, total / _TICKS_PER_S


def _port_sockets(port: int, state: str) -> set[str]:
    """Inodes of the TCP sockets in `state` whose local port is `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, inode = fields[1], fields[9]
            if fields[3] == state and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def _held(pid: int, inodes: set[str]) -> int | None:
    """How many of the socket `inodes` the process holds; None when it is gone."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    held = 0
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:[") and link[8:-1] in inodes:
            held += 1
    return held


def listening_on(pids: Iterable[int], port: int) -> list[int]:
    """Those of `pids` that hold a socket listening on local `port`."""
    inodes = _port_sockets(port, _LISTEN)
    return [pid for pid in pids if _held(pid, inodes)]


def connections_on_port(pids: Iterable[int], port: int) -> dict[int, int]:
    """How many established connections to local `port` each process holds."""
    inodes = _port_sockets(port, _ESTABLISHED)
    counts = {}
    for pid in pids:
        held = _held(pid, inodes)
        if held is not None:
            counts[pid] = held
    return counts
