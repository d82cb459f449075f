"""Domain model: plain dataclasses and the working-day calendar. No I/O, no printing."""

from bpr.model.bundle import Bundle
from bpr.model.calendar import OfficeHours, WorkCalendar
from bpr.model.catalogue import Catalogue
from bpr.model.eventlog import ROLES, EventLog
from bpr.model.material import Material, MaterialForm, MaterialKind, Necessity, SourceChannel
from bpr.model.matter import Channel, HandlingType, Matter
from bpr.model.process_model import ProcessModel
from bpr.model.step import Step, StepKind, step_kind
from bpr.model.timelimit import Conversion, TimeLimit, Unit
from bpr.model.warning import DataWarning

__all__ = [
    "Bundle", "Catalogue", "Channel", "Conversion", "DataWarning", "EventLog", "HandlingType",
    "Material", "MaterialForm", "MaterialKind", "Matter", "Necessity", "OfficeHours", "ProcessModel", "ROLES",
    "SourceChannel", "Step", "StepKind", "TimeLimit", "Unit", "WorkCalendar", "step_kind",
]
