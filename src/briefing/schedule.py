"""`briefing schedule`: the lines to run `briefing make` every day from cron or systemd."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path

from briefing.config import Settings
from briefing.errors import BriefingError


def parse_time(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise BriefingError(f"--at must be a time of day as HH:MM (24-hour clock), like 06:30; got {text!r}")
    return int(m.group(1)), int(m.group(2))


def executable() -> str:
    """The absolute path of this `briefing` command (cron and systemd have a bare PATH)."""
    argv0 = Path(sys.argv[0])
    if argv0.name == "briefing" and argv0.exists():
        return str(argv0.resolve())
    found = shutil.which("briefing")
    if found:
        return str(Path(found).resolve())
    return f"{shlex.quote(sys.executable)} -m briefing"


def render(settings: Settings, hour: int, minute: int) -> str:
    """A crontab line and a systemd service + timer pair for a daily run at hour:minute."""
    exe = executable()
    config = settings.config_file.resolve() if settings.config_file else settings.root / "briefing.toml"
    root = shlex.quote(str(settings.root))
    conf = shlex.quote(str(config))
    home = os.environ.get("BRIEFING_HOME")
    env_line = f"BRIEFING_HOME={shlex.quote(home)} " if home else ""
    systemd_env = f"Environment=BRIEFING_HOME={home}\n" if home else ""
    at = f"{hour:02d}:{minute:02d}"
    return f"""\
# --- cron: run `crontab -e` and add this line -------------------------------------
# --quiet: cron mails you only warnings (skipped sources) and errors.
# Exit status 0 = made, 3 = made with some sources skipped, 1 = nothing made.
{minute} {hour} * * * cd {root} && {env_line}{exe} --quiet --config {conf} make --wait 600

# --- systemd: save as ~/.config/systemd/user/briefing.service ---------------------
[Unit]
Description=Make today's briefing episode and update its podcast feed
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={settings.root}
{systemd_env}ExecStart={exe} --config {conf} make --wait 600
# 3: the episode was made but some sources were skipped; the journal lists them.
SuccessExitStatus=3
Nice=10
TimeoutStartSec=3h

# --- systemd: save as ~/.config/systemd/user/briefing.timer -----------------------
[Unit]
Description=Daily briefing at {at}

[Timer]
OnCalendar=*-*-* {at}:00
# A run missed while the machine was off happens at the next boot.
Persistent=true

[Install]
WantedBy=timers.target

# then: systemctl --user daemon-reload && systemctl --user enable --now briefing.timer
#       loginctl enable-linger $USER   (so it runs when you are not logged in)
#       journalctl --user -u briefing  (the runs' logs; -p warning for skipped sources)
"""
