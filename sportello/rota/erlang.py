"""Erlang C staffing, as a plain-Python domain kernel.

Django stays out of this module (import-linter enforces it) so that the arithmetic that turns
demand into operators can be type-checked strictly, tested with generated inputs and timed
alone.

Model: calls arrive at random (Poisson) over a period, each held for an exponentially
distributed time with mean ``aht_s``; a caller who finds every operator busy waits and never
hangs up (M/M/N). Traffic in Erlangs is ``calls * aht_s / period_s``.

Erlang C is derived from Erlang B, computed by the recursion
``B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1))``: every term stays in [0, 1], so it neither
overflows nor loses precision where ``A**n / n!`` would, whatever the traffic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "MAX_TRAFFIC_ERLANGS",
    "StaffingResult",
    "StaffingTarget",
    "average_speed_of_answer",
    "erlang_b",
    "erlang_c",
    "rostered_staff",
    "service_level",
    "staffing",
    "traffic_erlangs",
]

# The recursion is linear in the number of operators: beyond this the answer is both slow and
# meaningless for a help desk (a hundred thousand people talking at once).
MAX_TRAFFIC_ERLANGS = 100_000.0

# A quotient this close to a whole number is that number: 21 / (1 - 0.3) is 30.000000000000004
# in binary floating point and must not become 31 rostered operators.
_WHOLE_TOLERANCE = 1e-9


def _check_traffic(traffic: float) -> float:
    if not isinstance(traffic, int | float) or isinstance(traffic, bool):
        raise ValueError(f"traffic must be a number of Erlangs, not {traffic!r}")
    if not math.isfinite(traffic) or traffic < 0:
        raise ValueError(f"traffic must be a finite number of Erlangs >= 0, not {traffic!r}")
    if traffic > MAX_TRAFFIC_ERLANGS:
        raise ValueError(f"traffic of {traffic} Erlangs exceeds {MAX_TRAFFIC_ERLANGS:g}")
    return float(traffic)


def _check_agents(agents: int) -> int:
    if not isinstance(agents, int) or isinstance(agents, bool) or agents < 0:
        raise ValueError(f"agents must be a whole number >= 0, not {agents!r}")
    return agents


def _check_positive(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, not {value!r}")
    return float(value)


def _check_non_negative(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
    return float(value)


def traffic_erlangs(calls: float, period_s: float, aht_s: float) -> float:
    """Offered traffic: how many operators would be busy on average if nobody ever waited."""
    calls = _check_non_negative(calls, "calls")
    period_s = _check_positive(period_s, "period_s")
    aht_s = _check_positive(aht_s, "aht_s")
    return _check_traffic(calls * aht_s / period_s)


def _next_b(traffic: float, agents: int, previous: float) -> float:
    offered = traffic * previous
    return offered / (agents + offered)


def erlang_b(traffic: float, agents: int) -> float:
    """Probability that a call finds every one of ``agents`` busy when nobody can wait."""
    traffic = _check_traffic(traffic)
    agents = _check_agents(agents)
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = _next_b(traffic, n, blocking)
    return blocking


def _c_from_b(traffic: float, agents: int, blocking: float) -> float:
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    waiting = agents * blocking / (agents - traffic * (1.0 - blocking))
    return min(1.0, max(0.0, waiting))


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a call has to wait (Erlang C).

    1.0 when ``agents <= traffic``: the queue then grows without end and everyone waits.
    0.0 when there is no traffic: nobody calls, so nobody waits.
    """
    traffic = _check_traffic(traffic)
    agents = _check_agents(agents)
    return _c_from_b(traffic, agents, erlang_b(traffic, agents))


def _service_level_from_c(
    waiting: float, traffic: float, agents: int, aht_s: float, target_s: float
) -> float:
    if waiting == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    # P(wait > t) = C · exp(-(N - A) · t / AHT)
    late = waiting * math.exp(-(agents - traffic) * target_s / aht_s)
    return min(1.0, max(0.0, 1.0 - late))


def _asa_from_c(waiting: float, traffic: float, agents: int, aht_s: float) -> float:
    if waiting == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return waiting * aht_s / (agents - traffic)


def service_level(
    calls: float, period_s: float, aht_s: float, agents: int, target_s: float
) -> float:
    """Fraction of calls answered within ``target_s`` seconds by ``agents`` operators.

    0.0 when the operators cannot keep up (``agents <= traffic``); 1.0 with no calls.
    """
    traffic = traffic_erlangs(calls, period_s, aht_s)
    target_s = _check_non_negative(target_s, "target_s")
    agents = _check_agents(agents)
    return _service_level_from_c(erlang_c(traffic, agents), traffic, agents, aht_s, target_s)


def average_speed_of_answer(calls: float, period_s: float, aht_s: float, agents: int) -> float:
    """Mean wait in seconds over all calls (those answered at once count as zero).

    ``math.inf`` when the operators cannot keep up; 0.0 with no calls.
    """
    traffic = traffic_erlangs(calls, period_s, aht_s)
    agents = _check_agents(agents)
    return _asa_from_c(erlang_c(traffic, agents), traffic, agents, float(aht_s))


def rostered_staff(agents: int, shrinkage: float) -> int:
    """Operators to put on the roster so that ``agents`` are answering once breaks, training,
    supervision and paperwork (the shrinkage fraction) are taken out."""
    agents = _check_agents(agents)
    if not (_is_number(shrinkage) and 0 <= shrinkage < 1):
        raise ValueError(f"shrinkage must be a fraction in [0, 1), not {shrinkage!r}")
    return math.ceil(agents / (1.0 - shrinkage) - _WHOLE_TOLERANCE)


@dataclass(frozen=True)
class StaffingTarget:
    """What "enough operators" means.

    ``service_level``: fraction of calls to answer within ``target_s`` seconds, in (0, 1);
    ``max_occupancy``: the highest fraction of their time operators may spend on calls, in
    (0, 1], or None for no cap; ``shrinkage``: fraction of rostered time not spent answering,
    in [0, 1).
    """

    service_level: float
    target_s: float
    max_occupancy: float | None = None
    shrinkage: float = 0.0

    def __post_init__(self) -> None:
        if not (_is_number(self.service_level) and 0 < self.service_level < 1):
            raise ValueError(
                "service_level must be a fraction strictly between 0 and 1 (e.g. 0.8), "
                f"not {self.service_level!r}"
            )
        if not (_is_number(self.target_s) and self.target_s >= 0):
            raise ValueError(f"target_s must be a number of seconds >= 0, not {self.target_s!r}")
        if self.max_occupancy is not None and not (
            _is_number(self.max_occupancy) and 0 < self.max_occupancy <= 1
        ):
            raise ValueError(
                "max_occupancy must be a fraction in (0, 1] (e.g. 0.85) or None, "
                f"not {self.max_occupancy!r}"
            )
        if not (_is_number(self.shrinkage) and 0 <= self.shrinkage < 1):
            raise ValueError(
                f"shrinkage must be a fraction in [0, 1) (e.g. 0.3), not {self.shrinkage!r}"
            )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class StaffingResult:
    """Operators needed for one interval and how the desk performs with them.

    ``agents`` answer calls; ``rostered`` is the head count to plan after shrinkage.
    ``occupancy`` is the fraction of the agents' time spent on calls.
    """

    agents: int
    service_level: float
    probability_waiting: float
    average_speed_of_answer_s: float
    occupancy: float
    traffic_erlangs: float
    rostered: int


def staffing(calls: float, period_s: float, aht_s: float, target: StaffingTarget) -> StaffingResult:
    """The fewest operators that answer ``target.service_level`` of the calls within
    ``target.target_s`` seconds without exceeding ``target.max_occupancy``.

    No calls need no operators (service level 1, nobody waits, occupancy 0).
    """
    traffic = traffic_erlangs(calls, period_s, aht_s)
    if traffic == 0:
        return StaffingResult(
            agents=0,
            service_level=1.0,
            probability_waiting=0.0,
            average_speed_of_answer_s=0.0,
            occupancy=0.0,
            traffic_erlangs=0.0,
            rostered=0,
        )
    # Fewer than floor(A) + 1 operators never keep up; an occupancy cap needs A / cap of them.
    start = math.floor(traffic) + 1
    if target.max_occupancy is not None:
        start = max(start, math.ceil(traffic / target.max_occupancy - _WHOLE_TOLERANCE))
    agents = start
    # Carried forward one operator at a time, so the search costs one pass of the recursion.
    blocking = erlang_b(traffic, agents)
    while True:
        waiting = _c_from_b(traffic, agents, blocking)
        level = _service_level_from_c(waiting, traffic, agents, aht_s, target.target_s)
        if level >= target.service_level:
            break
        agents += 1
        blocking = _next_b(traffic, agents, blocking)
    return StaffingResult(
        agents=agents,
        service_level=level,
        probability_waiting=waiting,
        average_speed_of_answer_s=_asa_from_c(waiting, traffic, agents, aht_s),
        occupancy=traffic / agents,
        traffic_erlangs=traffic,
        rostered=rostered_staff(agents, target.shrinkage),
    )
