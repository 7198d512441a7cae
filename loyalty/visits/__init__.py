"""Visits: check-ins or bookings reported by the booking system, one record per reference
(the idempotency key). A visit uses the pass it names, else the member's pass that fits
(a time pass, then the visit pack that expires soonest, then the program's punch card).
The VISITS tier metric counts them."""
