"""The citizen's appointments: free times, booking, moving, cancelling, the calendar file.
A delegate or an operator acting for the citizen passes the same allow-list as for their
applications: booking, moving and cancelling need `apply`, reading needs `status`."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.appointments import services
from backend.appointments.ics import calendar
from backend.appointments.schemas import (
    BookingCreate,
    BookingMove,
    BookingOut,
    Bookings,
    FreeSlot,
)
from backend.appointments.services.common import now

__all__ = ["AppointmentController", "FreeSlotController"]

_PRIVATE = {"Cache-Control": "private, no-cache"}


class FreeSlotController(Controller):
    """Open to anyone: when a service can be booked (no personal data)."""

    path = "/api/v1/appointment-slots"
    tags = ["appointments"]

    @get("/", operation_id="listFreeSlots", cache_control=None)
    async def free(
        self,
        service: Annotated[str, QueryParameter(min_length=1, max_length=80)],
        office: Annotated[int | None, QueryParameter(ge=1)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 20,
    ) -> Response[list[FreeSlot]]:
        """The next free times of a service (at one office, if given), soonest first."""
        found = await services.free_slots(service, office_id=office, limit=limit)
        return Response(found, headers={"Cache-Control": "public, max-age=30"})


class AppointmentController(Controller):
    """My bookings (or those of the citizen I act for)."""

    path = "/api/v1/appointments"
    tags = ["appointments"]
    guards = [requires_role("citizen")]
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="listAppointments", opt=need("status"), cache_control=None)
    async def listing(
        self,
        auth: NamedDependency[Auth],
        application: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> Response[Bookings]:
        """Every booking, soonest first, or those of one application."""
        items = await services.mine(
            auth.require_account(), auth.allows_service, application_id=application
        )
        return Response(Bookings(items=items), headers=_PRIVATE)

    @post("/", operation_id="bookAppointment", opt=need("apply"), status_code=HTTP_201_CREATED)
    async def book(self, auth: NamedDependency[Auth], data: JSONBody[BookingCreate]) -> BookingOut:
        """Book a place. Taken meanwhile: 409 `slot_full` with `next_free`, the next times."""
        account = auth.require_account()
        booking_id = await services.book(auth.actor(), account, data, auth.allows_service)
        return await services.one(account, booking_id, auth.allows_service)

    @get("/{booking_id:int}", operation_id="getAppointment", opt=need("status"), cache_control=None)
    async def one(
        self, auth: NamedDependency[Auth], booking_id: FromPath[int]
    ) -> Response[BookingOut]:
        """One of my bookings."""
        found = await services.one(auth.require_account(), booking_id, auth.allows_service)
        return Response(found, headers=_PRIVATE)

    @put("/{booking_id:int}", operation_id="moveAppointment", opt=need("apply"))
    async def move(
        self, auth: NamedDependency[Auth], booking_id: FromPath[int], data: JSONBody[BookingMove]
    ) -> BookingOut:
        """Move it to another time of the same service, until the cut-off (`change_until`)."""
        account = auth.require_account()
        await services.move(auth.actor(), account, booking_id, data.slot_id, auth.allows_service)
        return await services.one(account, booking_id, auth.allows_service)

    @delete(
        "/{booking_id:int}",
        operation_id="cancelAppointment",
        opt=need("apply"),
        status_code=HTTP_200_OK,
    )
    async def cancel(self, auth: NamedDependency[Auth], booking_id: FromPath[int]) -> BookingOut:
        """Cancel it, until the cut-off; the place goes back to others."""
        account = auth.require_account()
        await services.cancel(auth.actor(), account, booking_id, auth.allows_service)
        return await services.one(account, booking_id, auth.allows_service)

    @get(
        "/{booking_id:int}/calendar.ics",
        operation_id="appointmentCalendar",
        opt=need("status"),
        media_type="text/calendar",
        cache_control=None,
    )
    async def ics(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[Auth],
        booking_id: FromPath[int],
    ) -> Response[str]:
        """The booking as a calendar file (iCalendar, one event)."""
        booking = await services.one(auth.require_account(), booking_id, auth.allows_service)
        return Response(
            calendar(booking, request.url.hostname or "portal", now()),
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="appointment-{booking.reference}.ics"'
                ),
                "Cache-Control": "private, no-store",
            },
        )
