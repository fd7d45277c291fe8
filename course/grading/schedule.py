"""The term's rhythm in nbgrader: due dates in the gradebook and a late policy autograde applies.

A term starts at a local date and time in a time zone (an IANA name); week `w` of the term is that weekday and
local time `w - 1` weeks later (so a change to or from summer time keeps the class's local hour). nbgrader keeps
due dates as naive UTC, so `week_start` returns UTC. `LatePenalty` is the late-submission plugin nbgrader's
`AssignLatePenalties` calls during autograde (`c.AssignLatePenalties.plugin_class` in nbgrader_config.py): it
applies `LatePolicy.penalty`, configured from the course manifest's `term.late`.
"""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from nbgrader.api import Gradebook
from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

DAY_SECONDS = 86400.0


@dataclass(frozen=True)
class LatePolicy:
    """Late work loses `per_day` of its score per started day after the due date, at most `cap`; none within
    `grace_minutes` of the due date. Shares are between 0 and 1."""

    per_day: float
    cap: float
    grace_minutes: float

    def __post_init__(self) -> None:
        if not (0 <= self.per_day <= 1 and 0 <= self.cap <= 1 and self.grace_minutes >= 0):
            raise ValueError(f"a late policy needs 0 <= per_day, cap <= 1 and grace_minutes >= 0, not {self}")

    def days_late(self, seconds_late: float) -> int:
        """Started days late (0 within the grace period): 1 s to 24 h after the due date is 1 day."""
        if seconds_late <= self.grace_minutes * 60:
            return 0
        return math.ceil(seconds_late / DAY_SECONDS)

    def share(self, seconds_late: float) -> float:
        """The share of the score a submission `seconds_late` after its due date loses."""
        return min(self.cap, self.per_day * self.days_late(seconds_late))

    def penalty(self, score: float, seconds_late: float) -> float:
        """Points taken from `score` (what a late notebook earned)."""
        return score * self.share(seconds_late)


@dataclass(frozen=True)
class Term:
    """When week 1 starts: a local date and time (`start`, naive) in the IANA time zone `timezone`."""

    start: datetime
    timezone: str

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises for an unknown zone
        if self.start.tzinfo is not None:
            raise ValueError("a term's start is a local time without a zone: give the zone in `timezone`")

    def week_start(self, week: int) -> datetime:
        """Week `week` (1 = the first) at the term's weekday and local time, as naive UTC (nbgrader's convention)."""
        if week < 1:
            raise ValueError(f"weeks count from 1, not {week}")
        local = (self.start + timedelta(weeks=week - 1)).replace(tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(timezone.utc).replace(tzinfo=None)

    def local(self, utc: datetime) -> datetime:
        """A naive UTC time shown in the term's time zone."""
        return utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Dates:
    """When an assignment is released and due (naive UTC)."""

    assignment: str
    release: datetime
    due: datetime


def parse_start(text: str) -> datetime:
    """A term start written `YYYY-MM-DD HH:MM` (local time)."""
    try:
        return datetime.strptime(str(text).strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValueError(f"a term start is written YYYY-MM-DD HH:MM, not {text!r}") from None


def write_due_dates(url: str, dates: list[Dates]) -> None:
    """Set each assignment's due date in the gradebook at `url` (creating missing assignments)."""
    with Gradebook(url) as gradebook:
        for entry in dates:
            gradebook.update_or_create_assignment(entry.assignment, duedate=entry.due)


def due_dates(url: str) -> dict[str, datetime | None]:
    """The due date (naive UTC) of every assignment in the gradebook at `url`."""
    with Gradebook(url) as gradebook:
        return {a.name: a.duedate for a in gradebook.assignments}


class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission plugin applying a `LatePolicy` (each notebook loses a share of its score)."""

    per_day = Float(0.0, help="share of the score lost per started day late").tag(config=True)
    cap = Float(0.0, help="largest share of the score lost").tag(config=True)
    grace_minutes = Float(0.0, help="minutes after the due date that are not late").tag(config=True)

    @property
    def policy(self) -> LatePolicy:
        """The configured policy."""
        return LatePolicy(self.per_day, self.cap, self.grace_minutes)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        """Points taken from a notebook that scored `score`, submitted `total_seconds_late` after the due date."""
        penalty = self.policy.penalty(score, total_seconds_late)
        self.log.info("%s: %.0f s late, %d day(s) after grace: penalty %.3g of %.3g points", student_id,
                      total_seconds_late, self.policy.days_late(total_seconds_late), penalty, score)
        return penalty
