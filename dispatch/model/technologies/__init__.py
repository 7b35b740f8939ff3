"""Technology modules, one per technology, behind :class:`~.base.Technology`.

To add a technology: write its module, add its case section to
:mod:`dispatch.case.schema`, and list its class in :data:`REGISTRY`.
"""

from __future__ import annotations

from typing import Any

from dispatch.case.schema import Case
from dispatch.ledger import Term
from dispatch.model.technologies.base import Context, Technology
from dispatch.model.technologies.battery import Battery
from dispatch.model.technologies.flexible import CurtailableLoad, FlexibleLoad
from dispatch.model.technologies.grid import Grid
from dispatch.model.technologies.heat import Boiler, HeatPump
from dispatch.model.technologies.renewables import PV, Wind
from dispatch.model.technologies.thermal import ElectricBoiler, ThermalStorage

REGISTRY: tuple[type[Technology], ...] = (
    PV, Wind, Battery, HeatPump, Boiler, ElectricBoiler, ThermalStorage, FlexibleLoad,
    CurtailableLoad, Grid,
)  # fmt: skip
"""Every technology the model knows, in build order."""

_BY_NAME: dict[str, type[Technology]] = {cls.name: cls for cls in REGISTRY}


def spec_of(case: Case, name: str) -> Any:
    """Return the case section of a technology, or ``None`` when it is absent."""
    cls = _BY_NAME.get(name)
    section: Any = case
    for part in (cls.case_section() if cls else f"technologies.{name}").split("."):
        section = getattr(section, part)
    return section


def ledger_terms(case: Case) -> tuple[Term, ...]:
    """Every ledger term of the technologies a case has (:mod:`dispatch.ledger`)."""
    terms: list[Term] = []
    for cls in REGISTRY:
        spec = spec_of(case, cls.name)
        if spec is not None:
            terms.extend(cls.ledger_terms(spec))
    return tuple(terms)


__all__ = ["REGISTRY", "Context", "Technology", "ledger_terms", "spec_of"]
