"""Offices and slots as an agency publishes them: through its signed API (its own system) or
the officer console (an agency without one). Another agency's office is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, get, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.agency_api import examples as agency_examples
from backend.agency_api.controllers.common import (
    AGENCY_API,
    CALLER,
    NO_STORE,
    SECURITY,
    documented,
)
from backend.agency_api.controllers.officer import BASE as OFFICER_BASE
from backend.agency_api.controllers.officer import agency_of
from backend.agency_api.guard import AgencyCaller, signed_by_agency
from backend.appointments import examples, services
from backend.appointments.errors import (
    CapacityBelowBookedError,
    OfficeNotFoundError,
)
from backend.appointments.schemas import (
    DayBooking,
    OfficeIn,
    OfficeOut,
    OfficerDay,
    SlotOut,
    SlotsIn,
)
from backend.catalog.errors import ServiceNotFoundError
from backend.lib.errors import ValidationFailedError
from backend.lib.openapi import answer

__all__ = ["AgencyOfficesController", "OfficerAppointmentsController"]

Day = Annotated[dt.date | None, QueryParameter(description="A date in Bangkok; default: today.")]
_OfficeBody = Annotated[
    OfficeIn, Body(media_type=RequestEncodingType.JSON, examples=examples.OFFICE_IN)
]
_SlotsBody = Annotated[
    SlotsIn, Body(media_type=RequestEncodingType.JSON, examples=examples.SLOTS_IN)
]
Days = Annotated[int, QueryParameter(ge=1, le=62, description="How many days from `start`.")]


class AgencyOfficesController(Controller):
    """The agency's offices, their visit slots, and each day's bookings."""

    path = f"{AGENCY_API}/offices"
    tags = ["agency-api", "appointments"]
    guards = [signed_by_agency]
    dependencies = CALLER
    security = SECURITY
    cache_control = NO_STORE

    @get(
        "/",
        operation_id="agencyListOffices",
        responses=documented(
            HTTP_200_OK,
            answer(list[OfficeOut], "The offices.", examples.OFFICES_OUT),
            agency_examples.OUT_OF_RANGE,
        ),
    )
    async def listing(self, caller: NamedDependency[AgencyCaller]) -> list[OfficeOut]:
        """Every office of the agency."""
        return await services.list_offices(caller.agency_id)

    @post(
        "/",
        operation_id="agencyCreateOffice",
        status_code=HTTP_201_CREATED,
        responses=documented(
            HTTP_201_CREATED,
            answer(OfficeOut, "The office.", examples.OFFICE_OUT),
            examples.BAD_HOURS,
            agency_examples.OUT_OF_RANGE,
            ValidationFailedError(),
        ),
    )
    async def create(self, caller: NamedDependency[AgencyCaller], data: _OfficeBody) -> OfficeOut:
        """Publish an office: names, address, opening hours (Asia/Bangkok), closed days."""
        return await services.create_office(caller.agency_id, data, caller.actor())

    @put(
        "/{office_id:int}",
        operation_id="agencyUpdateOffice",
        responses=documented(
            HTTP_200_OK,
            answer(OfficeOut, "The office.", examples.OFFICE_OUT),
            examples.BAD_HOURS,
            agency_examples.OUT_OF_RANGE,
            OfficeNotFoundError(),
            ValidationFailedError(),
        ),
    )
    async def update(
        self,
        caller: NamedDependency[AgencyCaller],
        office_id: FromPath[int],
        data: _OfficeBody,
    ) -> OfficeOut:
        """Replace an office's entry (`active: false` stops new slots and bookings)."""
        return await services.update_office(caller.agency_id, office_id, data, caller.actor())

    @get(
        "/{office_id:int}/slots",
        operation_id="agencyListSlots",
        responses=documented(
            HTTP_200_OK,
            answer(list[SlotOut], "The slots.", examples.SLOTS_OUT),
            examples.BAD_DAYS_AHEAD,
            agency_examples.OUT_OF_RANGE,
            OfficeNotFoundError(),
        ),
    )
    async def slots(
        self,
        caller: NamedDependency[AgencyCaller],
        office_id: FromPath[int],
        start: Day = None,
        days: Days = 14,
    ) -> list[SlotOut]:
        """The office's slots with what is booked, from `start` for `days` days."""
        return await services.list_slots(caller.agency_id, office_id, start, days)

    @post(
        "/{office_id:int}/slots",
        operation_id="agencyPublishSlots",
        status_code=HTTP_200_OK,
        responses=documented(
            HTTP_200_OK,
            answer(list[SlotOut], "The slots as published.", examples.SLOTS_OUT),
            examples.BAD_SLOT,
            agency_examples.OUT_OF_RANGE,
            OfficeNotFoundError(),
            ServiceNotFoundError(),
            CapacityBelowBookedError(),
            ValidationFailedError(),
        ),
    )
    async def publish(
        self,
        caller: NamedDependency[AgencyCaller],
        office_id: FromPath[int],
        data: _SlotsBody,
    ) -> list[SlotOut]:
        """Add slots of your services (within opening hours), or change the length and
        capacity of those with the same service and start: sending a list again is safe."""
        return await services.publish_slots(caller.agency_id, office_id, data, caller.actor())

    @get(
        "/{office_id:int}/appointments",
        operation_id="agencyOfficeDay",
        responses=documented(
            HTTP_200_OK,
            answer(OfficerDay, "The day's bookings.", examples.DAY),
            agency_examples.OUT_OF_RANGE,
            OfficeNotFoundError(),
        ),
    )
    async def day(
        self, caller: NamedDependency[AgencyCaller], office_id: FromPath[int], day: Day = None
    ) -> OfficerDay:
        """The office's bookings of a day, arrivals and no-shows (the listing is audited)."""
        return await services.officer_day(caller.agency_id, office_id, day, caller.actor())


class OfficerAppointmentsController(Controller):
    """The same, in the officer console, for the officer's own agency."""

    path = OFFICER_BASE
    tags = ["officer", "appointments"]
    guards = [requires_role("officer")]
    opt = need("staff")
    dependencies = {"auth": Provide(provide_auth)}
    cache_control = CacheControlHeader(private=True, no_cache=True)

    @get("/offices", operation_id="officerListOffices")
    async def listing(self, auth: NamedDependency[Auth]) -> list[OfficeOut]:
        """My agency's offices."""
        return await services.list_offices(await agency_of(auth))

    @post("/offices", operation_id="officerCreateOffice", status_code=HTTP_201_CREATED)
    async def create(self, auth: NamedDependency[Auth], data: JSONBody[OfficeIn]) -> OfficeOut:
        """Publish an office of my agency."""
        return await services.create_office(await agency_of(auth), data, auth.actor())

    @put("/offices/{office_id:int}", operation_id="officerUpdateOffice")
    async def update(
        self, auth: NamedDependency[Auth], office_id: FromPath[int], data: JSONBody[OfficeIn]
    ) -> OfficeOut:
        """Replace an office's entry."""
        return await services.update_office(await agency_of(auth), office_id, data, auth.actor())

    @get("/offices/{office_id:int}/slots", operation_id="officerListSlots")
    async def slots(
        self,
        auth: NamedDependency[Auth],
        office_id: FromPath[int],
        start: Day = None,
        days: Days = 14,
    ) -> list[SlotOut]:
        """The office's slots with what is booked."""
        return await services.list_slots(await agency_of(auth), office_id, start, days)

    @post(
        "/offices/{office_id:int}/slots",
        operation_id="officerPublishSlots",
        status_code=HTTP_200_OK,
    )
    async def publish(
        self, auth: NamedDependency[Auth], office_id: FromPath[int], data: JSONBody[SlotsIn]
    ) -> list[SlotOut]:
        """Add or change slots of my agency's services."""
        return await services.publish_slots(await agency_of(auth), office_id, data, auth.actor())

    @get("/offices/{office_id:int}/appointments", operation_id="officerOfficeDay")
    async def day(
        self, auth: NamedDependency[Auth], office_id: FromPath[int], day: Day = None
    ) -> OfficerDay:
        """The office's day: bookings, arrivals, no-shows (audited)."""
        return await services.officer_day(await agency_of(auth), office_id, day, auth.actor())

    @post(
        "/appointments/{booking_id:int}/no-show",
        operation_id="officerMarkNoShow",
        status_code=HTTP_200_OK,
    )
    async def no_show(self, auth: NamedDependency[Auth], booking_id: FromPath[int]) -> DayBooking:
        """Record that the citizen did not come (once the slot has begun)."""
        return await services.mark_no_show(await agency_of(auth), booking_id, auth.actor())
